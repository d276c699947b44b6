"""Options of the cloud drivers, drs's own credentials and protection.

* ``[drivers]``: which driver of each kind the engine loads (stevedore
  entry points) and the client settings they share.
* ``[service_auth]``: drs's own Keystone credentials (keystoneauth loading
  options). The engine authenticates with them to use the Keystone trust
  of a plan (trust-scoped tokens in the tenant's project) and, for the
  few admin-only reads it needs (a volume replica's lag at the target
  site), as itself.
* ``[protection]``: the periodic replication sweep.
"""

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

from drs.i18n import _

drivers_group = cfg.OptGroup(
    'drivers', title=_('Cloud drivers'),
    help=_('Drivers of the cloud services drs orchestrates, loaded by '
           'name from their stevedore entry-point namespaces.'))

drivers_opts = [
    cfg.StrOpt(
        'volume', default='cinder',
        help=_('Block storage driver (entry point in drs.drivers.volume, '
               'or a class path package.module:Class).')),
    cfg.StrOpt(
        'object_storage', default='swift',
        help=_('Object storage driver (entry point in '
               'drs.drivers.object_storage, or a class path '
               'package.module:Class): swift (container sync) or rgw '
               '(Ceph RGW multisite).')),
    cfg.StrOpt(
        'compute', default='nova',
        help=_('Compute driver (entry point in drs.drivers.compute, or a '
               'class path package.module:Class).')),
    cfg.StrOpt(
        'network', default='neutron',
        help=_('Network driver (entry point in drs.drivers.network, or a '
               'class path package.module:Class).')),
    cfg.StrOpt(
        'cinder_max_microversion', default='3.71',
        help=_('Highest Block Storage API microversion drs asks for; the '
               'version used is the lower of this and the highest the '
               'site supports.')),
    cfg.StrOpt(
        'nova_max_microversion', default='2.96',
        help=_('Highest Compute API microversion drs asks for; the '
               'version used is the lower of this and the highest the '
               'site supports.')),
    cfg.IntOpt(
        'page_size', default=500, min=1,
        help=_('Page size of the list calls of the replication sweep.')),
    cfg.IntOpt(
        'http_retries', default=3, min=0,
        help=_('How many times a request to a site\'s Block Storage or '
               'Compute API is retried, with exponential backoff, when the '
               'connection fails or the API answers 503 (a transient '
               'outage). A step that still fails fails its operation; '
               'running the action again resumes where it stopped.')),
    cfg.IntOpt(
        'wait_timeout', default=600, min=1,
        help=_('Seconds a driver waits for a resource to reach a state '
               '(a volume being retyped) before giving up.')),
    cfg.StrOpt(
        'identity_interface', default='public',
        choices=['public', 'internal', 'admin'],
        help=_('Interface of the Identity endpoint used to create and '
               'delete Keystone trusts.')),
    cfg.StrOpt(
        'swift_sync_key_prefix', default='drs-',
        help=_('Prefix of the container-sync keys drs generates.')),
]

service_auth_group = cfg.OptGroup(
    'service_auth', title=_('drs service credentials'),
    help=_("drs's own Keystone credentials: keystoneauth loading options "
           '(auth_type, auth_url, username, password, ...). The user is '
           'the trustee of the Keystone trust created with each plan.'))

protection_group = cfg.OptGroup(
    'protection', title=_('Protection'),
    help=_('Replication measurement of protected plans.'))

protection_opts = [
    cfg.IntOpt(
        'sync_interval', default=60, min=0,
        help=_('Seconds between two runs of the engine periodic sweep '
               'that refreshes recipes, measures replication lag and moves '
               'plans between protected and degraded. 0 disables it.')),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(drivers_group)
    conf.register_opts(drivers_opts, group=drivers_group)
    conf.register_group(service_auth_group)
    ks_loading.register_session_conf_options(conf, service_auth_group.name)
    ks_loading.register_auth_conf_options(conf, service_auth_group.name)
    conf.register_group(protection_group)
    conf.register_opts(protection_opts, group=protection_group)


def list_opts() -> dict:
    auth_opts = (ks_loading.get_session_conf_options()
                 + ks_loading.get_auth_common_conf_options()
                 + ks_loading.get_auth_plugin_conf_options('password'))
    return {drivers_group: drivers_opts,
            service_auth_group: auth_opts,
            protection_group: protection_opts}
