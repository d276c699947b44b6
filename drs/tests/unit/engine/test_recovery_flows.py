"""Wiring of the recovery flows: order, tiers, resources, requires."""

from taskflow import engines
from taskflow.patterns import linear_flow

from drs.engine import flows
from drs.engine.flows import flow_utils
from drs.engine.flows import recovery
from drs.engine.tasks import base

PLAN = {'id': 'p1', 'resources': [
    {'type': 'OS::Nova::Server', 'id': 'db', 'tier': 1},
    {'type': 'OS::Nova::Server', 'id': 'web1', 'tier': 2},
    {'type': 'OS::Nova::Server', 'id': 'web2', 'tier': 2},
    {'type': 'OS::Cinder::Volume', 'id': 'vol', 'tier': 1},
    {'type': 'OS::Swift::Container', 'id': 'invoices', 'tier': 1}]}
STORE = {k: {} if k in (base.CONTEXT, base.PARAMETERS) else 'x'
         for k in base.STORE_KEYS}


def _names(flow):
    return [a.name for a in flow_utils.iter_atoms(flow)]


def test_registered():
    for action in ('failover', 'planned_migration', 'test_failover',
                   'cleanup_test', 'reprotect', 'failback'):
        assert flows.factory_path(action) == \
            'drs.engine.flows.recovery.%s' % action


def test_failover_order_and_tiers():
    flow = recovery.failover(PLAN, {})
    names = _names(flow)
    assert names[0] == 'cutoff'
    storage = [n for n in names if n.startswith(('import-',
                                                 'activate-container'))]
    first_server = min(names.index(n) for n in names
                       if n.startswith(('ports-', 'create-server-')))
    assert all(names.index(n) < first_server for n in storage)
    # Every tier-1 server ACTIVE before any tier-2 server is created.
    assert names.index('wait-active-db') < names.index('ports-web1')
    assert names.index('wait-active-db') < names.index('create-server-web2')
    assert names[-1] == 'finish'
    assert len(storage) == 5
    # The tiers are linear subflows, in order.
    tier_flows = [n.name for n, _ in flow.iter_nodes()
                  if isinstance(n, linear_flow.Flow)]
    assert tier_flows == ['tier-1', 'tier-2']


def test_each_step_carries_its_resource():
    for factory in (recovery.failover, recovery.test_failover,
                    recovery.planned_migration, recovery.cleanup_test):
        for atom in flow_utils.iter_atoms(factory(PLAN, {})):
            if atom.name.endswith(('db', 'web1', 'web2')):
                assert atom.resource['id'] in atom.name


def test_wiring_compiles():
    for factory in (recovery.failover, recovery.test_failover,
                    recovery.planned_migration, recovery.cleanup_test):
        engine = engines.load(factory(PLAN, {}), store=dict(STORE))
        engine.compile()
        engine.prepare()
        # Every requirement of every atom is provided by the store or an
        # earlier atom: a missing input fails here, not mid-failover.
        engine.validate()


def test_create_server_requires():
    flow = recovery.failover(PLAN, {})
    atom = next(a for a in flow_utils.iter_atoms(flow)
                if a.name == 'create-server-web1')
    assert set(atom.requires) >= {'volumes_web1', 'prepared_web1',
                                  'plan_id', 'context'}
    assert atom.provides == {'server_web1'}
    finish = next(a for a in flow_utils.iter_atoms(flow)
                  if a.name == 'finish')
    assert {'server_active_db', 'server_active_web2', 'volumes_vol',
            'cutoff'} <= set(finish.requires)


def test_test_failover_is_isolated():
    names = _names(recovery.test_failover(PLAN, {}))
    assert names.index('test-networks') < names.index('test-ports-db')
    assert 'copy-volumes-db' in names and 'copy-volume-vol' in names
    assert not [n for n in names if n.startswith('import-')]


def test_planned_migration_stops_then_waits():
    names = _names(recovery.planned_migration(PLAN, {}))
    stops = [names.index('stop-source-%s' % s) for s in ('db', 'web1',
                                                        'web2')]
    assert max(stops) < names.index('wait-caught-up') < \
        names.index('cutoff')


def test_cleanup_clears_the_flag_last():
    names = _names(recovery.cleanup_test(PLAN, {}))
    assert names[-2:] == ['cleanup-leftovers', 'clear-test-active']


def test_reprotect_and_failback():
    names = _names(recovery.reprotect(PLAN, {}))
    assert names.index('capture-recovered-recipe-db') < \
        names.index('remove-old-source-db')
    assert names[-1] == 'swap-direction'
    assert 'reverse-container-invoices' in names
    names = _names(recovery.failback(PLAN, {}))
    assert names.index('stop-source-db') < names.index('cutoff') < \
        names.index('finish') < names.index('capture-recovered-recipe-db')
    assert names[-1] == 'swap-direction'
    for factory in (recovery.reprotect, recovery.failback):
        engine = engines.load(factory(PLAN, {}), store=dict(STORE))
        engine.compile()
        engine.prepare()
        # Every requirement of every atom is provided by the store or an
        # earlier atom: a missing input fails here, not mid-failover.
        engine.validate()


def test_mappings_follow_the_direction():
    import types
    from drs.engine.tasks import recovery as rtasks
    plan = types.SimpleNamespace(reversed=False, mappings={
        'networks': {'net-a': 'net-b'}, 'flavors': {'small': 'tiny'}})
    assert rtasks.plan_mappings(plan)['networks'] == {'net-a': 'net-b'}
    plan.reversed = True
    assert rtasks.plan_mappings(plan) == {'networks': {'net-b': 'net-a'},
                                          'flavors': {'tiny': 'small'}}
