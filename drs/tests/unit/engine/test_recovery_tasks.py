"""Every task of drs.engine.tasks.recovery: its run, with the drivers and
the replication backends mocked at their interfaces (autospecs) and the
database API autospec'd (drs.tests.unit.engine.task_fakes). No recovery
task has an undo (each states why it keeps what it made): the coverage
test at the end checks that this stays so, or that a new undo gets a
test here."""

import datetime
import functools
import inspect
import threading
from unittest import mock

import pytest

from drs.common import states
from drs.common import waiter
from drs.drivers import base as drv_base
from drs.engine import measure
from drs.engine import naming
from drs.engine import plans
from drs.engine.tasks import base
from drs.engine.tasks import recovery
from drs.tests.unit.engine import task_fakes as f

VOL = plans.VOLUME
SRV = plans.SERVER
CONT = plans.CONTAINER
PLAN = f.PLAN

PORT = {'id': 'port-1', 'network_id': 'net-a',
        'fixed_ips': [{'ip_address': '10.0.0.5'}],
        'mac_address': 'fa:16:3e:00:00:01'}
RECIPE = {
    'server': {'name': 'web', 'availability_zone': 'az-a'},
    'flavor': {'name': 'small-a'},
    'image': None,
    'key_pair': {'name': 'kp', 'public_key': 'ssh-rsa AAA'},
    'security_groups': [{'id': 'sg-1', 'name': 'web'}],
    'ports': [PORT],
    'boot_volume': {'id': 'vb', 'volume_type': 'plain-a', 'bootable': True,
                    'size': 1},
    'data_volumes': [{'id': 'vd', 'volume_type': 'rep-a',
                      'bootable': False, 'size': 2}],
    'metadata': {'role': 'web'},
}
MAPPINGS = {'volume_types': {'rep-a': 'rep-b'},
            'flavors': {'small-a': 'small-b'},
            'networks': {'net-a': 'net-b'},
            'security_groups': {'sg-1': 'sg-b'},
            'availability_zones': {'az-a': 'az-b'}}
# The same server as a reversed plan's recipe holds it: captured at
# site-b, so its names are site-b's; the plan's a->b mappings map it back.
RECIPE_B = dict(
    RECIPE, server={'name': 'web', 'availability_zone': 'az-b'},
    flavor={'name': 'small-b'},
    ports=[dict(PORT, network_id='net-b')],
    boot_volume=dict(RECIPE['boot_volume'], volume_type='rep-b'),
    data_volumes=[dict(RECIPE['data_volumes'][0], volume_type='rep-b')])

REPLICA = {'present': True, 'host': 'b@pool#pool',
           'reference': {'source-name': 'replica-x'},
           'safe_to_manage': True}


@pytest.fixture
def env(conf):
    """``env(rows, ...)`` -> (db, cloud), patched for the test."""
    stack = []

    def make(rows=(), mappings=None, reversed_=False, op=None,
             recipes=None, action='failover'):
        plan = f.make_plan(rows, mappings, reversed_)
        cloud = f.Cloud(plan, reversed_sites=reversed_)
        if recipes is None:
            recipes = [f.recipe_row(r.resource_id, RECIPE) for r in rows
                       if r.resource_type == SRV]
        db = f.make_db(plan, op or f.operation(action=action), recipes)
        for p in f.patch_all(db, cloud):
            p.start()
            stack.append(p)
        return db, cloud

    yield make
    for p in reversed(stack):
        p.stop()


def _execute(task, **kwargs):
    return task.execute(f.CTX, f.OP, plan_id=PLAN, **kwargs)


def _server(sid='s1'):
    return {'type': SRV, 'id': sid}


def _nothing_at(cloud, where):
    return [c for c in cloud.calls() if c[1] == where] == []


def _fake_time(start=1000.0):
    """A clock and a sleep that advances it (no real waiting)."""
    now = [start]

    def clock():
        return now[0]

    def sleep(seconds):
        now[0] += seconds

    return clock, mock.Mock(side_effect=sleep)


def _fast_waits(clock, sleep):
    return mock.patch.object(
        waiter, 'wait_for',
        functools.partial(waiter.wait_for, clock=clock, sleep=sleep))


# ------------------------------------------------------------- cut-off

def test_record_cutoff_reads_replica_ages_at_the_target(env):
    rows = [f.row(SRV, 's1'), f.row(VOL, 'v1'),
            f.row(CONT, 'docs', replica={'last_in_sync_at': 970.0}),
            f.row(CONT, 'logs', lag=12.0)]
    db, cloud = env(rows)
    cloud.repl('target').status.return_value = {
        'vb': {'present': True, 'last_sync_at': 990.0},
        'vd': {'present': True, 'last_sync_at': None},
        'v1': {'present': False}}
    with mock.patch.object(recovery.time, 'time', return_value=1000.0):
        cutoff = _execute(recovery.RecordCutoff())
    # One status call for every volume, at the target's backend.
    # Each volume with its type, for a site routing volumes by type.
    cloud.repl('target').status.assert_called_once_with(
        [{'id': 'vb', 'volume_type': 'plain-a'},
         {'id': 'vd', 'volume_type': 'rep-a'},
         {'id': 'v1', 'volume_type': None}])
    assert cutoff['replica_age_seconds'] == {
        'vb': 10.0, 'vd': None, 'v1': None, 'docs': 30.0, 'logs': 12.0}
    assert cutoff['rpo_seconds'] == 30.0
    assert cutoff['replicas_found'] == ['vb', 'vd']
    assert cutoff['requested_at'] == datetime.datetime(
        2026, 1, 1, 12, tzinfo=datetime.UTC).timestamp()
    db.operation_update.assert_called_once_with(
        mock.ANY, f.OP, {'result': {'cutoff': cutoff}})
    # An unplanned failover contacts nothing at the source.
    assert _nothing_at(cloud, 'source')


def test_record_cutoff_falls_back_to_the_last_measured_sync(env):
    """The backend cannot date a replica now (RBD: journal entries behind
    at its last status refresh): the last measured sync stands."""
    rows = [f.row(SRV, 's1', replica={'volumes': {
                'vb': {'last_sync_at': 940.0}, 'vd': {'last_sync_at': None}}}),
            f.row(VOL, 'v1', replica={'last_sync_at': 900.0})]
    db, cloud = env(rows)
    cloud.repl('target').status.return_value = {
        'vb': {'present': True, 'last_sync_at': None},
        'vd': {'present': True, 'last_sync_at': None},
        'v1': {'present': True, 'last_sync_at': 995.0}}
    with mock.patch.object(recovery.time, 'time', return_value=1000.0):
        cutoff = _execute(recovery.RecordCutoff())
    # a fresh figure wins over the measured one; none at all stays None
    assert cutoff['replica_age_seconds'] == {'vb': 60.0, 'vd': None,
                                             'v1': 5.0}
    assert cutoff['rpo_seconds'] == 60.0


def test_record_cutoff_resumed_returns_the_recorded_one(env):
    op = f.operation(result={'cutoff': {'at': 5.0, 'rpo_seconds': 1.0}})
    db, cloud = env([f.row(VOL, 'v1')], op=op)
    assert _execute(recovery.RecordCutoff()) == {'at': 5.0,
                                                 'rpo_seconds': 1.0}
    assert cloud.calls() == []
    db.operation_update.assert_not_called()


def test_record_cutoff_refuses_a_server_without_recipe(env):
    db, cloud = env([f.row(SRV, 's1')], recipes=[])
    with pytest.raises(drv_base.DriverError,
                       match='server s1 has no recovery recipe'):
        _execute(recovery.RecordCutoff())
    cloud.repl('target').status.assert_not_called()


# ------------------------------------------------------------- storage

def _promoted(vol, force=False):
    return dict(REPLICA, reference={'source-name': 'replica-%s'
                                    % vol['id']})


def _imported(host, reference, name, volume_type, bootable, metadata,
              fresh=False):
    return {'id': 'new-%s' % metadata[naming.META_SOURCE], 'name': name,
            'volume_type': volume_type, 'bootable': bootable}


@pytest.mark.parametrize('action,force', [('failover', True),
                                          ('planned_migration', False),
                                          ('failback', False)])
def test_import_server_volumes_promotes_then_imports(env, action, force):
    db, cloud = env([f.row(SRV, 's1')], mappings=MAPPINGS, action=action)
    vol, repl = cloud.vol(), cloud.repl()
    vol.find_volumes.return_value = []
    repl.promote.side_effect = _promoted
    vol.import_volume.side_effect = _imported
    out = _execute(recovery.ImportServerVolumes(resource=_server()))
    # Both volumes at once; force only for an unplanned failover.
    assert sorted(repl.promote.call_args_list, key=str) == [
        mock.call(RECIPE['boot_volume'], force=force),
        mock.call(RECIPE['data_volumes'][0], force=force)]
    db.operation_mark_irreversible.assert_called_once_with(
        mock.ANY, f.OP, 'replicas are being promoted at site site-b')
    assert sorted(vol.import_volume.call_args_list, key=str) == [
        mock.call('b@pool#pool', {'source-name': 'replica-vb'},
                  name='drs-failover-vb', volume_type='plain-a',
                  bootable=True,
                  metadata=naming.meta('failover', PLAN, 'vb'), fresh=True),
        mock.call('b@pool#pool', {'source-name': 'replica-vd'},
                  name='drs-failover-vd', volume_type='rep-b',
                  bootable=False,
                  metadata=naming.meta('failover', PLAN, 'vd'), fresh=True)]
    assert out['order'] == ['vb', 'vd']
    assert out['volumes']['vd']['id'] == 'new-vd'
    # Looked for once for both volumes: the plan's at the project and at
    # drs's own (mid-transfer).
    assert vol.find_volumes.call_args_list == [
        mock.call(naming.meta('failover', PLAN), service=False),
        mock.call(naming.meta('failover', PLAN), service=True)]
    repl.copy.assert_not_called()
    sub = [(e[0], e[1], e[2]) for e in f.events(db)
           if e[0] == 'import-volume']
    assert sub[:2] == [('import-volume', 'started', 'vb'),
                       ('import-volume', 'started', 'vd')]
    assert sorted(sub[2:]) == [('import-volume', 'succeeded', 'vb'),
                               ('import-volume', 'succeeded', 'vd')]
    assert 'new-vb' in [e[3] for e in f.events(db)
                        if e[:3] == ('import-volume', 'succeeded', 'vb')][0]
    assert _nothing_at(cloud, 'source')


def test_import_server_volumes_imports_a_servers_volumes_at_once(env):
    db, cloud = env([f.row(SRV, 's1')], mappings=MAPPINGS)
    vol, repl = cloud.vol(), cloud.repl()
    vol.find_volumes.return_value = []
    # Each promote waits for the other's: one at a time, the first
    # would wait alone and time out.
    both = threading.Barrier(2, timeout=10)

    def promote(v, force=False):
        both.wait()
        return _promoted(v)
    repl.promote.side_effect = promote
    vol.import_volume.side_effect = _imported
    out = _execute(recovery.ImportServerVolumes(resource=_server()))
    assert sorted(out['volumes']) == ['vb', 'vd']
    assert out['order'] == ['vb', 'vd']


def test_import_server_volumes_one_failing_the_other_is_imported(env):
    db, cloud = env([f.row(SRV, 's1')], mappings=MAPPINGS)
    vol, repl = cloud.vol(), cloud.repl()
    vol.find_volumes.return_value = []
    repl.promote.side_effect = _promoted

    def imported(host, reference, name, **kw):
        if reference['source-name'] == 'replica-vd':
            raise drv_base.DriverError(detail='Cinder said no to vd')
        return _imported(host, reference, name, **kw)
    vol.import_volume.side_effect = imported
    with pytest.raises(drv_base.DriverError, match='Cinder said no to vd'):
        _execute(recovery.ImportServerVolumes(resource=_server()))
    ends = {e[2]: e[1] for e in f.events(db)
            if e[0] == 'import-volume' and e[1] != 'started'}
    assert ends == {'vb': 'succeeded', 'vd': 'failed'}
    # A retry lists afresh what this run made.
    assert vol.import_volume.call_count == 2


def test_import_server_volumes_refuses_to_promote_once_cancelled(env):
    db, cloud = env([f.row(SRV, 's1')], mappings=MAPPINGS)
    cloud.vol().find_volumes.return_value = []
    db.operation_mark_irreversible.return_value = False
    with pytest.raises(base.OperationCancelled):
        _execute(recovery.ImportServerVolumes(resource=_server()))
    cloud.repl().promote.assert_not_called()
    cloud.vol().import_volume.assert_not_called()
    assert ('import-volume', 'failed', 'vb') in [e[:3]
                                                 for e in f.events(db)]


def test_import_server_volumes_resumed_imports_without_promoting(env):
    db, cloud = env([f.row(SRV, 's1')], mappings=MAPPINGS)
    vol = cloud.vol()
    # vb was imported by the run that died (still in drs's project);
    # vd was not.
    vol.find_volumes.side_effect = lambda meta, service=False: (
        [{'id': 'new-vb', 'metadata': dict(meta, drs_source='vb')}]
        if service else [])
    cloud.repl().promote.side_effect = _promoted
    vol.import_volume.side_effect = _imported
    out = _execute(recovery.ImportServerVolumes(resource=_server()))
    cloud.repl().promote.assert_called_once_with(
        RECIPE['data_volumes'][0], force=True)
    assert vol.import_volume.call_args_list[0] == mock.call(
        '', {}, 'drs-failover-vb', None, False,
        naming.meta('failover', PLAN, 'vb'))
    assert sorted(out['volumes']) == ['vb', 'vd']


def test_import_server_volumes_all_imported_needs_no_point_of_no_return(
        env):
    db, cloud = env([f.row(SRV, 's1')])
    cloud.vol().find_volumes.return_value = [
        {'id': 'there-%s' % v,
         'metadata': naming.meta('failover', PLAN, v)} for v in ('vb', 'vd')]
    cloud.vol().import_volume.side_effect = _imported
    _execute(recovery.ImportServerVolumes(resource=_server()))
    cloud.repl().promote.assert_not_called()
    db.operation_mark_irreversible.assert_not_called()


def test_import_server_volumes_unsafe_replica_names_volume_and_site(env):
    db, cloud = env([f.row(SRV, 's1')])
    cloud.vol().find_volumes.return_value = []
    cloud.repl().promote.return_value = dict(
        REPLICA, safe_to_manage=False, detail='in use by the storage')
    with pytest.raises(drv_base.DriverError) as exc:
        _execute(recovery.ImportServerVolumes(resource=_server()))
    message = str(exc.value)
    assert 'volume vb' in message and 'site-b' in message
    assert 'in use by the storage' in message
    # The unsafe boot volume is not imported (the data volume, promoted
    # beside it, is: a retry adopts it).
    assert [c for c in cloud.vol().import_volume.call_args_list
            if c.kwargs.get('name') == 'drs-failover-vb'] == []
    failed = [e for e in f.events(db) if e[:3] == ('import-volume',
                                                   'failed', 'vb')]
    assert failed and 'volume vb' in failed[0][3]


def test_import_server_volumes_of_a_reversed_plan_maps_types_back(env):
    db, cloud = env([f.row(SRV, 's1')], mappings=MAPPINGS, reversed_=True,
                    recipes=[f.recipe_row('s1', RECIPE_B)])
    cloud.vol().find_volumes.return_value = []
    cloud.repl().promote.side_effect = _promoted
    cloud.vol().import_volume.side_effect = _imported
    _execute(recovery.ImportServerVolumes(resource=_server()))
    types_ = [c.kwargs['volume_type']
              for c in cloud.vol().import_volume.call_args_list]
    assert types_ == ['rep-a', 'rep-a']
    # The target of a reversed plan is site-a.
    db.operation_mark_irreversible.assert_called_with(
        mock.ANY, f.OP, 'replicas are being promoted at site site-a')


def test_copy_server_volumes_copies_and_never_promotes(env):
    db, cloud = env([f.row(SRV, 's1')], mappings=MAPPINGS,
                    action='test_failover')
    vol, repl = cloud.vol(), cloud.repl()
    vol.find_volumes.return_value = []
    repl.copy.side_effect = lambda v, cid: dict(
        REPLICA, reference={'source-name': 'unmanaged-%s' % cid})
    vol.import_volume.side_effect = _imported
    out = _execute(recovery.CopyServerVolumes(resource=_server()))
    assert sorted(repl.copy.call_args_list, key=str) == [
        mock.call(RECIPE['boot_volume'], naming.copy_id(PLAN, 'vb')),
        mock.call(RECIPE['data_volumes'][0], naming.copy_id(PLAN, 'vd'))]
    repl.promote.assert_not_called()
    db.operation_mark_irreversible.assert_not_called()
    first = next(c for c in vol.import_volume.call_args_list
                 if c.kwargs['name'] == 'drs-test-vb')
    assert first.args[1] == {'source-name': 'unmanaged-%s'
                             % naming.copy_id(PLAN, 'vb')}
    assert first.kwargs['name'] == 'drs-test-vb'
    assert first.kwargs['metadata'] == naming.meta('test', PLAN, 'vb')
    assert out['order'] == ['vb', 'vd']
    assert [e[1] for e in f.events(db) if e[0] == 'copy-volume'] == [
        'started', 'started', 'succeeded', 'succeeded']


def test_import_volume_imports_a_plan_volume(env):
    rows = [f.row(VOL, 'v1', protect_data={'volume_type': 'plain-a',
                                           'retyped_to': 'rep-a'})]
    db, cloud = env(rows, mappings=MAPPINGS)
    cloud.vol().find_volumes.return_value = []
    cloud.repl().promote.side_effect = _promoted
    cloud.vol().import_volume.side_effect = _imported
    out = _execute(recovery.ImportVolume(resource={'type': VOL,
                                                   'id': 'v1'}))
    cloud.repl().promote.assert_called_once_with(
        {'id': 'v1', 'volume_type': 'rep-a', 'bootable': False},
        force=True)
    call = cloud.vol().import_volume.call_args
    assert call.kwargs['volume_type'] == 'rep-b'
    assert call.kwargs['name'] == 'drs-failover-v1'
    assert out == {'volumes': {'v1': mock.ANY}, 'order': ['v1']}


def test_copy_volume_copies_a_plan_volume(env):
    rows = [f.row(VOL, 'v1', protect_data={'volume_type': 'rep-a'})]
    db, cloud = env(rows, mappings=MAPPINGS, action='test_failover')
    cloud.vol().find_volumes.return_value = []
    cloud.repl().copy.return_value = REPLICA
    cloud.vol().import_volume.side_effect = _imported
    _execute(recovery.CopyVolume(resource={'type': VOL, 'id': 'v1'}))
    cloud.repl().copy.assert_called_once_with(
        {'id': 'v1', 'volume_type': 'rep-a', 'bootable': False},
        naming.copy_id(PLAN, 'v1'))
    assert cloud.vol().import_volume.call_args.kwargs['metadata'] == \
        naming.meta('test', PLAN, 'v1')


@pytest.mark.parametrize('cls', [recovery.ActivateContainer,
                                 recovery.CheckTestContainer])
def test_container_is_read_at_the_target(env, cls):
    db, cloud = env([f.row(CONT, 'docs')])
    cloud.swift().get_container.return_value = {
        'name': 'docs', 'count': 3, 'bytes': 30, 'sync_to': 'x'}
    out = _execute(cls(resource={'type': CONT, 'id': 'docs'}))
    assert out == {'name': 'docs', 'count': 3, 'bytes': 30,
                   'site': 'site-b'}
    cloud.swift().get_container.assert_called_once_with('docs')
    assert [c[2] for c in cloud.calls()] == ['get_container']


# ------------------------------------------------------------- network

def test_create_test_networks_isolated_copies_of_mapped_networks(env):
    other = dict(RECIPE, ports=[dict(PORT, id='port-2')])
    db, cloud = env([f.row(SRV, 's1'), f.row(SRV, 's2')],
                    mappings=MAPPINGS,
                    recipes=[f.recipe_row('s1', RECIPE),
                             f.recipe_row('s2', other)])
    subnets = [{'id': 'sub-b', 'cidr': '10.0.0.0/24'}]
    net = cloud.net()
    net.subnets_of.return_value = subnets
    net.ensure_isolated_network.return_value = {
        'network_id': 'tnet', 'router_id': 'r', 'subnets': subnets}
    out = _execute(recovery.CreateTestNetworks())
    net.subnets_of.assert_called_once_with('net-b')
    net.ensure_isolated_network.assert_called_once_with(
        'drs-test-%s-net-a' % PLAN, subnets)
    assert out == {'net-a': {'network_id': 'tnet', 'router_id': 'r',
                             'subnets': subnets}}


def test_create_test_networks_unmapped_network_names_it(env):
    other = dict(RECIPE, ports=[dict(PORT, network_id='net-x')])
    db, cloud = env([f.row(SRV, 's1')], mappings=MAPPINGS,
                    recipes=[f.recipe_row('s1', other)])
    with pytest.raises(drv_base.DriverError,
                       match='network net-x has no mapping .* site site-b'):
        _execute(recovery.CreateTestNetworks())
    cloud.net().ensure_isolated_network.assert_not_called()


# ------------------------------------------------------------- servers

def _prepare_drivers(cloud, created=True, subnet='sub-b'):
    cloud.nova().ensure_keypair.return_value = ('kp', created)
    cloud.net().ensure_security_groups.return_value = ['sg-b']
    cloud.net().subnets_of.return_value = [{'id': subnet,
                                            'cidr': '10.0.0.0/24'}]
    cloud.net().ensure_port.side_effect = (
        lambda name, network_id, fixed, groups, desc, recorded=None:
        {'id': 'np-1', 'name': name, 'network_id': network_id})


def test_prepare_server_keypair_groups_and_ports_with_recorded_ips(env):
    db, cloud = env([f.row(SRV, 's1')], mappings=MAPPINGS)
    _prepare_drivers(cloud)
    out = _execute(recovery.PrepareServer(resource=_server()))
    cloud.nova().ensure_keypair.assert_called_once_with(
        RECIPE['key_pair'], test_prefix=None)
    cloud.net().ensure_security_groups.assert_called_once_with(
        RECIPE['security_groups'], {'sg-1': 'sg-b'}, test_prefix=None)
    cloud.net().subnets_of.assert_called_once_with('net-b')
    cloud.net().ensure_port.assert_called_once_with(
        'drs-failover-%s-port-1' % PLAN, 'net-b',
        [{'ip_address': '10.0.0.5', 'subnet_id': 'sub-b'}], ['sg-b'],
        'drs plan %s, failover of server s1 port port-1' % PLAN,
        recorded=PORT)
    assert out == {'key_name': 'kp', 'security_groups': ['sg-b'],
                   'ports': [{'id': 'np-1',
                              'name': 'drs-failover-%s-port-1' % PLAN,
                              'network_id': 'net-b'}]}
    created = [e for e in f.events(db) if e[0] == 'created-keypair']
    assert created and created[0][2] == 'kp' and 'site-b' in created[0][3]
    assert _nothing_at(cloud, 'source')


def test_prepare_server_existing_keypair_records_no_creation(env):
    db, cloud = env([f.row(SRV, 's1')], mappings=MAPPINGS)
    _prepare_drivers(cloud, created=False)
    _execute(recovery.PrepareServer(resource=_server()))
    assert [e for e in f.events(db) if e[0] == 'created-keypair'] == []


def test_prepare_server_of_a_reversed_plan_maps_networks_back(env):
    db, cloud = env([f.row(SRV, 's1')], mappings=MAPPINGS, reversed_=True,
                    recipes=[f.recipe_row('s1', RECIPE_B)])
    _prepare_drivers(cloud, subnet='sub-a')
    _execute(recovery.PrepareServer(resource=_server()))
    cloud.net().subnets_of.assert_called_once_with('net-a')
    assert cloud.net().ensure_port.call_args.args[1] == 'net-a'
    # The security group mapping is read b -> a as well.
    assert cloud.net().ensure_security_groups.call_args.args[1] == {
        'sg-b': 'sg-1'}


def test_prepare_server_unmapped_network_names_network_and_port(env):
    db, cloud = env([f.row(SRV, 's1')], mappings={})
    _prepare_drivers(cloud)
    with pytest.raises(drv_base.DriverError,
                       match='network net-a of port port-1 has no mapping'):
        _execute(recovery.PrepareServer(resource=_server()))
    cloud.net().ensure_port.assert_not_called()


def test_prepare_test_server_uses_the_isolated_network(env):
    db, cloud = env([f.row(SRV, 's1')], mappings=MAPPINGS)
    _prepare_drivers(cloud)
    test_networks = {'net-a': {'network_id': 'tnet', 'subnets': [
        {'id': 'tsub', 'cidr': '10.0.0.0/24'}]}}
    _execute(recovery.PrepareTestServer(resource=_server()),
             test_networks=test_networks)
    prefix = 'drs-test-%s-' % PLAN
    cloud.nova().ensure_keypair.assert_called_once_with(
        RECIPE['key_pair'], test_prefix=prefix)
    assert cloud.net().ensure_security_groups.call_args.kwargs == {
        'test_prefix': prefix}
    args = cloud.net().ensure_port.call_args.args
    assert args[:3] == ('drs-test-%s-port-1' % PLAN, 'tnet',
                        [{'ip_address': '10.0.0.5', 'subnet_id': 'tsub'}])
    cloud.net().subnets_of.assert_not_called()


def test_prepare_test_server_without_its_test_network_fails(env):
    db, cloud = env([f.row(SRV, 's1')], mappings=MAPPINGS)
    _prepare_drivers(cloud)
    with pytest.raises(drv_base.DriverError,
                       match='no test network for network net-a'):
        _execute(recovery.PrepareTestServer(resource=_server()),
                 test_networks={})
    cloud.net().ensure_port.assert_not_called()


IMPORTED = {'volumes': {'vb': {'id': 'new-vb'}, 'vd': {'id': 'new-vd'}},
            'order': ['vb', 'vd']}
PREPARED = {'key_name': 'kp', 'ports': [{'id': 'np-1'}],
            'security_groups': ['sg-b']}


def _create_drivers(cloud, flavor='fl-b'):
    cloud.nova().find_servers.return_value = []
    cloud.nova().find_flavor.return_value = (
        {'id': flavor, 'name': 'x'} if flavor else None)
    cloud.nova().create_server.return_value = {'id': 'new-s1',
                                               'name': 'web'}


def test_create_server_from_its_recipe(env):
    db, cloud = env([f.row(SRV, 's1')], mappings=MAPPINGS)
    _create_drivers(cloud)
    out = _execute(recovery.CreateServer(resource=_server()),
                   volumes=IMPORTED, prepared=PREPARED)
    meta = naming.meta('failover', PLAN, 's1')
    # What a run that died made: the plan's servers, listed once.
    cloud.nova().find_servers.assert_called_once_with(
        naming.meta('failover', PLAN))
    cloud.nova().find_flavor.assert_called_once_with('small-b')
    cloud.nova().create_server.assert_called_once_with(
        'web', 'fl-b', None, 'kp', ['np-1'],
        [{'boot_index': 0, 'uuid': 'new-vb', 'source_type': 'volume',
          'destination_type': 'volume', 'delete_on_termination': False},
         {'boot_index': -1, 'uuid': 'new-vd', 'source_type': 'volume',
          'destination_type': 'volume', 'delete_on_termination': False}],
        dict(meta, role='web'), 'az-b')
    assert out == {'id': 'new-s1', 'name': 'web', 'adopted': False}


def test_the_creates_of_an_operation_share_their_listings(env):
    db, cloud = env([f.row(SRV, s) for s in ('s1', 's2', 's3')],
                    mappings=MAPPINGS)
    _create_drivers(cloud)
    for sid in ('s1', 's2'):
        _execute(recovery.CreateServer(resource=_server(sid)),
                 volumes=IMPORTED, prepared=PREPARED)
    # One listing of the plan's servers and one of the flavors for both.
    assert cloud.nova().find_servers.call_count == 1
    assert cloud.nova().find_flavor.call_count == 1
    assert cloud.nova().create_server.call_count == 2
    # A create that fails drops the listing: run again, it lists afresh
    # (it may have made the server all the same).
    cloud.nova().create_server.side_effect = RuntimeError('no answer')
    with pytest.raises(RuntimeError):
        _execute(recovery.CreateServer(resource=_server('s3')),
                 volumes=IMPORTED, prepared=PREPARED)
    cloud.nova().create_server.side_effect = None
    _execute(recovery.CreateServer(resource=_server('s3')),
             volumes=IMPORTED, prepared=PREPARED)
    assert cloud.nova().find_servers.call_count == 2


def test_create_server_resumed_adopts_the_one_it_made(env):
    db, cloud = env([f.row(SRV, 's1')], mappings=MAPPINGS)
    _create_drivers(cloud)
    cloud.nova().find_servers.return_value = [
        {'id': 'other', 'name': 'db', 'status': 'BUILD',
         'metadata': naming.meta('failover', PLAN, 's2')},
        {'id': 'new-s1', 'name': 'web', 'status': 'BUILD',
         'metadata': naming.meta('failover', PLAN, 's1')}]
    out = _execute(recovery.CreateServer(resource=_server()),
                   volumes=IMPORTED, prepared=PREPARED)
    assert out == {'id': 'new-s1', 'name': 'web', 'adopted': True}
    cloud.nova().create_server.assert_not_called()
    cloud.nova().delete_server.assert_not_called()


def test_create_server_replaces_a_failed_attempt(env):
    db, cloud = env([f.row(SRV, 's1')], mappings=MAPPINGS)
    _create_drivers(cloud)
    cloud.nova().find_servers.return_value = [
        {'id': 'bad', 'name': 'web', 'status': 'ERROR',
         'metadata': naming.meta('failover', PLAN, 's1')}]
    out = _execute(recovery.CreateServer(resource=_server()),
                   volumes=IMPORTED, prepared=PREPARED)
    cloud.nova().delete_server.assert_called_once_with('bad')
    cloud.nova().create_server.assert_called_once()
    assert out['adopted'] is False


def test_create_server_missing_flavor_names_flavor_and_site(env):
    db, cloud = env([f.row(SRV, 's1')], mappings=MAPPINGS)
    _create_drivers(cloud, flavor=None)
    with pytest.raises(drv_base.DriverError,
                       match='flavor small-b does not exist at site site-b'):
        _execute(recovery.CreateServer(resource=_server()),
                 volumes=IMPORTED, prepared=PREPARED)
    cloud.nova().create_server.assert_not_called()


def test_create_server_of_a_reversed_plan_maps_flavor_and_az_back(env):
    db, cloud = env([f.row(SRV, 's1')], mappings=MAPPINGS, reversed_=True,
                    recipes=[f.recipe_row('s1', RECIPE_B)])
    _create_drivers(cloud, flavor='fl-a')
    _execute(recovery.CreateServer(resource=_server()), volumes=IMPORTED,
             prepared=PREPARED)
    cloud.nova().find_flavor.assert_called_once_with('small-a')
    args = cloud.nova().create_server.call_args.args
    assert args[1] == 'fl-a' and args[7] == 'az-a'


def test_create_server_booting_from_an_image(env):
    recipe = dict(RECIPE, boot_volume=None, image={'id': 'img-1'},
                  data_volumes=[], server={'name': 'web'})
    db, cloud = env([f.row(SRV, 's1')], mappings=MAPPINGS,
                    recipes=[f.recipe_row('s1', recipe)])
    _create_drivers(cloud)
    _execute(recovery.CreateServer(resource=_server()),
             volumes={'volumes': {}, 'order': []}, prepared=PREPARED)
    args = cloud.nova().create_server.call_args.args
    assert args[2] == 'img-1' and args[5] == [] and args[7] is None


def test_create_test_server_is_named_and_tagged_as_a_test(env):
    db, cloud = env([f.row(SRV, 's1')], mappings=MAPPINGS)
    _create_drivers(cloud)
    _execute(recovery.CreateTestServer(resource=_server()),
             volumes=IMPORTED, prepared=PREPARED)
    meta = naming.meta('test', PLAN, 's1')
    cloud.nova().find_servers.assert_called_once_with(
        naming.meta('test', PLAN))
    args = cloud.nova().create_server.call_args.args
    assert args[0] == 'drs-test-web'
    assert args[6] == dict(meta, role='web')


def test_wait_server_active(env):
    db, cloud = env([f.row(SRV, 's1')])
    cloud.nova().wait_server.return_value = {'id': 'new-s1',
                                             'status': 'ACTIVE'}
    with mock.patch.object(recovery.time, 'time', return_value=1234.0):
        out = _execute(recovery.WaitServerActive(resource=_server()),
                       server={'id': 'new-s1', 'name': 'web'})
    cloud.nova().wait_server.assert_called_once_with('new-s1', 'web')
    assert out == {'id': 'new-s1', 'status': 'ACTIVE', 'name': 'web',
                   'active_at': 1234.0}


def test_a_cancelled_wait_inside_a_task_becomes_operation_cancelled(env):
    db, cloud = env([f.row(SRV, 's1')])
    cloud.nova().wait_server.side_effect = waiter.Cancelled(
        what='server web to become ACTIVE')
    with pytest.raises(base.OperationCancelled) as exc:
        _execute(recovery.WaitServerActive(resource=_server()),
                 server={'id': 'new-s1', 'name': 'web'})
    assert isinstance(exc.value.__cause__, waiter.Cancelled)
    step, state, rid, message = f.events(db)[-1]
    assert state == 'failed' and 'server web' in message


# -------------------------------------------------------------- finish

def _finish_results():
    return {'server_active_s1': {'id': 'new-s1', 'active_at': 1100.0},
            'volumes_s1': IMPORTED,
            'volumes_v1': {'volumes': {'v1': {'id': 'new-v1'}}},
            'prepared_s1': PREPARED}


def test_finish_recovery_records_rto_rpo_and_where_things_are(env):
    rows = [f.row(SRV, 's1'), f.row(VOL, 'v1'),
            f.row(CONT, 'docs', replica={'last_in_sync_at': 1.0})]
    db, cloud = env(rows, op=f.operation(result={'cutoff': {'x': 1}}))
    out = _execute(recovery.FinishRecovery(),
                   cutoff={'requested_at': 1000.0, 'rpo_seconds': 7.5},
                   **_finish_results())
    assert out['rto_seconds'] == 100.0 and out['rpo_seconds'] == 7.5
    assert out['cutoff'] == {'x': 1}
    assert out['volumes'] == {'s1': IMPORTED['volumes'],
                              'v1': {'v1': {'id': 'new-v1'}}}
    assert out['ports'] == {'s1': PREPARED['ports']}
    db.operation_update.assert_called_once_with(mock.ANY, f.OP,
                                                {'result': out})
    recovered = {c.args[3]: c.args[4]['replica']
                 for c in db.protected_resource_update.call_args_list}
    assert recovered['s1']['recovered'] == {
        'operation_id': f.OP, 'server': _finish_results()[
            'server_active_s1'], 'volumes': IMPORTED['volumes'],
        'ports': PREPARED['ports']}
    assert recovered['v1']['recovered']['volumes'] == {
        'v1': {'id': 'new-v1'}}
    assert recovered['docs'] == {'last_in_sync_at': 1.0,
                                 'recovered': {'operation_id': f.OP}}
    assert cloud.calls() == []


def test_finish_test_records_the_result_only(env):
    db, cloud = env([f.row(SRV, 's1')])
    out = _execute(recovery.FinishTest(),
                   cutoff={'requested_at': 1000.0, 'rpo_seconds': None},
                   **_finish_results())
    assert out['rto_seconds'] == 100.0
    db.protected_resource_update.assert_not_called()


# --------------------------------------------------- planned migration

def test_stop_source_server(env):
    db, cloud = env([f.row(SRV, 's1')])
    cloud.nova('source').stop_server.return_value = 'SHUTOFF'
    with mock.patch.object(recovery.time, 'time', return_value=50.0):
        out = _execute(recovery.StopSourceServer(resource=_server()))
    cloud.nova('source').stop_server.assert_called_once_with('s1')
    assert out == {'id': 's1', 'status': 'SHUTOFF', 'stopped_at': 50.0}
    assert _nothing_at(cloud, 'target')


def _caught_up_env(env, synced_at):
    rows = [f.row(SRV, 's1'), f.row(CONT, 'docs', replica={'k': 1})]
    db, cloud = env(rows, action='planned_migration')
    cloud.repl('target').status.return_value = {
        'vb': {'present': True, 'last_sync_at': synced_at['vb']},
        'vd': {'present': True, 'last_sync_at': synced_at['vd']}}
    cloud.swift('source').get_container.return_value = {
        'name': 'docs', 'count': 2, 'bytes': 20}
    cloud.swift('target').get_container.return_value = {
        'name': 'docs', 'count': 2, 'bytes': 20}
    # The base's own comparison (a HEAD at each site), as the Swift
    # driver inherits it.
    source = cloud.swift('source')
    source.replica_behind.side_effect = lambda name, target: \
        drv_base.ObjectStorageDriver.replica_behind(source, name, target)
    return db, cloud


def test_wait_caught_up_when_every_replica_has_the_stopped_data(env):
    db, cloud = _caught_up_env(env, {'vb': 101.0, 'vd': 100.0})
    with mock.patch.object(recovery.time, 'time', return_value=200.0):
        out = _execute(recovery.WaitCaughtUp(), parameters={},
                       stopped_s1={'stopped_at': 100.0})
    assert out == {'caught_up_at': 200.0, 'since': 100.0}
    cloud.repl('target').status.assert_called_once_with(
        [{'id': 'vb', 'volume_type': 'plain-a'},
         {'id': 'vd', 'volume_type': 'rep-a'}])
    db.protected_resource_update.assert_called_once_with(
        mock.ANY, PLAN, CONT, 'docs',
        {'replica': {'k': 1, 'last_in_sync_at': 200.0}})


def test_wait_caught_up_times_out_naming_what_is_behind(env):
    db, cloud = _caught_up_env(env, {'vb': 101.0, 'vd': 99.0})
    cloud.swift('target').get_container.return_value = {
        'name': 'docs', 'count': 1, 'bytes': 10}
    clock, sleep = _fake_time()
    with _fast_waits(clock, sleep), \
            pytest.raises(waiter.WaitTimeout) as exc:
        _execute(recovery.WaitCaughtUp(), parameters={'sync_timeout': 5},
                 stopped_s1={'stopped_at': 100.0})
    message = str(exc.value)
    assert 'replicas to catch up' in message and 'after 5s' in message
    assert 'vd' in message and 'vb' not in message
    assert 'docs: 2/20 objects/bytes at the source, 1/10 at the target' \
        in message
    # Polled every 2 s until the deadline, never longer.
    assert {c.args[0] for c in sleep.call_args_list} == {2}
    assert sleep.call_count == 3
    db.protected_resource_update.assert_not_called()
    assert f.events(db)[-1][1] == 'failed'


def test_wait_caught_up_uses_the_configured_timeout(env, conf):
    conf.config(group='recovery', catch_up_timeout=3)
    db, cloud = _caught_up_env(env, {'vb': None, 'vd': 101.0})
    cloud.swift('target').get_container.side_effect = \
        drv_base.ResourceNotFound(type='container', id='docs',
                                  project='p', site='site-b')
    clock, sleep = _fake_time()
    with _fast_waits(clock, sleep), \
            pytest.raises(waiter.WaitTimeout) as exc:
        _execute(recovery.WaitCaughtUp(), parameters={},
                 stopped_s1={'stopped_at': 100.0})
    message = str(exc.value)
    assert 'after 3s' in message
    assert 'behind: vb, docs: 2/20 objects/bytes at the source, ' \
        'None/None at the target' in message


def test_wait_caught_up_is_interrupted_by_a_cancel_within_one_poll(env):
    db, cloud = _caught_up_env(env, {'vb': 99.0, 'vd': 99.0})
    clock, sleep = _fake_time()

    def cancel_during_the_sleep(seconds):
        db.operation_get.return_value = f.operation(
            action='planned_migration', status=states.OP_CANCELLING)

    sleep.side_effect = cancel_during_the_sleep
    with _fast_waits(clock, sleep), \
            pytest.raises(base.OperationCancelled):
        _execute(recovery.WaitCaughtUp(), parameters={'sync_timeout': 600},
                 stopped_s1={'stopped_at': 100.0})
    assert sleep.call_count == 1
    assert cloud.repl('target').status.call_count == 1
    assert f.events(db)[-1][1] == 'failed'


# --------------------------------------------------------- cleanup_test

def test_cleanup_test_server_deletes_what_the_test_made(env):
    db, cloud = env([f.row(SRV, 's1')])
    nova, net, vol, repl = cloud.nova(), cloud.net(), cloud.vol(), \
        cloud.repl()
    nova.find_servers.return_value = [{'id': 'ts1'}]
    net.find_port.return_value = {'id': 'tp1'}
    vol.find_volumes.side_effect = lambda meta, service=False: (
        [] if service else [{'id': 't-%s' % meta[naming.META_SOURCE]}])
    out = _execute(recovery.CleanupTestServer(resource=_server()))
    nova.find_servers.assert_called_once_with(naming.meta('test', PLAN,
                                                          's1'))
    nova.delete_server.assert_called_once_with('ts1')
    net.find_port.assert_called_once_with('drs-test-%s-port-1' % PLAN)
    net.delete_port.assert_called_once_with('tp1')
    assert vol.delete_volume.call_args_list == [
        mock.call('t-vb', service=False), mock.call('t-vd', service=False)]
    assert [(c.args[0]['id'], c.args[0]['volume_type'], c.args[1])
            for c in repl.delete_copy.call_args_list] == [
        ('vb', 'plain-a', naming.copy_id(PLAN, 'vb')),
        ('vd', 'rep-a', naming.copy_id(PLAN, 'vd'))]
    assert out == {'servers': ['ts1'], 'ports': ['tp1'],
                   'volumes': ['t-vb', 't-vd']}
    assert _nothing_at(cloud, 'source')


def test_cleanup_test_server_again_finds_nothing_to_delete(env):
    db, cloud = env([f.row(SRV, 's1')])
    cloud.nova().find_servers.return_value = []
    cloud.net().find_port.return_value = None
    cloud.vol().find_volumes.return_value = []
    cloud.repl().delete_copy.return_value = False
    out = _execute(recovery.CleanupTestServer(resource=_server()))
    assert out == {'servers': [], 'ports': [], 'volumes': []}
    cloud.nova().delete_server.assert_not_called()
    cloud.net().delete_port.assert_not_called()
    cloud.vol().delete_volume.assert_not_called()


def test_cleanup_test_server_without_recipe_deletes_the_server(env):
    db, cloud = env([f.row(SRV, 's1')], recipes=[])
    cloud.nova().find_servers.return_value = [{'id': 'ts1'}]
    out = _execute(recovery.CleanupTestServer(resource=_server()))
    assert out == {'servers': ['ts1'], 'ports': [], 'volumes': []}
    cloud.repl().delete_copy.assert_not_called()


def test_cleanup_test_volume_also_deletes_the_storage_copy(env):
    db, cloud = env([f.row(VOL, 'v1')])
    cloud.vol().find_volumes.side_effect = lambda meta, service=False: (
        [{'id': 'mid-transfer'}] if service else [])
    out = _execute(recovery.CleanupTestVolume(resource={'type': VOL,
                                                        'id': 'v1'}))
    cloud.vol().find_volumes.assert_any_call(naming.meta('test', PLAN,
                                                         'v1'),
                                             service=True)
    cloud.vol().delete_volume.assert_called_once_with('mid-transfer',
                                                      service=True)
    cloud.repl().delete_copy.assert_called_once_with(
        {'id': 'v1', 'volume_type': None}, naming.copy_id(PLAN, 'v1'))
    assert out == {'volumes': ['mid-transfer']}


def test_cleanup_test_leftovers_by_metadata_and_names(env):
    db, cloud = env([f.row(SRV, 's1')])
    prefix = 'drs-test-%s-' % PLAN
    cloud.nova().find_servers.return_value = [{'id': 'x1'}]
    cloud.net().ports_named.return_value = [{'id': 'xp'}]
    cloud.vol().find_volumes.side_effect = lambda meta, service=False: (
        [{'id': 'xv-%s' % service}])
    cloud.net().delete_isolated_network.return_value = ['tnet', 'r1']
    cloud.net().delete_security_groups.return_value = ['tsg']
    cloud.nova().delete_keypairs.return_value = [prefix + 'kp']
    out = _execute(recovery.CleanupTestLeftovers())
    meta = naming.meta('test', PLAN)
    cloud.nova().find_servers.assert_called_once_with(meta)
    cloud.net().ports_named.assert_called_once_with(prefix)
    cloud.net().delete_isolated_network.assert_called_once_with(
        prefix + 'net-a')
    cloud.net().delete_security_groups.assert_called_once_with(prefix)
    cloud.nova().delete_keypairs.assert_called_once_with(prefix)
    assert out == {'servers': ['x1'], 'ports': ['xp'],
                   'volumes': ['xv-False', 'xv-True'],
                   'networks': ['tnet', 'r1'], 'security_groups': ['tsg'],
                   'keypairs': [prefix + 'kp']}
    assert _nothing_at(cloud, 'source')


def test_clear_test_active(env):
    db, cloud = env([])
    out = _execute(recovery.ClearTestActive(),
                   gone_s1={'servers': ['ts1']})
    db.plan_update.assert_called_once_with(
        mock.ANY, PLAN, {'test_active': False}, require_idle=False)
    assert out == {'removed': {'gone_s1': {'servers': ['ts1']}}}
    db.operation_update.assert_called_once_with(mock.ANY, f.OP,
                                                {'result': out})


# ------------------------------------------------ reprotect and failback

RECOVERED = {'operation_id': 'op-0', 'server': {'id': 'new-s1'},
             'volumes': {'vb': {'id': 'new-vb'}, 'vd': {'id': 'new-vd'}}}


def test_capture_recovered_recipe_reads_the_new_server(env):
    db, cloud = env([f.row(SRV, 's1', replica={'recovered': RECOVERED})])
    cloud.nova().capture_recipe.return_value = {
        'server': {'name': 'web'}, 'boot_volume': {'id': 'new-vb'},
        'data_volumes': [{'id': 'new-vd'}]}
    cloud.vol().get_volume.side_effect = lambda vid: {
        'id': vid, 'size': 1, 'volume_type': 'rep-b',
        'bootable': vid == 'new-vb'}
    out = _execute(recovery.CaptureRecoveredRecipe(resource=_server()))
    cloud.nova().capture_recipe.assert_called_once_with('new-s1',
                                                        cloud.net())
    assert out == {'old': 's1', 'new': 'new-s1',
                   'volume_ids': ['new-vb', 'new-vd']}
    saved = db.recipe_save.call_args.args
    assert saved[1:3] == (PLAN, 'new-s1')
    assert saved[3]['boot_volume']['volume_type'] == 'rep-b'
    assert _nothing_at(cloud, 'source')


@pytest.mark.parametrize('replica,match', [
    ({}, 'OS::Nova::Server s1 was not recovered at the target site'),
    ({'recovered': {'operation_id': 'op-0'}},
     'no recovered server is recorded for server s1'),
])
def test_capture_recovered_recipe_needs_a_recovery(env, replica, match):
    db, cloud = env([f.row(SRV, 's1', replica=replica)])
    with pytest.raises(drv_base.DriverError, match=match):
        _execute(recovery.CaptureRecoveredRecipe(resource=_server()))
    assert cloud.calls() == []


def test_reverse_server_volumes_at_the_source_backend(env):
    db, cloud = env([f.row(SRV, 's1', replica={'recovered': RECOVERED})])
    cloud.repl('source').reverse.return_value = {'present': True,
                                                 'health': 'syncing'}
    out = _execute(recovery.ReverseServerVolumes(resource=_server()))
    # The old volume with its type at the old source (from the recipe).
    assert cloud.repl('source').reverse.call_args_list == [
        mock.call({'id': 'vb', 'volume_type': 'plain-a'},
                  {'id': 'new-vb', 'volume_type': None}),
        mock.call({'id': 'vd', 'volume_type': 'rep-a'},
                  {'id': 'new-vd', 'volume_type': None})]
    cloud.repl('target').reverse.assert_not_called()
    assert out == {'vb': {'primary': 'new-vb', 'health': 'syncing',
                          'present': True},
                   'vd': {'primary': 'new-vd', 'health': 'syncing',
                          'present': True}}
    sub = [e for e in f.events(db) if e[0] == 'reverse-volumes']
    assert [e[2] for e in sub] == ['vb', 'vd']
    assert 'replica of new-vb at site-a: syncing' == sub[0][3]


def test_reverse_volume(env):
    recovered = {'volumes': {'v1': {'id': 'new-v1'}}}
    db, cloud = env([f.row(VOL, 'v1', replica={'recovered': recovered})])
    cloud.repl('source').reverse.return_value = {'present': True,
                                                 'health': 'ok'}
    out = _execute(recovery.ReverseVolume(resource={'type': VOL,
                                                    'id': 'v1'}))
    cloud.repl('source').reverse.assert_called_once_with(
        {'id': 'v1', 'volume_type': None},
        {'id': 'new-v1', 'volume_type': None})
    assert out['v1']['primary'] == 'new-v1'


def test_reverse_volume_not_recovered_names_it(env):
    db, cloud = env([f.row(VOL, 'v1')])
    with pytest.raises(drv_base.DriverError,
                       match='OS::Cinder::Volume v1 was not recovered'):
        _execute(recovery.ReverseVolume(resource={'type': VOL,
                                                  'id': 'v1'}))
    cloud.repl('source').reverse.assert_not_called()


def test_remove_old_source_server_and_its_ports(env):
    db, cloud = env([f.row(SRV, 's1')])
    cloud.nova('source').get_server.return_value = {'id': 's1'}
    out = _execute(recovery.RemoveOldSourceServer(resource=_server()))
    cloud.nova('source').delete_server.assert_called_once_with('s1')
    cloud.net('source').delete_port.assert_called_once_with('port-1')
    assert out == {'server': 's1', 'deleted': True}
    # Its volumes are kept; nothing at the target is touched.
    cloud.vol('source').delete_volume.assert_not_called()
    assert _nothing_at(cloud, 'target')


def test_remove_old_source_server_gone_already(env):
    db, cloud = env([f.row(SRV, 's1')])
    cloud.nova('source').get_server.side_effect = \
        drv_base.ResourceNotFound(type='server', id='s1', project='p',
                                  site='site-a')
    out = _execute(recovery.RemoveOldSourceServer(resource=_server()))
    assert out == {'server': 's1', 'deleted': False}
    cloud.nova('source').delete_server.assert_not_called()
    cloud.net('source').delete_port.assert_called_once_with('port-1')


def test_reverse_container_unsyncs_the_old_direction_first(env):
    db, cloud = env([f.row(CONT, 'docs', protect_data={'key': 'old'})])
    order = []
    cloud.swift('source').unprotect_container.side_effect = (
        lambda name, data: order.append(('unprotect', name, data)))

    def protect(name, target):
        order.append(('protect', name, target))
        return {'protect_data': {'key': 'new'}, 'replica': {'site': 'a'}}

    cloud.swift('target').protect_container.side_effect = protect
    with mock.patch.object(recovery.time, 'time', return_value=77.0):
        out = _execute(recovery.ReverseContainer(
            resource={'type': CONT, 'id': 'docs'}))
    assert order == [('unprotect', 'docs', {'key': 'old'}),
                     ('protect', 'docs', cloud.swift('source'))]
    assert out == {'protect_data': {'key': 'new', 'protected_at': 77.0},
                   'replica': {'site': 'a'}}


@pytest.mark.parametrize('was_reversed', [False, True])
def test_swap_direction_replaces_resources_and_flips_the_plan(
        env, was_reversed):
    rows = [f.row(SRV, 's1', tier=1),
            f.row(VOL, 'v1', tier=2,
                  replica={'recovered': {'volumes': {
                      'v1': {'id': 'new-v1'}}}}),
            f.row(CONT, 'docs', tier=3)]
    db, cloud = env(rows, reversed_=was_reversed,
                    op=f.operation(result={'cutoff': {}}))
    reversed_docs = {'protect_data': {'key': 'k'}, 'replica': {'r': 1}}
    with mock.patch.object(measure, 'measure',
                           return_value={'rpo_seconds_achieved': 1.0}), \
            mock.patch.object(recovery.time, 'time', return_value=9.0):
        out = _execute(
            recovery.SwapDirection(reversed_from=was_reversed),
            recipe_s1={'old': 's1', 'new': 'new-s1',
                       'volume_ids': ['new-vb']},
            reversed_docs=reversed_docs)
    resources = [{'type': SRV, 'id': 'new-s1', 'tier': 1},
                 {'type': VOL, 'id': 'new-v1', 'tier': 2},
                 {'type': CONT, 'id': 'docs', 'tier': 3}]
    # The resources and their records with the direction, in one call.
    db.plan_update.assert_called_once_with(
        mock.ANY, PLAN, {'reversed': not was_reversed},
        resources=mock.ANY, require_idle=False)
    given = db.plan_update.call_args.kwargs['resources']
    assert [{k: r[k] for k in ('type', 'id', 'tier')}
            for r in given] == resources
    values = {r['id']: r['values'] for r in given}
    assert values['new-s1'] == {
        'protect_data': {'volumes': {'new-vb': {
            'mode': 'volume-type', 'protected_at': 9.0}}},
        'replica': {'kind': 'recipe+volumes', 'volumes': {'new-vb': {}}},
        'replication_state': 'replicating'}
    assert values['new-v1']['protect_data'] == {'mode': 'volume-type',
                                                'protected_at': 9.0}
    assert values['docs'] == dict(reversed_docs,
                                  replication_state='replicating')
    db.protected_resource_update.assert_not_called()
    db.recipe_delete.assert_called_once_with(mock.ANY, PLAN, 's1')
    assert out == {'cutoff': {}, 'reversed': not was_reversed,
                   'resources': resources,
                   'replication': {'rpo_seconds_achieved': 1.0}}
    db.operation_update.assert_called_once_with(mock.ANY, f.OP,
                                                {'result': out})
    assert cloud.calls() == []


@pytest.mark.parametrize('was_reversed', [False, True])
def test_swap_direction_run_again_after_the_swap_does_not_swap_back(
        env, was_reversed):
    # Its engine died after the swap, before TaskFlow saved the result:
    # the plan is in the other direction already, with the new resources.
    rows = [f.row(SRV, 'new-s1', tier=1), f.row(CONT, 'docs', tier=3)]
    db, cloud = env(rows, reversed_=not was_reversed,
                    op=f.operation(result={'cutoff': {}}))
    with mock.patch.object(measure, 'measure',
                           return_value={'rpo_seconds_achieved': 1.0}):
        out = _execute(recovery.SwapDirection(reversed_from=was_reversed),
                       recipe_s1={'old': 's1', 'new': 'new-s1',
                                  'volume_ids': ['new-vb']},
                       reversed_docs={})
    db.plan_update.assert_not_called()
    db.recipe_delete.assert_not_called()
    db.protected_resource_update.assert_not_called()
    assert out['reversed'] is (not was_reversed)
    assert out['resources'] == [{'type': SRV, 'id': 'new-s1', 'tier': 1},
                                {'type': CONT, 'id': 'docs', 'tier': 3}]


def test_swap_direction_keeps_a_failed_measurement_in_the_result(env):
    db, cloud = env([f.row(CONT, 'docs')])
    with mock.patch.object(measure, 'measure',
                           side_effect=RuntimeError('password=s3cret')):
        out = _execute(recovery.SwapDirection(), reversed_docs={})
    assert out['replication']['error'].startswith('RuntimeError')
    assert 's3cret' not in out['replication']['error']


# ------------------------------------------------------------ coverage

TESTED = {
    'RecordCutoff', 'ImportServerVolumes', 'CopyServerVolumes',
    'ImportVolume', 'CopyVolume', 'ActivateContainer',
    'CheckTestContainer', 'CreateTestNetworks', 'PrepareServer',
    'PrepareTestServer', 'CreateServer', 'CreateTestServer',
    'WaitServerActive', 'FinishRecovery', 'FinishTest',
    'StopSourceServer', 'WaitCaughtUp', 'CleanupTestServer',
    'CleanupTestVolume', 'CleanupTestLeftovers', 'ClearTestActive',
    'CaptureRecoveredRecipe', 'ReverseServerVolumes', 'ReverseVolume',
    'RemoveOldSourceServer', 'ReverseContainer', 'SwapDirection',
}


def test_every_task_of_the_module_is_tested_here():
    tasks = {name for name, cls in inspect.getmembers(recovery,
                                                      inspect.isclass)
             if issubclass(cls, base.OperationTask)
             and cls.__module__ == recovery.__name__}
    assert tasks == TESTED
    # No recovery task undoes anything: each keeps what it made, with
    # the reason, or has no side effect. An undo added later needs a
    # test of its own here.
    for name in tasks:
        cls = getattr(recovery, name)
        assert cls.undo is base.OperationTask.undo, name
        assert cls.keep_on_revert or not cls.side_effects, name
