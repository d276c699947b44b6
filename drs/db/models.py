"""SQLAlchemy 2.0 models of drs.

The schema is owned by the alembic migrations in
``drs/db/migration/alembic_migrations``; the migration tests check that
these models and the migrations describe the same tables on SQLite,
MariaDB and PostgreSQL.
"""

import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.dialects import mysql

from drs.common import timeutils

# Native JSON on MySQL/MariaDB and PostgreSQL, TEXT on SQLite.
JsonType = sa.JSON()
# Microseconds on MySQL too (its DATETIME defaults to whole seconds): events
# and pages are ordered by time.
DateTime = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql')

UUID_LENGTH = 36
# Swift allows container names of 256 bytes; the API's schemas of resource
# ids never allow more (a unit test holds them to it).
RESOURCE_ID_LENGTH = 256


def ExactString(length: int) -> sa.types.TypeEngine:
    """A string compared exactly (case and accents) on every database.

    PostgreSQL's and SQLite's default comparisons are binary already;
    MySQL/MariaDB's utf8mb4 default collation is case-insensitive, so
    ``Logs`` and ``logs`` (two Swift containers) would collide.
    """
    return sa.String(length).with_variant(
        mysql.VARCHAR(length, charset='utf8mb4', collation='utf8mb4_bin'),
        'mysql')


class Base(orm.DeclarativeBase):
    type_annotation_map = {
        dict[str, Any]: JsonType,
        list[Any]: JsonType,
    }


class TimestampMixin:
    created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
        DateTime, nullable=False, default=timeutils.utcnow)
    updated_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        DateTime, nullable=True, onupdate=timeutils.utcnow)


class Site(TimestampMixin, Base):
    """One OpenStack region registered by the operator."""

    __tablename__ = 'sites'
    __table_args__ = (
        sa.UniqueConstraint('name', name='uniq_sites0name'),
    )

    id: orm.Mapped[str] = orm.mapped_column(
        sa.String(UUID_LENGTH), primary_key=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    description: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    region_name: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    auth_url: orm.Mapped[str] = orm.mapped_column(sa.String(1024))
    interface: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    verify_tls: orm.Mapped[bool] = orm.mapped_column(
        sa.Boolean, default=True)
    # {service_type: url}; shown to admins only.
    endpoint_overrides: orm.Mapped[dict[str, Any]] = orm.mapped_column(
        default=dict)


class Plan(TimestampMixin, Base):
    """A protection plan, owned by a project."""

    __tablename__ = 'plans'
    __table_args__ = (
        sa.Index('plans_project_id_idx', 'project_id'),
        sa.Index('plans_status_idx', 'status'),
        # Plan names are unique in a project (the CLI finds plans by name).
        sa.Index('uniq_plans0project0name', 'project_id', 'name',
                 unique=True),
    )

    id: orm.Mapped[str] = orm.mapped_column(
        sa.String(UUID_LENGTH), primary_key=True)
    project_id: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    user_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    name: orm.Mapped[str] = orm.mapped_column(ExactString(255))
    description: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    source_site_id: orm.Mapped[str] = orm.mapped_column(
        sa.String(UUID_LENGTH),
        sa.ForeignKey('sites.id', name='plans_source_site_id_fkey'))
    target_site_id: orm.Mapped[str] = orm.mapped_column(
        sa.String(UUID_LENGTH),
        sa.ForeignKey('sites.id', name='plans_target_site_id_fkey'))
    status: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    rpo_seconds: orm.Mapped[int | None] = orm.mapped_column(sa.Integer)
    rpo_seconds_achieved: orm.Mapped[float | None] = orm.mapped_column(
        sa.Float)
    last_sync_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        DateTime)
    mappings: orm.Mapped[dict[str, Any]] = orm.mapped_column(default=dict)
    options: orm.Mapped[dict[str, Any]] = orm.mapped_column(default=dict)
    # True after a failover + reprotect: replication runs target -> source.
    reversed: orm.Mapped[bool] = orm.mapped_column(
        sa.Boolean, default=False)
    test_active: orm.Mapped[bool] = orm.mapped_column(
        sa.Boolean, default=False)
    # The one running operation; set and cleared by conditional UPDATEs so
    # two requests cannot both start an operation.
    current_operation_id: orm.Mapped[str | None] = orm.mapped_column(
        sa.String(UUID_LENGTH))
    # Keystone trust the engine acts through. A secret: never shown.
    trust_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))

    resources: orm.Mapped[list['ProtectedResource']] = orm.relationship(
        back_populates='plan', cascade='all, delete-orphan',
        order_by='ProtectedResource.position', lazy='selectin')


class ProtectedResource(TimestampMixin, Base):
    """A typed reference to a resource in a plan, with its replica."""

    __tablename__ = 'protected_resources'
    __table_args__ = (
        sa.UniqueConstraint('plan_id', 'resource_type', 'resource_id',
                            name='uniq_protected_resources0plan0type0id'),
        # A resource (type, id, source site) is in at most one plan.
        sa.UniqueConstraint(
            'resource_type', 'resource_id', 'source_site_id',
            name='uniq_protected_resources0type0id0source'),
    )

    id: orm.Mapped[str] = orm.mapped_column(
        sa.String(UUID_LENGTH), primary_key=True)
    plan_id: orm.Mapped[str] = orm.mapped_column(
        sa.String(UUID_LENGTH),
        sa.ForeignKey('plans.id', name='protected_resources_plan_id_fkey',
                      ondelete='CASCADE'))
    resource_type: orm.Mapped[str] = orm.mapped_column(ExactString(255))
    resource_id: orm.Mapped[str] = orm.mapped_column(
        ExactString(RESOURCE_ID_LENGTH))
    # The plan's source site (where the resource lives), kept here so the
    # database itself refuses one resource in two plans.
    source_site_id: orm.Mapped[str] = orm.mapped_column(
        sa.String(UUID_LENGTH),
        sa.ForeignKey('sites.id',
                      name='protected_resources_source_site_id_fkey'))
    # Order of the resources as the user gave them.
    position: orm.Mapped[int] = orm.mapped_column(sa.Integer, default=0)
    tier: orm.Mapped[int] = orm.mapped_column(sa.Integer, default=1)
    replication_state: orm.Mapped[str] = orm.mapped_column(
        sa.String(32), default='unprotected')
    lag_seconds: orm.Mapped[float | None] = orm.mapped_column(sa.Float)
    # Identity of the replica at the target site (driver specific).
    replica: orm.Mapped[dict[str, Any]] = orm.mapped_column(default=dict)
    # What protect changed, so unprotect can undo exactly that.
    protect_data: orm.Mapped[dict[str, Any]] = orm.mapped_column(
        default=dict)

    plan: orm.Mapped[Plan] = orm.relationship(back_populates='resources')


class RecoveryRecipe(TimestampMixin, Base):
    """What is needed to re-create a server at the target site."""

    __tablename__ = 'recovery_recipes'
    __table_args__ = (
        sa.UniqueConstraint('plan_id', 'resource_id',
                            name='uniq_recovery_recipes0plan0resource'),
    )

    id: orm.Mapped[str] = orm.mapped_column(
        sa.String(UUID_LENGTH), primary_key=True)
    plan_id: orm.Mapped[str] = orm.mapped_column(
        sa.String(UUID_LENGTH),
        sa.ForeignKey('plans.id', name='recovery_recipes_plan_id_fkey',
                      ondelete='CASCADE'))
    resource_id: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    recipe: orm.Mapped[dict[str, Any]] = orm.mapped_column(default=dict)
    captured_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
        DateTime, default=timeutils.utcnow)


class Operation(TimestampMixin, Base):
    """One run of an action on a plan."""

    __tablename__ = 'operations'
    __table_args__ = (
        sa.Index('operations_plan_id_idx', 'plan_id'),
        sa.Index('operations_project_id_idx', 'project_id'),
        sa.Index('operations_status_idx', 'status'),
    )

    id: orm.Mapped[str] = orm.mapped_column(
        sa.String(UUID_LENGTH), primary_key=True)
    plan_id: orm.Mapped[str] = orm.mapped_column(
        sa.String(UUID_LENGTH),
        sa.ForeignKey('plans.id', name='operations_plan_id_fkey',
                      ondelete='CASCADE'))
    project_id: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    user_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    request_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    action: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    status: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    parameters: orm.Mapped[dict[str, Any]] = orm.mapped_column(default=dict)
    # The plan's status before the operation, restored on failure where
    # the state machine says so.
    plan_status_before: orm.Mapped[str | None] = orm.mapped_column(
        sa.String(32))
    engine_host: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    progress_done: orm.Mapped[int] = orm.mapped_column(
        sa.Integer, default=0)
    progress_total: orm.Mapped[int] = orm.mapped_column(
        sa.Integer, default=0)
    current_step: orm.Mapped[str | None] = orm.mapped_column(
        sa.String(255))
    error: orm.Mapped[dict[str, Any] | None] = orm.mapped_column(JsonType)
    result: orm.Mapped[dict[str, Any]] = orm.mapped_column(default=dict)
    started_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        DateTime)
    finished_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        DateTime)


class OperationEvent(Base):
    """A step of an operation changing state, on one resource."""

    __tablename__ = 'operation_events'
    __table_args__ = (
        sa.Index('operation_events_operation_id_idx', 'operation_id'),
    )

    id: orm.Mapped[int] = orm.mapped_column(
        sa.BigInteger().with_variant(sa.Integer, 'sqlite'),
        primary_key=True, autoincrement=True)
    operation_id: orm.Mapped[str] = orm.mapped_column(
        sa.String(UUID_LENGTH),
        sa.ForeignKey('operations.id',
                      name='operation_events_operation_id_fkey',
                      ondelete='CASCADE'))
    at: orm.Mapped[datetime.datetime] = orm.mapped_column(
        DateTime, default=timeutils.utcnow)
    step: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    resource_type: orm.Mapped[str | None] = orm.mapped_column(
        sa.String(255))
    resource_id: orm.Mapped[str | None] = orm.mapped_column(
        sa.String(RESOURCE_ID_LENGTH))
    state: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    message: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
