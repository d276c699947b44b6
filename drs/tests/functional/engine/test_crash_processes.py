"""``kill -9`` of real drs-engine processes during real action flows on
the fake two-site cloud.

The engines are ``python -m drs.tests.fakecloud`` (drs-engine with the
fake cloud's Keystone), sharing the cloud through its JSON file and the
database (SQLite) with this process, which runs the API (the actions are
cast over RabbitMQ). The cloud answers each call after a short delay and
servers take a moment to boot, so a kill lands inside steps too, not
only between them. The moments are random, from a seed printed by the
test (``DRS_CRASH_SEED`` replays one).

Afterwards each site holds exactly the things, by name, that the
uncrashed run of the same action left (:mod:`crashbed`'s chain), and the
plan is in the same state.
"""

import contextlib
import os
import random
import sys
import time

import pytest

from drs.common import rpc
from drs.common import states
from drs.tests import fakecloud
from drs.tests.functional.engine import conftest as engine_fixtures
from drs.tests.functional.engine import crashbed

SEED = int(os.environ.get('DRS_CRASH_SEED')
           or random.SystemRandom().randrange(1 << 30))
KILLS = 3
ENGINE = [sys.executable, '-m', 'drs.tests.fakecloud']
SECTIONS = dict(fakecloud.conf_options(), protection={'sync_interval': 0})


@contextlib.contextmanager
def processes(chain, action, directory, conf):
    """The state ``action`` starts from, shared with engine processes."""
    engine_fixtures.require(engine_fixtures.RABBIT_URL, 5672, 'RabbitMQ')
    engine_fixtures.require(engine_fixtures.REDIS_URL, 6379, 'Redis')
    store_file = os.path.join(directory, 'cloud.json')
    with chain.bed(action, directory, store_file=store_file) as bed:
        engine_fixtures.register_messaging_opts()
        rpc.cleanup()
        engines = engine_fixtures.EngineCloud(directory, 'sqlite', bed.url,
                                              bed.engine)
        conf.config(transport_url=engine_fixtures.RABBIT_URL)
        conf.config(group='api', auth_strategy='noauth')
        bed.conf.config(group='engine', topic=engines.topic,
                        jobboard_name=engines.jobboard_name)
        # Each call to the cloud takes 10 ms, a server 0.3 s to boot.
        bed.cloud.set(latency=0.01, build_seconds=0.3)
        try:
            yield bed, engines
        finally:
            engines.cleanup()
            rpc.cleanup()


def _start(bed, engines, host, jobboard):
    return engines.start_engine(
        host, jobboard=jobboard, command=ENGINE,
        env={fakecloud.ENV_STORE: bed.store_file}, sections=SECTIONS,
        action_flows='')


def _kill_at_random(bed, engines, op_id, engine, rnd, last, log):
    """Kill ``engine`` once the operation has done a random number of
    its steps (at most ``last``), a random fraction of a second later;
    False if it ended first."""
    done = bed.operation(op_id).progress_done or 0
    target = rnd.randint(done, max(done, last))
    delay = rnd.uniform(0, 0.4)

    def reached():
        op = bed.operation(op_id)
        return op.status in states.OP_FINAL_STATES or (
            op.status == states.OP_RUNNING and
            (op.progress_done or 0) >= target)
    engines.wait_for(reached, 60, 'operation %s at step %d' % (op_id,
                                                                target))
    time.sleep(delay)
    op = bed.operation(op_id)
    if op.status in states.OP_FINAL_STATES:
        return False
    engine.kill()
    op = bed.operation(op_id)
    log.append('killed %s after step %d + %.2fs: %s, %d/%d done, at %s' % (
        engine.host, target, delay, op.status, op.progress_done or 0,
        op.progress_total or 0, op.current_step))
    return True


def _same_as_uncrashed(chain, bed, action, what):
    expected = chain.reference[action]
    got = bed.outcome()

    def shape(plan):
        return {'status': plan['status'], 'test_active': plan['test_active'],
                'reversed': plan['reversed'],
                'current_operation_id': plan['current_operation_id'],
                'resources': sorted((r['type'], r['tier'], r['state'])
                                    for r in plan['resources'])}
    assert shape(got['plan']) == shape(expected['plan']), what
    want = fakecloud.names(expected['cloud'], chain.plan_id)
    have = fakecloud.names(got['cloud'], bed.plan_id())
    assert have == want, '%s:\n%s' % (what, '\n'.join(
        fakecloud.diff(want, have, 'cloud')))


def test_kill_9_at_random_moments_of_a_failover(chain, tmp_path, conf):
    """One engine, killed three times at random moments of a failover
    (site A down), restarted each time as the same host."""
    rnd = random.Random(SEED)
    log = ['seed %d (DRS_CRASH_SEED replays it)' % SEED]
    print(log[0])
    total = len(crashbed.flow_steps('failover'))
    with processes(chain, 'failover', str(tmp_path), conf) as (bed, engines):
        op_id = engines.start_action(bed.plan_id(), 'failover')
        kills = 0
        for _ in range(KILLS):
            engine = _start(bed, engines, 'engine-a', jobboard=False)
            if not _kill_at_random(bed, engines, op_id, engine, rnd,
                                   total - 1, log):
                break
            kills += 1
        if kills == KILLS:
            _start(bed, engines, 'engine-a', jobboard=False)
        op = engines.wait_final(op_id, timeout=90)
        print('\n'.join(log))
        what = '\n'.join(log + [engines.logs()])
        assert op.status == states.OP_SUCCEEDED, (op.error, what)
        assert kills >= 1, what
        _same_as_uncrashed(chain, bed, 'failover', what)


def test_two_engines_on_the_jobboard_one_killed_the_other_finishes(
        chain, tmp_path, conf):
    """Two engines share the jobboard; the one running a failback is
    killed at a random moment; the other claims its job once the claim
    expires and finishes it."""
    rnd = random.Random(SEED + 1)
    log = ['seed %d (DRS_CRASH_SEED replays it)' % SEED]
    print(log[0])
    total = len(crashbed.flow_steps('failback'))
    with processes(chain, 'failback', str(tmp_path), conf) as (bed, engines):
        both = {host: _start(bed, engines, host, jobboard=True)
                for host in ('engine-a', 'engine-b')}
        op_id = engines.start_action(bed.plan_id(), 'failback')
        running = engines.wait_for(
            lambda: bed.operation(op_id).status == states.OP_RUNNING and
            bed.operation(op_id).engine_host, 60, 'failback to run')
        victim = both[running]
        killed = _kill_at_random(bed, engines, op_id, victim, rnd,
                                 total // 2, log)
        op = engines.wait_final(op_id, timeout=90)
        print('\n'.join(log))
        what = '\n'.join(log + [engines.logs()])
        assert op.status == states.OP_SUCCEEDED, (op.error, what)
        assert killed, what
        assert op.engine_host != victim.host, what
        assert not victim.alive
        _same_as_uncrashed(chain, bed, 'failback', what)


@pytest.fixture(autouse=True)
def _seed_in_report(record_property):
    record_property('drs_crash_seed', SEED)
