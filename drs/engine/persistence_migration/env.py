"""Alembic environment for TaskFlow's persistence tables in drs's database.

TaskFlow's own migration scripts are run unchanged (``version_locations``
points at them), but their revision is tracked in a table of its own,
``taskflow_alembic_version``, so that it never mixes with the revision of
drs's schema in ``alembic_version``.
"""

from alembic import context

VERSION_TABLE = 'taskflow_alembic_version'


def run_migrations_online() -> None:
    connection = context.config.attributes['connection']
    context.configure(connection=connection, target_metadata=None,
                      version_table=VERSION_TABLE)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit('TaskFlow persistence migrations run online only')
run_migrations_online()
