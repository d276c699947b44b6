"""TaskFlow persistence in drs's own database.

TaskFlow's SQLAlchemy backend stores logbooks, flow details and atom
details in the database of ``[database] connection``, sharing drs's
engine. One logbook per operation, whose uuid is the operation's id, so
that the progress API and any engine find an operation's persisted atoms
from the operation alone.

The tables are created by ``drs-manage db sync`` (:func:`upgrade`).
"""

import contextlib
import functools
import os
import threading
from typing import Any

from alembic import command as alembic_command
from alembic import config as alembic_config
from alembic import migration as alembic_migration
from oslo_config import cfg
from oslo_db import exception as db_exc
from oslo_log import log
import sqlalchemy as sa
from taskflow import exceptions as tf_exc
from taskflow.persistence import backends as tf_backends
from taskflow.persistence.backends import impl_sqlalchemy
from taskflow.persistence.backends import sqlalchemy as tf_sqlalchemy
from taskflow.persistence.backends.sqlalchemy import tables as tf_tables
from taskflow.persistence import models as tf_models

from drs.db import api as db_api

CONF = cfg.CONF
LOG = log.getLogger(__name__)

_ENV_DIR = os.path.join(os.path.dirname(__file__), 'persistence_migration')
_TASKFLOW_VERSIONS = os.path.join(
    os.path.dirname(tf_sqlalchemy.__file__), 'alembic', 'versions')
VERSION_TABLE = 'taskflow_alembic_version'
# Tables of TaskFlow's schema; the migration tests of drs leave them out.
TABLES = ('logbooks', 'flowdetails', 'atomdetails', VERSION_TABLE)

_BACKEND = None
_LOCK = threading.Lock()


class _Connection:
    """A TaskFlow persistence connection whose oslo.db errors are
    TaskFlow's ``StorageFailure`` again.

    TaskFlow turns SQLAlchemy's errors into ``StorageFailure`` and retries
    saving an atom's state on it (3 times, 5 s apart). On drs's engine,
    oslo.db has already translated them into its own (a lost connection
    is ``DBConnectionError``), which TaskFlow lets through: without this,
    an atom that finished while the database restarted failed its flow.
    """

    def __init__(self, conn: Any):
        self._conn = conn

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._conn, name)
        if name.startswith('_') or not callable(value):
            return value

        @functools.wraps(value)
        def call(*args, **kwargs):
            try:
                return value(*args, **kwargs)
            except db_exc.DBError as e:
                tf_exc.raise_with_cause(
                    tf_exc.StorageFailure,
                    'Storage failure: %s' % type(e).__name__, cause=e)
        return call


def _alembic_cfg(connection: sa.engine.Connection) -> alembic_config.Config:
    config = alembic_config.Config()
    config.set_main_option('script_location', _ENV_DIR)
    config.set_main_option('path_separator', 'os')
    config.set_main_option('version_locations', _TASKFLOW_VERSIONS)
    config.attributes['connection'] = connection
    return config


def upgrade(engine: sa.engine.Engine | None = None) -> None:
    """Create or upgrade TaskFlow's tables (``drs-manage db sync``)."""
    engine = engine or db_api.get_engine()
    with engine.begin() as connection:
        alembic_command.upgrade(_alembic_cfg(connection), 'heads')


def version(engine: sa.engine.Engine | None = None) -> str | None:
    engine = engine or db_api.get_engine()
    with engine.connect() as conn:
        return alembic_migration.MigrationContext.configure(
            conn, opts={'version_table': VERSION_TABLE}
        ).get_current_revision()


class _SchemaConnection(impl_sqlalchemy.Connection):
    """TaskFlow's SQLAlchemy connection on its backend's one schema.

    TaskFlow's own builds its table objects anew for every connection,
    i.e. for every atom state it saves: SQLAlchemy then compiles each
    statement again (its cache is keyed by those objects), which was
    about half of an engine's CPU per step on the crash suite's flows.
    The tables are immutable schema objects, shared by every thread.
    """

    def __init__(self, backend: '_Backend', upgrade_lock):
        # Not the parent's __init__, which builds the tables again.
        self._backend = backend
        self._upgrade_lock = upgrade_lock
        self._engine = backend.engine
        self._metadata, self._tables, self._converter = backend.schema()


class _Backend(impl_sqlalchemy.SQLAlchemyBackend):
    """TaskFlow's SQLAlchemy backend on drs's oslo.db engine: its
    connections share its schema (:class:`_SchemaConnection`) and raise
    TaskFlow's errors (:class:`_Connection`)."""

    def __init__(self, conf, engine=None):
        super().__init__(conf, engine=engine)
        self._schema: tuple | None = None
        self._schema_lock = threading.Lock()

    def schema(self) -> tuple:
        with self._schema_lock:
            if self._schema is None:
                metadata = sa.MetaData()
                found = tf_tables.fetch(metadata)
                self._schema = (metadata, found,
                                impl_sqlalchemy._Alchemist(found))
            return self._schema

    def get_connection(self) -> Any:
        conn = _SchemaConnection(self, upgrade_lock=self._upgrade_lock)
        if not self._validated:  # type: ignore[has-type]
            conn.validate(max_retries=self._max_retries)
            self._validated = True
        return _Connection(conn)


def get_backend() -> Any:
    """The process's TaskFlow persistence backend (created on first use).

    With ``[engine] persistence = False``, an in-memory backend: nothing
    survives the process.
    """
    global _BACKEND
    with _LOCK:
        if _BACKEND is None:
            if CONF.engine.persistence:
                _BACKEND = _Backend(
                    {'connection': CONF.database.connection},
                    engine=db_api.get_engine())
            else:
                _BACKEND = tf_backends.fetch({'connection': 'memory://'})
        return _BACKEND


def reset_backend() -> None:
    """Forget the backend (tests that change the database)."""
    global _BACKEND
    with _LOCK:
        _BACKEND = None


@contextlib.contextmanager
def connection():
    backend = get_backend()
    with contextlib.closing(backend.get_connection()) as conn:
        yield conn


def get_logbook(operation_id: str) -> tf_models.LogBook | None:
    """The logbook of an operation, or None when it has none yet."""
    with connection() as conn:
        try:
            return conn.get_logbook(operation_id)
        except tf_exc.NotFound:
            return None


def save_logbook(book: tf_models.LogBook) -> tf_models.LogBook:
    with connection() as conn:
        return conn.save_logbook(book)


def destroy_logbook(operation_id: str) -> None:
    with connection() as conn:
        try:
            conn.destroy_logbook(operation_id)
        except tf_exc.NotFound:
            pass
