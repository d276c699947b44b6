"""Every task of drs.engine.tasks.protection: its run and its undo, with
the drivers mocked at their interfaces (autospecs) and the database API
autospec'd (drs.tests.unit.engine.task_fakes)."""

import inspect
from unittest import mock

import pytest

from drs.common import states
from drs.drivers import base as drv_base
from drs.engine import listings
from drs.engine import measure
from drs.engine import plans
from drs.engine import protect
from drs.engine.tasks import base
from drs.engine.tasks import protection
from drs.tests.unit.engine import task_fakes as f

VOL = plans.VOLUME
SRV = plans.SERVER
CONT = plans.CONTAINER

MAPPINGS = {'volume_types': {'plain-a': 'rep-b'},
            'flavors': {'small-a': 'small-b'},
            'networks': {'net-a': 'net-b'}}


@pytest.fixture
def env(conf):
    """``env(rows, ...)`` -> (db, cloud), patched for the test."""
    stack = []

    def make(rows=(), mappings=None, reversed_=False, options=None,
             op=None, recipes=(), rpo=60):
        plan = f.make_plan(rows, mappings, reversed_, options, rpo=rpo)
        cloud = f.Cloud(plan, reversed_sites=reversed_)
        db = f.make_db(plan, op, recipes)
        for p in f.patch_all(db, cloud):
            p.start()
            stack.append(p)
        return db, cloud

    yield make
    for p in reversed(stack):
        p.stop()


def _execute(task, **kwargs):
    return task.execute(f.CTX, f.OP, plan_id=f.PLAN, **kwargs)


def _revert(task, result, **kwargs):
    task.revert(f.CTX, f.OP, result=result, flow_failures={},
                plan_id=f.PLAN, **kwargs)


def _volume_types(cloud, types_, where='source'):
    """get_volume_type and list_volume_types answer from
    ``{name: replicated}``."""
    cloud.vol(where).get_volume_type.side_effect = lambda name: (
        {'name': name, 'replicated': types_[name]} if name in types_
        else None)
    cloud.vol(where).list_volume_types.return_value = [
        {'id': 'id-' + name, 'name': name, 'replicated': rep}
        for name, rep in types_.items()]


# ------------------------------------------------------------- check

@pytest.mark.parametrize('rtype,rid,kind,method,answer,expected', [
    (VOL, 'v1', 'volume', 'list_volumes',
     [{'id': 'v1', 'size': 3, 'volume_type': 'rep-a'}],
     {'size': 3, 'volume_type': 'rep-a'}),
    (CONT, 'docs', 'object_storage', 'get_container',
     {'name': 'docs', 'count': 7, 'bytes': 70}, {'count': 7}),
    (SRV, 's1', 'compute', 'list_servers', {'s1': {'id': 's1',
                                                   'name': 'web'}},
     {'name': 'web'}),
])
def test_check_resource_reads_the_source(env, rtype, rid, kind, method,
                                         answer, expected):
    db, cloud = env([f.row(rtype, rid)])
    drv = cloud.drivers[(kind, 'source')]
    getattr(drv, method).return_value = answer
    task = protection.CheckResource(resource={'type': rtype, 'id': rid})
    out = _execute(task)
    if method.startswith('list_'):
        getattr(drv, method).assert_called_once_with()
    else:
        getattr(drv, method).assert_called_once_with(rid)
    assert out == dict(expected, type=rtype, id=rid)
    # Nothing at the target is asked.
    assert [c for c in cloud.calls() if c[1] == 'target'] == []
    assert [e[1] for e in f.events(db)] == ['started', 'succeeded']


@pytest.mark.parametrize('rtype,kind,listing,get', [
    (VOL, 'volume', 'list_volumes', 'get_volume'),
    (SRV, 'compute', 'list_servers', 'get_server')])
def test_checks_of_one_operation_share_one_listing(env, rtype, kind,
                                                   listing, get):
    db, cloud = env([f.row(rtype, 'r1'), f.row(rtype, 'r2')])
    drv = cloud.drivers[(kind, 'source')]
    found = {'id': 'r1', 'name': 'one', 'size': 1, 'volume_type': 't'}
    getattr(drv, listing).return_value = (
        [found] if rtype == VOL else {'r1': found})
    getattr(drv, get).side_effect = drv_base.ResourceNotFound(
        type=rtype, id='r2', project='p', site='site-a')
    assert _execute(protection.CheckResource(
        resource={'type': rtype, 'id': 'r1'}))['id'] == 'r1'
    # Not listed: read on its own, which names it as not found.
    with pytest.raises(drv_base.ResourceNotFound):
        _execute(protection.CheckResource(
            resource={'type': rtype, 'id': 'r2'}))
    getattr(drv, listing).assert_called_once_with()
    getattr(drv, get).assert_called_once_with('r2')
    # Another operation lists afresh.
    protection.CheckResource(resource={'type': rtype, 'id': 'r1'}).execute(
        f.CTX, 'op-other', plan_id=f.PLAN)
    listings.release('op-other')
    assert getattr(drv, listing).call_count == 2


def test_check_resource_failure_names_the_resource(env):
    db, cloud = env([f.row(VOL, 'v-gone')])
    cloud.vol('source').get_volume.side_effect = drv_base.ResourceNotFound(
        type='volume', id='v-gone', project='p', site='site-a')
    task = protection.CheckResource(resource={'type': VOL, 'id': 'v-gone'})
    with pytest.raises(drv_base.ResourceNotFound):
        _execute(task)
    step, state, rid, message = f.events(db)[-1]
    assert (state, rid) == ('failed', 'v-gone')
    assert 'v-gone' in message and 'site-a' in message


# ----------------------------------------------------- protect volume

def test_protect_volume_retypes_into_the_mapped_replicated_type(env):
    db, cloud = env([f.row(VOL, 'v1')], mappings=MAPPINGS)
    src = cloud.vol('source')
    src.get_volume.return_value = {'id': 'v1', 'size': 4,
                                   'volume_type': 'plain-a'}
    _volume_types(cloud, {'plain-a': False, 'rep-b': True})
    task = protection.ProtectVolume(resource={'type': VOL, 'id': 'v1'})
    data = _execute(task)
    src.retype.assert_called_once_with('v1', 'rep-b')
    assert data['mode'] == 'volume-type'
    assert (data['retyped_from'], data['retyped_to']) == ('plain-a', 'rep-b')
    assert data['size'] == 4
    db.protected_resource_update.assert_called_once_with(
        mock.ANY, f.PLAN, VOL, 'v1',
        {'protect_data': data, 'replication_state': 'replicating',
         'replica': {'site': 'site-b', 'kind': 'cinder-volume-type'}})


def test_protect_volume_of_a_replicated_type_changes_nothing(env):
    db, cloud = env([f.row(VOL, 'v1')], mappings=MAPPINGS)
    cloud.vol('source').get_volume.return_value = {
        'id': 'v1', 'size': 1, 'volume_type': 'rep-a'}
    _volume_types(cloud, {'rep-a': True})
    data = _execute(protection.ProtectVolume(
        resource={'type': VOL, 'id': 'v1'}))
    cloud.vol('source').retype.assert_not_called()
    assert 'retyped_from' not in data and data['volume_type'] == 'rep-a'


def test_protect_volume_in_a_reversed_plan_uses_inverted_mappings(env):
    # Reprotected: the plan protects site-b's volume into site-a, and the
    # a->b mapping is read b->a.
    db, cloud = env([f.row(VOL, 'v1')], reversed_=True,
                    mappings={'volume_types': {'rep-a': 'plain-b'}})
    cloud.vol('source').get_volume.return_value = {
        'id': 'v1', 'size': 1, 'volume_type': 'plain-b'}
    _volume_types(cloud, {'plain-b': False, 'rep-a': True})
    data = _execute(protection.ProtectVolume(
        resource={'type': VOL, 'id': 'v1'}))
    cloud.vol('source').retype.assert_called_once_with('v1', 'rep-a')
    assert data['retyped_to'] == 'rep-a'
    replica = db.protected_resource_update.call_args.args[4]['replica']
    assert replica['site'] == 'site-a'


def test_protect_volume_resumed_does_not_retype_again(env):
    done = {'mode': 'volume-type', 'retyped_from': 'plain-a',
            'retyped_to': 'rep-b'}
    db, cloud = env([f.row(VOL, 'v1', protect_data=done)],
                    mappings=MAPPINGS)
    data = _execute(protection.ProtectVolume(
        resource={'type': VOL, 'id': 'v1'}))
    assert data == done
    assert cloud.calls() == []
    assert db.protected_resource_update.call_args.args[4][
        'protect_data'] == done


def test_protect_volume_unmapped_plain_type_is_refused_by_name(env):
    db, cloud = env([f.row(VOL, 'v1')], mappings={})
    cloud.vol('source').get_volume.return_value = {
        'id': 'v1', 'size': 1, 'volume_type': 'plain-a'}
    _volume_types(cloud, {'plain-a': False})
    with pytest.raises(drv_base.DriverError) as exc:
        _execute(protection.ProtectVolume(
            resource={'type': VOL, 'id': 'v1'}))
    assert 'volume v1' in str(exc.value) and 'plain-a' in str(exc.value)
    cloud.vol('source').retype.assert_not_called()
    db.protected_resource_update.assert_not_called()


def test_protect_volume_undo_restores_the_type_and_the_row(env):
    db, cloud = env([f.row(VOL, 'v1')])
    task = protection.ProtectVolume(resource={'type': VOL, 'id': 'v1'})
    _revert(task, {'mode': 'volume-type', 'retyped_from': 'plain-a',
                   'retyped_to': 'rep-b'})
    cloud.vol('source').retype.assert_called_once_with('v1', 'plain-a')
    db.protected_resource_update.assert_called_once_with(
        mock.ANY, f.PLAN, VOL, 'v1',
        {'protect_data': {}, 'replica': {}, 'lag_seconds': None,
         'replication_state': 'unprotected'})
    assert f.events(db)[-1][1] == 'reverted'


def test_protect_volume_undo_without_a_retype_touches_no_volume(env):
    db, cloud = env([f.row(VOL, 'v1')])
    task = protection.ProtectVolume(resource={'type': VOL, 'id': 'v1'})
    _revert(task, {'mode': 'volume-type', 'volume_type': 'rep-a'})
    assert cloud.calls() == []
    db.protected_resource_update.assert_called_once()


# ------------------------------------------------------------ recipes

RECIPE = {
    'server': {'name': 'web'},
    'flavor': {'name': 'small-a'},
    'boot_volume': {'id': 'vb'},
    'data_volumes': [{'id': 'vd'}],
    'ports': [],
}


def _volume_listing(cloud, server='s1'):
    """The source lists vb (boot, 2 GiB) and vd (5 GiB), attached to
    ``server``."""
    cloud.vol('source').list_volumes.return_value = [
        {'id': vid, 'size': 2 if vid == 'vb' else 5, 'volume_type': 'rep-a',
         'bootable': vid == 'vb',
         'attachments': [{'server_id': server, 'device': dev,
                          'attachment_id': 'att-' + vid}]}
        for vid, dev in (('vb', '/dev/vda'), ('vd', '/dev/vdb'))]


@pytest.mark.parametrize('cls', [protection.CaptureRecipe,
                                 protection.RefreshRecipe])
def test_capture_recipe_reads_the_source_and_saves_it(env, cls):
    before = {'server': {'name': 'old'}}
    db, cloud = env([f.row(SRV, 's1')], recipes=[f.recipe_row('s1', before)])
    _volume_listing(cloud)
    cloud.nova('source').capture_recipes.return_value = {'s1': {
        'server': {'name': 'web'}, 'boot_volume': {'id': 'vb'},
        'data_volumes': [{'id': 'vd'}]}}
    task = cls(resource={'type': SRV, 'id': 's1'})
    assert task.name == '%s-s1' % cls.step
    out = _execute(task)
    assert out == {'server_id': 's1', 'volume_ids': ['vb', 'vd']}
    cloud.nova('source').capture_recipes.assert_called_once_with(
        ['s1'], cloud.net('source'),
        {'s1': [{'id': 'vb', 'device': '/dev/vda', 'attachment_id': 'att-vb'},
                {'id': 'vd', 'device': '/dev/vdb',
                 'attachment_id': 'att-vd'}]},
        {'s1': before})
    cloud.nova('source').capture_recipe.assert_not_called()
    cloud.vol('source').get_volume.assert_not_called()
    saved = db.recipe_save.call_args.args
    assert saved[1:3] == (f.PLAN, 's1')
    assert saved[3]['boot_volume'] == {'id': 'vb', 'size': 2,
                                       'volume_type': 'rep-a',
                                       'bootable': True,
                                       'attachment_id': 'att-vb'}
    assert saved[3]['data_volumes'][0]['size'] == 5
    assert [c for c in cloud.calls() if c[1] == 'target'] == []


def test_recipes_of_one_operation_come_from_one_batch(env):
    db, cloud = env([f.row(SRV, 's1'), f.row(SRV, 's2'), f.row(VOL, 'v9')])
    _volume_listing(cloud)
    cloud.nova('source').capture_recipes.return_value = {
        sid: {'server': {'name': sid}, 'boot_volume': None,
              'data_volumes': []} for sid in ('s1', 's2')}
    for sid in ('s1', 's2'):
        _execute(protection.RefreshRecipe(resource={'type': SRV,
                                                    'id': sid}))
    nova = cloud.nova('source')
    nova.capture_recipes.assert_called_once()
    assert nova.capture_recipes.call_args.args[0] == ['s1', 's2']
    cloud.vol('source').list_volumes.assert_called_once_with()
    assert [c.args[2] for c in db.recipe_save.call_args_list] == ['s1', 's2']
    # Asked again in the same run (a retried step): read on its own, its
    # owner checked.
    nova.get_server.return_value = {'id': 's1', 'name': 's1',
                                    'project_id': 'p'}
    nova.capture_recipe.return_value = {'server': {'name': 'again'},
                                        'boot_volume': None,
                                        'data_volumes': []}
    _execute(protection.RefreshRecipe(resource={'type': SRV, 'id': 's1'}))
    nova.capture_recipe.assert_called_once_with('s1', cloud.net('source'))
    assert nova.capture_recipes.call_count == 1


def test_a_server_the_batch_lacks_is_read_on_its_own(env):
    db, cloud = env([f.row(SRV, 's1'), f.row(SRV, 'gone')])
    cloud.nova('source').capture_recipes.return_value = {}
    cloud.nova('source').get_server.side_effect = \
        drv_base.ResourceNotFound(type=SRV, id='gone', project='p',
                                  site='site-a')
    with pytest.raises(drv_base.ResourceNotFound):
        _execute(protection.CaptureRecipe(resource={'type': SRV,
                                                    'id': 'gone'}))
    db.recipe_save.assert_not_called()
    cloud.nova('source').capture_recipe.assert_not_called()


def test_capture_recipe_without_an_operation_reads_the_server(env):
    db, cloud = env([f.row(SRV, 's1')])
    cloud.nova('source').get_server.return_value = {
        'id': 's1', 'name': 'web', 'project_id': 'p'}
    cloud.nova('source').capture_recipe.return_value = {
        'server': {'name': 'web'}, 'boot_volume': {'id': 'vb'},
        'data_volumes': []}
    cloud.vol('source').get_volume.return_value = {
        'id': 'vb', 'size': 2, 'volume_type': 'rep-a', 'bootable': True,
        'project_id': 'p',
        'attachments': [{'server_id': 's1', 'device': '/dev/vda',
                         'attachment_id': 'att-vb'}]}
    recipe = protect.capture_recipe(f.CTX, f.PLAN, 's1')
    assert recipe['boot_volume']['attachment_id'] == 'att-vb'
    cloud.nova('source').capture_recipes.assert_not_called()
    assert listings.held() == []


def test_protect_volume_uses_the_listing_retyped(env):
    db, cloud = env([f.row(SRV, 's1'), f.row(SRV, 's2')], mappings=MAPPINGS)
    cloud.vol('source').list_volumes.return_value = [
        {'id': 'vb', 'size': 1, 'volume_type': 'plain-a'}]
    cloud.vol('source').retype.return_value = {
        'id': 'vb', 'size': 1, 'volume_type': 'rep-b'}
    _volume_types(cloud, {'plain-a': False, 'rep-b': True})
    first = _execute(protection.ProtectServerVolumes(
        resource={'type': SRV, 'id': 's1'}), recipe={'volume_ids': ['vb']})
    assert first['volumes']['vb']['retyped_to'] == 'rep-b'
    # A second server attached to the same volume sees it retyped.
    second = _execute(protection.ProtectServerVolumes(
        resource={'type': SRV, 'id': 's2'}), recipe={'volume_ids': ['vb']})
    assert second['volumes']['vb']['volume_type'] == 'rep-b'
    cloud.vol('source').retype.assert_called_once_with('vb', 'rep-b')
    cloud.vol('source').get_volume.assert_not_called()
    cloud.vol('source').get_volume_type.assert_not_called()
    cloud.vol('source').list_volume_types.assert_called_once_with()


def test_protect_server_volumes_protects_each_volume_once(env):
    db, cloud = env([f.row(SRV, 's1')], mappings=MAPPINGS)
    cloud.vol('source').get_volume.side_effect = lambda vid: {
        'id': vid, 'size': 1, 'volume_type': 'plain-a'}
    _volume_types(cloud, {'plain-a': False, 'rep-b': True})
    task = protection.ProtectServerVolumes(resource={'type': SRV,
                                                     'id': 's1'})
    data = _execute(task, recipe={'volume_ids': ['vb', 'vd']})
    assert cloud.vol('source').retype.call_args_list == [
        mock.call('vb', 'rep-b'), mock.call('vd', 'rep-b')]
    assert sorted(data['volumes']) == ['vb', 'vd']
    assert data['volumes']['vb']['retyped_from'] == 'plain-a'
    # Saved after each volume, then the final state.
    updates = db.protected_resource_update.call_args_list
    assert len(updates) == 3
    final = updates[-1].args[4]
    assert final['replication_state'] == 'replicating'
    assert final['replica'] == {'site': 'site-b', 'kind': 'recipe+volumes',
                                'volumes': {'vb': {}, 'vd': {}}}


def test_protect_server_volumes_resumed_skips_what_was_protected(env):
    done = {'volumes': {'vb': {'mode': 'volume-type',
                               'retyped_from': 'plain-a'}}}
    db, cloud = env([f.row(SRV, 's1', protect_data=done)],
                    mappings=MAPPINGS)
    cloud.vol('source').get_volume.side_effect = lambda vid: {
        'id': vid, 'size': 1, 'volume_type': 'plain-a'}
    _volume_types(cloud, {'plain-a': False, 'rep-b': True})
    task = protection.ProtectServerVolumes(resource={'type': SRV,
                                                     'id': 's1'})
    data = _execute(task, recipe={'volume_ids': ['vb', 'vd']})
    cloud.vol('source').get_volume.assert_called_once_with('vd')
    cloud.vol('source').retype.assert_called_once_with('vd', 'rep-b')
    assert data['volumes']['vb'] == done['volumes']['vb']


def test_protect_server_volumes_undo(env):
    db, cloud = env([f.row(SRV, 's1')])
    task = protection.ProtectServerVolumes(resource={'type': SRV,
                                                     'id': 's1'})
    _revert(task, {'volumes': {'vb': {'retyped_from': 'plain-a'},
                               'vd': {'mode': 'volume-type'}}})
    cloud.vol('source').retype.assert_called_once_with('vb', 'plain-a')
    db.recipe_delete.assert_called_once_with(mock.ANY, f.PLAN, 's1')
    assert db.protected_resource_update.call_args.args[4][
        'replication_state'] == 'unprotected'


# --------------------------------------------------------- containers

def test_protect_container_sets_sync_to_the_target(env):
    db, cloud = env([f.row(CONT, 'docs')])
    cloud.swift('source').protect_container.return_value = {
        'protect_data': {'sync_key_set': True},
        'replica': {'site': 'site-b', 'container': 'docs'}}
    with mock.patch.object(plans, '_now', return_value=1234.0):
        data = _execute(protection.ProtectContainer(
            resource={'type': CONT, 'id': 'docs'}))
    cloud.swift('source').protect_container.assert_called_once_with(
        'docs', cloud.swift('target'))
    assert data == {'sync_key_set': True, 'protected_at': 1234.0}
    db.protected_resource_update.assert_called_once_with(
        mock.ANY, f.PLAN, CONT, 'docs',
        {'protect_data': data,
         'replica': {'site': 'site-b', 'container': 'docs'},
         'replication_state': 'replicating'})


def test_protect_container_run_again_keeps_what_the_first_run_found(env):
    # The first run set sync up (its record is on the row) and its engine
    # died before TaskFlow saved the result: the second run sees drs's
    # own sync settings and a target container that drs created.
    first = {'containers': {'docs': {'created_at_target': True,
                                     'previous_sync_to': '//own/sync'}},
             'protected_at': 1000.0}
    db, cloud = env([f.row(CONT, 'docs', protect_data=first)])
    cloud.swift('source').protect_container.return_value = {
        'protect_data': {'containers': {
            'docs': {'created_at_target': False, 'previous_sync_to': None},
            'docs_segments': {'created_at_target': True,
                              'previous_sync_to': None}}},
        'replica': {'site': 'site-b', 'container': 'docs'}}
    with mock.patch.object(plans, '_now', return_value=1234.0):
        data = _execute(protection.ProtectContainer(
            resource={'type': CONT, 'id': 'docs'}))
    assert data == {'containers': {
        'docs': {'created_at_target': True, 'previous_sync_to': '//own/sync'},
        'docs_segments': {'created_at_target': True,
                          'previous_sync_to': None}},
        'protected_at': 1000.0}


def test_protect_container_undo(env):
    db, cloud = env([f.row(CONT, 'docs')])
    task = protection.ProtectContainer(resource={'type': CONT,
                                                 'id': 'docs'})
    _revert(task, {'sync_key_set': True})
    cloud.swift('source').unprotect_container.assert_called_once_with(
        'docs', {'sync_key_set': True})
    assert db.protected_resource_update.call_args.args[4][
        'replication_state'] == 'unprotected'


# ------------------------------------------------------------- groups

def test_protect_group_without_group_mode_does_nothing(env):
    db, cloud = env([f.row(VOL, 'v1')])
    assert _execute(protection.ProtectGroup()) is None
    assert cloud.calls() == []


def test_protect_group_puts_every_plan_volume_in_one_group(env):
    rows = [f.row(VOL, 'v1'),
            f.row(SRV, 's1', protect_data={'volumes': {'vb': {}}})]
    db, cloud = env(rows, options={'volume_replication': 'group'})
    src = cloud.vol('source')
    src.group_replication_supported.return_value = True
    src.ensure_replication_group.return_value = {
        'id': 'g1', 'added_volumes': ['v1', 'vb']}
    out = _execute(protection.ProtectGroup())
    src.ensure_replication_group.assert_called_once_with(
        'drs-%s' % f.PLAN, ['v1', 'vb'])
    assert out == {'id': 'g1', 'volumes': ['v1', 'vb']}
    groups = {c.args[3]: c.args[4]['protect_data']['group']
              for c in db.protected_resource_update.call_args_list}
    assert groups == {'v1': {'id': 'g1', 'added': ['v1']},
                      's1': {'id': 'g1', 'added': ['vb']}}


def test_protect_group_unsupported_names_the_site(env):
    db, cloud = env([f.row(VOL, 'v1')],
                    options={'volume_replication': 'group'})
    src = cloud.vol('source')
    src.group_replication_supported.return_value = False
    src.site_name = 'site-a'
    with pytest.raises(drv_base.DriverError, match='site site-a'):
        _execute(protection.ProtectGroup())
    src.ensure_replication_group.assert_not_called()


def test_protect_group_undo(env):
    db, cloud = env([f.row(VOL, 'v1')])
    task = protection.ProtectGroup()
    _revert(task, None)
    assert cloud.calls() == []
    _revert(task, {'id': 'g1', 'volumes': ['v1']})
    cloud.vol('source').disable_group_replication.assert_called_once_with(
        'g1')


# -------------------------------------------------------- measurement

def test_measure_replication_reads_list_calls_and_updates_rows(env):
    rows = [f.row(VOL, 'v1', protect_data={'protected_at': 900.0})]
    db, cloud = env(rows)
    cloud.vol('source').list_volumes.return_value = [
        {'id': 'v1', 'replication_status': 'enabled'}]
    cloud.repl('target').status.return_value = {
        'v1': {'present': True, 'last_sync_at': 990.0, 'health': 'ok'}}
    with mock.patch.object(plans, '_now', return_value=1000.0):
        figures = _execute(protection.MeasureReplication())
    cloud.repl('target').status.assert_called_once_with(
        [{'id': 'v1', 'replication_status': 'enabled'}])
    assert figures['rpo_seconds_achieved'] == 10.0
    assert figures['resources'] == [{'type': VOL, 'id': 'v1',
                                     'state': 'in_sync',
                                     'lag_seconds': 10.0}]
    values = db.protected_resource_update.call_args.args[4]
    assert values['lag_seconds'] == 10.0
    assert values['replica']['health'] == 'ok'


@pytest.mark.parametrize('achieved,event,status,notified', [
    (120.0, states.DEGRADE, states.DEGRADED, 'dr.plan.degraded'),
    (5.0, states.RECOVER, states.PROTECTED, None),
])
def test_apply_rpo_moves_the_plan_and_records_the_result(
        env, achieved, event, status, notified):
    db, cloud = env([])
    figures = {'rpo_seconds_achieved': achieved, 'resources': []}
    with mock.patch.object(measure, 'notify') as notify:
        out = _execute(protection.ApplyRpo(), replication_figures=figures)
    db.plan_replication_event.assert_called_once_with(
        mock.ANY, f.PLAN, event, operation_id=f.OP)
    assert out == dict(figures, plan_status=status)
    db.operation_update.assert_called_once_with(mock.ANY, f.OP,
                                                {'result': out})
    if notified:
        assert notify.call_args.args[1] == notified
        assert notify.call_args.args[2]['rpo_seconds_achieved'] == achieved
    else:
        notify.assert_not_called()


def test_record_protection(env):
    db, cloud = env([])
    figures = {'rpo_seconds_achieved': 3.0}
    assert _execute(protection.RecordProtection(),
                    replication_figures=figures) == figures
    db.operation_update.assert_called_once_with(mock.ANY, f.OP,
                                                {'result': figures})
    assert cloud.calls() == []


# ---------------------------------------------------------- preflight

SERVER_RECIPE = {
    'server': {'name': 'web', 'availability_zone': 'az-a'},
    'flavor': {'name': 'small-a', 'vcpus': 1, 'ram': 512},
    'image': None, 'key_pair': None,
    'ports': [{'id': 'p1', 'network_id': 'net-a'}],
    'boot_volume': {'id': 'vb', 'size': 3, 'volume_type': 'plain-a'},
    'data_volumes': [],
}


def test_preflight_resource_reads_the_target_only(env):
    db, cloud = env([f.row(SRV, 's1', state='in_sync')],
                    mappings=dict(MAPPINGS,
                                  availability_zones={'az-a': 'az-b'}),
                    recipes=[f.recipe_row('s1', SERVER_RECIPE)])
    tgt = cloud.nova('target')
    tgt.find_flavor.return_value = None
    tgt.availability_zones.return_value = ['az-b']
    cloud.vol('target').list_volume_types.return_value = [
        {'name': 'rep-b'}]
    cloud.net('target').network_exists.return_value = True
    out = _execute(protection.PreflightResource(
        resource={'type': SRV, 'id': 's1'}))
    tgt.find_flavor.assert_called_once_with('small-b')
    cloud.net('target').network_exists.assert_called_once_with('net-b')
    codes = [x['code'] for x in out['findings']]
    assert codes == ['missing_flavor']
    assert 'small-b' in out['findings'][0]['detail']
    assert out['needs']['gigabytes'] == 3 and out['needs']['port'] == 1
    assert [c for c in cloud.calls() if c[1] == 'source'] == []
    db.operation_update.assert_not_called()


def test_preflight_resource_of_a_reversed_plan_maps_back(env):
    recipe = dict(SERVER_RECIPE, flavor={'name': 'small-b'},
                  server={'name': 'web'},
                  ports=[{'id': 'p1', 'network_id': 'net-b'}],
                  boot_volume={'id': 'vb', 'size': 1,
                               'volume_type': 'rep-b'})
    db, cloud = env([f.row(SRV, 's1', state='in_sync')], reversed_=True,
                    mappings=MAPPINGS, recipes=[f.recipe_row('s1', recipe)])
    cloud.nova('target').find_flavor.return_value = {'vcpus': 2, 'ram': 1}
    cloud.vol('target').list_volume_types.return_value = [
        {'name': 'plain-a'}]
    cloud.net('target').network_exists.return_value = True
    out = _execute(protection.PreflightResource(
        resource={'type': SRV, 'id': 's1'}))
    cloud.nova('target').find_flavor.assert_called_once_with('small-a')
    cloud.net('target').network_exists.assert_called_once_with('net-a')
    assert out['findings'] == []
    assert out['needs']['cores'] == 2


def test_preflight_report_sums_needs_and_finds_quota_shortfalls(env):
    db, cloud = env([])
    t = cloud.drivers
    t[('compute', 'target')].quota.return_value = {
        'instances': {'limit': 10, 'in_use': 9}}
    t[('volume', 'target')].quota.return_value = {
        'gigabytes': {'limit': -1, 'in_use': 5}}
    t[('network', 'target')].quota.side_effect = RuntimeError('503')
    warning = {'severity': 'warning', 'code': 'unmapped_flavor'}
    out = _execute(protection.PreflightReport(name='report'),
                   preflight_s1={'findings': [warning],
                                 'needs': {'instances': 1, 'gigabytes': 9}},
                   preflight_s2={'findings': [],
                                 'needs': {'instances': 1}},
                   unrelated={'needs': {'instances': 100}})
    assert out['needs'] == {'instances': 2, 'gigabytes': 9}
    codes = [x['code'] for x in out['findings']]
    assert codes == ['unmapped_flavor', 'quota_unknown', 'quota_shortfall']
    assert '1 free' in out['findings'][-1]['detail']
    assert out['ok'] is False
    db.operation_update.assert_called_once_with(mock.ANY, f.OP,
                                                {'result': out})


# ---------------------------------------------------------- unprotect

def test_unprotect_volume_restores_its_type_and_leaves_its_group(env):
    data = {'retyped_from': 'plain-a', 'group': {'id': 'g1'}}
    db, cloud = env([f.row(VOL, 'v1', protect_data=data)])
    out = _execute(protection.UnprotectResource(
        resource={'type': VOL, 'id': 'v1'}))
    src = cloud.vol('source')
    src.disable_group_replication.assert_called_once_with('g1')
    src.retype.assert_called_once_with('v1', 'plain-a')
    assert out == {'type': VOL, 'id': 'v1',
                   'undone': ['group', 'retyped_from']}
    assert db.protected_resource_update.call_args.args[4][
        'replication_state'] == 'unprotected'
    # Unprotect deletes no data.
    assert not any(m.startswith('delete') for _k, _w, m in cloud.calls())


def test_unprotect_server_and_container(env):
    rows = [f.row(SRV, 's1', protect_data={'volumes': {
                'vb': {'retyped_from': 'plain-a'}, 'vd': {}}}),
            f.row(CONT, 'docs', protect_data={'key': 'x'})]
    db, cloud = env(rows)
    _execute(protection.UnprotectResource(resource={'type': SRV,
                                                    'id': 's1'}))
    cloud.vol('source').retype.assert_called_once_with('vb', 'plain-a')
    db.recipe_delete.assert_called_once_with(mock.ANY, f.PLAN, 's1')
    _execute(protection.UnprotectResource(resource={'type': CONT,
                                                    'id': 'docs'}))
    cloud.swift('source').unprotect_container.assert_called_once_with(
        'docs', {'key': 'x'})


def test_unprotect_an_unprotected_resource_calls_no_driver(env):
    db, cloud = env([f.row(CONT, 'docs')])
    out = _execute(protection.UnprotectResource(
        resource={'type': CONT, 'id': 'docs'}))
    assert cloud.calls() == [] and out['undone'] == []


def test_clear_plan_replication(env):
    db, cloud = env([])
    _execute(protection.ClearPlanReplication())
    db.plan_update.assert_called_once_with(
        mock.ANY, f.PLAN, {'rpo_seconds_achieved': None},
        require_idle=False)


# ------------------------------------------------------------ coverage

TESTED = {
    'CheckResource', 'ProtectVolume', 'CaptureRecipe', 'RefreshRecipe',
    'ProtectServerVolumes', 'ProtectContainer', 'ProtectGroup',
    'MeasureReplication', 'ApplyRpo', 'RecordProtection',
    'PreflightResource', 'PreflightReport', 'UnprotectResource',
    'ClearPlanReplication',
}
UNDONE = {'ProtectVolume', 'ProtectServerVolumes', 'ProtectContainer',
          'ProtectGroup'}


def test_every_task_of_the_module_is_tested_here():
    tasks = {name for name, cls in inspect.getmembers(protection,
                                                      inspect.isclass)
             if issubclass(cls, base.OperationTask)
             and cls.__module__ == protection.__name__}
    assert tasks == TESTED
    with_undo = {name for name in tasks
                 if getattr(protection, name).undo
                 is not base.OperationTask.undo}
    assert with_undo == UNDONE
