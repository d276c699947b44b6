"""Ownership and replication-settings methods of the drivers (issue 13):
a resource is a project's by its owner attribute, not by what a token
sees; and what tells that protect's replication was undone underneath.
The clients are mocked; test_isolation and test_protect_guards run the
same against the test cloud."""

import types
from unittest import mock

import pytest
from swiftclient import exceptions as swift_exc

from drs.drivers import base
from drs.drivers.cinder import driver as cinder_driver
from drs.drivers.nova import driver as nova_driver
from drs.drivers.swift import driver as swift_driver

SITE = {'name': 'site-a', 'region_name': 'RegionOne', 'interface': 'public',
        'endpoint_overrides': {}}
OWNER = cinder_driver.OWNER_ATTR


def _vol(owner=None, **kw):
    """A cinderclient volume; the tenant attribute only if ``owner``."""
    v = types.SimpleNamespace(
        id='v1', name='v', status='available', size=1,
        volume_type='standard', replication_status='disabled',
        group_id=None, bootable='false', availability_zone='nova',
        attachments=[], **kw)
    if owner is not None:
        setattr(v, OWNER, owner)
    return v


def _cinder(tenant_vol, service_vol=None, session_project='p',
            service=True):
    tenant, svc = mock.Mock(), mock.Mock()
    tenant.volumes.get.return_value = tenant_vol
    svc.volumes.get.return_value = service_vol
    sess = mock.Mock()
    sess.get_project_id.return_value = session_project
    drv = cinder_driver.CinderVolumeDriver(
        SITE, sess, mock.Mock() if service else None)
    drv._clients = {'tenant': tenant, 'service': svc}
    return drv, tenant, svc


# -------------------------------------------------------------- cinder

def test_volume_of_the_project_by_its_tenant_attribute():
    drv, _tenant, svc = _cinder(_vol(owner='p'))
    assert drv.get_owned_volume('v1', 'p')['project_id'] == 'p'
    svc.volumes.get.assert_not_called()


def test_volume_of_another_project_seen_by_an_admin_token_is_foreign():
    # An admin-scoped session of project p sees tenant1's volume.
    drv, _tenant, _svc = _cinder(_vol(owner='tenant1'))
    with pytest.raises(base.ForeignResource) as e:
        drv.get_owned_volume('v1', 'p')
    assert e.value.code == 'drs.resource.foreign'
    assert 'v1' in str(e.value) and 'project p' in str(e.value)
    assert 'tenant1' not in str(e.value)  # the owner is never named


@pytest.mark.parametrize('owner,foreign', [('p', False), ('t1', True)])
def test_volume_owner_hidden_from_the_session_is_read_by_drs(owner,
                                                             foreign):
    # A member's token does not show the tenant attribute: drs's own
    # (admin) session reads it.
    drv, _tenant, svc = _cinder(_vol(), service_vol=_vol(owner=owner))
    if foreign:
        with pytest.raises(base.ForeignResource):
            drv.get_owned_volume('v1', 'p')
    else:
        assert drv.get_owned_volume('v1', 'p')['id'] == 'v1'
    svc.volumes.get.assert_called_once_with('v1')


@pytest.mark.parametrize('session_project,foreign', [('p', False),
                                                     ('admin', True)])
def test_volume_owner_unknown_falls_back_to_the_sessions_project(
        session_project, foreign):
    # No owner shown anywhere: only a session scoped to the plan's
    # project vouches for it (a non-admin sees its own volumes only).
    drv, _tenant, _svc = _cinder(_vol(), session_project=session_project,
                                 service=False)
    if foreign:
        with pytest.raises(base.ForeignResource):
            drv.get_owned_volume('v1', 'p')
    else:
        assert drv.get_owned_volume('v1', 'p')['project_id'] is None


def test_volume_not_visible_is_not_found():
    from cinderclient import exceptions as cinder_exc
    drv, tenant, _svc = _cinder(None)
    tenant.volumes.get.side_effect = cinder_exc.NotFound(404)
    with pytest.raises(base.ResourceNotFound):
        drv.get_owned_volume('v1', 'p')


# ---------------------------------------------------------------- nova

def _nova(tenant_id):
    server = mock.Mock(id='s1', status='ACTIVE', tenant_id=tenant_id,
                       metadata={}, tags=[], server_groups=[],
                       **{'os-extended-volumes:volumes_attached': []})
    server.name = 'web'
    client = mock.Mock()
    client.servers.get.return_value = server
    sess = mock.Mock()
    sess.get_project_id.return_value = 'p'
    drv = nova_driver.NovaComputeDriver(SITE, sess)
    drv._clients = {'tenant': client}
    return drv


def test_server_of_the_project():
    assert _nova('p').get_owned_server('s1', 'p')['project_id'] == 'p'


def test_server_of_another_project_is_foreign():
    with pytest.raises(base.ForeignResource) as e:
        _nova('tenant1').get_owned_server('s1', 'p')
    assert 'OS::Nova::Server s1' in str(e.value)
    assert 'tenant1' not in str(e.value)


# --------------------------------------------------------------- swift

def _swift(url, session_project='p', headers=None):
    sess = mock.Mock()
    sess.get_project_id.return_value = session_project
    drv = swift_driver.SwiftObjectStorageDriver(SITE, sess)
    conn = mock.Mock()
    conn.get_auth.return_value = (url, 'tok')
    conn.head_container.side_effect = lambda name: dict(headers[name]) \
        if name in (headers or {}) else _missing()
    drv._conn = conn
    return drv, conn


def _missing():
    raise swift_exc.ClientException('nope', http_status=404)


def test_container_in_the_projects_account():
    drv, conn = _swift('http://swift/v1/AUTH_p',
                       headers={'docs': {'x-container-object-count': '2'}})
    assert drv.get_owned_container('docs', 'p')['count'] == 2


def test_container_in_another_account_is_foreign_and_not_read():
    # An endpoint override (or a catalog) pointing at tenant1's account.
    drv, conn = _swift('http://swift/v1/AUTH_tenant1', headers={
        'docs': {}})
    with pytest.raises(base.ForeignResource) as e:
        drv.get_owned_container('docs', 'p')
    assert 'OS::Swift::Container docs' in str(e.value)
    conn.head_container.assert_not_called()


@pytest.mark.parametrize('session_project,foreign', [('p', False),
                                                     ('other', True)])
def test_storage_url_without_account_uses_the_tokens_project(
        session_project, foreign):
    # RGW without rgw_swift_account_in_url: the token's project.
    drv, _conn = _swift('http://rgw/swift/v1', session_project)
    if foreign:
        with pytest.raises(base.ForeignResource):
            drv.check_account('p')
    else:
        drv.check_account('p')


SYNCED = {'x-container-sync-to': '//testcloud/site-b/AUTH_p/docs',
          'x-container-sync-key': 'k'}


@pytest.mark.parametrize('headers,expected', [
    (SYNCED, None),
    ({'x-container-sync-key': 'k'}, 'X-Container-Sync-To was removed'),
    ({'x-container-sync-to': '//testcloud/site-b/AUTH_p/docs'},
     'no sync key'),
    (dict(SYNCED, **{'x-container-sync-to': 'http://evil/v1/AUTH_x/y'}),
     'changed outside drs'),
])
def test_replication_settings_of_a_container(headers, expected):
    drv, _conn = _swift('http://swift/v1/AUTH_p', headers={'docs': headers})
    found = drv.replication_settings('docs', {})
    if expected is None:
        assert found is None
    else:
        assert expected in found and 'docs' in found


def test_replication_settings_check_the_segments_containers_too():
    drv, conn = _swift('http://swift/v1/AUTH_p', headers={
        'docs': SYNCED, 'docs_segments': {}})
    found = drv.replication_settings(
        'docs', {'containers': {'docs': {}, 'docs_segments': {}}})
    assert 'docs_segments' in found
    gone = drv.replication_settings('docs', {'containers': {'nope': {}}})
    assert 'gone' in gone
