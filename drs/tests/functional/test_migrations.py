"""The migrations, walked revision by revision on every database, and
checked against the models."""

from alembic import autogenerate
from alembic import migration as alembic_migration
from alembic import script as alembic_script
import pytest
import sqlalchemy as sa

from drs.db import migration
from drs.db import models
from drs.tests import db_fixtures


def _revisions() -> list[str]:
    scripts = alembic_script.ScriptDirectory.from_config(
        migration.alembic_cfg(engine=sa.create_engine('sqlite://')))
    return [r.revision for r in reversed(list(scripts.walk_revisions()))]


@pytest.fixture(params=db_fixtures.BACKENDS)
def engine(request, tmp_path):
    with db_fixtures.throwaway_database(request.param, str(tmp_path)) as url:
        engine = db_fixtures.engine_for(url)
        yield engine
        engine.dispose()


def test_walk_revisions(engine):
    revisions = _revisions()
    assert revisions[0] == '0001_initial'
    assert migration.version(engine) is None
    for revision in revisions:
        migration.upgrade(revision, engine=engine)
        assert migration.version(engine) == revision
    # Running it again at head changes nothing.
    migration.upgrade('head', engine=engine)
    assert migration.version(engine) == revisions[-1]
    tables = set(sa.inspect(engine).get_table_names())
    assert set(models.Base.metadata.tables) <= tables


def test_models_match_migrations(engine):
    migration.upgrade('head', engine=engine)
    with engine.connect() as conn:
        context = alembic_migration.MigrationContext.configure(
            conn, opts={'compare_type': True,
                        'compare_server_default': True})
        diff = autogenerate.compare_metadata(context, models.Base.metadata)
    assert diff == []


def test_mysql_tables_are_innodb_utf8mb4(engine):
    if engine.dialect.name != 'mysql':
        pytest.skip('MySQL only')
    migration.upgrade('head', engine=engine)
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            'SELECT table_name, engine, table_collation FROM '
            'information_schema.tables WHERE table_schema = DATABASE() '
            "AND table_name <> 'alembic_version'")).all()
    assert {r[0] for r in rows} == set(models.Base.metadata.tables)
    for name, table_engine, collation in rows:
        assert table_engine == 'InnoDB', name
        assert collation.startswith('utf8mb4'), name
