"""/v1/operations: the runs of actions, with progress and events."""

from __future__ import annotations

from collections.abc import Callable
import time

from drsclient import exceptions
from drsclient.v1 import base

Callback = Callable[[dict, 'dict | None'], None]

#: Statuses after which an operation never changes.
TERMINAL = ('succeeded', 'failed', 'cancelled')


class ReportNotAvailable(exceptions.ClientError):
    """The server has no report for this operation (or no report API)."""


class OperationManager(base.Manager):
    collection = 'operations'
    key = 'operation'

    def find(self, name_or_id: str) -> dict:
        """The operation with this id, or the only one whose id starts
        with it (the 8 characters progress lines show)."""
        # Operations have no name.
        if base.is_id_prefix(name_or_id):
            return self.find_prefix(name_or_id)
        try:
            return self.get(name_or_id)
        except exceptions.ApiNotFound:
            raise self._not_found(name_or_id)

    def _not_found(self, ref: str) -> exceptions.NotFound:
        return exceptions.NotFound('no operation with an id of %r exists'
                                   % ref)

    def events(self, operation_id: str) -> list[dict]:
        return self.http.get(self._path(operation_id, 'events'))['events']

    def report(self, operation_id: str) -> dict:
        """The operation's report (timings, RTO/RPO, findings).

        Raises :class:`ReportNotAvailable` when the server has none.
        """
        try:
            body = self.http.get(self._path(operation_id, 'report'))
        except exceptions.ApiNotFound as e:
            # Tell a missing operation from a missing report.
            self.find(operation_id)
            raise ReportNotAvailable(
                'no report is available for operation %s: %s'
                % (operation_id, e.detail))
        return body.get('report', body)

    def cancel(self, operation_id: str) -> dict:
        return self.http.post(self._path(operation_id, 'cancel'),
                              None)['operation']

    def wait(self, operation_id: str, timeout: float = 3600,
             interval: float = 2.0, callback: Callback | None = None,
             events: bool = False,
             clock: Callable[[], float] = time.monotonic,
             sleep: Callable[[float], None] = time.sleep) -> dict:
        """Poll the operation until it ends; returns its last state.

        ``callback(operation, last_event)`` is called after every poll
        (``last_event`` is the newest event when ``events`` is true, else
        None). Raises :class:`WaitTimeout` after ``timeout`` seconds.
        """
        deadline = clock() + timeout
        while True:
            op = self.get(operation_id)
            last_event = None
            if events:
                found = self.events(operation_id)
                last_event = found[-1] if found else None
            if callback is not None:
                callback(op, last_event)
            if op['status'] in TERMINAL:
                return op
            if clock() >= deadline:
                raise WaitTimeout(
                    'operation %s is still %s after %ss' % (
                        operation_id, op['status'], timeout), op)
            sleep(min(interval, max(0.0, deadline - clock())))


class WaitTimeout(exceptions.ClientError):
    """An operation did not end in time."""

    def __init__(self, message: str, operation: dict):
        super().__init__(message)
        self.operation = operation
