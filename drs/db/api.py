"""Database access for drs.

Every function takes a :class:`drs.context.RequestContext` and runs in an
oslo.db enginefacade reader or writer transaction. Callers get ORM rows
detached from the session: no lazy loading happens after a function
returns. The module never imports an API library.
"""

import uuid
from typing import Any

from oslo_db import api as oslo_db_api
from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import enginefacade
import sqlalchemy as sa
from sqlalchemy import orm

from drs.common import timeutils
from drs.db import models
from drs import exception

main_context_manager = enginefacade.transaction_context()
main_context_manager.configure(sqlite_fk=True)

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

def _paginate(session: orm.Session, stmt: sa.Select, model: type,
              limit: int | None, marker: str | None, sort_key: str,
              sort_dir: str) -> list:
    """Keyset pagination ordered by (sort_key, id).

    ``marker`` is the id of the last item of the previous page, looked up
    inside ``stmt``'s own filters so that a marker the caller cannot see is
    refused like one that does not exist.
    """
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
    return list(session.scalars(stmt))


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
    stmt = sa.select(models.Site)
    for key, value in (filters or {}).items():
        stmt = stmt.where(getattr(models.Site, key) == value)
    return _paginate(context.session, stmt, models.Site, limit, marker,
                     sort_key, sort_dir)


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

def _plan_query(project_id: str | None) -> sa.Select:
    stmt = sa.select(models.Plan)
    if project_id is not None:
        stmt = stmt.where(models.Plan.project_id == project_id)
    return stmt


def _resource_rows(plan_id: str, resources: list[dict],
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
        row.tier = res.get('tier', 1)
        row.position = position
        rows.append(row)
    return rows


@reader
def plan_get(context, plan_id: str,
             project_id: str | None = None) -> models.Plan:
    """A plan by id; with ``project_id``, only inside that project."""
    row = context.session.scalars(
        _plan_query(project_id).where(models.Plan.id == plan_id)
    ).one_or_none()
    if row is None:
        raise exception.PlanNotFound(plan=plan_id)
    return row


@reader
def plan_list(context, project_id: str | None = None,
              limit: int | None = None, marker: str | None = None,
              sort_key: str = 'created_at', sort_dir: str = 'asc',
              filters: dict | None = None) -> list[models.Plan]:
    stmt = _plan_query(project_id)
    for key, value in (filters or {}).items():
        stmt = stmt.where(getattr(models.Plan, key) == value)
    return _paginate(context.session, stmt, models.Plan, limit, marker,
                     sort_key, sort_dir)


@oslo_db_api.retry_on_deadlock
@writer
def plan_create(context, values: dict,
                resources: list[dict]) -> models.Plan:
    plan = models.Plan(id=_new_id(), **values)
    plan.resources = _resource_rows(plan.id, resources, {})
    context.session.add(plan)
    context.session.flush()
    return plan


@oslo_db_api.retry_on_deadlock
@writer
def plan_update(context, plan_id: str, values: dict,
                resources: list[dict] | None = None,
                project_id: str | None = None,
                allowed_statuses: tuple[str, ...] | None = None
                ) -> models.Plan:
    """Update a plan that runs no operation.

    The row is locked (SELECT ... FOR UPDATE) so that the status and
    ``current_operation_id`` checks and the write are one atomic step.
    """
    plan = context.session.scalars(
        _plan_query(project_id).where(models.Plan.id == plan_id)
        .with_for_update()).one_or_none()
    if plan is None:
        raise exception.PlanNotFound(plan=plan_id)
    _check_idle(plan, allowed_statuses, 'cannot be changed')
    for key, value in values.items():
        setattr(plan, key, value)
    if resources is not None:
        existing = {(r.resource_type, r.resource_id): r
                    for r in plan.resources}
        plan.resources = _resource_rows(plan.id, resources, existing)
    plan.updated_at = timeutils.utcnow()
    context.session.flush()
    return plan


@oslo_db_api.retry_on_deadlock
@writer
def plan_delete(context, plan_id: str, project_id: str | None = None,
                allowed_statuses: tuple[str, ...] | None = None) -> None:
    plan = context.session.scalars(
        _plan_query(project_id).where(models.Plan.id == plan_id)
        .with_for_update()).one_or_none()
    if plan is None:
        raise exception.PlanNotFound(plan=plan_id)
    _check_idle(plan, allowed_statuses, 'cannot be deleted')
    context.session.delete(plan)


def _check_idle(plan: models.Plan, allowed_statuses: tuple[str, ...] | None,
                what: str) -> None:
    if plan.current_operation_id:
        op = plan.current_operation_id
        raise exception.PlanInvalidState(
            plan=plan.id, status=plan.status,
            detail='it %s while operation %s runs' % (what, op))
    if allowed_statuses is not None and plan.status not in allowed_statuses:
        raise exception.PlanInvalidState(
            plan=plan.id, status=plan.status,
            detail='it %s in this state (allowed: %s)' % (
                what, ', '.join(allowed_statuses)))


@reader
def recipe_list(context, plan_id: str) -> list[models.RecoveryRecipe]:
    return list(context.session.scalars(
        sa.select(models.RecoveryRecipe)
        .where(models.RecoveryRecipe.plan_id == plan_id)
        .order_by(models.RecoveryRecipe.resource_id)))


def model_columns(model: type) -> set[str]:
    return {c.key for c in sa.inspect(model).columns}


def to_dict(row: Any) -> dict:
    return {c: getattr(row, c) for c in model_columns(type(row))}
