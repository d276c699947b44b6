"""Abstract bases of the drivers, one per kind of cloud service.

A driver acts at one site, through a keystoneauth1 session (a trust-scoped
one for everything in a tenant's project) and, for the few admin-only
reads of the replication sweep, drs's own service session. Drivers return
plain dicts (stored as they are in the flow store and the database) and
raise :class:`ResourceNotFound` for a resource that does not exist in the
session's project.
"""

import abc
from collections.abc import Callable
import ipaddress
from typing import Any

from keystoneauth1 import session as ks_session
from oslo_config import cfg

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


class ForeignResource(exception.Conflict):
    """A resource the session can see that belongs to another project.

    An admin-scoped token sees every project's servers and volumes: drs
    compares the resource's owner with the plan's project and acts only
    on the plan's own. The message names the resource and the plan's
    project, never the owner.
    """

    msg_fmt = _('%(type)s %(id)s does not belong to project %(project)s at '
                'site %(site)s: a plan protects only its own project\'s '
                'resources')
    code = 'drs.resource.foreign'


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

    #: Seconds between two polls of a wait (a volume, a server).
    poll_interval = 1.0

    def __init__(self, site: dict, session: ks_session.Session,
                 service_session: ks_session.Session | None = None):
        self.site = site
        self.session = session
        self.service_session = service_session
        #: The running operation's shared listings
        #: (:class:`drs.engine.listings.Listings`), set by the engine for
        #: the steps of a recovery: the tasks that wait at the same time
        #: share one listing per poll (a wait then costs requests per
        #: page and poll, not per resource), and a listing that cannot
        #: change during the operation (the replicas the storage offers
        #: to manage) is made once. ``None``: every call asks the site.
        self.shared: Any = None

    def shared_key(self, *parts: Any) -> tuple:
        """A name in :attr:`shared` for this driver's site."""
        return (type(self).__name__, self.site.get('id')
                or self.site.get('region_name')) + parts

    def listed(self, name: tuple, fetch: Callable[[], Any]) -> Any | None:
        """The operation's listing ``name`` (:attr:`shared`), fetched by
        the first task that asks; None without shared listings. Only for
        what the operation's own steps do not change, or where a miss is
        looked for again at the site (a resource made meanwhile)."""
        if self.shared is None:
            return None
        return self.shared.get(self.shared_key(*name), fetch)

    def forget(self, *name: Any) -> None:
        """Drop the operation's listing ``name``: after a failed step,
        which may have made something a step run again must find."""
        if self.shared is not None:
            self.shared.drop(self.shared_key(*name))

    def once(self, name: tuple, make: Callable[[], Any]) -> Any:
        """``make()`` for the first step of the operation that asks, its
        result for the others (they wait for it): a shared resource (a
        key pair, a security group) the servers of a tier all need is
        looked for, or made, by one of them. Without shared listings,
        ``make()`` every time. A ``make`` that raises leaves nothing:
        the next step tries again."""
        if self.shared is None:
            return make()
        return self.shared.get(self.shared_key('once', *name), make)

    def polled(self, name: tuple, list_all: Callable[[], dict[str, Any]],
               item_id: str, get_one: Callable[[], Any],
               started: float) -> Any:
        """One poll of a wait that began at ``started``
        (``time.monotonic``): the item from a listing of them all
        (``list_all()``: id -> item) shared by the operation's waits
        (:attr:`shared`, one listing per :attr:`poll_interval`, none
        older than the wait), or ``get_one()`` where there is no shared
        listing or it lacks the item (made just now, or gone: the
        single read tells)."""
        if self.shared is None:
            return get_one()
        listed, _at = self.shared.recent(
            self.shared_key(*name), list_all, self.poll_interval,
            not_before=started)
        found = listed.get(item_id)
        return get_one() if found is None else found

    @property
    def site_name(self) -> str:
        return str(self.site.get('name') or self.site.get('region_name'))

    def endpoint_override(self, service_type: str | None = None
                          ) -> str | None:
        overrides = self.site.get('endpoint_overrides') or {}
        return overrides.get(service_type or self.service_type)

    def adapter_kwargs(self, service_type: str | None = None) -> dict:
        """keystoneauth1 Adapter arguments for the site's endpoint: region,
        interface, override, and retries of transient failures
        (``[drivers] http_retries``: connection errors and 503, with
        keystoneauth's exponential backoff)."""
        retries = cfg.CONF.drivers.http_retries
        return {'region_name': self.site.get('region_name'),
                'interface': self.site.get('interface') or 'public',
                'endpoint_override': self.endpoint_override(service_type),
                'connect_retries': retries,
                'status_code_retries': retries}

    def not_found(self, rtype: str, rid: str) -> ResourceNotFound:
        project = None
        try:
            project = self.session.get_project_id()
        except Exception:  # noqa: S110 - only for the message
            pass
        return ResourceNotFound(type=rtype, id=rid, project=project,
                                site=self.site_name)

    def session_project(self) -> str | None:
        """The project the session's tokens are scoped to."""
        try:
            return self.session.get_project_id()
        except Exception:  # noqa: S110 - None: not known
            return None

    def check_owner(self, rtype: str, rid: str, owner: str | None,
                    project_id: str) -> None:
        """Raise :class:`ForeignResource` unless ``project_id`` owns it.

        ``owner`` is the resource's owner attribute as the service shows
        it. Where it is not shown (Cinder shows a volume's project to
        admins only), the resource is the session's project's only if
        the session is scoped to ``project_id``: a token without admin
        rights sees its own project's resources only. A session scoped
        elsewhere cannot vouch for the resource, which is then refused.
        """
        if owner is not None:
            if owner != project_id:
                raise ForeignResource(type=rtype, id=rid,
                                      project=project_id,
                                      site=self.site_name)
            return
        if self.session_project() != project_id:
            raise ForeignResource(type=rtype, id=rid, project=project_id,
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
        """Every volume of the project, one call per page; ``project_id``
        is the owner where the service shows it, else None."""

    @abc.abstractmethod
    def get_owned_volume(self, volume_id: str,
                         project_id: str) -> dict[str, Any]:
        """The volume (as :meth:`get_volume`) if ``project_id`` owns it.

        Raises :class:`ResourceNotFound` if the session cannot see it,
        :class:`ForeignResource` if it belongs to another project
        (see :meth:`SiteDriver.check_owner`).
        """

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
    def list_manageable(self) -> list[dict[str, Any]]:
        """Admin: every manageable volume of every pool of the site:
        ``host``, ``reference``, ``size``, ``safe_to_manage``,
        ``reason_not_safe``, ``extra_info`` (one call per page and pool).
        Replication backends read their replicas from it."""

    @abc.abstractmethod
    def backend_hosts(self) -> list[str]:
        """Admin: the ``host@backend#pool`` of every pool of the site."""

    @abc.abstractmethod
    def find_volumes(self, metadata: dict[str, str],
                     service: bool = False) -> list[dict[str, Any]]:
        """Volumes carrying all of ``metadata``: the project's, or with
        ``service`` drs's own (between manage and transfer); each view
        with its ``metadata``."""

    @abc.abstractmethod
    def wait_volume(self, volume_id: str, statuses: tuple[str, ...],
                    service: bool = False) -> dict[str, Any]:
        """Wait until the volume is in one of ``statuses``
        (``[recovery] resource_timeout``); an error status fails."""

    @abc.abstractmethod
    def import_volume(self, host: str, reference: dict, name: str,
                      volume_type: str | None, bootable: bool,
                      metadata: dict[str, str], *,
                      fresh: bool = False) -> dict[str, Any]:
        """Manage ``reference`` on ``host`` (admin) and transfer it to the
        project; ``id``, ``name``, ``size``, ``volume_type``, ``status``,
        ``bootable``.

        Idempotent by ``metadata``: a volume already imported (in the
        project, or still in drs's project awaiting transfer) is taken
        up where it was left (``host`` and ``reference`` are then not
        used). ``fresh``: the caller has just looked for such a volume
        in both projects and found none, so the import starts at the
        manage without looking again (a run that dies after it is
        resumed without ``fresh``).
        """

    @abc.abstractmethod
    def delete_volume(self, volume_id: str, service: bool = False) -> None:
        """Delete the volume and wait until it is gone; gone already is
        fine."""

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
    def exists(self, name: str) -> bool:
        """Whether the container exists in the project's account."""

    @abc.abstractmethod
    def check_account(self, project_id: str) -> None:
        """Raise :class:`ForeignResource` (for the account) unless the
        containers the driver reaches live in ``project_id``'s account."""

    def get_owned_container(self, name: str,
                            project_id: str) -> dict[str, Any]:
        """The container (as :meth:`get_container`), if it is in the
        account of ``project_id``: :class:`ForeignResource` otherwise,
        :class:`ResourceNotFound` if it does not exist."""
        try:
            self.check_account(project_id)
        except ForeignResource:
            raise ForeignResource(type='OS::Swift::Container', id=name,
                                  project=project_id, site=self.site_name)
        return self.get_container(name)

    @abc.abstractmethod
    def replication_settings(self, name: str,
                             protect_data: dict) -> str | None:
        """Why the replication protect set up for ``name`` (and its
        segments containers in ``protect_data``) is no longer in place
        (its sync settings were removed or changed outside drs), or
        None while it is."""

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
        from list calls at both sites; with ``problem`` (a message) where
        the container is not replicated at all any more."""

    def replica_behind(self, name: str, target: 'ObjectStorageDriver'
                       ) -> str | None:
        """What ``target``'s replica of ``name`` still lacks (a message)
        or None once it holds everything the container holds here: a
        planned migration waits for None. By default the object count
        and bytes of both containers (a HEAD at each site: their own
        databases, not the account listings, which lag)."""
        src = self.get_container(name)
        try:
            dst: dict[str, Any] = target.get_container(name)
        except ResourceNotFound:
            dst = {'count': None, 'bytes': None}
        if (src['count'], src['bytes']) == (dst['count'], dst['bytes']):
            return None
        return '%s: %s/%s objects/bytes at the source, %s/%s at the ' \
            'target' % (name, src['count'], src['bytes'], dst['count'],
                        dst['bytes'])


class ComputeDriver(SiteDriver, metaclass=abc.ABCMeta):
    """Compute: servers and what re-creating them needs."""

    service_type = 'compute'

    @abc.abstractmethod
    def get_server(self, server_id: str) -> dict[str, Any]:
        """The server (raises ResourceNotFound); ``project_id`` is its
        owner."""

    def get_owned_server(self, server_id: str,
                         project_id: str) -> dict[str, Any]:
        """The server if ``project_id`` owns it (:meth:`check_owner`)."""
        server = self.get_server(server_id)
        self.check_owner('OS::Nova::Server', server_id,
                         server.get('project_id'), project_id)
        return server

    @abc.abstractmethod
    def list_servers(self) -> dict[str, dict[str, Any]]:
        """The project's servers by id, one call per page."""

    @abc.abstractmethod
    def capture_recipe(self, server_id: str,
                       network: 'NetworkDriver') -> dict[str, Any]:
        """Everything needed to re-create the server elsewhere (no
        secrets: user data as a hash only)."""

    @abc.abstractmethod
    def capture_recipes(self, server_ids: list[str],
                        network: 'NetworkDriver',
                        attachments: dict[str, list[dict]],
                        previous: dict[str, dict]
                        ) -> dict[str, dict[str, Any]]:
        """The recipes of ``server_ids``, by id, as :meth:`capture_recipe`
        makes them but from list calls: the project's servers, key pairs
        and server groups, the servers' ports and security groups from
        ``network`` (calls that grow with pages, not servers). A server
        the project does not have is left out.

        ``attachments``: each server's volume attachments as Block
        Storage lists them (``id`` of the volume, ``device``,
        ``attachment_id``); ``previous``: the recipes recorded before, by
        server id. A server whose attachments are still the recorded ones
        (same attachment ids and devices) keeps their recorded device
        tags, which only Nova's per-server attachment list shows; the
        attachments of any other server are read from it (one call).
        """

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

    # What a recovery makes at a site; found again by metadata and names.

    @abc.abstractmethod
    def find_servers(self, metadata: dict[str, str]) -> list[dict[str, Any]]:
        """The project's servers carrying all of ``metadata``."""

    @abc.abstractmethod
    def create_server(self, name: str, flavor_id: str, image_id: str | None,
                      key_name: str | None, port_ids: list[str],
                      bdm: list[dict], metadata: dict[str, str],
                      availability_zone: str | None) -> dict[str, Any]:
        """Send the create request; ``id``, ``name``."""

    @abc.abstractmethod
    def server_status(self, server_id: str) -> tuple[str, str | None]:
        """``(status, fault message or None)``."""

    @abc.abstractmethod
    def wait_server(self, server_id: str, name: str) -> dict[str, Any]:
        """Wait until ACTIVE (``[recovery] server_active_timeout``);
        ERROR fails with the fault."""

    @abc.abstractmethod
    def delete_server(self, server_id: str) -> None:
        """Delete and wait until gone; gone already is fine."""

    @abc.abstractmethod
    def stop_server(self, server_id: str) -> str:
        """Stop (SHUTOFF) and wait; idempotent."""

    @abc.abstractmethod
    def create_keypair(self, name: str, public_key: str) -> None:
        """Import a public key as the caller's key pair ``name``."""

    @abc.abstractmethod
    def list_keypairs(self) -> list[str]:
        """Names of the caller's key pairs."""

    @abc.abstractmethod
    def delete_keypair(self, name: str) -> bool:
        """Delete a key pair; False if it was not there."""

    def ensure_keypair(self, keypair: dict | None,
                       test_prefix: str | None = None
                       ) -> tuple[str | None, bool]:
        """The recipe's key pair at the site: (name, created here).

        A key pair of the same name must hold the same public key. With
        ``test_prefix`` (a test failover) a key pair missing there (or
        holding another key) is created as ``<test_prefix><name>``, which
        ``cleanup_test`` removes.
        """
        if not keypair:
            return None, False
        listed = self.listed(('keypairs',), lambda: {
            kp['name']: kp for kp in self.list_keypair_views()})
        there = (listed or {}).get(keypair['name'])
        if there is not None and self._same_key(there, keypair):
            return keypair['name'], False
        # It may be made here: the servers of a tier, each in its step,
        # need the same key pair; one step looks and makes it, the others
        # take its answer (and did not make it).
        made = []

        def make() -> tuple[str | None, bool]:
            made.append(True)
            return self._ensure_keypair(keypair, test_prefix, there)
        name, created = self.once(
            ('keypair', keypair['name'], keypair.get('public_key'),
             test_prefix), make)
        return name, created and bool(made)

    @staticmethod
    def _same_key(there: dict, keypair: dict) -> bool:
        return there.get('public_key', '').strip() == \
            (keypair.get('public_key') or '').strip()

    def _ensure_keypair(self, keypair: dict, test_prefix: str | None,
                        there: dict | None = None
                        ) -> tuple[str | None, bool]:
        if there is None:
            there = self.get_keypair(keypair['name'])
        if there is not None:
            if self._same_key(there, keypair):
                return keypair['name'], False
            if not test_prefix:
                raise DriverError(
                    detail='key pair %s exists at site %s with another '
                    'public key' % (keypair['name'], self.site_name))
        name = (test_prefix or '') + keypair['name']
        if test_prefix and self.get_keypair(name) is not None:
            return name, False  # made by an earlier run of this test
        self.create_keypair(name, keypair['public_key'])
        return name, True

    def list_keypair_views(self) -> list[dict[str, Any]]:
        """The project's key pairs as :meth:`get_keypair` shows one (one
        call); by default read one by one."""
        return [kp for kp in (self.get_keypair(name)
                              for name in self.list_keypairs()) if kp]

    def delete_keypairs(self, prefix: str) -> list[str]:
        """Delete the key pairs whose name starts with ``prefix`` and
        that no server at the site uses."""
        in_use = {s.get('key_name') for s in self.list_servers().values()}
        return [name for name in self.list_keypairs()
                if name.startswith(prefix) and name not in in_use
                and self.delete_keypair(name)]


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
    def ports_of_servers(self, server_ids: list[str]
                         ) -> dict[str, list[dict[str, Any]]]:
        """:meth:`server_ports` of each of ``server_ids`` (every id a
        key), from list calls filtered by device (a few dozen servers a
        call)."""

    @abc.abstractmethod
    def security_groups(self, group_ids: list[str]
                        ) -> dict[str, dict[str, Any]]:
        """:meth:`security_group` of each of ``group_ids`` that exists,
        by id, from list calls filtered by id."""

    @abc.abstractmethod
    def network_exists(self, network_id: str) -> bool:
        """Whether the network is usable in the project."""

    @abc.abstractmethod
    def quota(self) -> dict[str, dict[str, int]]:
        """``{'port': {'limit', 'in_use'}, ...}``."""

    # What a recovery makes at a site; found again by names.

    @abc.abstractmethod
    def find_security_groups(self, name: str) -> list[dict[str, Any]]:
        """The project's groups named ``name`` (``id``, ``name``)."""

    @abc.abstractmethod
    def list_security_groups(self) -> list[dict[str, Any]]:
        """Every group of the project (``id``, ``name``)."""

    @abc.abstractmethod
    def create_security_group(self, name: str, group: dict) -> str:
        """Create the recorded ``group`` (with its ingress rules) as
        ``name``, all or nothing: a resumed run completes a half-made
        group rather than adopt it. Returns its id."""

    @abc.abstractmethod
    def delete_security_group(self, group_id: str) -> None:
        """Delete a group; gone already is fine."""

    @abc.abstractmethod
    def find_port(self, name: str) -> dict[str, Any] | None:
        """The port named ``name`` (``id``, ``name``, ``network_id``,
        ``mac_address``, ``device_id``, ``fixed_ips``), or None."""

    @abc.abstractmethod
    def ports_named(self, prefix: str) -> list[dict[str, Any]]:
        """Ports whose name starts with ``prefix``."""

    @abc.abstractmethod
    def ensure_port(self, name: str, network_id: str, fixed_ips: list[dict],
                    security_group_ids: list[str], description: str,
                    recorded: dict | None = None) -> dict[str, Any]:
        """The port ``name`` on ``network_id``, created once.

        From the ``recorded`` port it takes the MAC address (where
        Neutron lets the tenant set it and no port of the network has
        it: otherwise the port gets a new one, with a warning), the
        allowed address pairs, and port security off when it was off.
        """

    @abc.abstractmethod
    def delete_port(self, port_id: str) -> None:
        """Delete a port; gone already is fine."""

    @abc.abstractmethod
    def subnets_of(self, network_id: str) -> list[dict[str, Any]]:
        """``id``, ``cidr``, ``ip_version``, ``gateway_ip``,
        ``enable_dhcp`` of the network's subnets."""

    @abc.abstractmethod
    def ensure_isolated_network(self, name: str, source_subnets: list[dict]
                                ) -> dict[str, Any]:
        """A network ``name``, subnets of the same CIDRs as
        ``source_subnets``, and a router without an external gateway
        joining them: nothing leaves it. ``network_id``, ``router_id``,
        ``subnets`` (``id``, ``cidr``)."""

    @abc.abstractmethod
    def delete_isolated_network(self, name: str) -> list[str]:
        """Router, ports, subnets and network named ``name``; gone ids."""

    @staticmethod
    def subnet_for(ip: str, subnets: list[dict]) -> str | None:
        """The id of the subnet of ``subnets`` (``id``, ``cidr``) that
        holds ``ip``."""
        addr = ipaddress.ip_address(ip)
        for sub in subnets:
            if addr in ipaddress.ip_network(sub['cidr']):
                return sub['id']
        return None

    def ensure_security_groups(self, groups: list[dict],
                               mapping: dict[str, str],
                               test_prefix: str | None = None) -> list[str]:
        """Ids at the site of the recipe's groups: mapped, same name, or
        created with the recorded rules.

        With ``test_prefix`` (a test failover) a group missing at the
        site is created as ``<test_prefix><source group id>``, so that
        ``cleanup_test`` finds and removes it; production groups at the
        site are used, never changed.
        """
        ids = []
        for g in groups:
            mapped = mapping.get(g['id']) or mapping.get(g.get('name', ''))
            if mapped:
                ids.append(mapped)
                continue
            names = [g['name']]
            if test_prefix:
                names.append(test_prefix + g['id'])
            listed = self.listed(('security_groups',),
                                 self.list_security_groups) or []
            found = [sg for sg in listed if sg['name'] in names]
            if found:
                ids.append(found[0]['id'])
                continue
            # Missing from the operation's listing: another server's step
            # may be making it now, or have made it since; one step looks
            # again and makes it, the others take its answer.
            def make(names: list[str] = names, g: dict = g) -> str:
                found = [sg for name in names
                         for sg in self.find_security_groups(name)]
                return found[0]['id'] if found else \
                    self.create_security_group(names[-1], g)
            ids.append(self.once(('security_group', g['id'], names[-1]),
                                 make))
        return ids

    def delete_security_groups(self, prefix: str) -> list[str]:
        """Delete the groups whose name starts with ``prefix``."""
        gone = []
        for sg in self.list_security_groups():
            if sg['name'].startswith(prefix):
                self.delete_security_group(sg['id'])
                gone.append(sg['id'])
        return gone
