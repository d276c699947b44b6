"""The test driver's failover states are real: after a failover the replica
is the active copy (I/O goes to the peer pool), failback copies it home.

Covers group replication (Tiramisu, 3.38: enable / failover / failback /
disable) at site A and host failover (os-services/failover_host) at site B.
"""
import os
import time

from cinderclient import exceptions as cinder_exc

from drs.tests.integration.conftest import unique, wait_until


def _wait(what, get, status, timeout=60, attr='status'):
    def check():
        obj = get()
        value = getattr(obj, attr)
        assert not str(value).startswith('error'), (what, value)
        return obj if value == status else None
    return wait_until('%s %s=%s' % (what, attr, status), check, timeout)


def _synced_after(cloud, site, vid, t):
    info = cloud.vio.replica_info(site, vid)
    return info if info and info['last_sync_at'] >= t else None


def test_group_replication_failover_and_back(cloud):
    site, peer = 'a', 'b'
    cinder = cloud.cinder('admin', site)
    interval = cloud.data['replication']['interval_s']
    types = cloud.site(site)['cinder']
    group = cinder.groups.create(types['group_types']['replicated-group'],
                                 types['volume_types']['replicated'],
                                 name=unique('it-group'))
    vol = None
    try:
        group = _wait('group', lambda: cinder.groups.get(group.id),
                      'available')
        assert group.replication_status == 'disabled'
        vol = cinder.volumes.create(1, name=unique('it-gvol'),
                                    volume_type='replicated',
                                    group_id=group.id)
        vol = _wait('volume', lambda: cinder.volumes.get(vol.id), 'available')
        assert vol.replication_status == 'disabled'

        cinder.groups.enable_replication(group)
        _wait('group', lambda: cinder.groups.get(group.id), 'enabled',
              attr='replication_status')
        assert cinder.volumes.get(vol.id).replication_status == 'enabled'
        targets = cinder.groups.list_replication_targets(group)
        assert 'site-%s' % peer in str(targets)

        before = b'group before failover ' + os.urandom(8).hex().encode()
        t0 = time.time()
        cloud.vio.write(site, vol.id, before)
        wait_until('replica', lambda: _synced_after(cloud, peer, vol.id, t0),
                   timeout=6 * interval + 10)

        cinder.groups.failover_replication(
            group, allow_attached_volume=True,
            secondary_backend_id='site-%s' % peer)
        _wait('group', lambda: cinder.groups.get(group.id), 'failed-over',
              attr='replication_status')
        assert cinder.volumes.get(vol.id).replication_status == 'failed-over'
        # The replica is now the active copy: the volume's I/O goes to it.
        during = b'group during failover ' + os.urandom(8).hex().encode()
        cloud.vio.write(site, vol.id, during)
        assert cloud.vio.read(peer, None, len(during),
                              replica_of=vol.id) == during

        cinder.groups.failover_replication(
            group, allow_attached_volume=True, secondary_backend_id='default')
        _wait('group', lambda: cinder.groups.get(group.id), 'enabled',
              attr='replication_status')
        assert cinder.volumes.get(vol.id).replication_status == 'enabled'
        # Failback copied the writes made at the replica home.
        assert cloud.vio.read(site, vol.id, len(during)) == during
        state = cloud.vio.replication_state(site, vol.id)
        assert state['active'] == 'primary'

        cinder.groups.disable_replication(group)
        _wait('group', lambda: cinder.groups.get(group.id), 'disabled',
              attr='replication_status')
    finally:
        cinder.groups.delete(group.id, delete_volumes=True)

        def gone():
            try:
                cinder.groups.get(group.id)
            except cinder_exc.NotFound:
                return True
            return False
        wait_until('group deleted', gone, timeout=60)


def _backend_service(cinder, host):
    svcs = cinder.services.list(binary='cinder-volume')
    return [s for s in svcs if s.host == host][0]


def test_host_failover_and_failback(cloud):
    site, peer = 'b', 'a'
    admin = cloud.cinder('admin', site)
    member = cloud.cinder('tenant1-member', site)
    host = cloud.site(site)['cinder']['backend_host']
    interval = cloud.data['replication']['interval_s']
    repl = member.volumes.create(1, name=unique('it-hf'),
                                 volume_type='replicated')
    plain = member.volumes.create(1, name=unique('it-hf-plain'))
    try:
        repl = _wait('volume', lambda: member.volumes.get(repl.id),
                     'available')
        _wait('volume', lambda: member.volumes.get(plain.id), 'available')
        data = b'host failover ' + os.urandom(8).hex().encode()
        t0 = time.time()
        cloud.vio.write(site, repl.id, data)
        wait_until('replica', lambda: _synced_after(cloud, peer, repl.id, t0),
                   timeout=6 * interval + 10)

        admin.services.failover_host(host, 'site-%s' % peer)
        svc = _wait('service', lambda: _backend_service(admin, host),
                    'failed-over', attr='replication_status', timeout=60)
        assert svc.status == 'disabled'
        assert svc.active_backend_id == 'site-%s' % peer
        assert admin.volumes.get(repl.id).replication_status == 'failed-over'
        assert admin.volumes.get(plain.id).status == 'error'
        # Reads of the failed-over volume come from the peer's replica.
        assert cloud.vio.path(site, repl.id) == \
            cloud.vio.pool(peer).replica_path(repl.id)
        assert cloud.vio.read(site, repl.id, len(data)) == data
    finally:
        try:
            admin.services.failover_host(host, 'default')
        except cinder_exc.ClientException:
            pass            # failover never happened
        svc = _wait('service', lambda: _backend_service(admin, host),
                    'enabled', attr='replication_status', timeout=60)
        assert svc.status == 'enabled'
        assert admin.volumes.get(repl.id).replication_status == 'enabled'
        for vid in (repl.id, plain.id):
            admin.volumes.reset_state(vid, 'available')
            admin.volumes.delete(vid)
