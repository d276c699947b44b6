"""The API's ownership check of a plan's resources (issue 13): the
engine's answer refuses with a 400; an engine or site that does not
answer stores the plan unchecked; the RPC is a bounded call."""

from unittest import mock

import oslo_messaging as messaging
import pytest

from drs.api import resource_check
from drs.engine import rpcapi
from drs import exception

RES = [{'type': 'OS::Cinder::Volume', 'id': 'v1', 'tier': 3},
       {'type': 'OS::Nova::Server', 'id': 's1'}]


@pytest.fixture
def engine(conf):
    engine = mock.Mock()
    with mock.patch.object(resource_check.pecan, 'request',
                           mock.Mock(rpcapi=engine)):
        yield engine


def _ctx(token='tok'):  # noqa: S107 - a fake token
    return mock.Mock(auth_token=token, project_id='p')


def test_refused_resources_are_a_400_naming_them(engine):
    engine.check_resources.return_value = {'checked': True, 'refused': [
        {'index': 1, 'type': 'OS::Nova::Server', 'id': 's1',
         'code': 'drs.resource.foreign', 'detail': 'server s1 is not p\'s'},
        {'index': 0, 'type': 'OS::Cinder::Volume', 'id': 'v1',
         'code': 'drs.resource.not_found', 'detail': 'volume v1 gone'}]}
    with pytest.raises(exception.ResourceNotInProject) as e:
        resource_check.check(_ctx(), 'p', 'site-1', RES)
    assert e.value.status == 400
    assert e.value.code == 'drs.plan.resource_not_in_project'
    assert "'plan.resources[1]'" in str(e.value)
    assert 's1' in str(e.value) and 'v1' in str(e.value)
    engine.check_resources.assert_called_once_with(
        mock.ANY, 'p', 'site-1', [{'type': 'OS::Cinder::Volume', 'id': 'v1'},
                                  {'type': 'OS::Nova::Server', 'id': 's1'}],
        20)


@pytest.mark.parametrize('answer', [
    messaging.MessagingTimeout(),
    messaging.MessageUndeliverable(Exception(), 'x', 'drs-engine', {}),
    {'checked': False, 'reason': 'ConnectFailure'},
    {'checked': True, 'refused': []},
])
def test_unanswered_or_accepted_stores_the_plan(engine, answer):
    if isinstance(answer, Exception):
        engine.check_resources.side_effect = answer
    else:
        engine.check_resources.return_value = answer
    resource_check.check(_ctx(), 'p', 'site-1', RES)  # no exception
    engine.check_resources.assert_called_once()


@pytest.mark.parametrize('ctx,resources,timeout', [
    (_ctx(None), RES, 20),   # noauth: no token to check with
    (_ctx(), [], 20),        # nothing to check
    (_ctx(), RES, 0),        # turned off
])
def test_not_asked(conf, engine, ctx, resources, timeout):
    conf.config(group='api', resource_check_timeout=timeout)
    resource_check.check(ctx, 'p', 'site-1', resources)
    engine.check_resources.assert_not_called()


def test_rpc_call_is_bounded_and_skipped_below_1_1(conf):
    with mock.patch.object(rpcapi.rpc, 'get_client') as get_client:
        api = rpcapi.EngineAPI()
        client = get_client.return_value
        client.can_send_version.return_value = True
        client.prepare.return_value.call.return_value = {'checked': True}
        assert api.check_resources('ctx', 'p', 's', [], 7) == {
            'checked': True}
        kwargs = client.prepare.call_args.kwargs
        assert (kwargs['version'], kwargs['timeout'], kwargs['retry']) == (
            '1.1', 7, 1)
        assert kwargs['transport_options'].at_least_once is True
        client.prepare.return_value.call.assert_called_once_with(
            'ctx', 'check_resources', project_id='p', site_id='s',
            resources=[])
        client.can_send_version.return_value = False
        assert api.check_resources('ctx', 'p', 's', [], 7)['checked'] is \
            False
