"""Progress of a running operation, for ``--wait``.

On a terminal one line is redrawn in place::

    failover 3f2a9c1e: running [######------] 6/12 boot server
        (OS::Nova::Server web-1) 00:42    (all on one line)

Elsewhere (a pipe, a log) a plain line is printed whenever the progress
changes. Both end with the outcome, and the RTO when the report has one.
"""

from __future__ import annotations

import time
from typing import Any, TextIO

from drsclient import exceptions

BAR_WIDTH = 12


def elapsed(seconds: float) -> str:
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return '%d:%02d:%02d' % (hours, minutes, secs)
    return '%02d:%02d' % (minutes, secs)


def _resource(event: dict | None, current: str | None) -> str | None:
    """The resource of the newest event, when it is the current step's."""
    if not event or not event.get('resource') or not current:
        return None
    if event.get('step') != current:
        return None
    res = event['resource']
    return '%s %s' % (res.get('type') or '?', res.get('id') or '?')


def describe(op: dict, event: dict | None) -> tuple[str, int | None,
                                                    int | None]:
    """The text of the progress, with (done, total)."""
    progress = op.get('progress') or {}
    done, total = progress.get('done'), progress.get('total')
    current = progress.get('current')
    parts = []
    if current:
        parts.append(str(current))
    resource = _resource(event, current)
    if resource:
        parts.append('(%s)' % resource)
    return ' '.join(parts), done, total


class ProgressPrinter:
    """Shows each polled state of an operation on ``stream``."""

    def __init__(self, stream: TextIO, tty: bool | None = None,
                 clock: Any = time.monotonic):
        self.stream = stream
        self.tty = stream.isatty() if tty is None else tty
        self.clock = clock
        self.start = clock()
        self._last: tuple | None = None
        self._width = 0

    def __call__(self, op: dict, event: dict | None) -> None:
        text, done, total = describe(op, event)
        took = elapsed(self.clock() - self.start)
        head = '%s %s: %s' % (op.get('action'), op['id'][:8], op['status'])
        count = ''
        if total:
            count = '%d/%d' % (done or 0, total)
        if self.tty:
            bar = ''
            if total:
                filled = int(BAR_WIDTH * min(done or 0, total) / total)
                bar = '[%s%s] ' % ('#' * filled, '-' * (BAR_WIDTH - filled))
            line = ' '.join(p for p in (head, bar + count, text, took) if p)
            pad = max(0, self._width - len(line))
            self.stream.write('\r' + line + ' ' * pad)
            self._width = len(line)
            self.stream.flush()
            return
        state = (op['status'], done, total, text)
        if state == self._last:
            return
        self._last = state
        self.stream.write(' '.join(p for p in (head, count, text, took)
                                   if p) + '\n')
        self.stream.flush()

    def finish(self, op: dict, report: dict | None) -> str:
        """Write and return the outcome line."""
        took = elapsed(self.clock() - self.start)
        line = 'Operation %s (%s) %s after %s' % (
            op['id'], op.get('action'), op['status'], took)
        for key, label in (('rto_seconds', 'RTO'), ('rpo_seconds', 'RPO')):
            value = (report or {}).get(key)
            if value is not None:
                line += '; %s %ss' % (label, value)
        error = op.get('error')
        if error:
            line += ': ' + error_text(error)
        if self.tty:
            self.stream.write('\r' + ' ' * self._width + '\r')
        self.stream.write(line + '\n')
        self.stream.flush()
        return line


def error_text(error: Any) -> str:
    if not isinstance(error, dict):
        return str(error)
    where = []
    if error.get('step'):
        where.append('step %s' % error['step'])
    res = error.get('resource')
    if res:
        if isinstance(res, dict):
            res = '%s %s' % (res.get('type'), res.get('id'))
        where.append('resource %s' % res)
    detail = error.get('detail') or error.get('message') or ''
    if where:
        return '%s (%s)' % (detail, ', '.join(where))
    return str(detail)


def report_or_none(dr: Any, operation_id: str) -> dict | None:
    """The operation's report, or None when the server has none."""
    try:
        return dr.operations.report(operation_id)
    except exceptions.ClientError:
        return None
