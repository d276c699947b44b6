"""An engine that dies at every step boundary of every action flow.

The real flows of protect, test_failover, cleanup_test,
planned_migration, failover (site A down), reprotect and failback run on
the fake two-site cloud (:mod:`drs.tests.fakecloud`) through drs's real
engine code (:mod:`crashbed`). At every step boundary, after a step's
work (before TaskFlow saved its result) and after its result was saved,
the uncrashed run records the database and the cloud: what an engine
killed there leaves. A fresh engine starts on each, resumes the
operation as drs-engine does at start, and must end as the uncrashed run
ended: the operation succeeded, drs holds the same plan, each site holds
exactly what the uncrashed run left there (no duplicate, no leftover),
and no step saved as done ran again.

Engines that really die in this process (by an exception nothing
catches, the way ``kill -9`` leaves the persistence) cover the operation
still pending (before any step), the flow started with no step done,
and a few step boundaries, with and without the Redis jobboard.
"""

import pytest

from drs.common import states
from drs.tests import fakecloud
from drs.tests.functional.engine import conftest as engine_fixtures
from drs.tests.functional.engine import crashbed

STEPS = {action: crashbed.flow_steps(action)
         for action in crashbed.ACTIONS}

BOUNDARIES = [(action, point, step) for action in crashbed.ACTIONS
              for point in ('after-run', 'after-save')
              for step in STEPS[action]]

PENDING = [(action, point) for action in crashbed.ACTIONS
           for point in ('pending-untaken', 'pending-taken',
                         'pending-logbook', 'flow-start')]

#: On the jobboard: every action's job posted and its engine gone before
#: any conductor claimed it; the cast that reached no engine, and the
#: flow started with no step done (the job claimed by the engine that
#: died: taken over once its claim expires), for two actions.
JOBBOARD = [(action, 'pending-posted') for action in crashbed.ACTIONS] + [
    (action, point) for action in ('failover', 'failback')
    for point in ('pending-untaken', 'flow-start')]

#: Engines that really die mid-flow (the boundaries above start from
#: what such a death leaves), with and without the jobboard.
DEATHS = [(a, p, s, False) for a, p, s in (
    ('failover', 'after-run', 'create-server-db'),
    ('failover', 'after-save', 'import-volumes-web'),
    ('test_failover', 'after-run', 'copy-volumes-db'),
    ('reprotect', 'after-run', 'swap-direction'),
    ('failback', 'after-save', 'wait-caught-up'))] + [
    (a, p, s, True) for a, p, s in (
        ('failover', 'after-run', 'create-server-db'),
        ('test_failover', 'after-save', 'test-networks'),
        ('failback', 'after-run', 'import-volumes-web'))]


def _explain(bed, op, what) -> str:
    events = ['%s %s %s' % (e.step, e.state, (e.message or '')[:120])
              for e in bed.events(op.id)]
    return 'operation %s (%s) after a crash %s: %s %s\n%s' % (
        op.id, op.action, what, op.status, op.error, '\n'.join(events))


def _check(chain, bed, op, action, what, point=None, step=None,
           persisted=None):
    """The operation ended as the uncrashed one, and so did the plan and
    both sites; what was saved as done before the death did not run
    again (the step whose result was not saved did)."""
    assert op.status == states.OP_SUCCEEDED, _explain(bed, op, what)
    assert op.progress_done == op.progress_total > 0, \
        (op.progress_done, op.progress_total)
    if point is not None:
        started = bed.started(op.id)
        done_before = {n for n, st in (persisted or {}).items()
                       if st == 'SUCCESS' and n in STEPS[action]}
        again = {n for n in done_before if started.get(n) != 1}
        assert not again, 'steps run again after a crash %s: %s' % (
            what, sorted(again))
        if point == 'after-save':
            assert step in done_before, (step, persisted)
        else:
            assert step not in done_before, (step, persisted)
            assert started.get(step) == 2, (step, started)
    outcome = bed.outcome()
    expected = chain.reference[action]
    assert outcome['plan'] == expected['plan'], \
        'drs\'s plan differs from the uncrashed run after a crash %s:\n%s' \
        % (what, '\n'.join(fakecloud.diff(expected['plan'],
                                          outcome['plan'], 'plan')))
    assert outcome['cloud'] == expected['cloud'], \
        'the sites differ from the uncrashed run after a crash %s:\n%s' % (
            what, '\n'.join(fakecloud.diff(expected['cloud'],
                                           outcome['cloud'], 'cloud')))


def test_every_step_is_a_boundary(chain):
    """The cases cover every task of each real flow: the steps the
    uncrashed run completed are the ones enumerated for the plan, and
    it recorded both boundaries of each."""
    for action in crashbed.ACTIONS:
        done = chain.steps[action] - {'_TaskFlow_INJECTOR'}
        assert done == set(STEPS[action]), action
        assert set(chain.snapshots[action]) == {
            (p, s) for a, p, s in BOUNDARIES if a == action}, action
    assert len(BOUNDARIES) == 2 * sum(len(s) for s in STEPS.values())


@pytest.mark.parametrize('action,point,step', BOUNDARIES, ids=[
    '%s-%s-%s' % b for b in BOUNDARIES])
def test_crash_at_step_boundary(chain, tmp_path, action, point, step):
    snap = chain.snapshots[action][(point, step)]
    op_id = chain.operations[action]
    with chain.bed(action, str(tmp_path), template=snap.template) as bed:
        # Without a jobboard, drs-engine resumes at start the unfinished
        # operations of its own host.
        engine = bed.start_engine('engine-a')
        op = bed.wait_final(op_id)
        bed.wait_idle(engine)
        bed.stop_engine(engine)
        _check(chain, bed, op, action, '%s %s' % (point, step), point, step,
               snap.persisted)


def _die_and_resume(chain, tmp_path, action, crash, jobboard=False):
    redis_url = engine_fixtures.REDIS_URL if jobboard else None
    with chain.bed(action, str(tmp_path), redis_url=redis_url) as bed:
        bed.jobboard(jobboard)
        op_id = bed.start_action(action)
        crash.operation_id = op_id
        crash.aliases = bed.snapshot_aliases(op_id)
        first = 'engine-a'
        if crash.point != 'pending-untaken':
            with crash.installed():
                engine = bed.start_engine(first)
                bed.cast(engine, op_id)
                assert crash.fired.wait(30), 'the engine did not die %r: %s' \
                    % (crash, _explain(bed, bed.operation(op_id), crash))
                bed.wait_idle(engine)
                bed.stop_engine(engine)
        # The fresh engine: without a jobboard, the same host resumes its
        # own operation at start; with one, another engine claims the job
        # (once the dead one's claim expires).
        second = bed.start_engine('engine-b' if jobboard else first)
        op = bed.wait_final(op_id, timeout=60)
        bed.wait_idle(second)
        bed.stop_engine(second)
        if jobboard and crash.point not in ('pending-untaken',
                                            'pending-posted'):
            assert op.engine_host == 'engine-b'
        _check(chain, bed, op, action, repr(crash),
               crash.point if crash.step else None, crash.step,
               crash.persisted)


@pytest.mark.parametrize('action,point,step,jobboard', DEATHS, ids=[
    '%s-%s-%s%s' % (a, p, s, '-jobboard' if j else '')
    for a, p, s, j in DEATHS])
def test_engine_dies_mid_flow(chain, tmp_path, action, point, step,
                              jobboard):
    if jobboard:
        engine_fixtures.require(engine_fixtures.REDIS_URL, 6379, 'Redis')
    _die_and_resume(chain, tmp_path, action, crashbed.Crash(point, step),
                    jobboard=jobboard)


@pytest.mark.parametrize('action,point', PENDING, ids=[
    '%s-%s' % p for p in PENDING])
def test_crash_before_any_step(chain, tmp_path, action, point):
    _die_and_resume(chain, tmp_path, action, crashbed.Crash(point))


@pytest.mark.parametrize('action,point', JOBBOARD, ids=[
    '%s-%s' % p for p in JOBBOARD])
def test_crash_before_any_step_on_the_jobboard(chain, tmp_path, action,
                                               point):
    engine_fixtures.require(engine_fixtures.REDIS_URL, 6379, 'Redis')
    _die_and_resume(chain, tmp_path, action, crashbed.Crash(point),
                    jobboard=True)
