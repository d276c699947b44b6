"""drs's replication backend for the test cloud's file pools.

Not part of drs: drs loads it by class path
(``[replication] default_backend = drs_file_pool:FilePoolBackend``, this
directory on ``PYTHONPATH``), as an operator would plug in the backend of
an array drs does not ship. It knows what the test cloud's Cinder driver
(``testcloud_cinder``) does with its pools (``testcloud_pool``):

* a replica of source volume ``<id>`` is the file ``replica-<id>`` of the
  target's pool, listed among the target's manageable volumes with a
  sidecar (``extra_info``: ``source_volume_id``, ``last_sync_at``);
* managing it into Cinder is the promotion (the driver renames it and
  the source stops replicating that volume);
* a point-in-time copy for a test failover is a sparse copy
  ``unmanaged-<copy id>`` of the replica, which Cinder manages as an
  ordinary volume while replication goes on;
* a volume managed with a replicated type replicates back to the peer by
  itself, so reverse has nothing to do but report.

The pool directory of each site comes from
``[file_pool_replication] pool_dirs`` (region name: path).
"""

import os

from oslo_config import cfg

from drs.drivers.replication import base
import testcloud_pool

CONF = cfg.CONF
CONF.register_opts([
    cfg.DictOpt('pool_dirs', default={},
                help='The Cinder pool directory of each site, keyed by '
                'region name (RegionTwo:/path/pool).'),
], group='file_pool_replication')

REPLICA_PREFIX = 'replica-'


class FilePoolBackend(base.ReplicationBackend):

    def _pool(self) -> testcloud_pool.Pool:
        dirs = CONF.file_pool_replication.pool_dirs or {}
        root = dirs.get(self.site.get('region_name') or '') or \
            dirs.get(self.site.get('name') or '')
        if not root:
            raise base.ReplicationError(
                detail='[file_pool_replication] pool_dirs has no pool for '
                'region %s' % self.site.get('region_name'))
        return testcloud_pool.Pool(root)

    def status(self, volumes: list[dict]) -> dict[str, base.ReplicaStatus]:
        wanted = {v['id'] for v in volumes}
        out: dict[str, base.ReplicaStatus] = {
            vid: {'present': False, 'health': base.HEALTH_UNKNOWN,
                  'detail': 'no replica of volume %s is listed at site %s '
                  '(manageable volumes)' % (vid, self.site_name)}
            for vid in wanted}
        if not wanted:
            return out
        for m in self.volumes.list_manageable():
            extra = m['extra_info']
            name = m['reference'].get('source-name', '')
            source = extra.get('source_volume_id')
            if not source and name.startswith(REPLICA_PREFIX):
                source = name[len(REPLICA_PREFIX):]
            if source not in wanted:
                continue
            last = extra.get('last_sync_at')
            last_sync_at = (float(last) if last not in (None, '', 'None')
                            else None)
            safe = m['safe_to_manage'] is not False
            out[source] = {
                'present': True, 'host': m['host'],
                'reference': m['reference'], 'last_sync_at': last_sync_at,
                'health': (base.HEALTH_OK if last_sync_at
                           else base.HEALTH_SYNCING),
                'primary': False, 'safe_to_manage': safe,
                'detail': m.get('reason_not_safe') or ''}
        return out

    def _replica(self, volume: dict) -> base.ReplicaStatus:
        st = self.status([volume])[volume['id']]
        if not st.get('present'):
            raise base.ReplicationError(detail=st['detail'])
        return st

    def promote(self, volume: dict, force: bool = False) -> base.ReplicaStatus:
        # The test driver promotes a replica when Cinder manages it.
        st = self._replica(volume)
        if not st.get('safe_to_manage'):
            raise base.ReplicationError(
                detail='the replica of volume %s at site %s cannot be '
                'promoted: %s' % (volume['id'], self.site_name,
                                  st.get('detail') or 'not safe to manage'))
        return st

    def copy(self, volume: dict, copy_id: str) -> base.ReplicaStatus:
        st = self._replica(volume)
        pool = self._pool()
        dst = pool.unmanaged_path(copy_id)
        meta = pool.read_replica_meta(volume['id']) or {}
        if not os.path.exists(dst):
            # Atomic: a copy killed half way leaves no unmanaged-<id>.
            testcloud_pool.sparse_copy(pool.replica_path(volume['id']), dst)
        return {'present': True, 'host': st['host'],
                'reference': {'source-name': os.path.basename(dst)},
                'last_sync_at': meta.get('last_sync_at'),
                'health': base.HEALTH_OK, 'primary': False,
                'safe_to_manage': True, 'detail': 'copy of %s' % (
                    os.path.basename(pool.replica_path(volume['id'])))}

    def delete_copy(self, volume: dict, copy_id: str) -> bool:
        path = self._pool().unmanaged_path(copy_id)
        if not os.path.exists(path):
            return False
        os.unlink(path)
        return True

    def reverse(self, volume: dict, primary: dict) -> base.ReplicaStatus:
        # The volume the peer managed with a replicated type replicates
        # back here by itself (testcloud_cinder.manage_existing).
        return self.status([primary])[primary['id']]
