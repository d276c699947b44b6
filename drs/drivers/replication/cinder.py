"""Replication through Cinder alone: the replicated volume type does the
work, the target's manageable volumes show the replicas.

For deployments where each site's Cinder backend replicates into the
other's pool by itself (``replication_enabled`` types) and drs has no
storage access of its own. The replica of source volume ``id`` is the
manageable volume named ``[replication] cinder_replica_name`` at the
target; managing it is the promotion. What Cinder cannot tell stays
unknown: the replica's age (``last_sync_at`` None, so the plan's RPO is
not measured), and no point-in-time copy can be made (a test failover
needs a storage backend that can copy, such as ``rbd``).
"""

from oslo_config import cfg

from drs.drivers.replication import base

CONF = cfg.CONF


class CinderBackend(base.ReplicationBackend):

    def _name(self, volume_id: str) -> str:
        return CONF.replication.cinder_replica_name % {'id': volume_id}

    def status(self, volumes: list[dict]) -> dict[str, base.ReplicaStatus]:
        wanted = {self._name(v['id']): v['id'] for v in volumes}
        out: dict[str, base.ReplicaStatus] = {
            v['id']: {'present': False, 'health': base.HEALTH_UNKNOWN,
                      'detail': 'no manageable volume %s at site %s' % (
                          self._name(v['id']), self.site_name)}
            for v in volumes}
        if not wanted:
            return out
        for m in self.volumes.list_manageable():
            source = wanted.get(m['reference'].get('source-name', ''))
            if source is None:
                continue
            out[source] = {
                'present': True, 'host': m['host'],
                'reference': m['reference'],
                'last_sync_at': None, 'health': base.HEALTH_UNKNOWN,
                'primary': False,
                'safe_to_manage': m['safe_to_manage'] is not False,
                'detail': m.get('reason_not_safe') or ''}
        return out

    def _present(self, volume: dict) -> base.ReplicaStatus:
        st = self.status([volume])[volume['id']]
        if not st.get('present'):
            raise base.ReplicationError(detail=st.get('detail') or '')
        return st

    def promote(self, volume: dict, force: bool = False) -> base.ReplicaStatus:
        # Managing the replica into the target's Cinder is the promotion.
        return self._present(volume)

    def copy(self, volume: dict, copy_id: str) -> base.ReplicaStatus:
        raise base.ReplicationError(
            detail='site %s replicates through Cinder alone, which cannot '
            'copy a replica without breaking its replication: a test '
            'failover needs a storage replication backend ([replication] '
            'backends)' % self.site_name)

    def delete_copy(self, volume: dict, copy_id: str) -> bool:
        return False

    def reverse(self, volume: dict, primary: dict) -> base.ReplicaStatus:
        # The volume managed at the peer is of a replicated type: its
        # backend replicates it back here by itself.
        return self._present(primary)
