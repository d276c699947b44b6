"""Options of the [rgw] group and its per-site sections.

The ``rgw`` object-storage driver reads the buckets of a plan through
each zone's Swift API (the tenant's token, as for Swift) and judges their
multisite sync with ``radosgw-admin`` run against the zone's own cluster.
What it needs of a site lives in ``[rgw:<site name>]`` or
``[rgw:<region name>]`` (the site name wins); an option a site section
leaves unset falls back to ``[rgw]``::

    [rgw:site-a]
    ceph_conf = /etc/ceph/site-a.conf
    keyring = /etc/drs/ceph.client.drs-rgw.keyring
    client_id = drs-rgw
"""

from oslo_config import cfg

from drs.conf import site_sections
from drs.i18n import _

GROUP = 'rgw'

rgw_group = cfg.OptGroup(
    GROUP, title=_('Ceph RGW multisite'),
    help=_('Defaults of the rgw object-storage driver\'s access to each '
           'zone; per site in [rgw:<site or region name>].'))

# Options a site section may set (defaults come from [rgw]).
site_opts = [
    cfg.StrOpt(
        'ceph_conf',
        help=_('Path of the ceph.conf of the cluster of the site\'s RGW zone '
               '(radosgw-admin runs with --conf).')),
    cfg.StrOpt(
        'keyring',
        help=_('Path of the keyring of client_id on that cluster: '
               'radosgw-admin reads bucket stats and sync markers from the '
               'zone\'s pools (mon "allow r", osd "allow r" on the RGW '
               'pools is enough for what drs reads).')),
    cfg.StrOpt(
        'client_id',
        help=_('Ceph client id (without "client.") radosgw-admin runs as.')),
    cfg.StrOpt(
        'zone',
        help=_('The RGW zone of the site; unset: the default zone of the '
               'cluster\'s realm.')),
    cfg.BoolOpt(
        'keystone_implicit_tenants',
        help=_('Whether the zone\'s RGW runs with "rgw keystone implicit '
               'tenants" (each project\'s buckets in a tenant named by the '
               'project id, bucket <project id>/<name>); false: one global '
               'bucket namespace.')),
]

common_opts = [
    cfg.StrOpt('ceph_conf', default='/etc/ceph/ceph.conf',
               help=site_opts[0].help),
    cfg.StrOpt('keyring', help=site_opts[1].help),
    cfg.StrOpt('client_id', default='admin', help=site_opts[2].help),
    cfg.StrOpt('zone', help=site_opts[3].help),
    cfg.BoolOpt('keystone_implicit_tenants', default=True,
                help=site_opts[4].help),
    cfg.StrOpt(
        'radosgw_admin', default='radosgw-admin',
        deprecated_opts=[cfg.DeprecatedOpt('rgw_radosgw_admin',
                                           group='drivers')],
        help=_('The radosgw-admin command (Ceph\'s RGW admin CLI) to run.')),
    cfg.IntOpt(
        'command_timeout', default=60, min=1,
        help=_('Seconds one radosgw-admin command may take (a zone whose '
               'cluster does not answer fails within it).')),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(rgw_group)
    conf.register_opts(common_opts, group=rgw_group)


def register_site(conf: cfg.ConfigOpts, key: str) -> str:
    """Register ``[rgw:<key>]``; return the group name."""
    return site_sections.register_site(conf, GROUP, site_opts, key)


def site_options(conf: cfg.ConfigOpts, site: dict) -> dict:
    """The RGW options of ``site`` (``name``/``region_name``)."""
    return site_sections.site_options(conf, GROUP, site_opts, common_opts,
                                      site)


def list_opts() -> dict:
    return {rgw_group: common_opts,
            cfg.OptGroup(GROUP + ':<site>', help=_(
                'One per site (drs site name or region name).')): site_opts}
