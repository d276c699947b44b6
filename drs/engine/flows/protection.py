"""Flows of protect, unprotect, sync and preflight.

Each factory takes the plan snapshot and the action's parameters (see
:mod:`drs.engine.flows`) and returns a graph whose per-resource parts run
in parallel (unordered flows; serial on SQLite), each task carrying the
resource it acts on:

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
from drs.engine.tasks import protection as tasks

FIGURES = 'replication_figures'


def recipe_key(server_id: str) -> str:
    return 'recipe_%s' % server_id


def preflight_key(resource: dict) -> str:
    return 'preflight_%s_%s' % (resource['type'].replace('::', '_'),
                                resource['id'])


def _checks(plan: dict) -> unordered_flow.Flow:
    flow = unordered_flow.Flow('check-resources')
    for res in plan['resources']:
        flow.add(tasks.CheckResource(resource=plans.resource_ref(res)))
    return flow


def protect_resource_flow(resource: dict) -> linear_flow.Flow:
    ref = plans.resource_ref(resource)
    flow = linear_flow.Flow('protect-%s' % ref['id'])
    if ref['type'] == plans.VOLUME:
        flow.add(tasks.ProtectVolume(resource=ref))
    elif ref['type'] == plans.CONTAINER:
        flow.add(tasks.ProtectContainer(resource=ref))
    elif ref['type'] == plans.SERVER:
        key = recipe_key(ref['id'])
        flow.add(tasks.CaptureRecipe(resource=ref, provides=key),
                 tasks.ProtectServerVolumes(resource=ref,
                                            rebind={'recipe': key}))
    return flow


def protect(plan: dict, parameters: dict) -> linear_flow.Flow:
    flow = linear_flow.Flow('protect-%s' % plan['id'])
    flow.add(_checks(plan))
    resources = unordered_flow.Flow('protect-resources')
    for res in plan['resources']:
        resources.add(protect_resource_flow(res))
    flow.add(resources)
    flow.add(tasks.ProtectGroup())
    flow.add(tasks.MeasureReplication(provides=FIGURES))
    flow.add(tasks.RecordProtection())
    return flow


def sync(plan: dict, parameters: dict) -> linear_flow.Flow:
    flow = linear_flow.Flow('sync-%s' % plan['id'])
    recipes = unordered_flow.Flow('refresh-recipes')
    for res in plan['resources']:
        if res['type'] == plans.SERVER:
            recipes.add(tasks.RefreshRecipe(resource=plans.resource_ref(res)))
    if len(recipes):
        flow.add(recipes)
    flow.add(tasks.MeasureReplication(provides=FIGURES))
    flow.add(tasks.ApplyRpo())
    return flow


def preflight(plan: dict, parameters: dict) -> linear_flow.Flow:
    flow = linear_flow.Flow('preflight-%s' % plan['id'])
    checks = unordered_flow.Flow('preflight-resources')
    keys = []
    for res in plan['resources']:
        key = preflight_key(res)
        keys.append(key)
        checks.add(tasks.PreflightResource(resource=plans.resource_ref(res),
                                           provides=key))
    if keys:
        flow.add(checks)
    flow.add(tasks.PreflightReport(requires=keys))
    return flow


def unprotect(plan: dict, parameters: dict) -> linear_flow.Flow:
    flow = linear_flow.Flow('unprotect-%s' % plan['id'])
    resources = unordered_flow.Flow('unprotect-resources')
    for res in plan['resources']:
        resources.add(tasks.UnprotectResource(resource=plans.resource_ref(res)))
    if len(plan['resources']):
        flow.add(resources)
    flow.add(tasks.ClearPlanReplication())
    return flow


for _action in ('protect', 'sync', 'preflight', 'unprotect'):
    flows.register(_action, '%s.%s' % (__name__, _action))
