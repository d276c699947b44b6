"""Throwaway databases on SQLite and on the real MariaDB and PostgreSQL.

The servers are those this machine runs (see README.rst); their URLs can
be changed with ``DRS_TEST_MYSQL_URL`` and ``DRS_TEST_POSTGRESQL_URL``
(server URLs, without a database name). A server that does not answer
makes its tests skip, unless ``DRS_TEST_REQUIRE_ALL_DBS=1`` (as in CI),
which makes them fail instead.
"""

import contextlib
import os
import uuid

from oslo_db.sqlalchemy import enginefacade
import pytest
import sqlalchemy as sa

from drs.db import api as db_api
from drs.db import migration

BACKENDS = ('sqlite', 'mysql', 'postgresql')

SERVER_URLS = {
    'mysql': os.environ.get('DRS_TEST_MYSQL_URL',
                            'mysql+pymysql://root@127.0.0.1:3306'),
    'postgresql': os.environ.get('DRS_TEST_POSTGRESQL_URL',
                                 'postgresql+psycopg2://postgres@'
                                 '127.0.0.1:5432'),
}


def _unavailable(backend: str, error: Exception):
    message = '%s is not available at %s: %s' % (
        backend, SERVER_URLS[backend], error)
    if os.environ.get('DRS_TEST_REQUIRE_ALL_DBS') == '1':
        pytest.fail(message)
    pytest.skip(message)


@contextlib.contextmanager
def throwaway_database(backend: str, directory: str,
                       server_url: str | None = None):
    """Yield the URL of a new empty database; drop it afterwards.

    ``server_url``: another server than the machine's (a private one).
    """
    if backend == 'sqlite':
        yield 'sqlite:///%s' % os.path.join(
            directory, 'drs-%s.sqlite' % uuid.uuid4().hex[:8])
        return
    name = 'drs_test_%s' % uuid.uuid4().hex[:12]
    admin_db = 'mysql' if backend == 'mysql' else 'postgres'
    server_url = server_url or SERVER_URLS[backend]
    server = sa.create_engine('%s/%s' % (server_url, admin_db),
                              isolation_level='AUTOCOMMIT',
                              poolclass=sa.pool.NullPool)
    try:
        with server.connect() as conn:
            if backend == 'mysql':
                conn.execute(sa.text(
                    'CREATE DATABASE %s CHARACTER SET utf8mb4 '
                    'COLLATE utf8mb4_general_ci' % name))
            else:
                conn.execute(sa.text(
                    "CREATE DATABASE %s ENCODING 'UTF8'" % name))
    except sa.exc.OperationalError as e:
        _unavailable(backend, e)
    suffix = '?charset=utf8mb4' if backend == 'mysql' else ''
    try:
        yield '%s/%s%s' % (server_url, name, suffix)
    finally:
        with server.connect() as conn:
            if backend == 'postgresql':
                conn.execute(sa.text(
                    'SELECT pg_terminate_backend(pid) FROM '
                    'pg_stat_activity WHERE datname = :n AND '
                    'pid <> pg_backend_pid()'), {'n': name})
            conn.execute(sa.text('DROP DATABASE IF EXISTS %s' % name))
        server.dispose()


def engine_for(url: str) -> sa.engine.Engine:
    engine = sa.create_engine(url)
    if url.startswith('sqlite'):
        @sa.event.listens_for(engine, 'connect')
        def _fk(dbapi_conn, _record):
            dbapi_conn.execute('PRAGMA foreign_keys = ON')
    return engine


@contextlib.contextmanager
def migrated_database(backend: str, directory: str):
    """A migrated database that drs.db.api uses while the block runs.

    Yields the SQLAlchemy engine.
    """
    with throwaway_database(backend, directory) as url:
        manager = enginefacade.transaction_context()
        manager.configure(connection=url, sqlite_fk=True)
        manager.append_on_engine_create(db_api.sqlite_immediate_transactions)
        engine = manager.writer.get_engine()
        reset = db_api.main_context_manager.patch_factory(manager)
        try:
            migration.upgrade('head', engine=engine)
            yield engine
        finally:
            reset()
            manager.dispose_pool()


def clean_tables(engine: sa.engine.Engine) -> None:
    """Empty every drs table, children first."""
    from drs.db import models
    with engine.begin() as conn:
        for table in reversed(models.Base.metadata.sorted_tables):
            conn.execute(table.delete())
