"""Alembic environment: migrate the engine drs-manage hands over."""

from alembic import context

from drs.db import models

target_metadata = models.Base.metadata


def run_migrations_online() -> None:
    engine = context.config.attributes['engine']
    with engine.begin() as connection:
        context.configure(connection=connection,
                          target_metadata=target_metadata,
                          render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit('drs migrations run online only (drs-manage db sync)')
run_migrations_online()
