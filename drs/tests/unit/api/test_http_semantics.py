"""HTTP semantics the outside probes found wrong: media types, 405 on
items, HEAD and OPTIONS, microversions. Against the real app (noauth,
SQLite)."""

import pytest
import webtest

from drs.api import app as api_app
from drs.api import openapi
from drs.tests import db_fixtures


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


@pytest.fixture
def ids(app):
    site = app.post_json('/v1/sites', {'site': {
        'name': 'a', 'region_name': 'R1',
        'auth_url': 'http://127.0.0.1:5000/v3'}}).json['site']
    app.post_json('/v1/sites', {'site': {
        'name': 'b', 'region_name': 'R2',
        'auth_url': 'http://127.0.0.1:5000/v3'}})
    plan = app.post_json('/v1/plans', {'plan': {
        'name': 'p', 'source_site': 'a', 'target_site': 'b'}}).json['plan']
    op = app.post_json('/v1/plans/%s/actions' % plan['id'],
                       {'protect': {}}).json['operation']
    return {'site_id': site['id'], 'plan_id': plan['id'],
            'operation_id': op['id']}


def _error(resp, status):
    assert resp.status_int == status, (resp.status, resp.text[:300])
    assert resp.content_type == 'application/json'
    (error,) = resp.json['errors']
    assert error['status'] == status
    return error


def _documented(method=None):
    return sorted({p for m, p in openapi.operations()
                   if method is None or m == method})


@pytest.mark.parametrize('content_type', [
    'multipart/form-data', 'multipart/form-data; boundary=',
    'multipart/mixed', 'application/x-www-form-urlencoded', 'text/plain'])
def test_non_json_bodies_are_415_on_every_write_route(app, ids,
                                                      content_type):
    wrong = []
    for method in ('POST', 'PATCH', 'DELETE'):
        for path in _documented(method):
            resp = app.request(path.format(**ids), method=method,
                               body=b'--x\r\n\r\n', expect_errors=True,
                               headers={'Content-Type': content_type})
            if resp.status_int != 415 or resp.json['errors'][0][
                    'code'] != 'drs.unsupported_media_type':
                wrong.append((method, path, resp.status))
    assert not wrong
    # Nothing was deleted on the way.
    assert app.get('/v1/plans/%s' % ids['plan_id']).status_int == 200


def test_post_on_an_item_is_405_with_allow(app, ids):
    for path, allow in (
            ('/v1/plans/{plan_id}', 'GET, HEAD, PATCH, DELETE, OPTIONS'),
            ('/v1/sites/{site_id}', 'GET, HEAD, PATCH, DELETE, OPTIONS')):
        resp = app.post_json(path.format(**ids), {}, expect_errors=True)
        assert _error(resp, 405)['code'] == 'drs.method_not_allowed'
        assert resp.headers['Allow'] == allow
    resp = app.get('/v1/operations/%s/cancel' % ids['operation_id'],
                   expect_errors=True)
    _error(resp, 405)
    assert resp.headers['Allow'] == 'POST, OPTIONS'


def test_head_is_allowed_wherever_get_is(app, ids):
    for path in _documented('GET'):
        url = path.format(**ids)
        got = app.get(url)
        head = app.head(url)
        assert head.status_int == got.status_int == 200, url
        assert head.body == b'', url
        assert head.headers['Content-Length'] == str(len(got.body)), url
        assert head.headers['OpenStack-API-Maximum-Version'], url
        if url.startswith('/v1/'):
            assert head.headers['OpenStack-API-Version'] == 'dr 1.0', url
    # HEAD of something that does not exist is a 404, like GET.
    assert app.head('/v1/plans/%s' % ('0' * 32),
                    expect_errors=True).status_int == 404


def test_options_answers_with_allow(app, ids):
    for path in _documented():
        resp = app.options(path.format(**ids))
        assert resp.status_int == 204, path
        allow = resp.headers['Allow'].split(', ')
        documented = {m for m, p in openapi.operations() if p == path}
        assert documented | {'OPTIONS'} <= set(allow), path
        assert ('HEAD' in allow) == ('GET' in documented), path
    assert app.options('/v1/plans').headers['Allow'] == \
        'GET, HEAD, POST, OPTIONS'


def test_an_id_over_4_kb_is_414_in_the_error_format(app, ids):
    resp = app.get('/v1/plans/' + 'x' * 5000, expect_errors=True)
    error = _error(resp, 414)
    assert error['code'] == 'drs.uri_too_long'
    # Query strings count too; a long but acceptable id is a plain 404.
    _error(app.get('/v1/plans?name=' + 'x' * 5000, expect_errors=True), 414)
    _error(app.get('/v1/plans/' + 'x' * 3000, expect_errors=True), 404)
