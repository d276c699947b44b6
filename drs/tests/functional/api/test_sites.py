"""/v1/sites against a real Keystone: admins write, everyone reads."""

import pytest

from drs.tests.functional.conftest import error_of

SITE = {'name': 'dc-west', 'region_name': 'RegionTwo',
        'auth_url': 'https://keystone.example:5000/v3',
        'interface': 'internal', 'description': 'secondary site',
        'endpoint_overrides': {'volumev3': 'https://cinder.example/v3'}}


def test_admin_manages_sites(api):
    created = api.post('/v1/sites', user='admin', body={'site': SITE},
                       status=201)
    site = created.json['site']
    assert created.headers['Location'].endswith('/v1/sites/' + site['id'])
    for key, value in SITE.items():
        assert site[key] == value
    assert site['verify_tls'] is True

    by_name = api.get('/v1/sites/dc-west', user='admin', status=200)
    assert by_name.json['site']['id'] == site['id']

    updated = api.patch('/v1/sites/' + site['id'], user='admin', status=200,
                        body={'site': {'description': 'DR site'}})
    assert updated.json['site']['description'] == 'DR site'
    assert updated.json['site']['updated_at'] is not None

    deleted = api.delete('/v1/sites/' + site['id'], user='admin', status=204,
                         headers={'Accept': 'application/json'})
    assert deleted.body == b''
    api.get('/v1/sites/' + site['id'], user='admin', status=404)


def test_members_and_readers_read_without_endpoint_overrides(api):
    site = api.post('/v1/sites', user='admin', body={'site': SITE},
                    status=201).json['site']
    for user in ('alice', 'rita', 'bob'):
        shown = api.get('/v1/sites/' + site['id'], user=user,
                        status=200).json['site']
        assert 'endpoint_overrides' not in shown
        listed = api.get('/v1/sites', user=user, status=200).json['sites']
        assert [s['id'] for s in listed] == [site['id']]
        assert 'endpoint_overrides' not in listed[0]


@pytest.mark.parametrize('user', ['alice', 'rita'])
def test_site_writes_are_admin_only(api, user):
    resp = api.post('/v1/sites', user=user, body={'site': SITE}, status=403)
    assert error_of(resp)['code'] == 'drs.forbidden'
    site = api.post('/v1/sites', user='admin', body={'site': SITE},
                    status=201).json['site']
    api.patch('/v1/sites/' + site['id'], user=user, status=403,
              body={'site': {'description': 'x'}})
    api.delete('/v1/sites/' + site['id'], user=user, status=403)
    assert api.get('/v1/sites/' + site['id'], user='admin').json[
        'site']['description'] == 'secondary site'


def test_duplicate_name_is_409(api):
    api.post('/v1/sites', user='admin', body={'site': SITE}, status=201)
    resp = api.post('/v1/sites', user='admin', body={'site': SITE},
                    status=409)
    assert error_of(resp)['code'] == 'drs.site.exists'


def test_site_in_use_is_not_deleted(api, sites):
    api.post('/v1/plans', status=201, body={'plan': {
        'name': 'p', 'source_site': 'site-a', 'target_site': 'site-b'}})
    resp = api.delete('/v1/sites/' + sites['site-a']['id'], user='admin',
                      status=409)
    assert error_of(resp)['code'] == 'drs.site.in_use'
    api.get('/v1/sites/' + sites['site-a']['id'], status=200)


@pytest.mark.parametrize('change,field', [
    ({'auth_url': 'ftp://x'}, 'site.auth_url'),
    ({'interface': 'private'}, 'site.interface'),
    ({'name': ''}, 'site.name'),
    ({'endpoint_overrides': {'volumev3': 'not a url'}},
     'site.endpoint_overrides.volumev3'),
    ({'verify_tls': 'yes'}, 'site.verify_tls'),
])
def test_invalid_site_is_400_naming_the_field(api, change, field):
    body = {'site': dict(SITE, **change)}
    resp = api.post('/v1/sites', user='admin', body=body, status=400)
    error = error_of(resp)
    assert error['code'] == 'drs.validation_error'
    assert "'%s'" % field in error['detail']


def test_unknown_and_missing_fields_are_400(api):
    resp = api.post('/v1/sites', user='admin', status=400,
                    body={'site': dict(SITE, colour='blue')})
    assert 'colour' in error_of(resp)['detail']
    resp = api.post('/v1/sites', user='admin', status=400,
                    body={'site': {'name': 'x'}})
    assert 'required' in error_of(resp)['detail']
    assert api.get('/v1/sites', user='admin').json['sites'] == []
