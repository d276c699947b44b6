"""Wiring of the protect, sync, preflight and unprotect flows."""

from taskflow.patterns import unordered_flow

from drs.engine import flows
from drs.engine.flows import flow_utils
from drs.engine.flows import protection
from drs.engine.tasks import base as task_base
from drs.engine.tasks import protection as tasks

SERVER = {'type': 'OS::Nova::Server', 'id': 'srv-1', 'tier': 1}
VOLUME = {'type': 'OS::Cinder::Volume', 'id': 'vol-1', 'tier': 1}
CONTAINER = {'type': 'OS::Swift::Container', 'id': 'docs', 'tier': 1}

PLAN = {'id': 'plan-1', 'project_id': 'p', 'name': 'n',
        'source_site_id': 'a', 'target_site_id': 'b', 'reversed': False,
        'options': {}, 'mappings': {},
        'resources': [SERVER, VOLUME, CONTAINER]}

STORE = set(task_base.STORE_KEYS)


def _atoms(flow) -> dict:
    return {a.name: a for a in flow_utils.iter_atoms(flow)}


def _check_wiring(flow) -> None:
    """Every requirement is in the store or provided by an atom."""
    atoms = list(flow_utils.iter_atoms(flow))
    provided = set(STORE)
    for atom in atoms:
        provided |= set(atom.provides)
    for atom in atoms:
        missing = set(atom.requires) - provided
        assert not missing, (atom.name, missing)


def test_registered():
    for action in ('protect', 'sync', 'preflight', 'unprotect'):
        assert flows.FLOW_FACTORIES[action] == \
            'drs.engine.flows.protection.%s' % action


def test_protect_checks_first_then_protects_each_resource():
    flow = protection.protect(PLAN, {})
    _check_wiring(flow)
    nodes = [n for n, _m in flow.iter_nodes()]
    # Existence checks of every resource come before any change.
    assert isinstance(nodes[0], unordered_flow.Flow)
    checks = list(flow_utils.iter_atoms(nodes[0]))
    assert {type(a) for a in checks} == {tasks.CheckResource}
    assert sorted(a.resource['id'] for a in checks) == [
        'docs', 'srv-1', 'vol-1']
    assert isinstance(nodes[1], unordered_flow.Flow)
    atoms = _atoms(flow)
    capture = atoms['capture-recipe-srv-1']
    server_volumes = atoms['protect-server-volumes-srv-1']
    assert capture.provides == {'recipe_srv-1'}
    assert 'recipe_srv-1' in server_volumes.requires
    assert server_volumes.resource == {'type': 'OS::Nova::Server',
                                       'id': 'srv-1'}
    assert atoms['protect-volume-vol-1'].resource['id'] == 'vol-1'
    assert atoms['protect-container-docs'].resource['id'] == 'docs'
    assert atoms['measure-replication'].provides == {
        'replication_figures'}
    assert 'replication_figures' in atoms['record-protection'].requires
    for atom in atoms.values():
        assert {'operation_id', 'context'} <= set(atom.requires)


def test_sync_refreshes_measures_applies():
    flow = protection.sync(PLAN, {})
    _check_wiring(flow)
    names = list(_atoms(flow))
    assert names == ['refresh-recipe-srv-1', 'measure-replication',
                     'apply-rpo']
    assert 'replication_figures' in _atoms(flow)['apply-rpo'].requires


def test_preflight_report_requires_every_resource_check():
    flow = protection.preflight(PLAN, {})
    _check_wiring(flow)
    atoms = _atoms(flow)
    report = atoms['preflight-report']
    keys = {protection.preflight_key(r) for r in PLAN['resources']}
    assert keys <= set(report.requires)
    provided = set()
    for name, atom in atoms.items():
        if name.startswith('preflight-') and name != 'preflight-report':
            provided |= set(atom.provides)
            assert isinstance(atom, tasks.PreflightResource)
    assert provided == keys
    # Preflight changes nothing: none of its tasks has an undo.
    for atom in atoms.values():
        assert type(atom).undo is task_base.OperationTask.undo


def test_unprotect_one_task_per_resource():
    flow = protection.unprotect(PLAN, {})
    _check_wiring(flow)
    atoms = _atoms(flow)
    per_resource = [a for a in atoms.values()
                    if isinstance(a, tasks.UnprotectResource)]
    assert sorted(a.resource['id'] for a in per_resource) == [
        'docs', 'srv-1', 'vol-1']
    assert 'clear-replication' in atoms


def test_empty_plan_flows_build():
    empty = dict(PLAN, resources=[])
    for factory in (protection.protect, protection.sync,
                    protection.preflight, protection.unprotect):
        _check_wiring(factory(empty, {}))
