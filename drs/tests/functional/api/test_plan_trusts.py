"""A plan's Keystone trust: created with the plan, never shown, deleted
with it (real Keystone)."""

import pytest

from drs.db import api as db_api
from drs import context as drs_context
from drs.tests.functional.api.test_plans import create
from drs.tests.functional.api.test_plans import plan_body
from drs.tests.functional.api.test_plans import VOLUME
from drs.tests.functional.conftest import error_of


def _trusts(api) -> list[dict]:
    admin = api.keystone.admin_session()
    return admin.get(api.keystone.url + '/OS-TRUST/trusts').json()['trusts']


def test_trust_created_hidden_and_deleted(api, sites):
    plan = create(api)
    row = db_api.plan_get(drs_context.get_admin_context(), plan['id'])
    assert row.trust_id
    assert row.trust_id not in str(plan)
    trust = [t for t in _trusts(api) if t['id'] == row.trust_id]
    assert len(trust) == 1
    assert trust[0]['impersonation'] is True
    assert trust[0]['project_id'] == api.keystone.project_ids['project-a']
    shown = api.get('/v1/plans/' + plan['id'], status=200).text
    assert row.trust_id not in shown
    api.delete('/v1/plans/' + plan['id'], status=204)
    assert row.trust_id not in [t['id'] for t in _trusts(api)]


def test_without_service_auth_plan_create_is_refused_clearly(
        api, sites, monkeypatch):
    # Once accepted without a trust (and no warning); protect then failed
    # with a misleading message and left the plan in error. (The session's
    # [service_auth] overrides are shared: hide them, do not clear them.)
    from drs.common import identity
    monkeypatch.setattr(identity, 'service_auth_configured', lambda: False)
    resp = api.post('/v1/plans', body=plan_body(), status=503)
    error = error_of(resp)
    assert error['code'] == 'drs.plan.no_service_credentials'
    assert '[service_auth]' in error['detail']
    assert api.get('/v1/plans', status=200).json['plans'] == []


# ------------------------------------------------- issue 13 (real Keystone)

def _site(api) -> dict:
    return {'name': 'site-a', 'auth_url': api.keystone.url,
            'verify_tls': True}


def test_a_deleted_trust_stops_the_engine_within_the_ttl(api, sites, conf):
    # The engine kept acting on a cached trust token until restarted.
    from drs.common import identity
    plan = create(api)
    row = db_api.plan_get(drs_context.get_admin_context(), plan['id'])
    identity.forget_sessions()
    try:
        conf.config(group='engine', trust_session_ttl=3600)
        sess = identity.plan_session(_site(api), row.trust_id)
        assert sess.get_project_id() == \
            api.keystone.project_ids['project-a']
        api.keystone.admin_session().delete(
            api.keystone.url + '/OS-TRUST/trusts/' + row.trust_id)
        # Within the TTL the cached session is what the engine has...
        assert identity.plan_session(_site(api), row.trust_id) is sess
        # ... and once it is over, the trust is redeemed again: refused.
        conf.config(group='engine', trust_session_ttl=0)
        with pytest.raises(identity.TrustError) as e:
            identity.plan_session(_site(api), row.trust_id)
        assert 'trust is no longer valid' in str(e.value)
        assert row.trust_id not in str(e.value)
    finally:
        identity.forget_sessions()


def test_caller_token_rescoped_for_the_engines_check(api):
    from drs.common import identity
    sess = identity.token_session(_site(api), api.token('alice'),
                                  api.keystone.project_ids['project-a'])
    assert sess.get_project_id() == api.keystone.project_ids['project-a']
    with pytest.raises(identity.TrustError) as e:
        identity.token_session(_site(api), 'not-a-token',
                               api.keystone.project_ids['project-a'])
    assert 'not-a-token' not in str(e.value)


def test_no_engine_answering_the_check_stores_the_plan(api, sites):
    # The source site or the engine may be down while a DR plan is
    # written: stored, unchecked (protect checks before acting).
    import time
    started = time.monotonic()
    create(api)
    assert time.monotonic() - started < 10


def test_a_resource_the_engine_refuses_is_a_400(api, sites, monkeypatch):
    from drs.engine import rpcapi
    asked = []

    def check(self, context, project_id, site_id, resources, timeout):
        asked.append((context.project_id, project_id, site_id, resources))
        return {'checked': True, 'refused': [{
            'index': 1, 'type': 'OS::Cinder::Volume', 'id': VOLUME,
            'code': 'drs.resource.foreign',
            'detail': 'OS::Cinder::Volume %s does not belong to project '
                      '%s at site site-a' % (VOLUME, project_id)}]}
    monkeypatch.setattr(rpcapi.EngineAPI, 'check_resources', check)
    trusts_before = _trusts(api)
    resp = api.post('/v1/plans', body=plan_body(), status=400)
    error = error_of(resp)
    assert error['code'] == 'drs.plan.resource_not_in_project'
    assert "plan.resources[1]" in error['detail']
    assert VOLUME in error['detail']
    project = api.keystone.project_ids['project-a']
    assert asked == [(project, project, sites['site-a']['id'], [
        {'type': r['type'], 'id': r['id']}
        for r in plan_body()['plan']['resources']])]
    assert api.get('/v1/plans', status=200).json['plans'] == []
    # Refused before any trust was made.
    assert _trusts(api) == trusts_before
