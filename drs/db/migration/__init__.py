"""Schema migrations: ``drs-manage db sync`` and ``db version``."""

import os

from alembic import command as alembic_command
from alembic import config as alembic_config
from alembic import migration as alembic_migration
from alembic import script as alembic_script
import sqlalchemy as sa

from drs.db import api as db_api

_ALEMBIC_DIR = os.path.join(os.path.dirname(__file__), 'alembic_migrations')


def alembic_cfg(engine: sa.engine.Engine | None = None
                ) -> alembic_config.Config:
    config = alembic_config.Config(
        os.path.join(os.path.dirname(__file__), 'alembic.ini'))
    config.set_main_option('script_location', _ALEMBIC_DIR)
    # env.py runs on this connection's engine instead of reading a URL.
    config.attributes['engine'] = engine or db_api.get_engine()
    return config


def upgrade(revision: str = 'head',
            engine: sa.engine.Engine | None = None) -> None:
    alembic_command.upgrade(alembic_cfg(engine), revision)


def version(engine: sa.engine.Engine | None = None) -> str | None:
    engine = engine or db_api.get_engine()
    with engine.connect() as conn:
        return alembic_migration.MigrationContext.configure(
            conn).get_current_revision()


def head() -> str | None:
    return alembic_script.ScriptDirectory.from_config(
        alembic_cfg()).get_current_head()
