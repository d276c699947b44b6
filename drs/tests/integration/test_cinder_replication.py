"""A replicated volume written at site A is found, bytes intact, at site B.

Flow: tenant1's member creates a volume of type ``replicated`` at A and
writes bytes into it (volume_io, standing in for the guest); the test driver
copies it to B's pool; B's admin lists it in manageable_volumes and manages
it (into the admin project), then transfers it to tenant1, whose member then
owns it at B with the same bytes.
"""
import os
import time

import pytest
from cinderclient import exceptions as cinder_exc

from drs.tests.integration.conftest import unique, wait_until

MiB = 1024 * 1024


def _wait_volume(cinder, vid, status, timeout=60):
    def check():
        v = cinder.volumes.get(vid)
        assert not v.status.startswith('error'), (vid, v.status)
        return v if v.status == status else None
    return wait_until('volume %s %s' % (vid, status), check, timeout)


def _wait_deleted(cinder, vid, timeout=60):
    def gone():
        try:
            cinder.volumes.get(vid)
        except cinder_exc.NotFound:
            return True
        return False
    wait_until('volume %s deleted' % vid, gone, timeout)


@pytest.fixture
def replicated_volume(cloud):
    """A 1 GiB replicated volume of tenant1 at site A."""
    cinder = cloud.cinder('tenant1-member', 'a')
    vol = cinder.volumes.create(1, name=unique('it-repl'),
                                volume_type='replicated')
    try:
        vol = _wait_volume(cinder, vol.id, 'available')
        yield vol
    finally:
        cinder.volumes.delete(vol.id)
        _wait_deleted(cinder, vol.id)


def _replica_synced_after(cloud, vid, t):
    info = cloud.vio.replica_info('b', vid)
    return info if info and info['last_sync_at'] >= t else None


def test_replicated_volume_is_managed_at_peer(cloud, replicated_volume):
    vid = replicated_volume.id
    assert replicated_volume.replication_status == 'enabled'
    head = b'drs-it head ' + os.urandom(16).hex().encode()
    tail = b'drs-it tail ' + os.urandom(16).hex().encode()
    t_write = time.time()
    cloud.vio.write('a', vid, head, offset=0)
    cloud.vio.write('a', vid, tail, offset=513 * MiB + 7)

    interval = cloud.data['replication']['interval_s']
    info = wait_until('replica of %s at B' % vid,
                      lambda: _replica_synced_after(cloud, vid, t_write),
                      timeout=6 * interval + 10)
    assert info['source_site'] == 'a'
    assert info['source_project_id'] == cloud.project_id('tenant1')
    assert cloud.vio.read('b', None, len(head), replica_of=vid) == head

    # Admin at B: the replica is listed as manageable and is managed.
    admin_b = cloud.cinder('admin', 'b')
    host = cloud.site('b')['cinder']['backend_host'] + '#file'
    manageable = admin_b.volumes.list_manageable(host, detailed=True)
    ref = {'source-name': 'replica-%s' % vid}
    entry = [m for m in manageable if m.reference == ref]
    assert len(entry) == 1, manageable
    assert entry[0].safe_to_manage and entry[0].size == 1

    managed = admin_b.volumes.manage(host, ref, name=unique('it-managed'),
                                     volume_type='standard')
    try:
        managed = _wait_volume(admin_b, managed.id, 'available')
        assert managed.size == 1
        assert getattr(managed, 'os-vol-tenant-attr:tenant_id') == \
            cloud.project_id('admin')
        # The replica is no longer offered; the peer stops replicating it.
        refs = [m.reference for m in admin_b.volumes.list_manageable(
            host, detailed=True)]
        assert ref not in refs

        # Give it to tenant1 (volume transfer), as drs would after a promote.
        transfer = admin_b.transfers.create(managed.id)
        member_b = cloud.cinder('tenant1-member', 'b')
        member_b.transfers.accept(transfer.id, transfer.auth_key)
        mine = member_b.volumes.get(managed.id)
        assert mine.status == 'available'

        assert cloud.vio.read('b', managed.id, len(head)) == head
        assert cloud.vio.read('b', managed.id, len(tail),
                              offset=513 * MiB + 7) == tail
    finally:
        for client in (cloud.cinder('tenant1-member', 'b'), admin_b):
            try:
                client.volumes.delete(managed.id)
                break
            except cinder_exc.NotFound:
                continue
        _wait_deleted(admin_b, managed.id)


def test_replication_pause_makes_lag_grow(cloud, replicated_volume):
    vid = replicated_volume.id
    interval = cloud.data['replication']['interval_s']
    first = b'before pause ' + os.urandom(8).hex().encode()
    t0 = time.time()
    cloud.vio.write('a', vid, first)
    wait_until('first sync', lambda: _replica_synced_after(cloud, vid, t0),
               timeout=6 * interval + 10)

    cloud.testcloud('replication', 'pause', '--site', 'a')
    try:
        time.sleep(interval + 1)       # let a pass that began earlier finish
        paused_at = cloud.vio.replica_info('b', vid)['last_sync_at']
        second = b'during pause ' + os.urandom(8).hex().encode()
        cloud.vio.write('a', vid, second)
        time.sleep(2 * interval + 1)
        info = cloud.vio.replica_info('b', vid)
        assert info['last_sync_at'] == paused_at, 'replicated while paused'
        assert time.time() - info['last_sync_at'] > 2 * interval
        assert cloud.vio.read('b', None, len(first), replica_of=vid) == first
    finally:
        cloud.testcloud('replication', 'resume', '--site', 'a')
    t1 = time.time()
    wait_until('sync after resume',
               lambda: _replica_synced_after(cloud, vid, t1),
               timeout=6 * interval + 10)
    assert cloud.vio.read('b', None, len(second), replica_of=vid) == second
    # The lag is also in the volume's replication_driver_data (admin only in
    # the DB; the API shows replication_status).
    admin_a = cloud.cinder('admin', 'a')
    assert admin_a.volumes.get(vid).replication_status == 'enabled'
