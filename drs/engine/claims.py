"""Which engine takes an operation: compare-and-swap in the database.

An operation is taken (posted to the jobboard, or run by the local
executor) by exactly one engine: the one whose conditional UPDATE of
``engine_host`` matched. The operation's status is never written here;
it only moves through :mod:`drs.common.states` via :mod:`drs.db.api`.
"""

import datetime

import sqlalchemy as sa

from drs.common import states
from drs.common import timeutils
from drs.db import api as db_api
from drs.db import models

UNFINISHED = (states.OP_PENDING, states.OP_RUNNING, states.OP_CANCELLING)


@db_api.writer
def take(context, operation_id: str, host: str,
         expected_host: str | None = None,
         not_changed_since: datetime.datetime | None = None) -> bool:
    """Take an unfinished operation for ``host``; True if this call won.

    :param expected_host: the ``engine_host`` the caller saw (None: the
        operation must not have been taken yet).
    :param not_changed_since: when given, take it only if it has not been
        updated since (the stuck-operation recovery).
    """
    op = models.Operation
    where = [op.id == operation_id, op.status.in_(UNFINISHED)]
    if expected_host is None:
        where.append(op.engine_host.is_(None))
    else:
        where.append(op.engine_host == expected_host)
    if not_changed_since is not None:
        where.append(sa.func.coalesce(op.updated_at, op.created_at)
                     <= not_changed_since)
    result = context.session.execute(
        sa.update(op).where(*where)
        .values(engine_host=host, updated_at=timeutils.utcnow())
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


@db_api.reader
def unfinished(context, host: str | None = None,
               untaken: bool = False,
               not_changed_since: datetime.datetime | None = None
               ) -> list[models.Operation]:
    """Unfinished operations, oldest first.

    :param host: only those taken by this host.
    :param untaken: only those no engine has taken.
    :param not_changed_since: only those not updated since then.
    """
    op = models.Operation
    stmt = sa.select(op).where(op.status.in_(UNFINISHED))
    if host is not None:
        stmt = stmt.where(op.engine_host == host)
    if untaken:
        stmt = stmt.where(op.engine_host.is_(None))
    if not_changed_since is not None:
        stmt = stmt.where(sa.func.coalesce(op.updated_at, op.created_at)
                          <= not_changed_since)
    return list(context.session.scalars(stmt.order_by(op.created_at)))
