"""Entry points for oslo-config-generator.

Every drs option module exposes ``list_opts()``; this collects them so
``oslo-config-generator --namespace drs`` writes the sample configuration.
"""

import collections
import importlib

from oslo_config import cfg
from oslo_db import options as db_options
from oslo_middleware import cors
from oslo_policy import opts as policy_opts

# Modules of drs.conf with options, in the order of the sample file.
_MODULES = ('default', 'api', 'engine', 'drivers', 'recovery', 'replication',
            'rgw')

_DEFAULT_SQL_CONNECTION = 'sqlite:///drs.sqlite'


def list_opts() -> list[tuple]:
    groups: dict = collections.OrderedDict()
    for name in _MODULES:
        module = importlib.import_module('drs.conf.' + name)
        for group, opts in module.list_opts().items():
            groups.setdefault(group, []).extend(opts)
    return [(group, opts) for group, opts in groups.items()]


def set_defaults(conf: cfg.ConfigOpts | None = None) -> None:
    """Defaults drs gives to options of libraries."""
    conf = conf or cfg.CONF
    # A pool of 16 (and oslo.db's overflow of 50) serves [engine]
    # max_parallel_tasks (64) without opening a connection per task.
    db_options.set_defaults(conf, connection=_DEFAULT_SQL_CONNECTION,
                            max_pool_size=16)
    policy_opts.set_defaults(conf, enforce_scope=True,
                             enforce_new_defaults=True)
    cors.set_defaults(
        allow_headers=['X-Auth-Token', 'X-OpenStack-Request-ID',
                       'OpenStack-API-Version', 'Content-Type'],
        expose_headers=['X-OpenStack-Request-ID', 'OpenStack-API-Version',
                        'OpenStack-API-Minimum-Version',
                        'OpenStack-API-Maximum-Version'],
        allow_methods=['GET', 'POST', 'PATCH', 'DELETE'])
