"""The drivers of a plan at its two sites, loaded by stevedore.

Sessions and trusts come from :mod:`drs.common.identity`.
"""

from collections.abc import Callable
from typing import Any

from keystoneauth1 import session as ks_session
from oslo_config import cfg
from oslo_utils import importutils
import stevedore

from drs.common import identity
from drs.drivers import base
from drs.drivers import replication
from drs.drivers.replication import base as repl_base

_KINDS = {
    'volume': base.VOLUME_NAMESPACE,
    'object_storage': base.OBJECT_STORAGE_NAMESPACE,
    'compute': base.COMPUTE_NAMESPACE,
    'network': base.NETWORK_NAMESPACE,
}

CONF = cfg.CONF

site_dict = identity.site_dict


def driver_class(kind: str, name: str | None = None) -> type:
    """The driver class of ``kind`` (volume, ...) named in [drivers]: an
    entry point of the kind's namespace, or a class path
    ``package.module:Class`` (a driver drs does not ship, as for
    replication backends)."""
    name = name or getattr(CONF.drivers, kind)
    if ':' in name:
        module, _sep, cls = name.partition(':')
        return importutils.import_class('%s.%s' % (module, cls))
    manager: stevedore.DriverManager = stevedore.DriverManager(
        _KINDS[kind], name, invoke_on_load=False)
    return manager.driver  # type: ignore[return-value]


def get_driver(kind: str, site: Any, session: ks_session.Session,
               service: ks_session.Session | None = None,
               name: str | None = None):
    return driver_class(kind, name)(site_dict(site), session, service)


class PlanClients:
    """The drivers of a plan at its two sites, built on demand.

    Source and target follow the plan's direction (swapped once the plan
    was failed over and reprotected).
    """

    def __init__(self, plan: Any, source: Any, target: Any,
                 session_factory: Callable[[dict], ks_session.Session]
                 | None = None, shared: Any = None):
        """``shared``: the running operation's listings, given to every
        driver (:attr:`drs.drivers.base.SiteDriver.shared`)."""
        self.plan = plan
        self.shared = shared
        self.sites = {'source': site_dict(source),
                      'target': site_dict(target)}
        self._sessions: dict = {}
        self._drivers: dict = {}
        # The plan's trust, unless told otherwise (the caller's token).
        self._session_factory = session_factory or (
            lambda site: identity.plan_session(site, plan.trust_id))

    def session(self, where: str) -> ks_session.Session:
        if where not in self._sessions:
            self._sessions[where] = self._session_factory(self.sites[where])
        return self._sessions[where]

    def service(self, where: str) -> ks_session.Session | None:
        key = 'service-' + where
        if key not in self._sessions:
            self._sessions[key] = (
                identity.service_session(self.sites[where])
                if identity.service_auth_configured() else None)
        return self._sessions[key]

    def driver(self, kind: str, where: str) -> base.SiteDriver:
        key = (kind, where)
        if key not in self._drivers:
            drv = get_driver(kind, self.sites[where], self.session(where),
                             self.service(where))
            drv.shared = self.shared
            self._drivers[key] = drv
        return self._drivers[key]

    # Typed accessors: what the engine calls, checked by mypy.

    def volume(self, where: str) -> base.VolumeDriver:
        return self._typed('volume', where, base.VolumeDriver)

    def object_storage(self, where: str) -> base.ObjectStorageDriver:
        return self._typed('object_storage', where, base.ObjectStorageDriver)

    def compute(self, where: str) -> base.ComputeDriver:
        return self._typed('compute', where, base.ComputeDriver)

    def network(self, where: str) -> base.NetworkDriver:
        return self._typed('network', where, base.NetworkDriver)

    def replication(self, where: str) -> repl_base.ReplicationBackend:
        """The storage-side replication backend of the site ``where``."""
        key = ('replication', where)
        if key not in self._drivers:
            peer = 'source' if where == 'target' else 'target'
            self._drivers[key] = replication.load(
                self.sites[where], self.sites[peer], self.volume(where))
        return self._drivers[key]

    def site_name(self, where: str) -> str:
        site = self.sites[where]
        return str(site.get('name') or site.get('region_name'))

    def _typed(self, kind: str, where: str, cls: type):
        drv = self.driver(kind, where)
        if not isinstance(drv, cls):
            raise base.DriverError(
                detail='the %s driver %s is not a %s' % (
                    kind, type(drv).__name__, cls.__name__))
        return drv

    def at(self, where: str) -> 'SiteDrivers':
        """The drivers of one site of the plan (``source``/``target``)."""
        return SiteDrivers(self, where)


def caller_clients(context: Any, site: Any) -> PlanClients:
    """Drivers at ``site`` acting with the caller's own token (the
    context's), for what the engine checks for the API before a plan
    exists. Source and target are both ``site``."""
    return PlanClients(
        None, site, site,
        session_factory=lambda s: identity.token_session(
            s, context.auth_token, context.project_id))


class SiteDrivers:
    """The drivers of a plan at one site, typed, built on first use."""

    def __init__(self, clients: PlanClients, where: str):
        self.clients = clients
        self.where = where

    @property
    def name(self) -> str:
        return self.clients.site_name(self.where)

    @property
    def site(self) -> dict:
        return self.clients.sites[self.where]

    @property
    def volume(self) -> base.VolumeDriver:
        return self.clients.volume(self.where)

    @property
    def object_storage(self) -> base.ObjectStorageDriver:
        return self.clients.object_storage(self.where)

    @property
    def compute(self) -> base.ComputeDriver:
        return self.clients.compute(self.where)

    @property
    def network(self) -> base.NetworkDriver:
        return self.clients.network(self.where)

    @property
    def replication(self) -> repl_base.ReplicationBackend:
        return self.clients.replication(self.where)
