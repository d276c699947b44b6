"""Abstract bases of the drivers, one per kind of cloud service.

A driver acts at one site, through a keystoneauth1 session (a trust-scoped
one for everything in a tenant's project) and, for the few admin-only
reads of the replication sweep, drs's own service session. Drivers return
plain dicts (stored as they are in the flow store and the database) and
raise :class:`ResourceNotFound` for a resource that does not exist in the
session's project.
"""

import abc
from typing import Any

from keystoneauth1 import session as ks_session

from drs import exception
from drs.i18n import _

VOLUME_NAMESPACE = 'drs.drivers.volume'
OBJECT_STORAGE_NAMESPACE = 'drs.drivers.object_storage'
COMPUTE_NAMESPACE = 'drs.drivers.compute'
NETWORK_NAMESPACE = 'drs.drivers.network'

# Replication states of a protected resource.
STATE_UNPROTECTED = 'unprotected'
STATE_REPLICATING = 'replicating'
STATE_IN_SYNC = 'in_sync'
STATE_LAGGING = 'lagging'
STATE_ERROR = 'error'
STATE_UNKNOWN = 'unknown'


class ResourceNotFound(exception.NotFound):
    msg_fmt = _('%(type)s %(id)s does not exist in project %(project)s at '
                'site %(site)s')
    code = 'drs.resource.not_found'


class DriverError(exception.DrsException):
    msg_fmt = _('%(detail)s')
    code = 'drs.driver.error'


class SiteDriver:
    """A driver bound to one site.

    :param site: the site as a dict (``name``, ``region_name``,
        ``interface``, ``endpoint_overrides``).
    :param session: session acting in the tenant's project (trust-scoped).
    :param service_session: drs's own session, for admin-only reads;
        ``None`` where the caller has none.
    """

    #: the catalog service type of the driver's main API.
    service_type = ''

    def __init__(self, site: dict, session: ks_session.Session,
                 service_session: ks_session.Session | None = None):
        self.site = site
        self.session = session
        self.service_session = service_session

    @property
    def site_name(self) -> str:
        return str(self.site.get('name') or self.site.get('region_name'))

    def endpoint_override(self, service_type: str | None = None
                          ) -> str | None:
        overrides = self.site.get('endpoint_overrides') or {}
        return overrides.get(service_type or self.service_type)

    def adapter_kwargs(self, service_type: str | None = None) -> dict:
        return {'region_name': self.site.get('region_name'),
                'interface': self.site.get('interface') or 'public',
                'endpoint_override': self.endpoint_override(service_type)}

    def not_found(self, rtype: str, rid: str) -> ResourceNotFound:
        project = None
        try:
            project = self.session.get_project_id()
        except Exception:  # noqa: S110 - only for the message
            pass
        return ResourceNotFound(type=rtype, id=rid, project=project,
                                site=self.site_name)


class VolumeDriver(SiteDriver, metaclass=abc.ABCMeta):
    """Block storage: volumes, their replicated types and groups."""

    service_type = 'block-storage'

    @abc.abstractmethod
    def get_volume(self, volume_id: str) -> dict[str, Any]:
        """``id``, ``name``, ``status``, ``size``, ``volume_type``,
        ``replication_status``, ``group_id``, ``bootable``,
        ``availability_zone``, ``attachments``."""

    @abc.abstractmethod
    def list_volumes(self) -> list[dict[str, Any]]:
        """Every volume of the project, one call per page."""

    @abc.abstractmethod
    def get_volume_type(self, name_or_id: str) -> dict[str, Any] | None:
        """``id``, ``name``, ``replicated`` (bool); None if unknown."""

    @abc.abstractmethod
    def list_volume_types(self) -> list[dict[str, Any]]:
        """The volume types the project may use."""

    @abc.abstractmethod
    def retype(self, volume_id: str, new_type: str) -> dict[str, Any]:
        """Retype (migrating on demand) and wait until it is done."""

    @abc.abstractmethod
    def replicas(self, volume_ids: list[str]) -> dict[str, dict]:
        """At the TARGET site: the replicas of these source volumes.

        ``{source volume id: {'reference': ..., 'last_sync_at': epoch
        or None, 'safe_to_manage': bool}}``, from list calls.
        """

    @abc.abstractmethod
    def group_replication_supported(self) -> bool:
        """Whether Tiramisu group replication can be used here."""

    @abc.abstractmethod
    def ensure_replication_group(self, name: str, volume_ids: list[str]
                                 ) -> dict[str, Any]:
        """A replication-enabled group holding ``volume_ids``."""

    @abc.abstractmethod
    def disable_group_replication(self, group_id: str) -> None:
        """Stop the group's replication; its volumes stay."""

    @abc.abstractmethod
    def quota(self) -> dict[str, dict[str, int]]:
        """``{'volumes': {'limit', 'in_use'}, 'gigabytes': {...}}``;
        a limit of -1 is unlimited."""


class ObjectStorageDriver(SiteDriver, metaclass=abc.ABCMeta):
    """Object storage: containers (buckets) and their replication."""

    service_type = 'object-store'

    @abc.abstractmethod
    def get_container(self, name: str) -> dict[str, Any]:
        """``name``, ``count``, ``bytes``, ``sync_to`` of a container."""

    @abc.abstractmethod
    def list_containers(self) -> dict[str, dict[str, Any]]:
        """``{name: {'count', 'bytes', 'last_modified'}}`` of the
        project's account, one call per page."""

    @abc.abstractmethod
    def protect_container(self, name: str, target: 'ObjectStorageDriver'
                          ) -> dict[str, Any]:
        """Replicate ``name`` to ``target``; returns the replica identity
        and what was changed (``protect_data``)."""

    @abc.abstractmethod
    def unprotect_container(self, name: str, protect_data: dict) -> None:
        """Stop what :meth:`protect_container` started; delete nothing."""

    @abc.abstractmethod
    def replication_status(self, names: list[str],
                           target: 'ObjectStorageDriver'
                           ) -> dict[str, dict[str, Any]]:
        """``{name: {'in_sync': bool, 'source': {...}, 'target': {...}}}``
        from list calls at both sites."""


class ComputeDriver(SiteDriver, metaclass=abc.ABCMeta):
    """Compute: servers and what re-creating them needs."""

    service_type = 'compute'

    @abc.abstractmethod
    def get_server(self, server_id: str) -> dict[str, Any]:
        """The server (raises ResourceNotFound)."""

    @abc.abstractmethod
    def list_servers(self) -> dict[str, dict[str, Any]]:
        """The project's servers by id, one call per page."""

    @abc.abstractmethod
    def capture_recipe(self, server_id: str,
                       network: 'NetworkDriver') -> dict[str, Any]:
        """Everything needed to re-create the server elsewhere (no
        secrets: user data as a hash only)."""

    @abc.abstractmethod
    def find_flavor(self, name: str) -> dict[str, Any] | None:
        """A flavor by name, or None."""

    @abc.abstractmethod
    def image_exists(self, image_id: str | None, name: str | None
                     ) -> bool:
        """Whether the image (by id, else by name) can be used here."""

    @abc.abstractmethod
    def get_keypair(self, name: str) -> dict[str, Any] | None:
        """The caller's key pair (name, public_key), or None."""

    @abc.abstractmethod
    def availability_zones(self) -> list[str]:
        """Names of the available zones."""

    @abc.abstractmethod
    def quota(self) -> dict[str, dict[str, int]]:
        """``{'instances'|'cores'|'ram': {'limit', 'in_use'}}``."""


class NetworkDriver(SiteDriver, metaclass=abc.ABCMeta):
    """Networking: ports, networks and security groups."""

    service_type = 'network'

    @abc.abstractmethod
    def server_ports(self, server_id: str) -> list[dict[str, Any]]:
        """Ports of a server: id, network, fixed IPs, MAC, groups."""

    @abc.abstractmethod
    def security_group(self, group_id: str) -> dict[str, Any] | None:
        """A security group with its rules."""

    @abc.abstractmethod
    def network_exists(self, network_id: str) -> bool:
        """Whether the network is usable in the project."""

    @abc.abstractmethod
    def quota(self) -> dict[str, dict[str, int]]:
        """``{'port': {'limit', 'in_use'}, ...}``."""
