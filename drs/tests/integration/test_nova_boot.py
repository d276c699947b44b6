"""A server boots at site B from a Cinder volume, on a port with a given
fixed IP, with a key pair and a security group, and becomes ACTIVE."""
import random

import pytest
from cinderclient import exceptions as cinder_exc
from novaclient import exceptions as nova_exc
from openstack import exceptions as sdk_exc

from drs.tests.integration.conftest import unique, wait_until



def _public_key():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    return key.public_bytes(serialization.Encoding.OpenSSH,
                            serialization.PublicFormat.OpenSSH).decode()


class Cleanup(list):
    def run(self):
        errors = []
        for fn, args in reversed(self):
            try:
                fn(*args)
            except (nova_exc.NotFound, cinder_exc.NotFound,
                    sdk_exc.NotFoundException):
                pass
            except Exception as e:   # noqa: BLE001 - keep cleaning up
                errors.append(e)
        assert not errors, errors


@pytest.fixture
def cleanup():
    c = Cleanup()
    yield c
    c.run()


def _wait_volume(cinder, vid, status, timeout=90):
    def check():
        v = cinder.volumes.get(vid)
        assert not v.status.startswith('error'), (vid, v.status)
        return v if v.status == status else None
    return wait_until('volume %s %s' % (vid, status), check, timeout)


def _delete_server(nova, sid):
    nova.servers.delete(sid)

    def gone():
        try:
            nova.servers.get(sid)
        except nova_exc.NotFound:
            return True
        return False
    wait_until('server %s deleted' % sid, gone, timeout=90)


def _delete_volume(cinder, vid):
    _wait_volume(cinder, vid, 'available')
    cinder.volumes.delete(vid)

    def gone():
        try:
            cinder.volumes.get(vid)
        except cinder_exc.NotFound:
            return True
        return False
    wait_until('volume %s deleted' % vid, gone, timeout=60)


def test_boot_from_volume_with_fixed_ip(cloud, cleanup):
    site = 'b'
    user = 'tenant1-member'
    nova = cloud.nova(user, site)
    cinder = cloud.cinder(user, site)
    net = cloud.sdk(user, site).network
    tenant_net = cloud.site(site)['networks']['tenant1']
    image = cloud.site(site)['image']

    keypair = nova.keypairs.create(unique('it-key'), public_key=_public_key())
    cleanup.append((nova.keypairs.delete, (keypair.name,)))

    sg = net.create_security_group(name=unique('it-sg'))
    cleanup.append((net.delete_security_group, (sg.id,)))
    net.create_security_group_rule(security_group_id=sg.id,
                                   direction='ingress', protocol='tcp',
                                   port_range_min=22, port_range_max=22,
                                   remote_ip_prefix='0.0.0.0/0')

    fixed_ip = '10.10.0.%d' % random.randint(50, 250)
    port = net.create_port(network_id=tenant_net['network_id'],
                           name=unique('it-port'),
                           fixed_ips=[{'subnet_id': tenant_net['subnet_id'],
                                       'ip_address': fixed_ip}],
                           security_group_ids=[sg.id])
    cleanup.append((net.delete_port, (port.id,)))

    vol = cinder.volumes.create(1, name=unique('it-boot'),
                                imageRef=image['id'])
    cleanup.append((_delete_volume, (cinder, vol.id)))
    vol = _wait_volume(cinder, vol.id, 'available')
    assert vol.bootable == 'true'
    # The test driver really copied the image bytes into the volume.
    head = cloud.vio.read(site, vol.id, 64)
    assert head.startswith(b'DRS-TESTCLOUD-IMAGE cirros-tiny')

    server = nova.servers.create(
        unique('it-server'), image=None,
        flavor=cloud.site(site)['nova']['flavors']['m1.tiny'],
        key_name=keypair.name, nics=[{'port-id': port.id}],
        block_device_mapping_v2=[{'boot_index': 0, 'uuid': vol.id,
                                  'source_type': 'volume',
                                  'destination_type': 'volume',
                                  'delete_on_termination': False}])
    cleanup.append((_delete_server, (nova, server.id)))

    def active():
        s = nova.servers.get(server.id)
        assert s.status != 'ERROR', getattr(s, 'fault', None)
        return s if s.status == 'ACTIVE' else None
    server = wait_until('server ACTIVE', active, timeout=180, interval=1)

    assert server.key_name == keypair.name
    ips = [a['addr'] for a in server.addresses[tenant_net['network']]]
    assert ips == [fixed_ip]
    assert [g['name'] for g in server.security_groups] == [sg.name]
    attached = [v['id'] for v in
                getattr(server, 'os-extended-volumes:volumes_attached')]
    assert attached == [vol.id]
    vol = cinder.volumes.get(vol.id)
    assert vol.status == 'in-use'
    assert vol.attachments[0]['server_id'] == server.id
    port = net.get_port(port.id)
    assert port.device_id == server.id
    assert port.status == 'ACTIVE'
    # binding:host_id is visible to admins only
    bound = cloud.sdk('admin', site).network.get_port(port.id)
    assert bound.binding_host_id == cloud.site(site)['nova']['compute_host']
    assert bound.binding_vif_type == 'ovs'
