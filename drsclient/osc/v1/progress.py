"""Progress of a running operation, for ``--wait``.

On a terminal one line is redrawn in place, never wider than the
terminal (the step's text is shortened to fit, ids to 8 characters)::

    failover 3f2a9c1e: running [######------] 6/12 boot server
        (OS::Nova::Server 7f3d9c20) 00:42    (all on one line)

Elsewhere (a pipe, a log) a plain line is printed whenever the progress
changes. Both end with the outcome, and the RTO when the report has one;
a failure is left to the caller to report (once).
"""

from __future__ import annotations

import os
import re
import shutil
import time
from typing import Any, TextIO

from drsclient import exceptions

BAR_WIDTH = 12
#: Erase from the cursor to the end of the line (ECMA-48 EL).
CLEAR_EOL = '\x1b[K'
ELLIPSIS = '...'

_UUID_RE = re.compile(
    r'\b([0-9a-fA-F]{8})-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-'
    r'[0-9a-fA-F]{12}\b')
# ``novaclient.exceptions.Forbidden`` -> ``Forbidden``: what failed, not
# where the class lives.
_CLASS_PATH_RE = re.compile(
    r'(?<![\w.])(?:[a-z_][a-z0-9_]*\.)+([A-Z][A-Za-z0-9_]*)\b')


def without_class_paths(text: str) -> str:
    """``text`` with Python class paths reduced to the class's name."""
    return _CLASS_PATH_RE.sub(r'\1', text)


def short_ids(text: str) -> str:
    """``text`` with every UUID shortened to its first 8 characters."""
    return _UUID_RE.sub(r'\1', text)


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


def terminal_width(stream: TextIO) -> int:
    """Columns of the terminal ``stream`` writes to (80 if unknown)."""
    try:
        return os.get_terminal_size(stream.fileno()).columns or 80
    except (AttributeError, OSError, ValueError):
        return shutil.get_terminal_size((80, 24)).columns


def fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, marked when cut."""
    if len(text) <= width:
        return text
    if width <= len(ELLIPSIS):
        return text[:max(0, width)]
    return text[:width - len(ELLIPSIS)] + ELLIPSIS


class ProgressPrinter:
    """Shows each polled state of an operation on ``stream``.

    ``width`` (columns) is the terminal's, asked at every redraw so that
    a resized terminal gets a line that fits.
    """

    def __init__(self, stream: TextIO, tty: bool | None = None,
                 clock: Any = time.monotonic, width: int | None = None):
        self.stream = stream
        self.tty = stream.isatty() if tty is None else tty
        self.clock = clock
        self.start = clock()
        self._last: tuple | None = None
        self._drawn = False
        self._width = width

    def width(self) -> int:
        return self._width or terminal_width(self.stream)

    def line(self, op: dict, event: dict | None, width: int) -> str:
        """The terminal line: at most ``width - 1`` characters (the last
        column is left free: some terminals wrap when it is written)."""
        text, done, total = describe(op, event)
        text = short_ids(text)
        took = elapsed(self.clock() - self.start)
        head = '%s %s: %s' % (op.get('action'), op['id'][:8], op['status'])
        count = '%d/%d' % (done or 0, total) if total else ''
        bar = ''
        if total:
            filled = int(BAR_WIDTH * min(done or 0, total) / total)
            bar = '[%s%s]' % ('#' * filled, '-' * (BAR_WIDTH - filled))
        room = width - 1
        parts = [p for p in (head, bar, count) if p]
        if text and bar and room - len(' '.join(parts + [took])) - 1 < 12:
            parts.remove(bar)  # the step's text matters more than a bar
        if text:
            left = room - len(' '.join(parts + [took])) - 1
            if left >= 4:
                parts.append(fit(text, left))
        return fit(' '.join(parts + [took]), room)

    def __call__(self, op: dict, event: dict | None) -> None:
        if self.tty:
            self.stream.write('\r' + self.line(op, event, self.width())
                              + CLEAR_EOL)
            self._drawn = True
            self.stream.flush()
            return
        text, done, total = describe(op, event)
        took = elapsed(self.clock() - self.start)
        head = '%s %s: %s' % (op.get('action'), op['id'][:8], op['status'])
        count = '%d/%d' % (done or 0, total) if total else ''
        state = (op['status'], done, total, text)
        if state == self._last:
            return
        self._last = state
        self.stream.write(' '.join(p for p in (head, count, text, took)
                                   if p) + '\n')
        self.stream.flush()

    def clear(self) -> None:
        """Erase the terminal line drawn last."""
        if self.tty and self._drawn:
            self.stream.write('\r' + CLEAR_EOL)
            self.stream.flush()
            self._drawn = False

    def outcome(self, op: dict, report: dict | None) -> str:
        """``Operation <id> (<action>) <status> after 00:42[; RTO..]``."""
        took = elapsed(self.clock() - self.start)
        line = 'Operation %s (%s) %s after %s' % (
            op['id'], op.get('action'), op['status'], took)
        for key, label in (('rto_seconds', 'RTO'), ('rpo_seconds', 'RPO')):
            value = (report or {}).get(key)
            if value is not None:
                line += '; %s %ss' % (label, value)
        findings = (report or {}).get('findings')
        if findings is not None:
            line += '; %s' % findings_summary(findings)
        error = op.get('error')
        if error:
            line += ': ' + error_text(error)
        return line

    def finish(self, op: dict, report: dict | None,
               write: bool = True) -> str:
        """Erase the progress line; write (unless not ``write``) and
        return the outcome line."""
        line = self.outcome(op, report)
        self.clear()
        if write:
            self.stream.write(line + '\n')
            self.stream.flush()
        return line


def findings_summary(findings: list[dict]) -> str:
    """``no findings`` or ``3 findings (1 error, 2 warning)``."""
    if not findings:
        return 'no findings'
    by_severity: dict[str, int] = {}
    for finding in findings:
        severity = str(finding.get('severity') or 'info')
        by_severity[severity] = by_severity.get(severity, 0) + 1
    return '%d finding%s (%s)' % (
        len(findings), '' if len(findings) == 1 else 's',
        ', '.join('%d %s' % (n, sev) for sev, n in sorted(
            by_severity.items(),
            key=lambda kv: ('error', 'warning', 'info').index(kv[0])
            if kv[0] in ('error', 'warning', 'info') else 3)))


def error_text(error: Any) -> str:
    if not isinstance(error, dict):
        return without_class_paths(str(error))
    where = []
    if error.get('step'):
        where.append('step %s' % error['step'])
    res = error.get('resource')
    if res:
        if isinstance(res, dict):
            res = '%s %s' % (res.get('type'), res.get('id'))
        where.append('resource %s' % res)
    detail = without_class_paths(
        str(error.get('detail') or error.get('message') or ''))
    if where:
        return '%s (%s)' % (detail, ', '.join(where))
    return detail


def report_or_none(dr: Any, operation_id: str) -> dict | None:
    """The operation's report, or None when the server has none."""
    try:
        return dr.operations.report(operation_id)
    except exceptions.ClientError:
        return None
