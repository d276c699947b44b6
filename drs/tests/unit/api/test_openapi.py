"""The OpenAPI document matches the routes the Pecan app really has."""

from __future__ import annotations

import inspect
import re

import jsonschema
from openapi_spec_validator import validate as validate_spec
from pecan import rest
import pytest
import webtest

from drs.api import app as api_app
from drs.api.controllers import root
from drs.api import openapi
from drs.api.schemas.v1 import actions as actions_schema
from drs.api.schemas.v1 import sites as sites_schema
from drs.tests import db_fixtures

REST_METHODS = {'get_all': ('GET', False), 'get_one': ('GET', True),
                'post': ('POST', False), 'put': ('PUT', True),
                'patch': ('PATCH', True), 'delete': ('DELETE', True)}
PROBED_METHODS = ('GET', 'POST', 'PUT', 'PATCH', 'DELETE')
# Methods a route must refuse with a 405 (they once answered 200 or 500).
MUST_BE_405 = {(m, p) for m in ('PATCH', 'PUT', 'DELETE')
               for p in ('/v1/plans', '/v1/sites')} | {
    (m, p) for m in ('POST', 'PATCH', 'PUT', 'DELETE') for p in ('/', '/v1')}


def _exposed(obj, name: str) -> bool:
    return hasattr(getattr(obj, name, None), '_pecan')


def _walk(controller, path: str, found: set[tuple[str, str]]) -> None:
    """Every (method, path) a controller tree routes, ids as '{}'."""
    if isinstance(controller, rest.RestController):
        for name, (method, with_id) in REST_METHODS.items():
            if _exposed(controller, name):
                found.add((method, path + '/{}' if with_id else path))
        for action, methods in getattr(controller, '_custom_actions',
                                       {}).items():
            for method in methods:
                found.add((method, '%s/{}/%s' % (path, action)))
        child_base = path + '/{}'
    else:
        for name, member in inspect.getmembers(type(controller)):
            if not hasattr(member, '_pecan'):
                continue
            route = getattr(member, 'custom_route', None) or name
            if name == 'index':
                found.add(('GET', path or '/'))
            else:
                found.add(('GET', '%s/%s' % (path, route)))
        child_base = path
    for name, member in vars(type(controller)).items():
        if name.startswith('_'):
            continue
        if hasattr(member, '_pecan') or callable(member) and not \
                isinstance(member, (rest.RestController, object)):
            continue
        if inspect.isfunction(member) or isinstance(member, (str, dict,
                                                             tuple)):
            continue
        _walk(member, '%s/%s' % (child_base, name), found)


def _normalized(ops: set[tuple[str, str]]) -> set[tuple[str, str]]:
    return {(m, re.sub(r'\{[^}]*\}', '{}', p)) for m, p in ops}


def test_document_is_valid_openapi_3_1():
    doc = openapi.document()
    assert doc['openapi'] == '3.1.0'
    validate_spec(doc)


def test_document_paths_match_the_controllers():
    found: set[tuple[str, str]] = set()
    _walk(root.RootController(), '', found)
    assert ('POST', '/v1/plans/{}/actions') in found
    assert ('POST', '/v1/operations/{}/cancel') in found
    assert ('GET', '/v1/openapi.json') in found
    assert _normalized(openapi.operations()) == found


def test_request_bodies_are_the_validation_schemas():
    doc = openapi.document()
    create_site = doc['paths']['/v1/sites']['post']['requestBody']
    assert create_site['content']['application/json']['schema'] == \
        sites_schema.CREATE
    action = doc['paths']['/v1/plans/{plan_id}/actions']['post']
    assert action['requestBody']['content']['application/json'][
        'schema'] == actions_schema.ACTION
    # Every body schema is itself a valid draft 2020-12 schema.
    for item in doc['paths'].values():
        for op in item.values():
            if isinstance(op, dict) and 'requestBody' in op:
                jsonschema.Draft202012Validator.check_schema(
                    op['requestBody']['content']['application/json'][
                        'schema'])


class _FakeEngineAPI:
    def run_operation(self, context, operation_id):
        pass

    def cancel_operation(self, context, operation_id):
        pass


@pytest.fixture
def app(conf, tmp_path, monkeypatch):
    from drs.engine import rpcapi
    monkeypatch.setattr(rpcapi, 'EngineAPI', _FakeEngineAPI)
    conf.config(group='api', auth_strategy='noauth')
    with db_fixtures.migrated_database('sqlite', str(tmp_path)):
        yield webtest.TestApp(api_app.setup_app())


def _routed(resp) -> bool:
    """Whether the router found a handler (whatever the handler said)."""
    if resp.status_int == 405:
        return False
    if resp.status_int == 404:
        return resp.json['errors'][0]['code'] != 'drs.not_found'
    return True


def test_every_documented_operation_is_routed_and_no_other(app):
    site_a = app.post_json('/v1/sites', {'site': {
        'name': 'a', 'region_name': 'R1',
        'auth_url': 'http://127.0.0.1:5000/v3'}}).json['site']
    app.post_json('/v1/sites', {'site': {
        'name': 'b', 'region_name': 'R2',
        'auth_url': 'http://127.0.0.1:5000/v3'}})
    plan = app.post_json('/v1/plans', {'plan': {
        'name': 'p', 'source_site': 'a', 'target_site': 'b'}}).json['plan']
    op = app.post_json('/v1/plans/%s/actions' % plan['id'],
                       {'protect': {}}).json['operation']
    ids = {'site_id': site_a['id'], 'plan_id': plan['id'],
           'operation_id': op['id']}
    documented = openapi.operations()
    wrong = []
    for path in sorted({p for _m, p in documented}):
        url = path.format(**ids)
        for method in PROBED_METHODS:
            # Bodies that fail validation still prove the route exists;
            # deletes last so the ids stay valid (they are not run here).
            if method == 'DELETE':
                continue
            resp = app.request(url, method=method, body=b'{}',
                               content_type='application/json',
                               expect_errors=True)
            if _routed(resp) != ((method, path) in documented):
                wrong.append((method, path, resp.status))
    assert not wrong
    for method, path in sorted(documented):
        if method == 'DELETE':
            resp = app.delete(path.format(**ids), expect_errors=True)
            assert _routed(resp), (method, path, resp.text[:300])


def test_served_document(app):
    resp = app.get('/v1/openapi.json')
    assert resp.json['paths'] == openapi.document()['paths']
    assert resp.json['servers'] == [{'url': 'http://localhost'}]
    resp = app.post('/v1/openapi.json', expect_errors=True)
    assert resp.status_int == 405


def test_item_methods_on_a_collection_are_405(app):
    for method, path in sorted(MUST_BE_405):
        resp = app.request(path, method=method, body=b'{}',
                           content_type='application/json',
                           expect_errors=True)
        assert resp.status_int == 405, (method, path, resp.status)
        assert resp.headers['Allow'], (method, path)
        assert resp.json['errors'][0]['code'] == 'drs.method_not_allowed'
