"""Storage-side replication backends (:mod:`.base`), loaded per site.

``[replication] backends`` names the backend of a site (by drs site name
or region name), ``[replication] default_backend`` that of every other
site: an entry point of :data:`base.NAMESPACE` (``cinder``, ``rbd``) or a
class path ``package.module:Class`` (how the test cloud plugs in its
file-pool backend, which is not part of drs).
"""

from oslo_config import cfg
from oslo_utils import importutils
import stevedore

from drs.drivers import base as drv_base
from drs.drivers.replication import base

CONF = cfg.CONF


def backend_name(site: dict) -> str:
    backends = CONF.replication.backends or {}
    for key in (site.get('name'), site.get('region_name')):
        if key and key in backends:
            return backends[key]
    return CONF.replication.default_backend


def backend_class(name: str) -> type:
    if ':' in name:
        module, _sep, cls = name.partition(':')
        return importutils.import_class('%s.%s' % (module, cls))
    try:
        manager: stevedore.DriverManager = stevedore.DriverManager(
            base.NAMESPACE, name, invoke_on_load=False)
    except stevedore.exception.NoMatches:
        raise drv_base.DriverError(
            detail='no replication backend is named %s ([replication] '
            'backends and default_backend)' % name)
    return manager.driver  # type: ignore[return-value]


def load(site: dict, peer: dict | None,
         volumes: drv_base.VolumeDriver) -> base.ReplicationBackend:
    """The replication backend of ``site``."""
    return backend_class(backend_name(site))(site, peer, volumes)
