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


def _seed_0001(engine) -> None:
    """Rows as 0001 allowed them: a plan name twice in a project."""
    now = '2026-11-30 10:00:00'
    with engine.begin() as conn:
        for site in ('s-a', 's-b'):
            conn.execute(sa.text(
                "INSERT INTO sites (id, name, region_name, auth_url, "
                "interface, verify_tls, endpoint_overrides, created_at) "
                "VALUES (:id, :id, 'R', 'http://x', 'public', true, '{}', "
                ":now)"), {'id': site, 'now': now})
        for i, (plan, name) in enumerate((('p-1', 'billing'),
                                          ('p-2', 'billing'))):
            conn.execute(sa.text(
                "INSERT INTO plans (id, project_id, name, source_site_id, "
                "target_site_id, status, mappings, options, reversed, "
                "test_active, created_at) VALUES (:id, 'proj', :name, "
                "'s-a', 's-b', 'available', '{}', '{}', false, false, "
                ":at)"), {'id': plan, 'name': name,
                          'at': '2026-11-30 10:00:0%d' % i})
            conn.execute(sa.text(
                "INSERT INTO protected_resources (id, plan_id, "
                "resource_type, resource_id, position, tier, "
                "replication_state, replica, protect_data, created_at) "
                "VALUES (:rid, :plan, 'OS::Swift::Container', :cont, 0, 1, "
                "'unprotected', '{}', '{}', :now)"),
                {'rid': 'r-%d' % i, 'plan': plan,
                 'cont': ('Logs', 'logs')[i], 'now': now})


def test_0002_migrates_existing_rows(engine):
    migration.upgrade('0001_initial', engine=engine)
    _seed_0001(engine)
    migration.upgrade('head', engine=engine)
    with engine.connect() as conn:
        names = dict(conn.execute(sa.text(
            'SELECT id, name FROM plans')).all())
        sources = set(conn.execute(sa.text(
            'SELECT source_site_id FROM protected_resources')).scalars())
    # The older keeps its name, the other gets its id's prefix.
    assert names == {'p-1': 'billing', 'p-2': 'billing-p-2'}
    assert sources == {'s-a'}


def test_0002_stops_on_a_resource_in_two_plans(engine):
    migration.upgrade('0001_initial', engine=engine)
    _seed_0001(engine)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "UPDATE protected_resources SET resource_id = 'Logs'"))
    with pytest.raises(Exception) as raised:
        migration.upgrade('head', engine=engine)
    assert 'p-1' in str(raised.value) and 'p-2' in str(raised.value)


def test_resource_ids_and_plan_names_compare_exactly(engine):
    migration.upgrade('head', engine=engine)
    _seed_0001_at_head(engine)
    with engine.connect() as conn:
        found = conn.execute(sa.text(
            "SELECT resource_id FROM protected_resources WHERE "
            "resource_id = :id"), {'id': 'logs' + 'x' * 252}
        ).scalars().all()
    # 256 characters, two rows differing only in case: both stored (the
    # unique constraint did not see a duplicate), one found.
    assert found == ['logs' + 'x' * 252]


def _seed_0001_at_head(engine) -> None:
    now = '2026-11-30 10:00:00'
    with engine.begin() as conn:
        for site in ('s-a', 's-b'):
            conn.execute(sa.text(
                "INSERT INTO sites (id, name, region_name, auth_url, "
                "interface, verify_tls, endpoint_overrides, created_at) "
                "VALUES (:id, :id, 'R', 'http://x', 'public', true, '{}', "
                ":now)"), {'id': site, 'now': now})
        for i, name in enumerate(('Billing', 'billing')):
            plan = 'p-%d' % i
            conn.execute(sa.text(
                "INSERT INTO plans (id, project_id, name, source_site_id, "
                "target_site_id, status, mappings, options, reversed, "
                "test_active, created_at) VALUES (:id, 'proj', :name, "
                "'s-a', 's-b', 'available', '{}', '{}', false, false, "
                ":now)"), {'id': plan, 'name': name, 'now': now})
            conn.execute(sa.text(
                "INSERT INTO protected_resources (id, plan_id, "
                "resource_type, resource_id, source_site_id, position, "
                "tier, replication_state, replica, protect_data, "
                "created_at) VALUES (:rid, :plan, 'OS::Swift::Container', "
                ":cont, 's-a', 0, 1, 'unprotected', '{}', '{}', :now)"),
                {'rid': 'r-%d' % i, 'plan': plan,
                 'cont': ('Logs', 'logs')[i] + 'x' * 252, 'now': now})
