"""Options of the [rbd_replication] group and its per-site sections.

The RBD mirroring replication backend (``rbd`` in
``drs.replication_backends``) acts on each site's Ceph cluster with the
``rbd`` command.  What it needs of a site lives in a section named after
the drs site or its Keystone region, ``[rbd_replication:<site name>]`` or
``[rbd_replication:<region name>]`` (the site name wins); an option a site
section leaves unset falls back to ``[rbd_replication]``::

    [rbd_replication]
    pool = volumes
    promote_timeout = 120

    [rbd_replication:site-a]
    ceph_conf = /etc/ceph/site-a.conf
    keyring = /etc/drs/ceph.client.drs.keyring
    client_id = drs
    cinder_host = cinder-a@ceph#ceph
"""

from oslo_config import cfg

from drs.conf import site_sections
from drs.i18n import _

GROUP = 'rbd_replication'
SITE_GROUP_PREFIX = GROUP + ':'

rbd_group = cfg.OptGroup(
    GROUP, title=_('RBD mirroring replication backend'),
    help=_('Defaults of the RBD mirroring replication backend; per site '
           'in [rbd_replication:<site or region name>].'))

# Options a site section may set (defaults come from [rbd_replication]).
site_opts = [
    cfg.StrOpt(
        'ceph_conf',
        help=_('Path of the ceph.conf of the site\'s cluster (its monitors; '
               'the rbd command runs with --conf).')),
    cfg.StrOpt(
        'keyring',
        help=_('Path of the keyring of client_id on that cluster. Needs the '
               'caps of "profile rbd" on the pool plus mirroring '
               '(mon "profile rbd-mirror-peer" or admin).')),
    cfg.StrOpt(
        'client_id',
        help=_('Ceph client id (without "client.") drs acts as.')),
    cfg.StrOpt(
        'pool',
        help=_('RBD pool holding the Cinder volumes (Cinder\'s rbd_pool).')),
    cfg.StrOpt(
        'cinder_host',
        help=_('The Cinder host@backend#pool of the site\'s RBD backend, '
               'where promoted replicas and copies are managed into.')),
    cfg.StrOpt(
        'volume_name_template',
        help=_('Cinder\'s volume_name_template at that site (image name of '
               'a volume).')),
]

common_opts = [
    cfg.StrOpt('ceph_conf', default='/etc/ceph/ceph.conf',
               help=site_opts[0].help),
    cfg.StrOpt('keyring', help=site_opts[1].help),
    cfg.StrOpt('client_id', default='admin', help=site_opts[2].help),
    cfg.StrOpt('pool', default='volumes', help=site_opts[3].help),
    cfg.StrOpt('cinder_host', help=site_opts[4].help),
    cfg.StrOpt('volume_name_template', default='volume-%s',
               help=site_opts[5].help),
    cfg.StrOpt(
        'rbd_command', default='rbd',
        help=_('The rbd command (Ceph\'s CLI) to run.')),
    cfg.IntOpt(
        'command_timeout', default=60, min=1,
        help=_('Seconds one rbd command may take (a site whose monitors do '
               'not answer fails within it).')),
    cfg.IntOpt(
        'promote_timeout', default=120, min=1,
        help=_('Seconds a planned promote retries while the peer\'s demotion '
               'is replayed here (about 10 s on a healthy pair).')),
    cfg.IntOpt(
        'snapshot_timeout', default=120, min=1,
        help=_('Seconds a test-failover copy waits for the snapshot taken at '
               'the primary to arrive at the replica.')),
    cfg.FloatOpt(
        'poll_interval', default=2.0, min=0.1,
        help=_('Seconds between two polls of a wait.')),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(rbd_group)
    conf.register_opts(common_opts, group=rbd_group)


def register_site(conf: cfg.ConfigOpts, key: str) -> str:
    """Register ``[rbd_replication:<key>]``; return the group name."""
    return site_sections.register_site(conf, GROUP, site_opts, key)


def site_options(conf: cfg.ConfigOpts, site: dict) -> dict:
    """The options of ``site`` (a dict with ``name``/``region_name``): its
    section's values, the [rbd_replication] ones where it sets none."""
    return site_sections.site_options(conf, GROUP, site_opts, common_opts,
                                      site)


def list_opts() -> dict:
    return {rbd_group: common_opts,
            cfg.OptGroup(SITE_GROUP_PREFIX + '<site>', help=_(
                'One per site (drs site name or region name).')): site_opts}
