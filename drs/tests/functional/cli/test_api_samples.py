"""The API reference's request and response samples, from real calls.

Every sample in ``api-ref/source/samples`` is a real request to, or
response from, drs-all-in-one behind the real Keystone. With
``DRS_WRITE_API_SAMPLES=1`` this test (re)writes them; otherwise it
checks that the committed samples still have the live responses' shape
(the same keys, the same JSON types; ids, times and other values may
differ), and that every live response matches its OpenAPI schema.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import jsonschema
import pytest

from drs.api import openapi

SAMPLES = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..',
                       'api-ref', 'source', 'samples')
WRITE = os.environ.get('DRS_WRITE_API_SAMPLES') == '1'
# Samples show this URL instead of the test server's.
PUBLIC_URL = 'http://drs.example.com:9779'
WAIT = 60


def shape(value: Any) -> Any:
    """The keys and JSON types of a document, without its values."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(v) for v in value[:1]]
    if value is None:
        return None
    if isinstance(value, bool):
        return 'boolean'
    if isinstance(value, (int, float)):
        return 'number'
    return 'string'


def same_shape(committed: Any, live: Any, where: str = '') -> list[str]:
    """Where two shapes differ; None (null) matches any type."""
    if committed is None or live is None:
        return []
    if isinstance(committed, dict) and isinstance(live, dict):
        problems = []
        for key in sorted(set(committed) | set(live)):
            if key not in live:
                problems.append('%s.%s: gone from the live response'
                                % (where, key))
            elif key not in committed:
                problems.append('%s.%s: new in the live response'
                                % (where, key))
            else:
                problems += same_shape(committed[key], live[key],
                                       '%s.%s' % (where, key))
        return problems
    if isinstance(committed, list) and isinstance(live, list):
        if committed and live:
            return same_shape(committed[0], live[0], where + '[0]')
        return []
    if committed != live:
        return ['%s: %s, now %s' % (where or '.', committed, live)]
    return []


class Recorder:
    """Makes API calls and records or checks them as samples."""

    def __init__(self, keystone, server):
        self.keystone = keystone
        self.server = server
        self.sessions: dict[str, Any] = {}
        self.problems: list[str] = []
        self.recorded: list[str] = []
        self.doc = openapi.document()

    def session(self, user: str):
        if user not in self.sessions:
            if user == 'admin':
                self.sessions[user] = self.keystone.admin_session()
            else:
                self.sessions[user] = self.keystone.session(user)
        return self.sessions[user]

    def _public(self, text: str) -> str:
        return text.replace(self.server.url, PUBLIC_URL)

    def call(self, name: str | None, method: str, path: str,
             body: Any = None, user: str = 'alice', status: int = 200,
             template: str | None = None, request_sample: bool = True
             ) -> Any:
        """Call the API; record ``name``-req/-resp samples."""
        kwargs: dict[str, Any] = {'raise_exc': False, 'headers': {
            'OpenStack-API-Version': 'dr 1.0'}}
        if body is not None:
            kwargs['json'] = body
        if method != 'DELETE':
            kwargs['headers']['Accept'] = 'application/json'
        resp = self.session(user).request(self.server.url + path, method,
                                          **kwargs)
        assert resp.status_code == status, (method, path, resp.status_code,
                                            resp.text)
        data = resp.json() if resp.content else None
        if template:
            self._validate(template, method, status, data)
        if name:
            if body is not None and request_sample:
                self._sample(name + '-req', body)
            if data is not None:
                self._sample(name + '-resp', data)
        return data

    def _validate(self, template: str, method: str, status: int,
                  data: Any) -> None:
        op = self.doc['paths'][template][method.lower()]
        response = op['responses'][str(status)]
        if '$ref' in response:
            response = self.doc['components']['responses'][
                response['$ref'].rsplit('/', 1)[1]]
        # '#/components/...' resolves inside the schema validated.
        schema = dict(response['content']['application/json']['schema'],
                      components=self.doc['components'])
        validator = jsonschema.Draft202012Validator(schema)
        for error in validator.iter_errors(data):
            self.problems.append('%s %s %d: %s at %s' % (
                method, template, status, error.message,
                list(error.absolute_path)))

    def _sample(self, name: str, data: Any) -> None:
        path = os.path.join(SAMPLES, name + '.json')
        text = self._public(json.dumps(data, indent=4, sort_keys=True))
        self.recorded.append(name)
        if WRITE:
            os.makedirs(SAMPLES, exist_ok=True)
            with open(path, 'w') as f:
                f.write(text + '\n')
            return
        try:
            with open(path) as f:
                committed = json.load(f)
        except FileNotFoundError:
            self.problems.append('%s: no committed sample (run with '
                                 'DRS_WRITE_API_SAMPLES=1)' % name)
            return
        self.problems += ['%s: %s' % (name, p) for p in same_shape(
            shape(committed), shape(json.loads(text)))]

    def wait(self, operation_id: str) -> dict:
        deadline = time.monotonic() + WAIT
        while True:
            op = self.call(None, 'GET', '/v1/operations/' + operation_id)[
                'operation']
            if op['status'] in ('succeeded', 'failed', 'cancelled'):
                assert op['status'] == 'succeeded', op
                return op
            assert time.monotonic() < deadline, op
            time.sleep(0.2)


@pytest.fixture
def recorder(keystone, drs_server):
    return Recorder(keystone, drs_server)


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

    if not WRITE:
        committed = {f[:-5] for f in os.listdir(SAMPLES)
                     if f.endswith('.json')}
        stale = committed - set(r.recorded)
        assert not stale, 'samples no test produces: %s' % sorted(stale)
    assert not r.problems, '\n'.join(r.problems)
