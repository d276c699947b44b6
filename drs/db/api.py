"""Database access for drs.

Every function takes a :class:`drs.context.RequestContext` and runs in an
oslo.db enginefacade reader or writer transaction. Callers get ORM rows
detached from the session: no lazy loading happens after a function
returns. The module never imports an API library.
"""

from typing import Any
import uuid
from oslo_db import api as oslo_db_api
from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import enginefacade
import sqlalchemy as sa
from sqlalchemy import orm

from drs.common import states
from drs.common import timeutils
from drs.db import models
from drs import exception




def sqlite_immediate_transactions(engine: sa.engine.Engine) -> None:
    """Make every transaction on a SQLite engine ``BEGIN IMMEDIATE``.

    SQLite lets one connection write at a time. A deferred transaction
    that reads and then writes (a compare-and-swap, TaskFlow saving an
    atom) fails at once with "database is locked" when another
    connection wrote meanwhile; taking the write lock at BEGIN makes the
    others wait for it instead (up to the driver's busy timeout). Used
    by every drs process on SQLite, through oslo.db's
    ``append_on_engine_create`` (see below).
    """
    if engine.dialect.name != 'sqlite':
        return

    def _begin_immediate(conn):
        if 'in_transaction' not in conn.info:
            conn.exec_driver_sql('BEGIN IMMEDIATE')
            conn.info['in_transaction'] = True

    # Run before oslo.db's own listener, which emits a plain (deferred)
    # BEGIN unless it finds the marker set here.
    existing = list(engine.dispatch.begin)
    for fn in existing:
        sa.event.remove(engine, 'begin', fn)
    sa.event.listen(engine, 'begin', _begin_immediate)
    for fn in existing:
        sa.event.listen(engine, 'begin', fn)


main_context_manager = enginefacade.transaction_context()
main_context_manager.configure(sqlite_fk=True)
main_context_manager.append_on_engine_create(sqlite_immediate_transactions)

reader = main_context_manager.reader
writer = main_context_manager.writer


def get_engine() -> sa.engine.Engine:
    return main_context_manager.writer.get_engine()


def _new_id() -> str:
    return str(uuid.uuid4())


def _is_uuid_like(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value.lower()
    except (TypeError, ValueError, AttributeError):
        return False


# ----------------------------------------------------------------- paging

def _select(model: Any, project_id: str | None = None) -> sa.Select:
    """SELECT of ``model``, confined to a project when one is given."""
    stmt = sa.select(model)
    if project_id is not None:
        stmt = stmt.where(model.project_id == project_id)
    return stmt


def _paginate(session: orm.Session, stmt: sa.Select, model: Any,
              limit: int | None, marker: str | None, sort_key: str,
              sort_dir: str, filters: dict | None = None,
              options: tuple = ()) -> list:
    """Keyset pagination ordered by (sort_key, id).

    ``marker`` is the id of the last item of the previous page, looked up
    inside ``stmt``'s own filters so that a marker the caller cannot see is
    refused like one that does not exist. ``options``: loader options of
    the page's query (not of the marker's).
    """
    for key, value in (filters or {}).items():
        stmt = stmt.where(getattr(model, key) == value)
    column = getattr(model, sort_key)
    order = sa.desc if sort_dir == 'desc' else sa.asc
    if marker is not None:
        marker_value = session.execute(
            stmt.with_only_columns(column).where(model.id == marker)
        ).scalar_one_or_none()
        if marker_value is None:
            raise exception.InvalidParameter(
                name='marker', detail='no item with id %s' % marker)
        if sort_dir == 'desc':
            after = sa.or_(column < marker_value,
                           sa.and_(column == marker_value, model.id < marker))
        else:
            after = sa.or_(column > marker_value,
                           sa.and_(column == marker_value, model.id > marker))
        stmt = stmt.where(after)
    stmt = stmt.order_by(order(column), order(model.id))
    if limit is not None:
        stmt = stmt.limit(limit)
    # unique(): a joined eager load repeats a row per child.
    return list(session.scalars(stmt.options(*options)).unique())


# ------------------------------------------------------------------ sites

def _site_query(site: str) -> sa.Select:
    if _is_uuid_like(site):
        return sa.select(models.Site).where(models.Site.id == site.lower())
    return sa.select(models.Site).where(models.Site.name == site)


@reader
def site_get(context, site: str) -> models.Site:
    """A site by id or by name."""
    row = context.session.scalars(_site_query(site)).one_or_none()
    if row is None:
        raise exception.SiteNotFound(site=site)
    return row


@reader
def site_list(context, limit: int | None = None, marker: str | None = None,
              sort_key: str = 'created_at', sort_dir: str = 'asc',
              filters: dict | None = None) -> list[models.Site]:
    return _paginate(context.session, _select(models.Site), models.Site,
                     limit, marker, sort_key, sort_dir, filters)


@oslo_db_api.retry_on_deadlock
@writer
def site_create(context, values: dict) -> models.Site:
    site = models.Site(id=_new_id(), **values)
    context.session.add(site)
    try:
        context.session.flush()
    except db_exc.DBDuplicateEntry:
        raise exception.SiteExists(name=values.get('name'))
    return site


@oslo_db_api.retry_on_deadlock
@writer
def site_update(context, site_id: str, values: dict) -> models.Site:
    site = context.session.get(models.Site, site_id)
    if site is None:
        raise exception.SiteNotFound(site=site_id)
    for key, value in values.items():
        setattr(site, key, value)
    try:
        context.session.flush()
    except db_exc.DBDuplicateEntry:
        raise exception.SiteExists(name=values.get('name'))
    return site


@oslo_db_api.retry_on_deadlock
@writer
def site_delete(context, site_id: str) -> None:
    used = context.session.scalar(
        sa.select(sa.func.count(models.Plan.id)).where(
            sa.or_(models.Plan.source_site_id == site_id,
                   models.Plan.target_site_id == site_id)))
    if used:
        raise exception.SiteInUse(site=site_id, count=used)
    result = context.session.execute(
        sa.delete(models.Site).where(models.Site.id == site_id))
    if not result.rowcount:
        raise exception.SiteNotFound(site=site_id)


# ------------------------------------------------------------------ plans

def _resource_rows(plan_id: str, source_site_id: str, resources: list[dict],
                   existing: dict[tuple[str, str], models.ProtectedResource]
                   ) -> list[models.ProtectedResource]:
    """Rows for ``resources``, keeping the state of those already there."""
    rows = []
    for position, res in enumerate(resources):
        row = existing.get((res['type'], res['id']))
        if row is None:
            row = models.ProtectedResource(
                id=_new_id(), plan_id=plan_id, resource_type=res['type'],
                resource_id=res['id'], replication_state='unprotected',
                replica={}, protect_data={})
        row.source_site_id = source_site_id
        row.tier = res.get('tier', 1)
        # Column values given with it (reprotect swaps the resources and
        # sets their replication records in one transaction).
        for key, value in (res.get('values') or {}).items():
            setattr(row, key, value)
        row.position = position
        rows.append(row)
    return rows


# A plan's resources come with it in the same query (a LEFT OUTER JOIN;
# with a LIMIT, SQLAlchemy joins them to a subquery of the page): one
# round trip to the database per plan read or per page of plans, where
# the relationship's own select-in load makes two.
_WITH_RESOURCES = (orm.joinedload(models.Plan.resources),)


@reader
def plan_get(context, plan_id: str,
             project_id: str | None = None) -> models.Plan:
    """A plan by id; with ``project_id``, only inside that project."""
    row = context.session.scalars(
        _select(models.Plan, project_id).where(models.Plan.id == plan_id)
        .options(*_WITH_RESOURCES)
    ).unique().one_or_none()
    if row is None:
        raise exception.PlanNotFound(plan=plan_id)
    return row


@reader
def plan_list(context, project_id: str | None = None,
              limit: int | None = None, marker: str | None = None,
              sort_key: str = 'created_at', sort_dir: str = 'asc',
              filters: dict | None = None) -> list[models.Plan]:
    return _paginate(context.session, _select(models.Plan, project_id),
                     models.Plan, limit, marker, sort_key, sort_dir, filters,
                     options=_WITH_RESOURCES)


def is_data_error(e: Exception) -> bool:
    """A value the column cannot hold (too long, malformed).

    oslo.db gives DBDataError on MySQL but a plain DBError for
    PostgreSQL's StringDataRightTruncation.
    """
    return isinstance(e, db_exc.DBDataError) or (
        isinstance(e, db_exc.DBError) and
        isinstance(getattr(e, 'inner_exception', None), sa.exc.DataError))


def _check_plan_unique(session: orm.Session, plan_id: str,
                       project_id: str, name: str, source_site_id: str,
                       resources: list[dict]) -> None:
    """409 for a name taken in the project, or a resource in another plan.

    Checked before writing for a message that names the other plan; the
    unique constraints stop a concurrent request that slips between.
    """
    with session.no_autoflush:
        _check_plan_unique_now(session, plan_id, project_id, name,
                               source_site_id, resources)


def _check_plan_unique_now(session: orm.Session, plan_id: str,
                           project_id: str, name: str, source_site_id: str,
                           resources: list[dict]) -> None:
    other = session.scalars(sa.select(models.Plan).where(
        models.Plan.project_id == project_id, models.Plan.name == name,
        models.Plan.id != plan_id)).first()
    if other is not None:
        raise exception.PlanExists(name=name, plan=other.id)
    keys = {(r['type'], r['id']) for r in resources}
    if not keys:
        return
    res = models.ProtectedResource
    rows = session.execute(
        sa.select(res.resource_type, res.resource_id, models.Plan.id,
                  models.Plan.name, models.Plan.project_id)
        .join(models.Plan, models.Plan.id == res.plan_id)
        .where(res.source_site_id == source_site_id,
               res.plan_id != plan_id,
               res.resource_id.in_(sorted({k[1] for k in keys})))).all()
    for rtype, rid, other_id, other_name, other_project in rows:
        if (rtype, rid) not in keys:
            continue
        if other_project == project_id:
            raise exception.ResourceInOtherPlan(
                type=rtype, id=rid, plan=other_id, name=other_name)
        # Another project's plan is not named: its id would confirm it.
        raise exception.ResourceInOtherPlan(
            message='%s %s is already protected by a plan of another '
            'project; a resource belongs to at most one plan.' % (
                rtype, rid))


def _flush_plan(session: orm.Session, plan: models.Plan,
                resources: list[dict]) -> None:
    """Flush, turning the database's refusals into 409 and 400."""
    try:
        session.flush()
    except db_exc.DBDuplicateEntry as e:
        columns = set(e.columns or ())
        if 'name' in columns or any('name' in c for c in columns):
            raise exception.PlanExists(name=plan.name, plan='another plan')
        raise exception.Conflict(
            detail='a resource of the plan was added to another plan '
            'meanwhile, or the plan name was taken: try again to see which')
    except db_exc.DBError as e:
        if not is_data_error(e):
            raise
        raise exception.Invalid(
            detail='a value of the plan is too long or malformed for the '
            'database')


@oslo_db_api.retry_on_deadlock
@writer
def plan_create(context, values: dict,
                resources: list[dict]) -> models.Plan:
    plan = models.Plan(id=_new_id(), **values)
    _check_plan_unique(context.session, plan.id, plan.project_id, plan.name,
                       plan.source_site_id, resources)
    plan.resources = _resource_rows(plan.id, plan.source_site_id, resources,
                                    {})
    context.session.add(plan)
    _flush_plan(context.session, plan, resources)
    return plan


@oslo_db_api.retry_on_deadlock
@writer
def plan_update(context, plan_id: str, values: dict,
                resources: list[dict] | None = None,
                project_id: str | None = None,
                require_idle: bool = True,
                allowed_statuses: tuple[str, ...] | None = None
                ) -> models.Plan:
    """Update a plan; with ``require_idle``, only one that runs nothing.

    The row is locked (SELECT ... FOR UPDATE) so that the status and
    ``current_operation_id`` checks and the write are one atomic step.
    """
    plan = context.session.scalars(
        _select(models.Plan, project_id).where(models.Plan.id == plan_id)
        .with_for_update()).one_or_none()
    if plan is None:
        raise exception.PlanNotFound(plan=plan_id)
    if require_idle:
        _check_idle(plan, allowed_statuses, 'cannot be changed')
    for key, value in values.items():
        setattr(plan, key, value)
    wanted = resources if resources is not None else [
        {'type': r.resource_type, 'id': r.resource_id, 'tier': r.tier}
        for r in plan.resources]
    _check_plan_unique(context.session, plan.id, plan.project_id, plan.name,
                       plan.source_site_id, wanted)
    if resources is not None or 'source_site_id' in values:
        existing = {(r.resource_type, r.resource_id): r
                    for r in plan.resources}
        plan.resources = _resource_rows(plan.id, plan.source_site_id,
                                        wanted, existing)
    plan.updated_at = timeutils.utcnow()
    _flush_plan(context.session, plan, wanted)
    return plan


@oslo_db_api.retry_on_deadlock
@writer
def plan_delete(context, plan_id: str, project_id: str | None = None,
                allowed_statuses: tuple[str, ...] | None = None) -> None:
    plan = context.session.scalars(
        _select(models.Plan, project_id).where(models.Plan.id == plan_id)
        .with_for_update()).one_or_none()
    if plan is None:
        raise exception.PlanNotFound(plan=plan_id)
    _check_idle(plan, allowed_statuses, 'cannot be deleted')
    if plan.test_active:
        raise exception.PlanInvalidState(
            plan=plan.id, status=plan.status,
            detail='a test failover is active: run cleanup_test first')
    context.session.delete(plan)


def _check_idle(plan: models.Plan, allowed_statuses: tuple[str, ...] | None,
                what: str) -> None:
    if plan.current_operation_id:
        op = plan.current_operation_id
        raise exception.PlanInvalidState(
            plan=plan.id, status=plan.status,
            detail='it %s while operation %s runs' % (what, op))
    if allowed_statuses is not None and plan.status not in allowed_statuses:
        hint = ''
        if plan.status in (states.PROTECTED, states.DEGRADED):
            hint = '; unprotect it first'
        raise exception.PlanInvalidState(
            plan=plan.id, status=plan.status,
            detail='it %s in this state (allowed: %s)%s' % (
                what, ', '.join(allowed_statuses), hint))


@oslo_db_api.retry_on_deadlock
@writer
def protected_resource_update(context, plan_id: str, resource_type: str,
                              resource_id: str, values: dict,
                              unless_state: str | None = None
                              ) -> models.ProtectedResource | None:
    """Replication state, lag, replica and protect data of a resource.

    With ``unless_state``, a row found in that replication state is left
    as it is and None returned (the sweep never brings back a resource
    that unprotect finished with meanwhile).
    """
    row = context.session.scalars(
        sa.select(models.ProtectedResource).where(
            models.ProtectedResource.plan_id == plan_id,
            models.ProtectedResource.resource_type == resource_type,
            models.ProtectedResource.resource_id == resource_id)
    ).one_or_none()
    if row is None:
        raise exception.NotFound(
            '%s %s is not in plan %s' % (resource_type, resource_id,
                                        plan_id))
    if unless_state is not None and row.replication_state == unless_state:
        return None
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_at = timeutils.utcnow()
    context.session.flush()
    return row


@oslo_db_api.retry_on_deadlock
@writer
def recipe_save(context, plan_id: str, resource_id: str,
                recipe: dict) -> models.RecoveryRecipe:
    """Create or replace the recovery recipe of a server of a plan."""
    row = context.session.scalars(
        sa.select(models.RecoveryRecipe).where(
            models.RecoveryRecipe.plan_id == plan_id,
            models.RecoveryRecipe.resource_id == resource_id)
    ).one_or_none()
    if row is None:
        row = models.RecoveryRecipe(id=_new_id(), plan_id=plan_id,
                                    resource_id=resource_id)
        context.session.add(row)
    row.recipe = recipe
    row.captured_at = timeutils.utcnow()
    context.session.flush()
    return row


@oslo_db_api.retry_on_deadlock
@writer
def recipe_delete(context, plan_id: str,
                  resource_id: str | None = None) -> int:
    stmt = sa.delete(models.RecoveryRecipe).where(
        models.RecoveryRecipe.plan_id == plan_id)
    if resource_id is not None:
        stmt = stmt.where(models.RecoveryRecipe.resource_id == resource_id)
    return context.session.execute(stmt).rowcount


@reader
def recipe_list(context, plan_id: str) -> list[models.RecoveryRecipe]:
    return list(context.session.scalars(
        sa.select(models.RecoveryRecipe)
        .where(models.RecoveryRecipe.plan_id == plan_id)
        .order_by(models.RecoveryRecipe.resource_id)))


# ------------------------------------------------------------- operations

def _plan_conflict(session: orm.Session, plan: models.Plan,
                   action: states.Action) -> Exception:
    """Why ``action`` cannot start on ``plan`` as it is now."""
    if plan.current_operation_id:
        running = session.get(models.Operation, plan.current_operation_id)
        return exception.PlanBusy(
            plan=plan.id, operation=plan.current_operation_id,
            action=running.action if running is not None else 'unknown')
    if plan.status not in action.from_states:
        return exception.PlanInvalidState(
            plan=plan.id, status=plan.status,
            detail='%s is allowed only when the plan is %s' % (
                action.name, ', '.join(action.from_states)))
    for column, value, reason in action.requires:
        if getattr(plan, column) != value:
            return exception.PlanInvalidState(
                plan=plan.id, status=plan.status,
                detail='%s is not possible: %s' % (action.name, reason))
    return exception.Conflict(
        detail='plan %s changed while %s was being started; try again'
        % (plan.id, action.name))


@oslo_db_api.retry_on_deadlock
@writer
def operation_create(context, plan_id: str, action: str, parameters: dict,
                     project_id: str | None = None) -> models.Operation:
    """Start ``action`` on a plan: one PENDING operation, atomically.

    A compare-and-swap UPDATE moves the plan into the action's running
    state and takes its ``current_operation_id`` only if it is still in
    the state that was read, runs nothing, and meets the action's other
    requirements. Of two concurrent requests exactly one wins; the other
    gets a 409 saying why.
    """
    spec = states.ACTIONS[action]
    plan = context.session.scalars(
        _select(models.Plan, project_id).where(models.Plan.id == plan_id)
    ).one_or_none()
    if plan is None:
        raise exception.PlanNotFound(plan=plan_id)
    before = plan.status
    if plan.current_operation_id or before not in spec.from_states:
        raise _plan_conflict(context.session, plan, spec)
    operation_id = _new_id()
    where = [models.Plan.id == plan_id,
             models.Plan.status == before,
             models.Plan.current_operation_id.is_(None)]
    where += [getattr(models.Plan, column) == value
              for column, value, _reason in spec.requires]
    values = dict(spec.on_start)
    values.update(current_operation_id=operation_id,
                  status=states.action_running_state(action, before),
                  updated_at=timeutils.utcnow())
    result = context.session.execute(
        sa.update(models.Plan).where(*where).values(**values)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        # Changed meanwhile; deleted (a DELETE racing the action) is a
        # 404, not a "changed, try again" 409.
        context.session.expunge(plan)
        plan = context.session.scalars(
            _select(models.Plan, project_id).where(models.Plan.id == plan_id)
        ).one_or_none()
        if plan is None:
            raise exception.PlanNotFound(plan=plan_id)
        raise _plan_conflict(context.session, plan, spec)
    operation = models.Operation(
        id=operation_id, plan_id=plan_id, project_id=plan.project_id,
        user_id=context.user_id, request_id=context.request_id,
        action=action, status=states.OP_PENDING, parameters=parameters,
        plan_status_before=before, progress_done=0, progress_total=0,
        result={})
    context.session.add(operation)
    context.session.flush()
    return operation


@reader
def operation_get(context, operation_id: str,
                  project_id: str | None = None) -> models.Operation:
    row = context.session.scalars(
        _select(models.Operation, project_id)
        .where(models.Operation.id == operation_id)).one_or_none()
    if row is None:
        raise exception.OperationNotFound(operation=operation_id)
    return row


@reader
def operation_list(context, project_id: str | None = None,
                   limit: int | None = None, marker: str | None = None,
                   sort_key: str = 'created_at', sort_dir: str = 'asc',
                   filters: dict | None = None) -> list[models.Operation]:
    return _paginate(context.session, _select(models.Operation, project_id),
                     models.Operation, limit, marker, sort_key, sort_dir,
                     filters)


# The key of an operation's result that forbids cancelling it.
IRREVERSIBLE = 'irreversible'


@oslo_db_api.retry_on_deadlock
@writer
def operation_transition(context, operation_id: str, event: str,
                         values: dict | None = None) -> models.Operation:
    """Move an operation through its state machine (``start``, ...)."""
    op = context.session.scalars(
        sa.select(models.Operation).where(models.Operation.id == operation_id)
        .with_for_update()).one_or_none()
    if op is None:
        raise exception.OperationNotFound(operation=operation_id)
    irreversible = (op.result or {}).get(IRREVERSIBLE)
    if event == 'cancel' and irreversible:
        raise exception.Conflict(
            detail='operation %s cannot be cancelled: %s; let it finish, '
            'then retry it or reprotect' % (op.id, irreversible['reason']))
    try:
        op.status = states.operation_next(op.status, event)
    except states.InvalidTransition:
        raise exception.Conflict(
            detail='operation %s is %s: cannot %s it' % (
                op.id, op.status, event))
    for key, value in (values or {}).items():
        setattr(op, key, value)
    if event == 'start' and op.started_at is None:
        op.started_at = timeutils.utcnow()
    context.session.flush()
    return op


@oslo_db_api.retry_on_deadlock
@writer
def operation_mark_irreversible(context, operation_id: str,
                                reason: str) -> bool:
    """From now on the operation cannot be cancelled (``reason`` says
    why, e.g. a replica was promoted). False, and nothing marked, when a
    cancel was asked already: the caller must then stop instead."""
    op = context.session.scalars(
        sa.select(models.Operation).where(models.Operation.id == operation_id)
        .with_for_update()).one_or_none()
    if op is None:
        raise exception.OperationNotFound(operation=operation_id)
    if op.status != states.OP_RUNNING:
        return False
    if not (op.result or {}).get(IRREVERSIBLE):
        op.result = dict(op.result or {}, **{IRREVERSIBLE: {
            'reason': reason, 'at': timeutils.utcnow().isoformat()}})
    context.session.flush()
    return True


@oslo_db_api.retry_on_deadlock
@writer
def operation_update(context, operation_id: str,
                     values: dict) -> models.Operation:
    """Progress, engine host, result: fields outside the state machine."""
    op = context.session.get(models.Operation, operation_id)
    if op is None:
        raise exception.OperationNotFound(operation=operation_id)
    for key, value in values.items():
        setattr(op, key, value)
    context.session.flush()
    return op


@oslo_db_api.retry_on_deadlock
@writer
def operation_finish(context, operation_id: str, event: str,
                     error: dict | None = None, result: dict | None = None,
                     plan_values: dict | None = None) -> models.Operation:
    """End an operation (``succeed``, ``fail``, ``cancel``, ``cancelled``)
    and release its plan, in one transaction.

    The plan leaves the running state as the state machine says: on
    success or failure to the action's outcome; when the operation was
    cancelled (everything it did reverted), back to where it started.
    """
    op = operation_transition(context, operation_id, event)
    if op.status not in states.OP_FINAL_STATES:
        return op
    op.finished_at = timeutils.utcnow()
    if error is not None:
        op.error = error
    if result is not None:
        op.result = result
    plan = context.session.scalars(
        sa.select(models.Plan).where(models.Plan.id == op.plan_id)
        .with_for_update()).one()
    if plan.current_operation_id == op.id:
        if op.status == states.OP_CANCELLED:
            plan.status = op.plan_status_before or plan.status
            # A test failover cancelled before it started made nothing;
            # once it ran, what it made stays until cleanup_test (which
            # finds it by names and metadata), so the flag stays too.
            plan.test_active = (plan.test_active
                                and (op.action != 'test_failover'
                                     or op.started_at is not None))
        else:
            plan.status = states.action_final_state(
                plan.status, op.status == states.OP_SUCCEEDED)
        plan.current_operation_id = None
        for key, value in (plan_values or {}).items():
            setattr(plan, key, value)
        plan.updated_at = timeutils.utcnow()
    context.session.flush()
    return op


@oslo_db_api.retry_on_deadlock
@writer
def plan_replication_event(context, plan_id: str, event: str,
                           operation_id: str | None = None) -> str:
    """``degrade`` / ``recover`` from the sweep; returns the new status.

    Not applied while an operation holds the plan (unless it is
    ``operation_id``: a ``sync`` operation, which runs beside the plan's
    state), nor where the state machine has no such transition (an
    unchanged status is returned).
    """
    plan = context.session.scalars(
        sa.select(models.Plan).where(models.Plan.id == plan_id)
        .with_for_update()).one_or_none()
    if plan is None:
        raise exception.PlanNotFound(plan=plan_id)
    if plan.current_operation_id in (None, operation_id):
        try:
            plan.status = states.plan_next(plan.status, event)
        except states.InvalidTransition:
            pass
    return plan.status


@writer
def event_add(context, operation_id: str, step: str, state: str,
              resource_type: str | None = None,
              resource_id: str | None = None,
              message: str | None = None) -> models.OperationEvent:
    event = models.OperationEvent(
        operation_id=operation_id, step=step, state=state,
        resource_type=resource_type, resource_id=resource_id,
        message=message, at=timeutils.utcnow())
    context.session.add(event)
    context.session.flush()
    return event


@reader
def event_list(context, operation_id: str) -> list[models.OperationEvent]:
    return list(context.session.scalars(
        sa.select(models.OperationEvent)
        .where(models.OperationEvent.operation_id == operation_id)
        .order_by(models.OperationEvent.id)))
