"""Recipes from list calls (nova capture_recipes) and the Neutron list
methods they use: the same recipe as the per-server reads, calls that
grow with pages and chunks, not servers."""

import base64
import hashlib
import threading
from unittest import mock

from novaclient import api_versions

from drs.drivers.neutron import driver as neutron_driver
from drs.drivers.nova import driver as nova_driver

SITE = {'name': 'site-a', 'region_name': 'RegionOne', 'interface': 'public',
        'endpoint_overrides': {}}
FLAVOR = {'original_name': 'm1.tiny', 'vcpus': 1, 'ram': 128, 'disk': 1,
          'ephemeral': 0, 'swap': 0, 'extra_specs': {}}


def _server(sid, user_data=None, attached=(), key_name='k'):
    attrs = {'OS-EXT-AZ:availability_zone': 'nova', 'tenant_id': 'p',
             'os-extended-volumes:volumes_attached': [
                 {'id': vid, 'delete_on_termination': False}
                 for vid in attached]}
    if user_data is not None:
        attrs['OS-EXT-SRV-ATTR:user_data'] = base64.b64encode(
            user_data).decode()
    s = mock.Mock(spec=['id', 'name', 'status', 'image', 'key_name',
                        'metadata', 'tags', 'flavor'] + list(attrs),
                  id=sid, status='ACTIVE', image='', key_name=key_name,
                  metadata={'role': 'web'}, tags=['t'], flavor=FLAVOR,
                  **attrs)
    s.name = 'web-' + sid
    return s


def _keypair():
    kp = mock.Mock(public_key='ssh-ed25519 AAA', type='ssh',
                   fingerprint='f')
    kp.name = 'k'
    return kp


def _att(vid, device, tag=None):
    return mock.Mock(volumeId=vid, device=device, tag=tag,
                     delete_on_termination=False)


def _network(ports):
    net = mock.Mock()
    net.ports_of_servers.side_effect = lambda ids: {
        sid: ports.get(sid, []) for sid in ids}
    net.security_groups.side_effect = lambda ids: {
        i: {'id': i, 'name': 'g-' + i, 'rules': [{'direction': 'ingress'}]}
        for i in ids}
    return net


def _driver(servers, service_servers=None):
    client = mock.Mock()
    client.api_version = api_versions.APIVersion('2.96')
    client.servers.list.return_value = servers
    client.keypairs.list.return_value = [_keypair()]
    group = mock.Mock(id='g1', policy='anti-affinity', rules={},
                      members=['s2'])
    group.name = 'spread'
    client.server_groups.list.return_value = [group]
    client.volumes.get_server_volumes.side_effect = lambda sid: [
        _att('root-' + sid, '/dev/vda', tag='boot'),
        _att('data-' + sid, '/dev/vdb')]
    service = mock.Mock()
    service.servers.list.return_value = service_servers or []
    drv = nova_driver.NovaComputeDriver(SITE, mock.Mock(), mock.Mock())
    drv._clients = {'tenant': client, 'service': service}
    return drv, client, service


def _cinder(sid, prefix='att'):
    return [{'id': 'root-' + sid, 'device': '/dev/vda',
             'attachment_id': '%s-root-%s' % (prefix, sid)},
            {'id': 'data-' + sid, 'device': '/dev/vdb',
             'attachment_id': '%s-data-%s' % (prefix, sid)}]


PORTS = {'s1': [{'id': 'p1', 'network_id': 'n', 'mac_address': 'm1',
                 'fixed_ips': [], 'security_group_ids': ['sg2', 'sg1']}],
         's2': [{'id': 'p2', 'network_id': 'n', 'mac_address': 'm2',
                 'fixed_ips': [], 'security_group_ids': ['sg1']}]}


def test_recipes_of_many_servers_from_list_calls():
    servers = [_server(sid, attached=('root-' + sid, 'data-' + sid))
               for sid in ('s1', 's2', 'other')]
    admin = [_server(sid, user_data=b'boot: %s' % sid.encode())
             for sid in ('s1', 's2', 'other')]
    drv, client, service = _driver(servers, admin)
    net = _network(PORTS)
    out = drv.capture_recipes(
        ['s1', 's2', 'gone'], net,
        {sid: _cinder(sid) for sid in ('s1', 's2')}, {})
    # The project's lists, once each, whatever the number of servers.
    client.servers.list.assert_called_once()
    service.servers.list.assert_called_once()
    assert service.servers.list.call_args.kwargs['search_opts'] == {
        'all_tenants': True,
        'project_id': drv.session.get_project_id.return_value}
    client.keypairs.list.assert_called_once()
    client.server_groups.list.assert_called_once()
    # Asked with the listing of servers, so for the plan's every server.
    net.ports_of_servers.assert_called_once_with(['s1', 's2', 'gone'])
    net.security_groups.assert_called_once_with(['sg1', 'sg2'])
    client.servers.get.assert_not_called()
    client.keypairs.get.assert_not_called()
    assert sorted(out) == ['s1', 's2']  # 'gone' is left out
    r1, r2 = out['s1'], out['s2']
    assert r1['flavor']['name'] == 'm1.tiny'
    assert r1['key_pair'] == {'name': 'k', 'public_key': 'ssh-ed25519 AAA',
                              'type': 'ssh', 'fingerprint': 'f'}
    assert [g['id'] for g in r1['security_groups']] == ['sg1', 'sg2']
    assert r1['server_group'] is None
    assert r2['server_group'] == {'id': 'g1', 'name': 'spread',
                                  'policy': 'anti-affinity', 'rules': {}}
    assert r1['user_data'] == {
        'sha256': hashlib.sha256(b'boot: s1').hexdigest(),
        'read_as': 'service'}
    assert 'boot: s1' not in str(out)
    # No recipe recorded: each server's attachments read from Nova (the
    # device tags), with Block Storage's attachment ids.
    assert client.volumes.get_server_volumes.call_count == 2
    assert r1['boot_volume'] == {'id': 'root-s1', 'device': '/dev/vda',
                                 'tag': 'boot',
                                 'delete_on_termination': False,
                                 'attachment_id': 'att-root-s1'}
    assert [v['id'] for v in r1['data_volumes']] == ['data-s1']


def test_same_recipe_as_the_per_server_reads():
    server = _server('s1', user_data=b'x', attached=('root-s1', 'data-s1'))
    drv, client, _service = _driver([server])
    client.servers.get.return_value = server
    client.keypairs.get.return_value = _keypair()
    net = _network(PORTS)
    net.server_ports.side_effect = lambda sid: PORTS[sid]
    net.security_group.side_effect = lambda i: {
        'id': i, 'name': 'g-' + i, 'rules': [{'direction': 'ingress'}]}
    one = drv.capture_recipe('s1', net)
    batch = drv.capture_recipes(['s1'], net, {'s1': _cinder('s1')},
                                {})['s1']
    for v in batch['data_volumes'] + [batch['boot_volume']]:
        assert v.pop('attachment_id')
    assert batch == one


def test_unchanged_attachments_keep_their_recorded_tags():
    servers = [_server('s1', user_data=b'x',
                       attached=('root-s1', 'data-s1')),
               _server('s2', user_data=b'x',
                       attached=('root-s2', 'data-s2'))]
    drv, client, _service = _driver(servers)
    net = _network(PORTS)
    first = drv.capture_recipes(['s1', 's2'], net,
                                {s: _cinder(s) for s in ('s1', 's2')}, {})
    client.volumes.get_server_volumes.reset_mock()
    # s2's data volume was detached and attached again since.
    now = {'s1': _cinder('s1'), 's2': _cinder('s2')}
    now['s2'][1] = dict(now['s2'][1], attachment_id='new')
    again = drv.capture_recipes(['s1', 's2'], net, now, first)
    client.volumes.get_server_volumes.assert_called_once_with('s2')
    assert again['s1'] == first['s1']
    assert again['s1']['boot_volume']['tag'] == 'boot'
    assert again['s2']['data_volumes'][0]['attachment_id'] == 'new'


def test_a_moved_device_is_read_again():
    server = _server('s1', user_data=b'x', attached=('root-s1', 'data-s1'))
    drv, client, _service = _driver([server])
    net = _network(PORTS)
    first = drv.capture_recipes(['s1'], net, {'s1': _cinder('s1')}, {})
    moved = _cinder('s1')
    moved[1] = dict(moved[1], device='/dev/vdc')
    client.volumes.get_server_volumes.reset_mock()
    drv.capture_recipes(['s1'], net, {'s1': moved}, first)
    client.volumes.get_server_volumes.assert_called_once_with('s1')


def test_no_service_session_and_no_volumes():
    server = _server('s1', key_name=None)
    drv, client, service = _driver([server])
    drv.service_session = None
    out = drv.capture_recipes(['s1'], _network({}), {}, {})['s1']
    assert out['user_data'] == {'sha256': None, 'read_as': 'not visible'}
    assert out['key_pair'] is None and out['ports'] == []
    assert out['boot_volume'] is None and out['data_volumes'] == []
    service.servers.list.assert_not_called()
    client.keypairs.list.assert_not_called()
    client.volumes.get_server_volumes.assert_not_called()


def test_images_listed_by_id_and_the_unlisted_read_alone():
    drv, _client, _service = _driver([])
    adapter = mock.Mock()
    listed = mock.Mock()
    listed.json.return_value = {'images': [
        {'id': 'i1', 'name': 'cirros', 'os_hash_value': 'h1'}]}
    alone = mock.Mock()
    alone.json.return_value = {'id': 'i2', 'name': 'community',
                               'checksum': 'c2'}
    adapter.get.side_effect = [listed, alone]
    with mock.patch.object(drv, '_adapter', return_value=adapter):
        out = drv._images(['i2', 'i1', 'i1'])
    assert out == {'i1': {'id': 'i1', 'name': 'cirros', 'checksum': 'h1'},
                   'i2': {'id': 'i2', 'name': 'community',
                          'checksum': 'c2'}}
    first, second = adapter.get.call_args_list
    assert first.kwargs['params']['id'] == 'in:i1,i2'
    assert second.args == ('/v2/images/i2',)


# ----------------------------------------------------------- neutron

def _port(pid, device):
    return mock.Mock(id=pid, network_id='n', mac_address='m', device_id=device,
                     fixed_ips=[{'subnet_id': 'sn', 'ip_address': '10.0.0.1'}],
                     security_group_ids=['sg'], is_port_security_enabled=True,
                     allowed_address_pairs=[])


def _neutron(net):
    drv = neutron_driver.NeutronNetworkDriver(SITE, mock.Mock())
    drv._network = lambda: net  # type: ignore[method-assign]
    return drv


def test_ports_of_servers_in_chunks_of_device_ids():
    ids = ['s%03d' % i for i in range(neutron_driver.FILTER_CHUNK + 5)]
    net = mock.Mock()
    net.ports.side_effect = lambda device_id: [
        _port('p-' + d, d) for d in device_id if d != 's001'] + [
        _port('p-stray', 'elsewhere')]
    out = _neutron(net).ports_of_servers(ids)
    assert net.ports.call_count == 2
    assert [len(c.kwargs['device_id']) for c in net.ports.call_args_list] \
        == [neutron_driver.FILTER_CHUNK, 5]
    assert sorted(out) == ids and out['s001'] == []
    assert out['s000'][0]['id'] == 'p-s000'
    assert out['s000'][0]['fixed_ips'] == [{'subnet_id': 'sn',
                                            'ip_address': '10.0.0.1'}]


def test_security_groups_by_id_in_one_call():
    rule = {'direction': 'ingress', 'ethertype': 'IPv4', 'protocol': 'tcp',
            'port_range_min': 22, 'port_range_max': 22,
            'remote_ip_prefix': None, 'remote_group_id': None}
    g = mock.Mock(id='sg1', description='d', security_group_rules=[rule])
    g.name = 'web'
    net = mock.Mock()
    net.security_groups.return_value = [g]
    out = _neutron(net).security_groups(['sg1', 'sg1', 'sg-gone'])
    net.security_groups.assert_called_once_with(id=['sg-gone', 'sg1'])
    assert out == {'sg1': {'id': 'sg1', 'name': 'web', 'description': 'd',
                           'rules': [rule]}}


def test_first_capture_reads_the_servers_attachments_at_once():
    # No previous recipe: each server's attachments come from Nova (the
    # device names and tags no listing has). Each read waits for the
    # other's: one at a time, the first would wait alone and fail.
    servers = [_server(sid, attached=('root-' + sid, 'data-' + sid))
               for sid in ('s1', 's2')]
    drv, client, _service = _driver(servers)
    both = threading.Barrier(2, timeout=10)

    def attachments(sid):
        both.wait()
        return [_att('root-' + sid, '/dev/vda', tag='boot'),
                _att('data-' + sid, '/dev/vdb')]
    client.volumes.get_server_volumes.side_effect = attachments
    out = drv.capture_recipes(['s1', 's2'], _network(PORTS),
                              {sid: _cinder(sid) for sid in ('s1', 's2')},
                              {})
    assert client.volumes.get_server_volumes.call_count == 2
    for sid in ('s1', 's2'):
        assert out[sid]['boot_volume']['id'] == 'root-' + sid
        assert out[sid]['boot_volume']['tag'] == 'boot'
        assert out[sid]['data_volumes'][0]['attachment_id'] == \
            'att-data-' + sid
