"""One way to wait for something at a site: a deadline, a poll interval,
what is waited for in the error, and a cancellation check.

Every wait of drs (a volume becoming available, a server ACTIVE, a replica
catching up, a promote replaying) goes through :func:`wait_for`. The
engine installs the running operation's cancellation check for the
duration of a task (:func:`cancel_check`); a cancel then interrupts a
wait within one poll interval with :class:`Cancelled`, instead of
waiting out the deadline.
"""

import contextlib
import contextvars
import time
from typing import Any, TypeVar
from collections.abc import Callable, Iterator

from drs import exception
from drs.i18n import _

T = TypeVar('T')

_CANCEL_CHECK: contextvars.ContextVar[Callable[[], bool] | None] = \
    contextvars.ContextVar('drs_cancel_check', default=None)


class WaitTimeout(exception.DrsException):
    msg_fmt = _('%(what)s: not done after %(timeout)ss (%(last)s)')
    code = 'drs.wait.timeout'


class Cancelled(exception.DrsException):
    msg_fmt = _('cancelled while waiting for %(what)s')
    code = 'drs.operation.cancelled'


@contextlib.contextmanager
def cancel_check(check: Callable[[], bool]) -> Iterator[None]:
    """Within the block, waits call ``check()`` at every poll and stop
    with :class:`Cancelled` once it is true."""
    token = _CANCEL_CHECK.set(check)
    try:
        yield
    finally:
        _CANCEL_CHECK.reset(token)


def check_cancelled(what: str) -> None:
    """Raise :class:`Cancelled` if the running operation was cancelled."""
    check = _CANCEL_CHECK.get()
    if check is not None and check():
        raise Cancelled(what=what)


def wait_for(fetch: Callable[[], T], done: Callable[[T], bool], *,
             what: str, timeout: float, interval: float = 1.0,
             failed: Callable[[T], str | None] | None = None,
             describe: Callable[[T], Any] | None = None,
             clock: Callable[[], float] = time.monotonic,
             sleep: Callable[[float], None] = time.sleep) -> T:
    """Poll ``fetch()`` until ``done(value)``; return that value.

    :param what: what is waited for, for the errors (no secrets).
    :param timeout: seconds before :class:`WaitTimeout`.
    :param interval: seconds between polls.
    :param failed: ``failed(value)`` returns a reason when the thing
        waited for went wrong for good (an error state): the wait stops
        at once with that reason as a :class:`exception.DrsException`
        raised by the caller's ``failed`` (it returns the message; a
        :class:`WaitFailed` is raised).
    :param describe: what the last value was, for the timeout message.
    """
    deadline = clock() + timeout
    while True:
        check_cancelled(what)
        value = fetch()
        if done(value):
            return value
        if failed is not None:
            reason = failed(value)
            if reason:
                raise WaitFailed(what=what, reason=reason)
        if clock() >= deadline:
            last = describe(value) if describe else value
            raise WaitTimeout(what=what, timeout=timeout, last=last)
        sleep(interval)


class WaitFailed(exception.DrsException):
    msg_fmt = _('%(what)s: %(reason)s')
    code = 'drs.wait.failed'
