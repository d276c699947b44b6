"""drsclient against a mocked HTTP API (requests-mock)."""

from __future__ import annotations

import io

from keystoneauth1 import session as ks_session
import pytest
import requests_mock

from drsclient import client
from drsclient import exceptions
from drsclient.osc.v1 import progress
from drsclient.v1 import operations

ROOT = 'http://dr.example:9779'
PLAN_ID = '3f0b5d1b-7a0e-4f7e-9a51-2c1d0e6f7a11'
OP_ID = '9a2c8b1f-4a1c-4e8f-8b62-3d2e1f7a8b22'
VERSIONS = {'versions': [{'id': 'v1', 'status': 'CURRENT',
                          'min_version': '1.0', 'version': '1.0',
                          'links': []}]}


@pytest.fixture
def mock():
    with requests_mock.Mocker() as m:
        m.get(ROOT + '/', json=VERSIONS)
        yield m


def _client(**kwargs) -> client.Client:
    kwargs.setdefault('endpoint_override', ROOT)
    return client.Client(session=ks_session.Session(), **kwargs)


def _error(status: int, detail: str, code: str = 'drs.x') -> dict:
    return {'errors': [{'request_id': 'req-1', 'status': status,
                        'code': code, 'title': 'T', 'detail': detail}]}


def test_microversion_header_and_negotiation(mock):
    mock.get(ROOT + '/v1/plans', json={'plans': [], 'links': []})
    dr = _client(api_version='latest')
    assert dr.plans.list() == []
    assert dr.api_version == '1.0'
    sent = mock.request_history[-1]
    assert sent.headers['OpenStack-API-Version'] == 'dr 1.0'
    # GET / is asked once.
    dr.plans.list()
    assert [r.path for r in mock.request_history].count('/') == 1


def test_unsupported_versions(mock):
    with pytest.raises(exceptions.UnsupportedVersion):
        _ = _client(api_version='1.7').api_version
    with pytest.raises(exceptions.UnsupportedVersion):
        _ = _client(api_version='one').api_version
    mock.get(ROOT + '/', json={'versions': [{
        'id': 'v1', 'min_version': '1.2', 'version': '1.5'}]})
    with pytest.raises(exceptions.UnsupportedVersion):
        _ = _client(api_version='latest').api_version


def test_endpoint_from_catalog_strips_v1(mock):
    mock.get(ROOT + '/v1/sites', json={'sites': []})
    dr = _client(endpoint_override=ROOT + '/v1/')
    assert dr.sites.list() == []
    assert dr.http.root == ROOT


def test_list_follows_next_links(mock):
    page1 = {'plans': [{'id': 'a'}, {'id': 'b'}], 'links': [
        {'rel': 'next', 'href': ROOT + '/v1/plans?limit=2&marker=b'}]}
    page2 = {'plans': [{'id': 'c'}], 'links': []}
    mock.get(ROOT + '/v1/plans', [{'json': page1}, {'json': page2}])
    dr = _client()
    assert [p['id'] for p in dr.plans.list(status='protected')] == [
        'a', 'b', 'c']
    first, second = [r for r in mock.request_history if r.path != '/']
    assert first.qs == {'status': ['protected']}
    assert second.qs == {'limit': ['2'], 'marker': ['b']}


def test_list_limit_stops_early(mock):
    page1 = {'plans': [{'id': 'a'}, {'id': 'b'}], 'links': [
        {'rel': 'next', 'href': ROOT + '/v1/plans?limit=2&marker=b'}]}
    mock.get(ROOT + '/v1/plans', json=page1)
    assert [p['id'] for p in _client().plans.list(limit=2)] == ['a', 'b']


def test_api_errors_carry_the_error_document(mock):
    mock.get(ROOT + '/v1/plans/' + PLAN_ID, status_code=409,
             json=_error(409, 'plan is busy', 'drs.plan.busy'),
             headers={'x-openstack-request-id': 'req-1'})
    with pytest.raises(exceptions.Conflict) as e:
        _client().plans.get(PLAN_ID)
    err = e.value
    assert (str(err), err.status, err.code, err.request_id) == (
        'plan is busy', 409, 'drs.plan.busy', 'req-1')
    assert err.describe() == 'plan is busy (HTTP 409, drs.plan.busy, req-1)'


def test_non_json_error(mock):
    mock.get(ROOT + '/v1/sites', status_code=502, text='Bad Gateway')
    with pytest.raises(exceptions.ApiError) as e:
        _client().sites.list()
    assert e.value.status == 502
    assert str(e.value) == 'Bad Gateway'


def test_find_plan_by_id_then_name(mock):
    mock.get(ROOT + '/v1/plans/' + PLAN_ID, json={'plan': {'id': PLAN_ID}})
    mock.get(ROOT + '/v1/plans?name=billing',
             json={'plans': [{'id': PLAN_ID, 'name': 'billing'}]})
    dr = _client()
    assert dr.plans.find(PLAN_ID)['id'] == PLAN_ID
    assert dr.plans.find('billing')['id'] == PLAN_ID


def test_find_plan_missing_or_ambiguous(mock):
    mock.get(ROOT + '/v1/plans?name=none', json={'plans': []})
    mock.get(ROOT + '/v1/plans?name=twin',
             json={'plans': [{'id': 'a'}, {'id': 'b'}]})
    dr = _client()
    with pytest.raises(exceptions.NotFound, match="no plan with a name or "
                       "id of 'none' exists"):
        dr.plans.find('none')
    with pytest.raises(exceptions.NoUniqueMatch,
                       match="2 plans are named 'twin'; use the id"):
        dr.plans.find('twin')


def test_find_site_by_name_is_resolved_by_the_server(mock):
    mock.get(ROOT + '/v1/sites/dc-west', json={'site': {'id': 's1'}})
    mock.get(ROOT + '/v1/sites/nowhere', status_code=404,
             json=_error(404, 'Site nowhere could not be found.'))
    dr = _client()
    assert dr.sites.find('dc-west')['id'] == 's1'
    with pytest.raises(exceptions.NotFound, match='no site'):
        dr.sites.find('nowhere')


def test_create_update_delete_and_action(mock):
    mock.post(ROOT + '/v1/plans', status_code=201,
              json={'plan': {'id': PLAN_ID}})
    mock.patch(ROOT + '/v1/plans/' + PLAN_ID,
               json={'plan': {'id': PLAN_ID, 'name': 'x'}})
    mock.delete(ROOT + '/v1/plans/' + PLAN_ID, status_code=204)
    mock.post(ROOT + '/v1/plans/%s/actions' % PLAN_ID, status_code=202,
              json={'operation': {'id': OP_ID, 'status': 'pending'}})
    dr = _client()
    dr.plans.create(name='p', source_site='a', target_site='b')
    assert mock.last_request.json() == {'plan': {
        'name': 'p', 'source_site': 'a', 'target_site': 'b'}}
    dr.plans.update(PLAN_ID, name='x')
    assert mock.last_request.json() == {'plan': {'name': 'x'}}
    assert dr.plans.delete(PLAN_ID) is None
    op = dr.plans.action(PLAN_ID, 'failover', {'cutoff': 'latest'})
    assert op['id'] == OP_ID
    assert mock.last_request.json() == {'failover': {'cutoff': 'latest'}}
    with pytest.raises(ValueError):
        dr.plans.action(PLAN_ID, 'explode')


def test_resources_and_mappings_patch_the_whole_lists(mock):
    plan = {'id': PLAN_ID, 'resources': [
        {'type': 'OS::Cinder::Volume', 'id': 'v1', 'tier': 1,
         'replication': {'state': 'unprotected'}}],
        'mappings': {'networks': {'n1': 'n2'}}}
    mock.get(ROOT + '/v1/plans/' + PLAN_ID, json={'plan': plan})
    mock.patch(ROOT + '/v1/plans/' + PLAN_ID, json={'plan': plan})
    dr = _client()
    dr.plans.add_resources(PLAN_ID, [{'type': 'OS::Nova::Server',
                                      'id': 's1', 'tier': 2}])
    assert mock.last_request.json() == {'plan': {'resources': [
        {'type': 'OS::Cinder::Volume', 'id': 'v1', 'tier': 1},
        {'type': 'OS::Nova::Server', 'id': 's1', 'tier': 2}]}}
    dr.plans.remove_resources(PLAN_ID, [{'id': 'v1'}])
    assert mock.last_request.json() == {'plan': {'resources': []}}
    with pytest.raises(KeyError):
        dr.plans.remove_resources(PLAN_ID, [{'id': 'nope'}])
    dr.plans.set_mappings(PLAN_ID, {'flavors': {'a': 'b'}},
                          unset={'networks': ['n1']})
    sent = mock.last_request.json()['plan']['mappings']
    assert sent['flavors'] == {'a': 'b'}
    assert sent['networks'] == {}
    assert set(sent) == {'networks', 'subnets', 'flavors',
                         'availability_zones', 'volume_types',
                         'security_groups'}


def test_report_missing_is_report_not_available(mock):
    mock.get(ROOT + '/v1/operations/%s/report' % OP_ID, status_code=404,
             json=_error(404, 'The resource could not be found.',
                         'drs.not_found'))
    mock.get(ROOT + '/v1/operations/' + OP_ID,
             json={'operation': {'id': OP_ID}})
    with pytest.raises(operations.ReportNotAvailable):
        _client().operations.report(OP_ID)


def test_wait_polls_until_terminal_and_times_out(mock):
    states = [{'json': {'operation': {'id': OP_ID, 'action': 'protect',
                                      'status': s, 'progress': p}}}
              for s, p in (('pending', {}), ('running', {
                  'done': 1, 'total': 3, 'current': 'step-1'}),
                  ('succeeded', {'done': 3, 'total': 3}))]
    mock.get(ROOT + '/v1/operations/' + OP_ID, states)
    mock.get(ROOT + '/v1/operations/%s/events' % OP_ID, json={'events': [
        {'step': 'step-1', 'resource': {'type': 'OS::Cinder::Volume',
                                        'id': 'v1'}, 'state': 'started'}]})
    seen = []
    op = _client().operations.wait(
        OP_ID, callback=lambda o, e: seen.append(o['status']), events=True,
        sleep=lambda s: None)
    assert op['status'] == 'succeeded'
    assert seen == ['pending', 'running', 'succeeded']

    mock.get(ROOT + '/v1/operations/' + OP_ID, json={'operation': {
        'id': OP_ID, 'status': 'running'}})
    ticks = iter(range(100))
    with pytest.raises(operations.WaitTimeout):
        _client().operations.wait(OP_ID, timeout=5,
                                  clock=lambda: next(ticks),
                                  sleep=lambda s: None)


def test_progress_printer_plain_lines():
    out = io.StringIO()
    ticks = iter([0, 1, 2, 3, 65])
    printer = progress.ProgressPrinter(out, tty=False,
                                       clock=lambda: next(ticks))
    op = {'id': OP_ID, 'action': 'failover', 'status': 'running',
          'progress': {'done': 1, 'total': 4, 'current': 'boot server'}}
    event = {'step': 'boot server', 'resource': {
        'type': 'OS::Nova::Server', 'id': 'web-1'}}
    printer(op, event)
    printer(op, event)  # unchanged: no new line
    printer(dict(op, progress={'done': 2, 'total': 4,
                               'current': 'attach'}), None)
    printer.finish(dict(op, status='succeeded'), {'rto_seconds': 58})
    assert out.getvalue().splitlines() == [
        'failover 9a2c8b1f: running 1/4 boot server '
        '(OS::Nova::Server web-1) 00:01',
        'failover 9a2c8b1f: running 2/4 attach 00:03',
        'Operation %s (failover) succeeded after 01:05; RTO 58s' % OP_ID]


def test_progress_printer_terminal_line():
    out = io.StringIO()
    printer = progress.ProgressPrinter(out, tty=True, clock=lambda: 42,
                                       width=160)
    printer({'id': OP_ID, 'action': 'protect', 'status': 'running',
             'progress': {'done': 3, 'total': 6, 'current': 'step-3'}},
            None)
    # Redrawn in place: back to the start, the line, erase what is left.
    assert out.getvalue() == ('\rprotect 9a2c8b1f: running '
                              '[######------] 3/6 step-3 00:00\x1b[K')
    line = printer.finish({'id': OP_ID, 'action': 'protect',
                           'status': 'failed',
                           'error': {'step': 'step-3', 'detail': 'boom'}},
                          None, write=False)
    # A failure is the caller's to print (once): only the line is erased.
    assert out.getvalue().endswith('00:00\x1b[K\r\x1b[K')
    assert line == ('Operation %s (protect) failed after 00:00: boom '
                    '(step step-3)' % OP_ID)


SERVER_ID = '7f3d9c20-5b2d-4f90-9c73-4e3f208b9c33'
LONG_OP = {'id': OP_ID, 'action': 'failover', 'status': 'running',
           'progress': {'done': 6, 'total': 12,
                        'current': 'wait-active-%s' % SERVER_ID}}
LONG_EVENT = {'step': 'wait-active-%s' % SERVER_ID, 'resource': {
    'type': 'OS::Nova::Server', 'id': SERVER_ID}}


@pytest.mark.parametrize('width', [40, 80, 120, 160, 200])
def test_progress_line_fits_the_terminal(width):
    out = io.StringIO()
    printer = progress.ProgressPrinter(out, tty=True, clock=lambda: 42,
                                       width=width)
    printer(LONG_OP, LONG_EVENT)
    drawn = out.getvalue()
    assert drawn.startswith('\r') and drawn.endswith('\x1b[K')
    line = drawn[1:-3]
    assert len(line) <= width - 1, line
    assert line.startswith('failover 9a2c8b1f: running')
    assert line.endswith('00:00')
    # UUIDs shortened as the id of the operation is.
    assert SERVER_ID not in line
    if width >= 120:
        assert line == ('failover 9a2c8b1f: running [######------] 6/12 '
                        'wait-active-7f3d9c20 (OS::Nova::Server 7f3d9c20) '
                        '00:00')


def test_progress_line_follows_a_resized_terminal():
    out = io.StringIO()
    widths = iter([160, 60])
    printer = progress.ProgressPrinter(out, tty=True, clock=lambda: 0)
    printer.width = lambda: next(widths)
    printer(LONG_OP, LONG_EVENT)
    printer(LONG_OP, LONG_EVENT)
    first, second = out.getvalue().split('\x1b[K')[:2]
    assert len(first) - 1 > 60 and len(second) - 1 <= 59


def test_messages_lose_python_class_paths():
    assert progress.error_text({
        'step': 'create-test-server', 'detail':
        'novaclient.exceptions.Forbidden: Quota exceeded for instances '
        '(HTTP 403)'}) == ('Forbidden: Quota exceeded for instances (HTTP '
                           '403) (step create-test-server)')
    assert progress.without_class_paths(
        'drs.drivers.base.DriverError: at http://127.0.0.1:8776/v3 '
        'see drs.log') == ('DriverError: at http://127.0.0.1:8776/v3 see '
                           'drs.log')


def test_find_by_id_prefix(mock):
    other = '3f0b5d1b-0000-4f7e-9a51-2c1d0e6f7a11'
    mock.get(ROOT + '/v1/operations', json={'operations': [
        {'id': OP_ID}, {'id': other}], 'links': []})
    mock.get(ROOT + '/v1/plans?name=9a2c8b1f', json={'plans': []})
    mock.get(ROOT + '/v1/plans', json={'plans': [
        {'id': PLAN_ID, 'name': 'billing'}, {'id': other, 'name': 'x'}],
        'links': []})
    dr = _client()
    assert dr.operations.find('9a2c8b1f')['id'] == OP_ID
    assert dr.operations.find('9A2C8B1F-4a1c')['id'] == OP_ID
    with pytest.raises(exceptions.NotFound,
                       match="no operation with an id of 'abcdef12'"):
        dr.operations.find('abcdef12')
    # A name wins; else a unique prefix of the id; else a clear error.
    mock.get(ROOT + '/v1/plans?name=billing', json={'plans': [
        {'id': PLAN_ID, 'name': 'billing'}]})
    assert dr.plans.find('billing')['id'] == PLAN_ID
    mock.get(ROOT + '/v1/plans?name=3f0b5d1b', json={'plans': []})
    with pytest.raises(exceptions.NoUniqueMatch,
                       match="the ids of 2 plans start with '3f0b5d1b'; "
                             "give more of the id"):
        dr.plans.find('3f0b5d1b')
    mock.get(ROOT + '/v1/plans?name=3f0b5d1b-7a', json={'plans': []})
    assert dr.plans.find('3f0b5d1b-7a')['id'] == PLAN_ID
    # Too short to be taken for an id.
    mock.get(ROOT + '/v1/plans?name=3f0', json={'plans': []})
    with pytest.raises(exceptions.NotFound):
        dr.plans.find('3f0')


def test_endpoint_error_names_an_option_that_exists():
    import argparse

    from drsclient.osc import plugin
    parser = plugin.build_option_parser(argparse.ArgumentParser())
    options = {a.dest for a in parser._actions}
    assert 'os_dr_endpoint_override' in options
    dr = client.Client(session=ks_session.Session())
    dr.http.adapter.get_endpoint = lambda: None  # not in the catalog
    with pytest.raises(exceptions.EndpointNotFound,
                       match='--os-dr-endpoint-override'):
        _ = dr.http.root
