"""Trust sessions are cached at most [engine] trust_session_ttl seconds,
and a trust Keystone refuses fails clearly (issue 13: the engine kept
acting on a cached token after the trust was deleted)."""

from unittest import mock

from keystoneauth1 import exceptions as ks_exc
import pytest

from drs.common import identity

SITE = {'name': 'a', 'auth_url': 'http://ks:5000/v3'}


@pytest.fixture
def sessions(conf):
    conf.config(group='service_auth', auth_type='password')
    made = []

    def session(auth, site=None):
        sess = mock.Mock()
        made.append(sess)
        return sess
    identity.forget_sessions()
    with mock.patch.object(identity, '_load_auth'), \
            mock.patch.object(identity, '_session', side_effect=session):
        yield made
    identity.forget_sessions()


def test_trust_session_reused_within_the_ttl_then_made_again(conf,
                                                             sessions):
    conf.config(group='engine', trust_session_ttl=30)
    with mock.patch.object(identity.time, 'monotonic', return_value=100.0):
        first = identity.trust_session(SITE, 'trust-1')
    with mock.patch.object(identity.time, 'monotonic', return_value=129.0):
        assert identity.trust_session(SITE, 'trust-1') is first
    with mock.patch.object(identity.time, 'monotonic', return_value=131.0):
        again = identity.trust_session(SITE, 'trust-1')
    assert again is not first and len(sessions) == 2


def test_ttl_zero_authenticates_every_time(conf, sessions):
    conf.config(group='engine', trust_session_ttl=0)
    assert identity.trust_session(SITE, 't') is not \
        identity.trust_session(SITE, 't')


@pytest.mark.parametrize('error', [ks_exc.NotFound, ks_exc.Unauthorized])
def test_a_refused_trust_is_a_clear_trust_error(conf, sessions, error):
    conf.config(group='engine', trust_session_ttl=0)
    with mock.patch.object(identity, '_session') as make:
        make.return_value.get_token.side_effect = error()
        with pytest.raises(identity.TrustError) as e:
            identity.plan_session(SITE, 'trust-secret-id')
    assert 'trust is no longer valid' in str(e.value)
    assert 'trust-secret-id' not in str(e.value)


def test_keystone_unreachable_is_not_taken_for_a_revoked_trust(conf,
                                                               sessions):
    conf.config(group='engine', trust_session_ttl=0)
    with mock.patch.object(identity, '_session') as make:
        make.return_value.get_token.side_effect = ks_exc.ConnectFailure()
        with pytest.raises(ks_exc.ConnectFailure):
            identity.plan_session(SITE, 't')
