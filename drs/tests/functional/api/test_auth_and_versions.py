"""Authentication, version discovery, microversions and error format."""

import pytest

from drs.tests.functional.conftest import error_of


def test_version_documents_need_no_token(api):
    root = api.get('/', user=None, status=200).json
    assert [v['id'] for v in root['versions']] == ['v1']
    v1 = root['versions'][0]
    assert (v1['min_version'], v1['version']) == ('1.0', '1.0')
    assert api.get('/v1', user=None, status=200).json['version']['id'] == 'v1'


def test_healthcheck_needs_no_token(api):
    api.get('/healthcheck', user=None, status=200)


def test_no_token_is_401_in_the_error_format(api):
    resp = api.get('/v1/plans', user=None, status=401)
    error = error_of(resp)
    assert error['code'] == 'drs.unauthorized'
    assert resp.headers['WWW-Authenticate'].startswith('Keystone uri=')


def test_bad_token_is_401(api):
    resp = api.get('/v1/plans', user=None,
                   headers={'X-Auth-Token': 'gAAAAAbogus-token'}, status=401)
    assert error_of(resp)['status'] == 401


def test_microversion_headers_on_every_response(api):
    resp = api.get('/v1/plans', status=200)
    assert resp.headers['OpenStack-API-Version'] == 'dr 1.0'
    assert resp.headers['OpenStack-API-Minimum-Version'] == '1.0'
    assert resp.headers['OpenStack-API-Maximum-Version'] == '1.0'
    assert 'OpenStack-API-Version' in resp.headers['Vary']
    unauthenticated = api.get('/v1/plans', user=None, status=401)
    assert unauthenticated.headers['OpenStack-API-Maximum-Version'] == '1.0'


def test_microversion_latest_and_exact(api):
    for asked in ('dr latest', 'dr 1.0'):
        resp = api.get('/v1/plans', status=200,
                       headers={'OpenStack-API-Version': asked})
        assert resp.headers['OpenStack-API-Version'] == 'dr 1.0'


def test_microversion_of_another_service_is_ignored(api):
    resp = api.get('/v1/plans', status=200,
                   headers={'OpenStack-API-Version': 'compute 2.90'})
    assert resp.headers['OpenStack-API-Version'] == 'dr 1.0'


def test_microversion_out_of_range_is_406(api):
    # 0.9: below the minimum, as README promises (it once was a 400).
    for asked in ('dr 1.1', 'dr 2.0', 'dr 0.9'):
        resp = api.get('/v1/plans', status=406,
                       headers={'OpenStack-API-Version': asked})
        error = error_of(resp)
        assert error['code'] == 'drs.microversion.unsupported'
        assert 'maximum is 1.0' in error['detail']


def test_microversion_with_leading_zero_minor_is_read(api):
    resp = api.get('/v1/plans', status=200,
                   headers={'OpenStack-API-Version': 'dr 1.00'})
    assert resp.headers['OpenStack-API-Version'] == 'dr 1.0'


@pytest.mark.parametrize('value', ['dr one', 'T', '', 'dr'])
def test_malformed_microversion_is_400(api, value):
    resp = api.get('/v1/plans', status=400,
                   headers={'OpenStack-API-Version': value})
    assert error_of(resp)['code'] == 'drs.microversion.invalid'


def test_unknown_path_is_404_in_the_error_format(api):
    assert error_of(api.get('/v1/nothing-here', status=404))['status'] == 404


def test_wrong_method_is_405_with_allow(api, sites):
    resp = api.request('PUT', '/v1/sites/%s' % sites['site-a']['id'],
                       user='admin', body={}, status=405)
    error_of(resp)
    assert 'PATCH' in resp.headers['Allow']


def test_body_too_large_is_413(api):
    resp = api.post('/v1/plans', body=b'{"plan": "' + b'x' * 200000 + b'"}',
                    status=413)
    assert error_of(resp)['code'] == 'drs.request_too_large'


def test_body_not_json_is_400(api, sites):
    resp = api.post('/v1/plans', body=b'{not json', status=400)
    assert 'not valid JSON' in error_of(resp)['detail']


@pytest.mark.parametrize('path', ['/v1/plans', '/v1/sites'])
def test_body_nested_too_deeply_is_400_not_500(api, sites, path):
    # Pecan's routing reads a JSON body and catches only ValueError; a
    # nesting Python's parser gives up on raised RecursionError (500).
    body = b'{"plan": ' + b'[' * 5000 + b']' * 5000 + b'}'
    resp = api.post(path, body=body, user='admin', status=400)
    assert 'nested too deeply' in error_of(resp)['detail']


@pytest.mark.parametrize('path', [
    '/v1/plans/%2F', '/v1/sites/%2F', '/v1/operations/%2F',
    '/v1/operations/%2F/events', '/v1/plans/%2F/recipes'])
def test_empty_id_in_the_path_is_404_not_500(api, path):
    resp = api.get(path, status=404)
    assert error_of(resp)['status'] == 404
