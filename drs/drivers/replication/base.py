"""Storage-side replication backends: what Cinder's API does not expose.

A replica at the target site is not a Cinder volume: it lives in the
target's storage (an RBD image mirrored by rbd-mirror, a file of the test
cloud's pools, an array's remote copy) until drs promotes it and Cinder
manages it. What a replica is, how old its data is, how to make it
writable, how to take a point-in-time copy of it without touching
replication, and how to reverse replication after a failover are
questions for the storage; a :class:`ReplicationBackend` answers them
for one storage technology.

A backend is bound to one site of a pair (``site``), knows the other
(``peer``) where the call needs it, and goes to the storage directly or
through the site's :class:`drs.drivers.base.VolumeDriver` (``volumes``,
with drs's service session for admin-only calls such as the manageable
volume list). Backends are loaded by stevedore from
:data:`NAMESPACE`, chosen per site in ``[replication] backends``.

Every method is idempotent: a flow resumed after its engine died calls
it again, and it must then find what the first call did (a promoted
image stays promoted; a copy that exists is returned, not made again).

Volumes are passed as plain dicts of the SOURCE volume: ``id`` (its id at
the site it was protected from), ``name``, ``size`` (GiB),
``volume_type`` and, where known, ``host`` (Cinder's
``os-vol-host-attr:host``).
"""

import abc
from typing import Any, TypedDict

from drs.drivers import base

NAMESPACE = 'drs.replication_backends'

# Health of a replica.
HEALTH_OK = 'ok'                  # replicating, data as of last_sync_at
HEALTH_SYNCING = 'syncing'        # initial or full sync in progress
HEALTH_STOPPED = 'stopped'        # replication not running (daemon down,
                                  # paused, or the replica is primary)
HEALTH_SPLIT_BRAIN = 'split_brain'  # both sides claim to be primary
HEALTH_ERROR = 'error'
HEALTH_UNKNOWN = 'unknown'


class ReplicaStatus(TypedDict, total=False):
    """What a backend knows of one replica (or copy) at its site."""

    #: the replica (or copy) exists at this site.
    present: bool
    #: the Cinder host to manage it into (``host@backend#pool``).
    host: str | None
    #: the reference Cinder's manage API takes (``{'source-name': ...}``).
    reference: dict[str, Any]
    #: epoch seconds: the replica holds the source's data as of then;
    #: None when the storage cannot tell.
    last_sync_at: float | None
    #: one of the HEALTH_* values.
    health: str
    #: the replica at this site is writable (promoted / primary).
    primary: bool
    #: Cinder would manage it as it is (not in use by the storage).
    safe_to_manage: bool
    #: a short human-readable explanation (no secrets).
    detail: str


class ReplicationError(base.DriverError):
    code = 'drs.replication.error'


class SplitBrain(ReplicationError):
    """Both sides hold writes the other lacks; the caller must choose."""

    code = 'drs.replication.split_brain'


class ReplicationBackend(metaclass=abc.ABCMeta):
    """Storage-side replication of volumes, acting at one site.

    :param site: this site, as the drivers see it (``name``,
        ``region_name``, ...).
    :param peer: the other site of the pair, or None where unknown.
    :param volumes: this site's volume driver (drs's service session is
        its ``service_session``).
    """

    def __init__(self, site: dict, peer: dict | None,
                 volumes: base.VolumeDriver):
        self.site = site
        self.peer = peer
        self.volumes = volumes

    @property
    def site_name(self) -> str:
        return str(self.site.get('name') or self.site.get('region_name'))

    @abc.abstractmethod
    def status(self, volumes: list[dict]) -> dict[str, ReplicaStatus]:
        """At the replica's site: ``{source volume id: status}``.

        In as few storage calls as the backend allows (one per pool, not
        one per volume); a volume with no replica here is ``present:
        False``. Never contacts the peer.
        """

    @abc.abstractmethod
    def promote(self, volume: dict, force: bool = False) -> ReplicaStatus:
        """Make the replica of ``volume`` at this site writable.

        ``force``: the source is unreachable (unplanned failover): promote
        without contacting it. Without ``force`` (planned migration) the
        source's copy is demoted first, so no write is lost. Returns the
        promoted replica's status (``host`` and ``reference`` for
        Cinder's manage). A replica already promoted is returned as it is.
        """

    @abc.abstractmethod
    def copy(self, volume: dict, copy_id: str) -> ReplicaStatus:
        """A point-in-time copy of the replica of ``volume`` at this site,
        named after ``copy_id``, that Cinder can manage as an ordinary
        volume; replication untouched. Returns its status (``host``,
        ``reference``, ``last_sync_at`` of the data it holds)."""

    @abc.abstractmethod
    def delete_copy(self, volume: dict, copy_id: str) -> bool:
        """Delete the copy :meth:`copy` made (if Cinder has not managed
        it); True if one was there."""

    @abc.abstractmethod
    def reverse(self, volume: dict, primary: dict) -> ReplicaStatus:
        """At the OLD source site, after a failover: make ``volume``
        (its id here) a replica of ``primary`` (the volume now in use at
        the peer, its id there), so the peer replicates back here.

        Refuses (:class:`ReplicationError`) when the peer's copy is not
        primary: resyncing would then lose data. A split brain (both
        primary after a forced promote) is resolved in the peer's favour:
        this site's divergent writes are discarded, which is what
        reprotect after a failover means. Returns this site's replica
        status.
        """
