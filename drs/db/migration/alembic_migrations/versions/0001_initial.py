"""Initial schema: sites, plans, protected resources, recipes, operations.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-25
"""

from typing import Any

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

# revision identifiers, used by Alembic.
revision = '0001_initial'
down_revision = None
branch_labels = None
depends_on = None

DateTime = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql')
MYSQL_TABLE_ARGS: dict[str, Any] = {'mysql_engine': 'InnoDB',
                                   'mysql_charset': 'utf8mb4'}


def _timestamps() -> list[sa.Column]:
    return [sa.Column('created_at', DateTime, nullable=False),
            sa.Column('updated_at', DateTime, nullable=True)]


def upgrade() -> None:
    op.create_table(
        'sites',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('region_name', sa.String(255), nullable=False),
        sa.Column('auth_url', sa.String(1024), nullable=False),
        sa.Column('interface', sa.String(16), nullable=False),
        sa.Column('verify_tls', sa.Boolean(), nullable=False),
        sa.Column('endpoint_overrides', sa.JSON(), nullable=False),
        *_timestamps(),
        sa.UniqueConstraint('name', name='uniq_sites0name'),
        **MYSQL_TABLE_ARGS)

    op.create_table(
        'plans',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Column('user_id', sa.String(255), nullable=True),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('source_site_id', sa.String(36),
                  sa.ForeignKey('sites.id', name='plans_source_site_id_fkey'),
                  nullable=False),
        sa.Column('target_site_id', sa.String(36),
                  sa.ForeignKey('sites.id', name='plans_target_site_id_fkey'),
                  nullable=False),
        sa.Column('status', sa.String(32), nullable=False),
        sa.Column('rpo_seconds', sa.Integer(), nullable=True),
        sa.Column('rpo_seconds_achieved', sa.Float(), nullable=True),
        sa.Column('last_sync_at', DateTime, nullable=True),
        sa.Column('mappings', sa.JSON(), nullable=False),
        sa.Column('options', sa.JSON(), nullable=False),
        sa.Column('reversed', sa.Boolean(), nullable=False),
        sa.Column('test_active', sa.Boolean(), nullable=False),
        sa.Column('current_operation_id', sa.String(36), nullable=True),
        sa.Column('trust_id', sa.String(255), nullable=True),
        *_timestamps(),
        sa.Index('plans_project_id_idx', 'project_id'),
        sa.Index('plans_status_idx', 'status'),
        **MYSQL_TABLE_ARGS)

    op.create_table(
        'protected_resources',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('plan_id', sa.String(36),
                  sa.ForeignKey('plans.id',
                                name='protected_resources_plan_id_fkey',
                                ondelete='CASCADE'),
                  nullable=False),
        sa.Column('resource_type', sa.String(255), nullable=False),
        sa.Column('resource_id', sa.String(255), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('tier', sa.Integer(), nullable=False),
        sa.Column('replication_state', sa.String(32), nullable=False),
        sa.Column('lag_seconds', sa.Float(), nullable=True),
        sa.Column('replica', sa.JSON(), nullable=False),
        sa.Column('protect_data', sa.JSON(), nullable=False),
        *_timestamps(),
        sa.UniqueConstraint('plan_id', 'resource_type', 'resource_id',
                            name='uniq_protected_resources0plan0type0id'),
        **MYSQL_TABLE_ARGS)

    op.create_table(
        'recovery_recipes',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('plan_id', sa.String(36),
                  sa.ForeignKey('plans.id',
                                name='recovery_recipes_plan_id_fkey',
                                ondelete='CASCADE'),
                  nullable=False),
        sa.Column('resource_id', sa.String(255), nullable=False),
        sa.Column('recipe', sa.JSON(), nullable=False),
        sa.Column('captured_at', DateTime, nullable=False),
        *_timestamps(),
        sa.UniqueConstraint('plan_id', 'resource_id',
                            name='uniq_recovery_recipes0plan0resource'),
        **MYSQL_TABLE_ARGS)

    op.create_table(
        'operations',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('plan_id', sa.String(36),
                  sa.ForeignKey('plans.id', name='operations_plan_id_fkey',
                                ondelete='CASCADE'),
                  nullable=False),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Column('user_id', sa.String(255), nullable=True),
        sa.Column('request_id', sa.String(255), nullable=True),
        sa.Column('action', sa.String(32), nullable=False),
        sa.Column('status', sa.String(32), nullable=False),
        sa.Column('parameters', sa.JSON(), nullable=False),
        sa.Column('plan_status_before', sa.String(32), nullable=True),
        sa.Column('engine_host', sa.String(255), nullable=True),
        sa.Column('progress_done', sa.Integer(), nullable=False),
        sa.Column('progress_total', sa.Integer(), nullable=False),
        sa.Column('current_step', sa.String(255), nullable=True),
        sa.Column('error', sa.JSON(), nullable=True),
        sa.Column('result', sa.JSON(), nullable=False),
        sa.Column('started_at', DateTime, nullable=True),
        sa.Column('finished_at', DateTime, nullable=True),
        *_timestamps(),
        sa.Index('operations_plan_id_idx', 'plan_id'),
        sa.Index('operations_project_id_idx', 'project_id'),
        sa.Index('operations_status_idx', 'status'),
        **MYSQL_TABLE_ARGS)

    op.create_table(
        'operation_events',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer, 'sqlite'),
                  primary_key=True, autoincrement=True),
        sa.Column('operation_id', sa.String(36),
                  sa.ForeignKey('operations.id',
                                name='operation_events_operation_id_fkey',
                                ondelete='CASCADE'),
                  nullable=False),
        sa.Column('at', DateTime, nullable=False),
        sa.Column('step', sa.String(255), nullable=False),
        sa.Column('resource_type', sa.String(255), nullable=True),
        sa.Column('resource_id', sa.String(255), nullable=True),
        sa.Column('state', sa.String(32), nullable=False),
        sa.Column('message', sa.Text(), nullable=True),
        sa.Index('operation_events_operation_id_idx', 'operation_id'),
        **MYSQL_TABLE_ARGS)
