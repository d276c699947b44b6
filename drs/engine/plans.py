"""A plan as the engine reads it: its resources, its drivers at both sites
in its current direction, its mappings in that direction.

Shared by protection (:mod:`drs.engine.protect`), measurement
(:mod:`drs.engine.measure`), preflight (:mod:`drs.engine.preflight`), the
sweep (:mod:`drs.engine.sweep`) and the tasks. The functions take a request
context and a plan id and re-read what they need from the database:
nothing here holds state between calls.
"""

import time
from typing import Any

from oslo_config import cfg
from oslo_log import log

from drs.common import states
from drs.db import api as db_api
from drs.drivers import base as drv_base
from drs.drivers import clients as drv_clients
from drs import exception
from drs.engine import resources

CONF = cfg.CONF
LOG = log.getLogger(__name__)


# The built-in types, for their own plug-ins and tasks
# (drs/engine/resources/): nothing else branches on a type.
SERVER = 'OS::Nova::Server'
VOLUME = 'OS::Cinder::Volume'
CONTAINER = 'OS::Swift::Container'

GROUP_MODE = 'group'

# Plans the periodic sweep measures.
SWEPT_STATES = (states.PROTECTED, states.DEGRADED)


def resource_ref(resource: dict) -> dict:
    """What a task or finding keeps of a plan resource: type and id."""
    return {'type': resource['type'], 'id': resource['id']}


def mark_unprotected(context, plan_id: str, rtype: str, rid: str) -> None:
    """The resource's row once its protection is undone: no protect
    data, replica or lag; state ``unprotected``."""
    db_api.protected_resource_update(
        context, plan_id, rtype, rid,
        {'protect_data': {}, 'replica': {}, 'lag_seconds': None,
         'replication_state': drv_base.STATE_UNPROTECTED})


def group_name(plan_id: str) -> str:
    return 'drs-%s' % plan_id


# ------------------------------------------------------------------ access

def plan_clients(context, plan_id: str, shared: Any = None
                 ) -> tuple[Any, drv_clients.PlanClients]:
    """The plan (re-read) and its drivers at both sites; ``shared``: the
    running operation's listings (:mod:`drs.engine.listings`), which its
    drivers then share."""
    plan = db_api.plan_get(context, plan_id)
    source = db_api.site_get(context, plan.source_site_id)
    target = db_api.site_get(context, plan.target_site_id)
    if plan.reversed:
        source, target = target, source
    return plan, drv_clients.PlanClients(plan, source, target,
                                         shared=shared)


def plan_mappings(plan) -> dict[str, dict]:
    """The plan's mappings in its current direction: inverted once the
    plan was reprotected (it then protects the old target into the old
    source)."""
    mappings = {k: dict(v or {}) for k, v in (plan.mappings or {}).items()
                if isinstance(v, dict)}
    if not plan.reversed:
        return mappings
    return {k: {dst: src for src, dst in v.items()}
            for k, v in mappings.items()}


def resource_row(plan, rtype: str, rid: str):
    for row in plan.resources:
        if row.resource_type == rtype and row.resource_id == rid:
            return row
    raise exception.NotFound('%s %s is not in plan %s' % (rtype, rid,
                                                          plan.id))


def _now() -> float:
    return time.time()


def row_volume_ids(row) -> list[str]:
    """The replicated volumes of a protected-resource row (its type's
    plug-in says which: a volume itself, a server's from its protect
    data)."""
    return resources.steps_for(row.resource_type).volume_ids(row)


def plan_volume_ids(plan) -> list[str]:
    out: list[str] = []
    for row in plan.resources:
        for vid in row_volume_ids(row):
            if vid not in out:
                out.append(vid)
    return out


def recipe_volume_ids(recipe: dict) -> list[str]:
    vols = ([recipe['boot_volume']] if recipe.get('boot_volume') else []) \
        + list(recipe.get('data_volumes') or [])
    return [v['id'] for v in vols]
