"""The API reference's request and response samples, from real calls
to drs-all-in-one behind the real Keystone (see drs/tests/api_samples.py;
the samples of a real protection and failover come from the integration
test on the test cloud)."""

import json
import os

import pytest

from drs.tests import api_samples
from drs.tests.functional.cli import conftest as cli_conftest
from drs.tests.api_samples import Recorder


@pytest.fixture
def recorder(keystone, drs_server):
    def new_session(user):
        if user == 'admin':
            return keystone.admin_session()
        return keystone.session(user)
    recorder = Recorder(drs_server.url, new_session,
                        skip=api_samples.CLOUD_SAMPLES)
    call = recorder.call

    def recorded_call(name, method, path, *args, **kwargs):
        data = call(name, method, path, *args, **kwargs)
        cli_conftest.record('%s %s' % (method, path), json.dumps(data))
        return data
    recorder.call = recorded_call  # type: ignore[method-assign]
    return recorder


def test_api_samples(recorder):
    r = recorder
    r.call('versions', 'GET', '/', user='alice', template='/')
    r.call('version-v1', 'GET', '/v1', template='/v1')

    # Sites (admin writes).
    site_a = r.call('site-create', 'POST', '/v1/sites', user='admin',
                    status=201, template='/v1/sites', body={'site': {
                        'name': 'dc-east', 'region_name': 'RegionOne',
                        'auth_url': 'https://keystone.east.example/v3',
                        'description': 'primary site'}})['site']
    site_b = r.call(None, 'POST', '/v1/sites', user='admin', status=201,
                    body={'site': {
                        'name': 'dc-west', 'region_name': 'RegionTwo',
                        'auth_url': 'https://keystone.west.example/v3',
                        'interface': 'public',
                        'description': 'secondary site'}})['site']
    r.call('sites-list', 'GET', '/v1/sites?name=dc-east',
           template='/v1/sites')
    r.call('site-show', 'GET', '/v1/sites/' + site_a['id'],
           template='/v1/sites/{site_id}')
    r.call('site-update', 'PATCH', '/v1/sites/' + site_b['id'],
           user='admin', template='/v1/sites/{site_id}',
           body={'site': {'description': 'disaster recovery site',
                          'verify_tls': True}})

    # Plans.
    plan = r.call('plan-create', 'POST', '/v1/plans', status=201,
                  template='/v1/plans', body={'plan': {
                      'name': 'billing', 'description': 'billing tier',
                      'source_site': 'dc-east', 'target_site': 'dc-west',
                      'rpo_seconds': 300,
                      'resources': [
                          {'type': 'OS::Cinder::Volume',
                           'id': '5d1b7a0e-3f0b-4f7e-9a51-2c1d0e6f7a11'},
                          {'type': 'OS::Nova::Server', 'tier': 1,
                           'id': '7f3d9c20-5b2d-4f90-9c73-4e3f208b9c33'},
                          {'type': 'OS::Swift::Container',
                           'id': 'invoices'}],
                      'mappings': {
                          'networks': {
                              'a1c2e3f4-0000-4000-8000-000000000001':
                              'b1c2e3f4-0000-4000-8000-000000000002'},
                          'flavors': {'m1.small': 'm1.small'},
                          'availability_zones': {'nova': 'nova'},
                          'volume_types': {'fast': 'fast-replicated'}},
                      'options': {'volume_replication': 'volume-type',
                                  'test_network_isolation': True}}})['plan']
    plan_path = '/v1/plans/' + plan['id']
    r.call('plans-list', 'GET', '/v1/plans?name=billing',
           template='/v1/plans')
    r.call('plan-show', 'GET', plan_path, template='/v1/plans/{plan_id}')
    r.call('plan-update', 'PATCH', plan_path,
           template='/v1/plans/{plan_id}',
           body={'plan': {'description': 'billing tier (EU)',
                          'rpo_seconds': 600}})
    r.call('plan-recipes', 'GET', plan_path + '/recipes',
           template='/v1/plans/{plan_id}/recipes')

    # Actions and operations.
    actions = plan_path + '/actions'
    op = r.call('plan-action-protect', 'POST', actions, status=202,
                template='/v1/plans/{plan_id}/actions',
                body={'protect': {}})['operation']
    r.wait(op['id'])
    op = r.call('plan-action-failover', 'POST', actions, status=202,
                template='/v1/plans/{plan_id}/actions',
                body={'failover': {'cutoff': 'latest'}})['operation']
    r.wait(op['id'])
    op_path = '/v1/operations/' + op['id']
    r.call('operation-show', 'GET', op_path,
           template='/v1/operations/{operation_id}')
    r.call('operations-list', 'GET',
           '/v1/operations?plan_id=%s&action=failover' % plan['id'],
           template='/v1/operations')
    r.call('operation-events', 'GET', op_path + '/events',
           template='/v1/operations/{operation_id}/events')
    r.call('operation-report', 'GET', op_path + '/report',
           template='/v1/operations/{operation_id}/report')
    # Cancel: an operation just posted is pending (or just started).
    op = r.call(None, 'POST', actions, status=202,
                body={'reprotect': {}})['operation']
    r.call('operation-cancel', 'POST',
           '/v1/operations/%s/cancel' % op['id'], status=202,
           template='/v1/operations/{operation_id}/cancel')

    # An error document.
    r.call('error-plan-not-found', 'GET',
           '/v1/plans/00000000-0000-4000-8000-000000000000', status=404,
           template='/v1/plans/{plan_id}')

    # Deletes answer 204 with no body.
    plan2 = r.call(None, 'POST', '/v1/plans', status=201, body={'plan': {
        'name': 'scratch', 'source_site': 'dc-east',
        'target_site': 'dc-west'}})['plan']
    r.call(None, 'DELETE', '/v1/plans/' + plan2['id'], status=204)
    site_c = r.call(None, 'POST', '/v1/sites', user='admin', status=201,
                    body={'site': {'name': 'dc-scratch',
                                   'region_name': 'RegionThree',
                                   'auth_url': 'https://k.example/v3'}})
    r.call(None, 'DELETE', '/v1/sites/' + site_c['site']['id'],
           user='admin', status=204)

    if not api_samples.WRITE:
        committed = {f[:-5] for f in os.listdir(api_samples.SAMPLES)
                     if f.endswith('.json')}
        stale = committed - set(r.recorded) - api_samples.CLOUD_SAMPLES
        assert not stale, 'samples no test produces: %s' % sorted(stale)
    r.assert_clean()
