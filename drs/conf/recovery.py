"""Options of the recovery flows (test failover, failover, migration).

* ``[recovery]``: how long a recovery waits for what it creates at the
  target site, and the storage-side driver that copies replicas for a
  test failover (a replica is not a Cinder volume until it is promoted,
  so copying it without breaking replication is a storage operation).
"""

from oslo_config import cfg

from drs.i18n import _

recovery_group = cfg.OptGroup(
    'recovery', title=_('Recovery'),
    help=_('Test failover, planned migration and failover.'))

recovery_opts = [
    cfg.IntOpt(
        'server_active_timeout', default=600, min=1,
        help=_('Seconds a re-created server may take to become ACTIVE.')),
    cfg.IntOpt(
        'resource_timeout', default=300, min=1,
        help=_('Seconds a volume import, copy, transfer or deletion at the '
               'target may take.')),
    cfg.IntOpt(
        'catch_up_timeout', default=600, min=1,
        help=_('Planned migration: default seconds to wait for every '
               'replica to catch up after the source servers stopped.')),
    cfg.StrOpt(
        'replica_copy_driver', default=None,
        help=_('Storage-side driver that copies a replica at the target '
               'for a test failover, as a dotted class path (for the test '
               'cloud: drs.drivers.replica_copy.FilePoolReplicaCopy). '
               'Unset: test failover is refused with a clear error.')),
    cfg.DictOpt(
        'file_pool_dirs', default={},
        help=_('FilePoolReplicaCopy: the Cinder pool directory of each '
               'site, keyed by region name (RegionTwo:/path/pool).')),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(recovery_group)
    conf.register_opts(recovery_opts, group=recovery_group)


def list_opts() -> dict:
    return {recovery_group: recovery_opts}
