"""Replication backends: drs's CinderBackend, and the test cloud's
FilePoolBackend (tools/testcloud/drivers, not part of drs) on a real pool
directory. The volume driver they read is an autospec of the interface."""

import os
import sys
from unittest import mock

import pytest

from drs.drivers import base as drv_base
from drs.drivers import replication
from drs.drivers.replication import base as repl_base
from drs.drivers.replication import cinder

_DRIVERS = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..',
                        'tools', 'testcloud', 'drivers')
sys.path.insert(0, os.path.abspath(_DRIVERS))
import drs_file_pool  # noqa: E402
import testcloud_pool  # noqa: E402

SITE_B = {'name': 'site-b', 'region_name': 'RegionTwo'}
SITE_A = {'name': 'site-a', 'region_name': 'RegionOne'}
HOST = 'b@pool#pool'
MiB = 1024 ** 2


def _volumes():
    return mock.create_autospec(drv_base.VolumeDriver, instance=True)


def _manageable(name, extra=None, safe=True, reason=None):
    """An entry as VolumeDriver.list_manageable returns it."""
    return {'host': HOST, 'reference': {'source-name': name}, 'size': 1,
            'safe_to_manage': safe, 'reason_not_safe': reason,
            'extra_info': extra or {}}


# ---------------------------------------------------------------- cinder

@pytest.fixture
def cinder_backend(conf):
    vols = _volumes()
    return cinder.CinderBackend(SITE_B, SITE_A, vols), vols


def test_cinder_status_one_list_call_for_all_volumes(cinder_backend):
    backend, vols = cinder_backend
    vols.list_manageable.return_value = [
        _manageable('volume-v1'),
        _manageable('volume-v2', safe=False, reason='in use'),
        _manageable('volume-other')]
    out = backend.status([{'id': 'v1'}, {'id': 'v2'}, {'id': 'v3'}])
    vols.list_manageable.assert_called_once_with()
    assert out['v1'] == {'present': True, 'host': HOST,
                         'reference': {'source-name': 'volume-v1'},
                         'last_sync_at': None, 'health': 'unknown',
                         'primary': False, 'safe_to_manage': True,
                         'detail': ''}
    assert out['v2']['safe_to_manage'] is False
    assert out['v2']['detail'] == 'in use'
    assert out['v3']['present'] is False
    assert 'volume-v3' in out['v3']['detail']
    assert 'site-b' in out['v3']['detail']


def test_cinder_status_of_nothing_calls_nothing(cinder_backend):
    backend, vols = cinder_backend
    assert backend.status([]) == {}
    vols.list_manageable.assert_not_called()


def test_cinder_replica_name_is_configurable(cinder_backend, conf):
    conf.config(group='replication', cinder_replica_name='rep-%(id)s')
    backend, vols = cinder_backend
    vols.list_manageable.return_value = [_manageable('rep-v1')]
    assert backend.status([{'id': 'v1'}])['v1']['present'] is True


def test_cinder_promote_is_the_manageable_replica(cinder_backend):
    backend, vols = cinder_backend
    vols.list_manageable.return_value = [_manageable('volume-v1')]
    st = backend.promote({'id': 'v1'}, force=True)
    assert (st['host'], st['reference']) == (
        HOST, {'source-name': 'volume-v1'})
    # Idempotent: asked again, the same answer.
    assert backend.promote({'id': 'v1'}, force=True) == st


def test_cinder_promote_without_replica_names_it(cinder_backend):
    backend, vols = cinder_backend
    vols.list_manageable.return_value = []
    with pytest.raises(repl_base.ReplicationError,
                       match='no manageable volume volume-v1 at site site-b'):
        backend.promote({'id': 'v1'})


def test_cinder_cannot_copy_and_has_no_copy_to_delete(cinder_backend):
    backend, vols = cinder_backend
    with pytest.raises(repl_base.ReplicationError, match='site site-b'):
        backend.copy({'id': 'v1'}, 'c1')
    assert backend.delete_copy({'id': 'v1'}, 'c1') is False
    vols.list_manageable.assert_not_called()


def test_cinder_reverse_reports_the_primary_replicating_back(
        cinder_backend):
    backend, vols = cinder_backend
    vols.list_manageable.return_value = [_manageable('volume-new-v1')]
    st = backend.reverse({'id': 'v1'}, {'id': 'new-v1'})
    assert st['present'] is True
    assert st['reference'] == {'source-name': 'volume-new-v1'}


def test_cinder_is_the_entry_point_and_a_class_path_loads_too(conf):
    assert replication.backend_class('cinder') is cinder.CinderBackend
    assert replication.backend_class(
        'drs_file_pool:FilePoolBackend') is drs_file_pool.FilePoolBackend
    with pytest.raises(drv_base.DriverError, match='no-such'):
        replication.backend_class('no-such')


# ------------------------------------------------------------- file pool

@pytest.fixture
def pool(conf, tmp_path):
    conf.config(group='file_pool_replication',
                pool_dirs={'RegionTwo': str(tmp_path)})
    p = testcloud_pool.Pool(str(tmp_path))
    p.ensure()
    return p


@pytest.fixture
def file_backend(pool):
    vols = _volumes()
    return drs_file_pool.FilePoolBackend(SITE_B, SITE_A, vols), vols


def _write_replica(pool, vid, size=64 * MiB, chunks=((0, b'boot'),
                                                     (40 * MiB, b'data'))):
    with open(pool.replica_path(vid), 'wb') as fh:
        fh.truncate(size)
        for offset, data in chunks:
            fh.seek(offset)
            fh.write(data * 1024)
    pool.write_replica_meta(vid, {'source_volume_id': vid,
                                  'last_sync_at': 1234.5})


def test_file_pool_status_from_the_manageable_extra_info(file_backend):
    backend, vols = file_backend
    vols.list_manageable.return_value = [
        # As the test cloud's Cinder lists them: the sidecar as strings.
        _manageable('replica-v1', {'source_volume_id': 'v1',
                                   'last_sync_at': '1234.5'}),
        _manageable('replica-v2', {'source_volume_id': 'v2',
                                   'last_sync_at': 'None'}),
        # No sidecar yet: the source id comes from the name.
        _manageable('replica-v3', {}, safe=False,
                    reason='active copy of failed-over volume v3'),
        _manageable('unmanaged-c9'),
        _manageable('volume-x', safe=False, reason='already managed')]
    out = backend.status([{'id': v} for v in ('v1', 'v2', 'v3', 'v4')])
    vols.list_manageable.assert_called_once_with()
    assert out['v1'] == {'present': True, 'host': HOST,
                         'reference': {'source-name': 'replica-v1'},
                         'last_sync_at': 1234.5, 'health': 'ok',
                         'primary': False, 'safe_to_manage': True,
                         'detail': ''}
    assert out['v2']['last_sync_at'] is None
    assert out['v2']['health'] == 'syncing'
    assert out['v3']['present'] is True
    assert out['v3']['safe_to_manage'] is False
    assert 'failed-over' in out['v3']['detail']
    assert out['v4']['present'] is False
    assert 'v4' in out['v4']['detail'] and 'site-b' in out['v4']['detail']


def test_file_pool_promote_refuses_an_unsafe_replica(file_backend):
    backend, vols = file_backend
    vols.list_manageable.return_value = [
        _manageable('replica-v1', {'source_volume_id': 'v1'}, safe=False,
                    reason='active copy of failed-over volume v1')]
    with pytest.raises(repl_base.ReplicationError,
                       match='volume v1 at site site-b cannot be promoted'):
        backend.promote({'id': 'v1'}, force=True)
    vols.list_manageable.return_value = [
        _manageable('replica-v1', {'source_volume_id': 'v1'})]
    assert backend.promote({'id': 'v1'})['reference'] == {
        'source-name': 'replica-v1'}


def test_file_pool_copy_is_a_sparse_copy_of_the_replica(file_backend,
                                                        pool):
    backend, vols = file_backend
    _write_replica(pool, 'v1')
    vols.list_manageable.return_value = [
        _manageable('replica-v1', {'source_volume_id': 'v1',
                                   'last_sync_at': '1234.5'})]
    st = backend.copy({'id': 'v1'}, 'c1')
    dst = pool.unmanaged_path('c1')
    assert st == {'present': True, 'host': HOST,
                  'reference': {'source-name': 'unmanaged-c1'},
                  'last_sync_at': 1234.5, 'health': 'ok', 'primary': False,
                  'safe_to_manage': True, 'detail': 'copy of replica-v1'}
    with open(pool.replica_path('v1'), 'rb') as a, open(dst, 'rb') as b:
        assert a.read() == b.read()
    src_stat, dst_stat = os.stat(pool.replica_path('v1')), os.stat(dst)
    assert dst_stat.st_size == 64 * MiB
    # The holes stay holes: no more blocks than the replica uses.
    assert dst_stat.st_blocks <= src_stat.st_blocks + 16
    # No temporary file is left next to it.
    assert sorted(os.listdir(pool.root)) == [
        'replica-v1', 'replica-v1.json', 'unmanaged-c1']


def test_file_pool_copy_again_returns_the_copy_it_made(file_backend,
                                                       pool):
    backend, vols = file_backend
    _write_replica(pool, 'v1')
    vols.list_manageable.return_value = [
        _manageable('replica-v1', {'source_volume_id': 'v1'})]
    first = backend.copy({'id': 'v1'}, 'c1')
    # Replication goes on: the replica changes after the copy.
    with open(pool.replica_path('v1'), 'r+b') as fh:
        fh.write(b'NEWER')
    second = backend.copy({'id': 'v1'}, 'c1')
    assert second == first
    with open(pool.unmanaged_path('c1'), 'rb') as fh:
        assert fh.read(4) == b'boot'


def test_file_pool_copy_without_a_replica_names_it(file_backend, pool):
    backend, vols = file_backend
    vols.list_manageable.return_value = []
    with pytest.raises(repl_base.ReplicationError, match='volume v1'):
        backend.copy({'id': 'v1'}, 'c1')
    assert not os.path.exists(pool.unmanaged_path('c1'))


def test_file_pool_delete_copy(file_backend, pool):
    backend, vols = file_backend
    _write_replica(pool, 'v1')
    vols.list_manageable.return_value = [
        _manageable('replica-v1', {'source_volume_id': 'v1'})]
    backend.copy({'id': 'v1'}, 'c1')
    assert backend.delete_copy({'id': 'v1'}, 'c1') is True
    assert not os.path.exists(pool.unmanaged_path('c1'))
    assert os.path.exists(pool.replica_path('v1'))   # the replica stays
    assert backend.delete_copy({'id': 'v1'}, 'c1') is False


def test_file_pool_without_a_pool_dir_names_the_region(conf):
    conf.config(group='file_pool_replication', pool_dirs={})
    vols = _volumes()
    vols.list_manageable.return_value = [
        _manageable('replica-v1', {'source_volume_id': 'v1'})]
    backend = drs_file_pool.FilePoolBackend(SITE_B, SITE_A, vols)
    with pytest.raises(repl_base.ReplicationError, match='RegionTwo'):
        backend.copy({'id': 'v1'}, 'c1')


def test_file_pool_reverse_reports_the_primary(file_backend):
    backend, vols = file_backend
    vols.list_manageable.return_value = [
        _manageable('replica-new-v1', {'source_volume_id': 'new-v1',
                                       'last_sync_at': '99.0'})]
    st = backend.reverse({'id': 'v1'}, {'id': 'new-v1'})
    assert st['present'] is True and st['last_sync_at'] == 99.0



# ------------------------------------------------------ routing by type

class _Named(repl_base.ReplicationBackend):
    """Records what it is asked, answering with its own name."""

    calls: list = []

    def status(self, volumes):
        self.calls.append((type(self).__name__, [v['id'] for v in volumes]))
        return {v['id']: {'present': True, 'detail': type(self).__name__}
                for v in volumes}

    def promote(self, volume, force=False):
        return {'detail': type(self).__name__}

    def copy(self, volume, copy_id):
        return {'detail': type(self).__name__}

    def delete_copy(self, volume, copy_id):
        return True

    def reverse(self, volume, primary):
        return {'detail': type(self).__name__}


class Ceph(_Named):
    pass


class Files(_Named):
    pass


def test_a_site_with_two_storage_backends_routes_each_volume_by_type(conf):
    here = __name__
    conf.config(group='replication', default_backend=here + ':Files',
                backends={'site-b/ceph-replicated': here + ':Ceph'})
    _Named.calls = []
    site = {'name': 'site-b', 'region_name': 'RegionTwo'}
    router = replication.load(site, None, mock.Mock())
    assert isinstance(router, replication.VolumeTypeRouter)
    vols = [{'id': 'v1', 'volume_type': 'ceph-replicated'},
            {'id': 'v2', 'volume_type': 'replicated'},
            {'id': 'v3', 'volume_type': 'ceph-replicated'}]
    found = router.status(vols)
    assert {k: v['detail'] for k, v in found.items()} == {
        'v1': 'Ceph', 'v2': 'Files', 'v3': 'Ceph'}
    # One status call per backend, not per volume.
    assert sorted(_Named.calls) == [('Ceph', ['v1', 'v3']),
                                    ('Files', ['v2'])]
    assert router.promote(vols[0], force=True)['detail'] == 'Ceph'
    assert router.copy(vols[1], 'c')['detail'] == 'Files'
    assert router.reverse(vols[2], {'id': 'n'})['detail'] == 'Ceph'
    # Another site is not routed: its one backend is loaded as it is.
    other = replication.load({'name': 'site-a'}, None, mock.Mock())
    assert isinstance(other, Files)
