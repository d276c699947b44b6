"""Shared pieces of the recovery integration tests (test_recover_*.py).

A workload at site A as tenant1's member (servers booted from replicated
volumes, each with a replicated data volume, a container with objects),
drs-all-in-one configured for recovery (the test cloud's file pools for
test-failover copies), plan creation, site-A service stop/start and
counts of what the tenant has at a site.
"""

import contextlib
import os
import time

from cinderclient import exceptions as cinder_exc
from novaclient import exceptions as nova_exc
import pytest
from swiftclient import exceptions as swift_exc

from drs.tests.integration.conftest import unique, wait_until
from drs.tests.integration import drs_service

USER = 'tenant1-member'
MiB = 1024 * 1024
SITE_A_SERVICES = ('cinder-*-a', 'swift-*-a', 'nova-*-a')


def public_key():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    return key.public_bytes(serialization.Encoding.OpenSSH,
                            serialization.PublicFormat.OpenSSH).decode()


def wait_volume(cinder, vid, status, timeout=120):
    def check():
        v = cinder.volumes.get(vid)
        assert not v.status.startswith('error'), (vid, v.status)
        return v if v.status == status else None
    return wait_until('volume %s %s' % (vid, status), check, timeout)


def gone(fn):
    def check():
        try:
            fn()
        except (nova_exc.NotFound, cinder_exc.NotFound):
            return True
        return False
    return check


def start_drs(cloud, directory, extra_conf='', storage='file_pool'):
    """drs-all-in-one with the recovery options for the test cloud (and
    ``extra_conf``, more sections of drs.conf; ``storage``: see
    ``drs_service.replication_config``)."""
    service = drs_service.Drs(cloud, directory, storage=storage)
    with open(service.conf, 'a') as f:
        f.write('\n[recovery]\nserver_active_timeout = 180\n'
                'resource_timeout = 120\ncatch_up_timeout = 120\n')
        f.write(extra_conf)
    service.start()
    service.sites = {}
    for key in ('a', 'b'):
        resp = service.post('/v1/sites', {'site': {
            'name': unique('it-site-%s' % key),
            'region_name': cloud.region(key),
            'auth_url': cloud.data['keystone']['url'],
            'interface': 'public',
            'endpoint_overrides': drs_service.site_overrides(
                cloud, storage, key)}}, user='admin', expect=201)
        service.sites[key] = resp.json()['site']
    return service


@contextlib.contextmanager
def running_drs(cloud, tmp_path_factory, name, extra_conf='',
                storage='file_pool'):
    """A module's drs-all-in-one, stopped (and its sites deleted) after."""
    service = start_drs(cloud, tmp_path_factory.mktemp(name), extra_conf,
                        storage)
    try:
        yield service
    finally:
        stop_drs(service)


@contextlib.contextmanager
def created_workload(cloud, restart_site_a=False, **kwargs):
    """A module's workload at A, deleted after; with ``restart_site_a``
    site A is brought back first (a test may have stopped it)."""
    workload = Workload(cloud, **kwargs)
    try:
        yield workload.create()
    finally:
        if restart_site_a:
            start_site_a(cloud)
        workload.delete()


def drs_fixture(name, storage='file_pool'):
    """A module-scoped ``drs`` fixture: ``drs = rh.drs_fixture('x')``."""
    @pytest.fixture(scope='module')
    def drs(cloud, tmp_path_factory):
        with running_drs(cloud, tmp_path_factory, name,
                         storage=storage) as service:
            yield service
    return drs


def workload_fixture(**kwargs):
    """A module-scoped ``workload`` fixture (``created_workload``'s
    arguments)."""
    @pytest.fixture(scope='module')
    def workload(cloud):
        with created_workload(cloud, **kwargs) as made:
            yield made
    return workload


@contextlib.contextmanager
def quota_room(cloud, room, kind='server'):
    """B's quota for tenant1 of servers (or volumes) set to what it uses
    plus ``room``, restored after. With no room, every create is refused
    by the API's quota check (deterministic); with room for one, two
    creates in parallel may both pass the API and one fail later at
    Nova's conductor recheck (the server goes ERROR)."""
    client, quota_name, used_name = {
        'server': (cloud.nova, 'instances', 'totalInstancesUsed'),
        'volume': (cloud.cinder, 'volumes', 'totalVolumesUsed')}[kind]
    admin_b = client('admin', 'b')
    project = cloud.project_id('tenant1')
    quota = getattr(admin_b.quotas.get(project), quota_name)
    used = {a.name: a.value for a in client(USER, 'b').limits.get().absolute}
    admin_b.quotas.update(project, **{quota_name: used[used_name] + room})
    try:
        yield
    finally:
        admin_b.quotas.update(project, **{quota_name: quota})


def room_for_one_more(cloud, kind='server'):
    """``quota_room(cloud, 1, kind)``: an operation needing two fails, a
    preflight reports the shortfall."""
    return quota_room(cloud, 1, kind)


def stop_drs(service):
    for site in getattr(service, 'sites', {}).values():
        try:
            service.request('DELETE', '/v1/sites/%s' % site['id'], 'admin')
        except Exception:  # noqa: S110 - best effort at the end
            pass
    service.stop()


class Workload:
    """Servers on replicated volumes and a container, at site A.

    ``volume_type``: of every volume; ``io``: the guest I/O into them
    (the file profile's ``cloud.vio`` by default, an
    ``ceph_helpers.RbdIO`` on RBD); ``boot_image``: boot volumes made
    from the site's image (the file driver) or, where the backend cannot
    (Cinder's RBD driver needs qemu-img for it), empty and marked
    bootable; ``container``: with a container of ``objects`` objects;
    ``object_store``: ``(user, site) -> swift connection`` of the
    container's object store (the catalog's Swift by default,
    ``cloud.rgw`` for the ceph profile's RGW zones).
    """

    def __init__(self, cloud, servers=2, objects=3, prefix='it-rec',
                 volume_type='replicated', io=None, boot_image=True,
                 container=True, object_store=None):
        self.cloud = cloud
        self.object_store = object_store or cloud.swift
        self.volume_type = volume_type
        self.io = io or cloud.vio
        self.boot_image = boot_image
        self.with_container = container
        self.prefix = prefix
        self.n = servers
        self.n_objects = objects
        self.servers = []
        self.volumes = []
        self.boot = {}
        self.data = {}
        self.keypair = None
        self.public_key = None
        self.container = unique(prefix)
        self.objects = {}
        # A group only site A has: a failover creates it at B with its
        # rules, a test failover makes its own copy and removes it.
        self.security_group = unique('%s-web' % prefix)

    def create(self):
        cloud = self.cloud
        nova = cloud.nova(USER, 'a')
        cinder = cloud.cinder(USER, 'a')
        swift = self.swift('a')
        net = cloud.site('a')['networks']['tenant1']
        kp = nova.keypairs.create(unique('it-key'), public_key=public_key())
        net_a = cloud.sdk(USER, 'a').network
        sg = net_a.create_security_group(name=self.security_group)
        net_a.create_security_group_rule(
            security_group_id=sg.id, direction='ingress', ethertype='IPv4',
            protocol='tcp', port_range_min=443, port_range_max=443,
            remote_ip_prefix='0.0.0.0/0')
        self.keypair, self.public_key = kp.name, kp.public_key
        pending = []
        for _ in range(self.n):
            image = {'imageRef': cloud.site('a')['image']['id']} \
                if self.boot_image else {}
            boot = cinder.volumes.create(
                1, name=unique('it-boot'), volume_type=self.volume_type,
                **image)
            data = cinder.volumes.create(1, name=unique('it-data'),
                                         volume_type=self.volume_type)
            self.volumes += [boot.id, data.id]
            pending.append((boot.id, data.id))
        for boot_id, data_id in pending:
            wait_volume(cinder, boot_id, 'available')
            wait_volume(cinder, data_id, 'available')
            if not self.boot_image:
                cinder.volumes.set_bootable(boot_id, True)
            server = nova.servers.create(
                unique('%s-server' % self.prefix), image=None,
                flavor=cloud.site('a')['nova']['flavors']['m1.tiny'],
                key_name=kp.name, meta={'role': 'web'},
                nics=[{'net-id': net['network_id']}],
                security_groups=['default', self.security_group],
                block_device_mapping_v2=[{
                    'boot_index': 0, 'uuid': boot_id,
                    'source_type': 'volume', 'destination_type': 'volume',
                    'delete_on_termination': False}])
            self.servers.append(server.id)
            self.boot[server.id] = boot_id
            self.data[server.id] = data_id

        def active(sid):
            s = nova.servers.get(sid)
            assert s.status != 'ERROR', getattr(s, 'fault', None)
            return s.status == 'ACTIVE'
        for sid in self.servers:
            wait_until('server ACTIVE', lambda sid=sid: active(sid), 180, 1)
            nova.volumes.create_server_volume(sid, self.data[sid])
            wait_volume(cinder, self.data[sid], 'in-use')
        if self.with_container:
            swift.put_container(self.container)
            for i in range(self.n_objects):
                self.put_object('obj-%d' % i, os.urandom(2048))
        return self

    def swift(self, site, user=USER):
        """The container's object store at ``site``."""
        return self.object_store(user, site)

    def put_object(self, name, data, site='a'):
        self.swift(site).put_object(self.container, name, contents=data)
        self.objects[name] = data

    def port(self, sid):
        """The server's (only) port at A."""
        return next(iter(self.cloud.sdk(USER, 'a').network.ports(
            device_id=sid)))

    def fixed_ip(self, sid):
        return self.port(sid).fixed_ips[0]['ip_address']

    def delete(self):
        """Everything at A (site A must be up), and its key pair, group
        and container at B."""
        cloud = self.cloud
        nova = cloud.nova(USER, 'a')
        cinder = cloud.cinder(USER, 'a')
        for sid in self.servers:
            with contextlib.suppress(nova_exc.NotFound):
                nova.servers.delete(sid)
        for sid in self.servers:
            wait_until('server deleted', gone(
                lambda sid=sid: nova.servers.get(sid)), 120, 1)
        for vid in self.volumes:
            try:
                wait_volume(cinder, vid, 'available')
                cinder.volumes.delete(vid)
            except cinder_exc.NotFound:
                continue
        # The site's volume service deletes them a few at a time: a
        # large workload (a benchmark's 60 volumes) takes minutes.
        # One deadline for them all.
        end = time.monotonic() + 120 + 5 * len(self.volumes)
        for vid in self.volumes:
            wait_until('volume deleted', gone(
                lambda vid=vid: cinder.volumes.get(vid)),
                max(1, end - time.monotonic()), 1)
        for site in ('a', 'b'):
            if self.keypair:
                with contextlib.suppress(nova_exc.NotFound):
                    cloud.nova(USER, site).keypairs.delete(self.keypair)
            if self.with_container:
                delete_container(self.swift(site), self.container)
            net = cloud.sdk(USER, site).network
            for sg in list(net.security_groups(name=self.security_group)):
                net.delete_security_group(sg, ignore_missing=True)


def delete_container(conn, name):
    try:
        for obj in conn.get_container(name)[1]:
            conn.delete_object(name, obj['name'])
        conn.delete_container(name)
    except swift_exc.ClientException as e:
        if e.http_status != 404:
            raise


def create_plan(drs, workload, tiers=None, rpo=120):
    cloud = drs.cloud
    tiers = tiers or {}
    resources = [{'type': 'OS::Nova::Server', 'id': sid,
                  'tier': tiers.get(sid, 1)} for sid in workload.servers]
    if workload.with_container:
        resources.append({'type': 'OS::Swift::Container',
                          'id': workload.container})
    net_a = cloud.site('a')['networks']['tenant1']
    net_b = cloud.site('b')['networks']['tenant1']
    body = {'plan': {
        'name': unique('it-rec-plan'), 'source_site': drs.sites['a']['id'],
        'target_site': drs.sites['b']['id'], 'rpo_seconds': rpo,
        'resources': resources,
        'mappings': {'networks': {net_a['network_id']: net_b['network_id']},
                     'subnets': {net_a['subnet_id']: net_b['subnet_id']},
                     'flavors': {'m1.tiny': 'm1.tiny'},
                     'availability_zones': {'nova': 'nova'},
                     'volume_types': {workload.volume_type:
                                      workload.volume_type}}}}
    return drs.post('/v1/plans', body, expect=201).json()['plan']


def tier_per_server(workload):
    """Tiers for ``create_plan``: the workload's n-th server in tier n."""
    return {sid: i + 1 for i, sid in enumerate(workload.servers)}


def assert_data_at_b(cloud, workload, written, imported):
    """What was written at A is at B: the bytes in the volumes imported
    there (``imported``: source volume id -> volume at B), the objects
    in B's container."""
    for vid, (offset, data) in written.items():
        assert workload.io.read('b', imported[vid], len(data),
                                offset=offset) == data, vid
    swift_b = workload.swift('b')
    for name, data in workload.objects.items():
        assert swift_b.get_object(workload.container, name)[1] == data


def wait_replica(cloud, site, vid, data, offset=0, timeout=90, io=None):
    """Wait until the replica at ``site`` of volume ``vid`` holds
    ``data`` at ``offset`` (it may not exist until the first copy)."""
    io = io or cloud.vio

    def there():
        try:
            return io.read(site, None, len(data), offset=offset,
                           replica_of=vid) == data
        except FileNotFoundError:
            return False
    wait_until('bytes of %s at %s' % (vid, site.upper()), there,
               timeout=timeout)


def wait_replicated(cloud, workload, written, timeout=90):
    """Bytes written at A are in the replicas at B; objects at B."""
    for vid, (offset, data) in written.items():
        wait_replica(cloud, 'b', vid, data, offset, timeout, workload.io)
    if not workload.with_container:
        return
    swift_b = workload.swift('b')

    def synced():
        try:
            names = {o['name'] for o in
                     swift_b.get_container(workload.container)[1]}
        except swift_exc.ClientException:
            return False
        return set(workload.objects) <= names
    wait_until('objects at B', synced, timeout=timeout)


def write_volumes(cloud, workload, tag, offset=4 * MiB):
    written = {}
    for sid in workload.servers:
        for vid in (workload.boot[sid], workload.data[sid]):
            data = ('%s %s ' % (tag, vid)).encode() + os.urandom(8).hex(
            ).encode()
            workload.io.write('a', vid, data, offset=offset)
            written[vid] = (offset, data)
    return written


def stop_site_a(cloud):
    cloud.testcloud('stop', *SITE_A_SERVICES)


def start_site_a(cloud):
    import subprocess
    from drs.tests.integration.conftest import TESTCLOUD
    subprocess.run([TESTCLOUD, 'up'], check=True, capture_output=True,
                   text=True, timeout=600)


def counts(cloud, site, user=USER):
    """What the tenant (and drs's project) has at a site."""
    nova = cloud.nova(user, site)
    cinder = cloud.cinder(user, site)
    net = cloud.sdk(user, site).network
    drs_cinder = cloud.cinder('drs', site)
    return {
        'servers': sorted(s.id for s in nova.servers.list()),
        'volumes': sorted(v.id for v in cinder.volumes.list()),
        'drs_volumes': sorted(v.id for v in drs_cinder.volumes.list()),
        'ports': sorted(p.id for p in net.ports()),
        'networks': sorted(n.id for n in net.networks()
                           if n.project_id == cloud.project_id('tenant1')),
        'subnets': sorted(s.id for s in net.subnets()
                          if s.project_id == cloud.project_id('tenant1')),
        'routers': sorted(r.id for r in net.routers()),
        'security_groups': sorted(g.id for g in net.security_groups()
                                  if g.project_id ==
                                  cloud.project_id('tenant1')),
        'keypairs': sorted(k.name for k in nova.keypairs.list()),
        'pool_files': sorted(
            n for n in os.listdir(cloud.site(site)['cinder']['pool_dir'])
            if n.startswith('unmanaged-')),
    }


def cleanup_failover_at_b(cloud, plan_id, site='b'):
    """What a failover of ``plan_id`` made at a site (servers, ports,
    volumes): B, or A after a failback."""
    nova = cloud.nova(USER, site)
    cinder = cloud.cinder(USER, site)
    net = cloud.sdk(USER, site).network
    mine = [s for s in nova.servers.list()
            if (s.metadata or {}).get('drs_plan') == plan_id]
    for s in mine:
        with contextlib.suppress(nova_exc.NotFound):
            nova.servers.delete(s.id)
    for s in mine:
        wait_until('server deleted', gone(
            lambda sid=s.id: nova.servers.get(sid)), 120, 1)
    for p in list(net.ports()):
        if (p.name or '').startswith('drs-') and plan_id in p.name:
            net.delete_port(p, ignore_missing=True)
    for client in (cinder, cloud.cinder('drs', site)):
        for v in client.volumes.list():
            if (v.metadata or {}).get('drs_plan') == plan_id:
                with contextlib.suppress(cinder_exc.NotFound):
                    wait_volume(client, v.id, 'available')
                    client.volumes.delete(v.id)
