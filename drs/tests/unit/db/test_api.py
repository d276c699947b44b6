"""drs.db.api on a migrated SQLite database."""

import pytest

from drs import context as drs_context
from drs.db import api as db_api
from drs import exception
from drs.tests import db_fixtures


@pytest.fixture
def ctx(conf, tmp_path):
    with db_fixtures.migrated_database('sqlite', str(tmp_path)):
        yield drs_context.RequestContext(user_id='u1', project_id='p1',
                                         roles=['member'])


@pytest.fixture
def plan(ctx):
    a = db_api.site_create(ctx, {'name': 'a', 'region_name': 'R1',
                                 'auth_url': 'http://k/v3',
                                 'interface': 'public'})
    b = db_api.site_create(ctx, {'name': 'b', 'region_name': 'R2',
                                 'auth_url': 'http://k/v3',
                                 'interface': 'public'})
    return db_api.plan_create(
        ctx, {'name': 'p', 'project_id': 'p1', 'status': 'available',
              'source_site_id': a.id, 'target_site_id': b.id},
        [{'type': 'OS::Cinder::Volume', 'id': 'v1'},
         {'type': 'OS::Cinder::Volume', 'id': 'v2', 'tier': 2}])


def test_resource_state_survives_a_resource_update(ctx, plan):
    with db_api.writer.using(ctx) as session:
        row = session.get(db_api.models.ProtectedResource,
                          plan.resources[0].id)
        row.replication_state = 'replicating'
    updated = db_api.plan_update(ctx, plan.id, {}, resources=[
        {'type': 'OS::Cinder::Volume', 'id': 'v3'},
        {'type': 'OS::Cinder::Volume', 'id': 'v1', 'tier': 5}])
    got = [(r.resource_id, r.tier, r.replication_state)
           for r in updated.resources]
    assert got == [('v3', 1, 'unprotected'), ('v1', 5, 'replicating')]


def test_resources_replaced_with_their_values_in_one_update(ctx, plan):
    updated = db_api.plan_update(ctx, plan.id, {'reversed': True},
                                 resources=[
        {'type': 'OS::Cinder::Volume', 'id': 'v9', 'values': {
            'protect_data': {'mode': 'volume-type'},
            'replication_state': 'replicating'}},
        {'type': 'OS::Cinder::Volume', 'id': 'v1', 'values': {
            'replica': {'site': 'a'}}}], require_idle=False)
    assert updated.reversed is True
    got = {r.resource_id: (r.protect_data, r.replica, r.replication_state)
           for r in db_api.plan_get(ctx, plan.id).resources}
    assert got == {'v9': ({'mode': 'volume-type'}, {}, 'replicating'),
                   'v1': ({}, {'site': 'a'}, 'unprotected')}


def test_operation_create_takes_the_plan(ctx, plan):
    op = db_api.operation_create(ctx, plan.id, 'protect', {})
    assert op.status == 'pending'
    assert op.plan_status_before == 'available'
    got = db_api.plan_get(ctx, plan.id)
    assert got.status == 'protecting'
    assert got.current_operation_id == op.id
    with pytest.raises(exception.PlanBusy):
        db_api.operation_create(ctx, plan.id, 'unprotect', {})
    with pytest.raises(exception.PlanInvalidState):
        db_api.plan_update(ctx, plan.id, {'mappings': {}})
    # A rename is fine while the operation runs.
    assert db_api.plan_update(ctx, plan.id, {'name': 'q'},
                              require_idle=False).name == 'q'


def test_operation_refused_in_the_wrong_state(ctx, plan):
    with pytest.raises(exception.PlanInvalidState) as e:
        db_api.operation_create(ctx, plan.id, 'failover', {})
    assert 'failover is allowed only when' in e.value.message
    with pytest.raises(exception.PlanInvalidState):
        db_api.operation_create(ctx, plan.id, 'cleanup_test', {})
    assert db_api.plan_get(ctx, plan.id).current_operation_id is None


def test_finish_moves_the_plan_as_the_state_machine_says(ctx, plan):
    op = db_api.operation_create(ctx, plan.id, 'protect', {})
    db_api.operation_transition(ctx, op.id, 'start')
    done = db_api.operation_finish(ctx, op.id, 'succeed',
                                   result={'ok': True})
    assert done.status == 'succeeded'
    assert done.finished_at is not None
    got = db_api.plan_get(ctx, plan.id)
    assert (got.status, got.current_operation_id) == ('protected', None)

    op = db_api.operation_create(ctx, plan.id, 'failover', {})
    db_api.operation_transition(ctx, op.id, 'start')
    db_api.operation_finish(ctx, op.id, 'fail',
                            error={'step': 'boot', 'detail': 'no host'})
    got = db_api.plan_get(ctx, plan.id)
    assert got.status == 'failover_error'
    assert db_api.operation_get(ctx, op.id).error['step'] == 'boot'


def test_cancelled_operation_restores_the_plan(ctx, plan):
    op = db_api.operation_create(ctx, plan.id, 'protect', {})
    db_api.operation_finish(ctx, op.id, 'cancel')
    got = db_api.plan_get(ctx, plan.id)
    assert (got.status, got.current_operation_id) == ('available', None)
    assert db_api.operation_get(ctx, op.id).status == 'cancelled'


def test_test_failover_flags(ctx, plan):
    op = db_api.operation_create(ctx, plan.id, 'protect', {})
    db_api.operation_transition(ctx, op.id, 'start')
    db_api.operation_finish(ctx, op.id, 'succeed')
    op = db_api.operation_create(ctx, plan.id, 'test_failover', {})
    assert db_api.plan_get(ctx, plan.id).test_active is True
    db_api.operation_transition(ctx, op.id, 'start')
    db_api.operation_finish(ctx, op.id, 'succeed')
    with pytest.raises(exception.PlanInvalidState) as e:
        db_api.operation_create(ctx, plan.id, 'test_failover', {})
    assert 'cleanup_test' in e.value.message
    op = db_api.operation_create(ctx, plan.id, 'cleanup_test', {})
    db_api.operation_transition(ctx, op.id, 'start')
    db_api.operation_finish(ctx, op.id, 'succeed',
                            plan_values={'test_active': False})
    got = db_api.plan_get(ctx, plan.id)
    assert (got.status, got.test_active) == ('protected', False)


def test_events_in_order(ctx, plan):
    op = db_api.operation_create(ctx, plan.id, 'protect', {})
    for state in ('started', 'succeeded'):
        db_api.event_add(ctx, op.id, 'check', state,
                         'OS::Cinder::Volume', 'v1')
    assert [e.state for e in db_api.event_list(ctx, op.id)] == [
        'started', 'succeeded']


def test_site_in_use_and_missing(ctx, plan):
    with pytest.raises(exception.SiteInUse):
        db_api.site_delete(ctx, plan.source_site_id)
    with pytest.raises(exception.SiteNotFound):
        db_api.site_get(ctx, 'nowhere')


def test_an_action_racing_a_delete_is_404(ctx, plan, monkeypatch):
    """The plan is deleted between the action's read and its
    compare-and-swap: the action says the plan is gone, not "changed,
    try again"."""
    import sqlalchemy as sa
    from drs.common import states
    real = states.action_running_state

    def delete_meanwhile(action, before):
        with db_api.writer.using(ctx) as session:
            session.execute(sa.delete(db_api.models.Plan).where(
                db_api.models.Plan.id == plan.id))
        return real(action, before)

    monkeypatch.setattr(states, 'action_running_state', delete_meanwhile)
    with pytest.raises(exception.PlanNotFound):
        db_api.operation_create(ctx, plan.id, 'protect', {})
