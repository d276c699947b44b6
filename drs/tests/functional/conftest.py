"""Functional fixtures: a real Keystone, real databases, the real app."""

import json

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg
import pytest
import webtest

from drs.api import app as api_app
from drs.tests import db_fixtures
from drs.tests import local_keystone


@pytest.fixture(scope='session')
def keystone(tmp_path_factory):
    """A real Keystone on 127.0.0.1, for the whole test session."""
    ks = local_keystone.start(str(tmp_path_factory.mktemp('keystone')))
    try:
        yield ks
    finally:
        ks.stop()


@pytest.fixture(scope='session', params=db_fixtures.BACKENDS)
def database(request, tmp_path_factory):
    """A migrated database per backend, shared by the tests of a session."""
    with db_fixtures.migrated_database(
            request.param, str(tmp_path_factory.mktemp('db'))) as engine:
        yield engine


_TOKENS: dict[tuple[str, str], str] = {}


def _token(keystone: local_keystone.Keystone, user: str) -> str:
    """A token of ``user``, issued once per test session."""
    key = (keystone.url, user)
    if key not in _TOKENS:
        if user == 'admin':
            _TOKENS[key] = keystone.token(
                'admin', local_keystone.ADMIN_PASSWORD, 'admin')
        else:
            _TOKENS[key] = keystone.token(user)
    return _TOKENS[key]


class ApiClient:
    """Calls the WSGI app with real Keystone tokens of the test users."""

    def __init__(self, app: webtest.TestApp,
                 keystone: local_keystone.Keystone):
        self.app = app
        self.keystone = keystone

    def token(self, user: str) -> str:
        return _token(self.keystone, user)

    def request(self, method: str, path: str, user: str | None = 'alice',
                body=None, headers: dict | None = None,
                status: int | None = None) -> webtest.TestResponse:
        all_headers = dict(headers or {})
        if user is not None:
            all_headers['X-Auth-Token'] = self.token(user)
        kwargs = {}
        if body is not None:
            kwargs['body'] = (body if isinstance(body, bytes)
                              else json.dumps(body).encode())
            kwargs['content_type'] = 'application/json'
        resp = self.app.request(path, method=method, headers=all_headers,
                                expect_errors=True, **kwargs)
        if status is not None:
            assert resp.status_int == status, (resp.status, resp.text)
        return resp

    def get(self, path, **kw):
        return self.request('GET', path, **kw)

    def post(self, path, body=None, **kw):
        return self.request('POST', path, body=body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request('PATCH', path, body=body, **kw)

    def delete(self, path, **kw):
        return self.request('DELETE', path, **kw)


@pytest.fixture(scope='session')
def keystone_app(keystone):
    """The WSGI app behind auth_token, built once per session.

    Sharing it keeps auth_token's token cache warm: each validation is a
    round trip to Keystone.
    """
    from drs.tests import conftest as base
    base.parse_config_once()
    # The password plugin's options are registered by auth_token only when
    # it loads the plugin; register them first to set them.
    ks_loading.register_auth_conf_options(cfg.CONF, 'keystone_authtoken')
    cfg.CONF.register_opts(
        ks_loading.get_auth_plugin_conf_options('password'),
        group='keystone_authtoken')
    for name, value in keystone.authtoken_options().items():
        cfg.CONF.set_override(name, value, group='keystone_authtoken')
    cfg.CONF.set_override('auth_strategy', 'keystone', group='api')
    # drs's own credentials: plans get a Keystone trust to the drs user.
    cfg.CONF.register_opts(
        ks_loading.get_auth_plugin_conf_options('password'),
        group='service_auth')
    for name, value in keystone.authtoken_options().items():
        if name not in ('www_authenticate_uri', 'interface'):
            cfg.CONF.set_override(name, value, group='service_auth')
    return webtest.TestApp(api_app.setup_app())


@pytest.fixture
def api(conf, keystone, keystone_app, database):
    """The API, authenticated by the real Keystone, on a clean database."""
    db_fixtures.clean_tables(database)
    return ApiClient(keystone_app, keystone)


@pytest.fixture
def sites(api):
    """Two sites, registered by the admin."""
    created = {}
    for name, region in (('site-a', 'RegionOne'), ('site-b', 'RegionTwo')):
        resp = api.post('/v1/sites', user='admin', status=201, body={
            'site': {'name': name, 'region_name': region,
                     'auth_url': api.keystone.url}})
        created[name] = resp.json['site']
    return created


def error_of(resp) -> dict:
    """The one error of an API-SIG error document, checked for shape."""
    body = resp.json
    assert set(body) == {'errors'}, body
    assert len(body['errors']) == 1, body
    error = body['errors'][0]
    assert set(error) == {'request_id', 'status', 'code', 'title', 'detail'}
    assert error['status'] == resp.status_int
    assert error['request_id'] == resp.headers['x-openstack-request-id']
    assert 'Traceback' not in resp.text
    return error
