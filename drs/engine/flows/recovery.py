"""Flows of test_failover, cleanup_test, planned_migration and failover.

Recovery order: the plan's storage first (every server's volumes and the
plan's volumes imported, containers activated; one step per resource),
then the servers tier by tier (lower tier first). Within a tier, every
server's key pair, security groups and ports are made and its create
request sent, then every server of the tier is waited for until ACTIVE:
the servers of a tier boot together at the target (even where the
engine runs one task at a time, as on SQLite), and no server of the next
tier is created before all of this tier are ACTIVE. Each task carries
the resource it acts on. Each resource's pieces (and the result keys the
closing task requires of them) come from its type's plug-in
(:mod:`drs.engine.resources`); this module knows no type.

* ``failover``: cut-off (replica ages read at the target only), imports,
  tiers, finish (RTO, RPO, where everything is). Nothing contacts the
  source site.
* ``planned_migration``: the source servers stopped, the replicas caught
  up, then the failover flow.
* ``test_failover``: cut-off, the isolated test networks, copies of the
  replicas, test servers on the isolated networks, finish.
* ``cleanup_test``: per server and volume what the test made, then
  anything else tagged with the plan, then the test flag cleared.
"""

from taskflow.patterns import linear_flow
from taskflow.patterns import unordered_flow

from drs.engine import flows
from drs.engine import plans
from drs.engine import resources
from drs.engine.tasks import recovery as tasks

CUTOFF = 'cutoff'


def _steps(resource: dict) -> resources.ResourceSteps:
    return resources.steps_for(resource['type'])


def tiers(plan: dict) -> list[tuple[int, list[dict]]]:
    """The tiered resources (servers) of the plan by tier, lowest first."""
    by_tier: dict[int, list[dict]] = {}
    for res in plan['resources']:
        steps = _steps(res)
        if steps.tiered:
            by_tier.setdefault(steps.tier(res), []).append(res)
    return sorted(by_tier.items())


def _each(plan: dict, action: str, *args
          ) -> list[tuple[dict, resources.Step]]:
    """Every resource of the plan whose plug-in has a piece for
    ``action`` (a :class:`resources.ResourceSteps` method), with it, in
    the types' order (:func:`resources.in_type_order`)."""
    found = []
    for res in resources.in_type_order(plan['resources']):
        step = getattr(_steps(res), action)(plans.resource_ref(res), *args)
        if step is not None:
            found.append((res, step))
    return found


def _per_resource(flow: linear_flow.Flow, name: str,
                  steps: list[tuple[dict, resources.Step]],
                  keys: list[str] | None = None) -> None:
    """Add to ``flow`` one unordered flow ``name`` of the pieces of
    ``steps``, and the result keys they declare to ``keys``; nothing
    when there is no piece."""
    group = unordered_flow.Flow(name)
    for _res, step in steps:
        group.add(step.piece)
        if keys is not None:
            keys.extend(step.keys)
    if len(group):
        flow.add(group)


def _ref_key(res: dict) -> tuple[str, str]:
    return res['type'], res['id']


def _tier_flow(tier: int, servers: list[dict], test: bool,
               keys: dict[tuple[str, str], list[str]]) -> linear_flow.Flow:
    create = unordered_flow.Flow('tier-%d-create' % tier)
    wait = unordered_flow.Flow('tier-%d-active' % tier)
    for res in servers:
        found = _steps(res).recover_in_tier(plans.resource_ref(res), test)
        if found is None:
            continue
        create.add(found.create)
        wait.add(found.wait)
        keys.setdefault(_ref_key(res), []).extend(found.keys)
    return linear_flow.Flow('tier-%d' % tier).add(create, wait)


def _setup(flow: linear_flow.Flow, plan: dict, test: bool) -> None:
    """The plan-level steps of each type before any storage (the test
    networks of the servers)."""
    for rtype, refs in resources.by_type(plan['resources']).items():
        flow.add(*resources.steps_for(rtype).recovery_setup(
            [plans.resource_ref(r) for r in refs], test))


def _recover(flow: linear_flow.Flow, plan: dict, test: bool
             ) -> linear_flow.Flow:
    keys: dict[tuple[str, str], list[str]] = {}
    storage = _each(plan, 'recover_storage', test)
    _per_resource(flow, 'storage', storage)
    for res, step in storage:
        keys.setdefault(_ref_key(res), []).extend(step.keys)
    for tier, servers in tiers(plan):
        flow.add(_tier_flow(tier, servers, test, keys))
    finish = tasks.FinishTest if test else tasks.FinishRecovery
    flow.add(finish(requires=[
        k for res in resources.in_type_order(plan['resources'])
        for k in keys.get(_ref_key(res), [])]))
    return flow


def failover(plan: dict, parameters: dict) -> linear_flow.Flow:
    flow = linear_flow.Flow('failover-%s' % plan['id'])
    flow.add(tasks.RecordCutoff(provides=CUTOFF))
    _setup(flow, plan, test=False)
    return _recover(flow, plan, test=False)


def planned_migration(plan: dict, parameters: dict) -> linear_flow.Flow:
    flow = linear_flow.Flow('planned-migration-%s' % plan['id'])
    keys: list[str] = []
    _per_resource(flow, 'stop-source', _each(plan, 'stop_source'), keys)
    flow.add(tasks.WaitCaughtUp(requires=keys))
    flow.add(tasks.RecordCutoff(provides=CUTOFF))
    _setup(flow, plan, test=False)
    return _recover(flow, plan, test=False)


def test_failover(plan: dict, parameters: dict) -> linear_flow.Flow:
    flow = linear_flow.Flow('test-failover-%s' % plan['id'])
    flow.add(tasks.RecordCutoff(provides=CUTOFF))
    _setup(flow, plan, test=True)
    return _recover(flow, plan, test=True)


def cleanup_test(plan: dict, parameters: dict) -> linear_flow.Flow:
    flow = linear_flow.Flow('cleanup-test-%s' % plan['id'])
    keys: list[str] = []
    _per_resource(flow, 'cleanup-resources', _each(plan, 'cleanup_test'),
                  keys)
    keys.append('gone_leftovers')
    flow.add(tasks.CleanupTestLeftovers(provides=keys[-1]))
    flow.add(tasks.ClearTestActive(requires=keys))
    return flow


def _reverse(flow: linear_flow.Flow, plan: dict) -> linear_flow.Flow:
    """Protect what now runs at the target, into the old source: per
    reverse stage (:data:`resources.REVERSE_STAGES`, in order) one
    unordered flow of the pieces the resources' plug-ins return."""
    keys: list[str] = []
    found = _each(plan, 'reverse')
    for stage in resources.REVERSE_STAGES:
        _per_resource(flow, stage, [(r, s) for r, s in found
                                    if s.stage == stage], keys)
    flow.add(tasks.SwapDirection(requires=keys,
                                 reversed_from=bool(plan.get('reversed'))))
    return flow


def reprotect(plan: dict, parameters: dict) -> linear_flow.Flow:
    """After a failover: the recovered servers' recipes, the stale source
    servers removed (volumes kept), container sync reversed, the plan's
    resources and direction swapped. The storage-side backend reverses
    each volume's replication (the old source becomes a replica of what
    the failover imported)."""
    return _reverse(linear_flow.Flow('reprotect-%s' % plan['id']), plan)


def failback(plan: dict, parameters: dict) -> linear_flow.Flow:
    """A planned migration back to the original site, then reprotect in
    the original direction."""
    flow = planned_migration(plan, parameters)
    return _reverse(flow, plan)


for _action in ('failover', 'planned_migration', 'test_failover',
                'cleanup_test', 'reprotect', 'failback'):
    flows.register(_action, '%s.%s' % (__name__, _action))
