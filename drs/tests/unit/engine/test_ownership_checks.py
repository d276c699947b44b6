"""The engine's ownership and replication-settings checks (issue 13):
protect refuses another project's resource before any change, the sync
marks it and what lost its replication, and degrades the plan. Drivers
are autospecs of their interfaces (task_fakes), the database API too."""

from unittest import mock

import pytest

from drs.common import states
from drs.drivers import base as drv_base
from drs.engine import measure
from drs.engine import plans
from drs.engine import protect
from drs.engine.tasks import protection
from drs.tests.unit.engine import task_fakes as f
from drs.tests.unit.engine import test_protection_tasks

# The same plan, drivers and database as the protection tasks' tests.
env = test_protection_tasks.env

VOL = plans.VOLUME
SRV = plans.SERVER
CONT = plans.CONTAINER


def _execute(task, **kwargs):
    return task.execute(f.CTX, f.OP, plan_id=f.PLAN, **kwargs)


def _foreign(rtype, rid):
    return drv_base.ForeignResource(type=rtype, id=rid, project='p',
                                    site='site-a')


# ------------------------------------------------------------- protect

def test_check_refuses_a_server_with_another_projects_volume(env):
    db, cloud = env([f.row(SRV, 's1')])
    cloud.nova('source').get_server.return_value = {
        'id': 's1', 'name': 'web', 'project_id': 'p',
        'volumes_attached': ['vb', 'vx']}
    cloud.vol('source').get_volume.side_effect = lambda vid: {
        'id': vid, 'project_id': 'p' if vid == 'vb' else 'tenant1'}
    task = protection.CheckResource(resource={'type': SRV, 'id': 's1'})
    with pytest.raises(drv_base.ForeignResource) as e:
        _execute(task)
    assert 'vx' in str(e.value)
    # Reads only: nothing changed anywhere.
    assert {c[2] for c in cloud.calls()} <= {
        'get_owned_server', 'get_server', 'check_owner',
        'get_owned_volume', 'get_volume', 'session_project',
        'list_servers', 'list_servers()', 'list_volumes', 'list_volumes()'}


def test_protect_volume_refuses_another_projects_volume_unchanged(env):
    db, cloud = env([f.row(VOL, 'v1')],
                    mappings={'volume_types': {'standard': 'rep'}})
    cloud.vol('source').get_volume.return_value = {
        'id': 'v1', 'size': 1, 'volume_type': 'standard',
        'project_id': 'tenant1'}
    with pytest.raises(drv_base.ForeignResource):
        _execute(protection.ProtectVolume(resource={'type': VOL,
                                                    'id': 'v1'}))
    cloud.vol('source').retype.assert_not_called()
    db.protected_resource_update.assert_not_called()


def _foreign_server(env):
    """A plan of server s1, which is tenant1's: the project's own
    listing does not hold it, so it is read on its own."""
    db, cloud = env([f.row(SRV, 's1')])
    cloud.nova('source').capture_recipes.return_value = {}
    cloud.nova('source').get_server.return_value = {
        'id': 's1', 'name': 'web', 'project_id': 'tenant1'}
    return db, cloud


def test_capture_recipe_of_another_projects_server_reads_nothing(env):
    db, cloud = _foreign_server(env)
    with pytest.raises(drv_base.ForeignResource):
        _execute(protection.CaptureRecipe(resource={'type': SRV,
                                                    'id': 's1'}))
    cloud.nova('source').capture_recipe.assert_not_called()
    db.recipe_save.assert_not_called()


def test_sync_drops_another_projects_server_instead_of_failing(env):
    db, cloud = _foreign_server(env)
    out = _execute(protection.RefreshRecipe(resource={'type': SRV,
                                                      'id': 's1'}))
    assert out['server_id'] == 's1' and 's1' in out['foreign']
    # What drs kept of it (from before this check existed) is deleted.
    db.recipe_delete.assert_called_once_with(mock.ANY, f.PLAN, 's1')
    db.recipe_save.assert_not_called()
    cloud.nova('source').capture_recipe.assert_not_called()


# ------------------------------------------------- the API's check

def test_check_resources_with_the_callers_token(conf):
    ctx = mock.Mock(auth_token='tok', project_id='admin')
    site = mock.Mock()
    drivers = mock.Mock()
    drivers.volume.get_owned_volume.side_effect = _foreign(VOL, 'v1')
    drivers.compute.get_owned_server.side_effect = \
        drv_base.ResourceNotFound(type=SRV, id='s1', project='admin',
                                  site='a')
    drivers.object_storage.get_owned_container.return_value = {'count': 0}
    clients = mock.Mock()
    clients.at.return_value = drivers
    with mock.patch.object(protect.db_api, 'site_get',
                           return_value=site), \
            mock.patch.object(protect.drv_clients, 'caller_clients',
                              return_value=clients) as caller:
        out = protect.check_resources(ctx, 'admin', 'site-1', [
            {'type': VOL, 'id': 'v1'}, {'type': SRV, 'id': 's1'},
            {'type': CONT, 'id': 'docs'}])
    caller.assert_called_once_with(ctx, site)
    drivers.volume.get_owned_volume.assert_called_once_with('v1', 'admin')
    assert out['checked'] is True
    assert [(r['index'], r['id'], r['code']) for r in out['refused']] == [
        (0, 'v1', 'drs.resource.foreign'),
        (1, 's1', 'drs.resource.not_found')]


def test_check_resources_unreachable_site_is_unchecked_not_refused(conf):
    ctx = mock.Mock(auth_token='tok', project_id='p')
    with mock.patch.object(protect.db_api, 'site_get'), \
            mock.patch.object(protect.drv_clients, 'caller_clients',
                              side_effect=ConnectionError('down')):
        out = protect.check_resources(ctx, 'p', 'site-1',
                                      [{'type': VOL, 'id': 'v1'}])
    assert out == {'checked': False, 'reason': 'ConnectionError'}
    no_token = protect.check_resources(mock.Mock(auth_token=None), 'p',
                                       'site-1', [])
    assert no_token['checked'] is False


# ----------------------------------------------------------- measure

def _measure(cloud, now=1000.0):
    with mock.patch.object(plans, '_now', return_value=now):
        return _execute(protection.MeasureReplication())


def test_measure_marks_another_projects_volume_and_never_asks_for_it(env):
    rows = [f.row(VOL, 'v1', protect_data={'protected_at': 900.0},
                  replica={'reference': 'tenant1-replica'}),
            f.row(VOL, 'v2', protect_data={'protected_at': 900.0})]
    db, cloud = env(rows)
    src = cloud.vol('source')
    # Not in the project's listing; read by id, it is tenant1's.
    src.list_volumes.return_value = [
        {'id': 'v2', 'replication_status': 'enabled',
         'volume_type': 'rep', 'project_id': 'p'}]
    src.get_volume.return_value = {'id': 'v1', 'project_id': 'tenant1'}
    src.list_volume_types.return_value = [
        {'id': 't1', 'name': 'rep', 'replicated': True}]
    cloud.repl('target').status.return_value = {
        'v2': {'last_sync_at': 995.0}}
    figures = _measure(cloud)
    asked = cloud.repl('target').status.call_args.args[0]
    assert [v['id'] for v in asked] == ['v2']
    [finding] = figures['findings']
    assert finding['resource'] == {'type': VOL, 'id': 'v1'}
    assert finding['code'] == 'foreign_resource'
    assert 'does not belong to project p' in finding['detail']
    by_id = {r['id']: r for r in figures['resources']}
    assert by_id['v1']['state'] == drv_base.STATE_ERROR
    assert by_id['v2']['state'] == drv_base.STATE_IN_SYNC
    written = {c.args[3]: c.args[4]
               for c in db.protected_resource_update.call_args_list}
    # What drs knew of the foreign replica is dropped.
    assert written['v1']['replica'] == {'finding': finding['detail']}


def test_measure_finds_a_volume_retyped_to_a_type_that_does_not_replicate(
        env):
    rows = [f.row(SRV, 's1', protect_data={'volumes': {
        'vb': {'protected_at': 900.0}}})]
    db, cloud = env(rows)
    cloud.nova('source').list_servers.return_value = {
        's1': {'id': 's1', 'project_id': 'p'}}
    cloud.vol('source').list_volumes.return_value = [
        {'id': 'vb', 'replication_status': 'enabled',
         'volume_type': 'standard', 'project_id': 'p'}]
    cloud.vol('source').list_volume_types.return_value = [
        {'id': 't0', 'name': 'standard', 'replicated': False}]
    cloud.repl('target').status.return_value = {
        'vb': {'last_sync_at': 999.0}}
    figures = _measure(cloud)
    [res] = figures['resources']
    assert res['state'] == drv_base.STATE_ERROR
    assert 'vb is now of type standard' in res['finding']
    assert figures['findings'][0]['resource'] == {'type': SRV, 'id': 's1'}
    assert figures['findings'][0]['code'] == 'replication_removed'
    cloud.nova('source').get_owned_server.assert_not_called()


def test_measure_finds_container_sync_removed_and_clears_when_back(env):
    row = f.row(CONT, 'docs', protect_data={'protected_at': 900.0})
    db, cloud = env([row])
    swift = cloud.swift('source')
    swift.replication_status.return_value = {'docs': {'in_sync': True}}
    swift.replication_settings.return_value = 'container docs no longer ' \
        'syncs'
    figures = _measure(cloud)
    swift.check_account.assert_called_once_with('p')
    swift.replication_settings.assert_called_once_with(
        'docs', {'protected_at': 900.0})
    assert figures['resources'][0]['state'] == drv_base.STATE_ERROR
    # Once the settings are back, the finding goes away.
    row.replica = db.protected_resource_update.call_args.args[4]['replica']
    swift.replication_settings.return_value = None
    figures = _measure(cloud)
    assert figures['resources'][0]['state'] == drv_base.STATE_IN_SYNC
    assert figures['findings'] == []
    assert 'finding' not in \
        db.protected_resource_update.call_args.args[4]['replica']


def test_measure_containers_of_another_account_are_not_asked_for(env):
    db, cloud = env([f.row(CONT, 'docs')])
    swift = cloud.swift('source')
    swift.check_account.side_effect = _foreign('object storage account',
                                               'AUTH_tenant1')
    figures = _measure(cloud)
    swift.replication_status.assert_not_called()
    swift.replication_settings.assert_not_called()
    assert figures['resources'][0]['state'] == drv_base.STATE_ERROR
    assert 'AUTH_tenant1' in figures['findings'][0]['detail']


# --------------------------------------------------------- apply_rpo

@pytest.mark.parametrize('resources,rpo,achieved,event', [
    # A resource in error degrades the plan whatever the RPO.
    ([{'state': 'error'}], 60, 1.0, states.DEGRADE),
    ([{'state': 'error'}], None, None, states.DEGRADE),
    # Nothing in error, no RPO target: protected (again).
    ([{'state': 'in_sync'}], None, 1.0, states.RECOVER),
    ([{'state': 'in_sync'}], 60, 120.0, states.DEGRADE),
])
def test_apply_rpo_degrades_on_errors(env, resources, rpo, achieved, event):
    db, cloud = env([], rpo=rpo)
    figures = {'rpo_seconds_achieved': achieved, 'resources': resources,
               'findings': [{'detail': 'x'}]}
    with mock.patch.object(measure, 'notify') as notify:
        status = measure.apply_rpo(f.CTX, f.PLAN, figures)
    db.plan_replication_event.assert_called_once_with(
        mock.ANY, f.PLAN, event, operation_id=None)
    if status == states.DEGRADED:
        assert notify.call_args.args[2]['findings'] == [{'detail': 'x'}]


def test_listed_check_reads_an_attached_volume_the_project_does_not_list(
        env):
    # The server is in the project's own listing, one of its volumes is
    # not: that one is read and its owner checked (and refused).
    db, cloud = env([f.row(SRV, 's1')])
    cloud.nova('source').list_servers.return_value = {
        's1': {'id': 's1', 'name': 'web', 'project_id': 'p',
               'volumes_attached': ['vb', 'vx']}}
    cloud.vol('source').list_volumes.return_value = [
        {'id': 'vb', 'size': 1, 'volume_type': 'rep-a'}]
    cloud.vol('source').get_volume.side_effect = lambda vid: {
        'id': vid, 'project_id': 'tenant1'}
    task = protection.CheckResource(resource={'type': SRV, 'id': 's1'})
    with pytest.raises(drv_base.ForeignResource) as e:
        _execute(task)
    assert 'vx' in str(e.value)
    cloud.vol('source').get_volume.assert_called_once_with('vx')
    cloud.nova('source').get_server.assert_not_called()
