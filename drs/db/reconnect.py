"""Riding through a database restart or failover.

oslo.db's engines reconnect by themselves: the first checkout after a
restart pings and replaces the connections the server dropped. What was
in flight when it went away fails, though; what is safe to run twice (an
idempotent engine step, recording the end of an operation) is run again
while the database is out of reach, for a bounded time.
"""

import time
from typing import Any

from oslo_db import exception as db_exc
from oslo_log import log
import sqlalchemy as sa

LOG = log.getLogger(__name__)


def is_connection_error(error: BaseException) -> bool:
    """Whether ``error`` (or what caused it) is the database being out of
    reach: a connection lost mid-statement or a connection refused.

    oslo.db translates a lost connection into ``DBConnectionError``; a new
    connection that fails (the server restarting) surfaces as SQLAlchemy's
    ``OperationalError`` with no statement.
    """
    seen = 0
    current: BaseException | None = error
    while current is not None and seen < 5:
        if isinstance(current, (db_exc.DBConnectionError,
                                sa.exc.DisconnectionError)):
            return True
        if isinstance(current, sa.exc.DBAPIError) and (
                current.connection_invalidated
                or (isinstance(current, (sa.exc.OperationalError,
                                         sa.exc.InterfaceError))
                    and current.statement is None)):
            return True
        current = current.__cause__ or current.__context__
        seen += 1
    return False


def retry_on_connection_error(func, timeout: float,
                              what: str = 'a call') -> Any:
    """``func()``, called again while the database is out of reach
    (:func:`is_connection_error`), for at most ``timeout`` seconds
    (backing off from 0.5 to 5 s); then its error is raised.

    Only for what is safe to run twice: idempotent steps and writes.
    """
    deadline = time.monotonic() + timeout
    delay = 0.5
    while True:
        try:
            return func()
        except Exception as e:
            left = deadline - time.monotonic()
            if not is_connection_error(e) or left <= 0:
                raise
            LOG.warning('The database is out of reach (%(err)s): %(what)s '
                        'is tried again in %(delay).1fs', {
                            'err': type(e).__name__, 'what': what,
                            'delay': min(delay, left)})
            time.sleep(min(delay, left))
            delay = min(delay * 2, 5.0)
