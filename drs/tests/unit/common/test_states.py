import pytest

from drs.common import states


@pytest.mark.parametrize('action,before,running,success,failure', [
    ('protect', 'available', 'protecting', 'protected', 'error'),
    ('protect', 'error', 'protecting', 'protected', 'error'),
    ('unprotect', 'degraded', 'unprotecting', 'available', 'error'),
    ('failover', 'protected', 'failing_over', 'failed_over',
     'failover_error'),
    ('failover', 'failover_error', 'failing_over', 'failed_over',
     'failover_error'),
    ('planned_migration', 'degraded', 'failing_over', 'failed_over',
     'failover_error'),
    ('reprotect', 'failed_over', 'reprotecting', 'protected', 'error'),
    ('failback', 'protected', 'failing_back', 'protected',
     'failover_error'),
])
def test_state_changing_actions(action, before, running, success, failure):
    assert states.action_running_state(action, before) == running
    assert states.action_final_state(running, True) == success
    assert states.action_final_state(running, False) == failure


@pytest.mark.parametrize('action', ['sync', 'preflight', 'test_failover'])
@pytest.mark.parametrize('before', ['protected', 'degraded'])
def test_actions_beside_the_state_do_not_change_it(action, before):
    assert states.action_running_state(action, before) == before
    assert states.action_final_state(before, True) == before
    assert states.action_final_state(before, False) == before


@pytest.mark.parametrize('action,before', [
    ('failover', 'available'), ('protect', 'protected'),
    ('reprotect', 'protected'), ('sync', 'available'),
    ('unprotect', 'failed_over'), ('failback', 'failed_over'),
])
def test_actions_refused_in_the_wrong_state(action, before):
    with pytest.raises(states.InvalidTransition):
        states.action_running_state(action, before)


def test_replication_sweep_events():
    assert states.plan_next('protected', states.DEGRADE) == 'degraded'
    assert states.plan_next('degraded', states.RECOVER) == 'protected'
    with pytest.raises(states.InvalidTransition):
        states.plan_next('available', states.DEGRADE)


def test_every_action_has_parameters_and_a_policy_checked_path():
    from drs.api.schemas.v1 import actions
    assert set(actions.PARAMETERS) == set(states.ACTIONS)


def test_operation_lifecycle():
    assert states.operation_next('pending', 'start') == 'running'
    assert states.operation_next('running', 'succeed') == 'succeeded'
    assert states.operation_next('running', 'cancel') == 'cancelling'
    assert states.operation_next('cancelling', 'cancelled') == 'cancelled'
    assert states.operation_next('pending', 'cancel') == 'cancelled'
    for final in states.OP_FINAL_STATES:
        with pytest.raises(states.InvalidTransition):
            states.operation_next(final, 'start')
