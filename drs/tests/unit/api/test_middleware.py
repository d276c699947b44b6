import json

import webob
import webtest

from drs.api import errors
from drs.api import middleware


def _app(status, body=b'', content_type='text/plain', raises=None):
    def app(environ, start_response):
        if raises:
            raise raises
        start_response(status, [('Content-Type', content_type),
                                ('X-Kept', 'yes')])
        return [body]
    return app


def test_foreign_error_is_reformatted_keeping_headers():
    body = json.dumps({'error': {'code': 401, 'title': 'Unauthorized',
                                 'message': 'The request you have made '
                                            'requires authentication.'}})
    app = webtest.TestApp(middleware.ErrorFormatter(
        _app('401 Unauthorized', body.encode(), 'application/json')))
    resp = app.get('/', expect_errors=True,
                   extra_environ={errors.REQUEST_ID_ENV: 'req-1'})
    assert resp.status_int == 401
    assert resp.headers['X-Kept'] == 'yes'
    assert resp.json == {'errors': [{
        'request_id': 'req-1', 'status': 401, 'code': 'drs.unauthorized',
        'title': 'Unauthorized',
        'detail': 'The request you have made requires authentication.'}]}


def test_server_errors_say_nothing_of_the_internals():
    app = webtest.TestApp(middleware.ErrorFormatter(
        _app('500 Internal Server Error', b'Traceback: secret-password')))
    resp = app.get('/', expect_errors=True)
    assert resp.status_int == 500
    assert 'secret' not in resp.text
    assert 'Traceback' not in resp.text


def test_exceptions_become_500_in_the_error_format():
    app = webtest.TestApp(middleware.ErrorFormatter(
        _app('200 OK', raises=RuntimeError('password=hunter2'))))
    resp = app.get('/', expect_errors=True)
    assert resp.status_int == 500
    assert resp.json['errors'][0]['code'] == 'drs.internal_error'
    assert 'hunter2' not in resp.text


def test_formatted_and_successful_responses_pass_through():
    ok = webtest.TestApp(middleware.ErrorFormatter(_app('200 OK', b'fine')))
    assert ok.get('/').text == 'fine'
    body = json.dumps(errors.error_body(409, 'busy', 'drs.plan.busy'))
    app = webtest.TestApp(middleware.ErrorFormatter(
        _app('409 Conflict', body.encode(), 'application/json')))
    resp = app.get('/', expect_errors=True)
    assert resp.json['errors'][0]['code'] == 'drs.plan.busy'


def test_version_negotiation_only_under_v1():
    app = webtest.TestApp(middleware.VersionNegotiation(_app('200 OK')))
    root = app.get('/', headers={'OpenStack-API-Version': 'dr 9.0'})
    assert 'OpenStack-API-Version' not in root.headers
    assert root.headers['OpenStack-API-Maximum-Version'] == '1.0'
    refused = app.get('/v1/plans', expect_errors=True,
                      headers={'OpenStack-API-Version': 'dr 9.0'})
    assert refused.status_int == 406
    assert refused.headers['Vary'] == 'OpenStack-API-Version'


def test_mount_sends_only_the_exact_path():
    mounted = _app('200 OK', b'mounted')
    app = webtest.TestApp(middleware.Mount(_app('200 OK', b'main'),
                                           '/healthcheck', mounted))
    assert app.get('/healthcheck').text == 'mounted'
    assert app.get('/healthcheck/x').text == 'main'
    assert isinstance(errors.error_response(404, 'x'), webob.Response)
