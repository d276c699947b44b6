"""Exact resource ids, one plan per resource, plan names unique per project.

* ``protected_resources.resource_type``/``resource_id`` and
  ``plans.name`` compare exactly on MySQL/MariaDB too (``utf8mb4_bin``;
  PostgreSQL and SQLite compare exactly already): ``Logs`` and ``logs``
  are two Swift containers.
* ``resource_id`` holds 256 characters (Swift's limit), in
  ``protected_resources`` and ``operation_events``.
* ``protected_resources.source_site_id`` (the plan's source site) and a
  unique (type, id, source site): one resource is in at most one plan.
* A unique (project, name) on ``plans``.

Plans whose names collide in a project are renamed ``<name>-<id[:8]>``
(all but the oldest). A resource already in two plans cannot be resolved
automatically: the migration stops and names the plans, to be fixed (the
resource removed from one of them) before running it again.

Revision ID: 0002_exact_ids_unique_names
Revises: 0001_initial
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

# revision identifiers, used by Alembic.
revision = '0002_exact_ids_unique_names'
down_revision = '0001_initial'
branch_labels = None
depends_on = None


def _exact(length: int):
    return sa.String(length).with_variant(
        mysql.VARCHAR(length, charset='utf8mb4', collation='utf8mb4_bin'),
        'mysql')


def _rename_duplicate_plan_names(bind) -> None:
    plans = sa.table('plans', sa.column('id'), sa.column('project_id'),
                     sa.column('name'), sa.column('created_at'))
    seen: set[tuple[str, str]] = set()
    rows = bind.execute(sa.select(plans.c.id, plans.c.project_id,
                                  plans.c.name)
                        .order_by(plans.c.created_at, plans.c.id)).all()
    for plan_id, project_id, name in rows:
        if (project_id, name) in seen:
            new = '%s-%s' % (name[:246], plan_id[:8])
            bind.execute(sa.update(plans).where(plans.c.id == plan_id)
                         .values(name=new))
            name = new
        seen.add((project_id, name))


def _refuse_shared_resources(bind) -> None:
    res = sa.table('protected_resources', sa.column('plan_id'),
                   sa.column('resource_type'), sa.column('resource_id'),
                   sa.column('source_site_id'))
    key = (res.c.resource_type, res.c.resource_id, res.c.source_site_id)
    shared = bind.execute(
        sa.select(*key).group_by(*key)
        .having(sa.func.count(res.c.plan_id) > 1)).all()
    if not shared:
        return
    lines = []
    for rtype, rid, site in shared:
        plans = bind.execute(sa.select(res.c.plan_id).where(
            res.c.resource_type == rtype, res.c.resource_id == rid,
            res.c.source_site_id == site)).scalars().all()
        lines.append('%s %s (source site %s) is in plans %s' % (
            rtype, rid, site, ', '.join(sorted(plans))))
    raise RuntimeError(
        'A resource may be in only one protection plan, and these are in '
        'several; remove each from all plans but one, then run the '
        'migration again:\n  ' + '\n  '.join(lines))


def upgrade() -> None:
    bind = op.get_bind()
    is_mysql = bind.dialect.name == 'mysql'

    with op.batch_alter_table('protected_resources') as batch:
        batch.add_column(sa.Column('source_site_id', sa.String(36),
                                   nullable=True))
    op.execute(
        'UPDATE protected_resources SET source_site_id = (SELECT '
        'plans.source_site_id FROM plans WHERE plans.id = '
        'protected_resources.plan_id)')
    with op.batch_alter_table('protected_resources') as batch:
        batch.alter_column('source_site_id', existing_type=sa.String(36),
                           nullable=False)
        batch.alter_column('resource_type', type_=_exact(255),
                           existing_type=sa.String(255),
                           existing_nullable=False)
        batch.alter_column('resource_id', type_=_exact(256),
                           existing_type=sa.String(255),
                           existing_nullable=False)
        batch.create_foreign_key(
            'protected_resources_source_site_id_fkey', 'sites',
            ['source_site_id'], ['id'])
    # After the collation changed: compare as the constraint will.
    _refuse_shared_resources(bind)
    with op.batch_alter_table('protected_resources') as batch:
        batch.create_unique_constraint(
            'uniq_protected_resources0type0id0source',
            ['resource_type', 'resource_id', 'source_site_id'])

    with op.batch_alter_table('operation_events') as batch:
        batch.alter_column('resource_id', type_=sa.String(256),
                           existing_type=sa.String(255),
                           existing_nullable=True)

    # plans is referenced by other tables: no batch (a table copy on
    # SQLite); an index needs none, and only MySQL changes the column.
    if is_mysql:
        op.alter_column('plans', 'name', type_=_exact(255),
                        existing_type=sa.String(255),
                        existing_nullable=False)
    _rename_duplicate_plan_names(bind)
    op.create_index('uniq_plans0project0name', 'plans',
                    ['project_id', 'name'], unique=True)
