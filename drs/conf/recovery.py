"""Options of the recovery flows (test failover, failover, migration).

* ``[recovery]``: how long a recovery waits for what it creates at the
  target site;
* ``[replication]``: the storage-side replication backend of each site
  (:mod:`drs.drivers.replication`).
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
]


replication_group = cfg.OptGroup(
    'replication', title=_('Storage-side replication backends'),
    help=_('What Cinder\'s API does not expose about a replica (its '
           'identity and age, promote, a point-in-time copy for a test '
           'failover, reverse for reprotect) comes from a replication '
           'backend, chosen per site.'))

replication_opts = [
    cfg.StrOpt(
        'default_backend', default='cinder',
        help=_('The backend of a site that ``backends`` does not name: an '
               'entry point name of the drs.replication_backends '
               'namespace (cinder, rbd) or a class path '
               '(package.module:Class).')),
    cfg.DictOpt(
        'backends', default={},
        help=_('The backend of each site, keyed by drs site name or '
               'region name (site-b:rbd,RegionOne:rbd), or of the volumes '
               'of one volume type at a site whose Cinder has several '
               'storage backends (site-b/ceph-replicated:rbd); the type '
               'is the volume\'s at the site the backend acts at.')),
    cfg.StrOpt(
        'cinder_replica_name', default='volume-%(id)s',
        help=_('cinder backend: the name under which a replica of source '
               'volume %(id)s is listed among the target\'s manageable '
               'volumes (Cinder\'s volume_name_template of the source).')),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(recovery_group)
    conf.register_opts(recovery_opts, group=recovery_group)
    conf.register_group(replication_group)
    conf.register_opts(replication_opts, group=replication_group)


def list_opts() -> dict:
    return {recovery_group: recovery_opts,
            replication_group: replication_opts}
