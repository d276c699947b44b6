"""drs configuration: one module per option group.

Importing this package registers every drs option on the global ``CONF``.
"""

from oslo_config import cfg

from drs.conf import api
from drs.conf import default
from drs.conf import drivers
from drs.conf import engine
from drs.conf import recovery
from drs.conf import replication
from drs.conf import rgw

CONF = cfg.CONF

api.register_opts(CONF)
default.register_opts(CONF)
drivers.register_opts(CONF)
engine.register_opts(CONF)
recovery.register_opts(CONF)
replication.register_opts(CONF)
rgw.register_opts(CONF)
