"""drs.common.waiter: deadline, interval, failure, cancellation (a fake
clock and sleep: nothing really waits)."""

from unittest import mock

import pytest

from drs.common import waiter


class FakeTime:
    def __init__(self, start=100.0):
        self.now = start
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def _wait(values, t, **kwargs):
    """wait_for over ``values`` (one per poll), with the fake time."""
    fetch = mock.Mock(side_effect=list(values))
    kwargs.setdefault('what', 'volume v1 to become available')
    kwargs.setdefault('timeout', 10)
    out = waiter.wait_for(fetch, kwargs.pop('done', lambda v: v == 'ok'),
                          clock=t.clock, sleep=t.sleep, **kwargs)
    return out, fetch


def test_returns_the_value_once_done_polling_at_the_interval():
    t = FakeTime()
    out, fetch = _wait(['creating', 'creating', 'ok'], t, interval=3)
    assert out == 'ok'
    assert fetch.call_count == 3
    assert t.sleeps == [3, 3]


def test_done_at_once_does_not_sleep():
    t = FakeTime()
    out, fetch = _wait(['ok'], t)
    assert out == 'ok' and t.sleeps == []


def test_deadline_raises_naming_what_and_the_last_value():
    t = FakeTime()
    with pytest.raises(waiter.WaitTimeout) as exc:
        _wait(['creating'] * 10, t, timeout=5, interval=2,
              describe=lambda v: 'status %s' % v)
    message = str(exc.value)
    assert message == ('volume v1 to become available: not done after 5s '
                       '(status creating)')
    # Polls at 100, 102, 104, 106: the last one is past the deadline.
    assert t.sleeps == [2, 2, 2]
    assert t.now == 106.0


def test_timeout_without_describe_shows_the_value():
    t = FakeTime()
    with pytest.raises(waiter.WaitTimeout, match=r'\(downloading\)'):
        _wait(['downloading'] * 5, t, timeout=1, interval=1)


def test_failed_stops_at_once_with_the_reason():
    t = FakeTime()
    with pytest.raises(waiter.WaitFailed) as exc:
        _wait(['creating', 'error', 'ok'], t, interval=1,
              failed=lambda v: 'it went to %s' % v if v == 'error'
              else None)
    assert str(exc.value) == ('volume v1 to become available: it went to '
                              'error')
    assert t.sleeps == [1]


def test_a_cancel_interrupts_within_one_poll():
    t = FakeTime()
    cancelled = []

    def sleep(seconds):
        t.sleep(seconds)
        cancelled.append(True)   # the cancel arrives during this sleep

    fetch = mock.Mock(return_value='creating')
    with waiter.cancel_check(lambda: bool(cancelled)):
        with pytest.raises(waiter.Cancelled) as exc:
            waiter.wait_for(fetch, lambda v: v == 'ok', what='server web',
                            timeout=3600, interval=5, clock=t.clock,
                            sleep=sleep)
    assert 'server web' in str(exc.value)
    # One poll, one sleep, then the check stops it: not the hour.
    assert fetch.call_count == 1
    assert t.sleeps == [5]


def test_a_cancel_before_the_first_poll_fetches_nothing():
    fetch = mock.Mock()
    with waiter.cancel_check(lambda: True):
        with pytest.raises(waiter.Cancelled):
            waiter.wait_for(fetch, bool, what='x', timeout=1,
                            clock=FakeTime().clock, sleep=mock.Mock())
    fetch.assert_not_called()


def test_the_cancel_check_is_removed_after_its_block():
    with waiter.cancel_check(lambda: True):
        with pytest.raises(waiter.Cancelled):
            waiter.check_cancelled('inside')
    waiter.check_cancelled('outside')   # no check installed: no raise
    t = FakeTime()
    out, _fetch = _wait(['ok'], t)
    assert out == 'ok'


def test_nested_cancel_checks_restore_the_outer_one():
    outer = mock.Mock(return_value=False)
    with waiter.cancel_check(outer):
        with waiter.cancel_check(lambda: True):
            with pytest.raises(waiter.Cancelled):
                waiter.check_cancelled('inner')
        waiter.check_cancelled('outer')
    outer.assert_called_once_with()
