"""Protection, lag measurement, RPO and preflight logic
(drs.engine.protect, measure, preflight; drivers and database mocked)."""

from unittest import mock

import pytest

from drs.common import states
from drs.drivers import base as drv_base
from drs.engine import measure
from drs.engine import plans
from drs.engine import preflight
from drs.engine import protect


def _row(rtype, rid, protect_data=None, replica=None,
         state='replicating', lag=None):
    return mock.Mock(resource_type=rtype, resource_id=rid,
                     protect_data=protect_data or {}, replica=replica or {},
                     replication_state=state, lag_seconds=lag)


class FakeClients:
    def __init__(self, drivers):
        self.drivers = drivers
        self.sites = {'source': {'name': 'a'}, 'target': {'name': 'b'}}
        self.plan = mock.Mock(project_id='p')

    def driver(self, kind, where):
        return self.drivers[(kind, where)]

    def volume(self, where):
        return self.drivers[('volume', where)]

    def object_storage(self, where):
        return self.drivers[('object_storage', where)]

    def compute(self, where):
        return self.drivers[('compute', where)]

    def network(self, where):
        return self.drivers[('network', where)]

    def replication(self, where):
        return self.drivers.setdefault(('replication', where), mock.Mock())

    def at(self, where):
        return mock.Mock(
            volume=self.drivers.get(('volume', where)),
            compute=self.drivers.get(('compute', where)),
            network=self.drivers.get(('network', where)),
            object_storage=self.drivers.get(('object_storage', where)),
            replication=self.replication(where))


def _plan(rows, rpo=60, mappings=None, status='protected'):
    return mock.Mock(id='plan-1', rpo_seconds=rpo, resources=rows,
                     mappings=mappings or {}, options={}, status=status,
                     project_id='p', reversed=False)


@pytest.fixture
def db():
    db = mock.Mock()
    with mock.patch.object(plans, 'db_api', db), \
            mock.patch.object(protect, 'db_api', db), \
            mock.patch.object(measure, 'db_api', db), \
            mock.patch.object(preflight, 'db_api', db):
        yield db


def test_measure_uses_list_calls_not_one_per_resource(db):
    now = 10_000.0
    rows = [
        _row(plans.SERVER, 's1', {'volumes': {
            'v1': {'protected_at': now - 500},
            'v2': {'protected_at': now - 500}}}),
        _row(plans.SERVER, 's2', {'volumes': {
            'v3': {'protected_at': now - 500}}}),
        _row(plans.VOLUME, 'v4', {'protected_at': now - 30}),
        _row(plans.CONTAINER, 'docs', {'protected_at': now - 500},
             {'last_in_sync_at': now - 100}),
    ]
    plan = _plan(rows)
    src_vol, dst_vol = mock.Mock(), mock.Mock()
    src_vol.list_volumes.return_value = [
        {'id': v, 'replication_status': 'enabled'}
        for v in ('v1', 'v2', 'v3', 'v4')]
    backend = mock.Mock()
    backend.status.return_value = {
        'v1': {'last_sync_at': now - 2, 'reference': 'r1'},
        'v2': {'last_sync_at': now - 90, 'reference': 'r2'},
        'v3': {'last_sync_at': now - 1, 'reference': 'r3'}}
    src_vol.list_volume_types.return_value = []
    src_os, dst_os = mock.Mock(), mock.Mock()
    src_os.replication_status.return_value = {'docs': {'in_sync': False}}
    src_os.replication_settings.return_value = None
    compute = mock.Mock()
    compute.list_servers.return_value = {s: {'project_id': 'p'}
                                         for s in ('s1', 's2')}
    clients = FakeClients({('volume', 'source'): src_vol,
                           ('volume', 'target'): dst_vol,
                           ('compute', 'source'): compute,
                           ('replication', 'target'): backend,
                           ('object_storage', 'source'): src_os,
                           ('object_storage', 'target'): dst_os})
    with mock.patch.object(plans, 'plan_clients',
                           return_value=(plan, clients)), \
            mock.patch.object(plans, '_now', return_value=now):
        figures = measure.measure(mock.Mock(), 'plan-1', sweep=True)
    # One list at each site for all the volumes (and their types, and
    # the servers, for their owners), one status call for every
    # container: nothing per resource but a container's sync settings.
    src_vol.list_volumes.assert_called_once_with()
    src_vol.list_volume_types.assert_called_once_with()
    compute.list_servers.assert_called_once_with()
    compute.get_owned_server.assert_not_called()
    src_os.replication_settings.assert_called_once_with(
        'docs', {'protected_at': now - 500})
    backend.status.assert_called_once()
    assert [v['id'] for v in backend.status.call_args.args[0]] == [
        'v1', 'v2', 'v3', 'v4']
    src_os.replication_status.assert_called_once_with(['docs'], dst_os)
    src_vol.get_volume.assert_not_called()
    lags = {r['id']: r['lag_seconds'] for r in figures['resources']}
    assert lags == {'s1': 90.0, 's2': 1.0, 'v4': 30.0, 'docs': 100.0}
    # The RPO an operation reports is the achieved one, not the target.
    assert figures['rpo_seconds'] == figures['rpo_seconds_achieved'] == 100.0
    assert figures['rpo_seconds_target'] == 60
    states_ = {r['id']: r['state'] for r in figures['resources']}
    assert states_ == {'s1': 'lagging', 's2': 'in_sync', 'v4': 'in_sync',
                       'docs': 'lagging'}
    assert figures['rpo_seconds_achieved'] == 100.0
    plan_values = db.plan_update.call_args.args[2]
    assert plan_values['rpo_seconds_achieved'] == 100.0
    # The sweep writes nothing to what an operation holds or unprotected.
    assert db.plan_update.call_args.kwargs['require_idle'] is True
    for call in db.protected_resource_update.call_args_list:
        assert call.kwargs['unless_state'] == 'unprotected'


def test_measure_keeps_the_last_sync_the_storage_cannot_date_now(db):
    """RBD's journal status with entries behind dates nothing: the
    previous measurement stands (the replica holds at least that), except
    for a replica being re-made."""
    now = 10_000.0
    rows = [
        _row(plans.SERVER, 's1', {'volumes': {
            'v1': {'protected_at': now - 500},
            'v2': {'protected_at': now - 500}}},
            {'volumes': {'v1': {'last_sync_at': now - 40},
                         'v2': {'last_sync_at': now - 40}}}),
        _row(plans.VOLUME, 'v3', {'protected_at': now - 500},
             {'last_sync_at': now - 20}),
    ]
    src_vol = mock.Mock()
    src_vol.list_volumes.return_value = [
        {'id': v, 'replication_status': 'enabled'} for v in ('v1', 'v2',
                                                             'v3')]
    backend = mock.Mock()
    backend.status.return_value = {
        'v1': {'last_sync_at': None, 'health': 'ok'},
        'v2': {'last_sync_at': None, 'health': 'syncing'},
        'v3': {'last_sync_at': None, 'health': 'stopped'}}
    compute = mock.Mock()
    compute.list_servers.return_value = {'s1': {'id': 's1',
                                                'project_id': 'p'}}
    clients = FakeClients({('volume', 'source'): src_vol,
                           ('compute', 'source'): compute,
                           ('replication', 'target'): backend})
    with mock.patch.object(plans, 'plan_clients',
                           return_value=(_plan(rows), clients)), \
            mock.patch.object(plans, '_now', return_value=now):
        figures = measure.measure(mock.Mock(), 'plan-1')
    lags = {r['id']: r['lag_seconds'] for r in figures['resources']}
    # s1: v1 keeps its 40 s, v2 (syncing) counts from protection
    assert lags == {'s1': 500.0, 'v3': 20.0}
    written = {c.args[3]: c.args[4]['replica']
               for c in db.protected_resource_update.call_args_list}
    assert written['s1']['volumes']['v1']['last_sync_at'] == now - 40
    assert written['s1']['volumes']['v1']['lag_seconds'] == 40.0
    assert written['s1']['volumes']['v2']['last_sync_at'] is None
    assert written['v3']['last_sync_at'] == now - 20


def test_measure_marks_replication_errors(db):
    rows = [_row(plans.VOLUME, 'v1', {'protected_at': 0})]
    plan = _plan(rows)
    src, dst = mock.Mock(), mock.Mock()
    src.list_volumes.return_value = [{'id': 'v1',
                                      'replication_status': 'error'}]
    dst.status.return_value = {}
    clients = FakeClients({('volume', 'source'): src,
                           ('replication', 'target'): dst})
    with mock.patch.object(plans, 'plan_clients',
                           return_value=(plan, clients)), \
            mock.patch.object(plans, '_now', return_value=10.0):
        figures = measure.measure(mock.Mock(), 'plan-1')
    assert figures['resources'][0]['state'] == drv_base.STATE_ERROR


@pytest.mark.parametrize('achieved,event', [(120.0, states.DEGRADE),
                                            (5.0, states.RECOVER)])
def test_apply_rpo_degrades_or_recovers_and_notifies(db, achieved, event):
    db.plan_get.return_value = _plan([], rpo=60)
    after = states.DEGRADED if event == states.DEGRADE else \
        states.PROTECTED
    db.plan_replication_event.return_value = after
    with mock.patch.object(measure, 'notify') as notify:
        status = measure.apply_rpo(
            mock.Mock(), 'plan-1', {'rpo_seconds_achieved': achieved},
            operation_id='op-1')
    db.plan_replication_event.assert_called_once_with(
        mock.ANY, 'plan-1', event, operation_id='op-1')
    if after == states.PROTECTED:
        notify.assert_not_called()  # no change: no notification
    else:
        assert notify.call_args.args[1] == 'dr.plan.degraded'
    assert status == after


def test_apply_rpo_notifies_recovery():
    with mock.patch.object(measure, 'db_api') as db, \
            mock.patch.object(measure, 'notify') as notify:
        db.plan_get.return_value = _plan([], rpo=60, status='degraded')
        db.plan_replication_event.return_value = states.PROTECTED
        measure.apply_rpo(mock.Mock(), 'plan-1',
                              {'rpo_seconds_achieved': 3.0})
    assert notify.call_args.args[1] == 'dr.plan.recovered'
    assert notify.call_args.args[2]['previous_status'] == 'degraded'


def test_preflight_server_findings(db):
    recipe = {
        'server': {'availability_zone': 'az1'},
        'flavor': {'name': 'm1.big', 'vcpus': 4, 'ram': 4096},
        'image': None,
        'key_pair': {'name': 'k', 'public_key': 'ssh-ed25519 A'},
        'ports': [{'id': 'p1', 'network_id': 'net-a'}],
        'boot_volume': {'id': 'v1', 'size': 10, 'volume_type': 'fast'},
        'data_volumes': []}
    row = _row(plans.SERVER, 's1', state='in_sync', lag=1.0)
    plan = _plan([row], mappings={'flavors': {'m1.big': 'm1.big'}})
    db.recipe_list.return_value = [mock.Mock(resource_id='s1',
                                             recipe=recipe)]
    compute, volume = mock.Mock(), mock.Mock()
    compute.find_flavor.return_value = None
    compute.get_keypair.return_value = {'name': 'k',
                                        'public_key': 'ssh-rsa OTHER'}
    compute.availability_zones.return_value = ['nova']
    volume.list_volume_types.return_value = [{'name': 'fast'}]
    clients = FakeClients({('compute', 'target'): compute,
                           ('network', 'target'): mock.Mock(),
                           ('volume', 'target'): volume})
    with mock.patch.object(plans, 'plan_clients',
                           return_value=(plan, clients)):
        out = preflight.preflight_resource(
            mock.Mock(), 'plan-1', {'type': plans.SERVER,
                                    'id': 's1'})
    codes = sorted(f['code'] for f in out['findings'])
    assert codes == ['key_pair_conflict', 'missing_availability_zone',
                     'missing_flavor', 'unmapped_availability_zone',
                     'unmapped_network', 'unmapped_volume_type']
    assert out['needs'] == {'instances': 1, 'cores': 4, 'ram': 4096,
                            'volumes': 1, 'gigabytes': 10, 'port': 1}
    # Nothing is written by a preflight.
    db.protected_resource_update.assert_not_called()
    db.recipe_save.assert_not_called()


def test_preflight_quota_shortfall():
    clients = FakeClients({
        ('compute', 'target'): mock.Mock(quota=mock.Mock(return_value={
            'instances': {'limit': 3, 'in_use': 2}})),
        ('volume', 'target'): mock.Mock(quota=mock.Mock(return_value={
            'volumes': {'limit': -1, 'in_use': 9}})),
        ('network', 'target'): mock.Mock(quota=mock.Mock(
            side_effect=RuntimeError('forbidden')))})
    with mock.patch.object(plans, 'plan_clients',
                           return_value=(None, clients)):
        findings = preflight.preflight_quotas(
            mock.Mock(), 'plan-1', {'instances': 2, 'volumes': 4,
                                    'port': 2})
    assert [f['code'] for f in findings] == ['quota_unknown',
                                             'quota_shortfall']
    assert findings[1]['detail'].startswith('quota instances')


def test_protect_volume_retypes_into_mapped_replicated_type():
    volumes = mock.Mock()
    volumes.get_owned_volume.return_value = {'volume_type': 'standard',
                                             'size': 1}
    volumes.get_volume_type.side_effect = lambda name: {
        'standard': {'name': 'standard', 'replicated': False},
        'replicated': {'name': 'replicated', 'replicated': True}}[name]
    clients = FakeClients({('volume', 'source'): volumes})
    plan = _plan([], mappings={'volume_types': {'standard': 'replicated'}})
    data = protect.protect_volume(clients, plan, 'v1', 'volume v1')
    volumes.retype.assert_called_once_with('v1', 'replicated')
    assert data['retyped_from'] == 'standard'
    protect.unprotect_volume(clients, 'v1', data)
    volumes.retype.assert_called_with('v1', 'standard')


def test_protect_volume_without_mapping_names_the_volume():
    volumes = mock.Mock()
    volumes.get_owned_volume.return_value = {'volume_type': 'standard',
                                             'size': 1}
    volumes.get_volume_type.return_value = {'name': 'standard',
                                            'replicated': False}
    clients = FakeClients({('volume', 'source'): volumes})
    with pytest.raises(drv_base.DriverError) as e:
        protect.protect_volume(clients, _plan([]), 'v9', 'volume v9')
    assert 'v9' in str(e.value)
    volumes.retype.assert_not_called()
