"""Flows of protect, unprotect, sync and preflight.

Each factory takes the plan snapshot and the action's parameters (see
:mod:`drs.engine.flows`) and returns a graph whose per-resource parts run
in parallel (unordered flows; serial on SQLite), each task carrying the
resource it acts on. The per-resource parts come from each resource's
type plug-in (:mod:`drs.engine.resources`); this module knows no type:

* ``protect``: every resource checked in the project at the source
  first (nothing is changed if one is missing), then per resource its
  protection (volumes: replicated type; containers: sync; servers:
  recipe, then their volumes), group replication where the plan asks,
  and a first measurement;
* ``sync``: recipes refreshed, lag measured, protected <-> degraded;
* ``preflight``: read-only checks per resource, then quotas and the
  findings report (the operation's result);
* ``unprotect``: per resource, what protect set up undone.
"""

from taskflow.patterns import linear_flow
from taskflow.patterns import unordered_flow

from drs.engine import flows
from drs.engine import plans
from drs.engine import resources
from drs.engine.tasks import protection as tasks

FIGURES = 'replication_figures'


def preflight_key(resource: dict) -> str:
    return 'preflight_%s_%s' % (resource['type'].replace('::', '_'),
                                resource['id'])


def _steps(resource: dict) -> resources.ResourceSteps:
    return resources.steps_for(resource['type'])


def _checks(plan: dict) -> unordered_flow.Flow:
    flow = unordered_flow.Flow('check-resources')
    for res in plan['resources']:
        flow.add(*_steps(res).check(plans.resource_ref(res)))
    return flow


def protect_resource_flow(resource: dict) -> linear_flow.Flow:
    ref = plans.resource_ref(resource)
    flow = linear_flow.Flow('protect-%s' % ref['id'])
    flow.add(*_steps(resource).protect(ref))
    return flow


def protect(plan: dict, parameters: dict) -> linear_flow.Flow:
    flow = linear_flow.Flow('protect-%s' % plan['id'])
    flow.add(_checks(plan))
    resources_flow = unordered_flow.Flow('protect-resources')
    for res in plan['resources']:
        resources_flow.add(protect_resource_flow(res))
    flow.add(resources_flow)
    flow.add(tasks.ProtectGroup())
    flow.add(tasks.MeasureReplication(provides=FIGURES))
    flow.add(tasks.RecordProtection())
    return flow


def sync(plan: dict, parameters: dict) -> linear_flow.Flow:
    flow = linear_flow.Flow('sync-%s' % plan['id'])
    refresh = unordered_flow.Flow('refresh-recipes')
    for res in plan['resources']:
        refresh.add(*_steps(res).sync(plans.resource_ref(res)))
    if len(refresh):
        flow.add(refresh)
    flow.add(tasks.MeasureReplication(provides=FIGURES))
    flow.add(tasks.ApplyRpo())
    return flow


def preflight(plan: dict, parameters: dict) -> linear_flow.Flow:
    flow = linear_flow.Flow('preflight-%s' % plan['id'])
    checks = unordered_flow.Flow('preflight-resources')
    keys = []
    for res in plan['resources']:
        key = preflight_key(res)
        atom = _steps(res).preflight(plans.resource_ref(res), key)
        if atom is not None:
            keys.append(key)
            checks.add(atom)
    if keys:
        flow.add(checks)
    flow.add(tasks.PreflightReport(requires=keys))
    return flow


def unprotect(plan: dict, parameters: dict) -> linear_flow.Flow:
    flow = linear_flow.Flow('unprotect-%s' % plan['id'])
    undo = unordered_flow.Flow('unprotect-resources')
    for res in plan['resources']:
        undo.add(*_steps(res).unprotect(plans.resource_ref(res)))
    if len(undo):
        flow.add(undo)
    flow.add(tasks.ClearPlanReplication())
    return flow


for _action in ('protect', 'sync', 'preflight', 'unprotect'):
    flows.register(_action, '%s.%s' % (__name__, _action))
