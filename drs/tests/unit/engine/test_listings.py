"""drs.engine.listings: list calls fetched once per operation, shared by
its tasks (threads), released with it."""

import threading
import types
import time
from unittest import mock

import pytest

from drs.engine import listings


def test_fetched_once_and_shared_by_key():
    fetch = mock.Mock(return_value={'v1': {}})
    shared = listings.of('op-1')
    assert shared.get('volumes', fetch) == {'v1': {}}
    assert listings.of('op-1').get('volumes', fetch) is \
        shared.get('volumes', fetch)
    fetch.assert_called_once_with()
    # Another operation has its own.
    listings.of('op-2').get('volumes', fetch)
    assert fetch.call_count == 2
    assert listings.held() == ['op-1', 'op-2']


def test_a_failed_fetch_is_not_kept():
    shared = listings.of('op-1')
    with pytest.raises(RuntimeError):
        shared.get('servers', mock.Mock(side_effect=RuntimeError('503')))
    assert shared.peek('servers') is None
    assert shared.get('servers', lambda: {'s1': {}}) == {'s1': {}}


def test_drop_and_release():
    shared = listings.of('op-1')
    shared.get('a', lambda: 1)
    shared.drop('a')
    assert shared.get('a', lambda: 2) == 2
    listings.release('op-1')
    assert listings.held() == []
    assert listings.of('op-1').get('a', lambda: 3) == 3


def test_concurrent_tasks_wait_for_the_first_fetch():
    calls = []
    gate = threading.Event()

    def fetch():
        calls.append(1)
        gate.wait(5)
        return ['page']

    shared = listings.of('op-1')
    got = []
    threads = [threading.Thread(
        target=lambda: got.append(shared.get('ports', fetch)))
        for _ in range(8)]
    for t in threads:
        t.start()
    time.sleep(0.1)
    gate.set()
    for t in threads:
        t.join(5)
    assert len(calls) == 1
    assert got == [['page']] * 8


def test_left_behind_listings_are_dropped_once_idle(monkeypatch):
    listings.of('op-dead').get('a', lambda: 1)
    now = time.monotonic()
    monkeypatch.setattr(listings.time, 'monotonic',
                        lambda: now + listings.IDLE_SECONDS + 1)
    listings.of('op-live')
    assert listings.held() == ['op-live']


def test_the_sweep_shares_one_pass_over_a_plan_and_releases_it(
        monkeypatch):
    from drs.common import states
    from drs.engine import sweep

    rows = [types.SimpleNamespace(resource_type='T', resource_id=rid)
            for rid in ('a', 'b', 'c')]
    plan = types.SimpleNamespace(id='p1', resources=rows,
                                 status=states.PROTECTED,
                                 current_operation_id=None)
    fetch = mock.Mock(return_value={'a': 1, 'b': 2, 'c': 3})
    seen = []

    def refresh(context, plan_id, rid, share):
        seen.append((rid, share,
                     listings.of(share).get('recipes', fetch)[rid]))

    steps = types.SimpleNamespace(swept=True, refresh_listed=refresh)
    monkeypatch.setattr(sweep.resources, 'steps_for', lambda t: steps)
    monkeypatch.setattr(sweep.db_api, 'plan_get', lambda ctx, pid: plan)
    monkeypatch.setattr(sweep.measure, 'measure',
                        lambda ctx, pid, sweep: {'rpo_seconds': 1})
    monkeypatch.setattr(sweep.measure, 'apply_rpo',
                        lambda ctx, pid, figures: states.PROTECTED)
    assert sweep.sweep_plan(mock.Mock(), 'p1')['plan_status'] == \
        states.PROTECTED
    assert seen == [('a', 'sweep-p1', 1), ('b', 'sweep-p1', 2),
                    ('c', 'sweep-p1', 3)]
    fetch.assert_called_once_with()
    assert listings.held() == []


def test_the_runner_releases_the_operation_s_listings(monkeypatch):
    from drs.common import states
    from drs.engine import runner

    fd = mock.Mock(meta={'factory': 'x', 'store': {}}, state='RUNNING')
    monkeypatch.setattr(runner.persistence, 'get_logbook',
                        lambda op_id: [fd])
    monkeypatch.setattr(runner.persistence, 'get_backend', mock.Mock())
    monkeypatch.setattr(runner.db_api, 'operation_get', lambda ctx, op_id:
                        types.SimpleNamespace(status=states.OP_RUNNING))
    engine = mock.Mock()

    def run():
        listings.of('op-9').get('volumes', lambda: ['v'])
        raise RuntimeError('a step failed')
    engine.run.side_effect = run
    monkeypatch.setattr(runner, 'load_engine', lambda *a, **k: engine)
    monkeypatch.setattr(runner.listeners, 'OperationListener',
                        mock.MagicMock())
    runner.run_flow('op-9', 'host-1')
    engine.run.assert_called_once_with()
    assert listings.held() == []
