"""Resource types are plug-ins: a type the flow modules have never heard
of, registered through stevedore (``drs.engine.resource_steps``), brings
its own steps into protect, test_failover, failover, cleanup_test and
reprotect; the flows validate and run with every driver mocked at its
interface (drs.tests.unit.engine.task_fakes) and the plug-in's own
backend a recording fake."""

import inspect
from typing import Any

import pytest
import stevedore
from stevedore import extension
from taskflow import engines

from drs.drivers import base as drv_base
from drs.engine import flows
from drs.engine.flows import flow_utils
from drs.engine.flows import protection as protection_flows
from drs.engine.flows import recovery as recovery_flows
from drs.engine import resources
from drs.engine.tasks import base
from drs import exception
from drs.tests.unit.engine import task_fakes as f

SHARE = 'DRS::Test::Share'
VOL = 'OS::Cinder::Volume'
PLAN_SNAPSHOT = {
    'id': f.PLAN, 'project_id': 'p', 'name': 'n', 'source_site_id': 'a',
    'target_site_id': 'b', 'reversed': False, 'options': {},
    'mappings': {},
    'resources': [{'type': SHARE, 'id': 'sh1', 'tier': 1},
                  {'type': VOL, 'id': 'vol', 'tier': 1}]}
STORE = {base.CONTEXT: dict(f.CTX), base.OPERATION_ID: f.OP,
         base.PLAN_ID: f.PLAN, base.PARAMETERS: {}}


class ShareBackend:
    """The fake type's storage: records what its steps asked of it."""

    def __init__(self):
        self.calls: list[tuple[str, str, Any]] = []

    def call(self, what: str, share: str, arg: Any = None) -> dict:
        self.calls.append((what, share, arg))
        return {'share': share, 'done': what, 'arg': arg}


BACKEND = ShareBackend()


class ProtectShare(base.OperationTask):
    step = 'protect-share'

    def run(self, context, plan_id: str) -> dict:  # type: ignore[override]
        assert self.resource is not None  # noqa: S101
        return BACKEND.call('protect', self.resource['id'])

    def undo(self, context, result, plan_id: str) -> None:  # type: ignore[override]
        assert self.resource is not None  # noqa: S101
        BACKEND.call('unprotect', self.resource['id'])


class RecoverShare(base.OperationTask):
    step = 'recover-share'
    keep_on_revert = 'a promoted share holds the only copy'

    def run(self, context, plan_id: str, test: bool) -> dict:  # type: ignore[override]
        assert self.resource is not None  # noqa: S101
        return BACKEND.call('recover', self.resource['id'], test)


class CleanupShare(base.OperationTask):
    step = 'cleanup-share'
    keep_on_revert = 'cleanup never re-creates'

    def run(self, context, plan_id: str) -> dict:  # type: ignore[override]
        assert self.resource is not None  # noqa: S101
        return BACKEND.call('cleanup', self.resource['id'])


class ReverseShare(base.OperationTask):
    step = 'reverse-share'
    keep_on_revert = 'a retry reverses again'

    def run(self, context, plan_id: str) -> dict:  # type: ignore[override]
        assert self.resource is not None  # noqa: S101
        BACKEND.call('reverse', self.resource['id'])
        return {'protect_data': {'share': 'reversed'},
                'replica': {'kind': 'share-mirror'}}


class ShareSteps(resources.ResourceSteps):
    """A type unknown to every flow module: protected, recovered before
    the servers, cleaned up, reversed; nothing to stop at the source in a
    planned migration and nothing to refresh in a sync."""

    name = SHARE

    def protect(self, ref):
        return [ProtectShare(resource=ref)]

    def recover_storage(self, ref, test):
        key = 'share_%s' % ref['id']
        return resources.Step(
            RecoverShare(resource=ref, provides=key, inject={'test': test}),
            [key])

    def cleanup_test(self, ref):
        key = 'gone_%s' % ref['id']
        return resources.Step(CleanupShare(resource=ref, provides=key),
                              [key])

    def reverse(self, ref):
        key = 'reversed_%s' % ref['id']
        return resources.Step(ReverseShare(resource=ref, provides=key),
                              [key])

    def check_exists(self, c, rid):
        return dict(BACKEND.call('exists', rid), type=SHARE, id=rid)

    def measure(self, m, row, batch):
        return 0.0, drv_base.STATE_IN_SYNC, {'kind': 'share-mirror'}

    def recovered(self, row, results):
        return {'share': results.get('share_%s' % row.resource_id)}


@pytest.fixture
def plugins(monkeypatch):
    """The installed plug-ins plus the fake share type."""
    BACKEND.calls.clear()
    monkeypatch.setattr(resources, '_registry', None)
    installed = list(stevedore.ExtensionManager(resources.NAMESPACE,
                                                invoke_on_load=True))
    fake = extension.Extension(SHARE, None, ShareSteps, ShareSteps())
    return resources.load(extension.ExtensionManager.make_test_instance(
        installed + [fake], namespace=resources.NAMESPACE))


@pytest.fixture
def cloud_db(conf):
    """The plan's rows, drivers and database, patched for the test."""
    rows = [f.row(SHARE, 'sh1'),
            f.row(VOL, 'vol', protect_data={'volume_type': 'rep-a',
                                            'size': 1, 'mode': 'volume-type',
                                            'protected_at': 1.0},
                  replica={'recovered': {'volumes': {'vol': {
                      'id': 'vol-b', 'volume_type': 'rep-b'}}}})]
    plan = f.make_plan(rows)
    cloud = f.Cloud(plan)
    db = f.make_db(plan, f.operation())
    cloud.vol('source').get_volume.return_value = {
        'id': 'vol', 'size': 1, 'volume_type': 'rep-a', 'bootable': False}
    cloud.vol('source').list_volumes.return_value = [
        {'id': 'vol', 'size': 1, 'volume_type': 'rep-a', 'bootable': False,
         'replication_status': 'enabled', 'attachments': []}]
    cloud.repl('target').status.return_value = {'vol': {
        'present': True, 'last_sync_at': None, 'health': 'ok'}}
    cloud.repl('target').promote.return_value = {
        'present': True, 'host': 'b@pool', 'reference': {'x': 'vol'},
        'safe_to_manage': True}
    cloud.repl('target').copy.return_value = {
        'present': True, 'host': 'b@pool', 'reference': {'x': 'copy'},
        'safe_to_manage': True}
    cloud.vol('target').find_volumes.return_value = []
    cloud.vol('target').import_volume.return_value = {'id': 'vol-b'}
    cloud.repl('source').reverse.return_value = {'health': 'ok',
                                                 'present': True}
    patches = f.patch_all(db, cloud)
    for p in patches:
        p.start()
    try:
        yield cloud, db
    finally:
        for p in reversed(patches):
            p.stop()


def _names(flow) -> list[str]:
    return [a.name for a in flow_utils.iter_atoms(flow)]


def _run(flow) -> None:
    engine = engines.load(flow, store=dict(STORE), engine='serial')
    engine.compile()
    engine.prepare()
    engine.validate()
    engine.run()


def _row_updates(db, rtype: str, rid: str) -> list[dict]:
    return [c.args[4] for c in db.protected_resource_update.call_args_list
            if c.args[2:4] == (rtype, rid)]


def test_the_flow_modules_know_no_type():
    for module in (protection_flows, recovery_flows):
        source = inspect.getsource(module)
        assert 'OS::' not in source
        for const in ('SERVER', 'VOLUME', 'CONTAINER'):
            assert 'plans.%s' % const not in source, (module, const)


def test_unknown_type_is_a_clear_error_at_flow_build(plugins):
    plan = dict(PLAN_SNAPSHOT, resources=[
        {'type': 'OS::Manila::Share', 'id': 'x', 'tier': 1}])
    for action in sorted(flows.FLOW_FACTORIES):
        with pytest.raises(exception.DrsException) as err:
            flows.get_factory(action)(plan, {})
        assert 'OS::Manila::Share' in str(err.value)
        assert resources.NAMESPACE in str(err.value)


def test_protect_includes_and_runs_the_plugin_steps(plugins, cloud_db):
    cloud, db = cloud_db
    flow = protection_flows.protect(PLAN_SNAPSHOT, {})
    names = _names(flow)
    assert names.index('check-sh1') < names.index('protect-share-sh1')
    assert 'protect-volume-vol' in names
    _run(flow)
    assert ('exists', 'sh1', None) in BACKEND.calls
    assert ('protect', 'sh1', None) in BACKEND.calls
    # Its measurement went into the plan's figures and its row.
    result = db.operation_update.call_args_list[-1].args[2]['result']
    assert {'type': SHARE, 'id': 'sh1', 'state': drv_base.STATE_IN_SYNC,
            'lag_seconds': 0.0} in result['resources']
    assert {'replication_state': drv_base.STATE_IN_SYNC, 'lag_seconds': 0.0,
            'replica': {'kind': 'share-mirror'}} in _row_updates(
                db, SHARE, 'sh1')
    # Nothing of the share was asked of the volume drivers: the volume
    # was checked in the project's list.
    assert all(c.args == ('vol',) for c in
               cloud.vol('source').get_volume.call_args_list)
    cloud.vol('source').list_volumes.assert_called()


@pytest.mark.parametrize('action,test', [('failover', False),
                                         ('test_failover', True)])
def test_recovery_includes_and_runs_the_plugin_steps(plugins, cloud_db,
                                                     action, test):
    _cloud, db = cloud_db
    flow = flows.get_factory(action)(PLAN_SNAPSHOT, {})
    names = _names(flow)
    storage = ['recover-share-sh1',
               'copy-volume-vol' if test else 'import-volume-vol']
    finish = 'finish-test' if test else 'finish'
    assert names[0] == 'cutoff' and names[-1] == finish
    assert all(names.index(n) < names.index(finish) for n in storage)
    atoms = {a.name: a for a in flow_utils.iter_atoms(flow)}
    assert {'share_sh1', 'volumes_vol'} <= set(atoms[finish].requires)
    _run(flow)
    assert ('recover', 'sh1', test) in BACKEND.calls
    recovered = [u['replica']['recovered'] for u in
                 _row_updates(db, SHARE, 'sh1') if 'replica' in u]
    if test:
        assert recovered == []
    else:
        assert recovered == [{'operation_id': f.OP, 'share': {
            'share': 'sh1', 'done': 'recover', 'arg': False}}]


def test_planned_migration_without_a_stop_step(plugins):
    flow = recovery_flows.planned_migration(PLAN_SNAPSHOT, {})
    names = _names(flow)
    # The share has nothing to stop: no stop-source group at all.
    assert not [n for n in names if n.startswith('stop-')]
    assert names.index('wait-caught-up') < names.index('recover-share-sh1')


def test_cleanup_test_includes_and_runs_the_plugin_step(plugins, cloud_db):
    flow = recovery_flows.cleanup_test(PLAN_SNAPSHOT, {})
    names = _names(flow)
    assert names.index('cleanup-share-sh1') < names.index('clear-test-active')
    atoms = {a.name: a for a in flow_utils.iter_atoms(flow)}
    assert 'gone_sh1' in atoms['clear-test-active'].requires
    _run(flow)
    assert ('cleanup', 'sh1', None) in BACKEND.calls


def test_reprotect_includes_and_runs_the_plugin_step(plugins, cloud_db):
    _cloud, db = cloud_db
    flow = recovery_flows.reprotect(PLAN_SNAPSHOT, {})
    stages = [n.name for n, _m in flow.iter_nodes()]
    assert stages == ['reverse-storage', 'swap-direction']
    atoms = {a.name: a for a in flow_utils.iter_atoms(flow)}
    assert {'reversed_sh1', 'reversed_volumes_vol'} <= set(
        atoms['swap-direction'].requires)
    _run(flow)
    assert ('reverse', 'sh1', None) in BACKEND.calls
    swapped = db.plan_update.call_args_list[0].kwargs['resources']
    ids = [{k: r[k] for k in ('type', 'id', 'tier')} for r in swapped]
    assert {'type': SHARE, 'id': 'sh1', 'tier': 1} in ids
    assert {'type': VOL, 'id': 'vol-b', 'tier': 1} in ids
    # Set with the swap, in the same transaction.
    assert {'protect_data': {'share': 'reversed'},
            'replica': {'kind': 'share-mirror'},
            'replication_state': drv_base.STATE_REPLICATING} == \
        swapped[ids.index({'type': SHARE, 'id': 'sh1', 'tier': 1})]['values']


def test_every_action_flow_validates_with_the_plugin(plugins):
    plan = dict(PLAN_SNAPSHOT, resources=PLAN_SNAPSHOT['resources'] + [
        {'type': 'OS::Nova::Server', 'id': 'srv', 'tier': 2},
        {'type': 'OS::Swift::Container', 'id': 'docs', 'tier': 1}])
    for action in sorted(flows.FLOW_FACTORIES):
        flow = flows.get_factory(action)(plan, {})
        engine = engines.load(flow, store=dict(STORE))
        engine.compile()
        engine.prepare()
        engine.validate()
    names = _names(recovery_flows.failover(plan, {}))
    # The share is storage: recovered before the servers' tiers.
    assert names.index('recover-share-sh1') < names.index('ports-srv')
