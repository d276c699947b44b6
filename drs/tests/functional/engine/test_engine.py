"""The engine against the real RabbitMQ, Redis and databases.

Engines are real ``drs-engine`` processes; the API runs in process. The
flows are :mod:`drs.tests.functional.engine.sideeffect_flow`, whose steps
record their side effects in the database.
"""

import collections
import os
import threading
import time

import pytest

from drs.common import states
from drs.db import api as db_api
from drs.tests.functional.engine import conftest as engine_fixtures

RECONNECTED = 'Reconnected to AMQP server'
ALL_STEPS = ['step-1', 'step-2a', 'step-2b', 'step-3', 'step-4', 'step-5']


def _counts(effects, kind):
    return collections.Counter(s for s, k, _pid in effects if k == kind)


@pytest.mark.parametrize('jobboard', [True, False],
                         ids=['jobboard', 'no-jobboard'])
def test_kill_9_mid_flow_completes_every_step_exactly_once(any_db_cloud,
                                                           jobboard):
    cloud = any_db_cloud
    plan_id = cloud.make_plan(steps=6, seconds=1.0)
    first = cloud.start_engine('engine-a', jobboard=jobboard)
    op_id = cloud.start_action(plan_id)

    # Mid-flow: three steps done, the next one in flight.
    cloud.wait_for(lambda: len(cloud.done_steps(op_id)) >= 3, 90,
                   'three steps of %s done' % op_id)
    first.kill()
    assert not first.alive
    before = cloud.effects(op_id)
    # The atoms TaskFlow had recorded as finished when the engine died.
    persisted = cloud.atom_states(op_id)
    finished_before = {n for n, st in persisted.items()
                       if st == 'SUCCESS' and n in ALL_STEPS}
    assert {'step-1'} <= finished_before < set(ALL_STEPS)
    assert cloud.operation(op_id).status == states.OP_RUNNING

    # With a jobboard another engine takes the job over when the dead
    # one's claim expires; without, the same host resumes its own.
    second = cloud.start_engine('engine-b' if jobboard else 'engine-a',
                                jobboard=jobboard)
    op = cloud.wait_final(op_id, timeout=90)
    assert op.status == states.OP_SUCCEEDED, (op.error, cloud.logs())
    assert op.engine_host == second.host
    assert (op.progress_done, op.progress_total) == (7, 7)

    effects = cloud.effects(op_id)
    done = _counts(effects, 'do')
    assert sorted(done) == sorted(ALL_STEPS)
    assert set(done.values()) == {1}, done
    assert not _counts(effects, 'undo')
    # Resumed from the persisted atom states: the steps recorded as
    # finished did not run again; those in flight ran again and, being
    # idempotent, did their side effect once.
    after = _counts(effects[len(before):], 'exec')
    assert not set(after) & finished_before, (after, finished_before)
    assert set(after) | finished_before == set(ALL_STEPS)
    pids_before = {pid for _s, _k, pid in before}
    pids_after = {pid for _s, _k, pid in effects[len(before):]}
    assert pids_after and not pids_after & pids_before
    plan = cloud.plan(plan_id)
    assert plan.status == states.PROTECTED
    assert plan.current_operation_id is None


def test_rabbitmq_restart_while_an_operation_runs(private_rabbitmq_cloud,
                                                  private_rabbitmq):
    # A RabbitMQ of the test's own: the machine's serves the test cloud.
    cloud = private_rabbitmq_cloud
    plan_id = cloud.make_plan(steps=6, seconds=1.0)
    # The stuck-operation recovery stays out of the way: the second
    # operation below must come through RabbitMQ.
    cloud.start_engine('engine-a', stuck_operation_timeout=3600)
    op_id = cloud.start_action(plan_id)
    cloud.wait_for(lambda: cloud.done_steps(op_id), 60, 'a first step')

    engine = cloud.engines[0]
    reconnects = engine.log_text().count(RECONNECTED)
    try:
        private_rabbitmq.ctl('stop_app')
        # The API keeps answering while the broker is down.
        for _ in range(3):
            resp = cloud.api.get('/v1/operations/%s' % op_id)
            assert resp.status_int == 200
            assert resp.json['operation']['status'] == states.OP_RUNNING
            assert cloud.api.get('/v1/plans/%s' % plan_id).status_int == 200
            time.sleep(0.5)
        # The operation goes on without the broker.
        cloud.wait_for(lambda: len(cloud.done_steps(op_id)) >= 4, 60,
                       'progress while RabbitMQ is down')
    finally:
        # Whatever happened, the broker runs again (the fixture removes
        # it after the test).
        private_rabbitmq.ctl('start_app')
        private_rabbitmq.ctl('await_startup')

    op = cloud.wait_final(op_id, timeout=90)
    assert op.status == states.OP_SUCCEEDED, (op.error, cloud.logs())
    assert sorted(_counts(cloud.effects(op_id), 'do')) == sorted(ALL_STEPS)
    assert cloud.api.get('/v1/operations/%s' % op_id).json[
        'operation']['status'] == states.OP_SUCCEEDED

    # The engine's RPC server reconnects (and declares its queues again):
    # the next cast reaches it, well before any periodic recovery would.
    cloud.wait_for(lambda: engine.log_text().count(RECONNECTED) > reconnects,
                   60, 'the engine to reconnect to RabbitMQ')
    second = cloud.start_action(plan_id, 'sync')
    op = cloud.wait_final(second, timeout=60)
    assert op.status == states.OP_SUCCEEDED, (op.error, cloud.logs())
    assert (op.started_at - op.created_at).total_seconds() < 20


def _outage(cloud, server, plan_id: str, seconds: float, **engine):
    """Start a protect, stop the database (every session ended) two steps
    in, start it again ``seconds`` later; the operation's id and its
    engine."""
    proc = cloud.start_engine('engine-a', **engine)
    op_id = cloud.start_action(plan_id)
    cloud.wait_for(lambda: len(cloud.done_steps(op_id)) >= 2, 90,
                   'two steps done')
    server.stop('fast')
    try:
        # Steps finish and the next ones start while the database is
        # down: their writes (side effects, atom states, events) fail.
        time.sleep(seconds)
    finally:
        server.start()
    return op_id, proc


def _next_operation_runs(cloud, plan_id: str, proc) -> None:
    """The same engine process serves the next operation."""
    assert proc.alive
    plan = cloud.plan(plan_id)
    assert plan.current_operation_id is None, plan.status
    action = 'sync' if plan.status == states.PROTECTED else 'protect'
    op = cloud.wait_final(cloud.start_action(plan_id, action), timeout=90)
    assert op.status == states.OP_SUCCEEDED, (op.error, cloud.logs())


@pytest.mark.parametrize('jobboard', [True, False],
                         ids=['jobboard', 'no-jobboard'])
def test_database_restart_while_an_operation_runs(private_postgresql_cloud,
                                                  private_postgresql,
                                                  jobboard):
    """A PostgreSQL restart (a cluster of the test's own) with a 4 s
    outage, shorter than ``[engine] database_retry_timeout``: the
    operation rides through it and succeeds, each step's side effect
    done once; the engine runs the next operation."""
    cloud = private_postgresql_cloud
    plan_id = cloud.make_plan(steps=6, seconds=1.0)
    # The stuck-operation recovery stays out of the way: the engine that
    # runs the flow must come through the outage by itself.
    op_id, proc = _outage(cloud, private_postgresql, plan_id, 4,
                          jobboard=jobboard, stuck_operation_timeout=3600)
    op = cloud.wait_final(op_id, timeout=120)
    assert op.status == states.OP_SUCCEEDED, (op.error, cloud.logs())
    done = _counts(cloud.effects(op_id), 'do')
    assert sorted(done) == sorted(ALL_STEPS)
    assert set(done.values()) == {1}, done
    # One line per periodic pass while the database is down, no trace.
    assert 'Traceback' not in proc.log_text()
    assert cloud.api.get('/v1/operations/%s' % op_id).json[
        'operation']['status'] == states.OP_SUCCEEDED
    _next_operation_runs(cloud, plan_id, proc)


@pytest.mark.parametrize('jobboard', [True, False],
                         ids=['jobboard', 'no-jobboard'])
def test_database_outage_longer_than_the_retry_timeout(
        private_postgresql_cloud, private_postgresql, jobboard):
    """An 8 s outage against a 2 s ``database_retry_timeout``: the
    operation ends (failed with a clear error, or succeeded when the
    stuck-operation recovery resumed it), never stuck RUNNING, no side
    effect done twice; the engine runs the next operation."""
    cloud = private_postgresql_cloud
    plan_id = cloud.make_plan(steps=6, seconds=1.0)
    op_id, proc = _outage(cloud, private_postgresql, plan_id, 8,
                          jobboard=jobboard, database_retry_timeout=2,
                          stuck_operation_timeout=5)
    op = cloud.wait_final(op_id, timeout=120)
    assert op.status in (states.OP_SUCCEEDED, states.OP_FAILED), op.status
    if op.status == states.OP_FAILED:
        assert op.error and op.error.get('detail'), op.error
        assert 'Traceback' not in str(op.error)
    assert set(_counts(cloud.effects(op_id), 'do').values()) <= {1}
    _next_operation_runs(cloud, plan_id, proc)


def _post_action(app, barrier, responses, plan_id, action):
    barrier.wait(timeout=10)
    responses.append(app.post_json('/v1/plans/%s/actions' % plan_id,
                                   {action: {}}, expect_errors=True))


def test_concurrent_actions_on_one_plan_one_wins(any_db_cloud):
    cloud = any_db_cloud
    for _round in range(5):
        plan_id = cloud.make_plan()
        apps = [cloud.new_api(), cloud.new_api()]
        barrier = threading.Barrier(len(apps))
        responses: list = []
        threads = [threading.Thread(
            target=_post_action,
            args=(app, barrier, responses, plan_id, 'protect'))
            for app in apps]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        statuses = sorted(r.status_int for r in responses)
        assert statuses == [202, 409], [r.text for r in responses]
        winner = next(r for r in responses if r.status_int == 202)
        loser = next(r for r in responses if r.status_int == 409)
        assert loser.json['errors'][0]['code'] in ('drs.plan.busy',
                                                   'drs.conflict')
        ops = db_api.operation_list(cloud.context,
                                    filters={'plan_id': plan_id})
        assert [o.id for o in ops] == [winner.json['operation']['id']]
        assert cloud.plan(plan_id).current_operation_id == ops[0].id


def test_cancel_mid_flow_reverts_the_finished_steps(cloud):
    plan_id = cloud.make_plan(steps=6, seconds=1.0)
    cloud.start_engine('engine-a')
    op_id = cloud.start_action(plan_id)
    cloud.wait_for(lambda: len(cloud.done_steps(op_id)) >= 3, 60,
                   'three steps done')

    resp = cloud.api.post('/v1/operations/%s/cancel' % op_id)
    assert resp.status_int == 202
    assert resp.json['operation']['status'] == states.OP_CANCELLING

    op = cloud.wait_final(op_id, timeout=60)
    assert op.status == states.OP_CANCELLED, (op.error, cloud.logs())
    effects = cloud.effects(op_id)
    done, undone = _counts(effects, 'do'), _counts(effects, 'undo')
    assert len(done) >= 3
    assert done == undone, effects
    # It stopped at a step boundary: the last steps never started.
    assert 'step-5' not in _counts(effects, 'exec')
    events = db_api.event_list(cloud.context, op_id)
    reverted = {e.step for e in events if e.state == 'reverted'}
    assert reverted == set(done)
    plan = cloud.plan(plan_id)
    assert plan.status == states.AVAILABLE
    assert plan.current_operation_id is None
    shown = cloud.api.get('/v1/operations/%s' % op_id).json['operation']
    assert shown['status'] == states.OP_CANCELLED
    assert shown['finished_at'] is not None


def test_cancel_is_refused_past_the_point_of_no_return(cloud):
    """Like a failover once it promoted a replica: from the irreversible
    step on, a cancel is a 409 naming the reason, and the operation runs
    to its end with nothing undone."""
    plan_id = cloud.make_plan(steps=6, seconds=0.5,
                              irreversible_step='step-3')
    cloud.start_engine('engine-a')
    op_id = cloud.start_action(plan_id)
    cloud.wait_for(lambda: 'step-3' in _counts(cloud.effects(op_id),
                                               'exec'), 60,
                   'the irreversible step started')

    resp = cloud.api.post('/v1/operations/%s/cancel' % op_id,
                          expect_errors=True)
    assert resp.status_int == 409, resp.text
    assert 'step step-3 has begun' in resp.json['errors'][0]['detail']

    op = cloud.wait_final(op_id, timeout=60)
    assert op.status == states.OP_SUCCEEDED, (op.error, cloud.logs())
    assert not _counts(cloud.effects(op_id), 'undo')


def test_cancel_before_the_point_of_no_return_stops_there(cloud):
    """A cancel that came first wins: the irreversible step does not
    mark the operation, the flow stops and reverts."""
    plan_id = cloud.make_plan(steps=6, seconds=1.0,
                              irreversible_step='step-3')
    cloud.start_engine('engine-a')
    op_id = cloud.start_action(plan_id)
    cloud.wait_for(lambda: 'step-1' in cloud.done_steps(op_id), 60,
                   'step-1 done')
    resp = cloud.api.post('/v1/operations/%s/cancel' % op_id)
    assert resp.status_int == 202

    op = cloud.wait_final(op_id, timeout=60)
    assert op.status == states.OP_CANCELLED, (op.error, cloud.logs())
    assert 'step-3' not in _counts(cloud.effects(op_id), 'do')
    assert not (op.result or {}).get('irreversible')


@pytest.mark.parametrize('jobboard', [True, False],
                         ids=['jobboard', 'no-jobboard'])
def test_operation_cast_while_no_engine_runs_is_not_lost(cloud, jobboard):
    plan_id = cloud.make_plan(steps=3, seconds=0.1)
    op_id = cloud.start_action(plan_id)
    time.sleep(1)
    assert cloud.operation(op_id).status == states.OP_PENDING
    cloud.start_engine('engine-a', jobboard=jobboard)
    op = cloud.wait_final(op_id, timeout=60)
    assert op.status == states.OP_SUCCEEDED, (op.error, cloud.logs())
    assert set(_counts(cloud.effects(op_id), 'do').values()) == {1}


def test_failed_step_fails_the_operation_and_reverts(cloud):
    plan_id = cloud.make_plan(steps=5, seconds=0.1, fail_step='step-3')
    cloud.start_engine('engine-a')
    op_id = cloud.start_action(plan_id)
    op = cloud.wait_final(op_id, timeout=60)
    assert op.status == states.OP_FAILED
    assert op.error['step'] == 'step-3'
    assert op.error['resource'] == {'type': 'OS::Cinder::Volume',
                                    'id': 'vol-0'}
    assert 'StepFailed' in op.error['detail']
    assert 'hunter2' not in op.error['detail']
    effects = cloud.effects(op_id)
    assert _counts(effects, 'undo') == _counts(effects, 'do')
    assert set(_counts(effects, 'do')) == {'step-1', 'step-2a', 'step-2b'}
    events = db_api.event_list(cloud.context, op_id)
    assert [e.state for e in events if e.step == 'step-3'] == [
        'started', 'failed']
    assert all('hunter2' not in (e.message or '') for e in events)
    assert cloud.plan(plan_id).status == states.ERROR


def test_engine_fixtures_clean_up(cloud):
    proc = cloud.start_engine('engine-a')
    cloud.wait_for(lambda: proc.alive, 10, 'engine to start')
    cloud.kill_engines()
    assert not proc.alive
    assert engine_fixtures.engine_executable()


def test_stuck_operation_is_recovered_from_a_vanished_engine(cloud):
    from drs.engine import claims
    plan_id = cloud.make_plan(steps=3, seconds=0.1)
    op_id = cloud.start_action(plan_id)
    # An engine took it and died before posting its job.
    assert claims.take(cloud.context, op_id, 'vanished-engine')
    engine = cloud.start_engine('engine-a', stuck_operation_timeout=5,
                                periodic_interval=1)
    op = cloud.wait_final(op_id, timeout=60)
    assert op.status == states.OP_SUCCEEDED, (op.error, cloud.logs())
    assert op.engine_host == 'engine-a'
    assert 'without a job: re-posting it' in engine.log_text()
    assert set(_counts(cloud.effects(op_id), 'do').values()) == {1}


@pytest.mark.parametrize('workers', [1, 2])
def test_sigterm_stops_the_engine_and_its_workers(cloud, workers):
    """One worker runs in drs-engine's own process (no supervising
    process); more run under cotyledon, as its children. Either way an
    operation runs, and SIGTERM stops the engine with all of them."""
    import signal

    plan_id = cloud.make_plan(steps=2, seconds=0.1)
    proc = cloud.start_engine('engine-a', jobboard=False, workers=workers)
    op = cloud.wait_final(cloud.start_action(plan_id), timeout=60)
    assert op.status == states.OP_SUCCEEDED, (op.error, cloud.logs())
    pids = {pid for _s, _k, pid in cloud.effects(op.id)}
    if workers == 1:
        assert pids == {proc.popen.pid}
    else:
        assert pids and proc.popen.pid not in pids
    proc.popen.send_signal(signal.SIGTERM)
    returncode = proc.popen.wait(timeout=30)
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    if workers == 1:
        assert returncode == 0
        assert 'drs-engine: signal %d, stopping' % signal.SIGTERM in \
            proc.log_text()
