"""What each type of resource does in each action: the engine's plug-ins.

The API knows a type by its entry point in ``drs.resource_types``
(:mod:`drs.common.resource_types`: its name, how its id is validated).
The engine knows it by its entry point of the same name in
``drs.engine.resource_steps``: a :class:`ResourceSteps` that, for one
resource, returns the flow pieces of each action (its protect, sync,
preflight, recovery, cleanup and reprotect tasks) and answers the plan
logic's per-type questions (which volumes it holds, its part of the
replication figures, what a failover recovered of it). Two namespaces, so
that the API process loads no engine task nor cloud driver.

The flow modules (:mod:`drs.engine.flows`) iterate a plan's resources and
ask each one's plug-in; they know no type. A type with nothing to do in
an action returns nothing for it (``[]`` or ``None``). Adding a type (for
example Manila shares) is a package with both entry points: no flow
module changes. See doc/source/architecture.rst, "Adding a resource
type".
"""

from collections.abc import Iterable
import dataclasses
from typing import Any

import stevedore

from drs.drivers import base as drv_base
from drs.drivers import clients as drv_clients
from drs import exception

NAMESPACE = 'drs.engine.resource_steps'

#: The stages of reprotect, in order: what runs at the target again
#: (servers) is reversed first, then the storage on its own.
REVERSE_WORKLOADS = 'reverse-servers'
REVERSE_STORAGE = 'reverse-storage'
REVERSE_STAGES = (REVERSE_WORKLOADS, REVERSE_STORAGE)


@dataclasses.dataclass
class Step:
    """A flow piece (a task or a subflow) for one resource, and the
    results it provides that the action's closing task requires
    (FinishRecovery, WaitCaughtUp, ClearTestActive, SwapDirection)."""

    piece: Any
    keys: list[str] = dataclasses.field(default_factory=list)
    #: Reprotect only: which of :data:`REVERSE_STAGES` it runs in.
    stage: str = REVERSE_STORAGE


def keyed(task_cls: Any, ref: dict, prefix: str, required: bool = True,
          stage: str = REVERSE_STORAGE, **kwargs: Any) -> Step:
    """A :class:`Step` of one task on ``ref`` providing
    ``<prefix>_<resource id>``, which the closing task requires unless
    ``required`` is false."""
    key = '%s_%s' % (prefix, ref['id'])
    return Step(task_cls(resource=ref, provides=key, **kwargs),
                [key] if required else [], stage=stage)


@dataclasses.dataclass
class TierStep:
    """A server's part of its tier: created with the tier (``create``),
    then waited for with it (``wait``)."""

    create: Any
    wait: Any
    keys: list[str] = dataclasses.field(default_factory=list)


class ResourceSteps:
    """The engine side of one resource type. Every method has a default
    that does nothing, so a type implements only what it takes part in.

    The flow-piece methods take the resource's ref (``{'type', 'id'}``,
    plus ``tier`` where the flow reads it) and build fresh atoms; the
    atoms' names must be unique in a flow (the task base names a step
    ``<step>-<resource id>``).
    """

    #: The type's Heat-style name (the entry point's name).
    name: str = ''
    #: The resource's data lives on Cinder volumes drs replicates: they
    #: join the plan's replication group and are measured, cut off and
    #: waited for with the plan's volumes (:meth:`volume_ids`).
    has_volumes: bool = False
    #: Re-created in tiers after all the storage (:meth:`recover_in_tier`).
    tiered: bool = False
    #: The periodic sweep calls :meth:`refresh` for it.
    swept: bool = False
    #: Where its pieces go in a recovery stage that several types share
    #: (lower first; within a type, plan order). The stage's pieces run
    #: in parallel; this is the order of an engine that runs one task at
    #: a time.
    order: int = 100

    # ------------------------------------------------------------ protect

    def check(self, ref: dict) -> list:
        """Read-only check that the resource exists (protect's first
        stage, before anything changes)."""
        from drs.engine.tasks import protection
        return [protection.CheckResource(resource=ref)]

    def protect(self, ref: dict) -> list:
        """Its protection, run in this order."""
        return []

    def unprotect(self, ref: dict) -> list:
        """What protect set up, undone (no data deleted)."""
        from drs.engine.tasks import protection
        return [protection.UnprotectResource(resource=ref)]

    def sync(self, ref: dict) -> list:
        """Refreshed by the sync action before the measurement."""
        return []

    def preflight(self, ref: dict, provides: str) -> Any | None:
        """A read-only check providing ``provides`` (its findings)."""
        from drs.engine.tasks import protection
        return protection.PreflightResource(resource=ref, provides=provides)

    # ----------------------------------------------------------- recovery

    def stop_source(self, ref: dict) -> Step | None:
        """Planned migration: what stops the resource at the source."""
        return None

    def recovery_setup(self, refs: list[dict], test: bool) -> list:
        """Plan-level steps before any storage is recovered, once for all
        the plan's resources of this type (``refs``, never empty)."""
        return []

    def recover_storage(self, ref: dict, test: bool) -> Step | None:
        """Its storage made usable at the target (promoted/imported, or
        copied for a test), before any tier."""
        return None

    def tier(self, ref: dict) -> int:
        """The tier it is recovered in (:attr:`tiered` types)."""
        return int(ref.get('tier') or 1)

    def recover_in_tier(self, ref: dict, test: bool) -> TierStep | None:
        """Its re-creation in its tier (:attr:`tiered` types)."""
        return None

    def cleanup_test(self, ref: dict) -> Step | None:
        """What a test failover made of it, removed."""
        return None

    def reverse(self, ref: dict) -> Step | None:
        """Reprotect: its replication reversed (``stage`` says when)."""
        return None

    # --------------------------------------------------------- plan logic

    def check_owned(self, site: drv_clients.SiteDrivers, project_id: str,
                    rid: str) -> dict:
        """The resource as ``site`` shows it, if ``project_id`` owns it
        by its owner attribute, not by what the session sees (raises
        :class:`drs.drivers.base.ResourceNotFound` or
        :class:`drs.drivers.base.ForeignResource`). Protect's check, and
        the API's (with the caller's token)."""
        raise drv_base.DriverError(detail='no driver protects %s resources'
                                   % self.name)

    def check_exists(self, c: drv_clients.PlanClients, rid: str) -> dict:
        """Protect's check: the resource as the plan's source site shows
        it, if it is the plan's project's (:meth:`check_owned`). A type
        implements :meth:`check_owned`, which the API's check uses too;
        a plug-in that overrides only this one is not checked by the API
        (its plans are stored unchecked) and must check the owner
        itself."""
        return self.check_owned(c.at('source'), c.plan.project_id, rid)

    def check_listed(self, c: drv_clients.PlanClients, rid: str,
                     shared: Any) -> dict:
        """:meth:`check_exists` within an operation whose checks share
        their list calls (``shared``: its
        :class:`drs.engine.listings.Listings`); by default the resource's
        own read."""
        return self.check_exists(c, rid)

    def undo_protection(self, context: Any, c: drv_clients.PlanClients,
                        plan_id: str, rid: str, data: dict) -> None:
        """Undo its ``protect_data`` at the source (unprotect)."""

    def volume_ids(self, row: Any) -> list[str]:
        """The replicated volumes a protected-resource row holds."""
        return []

    def recovery_volumes(self, context: Any, plan: Any, row: Any
                         ) -> list[dict]:
        """``id`` and ``volume_type`` of the volumes a recovery promotes
        or copies for it (read from drs's database)."""
        return []

    def measure_batch(self, c: drv_clients.PlanClients, rows: list) -> Any:
        """One listing for all the plan's rows of this type, passed to
        :meth:`measure` (list calls, never one per resource)."""
        return None

    def problems(self, c: drv_clients.PlanClients, rows: list, batch: Any
                 ) -> dict[str, tuple[str, str]]:
        """``{resource id: (code, detail)}`` of these rows that are not
        the plan's project's at the source (``foreign_resource``: never
        measured, nothing of it kept) or whose replication was removed
        outside drs (``replication_removed``), from ``batch`` and list
        calls. (Their volumes are checked by the measurement for every
        type with :attr:`has_volumes`.)"""
        return {}

    def measure(self, m: Any, row: Any, batch: Any
                ) -> tuple[float, str, dict]:
        """Its lag, replication state and replica record
        (:class:`drs.engine.measure.Measurement` ``m``)."""
        raise NotImplementedError('%s has no measurement' % self.name)

    def preflight_findings(self, pf: Any) -> None:
        """Add what a failover of it would trip on to ``pf.findings`` and
        the quota it would use to ``pf.needs``
        (:class:`drs.engine.preflight.Preflight`)."""

    def cutoff_ages(self, now: float, row: Any
                    ) -> dict[str, float | None]:
        """Ages of its replicas at the cut-off that the volumes' backend
        does not report (by replica name)."""
        return {}

    def behind(self, source: drv_clients.SiteDrivers,
               target: drv_clients.SiteDrivers, row: Any, seen: dict
               ) -> bool:
        """Planned migration: whether its replica is still behind the
        stopped source (volumes are compared by the caller); ``seen``
        takes what was compared, by name, for the timeout message."""
        return False

    def caught_up(self, context: Any, plan_id: str, row: Any,
                  now: float) -> None:
        """Planned migration: its replica is as of ``now``."""

    def recovered(self, row: Any, results: dict[str, Any]) -> dict:
        """What the failover recovered of it, kept on its row for
        reprotect; ``results`` are the recovery steps' results the
        finish task requires (the keys its pieces declared), by key."""
        return {}

    def swapped(self, context: Any, plan_id: str, row: Any,
                results: dict) -> tuple[str, dict]:
        """Reprotect: its id and row values in the new direction, from
        the reverse steps' ``results``."""
        return row.resource_id, dict(
            results.get('reversed_%s' % row.resource_id) or {})

    def swapped_out(self, context: Any, plan_id: str, row: Any) -> None:
        """Reprotect: what drs kept of the old resource, once replaced."""

    def refresh(self, context: Any, plan_id: str, rid: str) -> None:
        """The sweep's refresh (:attr:`swept` types)."""

    def refresh_listed(self, context: Any, plan_id: str, rid: str,
                       share: str) -> None:
        """:meth:`refresh` within a sweep pass whose refreshes share
        their list calls (``share``: the pass's key in
        :mod:`drs.engine.listings`); by default the plain refresh."""
        self.refresh(context, plan_id, rid)


_registry: dict[str, ResourceSteps] | None = None


def load(manager: Iterable | None = None) -> dict[str, ResourceSteps]:
    """(Re)load the plug-ins: from ``manager`` (a stevedore manager, e.g.
    ``ExtensionManager.make_test_instance``) or the installed entry
    points. Returns them by type name."""
    global _registry
    if manager is None:
        manager = stevedore.ExtensionManager(NAMESPACE, invoke_on_load=True)
    found = {}
    for ext in manager:
        obj = ext.obj if ext.obj is not None else ext.plugin()
        obj.name = obj.name or ext.name
        found[ext.name] = obj
    _registry = found
    return found


def registry() -> dict[str, ResourceSteps]:
    """The engine's plug-in of every installed type, by type name."""
    return _registry if _registry is not None else load()


def steps_for(rtype: str) -> ResourceSteps:
    """The plug-in of ``rtype``; a clear error when none is installed."""
    found = registry().get(rtype)
    if found is None:
        raise exception.DrsException(
            'resource type %s has no engine plug-in in this drs engine '
            '(entry point namespace %s; installed: %s)' % (
                rtype, NAMESPACE, ', '.join(sorted(registry())) or 'none'))
    return found


def in_type_order(resources: Iterable[dict]) -> list[dict]:
    """Plan resources (snapshot dicts) by their types' :attr:`order`,
    then in plan order."""
    return sorted(resources, key=lambda r: steps_for(r['type']).order)


def by_type(resources: Iterable[dict]) -> dict[str, list[dict]]:
    """Plan resources (snapshot dicts) grouped by type, in plan order."""
    out: dict[str, list[dict]] = {}
    for res in resources:
        out.setdefault(res['type'], []).append(res)
    return out
