"""Flows of test_failover, cleanup_test, planned_migration and failover.

Recovery order: the plan's storage first (every server's volumes and the
plan's volumes imported, containers activated; one step per resource),
then the servers tier by tier (lower tier first). Within a tier, every
server's key pair, security groups and ports are made and its create
request sent, then every server of the tier is waited for until ACTIVE:
the servers of a tier boot together at the target (even where the
engine runs one task at a time, as on SQLite), and no server of the next
tier is created before all of this tier are ACTIVE. Each task carries
the resource it acts on.

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
from drs.engine.tasks import recovery as tasks

CUTOFF = 'cutoff'
TEST_NETWORKS = 'test_networks'


def _of(plan: dict, rtype: str) -> list[dict]:
    return [r for r in plan['resources'] if r['type'] == rtype]


def tiers(plan: dict) -> list[tuple[int, list[dict]]]:
    """The servers of the plan by tier, lowest tier first."""
    by_tier: dict[int, list[dict]] = {}
    for res in _of(plan, plans.SERVER):
        by_tier.setdefault(int(res.get('tier') or 1), []).append(res)
    return sorted(by_tier.items())


def _per_resource(flow: linear_flow.Flow, name: str, plan: dict,
                  steps: list[tuple[str, type, str]],
                  keys: list[str] | None = None) -> None:
    """Add to ``flow`` one unordered flow ``name`` with, per ``(resource
    type, task class, result prefix)`` of ``steps``, a task for each
    resource of that type providing ``<prefix>_<resource id>`` (appended
    to ``keys``); nothing when the plan has no such resource."""
    group = unordered_flow.Flow(name)
    for rtype, task_cls, prefix in steps:
        for res in _of(plan, rtype):
            key = '%s_%s' % (prefix, res['id'])
            if keys is not None:
                keys.append(key)
            group.add(task_cls(resource=plans.resource_ref(res),
                               provides=key))
    if len(group):
        flow.add(group)


def _tier_flow(tier: int, servers: list[dict], test: bool
               ) -> linear_flow.Flow:
    create = unordered_flow.Flow('tier-%d-create' % tier)
    wait = unordered_flow.Flow('tier-%d-active' % tier)
    for res in servers:
        sid = res['id']
        ref = plans.resource_ref(res)
        prepare_cls = tasks.PrepareTestServer if test else tasks.PrepareServer
        create_cls = tasks.CreateTestServer if test else tasks.CreateServer
        inject = None if test else {TEST_NETWORKS: None}
        create.add(linear_flow.Flow('server-%s' % sid).add(
            prepare_cls(resource=ref, provides='prepared_%s' % sid,
                        inject=inject),
            create_cls(resource=ref, provides='server_%s' % sid,
                       rebind=dict(volumes='volumes_%s' % sid,
                                   prepared='prepared_%s' % sid))))
        wait.add(tasks.WaitServerActive(
            resource=ref, provides='server_active_%s' % sid,
            rebind={'server': 'server_%s' % sid}))
    return linear_flow.Flow('tier-%d' % tier).add(create, wait)


def _result_keys(plan: dict) -> list[str]:
    keys = []
    for res in _of(plan, plans.SERVER):
        sid = res['id']
        keys += ['volumes_%s' % sid, 'prepared_%s' % sid,
                 'server_active_%s' % sid]
    keys += ['volumes_%s' % r['id'] for r in _of(plan, plans.VOLUME)]
    return keys


def _recover(flow: linear_flow.Flow, plan: dict, test: bool
             ) -> linear_flow.Flow:
    _per_resource(flow, 'storage', plan, [
        (plans.SERVER,
         tasks.CopyServerVolumes if test else tasks.ImportServerVolumes,
         'volumes'),
        (plans.VOLUME, tasks.CopyVolume if test else tasks.ImportVolume,
         'volumes'),
        (plans.CONTAINER,
         tasks.CheckTestContainer if test else tasks.ActivateContainer,
         'container')])
    for tier, servers in tiers(plan):
        flow.add(_tier_flow(tier, servers, test))
    finish = tasks.FinishTest if test else tasks.FinishRecovery
    flow.add(finish(requires=_result_keys(plan)))
    return flow


def failover(plan: dict, parameters: dict) -> linear_flow.Flow:
    flow = linear_flow.Flow('failover-%s' % plan['id'])
    flow.add(tasks.RecordCutoff(provides=CUTOFF))
    return _recover(flow, plan, test=False)


def planned_migration(plan: dict, parameters: dict) -> linear_flow.Flow:
    flow = linear_flow.Flow('planned-migration-%s' % plan['id'])
    keys: list[str] = []
    _per_resource(flow, 'stop-source', plan, [
        (plans.SERVER, tasks.StopSourceServer, 'stopped')], keys)
    flow.add(tasks.WaitCaughtUp(requires=keys))
    flow.add(tasks.RecordCutoff(provides=CUTOFF))
    return _recover(flow, plan, test=False)


def test_failover(plan: dict, parameters: dict) -> linear_flow.Flow:
    flow = linear_flow.Flow('test-failover-%s' % plan['id'])
    flow.add(tasks.RecordCutoff(provides=CUTOFF))
    if _of(plan, plans.SERVER):
        flow.add(tasks.CreateTestNetworks(provides=TEST_NETWORKS))
    return _recover(flow, plan, test=True)


def cleanup_test(plan: dict, parameters: dict) -> linear_flow.Flow:
    flow = linear_flow.Flow('cleanup-test-%s' % plan['id'])
    keys: list[str] = []
    _per_resource(flow, 'cleanup-resources', plan, [
        (plans.SERVER, tasks.CleanupTestServer, 'gone'),
        (plans.VOLUME, tasks.CleanupTestVolume, 'gone')], keys)
    keys.append('gone_leftovers')
    flow.add(tasks.CleanupTestLeftovers(provides=keys[-1]))
    flow.add(tasks.ClearTestActive(requires=keys))
    return flow


def _reverse(flow: linear_flow.Flow, plan: dict) -> linear_flow.Flow:
    """Protect what now runs at the target, into the old source."""
    keys = []
    servers = unordered_flow.Flow('reverse-servers')
    for res in _of(plan, plans.SERVER):
        keys.append('recipe_%s' % res['id'])
        servers.add(linear_flow.Flow('reverse-%s' % res['id']).add(
            tasks.CaptureRecoveredRecipe(resource=plans.resource_ref(res),
                                         provides=keys[-1]),
            tasks.ReverseServerVolumes(
                resource=plans.resource_ref(res),
                provides='reversed_volumes_%s' % res['id']),
            tasks.RemoveOldSourceServer(resource=plans.resource_ref(res))))
    if len(servers):
        flow.add(servers)
    _per_resource(flow, 'reverse-storage', plan, [
        (plans.VOLUME, tasks.ReverseVolume, 'reversed_volumes'),
        (plans.CONTAINER, tasks.ReverseContainer, 'reversed')], keys)
    flow.add(tasks.SwapDirection(requires=keys))
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
