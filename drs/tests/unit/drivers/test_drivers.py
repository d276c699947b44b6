"""Unit tests of the drivers (the clients are mocked here; the
integration tests run them against the test cloud)."""

import base64
import hashlib
from unittest import mock

import pytest
from swiftclient import exceptions as swift_exc

from drs.drivers import base
from drs.drivers.cinder import driver as cinder_driver
from drs.common import identity
from drs.drivers import clients
from drs.drivers.nova import driver as nova_driver
from drs.drivers.neutron import driver as neutron_driver
from drs.drivers.rgw import driver as rgw_driver
from drs.drivers.swift import driver as swift_driver

SITE = {'name': 'site-a', 'region_name': 'RegionOne', 'interface': 'public',
        'endpoint_overrides': {}}


@pytest.fixture(autouse=True)
def _conf(conf):
    conf.config(group='drivers', page_size=2, wait_timeout=5)
    return conf


# ----------------------------------------------------------------- loading

@pytest.mark.parametrize('kind,name,cls', [
    ('volume', 'cinder', cinder_driver.CinderVolumeDriver),
    ('object_storage', 'swift', swift_driver.SwiftObjectStorageDriver),
    ('object_storage', 'rgw', rgw_driver.RgwObjectStorageDriver),
    ('compute', 'nova', nova_driver.NovaComputeDriver),
])
def test_drivers_load_by_entry_point(kind, name, cls):
    assert clients.driver_class(kind, name) is cls


def test_drivers_load_by_class_path(conf):
    # A driver drs does not ship, as an operator names it.
    conf.config(group='drivers',
                compute='drs.drivers.nova.driver:NovaComputeDriver')
    assert clients.driver_class('compute') is nova_driver.NovaComputeDriver
    assert clients.driver_class(
        'volume', 'drs.drivers.cinder.driver:CinderVolumeDriver') is \
        cinder_driver.CinderVolumeDriver
    with pytest.raises(ImportError):
        clients.driver_class('network', 'drs.drivers.neutron.driver:Nope')


def test_default_drivers_from_options():
    assert clients.driver_class('network').__name__ == \
        'NeutronNetworkDriver'
    assert issubclass(clients.driver_class('volume'), base.VolumeDriver)


def test_trust_session_needs_a_trust():
    with pytest.raises(identity.TrustError) as e:
        identity.trust_session(SITE, None)
    assert 'no trust' in str(e.value)


def test_trust_session_is_trust_scoped(conf):
    conf.config(group='service_auth', auth_type='password')
    captured = {}

    def load(conf_, group, **kw):
        captured.update(kw)
        return mock.Mock()
    with mock.patch.object(identity.ks_loading, 'load_auth_from_conf_options',
                           side_effect=load):
        identity.trust_session(dict(SITE, auth_url='http://ks:5000/v3'),
                              'trust-1')
    assert captured['trust_id'] == 'trust-1'
    assert captured['auth_url'] == 'http://ks:5000/v3'
    # No other scope than the trust.
    assert captured['project_id'] is None
    assert captured['project_name'] is None
    assert captured['domain_id'] is None


def test_create_trust_delegates_roles_with_impersonation(conf):
    conf.config(group='service_auth', auth_type='password')
    service = mock.Mock()
    service.get_user_id.return_value = 'drs-user'
    keystone = mock.Mock()
    keystone.trusts.create.return_value = mock.Mock(id='t-1')
    with mock.patch.object(identity, 'service_session',
                           return_value=service), \
            mock.patch.object(identity, '_identity_client',
                              return_value=keystone):
        trust = identity.create_trust(mock.Mock(), 'u-1', 'p-1',
                                     ['member', 'reader', 'member'])
    assert trust == 't-1'
    keystone.trusts.create.assert_called_once_with(
        trustor_user='u-1', trustee_user='drs-user', project='p-1',
        role_names=['member', 'reader'], impersonation=True)


def test_delete_trust_falls_back_to_service_and_never_raises(conf):
    conf.config(group='service_auth', auth_type='password')
    calls = []

    def keystone(sess):
        client = mock.Mock()
        client.trusts.delete.side_effect = RuntimeError('forbidden')
        calls.append(sess)
        return client
    with mock.patch.object(identity, 'service_session',
                           return_value='svc'), \
            mock.patch.object(identity, '_identity_client',
                              side_effect=keystone):
        assert identity.delete_trust('t-1', user_auth=mock.Mock()) is False
    assert len(calls) == 2 and calls[1] == 'svc'
    assert identity.delete_trust(None) is True


# ------------------------------------------------------------------ cinder

def test_microversion_negotiated_down_to_the_server():
    adapter = mock.Mock()
    adapter.get_endpoint_data.return_value = mock.Mock(
        max_microversion=(3, 60))
    assert cinder_driver.negotiate(adapter, '3.71', '3.0') == '3.60'
    adapter.get_endpoint_data.return_value = mock.Mock(
        max_microversion=(3, 80))
    assert cinder_driver.negotiate(adapter, '3.71', '3.0') == '3.71'
    adapter.get_endpoint_data.side_effect = RuntimeError('no discovery')
    assert cinder_driver.negotiate(adapter, '3.71', '3.0') == '3.0'


def _volume(**kw):
    values = dict(id='v1', name='v', status='available', size=1,
                  volume_type='standard', replication_status='disabled',
                  group_id=None, bootable='false', availability_zone='nova',
                  attachments=[])
    values.update(kw)
    return mock.Mock(**values)


def _cinder(client):
    drv = cinder_driver.CinderVolumeDriver(SITE, mock.Mock(), mock.Mock())
    drv._clients = {'tenant': client, 'service': client}
    return drv


def test_get_volume_not_found_names_it():
    from cinderclient import exceptions as cinder_exc
    client = mock.Mock()
    client.volumes.get.side_effect = cinder_exc.NotFound(404)
    drv = _cinder(client)
    drv.session.get_project_id.return_value = 'p-1'
    with pytest.raises(base.ResourceNotFound) as e:
        drv.get_volume('v-9')
    assert 'v-9' in str(e.value) and 'p-1' in str(e.value)


def test_list_volumes_pages():
    client = mock.Mock()
    client.volumes.list.side_effect = [
        [_volume(id='a'), _volume(id='b')], [_volume(id='c')]]
    assert [v['id'] for v in _cinder(client).list_volumes()] == [
        'a', 'b', 'c']
    assert client.volumes.list.call_args_list[1].kwargs['marker'] == 'b'


def test_retype_waits_and_checks():
    client = mock.Mock()
    client.volumes.get.side_effect = [
        _volume(), _volume(status='retyping'),
        _volume(volume_type='replicated')]
    with mock.patch('time.sleep'):
        vol = _cinder(client).retype('v1', 'replicated')
    client.volumes.retype.assert_called_once_with('v1', 'replicated',
                                                  'on-demand')
    assert vol['volume_type'] == 'replicated'


def test_retype_noop_when_already_of_type():
    client = mock.Mock()
    client.volumes.get.return_value = _volume(volume_type='replicated')
    _cinder(client).retype('v1', 'replicated')
    client.volumes.retype.assert_not_called()


def test_volume_types_replicated_flag():
    client = mock.Mock()
    rep = mock.Mock(id='t2', extra_specs={'replication_enabled':
                                          '<is> True'})
    rep.name = 'replicated'
    std = mock.Mock(id='t1', extra_specs={})
    std.name = 'standard'
    client.volume_types.list.return_value = [std, rep]
    drv = _cinder(client)
    assert drv.get_volume_type('replicated')['replicated'] is True
    assert drv.get_volume_type('t1')['replicated'] is False
    assert drv.get_volume_type('nope') is None


def test_manageable_list_one_call_per_page_and_pool():
    client = mock.Mock()
    pool = mock.Mock()
    pool.name = 'site-b@file#file'
    client.pools.list.return_value = [pool]

    def entry(name, extra):
        return mock.Mock(reference={'source-name': name}, size=1,
                         safe_to_manage=True, reason_not_safe=None,
                         extra_info=extra)
    client.volumes.list_manageable.side_effect = [
        [entry('replica-v1', {'source_volume_id': 'v1',
                              'last_sync_at': '1000.5'}),
         entry('volume-x', None)],
        [entry('replica-v2', {'last_sync_at': 'None'})]]
    found = _cinder(client).list_manageable()
    assert [m['reference']['source-name'] for m in found] == [
        'replica-v1', 'volume-x', 'replica-v2']
    assert found[0]['host'] == 'site-b@file#file'
    assert found[0]['extra_info']['source_volume_id'] == 'v1'
    assert found[1]['extra_info'] == {}
    assert client.volumes.list_manageable.call_count == 2
    assert client.volumes.list_manageable.call_args_list[1].kwargs[
        'offset'] == 2


def test_quota_from_limits():
    client = mock.Mock()

    def lim(name, value):
        m = mock.Mock(value=value)
        m.name = name
        return m
    client.limits.get.return_value = mock.Mock(absolute=[
        lim('maxTotalVolumes', 10), lim('totalVolumesUsed', 4),
        lim('maxTotalVolumeGigabytes', 100),
        lim('totalGigabytesUsed', 7)])
    assert _cinder(client).quota() == {
        'volumes': {'limit': 10, 'in_use': 4},
        'gigabytes': {'limit': 100, 'in_use': 7}}


# ------------------------------------------------------------------- swift

INFO_A = {'container_sync': {'realms': {'TESTCLOUD': {'clusters': {
    'SITE-A': {'current': True}, 'SITE-B': {}}}}}}
INFO_B = {'container_sync': {'realms': {'TESTCLOUD': {'clusters': {
    'SITE-A': {}, 'SITE-B': {'current': True}}}}}}


def _swift(info, account='AUTH_p'):
    drv = swift_driver.SwiftObjectStorageDriver(SITE, mock.Mock())
    conn = mock.Mock()
    conn.get_capabilities.return_value = info
    conn.get_auth.return_value = ('http://x/v1/' + account, 'tok')
    drv._conn = conn
    return drv, conn


def test_sync_to_uses_the_realm_and_target_cluster_from_info():
    src, _ = _swift(INFO_A)
    dst, _ = _swift(INFO_B)
    assert src.sync_to(dst, 'docs') == '//testcloud/site-b/AUTH_p/docs'


def test_sync_to_needs_a_shared_realm():
    src, _ = _swift(INFO_A)
    dst, _ = _swift({'container_sync': {'realms': {}}})
    with pytest.raises(base.DriverError):
        src.sync_to(dst, 'docs')


def _missing(*a, **kw):
    raise swift_exc.ClientException('nope', http_status=404)


def test_protect_container_creates_target_with_key_then_sets_sync():
    src, sconn = _swift(INFO_A)
    dst, dconn = _swift(INFO_B)
    heads = {'docs': {'x-container-object-count': '3',
                      'x-container-bytes-used': '30'}}

    def head(name):
        if name in heads:
            return heads[name]
        raise swift_exc.ClientException('nope', http_status=404)
    sconn.head_container.side_effect = head
    dconn.head_container.side_effect = _missing
    out = src.protect_container('docs', dst)
    key = dconn.put_container.call_args.kwargs['headers'][
        'X-Container-Sync-Key']
    assert key.startswith('drs-')
    sconn.post_container.assert_called_once_with('docs', headers={
        'X-Container-Sync-To': '//testcloud/site-b/AUTH_p/docs',
        'X-Container-Sync-Key': key})
    assert out['protect_data']['containers']['docs'][
        'created_at_target'] is True
    # The key is a secret: not in what is stored.
    assert key not in str(out)


def test_protect_container_includes_segments_container():
    src, sconn = _swift(INFO_A)
    dst, dconn = _swift(INFO_B)
    sconn.head_container.side_effect = lambda name: {
        'docs': {}, 'docs_segments': {}}.get(name) if name in (
            'docs', 'docs_segments') else _missing()
    dconn.head_container.side_effect = _missing
    out = src.protect_container('docs', dst)
    assert out['replica']['containers'] == ['docs', 'docs_segments']
    assert [c.args[0] for c in dconn.put_container.call_args_list] == [
        'docs', 'docs_segments']


def test_unprotect_container_removes_sync_only():
    src, sconn = _swift(INFO_A)
    src.unprotect_container('docs', {'containers': {'docs': {},
                                                    'docs_segments': {}}})
    assert sconn.post_container.call_count == 2
    assert sconn.post_container.call_args.kwargs['headers'] == {
        'X-Remove-Container-Sync-To': 'x',
        'X-Remove-Container-Sync-Key': 'x'}
    sconn.delete_container.assert_not_called()
    sconn.delete_object.assert_not_called()


def test_replication_status_compares_listings():
    src, sconn = _swift(INFO_A)
    dst, dconn = _swift(INFO_B)
    sconn.get_account.return_value = ({}, [
        {'name': 'a', 'count': 2, 'bytes': 20},
        {'name': 'b', 'count': 1, 'bytes': 1}][:1])
    dconn.get_account.return_value = ({}, [{'name': 'a', 'count': 1,
                                            'bytes': 10}])
    st = src.replication_status(['a', 'zz'], dst)
    assert st['a']['in_sync'] is False
    assert st['zz']['in_sync'] is False
    dconn.get_account.return_value = ({}, [{'name': 'a', 'count': 2,
                                            'bytes': 20}])
    assert src.replication_status(['a'], dst)['a']['in_sync'] is True


# -------------------------------------------------------------------- nova

def test_user_data_hash_of_the_decoded_bytes():
    raw = b'#cloud-config\npassword: hunter2\n'
    encoded = base64.b64encode(raw).decode()
    assert nova_driver.user_data_hash(encoded) == \
        hashlib.sha256(raw).hexdigest()
    assert nova_driver.user_data_hash(None) is None


def test_capture_recipe_orders_volumes_and_hides_user_data():
    client = mock.Mock()
    server = mock.Mock(
        id='s1', status='ACTIVE', image='', key_name='k',
        metadata={'role': 'web'}, tags=['t'], server_groups=[],
        flavor={'original_name': 'm1.tiny', 'vcpus': 1, 'ram': 128,
                'disk': 1, 'ephemeral': 0, 'swap': 0, 'extra_specs': {}},
        **{'OS-EXT-AZ:availability_zone': 'nova',
           'OS-EXT-SRV-ATTR:user_data': base64.b64encode(
               b'secret-ish').decode(),
           'os-extended-volumes:volumes_attached': [], 'tenant_id': 'p'})
    server.name = 'web-1'
    client.servers.get.return_value = server
    client.volumes.get_server_volumes.return_value = [
        mock.Mock(volumeId='data2', device='/dev/vdc', tag=None),
        mock.Mock(volumeId='root', device='/dev/vda', tag=None),
        mock.Mock(volumeId='data1', device='/dev/vdb', tag=None)]
    kp = mock.Mock(public_key='ssh-ed25519 AAA', type='ssh',
                   fingerprint='f')
    kp.name = 'k'
    client.keypairs.get.return_value = kp
    client.api_version = mock.Mock()
    client.api_version.get_string.return_value = '2.96'
    network = mock.Mock()
    network.server_ports.return_value = [{
        'id': 'port', 'network_id': 'n', 'mac_address': 'fa:16:3e:00:00:01',
        'fixed_ips': [{'subnet_id': 'sn', 'ip_address': '10.0.0.5'}],
        'security_group_ids': ['sg']}]
    network.security_group.return_value = {'id': 'sg', 'name': 'default',
                                           'rules': [{'direction': 'in'}]}
    drv = nova_driver.NovaComputeDriver(SITE, mock.Mock())
    drv._clients = {'tenant': client}
    recipe = drv.capture_recipe('s1', network)
    assert recipe['boot_volume']['id'] == 'root'
    assert [v['id'] for v in recipe['data_volumes']] == ['data1', 'data2']
    assert recipe['flavor']['name'] == 'm1.tiny'
    assert recipe['key_pair']['public_key'] == 'ssh-ed25519 AAA'
    assert recipe['ports'][0]['mac_address'] == 'fa:16:3e:00:00:01'
    assert recipe['security_groups'][0]['rules']
    assert recipe['user_data'] == {
        'sha256': hashlib.sha256(b'secret-ish').hexdigest(),
        'read_as': 'project'}
    assert 'secret-ish' not in str(recipe)
    assert base64.b64encode(b'secret-ish').decode() not in str(recipe)


# ---------------------------------------------------- recovery: targets

def _target_site(tenant, service):
    """A Cinder driver answering with these clients (tenant, drs's)."""
    drv = cinder_driver.CinderVolumeDriver(SITE, mock.Mock(), mock.Mock())
    clients_ = {False: tenant, True: service}
    drv._client = lambda service=False: clients_[service]  # type: ignore
    return drv


def _vol(vid, status, name=None, metadata=None):
    v = mock.Mock(id=vid, status=status, size=1, volume_type='rep',
                  bootable='true', metadata=metadata or {}, attachments=[])
    v.name = name
    return v


def test_import_volume_resumed_in_drs_project_transfers_with_a_name(conf):
    """A run killed between manage and transfer: the resumed import finds
    the volume in drs's project by metadata and hands it over; a transfer
    is never created with an empty name (Cinder answers 400)."""
    conf.config(group='recovery', resource_timeout=5)
    meta = {'drs_plan': 'p', 'drs_source': 'v-src', 'drs_kind': 'failover'}
    tenant, service = mock.Mock(), mock.Mock()
    tenant.volumes.list.return_value = []
    pending = _vol('v-new', 'awaiting-transfer', None, meta)
    service.volumes.list.return_value = [pending]
    stale = mock.Mock(id='t-old', volume_id='v-new')
    service.transfers.list.return_value = [stale]
    service.volumes.get.side_effect = [
        pending, _vol('v-new', 'available', None, meta)]
    tenant.volumes.get.return_value = _vol('v-new', 'available', None, meta)
    service.transfers.create.return_value = mock.Mock(id='t-1',
                                                      auth_key='k')
    site = _target_site(tenant, service)

    out = site.import_volume('', {}, '', None, False, meta)

    service.volumes.manage.assert_not_called()
    service.transfers.delete.assert_called_once_with('t-old')
    name = service.transfers.create.call_args.kwargs['name']
    assert name == 'drs-import-v-new'
    tenant.transfers.accept.assert_called_once_with('t-1', 'k')
    assert out['id'] == 'v-new' and out['status'] == 'available'


def test_import_volume_fresh_manages_without_looking_again(conf):
    """``fresh`` (the task has just looked in both projects): manage,
    transfer and accept, with no list call and no stale transfer looked
    for; what a dead run left is still taken up without it (above)."""
    conf.config(group='recovery', resource_timeout=5)
    meta = {'drs_plan': 'p', 'drs_source': 'v-src', 'drs_kind': 'failover'}
    tenant, service = mock.Mock(), mock.Mock()
    service.volumes.manage.return_value = mock.Mock(id='v-new')
    service.volumes.get.return_value = _vol('v-new', 'available', 'n', meta)
    service.transfers.create.return_value = mock.Mock(id='t-1',
                                                      auth_key='k')
    site = _target_site(tenant, service)

    out = site.import_volume('h@b#p', {'source-name': 'x'}, 'n', 'rep',
                             True, meta, fresh=True)

    service.volumes.manage.assert_called_once_with(
        'h@b#p', {'source-name': 'x'}, name='n', volume_type='rep',
        bootable=True, metadata=meta)
    tenant.volumes.list.assert_not_called()
    service.volumes.list.assert_not_called()
    service.transfers.list.assert_not_called()
    assert service.volumes.get.call_count == 1
    service.transfers.create.assert_called_once_with('v-new', name='n')
    tenant.transfers.accept.assert_called_once_with('t-1', 'k')
    # Cinder's accept answers once the volume is the project's and
    # available: the import reads it no more after that.
    tenant.volumes.get.assert_not_called()
    assert out == {'id': 'v-new', 'name': 'n', 'size': 1,
                   'volume_type': 'rep', 'status': 'available',
                   'bootable': True}


def _polls(make, first, then):
    """A list call answering ``[make(first)]``, then ``[make(then)]``
    from its second call on; and the markers it was called with."""
    polls: list = []

    def listing(detailed, marker, limit):
        polls.append(marker)
        return [make(first if len(polls) == 1 else then)]
    return polls, listing


def test_waits_of_an_operation_share_one_listing_per_poll(conf):
    """With the operation's listings (``shared``), volumes waited for
    at the same moment are read from one listing per poll, never from
    one made before the wait began; one the listing lacks is read
    alone."""
    from drs.engine import listings
    conf.config(group='recovery', resource_timeout=5)
    service = mock.Mock()
    polls, service.volumes.list.side_effect = _polls(
        lambda status: _vol('v1', status), 'creating', 'available')
    service.volumes.get.return_value = _vol('v3', 'available')
    site = _target_site(mock.Mock(), service)
    site.shared = listings.Listings()
    site.poll_interval = 0.05
    assert site.wait_volume('v1', ('available',), service=True)[
        'status'] == 'available'
    assert len(polls) == 2
    # A second wait begun now takes no listing older than itself...
    assert site.wait_volume('v1', ('available',), service=True)[
        'status'] == 'available'
    assert len(polls) == 3
    # ... and one that the listing lacks is read alone.
    assert site.wait_volume('v3', ('available',), service=True)['id'] \
        == 'v3'
    service.volumes.get.assert_called_once_with('v3')
    assert len(polls) == 4
    service.volumes.get.reset_mock()
    # Without shared listings, every poll reads the volume alone.
    site.shared = None
    site.wait_volume('v3', ('available',), service=True)
    service.volumes.get.assert_called_once_with('v3')
    assert len(polls) == 4


def test_manageable_volumes_are_listed_once_per_operation(conf):
    from drs.engine import listings
    service = mock.Mock()
    pool = mock.Mock()
    pool.name = 'b@pool#pool'
    service.pools.list.return_value = [pool]
    service.volumes.list_manageable.return_value = [
        mock.Mock(reference={'source-name': 'replica-1'}, size=1,
                  safe_to_manage=True, reason_not_safe=None,
                  extra_info={})]
    site = _target_site(mock.Mock(), service)
    site.shared = listings.Listings()
    first = site.list_manageable()
    assert site.list_manageable() == first
    assert first[0]['reference'] == {'source-name': 'replica-1'}
    assert service.volumes.list_manageable.call_count == 1
    assert service.pools.list.call_count == 1


def _srv(sid, status):
    return mock.Mock(id=sid, status=status, metadata={}, tags=[],
                     server_groups=[],
                     **{'os-extended-volumes:volumes_attached': []})


def test_server_waits_share_the_project_s_listing(conf):
    from drs.engine import listings
    conf.config(group='recovery', server_active_timeout=5)
    client = mock.Mock()
    polls, client.servers.list.side_effect = _polls(
        lambda status: _srv('s1', status), 'BUILD', 'ACTIVE')
    drv = nova_driver.NovaComputeDriver(SITE, mock.Mock())
    drv._clients = {'tenant': client}
    drv.shared = listings.Listings()
    drv.poll_interval = 0.05
    assert drv.wait_server('s1', 'web') == {'id': 's1', 'status': 'ACTIVE'}
    assert len(polls) == 2
    client.servers.get.assert_not_called()
    # A server in ERROR: its fault is read alone.
    client.servers.list.side_effect = None
    client.servers.list.return_value = [_srv('s2', 'ERROR')]
    client.servers.get.return_value = mock.Mock(
        status='ERROR', fault={'message': 'No valid host'})
    with pytest.raises(Exception, match='No valid host'):
        drv.wait_server('s2', 'db')


def test_import_volume_adopts_what_the_tenant_has_already(conf):
    conf.config(group='recovery', resource_timeout=5)
    meta = {'drs_plan': 'p', 'drs_source': 'v-src', 'drs_kind': 'failover'}
    tenant, service = mock.Mock(), mock.Mock()
    done = _vol('v-new', 'available', 'drs-failover-v-src', meta)
    tenant.volumes.list.return_value = [done]
    tenant.volumes.get.return_value = done
    site = _target_site(tenant, service)

    out = site.import_volume('h@b#p', {'source-name': 'x'}, 'n', None,
                             False, meta)

    service.volumes.manage.assert_not_called()
    service.transfers.create.assert_not_called()
    assert out['id'] == 'v-new'


class _FakeNet:
    """Security groups in memory, with Neutron's name filter and its 409
    for a rule that exists already."""

    def __init__(self, *names):
        self.groups = {}
        for name in names:
            self.create_security_group(name=name, description='')

    def security_groups(self, name=None):
        return [g for g in self.groups.values()
                if name is None or g.name == name]

    def create_security_group(self, name, description):
        g = mock.Mock(id='sg-%d' % len(self.groups), description=description,
                      rules=[])
        g.name = name
        self.groups[g.id] = g
        return g

    def create_security_group_rule(self, security_group_id, **rule):
        from openstack import exceptions as sdk_exc
        rules = self.groups[security_group_id].rules
        if rule in rules:
            raise sdk_exc.ConflictException('rule exists')
        rules.append(rule)

    def update_security_group(self, group, name):
        group.name = name

    def delete_security_group(self, group, ignore_missing=True):
        self.groups.pop(getattr(group, 'id', group), None)


WEB = {'id': 'src-web', 'name': 'web', 'description': 'the web tier',
       'rules': [
           {'direction': 'ingress', 'ethertype': 'IPv4', 'protocol': 'tcp',
            'port_range_min': 443, 'port_range_max': 443,
            'remote_ip_prefix': '0.0.0.0/0', 'remote_group_id': None},
           {'direction': 'ingress', 'ethertype': 'IPv4', 'protocol': None,
            'port_range_min': None, 'port_range_max': None,
            'remote_ip_prefix': None, 'remote_group_id': 'src-web'},
           {'direction': 'egress', 'ethertype': 'IPv4', 'protocol': None,
            'port_range_min': None, 'port_range_max': None,
            'remote_ip_prefix': None, 'remote_group_id': None}]}


def _site_with_net(net):
    drv = neutron_driver.NeutronNetworkDriver(SITE, mock.Mock())
    drv._network = lambda: net  # type: ignore[method-assign]
    return drv


def test_security_group_created_with_its_ingress_rules():
    net = _FakeNet()
    [sg_id] = _site_with_net(net).ensure_security_groups([WEB], {})
    sg = net.groups[sg_id]
    assert sg.name == 'web' and sg.description == 'the web tier'
    assert {'protocol': 'tcp', 'port_range_min': 443}.items() <= \
        sg.rules[0].items()
    assert sg.rules[1]['remote_group_id'] == sg_id
    assert len(sg.rules) == 2  # Neutron makes the egress rules


def test_security_group_left_half_made_is_completed_not_adopted():
    """A run killed after creating the group but before its rules left
    it under the pending name: the next run adds the rules (the one that
    exists answers 409) and renames it; no second group."""
    net = _FakeNet()
    half = net.create_security_group(name='drs-pending-src-web',
                                     description='')
    net.create_security_group_rule(half.id, **{
        k: v for k, v in WEB['rules'][0].items() if v is not None})

    ids = _site_with_net(net).ensure_security_groups([WEB], {})

    assert ids == [half.id] and len(net.groups) == 1
    assert half.name == 'web' and len(half.rules) == 2


def test_security_groups_mapped_or_found_by_name_are_used_as_they_are():
    net = _FakeNet('web')
    site = _site_with_net(net)
    assert site.ensure_security_groups([WEB], {'src-web': 'sg-b'}) == \
        ['sg-b']
    assert site.ensure_security_groups([WEB], {}) == ['sg-0']
    assert net.groups['sg-0'].rules == []  # production group untouched
    assert len(net.groups) == 1


def test_a_recovery_s_steps_share_the_groups_listing():
    """With the operation's listings, the steps find groups in one
    listing; one missing from it is looked for (and made) by one step,
    whose answer the others take: never created twice."""
    from drs.engine import listings
    net = _FakeNet('default')
    calls = []
    real = net.security_groups
    net.security_groups = lambda name=None: calls.append(name) or \
        real(name)
    shared = listings.Listings()
    first, second = _site_with_net(net), _site_with_net(net)
    first.shared = second.shared = shared
    default = {'id': 'src-default', 'name': 'default', 'rules': []}
    assert first.ensure_security_groups([default], {}) == ['sg-0']
    assert second.ensure_security_groups([default], {}) == ['sg-0']
    assert calls == [None]        # one listing for both
    [made] = first.ensure_security_groups([WEB], {})
    assert second.ensure_security_groups([WEB], {}) == [made]
    assert len(net.groups) == 2
    assert calls == [None, 'web', 'drs-pending-src-web']


def test_a_recovery_s_ports_and_subnets_are_listed_once():
    from drs.engine import listings
    net = mock.Mock()
    existing = mock.Mock(id='p-old', network_id='n', mac_address='m',
                         fixed_ips=[], security_group_ids=[])
    existing.name = 'drs-failover-plan-p1'
    net.ports.return_value = [existing]
    net.subnets.return_value = [mock.Mock(id='sn', cidr='10.0.0.0/24',
                                          ip_version=4, gateway_ip=None,
                                          is_dhcp_enabled=True)]
    net.create_port.return_value = mock.Mock(
        id='p-new', network_id='n', mac_address='m2', fixed_ips=[],
        security_group_ids=[])
    site = _site_with_net(net)
    site.shared = listings.Listings()
    assert site.subnets_of('n') == site.subnets_of('n')
    assert net.subnets.call_count == 1
    adopted = site.ensure_port('drs-failover-plan-p1', 'n', [], [], 'd')
    made = site.ensure_port('drs-failover-plan-p2', 'n', [], [], 'd')
    assert (adopted['id'], made['id']) == ('p-old', 'p-new')
    assert net.ports.call_count == 1 and net.create_port.call_count == 1
    # A failed step drops the listing: its port may exist by now.
    site.forget('ports')
    site.ensure_port('drs-failover-plan-p3', 'n', [], [], 'd')
    assert net.ports.call_count == 2


def test_a_recovery_s_key_pairs_are_listed_once():
    from drs.engine import listings
    site = nova_driver.NovaComputeDriver(SITE, mock.Mock())
    nova = mock.Mock()
    site._client = lambda service=False: nova  # type: ignore
    kp = mock.Mock(public_key='ssh-ed25519 AAA', type='ssh',
                   fingerprint='f')
    kp.name = 'prod'
    nova.keypairs.list.return_value = [kp]
    site.shared = listings.Listings()
    mine = {'name': 'prod', 'public_key': 'ssh-ed25519 AAA'}
    assert site.ensure_keypair(mine) == ('prod', False)
    assert site.ensure_keypair(mine) == ('prod', False)
    assert nova.keypairs.list.call_count == 1
    nova.keypairs.get.assert_not_called()


def test_the_servers_of_a_tier_make_a_missing_key_pair_once():
    """The servers of a tier prepare at once, each in its step: one
    creates the key pair they all need, the others find it (Nova
    answers 409 to a second create)."""
    import threading
    import time as _time
    from drs.engine import listings
    have: dict = {}
    lock = threading.Lock()

    class Keypairs:
        def list(self):
            return []

        gets = 0

        def get(self, name):
            with lock:
                Keypairs.gets += 1
                if name not in have:
                    raise nova_driver.nova_exc.NotFound(404)
                kp = mock.Mock(public_key=have[name], type='ssh',
                               fingerprint='f')
                kp.name = name
                return kp

        def create(self, name, public_key):
            _time.sleep(0.05)     # the window two creates would share
            with lock:
                if name in have:
                    raise nova_driver.nova_exc.Conflict(409)
                have[name] = public_key

    nova = mock.Mock(keypairs=Keypairs())
    shared = listings.Listings()
    kp = {'name': 'web', 'public_key': 'ssh-ed25519 AAA'}
    results, errors = [], []

    def prepare():
        site = nova_driver.NovaComputeDriver(SITE, mock.Mock())
        site._client = lambda service=False: nova  # type: ignore
        site.shared = shared
        try:
            results.append(site.ensure_keypair(kp))
        except Exception as e:  # noqa: BLE001 - collected, asserted
            errors.append(e)

    threads = [threading.Thread(target=prepare) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results) == [('web', False)] * 7 + [('web', True)]
    # One step looked for it (and made it); the others took its answer.
    assert Keypairs.gets == 1


def test_the_servers_of_a_tier_make_a_missing_group_once():
    import threading
    from drs.engine import listings
    import time as _time
    net = _FakeNet('default')
    find = net.security_groups
    # The window two steps would share between looking and making.
    looks = []
    net.security_groups = lambda name=None: (
        looks.append(name), _time.sleep(0.02), find(name))[2]
    shared = listings.Listings()
    ids = []

    def prepare():
        site = _site_with_net(net)
        site.shared = shared
        ids.extend(site.ensure_security_groups([WEB], {}))

    threads = [threading.Thread(target=prepare) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 1 and len(ids) == 8
    assert sorted(g.name for g in net.groups.values()) == ['default', 'web']
    # Listed once for the operation, looked for by name once.
    assert looks.count('web') == 1


def test_test_failover_groups_are_its_own_and_cleaned_up():
    net = _FakeNet('default')
    site = _site_with_net(net)
    prefix = 'drs-test-plan-1-'
    [sg_id] = site.ensure_security_groups([WEB], {}, test_prefix=prefix)
    assert net.groups[sg_id].name == prefix + 'src-web'
    # A second run (retry) finds it by its test name.
    assert site.ensure_security_groups([WEB], {}, test_prefix=prefix) == \
        [sg_id]
    assert site.delete_security_groups(prefix) == [sg_id]
    assert [g.name for g in net.groups.values()] == ['default']


def test_test_failover_key_pair_is_its_own_and_cleaned_up():
    site = nova_driver.NovaComputeDriver(SITE, mock.Mock())
    nova = mock.Mock()
    site._client = lambda service=False: nova  # type: ignore
    have = {'prod': 'ssh-ed25519 AAA'}
    site.get_keypair = lambda n: (  # type: ignore[method-assign]
        {'name': n, 'public_key': have[n]} if n in have else None)
    nova.keypairs.create.side_effect = lambda n, public_key: have.update(
        {n: public_key})
    kp = {'name': 'mine', 'public_key': 'ssh-ed25519 BBB'}
    prefix = 'drs-test-plan-1-'

    assert site.ensure_keypair(kp, test_prefix=prefix) == (
        prefix + 'mine', True)
    assert site.ensure_keypair(kp, test_prefix=prefix) == (
        prefix + 'mine', False)  # a retry finds it
    # A key pair the site has already is used, under its own name.
    prod = {'name': 'prod', 'public_key': 'ssh-ed25519 AAA'}
    assert site.ensure_keypair(prod, test_prefix=prefix) == ('prod', False)
    with pytest.raises(base.DriverError, match='another public key'):
        site.ensure_keypair({'name': 'prod', 'public_key': 'other'})
    # A test does not fail on it: it brings its own.
    assert site.ensure_keypair({'name': 'prod', 'public_key': 'other'},
                               test_prefix=prefix) == (prefix + 'prod', True)

    listed = []
    for n in ('prod', prefix + 'mine', prefix + 'used', prefix + 'prod'):
        listed.append(mock.Mock())
        listed[-1].name = n
    nova.keypairs.list.return_value = listed
    site.list_servers = lambda: {  # type: ignore[method-assign]
        's1': {'key_name': prefix + 'used'}}
    assert site.delete_keypairs(prefix) == [prefix + 'mine', prefix + 'prod']
    assert nova.keypairs.delete.call_count == 2


RECORDED_PORT = {'id': 'p-src', 'mac_address': 'fa:16:3e:00:00:01',
                 'allowed_address_pairs': [{'ip_address': '10.0.0.99'}],
                 'port_security_enabled': True}


def _port_site(create_port):
    net = mock.Mock()
    net.ports.return_value = []
    net.create_port.side_effect = create_port
    return _site_with_net(net), net


def _made(**attrs):
    port = mock.Mock(id='p-new', network_id=attrs['network_id'],
                     mac_address=attrs.get('mac_address', 'fa:16:3e:ff:ff:ff'),
                     fixed_ips=attrs['fixed_ips'])
    port.name = attrs['name']
    return port


def _ensure(site, recorded=RECORDED_PORT):
    return site.ensure_port(
        'drs-failover-p', 'net-b', [{'ip_address': '10.0.0.5',
                                     'subnet_id': 'sub-b'}], ['sg-1'],
        'desc', recorded=recorded)


def test_port_keeps_the_recorded_mac_and_address_pairs():
    site, net = _port_site(_made)
    out = _ensure(site)
    kwargs = net.create_port.call_args.kwargs
    assert kwargs['mac_address'] == 'fa:16:3e:00:00:01'
    assert kwargs['allowed_address_pairs'] == [{'ip_address': '10.0.0.99'}]
    assert kwargs['security_group_ids'] == ['sg-1']
    assert out['mac_address'] == 'fa:16:3e:00:00:01'


def test_port_gets_a_new_mac_when_the_recorded_one_is_refused():
    from openstack import exceptions as sdk_exc

    def create(**attrs):
        if 'mac_address' in attrs:
            raise sdk_exc.ConflictException(
                'Unable to complete operation for network net-b. The mac '
                'address fa:16:3e:00:00:01 is in use.')
        return _made(**attrs)
    site, net = _port_site(create)
    out = _ensure(site)
    assert net.create_port.call_count == 2
    assert 'mac_address' not in net.create_port.call_args.kwargs
    assert out['mac_address'] == 'fa:16:3e:ff:ff:ff'


def test_port_ip_conflict_is_not_retried():
    from openstack import exceptions as sdk_exc

    def create(**attrs):
        raise sdk_exc.ConflictException('IP address 10.0.0.5 already '
                                        'allocated in subnet sub-b')
    site, net = _port_site(create)
    with pytest.raises(sdk_exc.ConflictException):
        _ensure(site)
    assert net.create_port.call_count == 1


def test_port_security_off_is_kept_off_and_an_existing_port_adopted():
    site, net = _port_site(_made)
    _ensure(site, dict(RECORDED_PORT, port_security_enabled=False,
                       mac_address=None))
    kwargs = net.create_port.call_args.kwargs
    assert kwargs['port_security_enabled'] is False
    assert kwargs['security_group_ids'] == []
    assert 'mac_address' not in kwargs

    there = _made(name='drs-failover-p', network_id='net-b', fixed_ips=[])
    net.ports.return_value = [there]
    net.create_port.reset_mock()
    assert _ensure(site)['id'] == 'p-new'
    net.create_port.assert_not_called()
