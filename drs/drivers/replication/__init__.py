"""Storage-side replication backends (:mod:`.base`), loaded per site.

``[replication] backends`` names the backend of a site, by drs site name
or region name (``site-b:rbd``), or of the volumes of one volume type at
a site (``site-b/ceph-replicated:rbd``), for a site whose Cinder has
several storage backends; ``[replication] default_backend`` serves the
rest. A backend is an entry point of :data:`base.NAMESPACE` (``cinder``,
``rbd``) or a class path ``package.module:Class`` (how the test cloud
plugs in its file-pool backend, which is not part of drs).
"""

from oslo_config import cfg
from oslo_utils import importutils
import stevedore

from drs.drivers import base as drv_base
from drs.drivers.replication import base

CONF = cfg.CONF


def _site_keys(site: dict) -> list[str]:
    return [k for k in (site.get('name'), site.get('region_name')) if k]


def backend_name(site: dict, volume_type: str | None = None) -> str:
    """The backend of ``site`` (for volumes of ``volume_type``)."""
    backends = CONF.replication.backends or {}
    keys = (['%s/%s' % (k, volume_type) for k in _site_keys(site)]
            if volume_type else []) + _site_keys(site)
    for key in keys:
        if key in backends:
            return backends[key]
    return CONF.replication.default_backend


def _by_type(site: dict) -> bool:
    prefixes = tuple('%s/' % k for k in _site_keys(site))
    return any(key.startswith(prefixes)
               for key in (CONF.replication.backends or {}))


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


class VolumeTypeRouter(base.ReplicationBackend):
    """A site whose volumes live on several storage backends: each call
    goes to the backend of the volume's type (``volume_type`` of the
    volume dicts), one status call per backend."""

    def __init__(self, site: dict, peer: dict | None,
                 volumes: drv_base.VolumeDriver):
        super().__init__(site, peer, volumes)
        self._backends: dict[str, base.ReplicationBackend] = {}

    def _backend(self, volume: dict) -> base.ReplicationBackend:
        name = backend_name(self.site, volume.get('volume_type'))
        if name not in self._backends:
            self._backends[name] = backend_class(name)(
                self.site, self.peer, self.volumes)
        return self._backends[name]

    def status(self, volumes: list[dict]) -> dict[str, base.ReplicaStatus]:
        groups: dict[int, tuple[base.ReplicationBackend, list[dict]]] = {}
        for vol in volumes:
            backend = self._backend(vol)
            groups.setdefault(id(backend), (backend, []))[1].append(vol)
        out: dict[str, base.ReplicaStatus] = {}
        for backend, vols in groups.values():
            out.update(backend.status(vols))
        return out

    def promote(self, volume: dict, force: bool = False) -> base.ReplicaStatus:
        return self._backend(volume).promote(volume, force=force)

    def copy(self, volume: dict, copy_id: str) -> base.ReplicaStatus:
        return self._backend(volume).copy(volume, copy_id)

    def delete_copy(self, volume: dict, copy_id: str) -> bool:
        return self._backend(volume).delete_copy(volume, copy_id)

    def reverse(self, volume: dict, primary: dict) -> base.ReplicaStatus:
        return self._backend(volume).reverse(volume, primary)


def load(site: dict, peer: dict | None,
         volumes: drv_base.VolumeDriver) -> base.ReplicationBackend:
    """The replication backend of ``site``."""
    if _by_type(site):
        return VolumeTypeRouter(site, peer, volumes)
    return backend_class(backend_name(site))(site, peer, volumes)
