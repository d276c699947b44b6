"""Fixtures of the engine's functional tests.

They run real ``drs-engine`` processes against this machine's RabbitMQ,
Redis and databases, and the real API in process (webtest, ``noauth``).
Each test gets its own database, RPC topic and jobboard name, so tests
never see each other's messages or jobs; every engine a test starts is
killed (its whole process group) when the test ends.

Servers (override with environment variables):
``DRS_TEST_RABBIT_URL`` (rabbit://guest:guest@127.0.0.1:5672/),
``DRS_TEST_REDIS_URL`` (redis://127.0.0.1:6379/0). A server that does not
answer makes the tests that need it skip, or fail when
``DRS_TEST_REQUIRE_SERVICES=1`` (as in CI).
"""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from urllib import parse
import uuid

from oslo_config import cfg
from oslo_db.sqlalchemy import enginefacade
from oslo_messaging import opts as messaging_opts
import pytest
import redis
import sqlalchemy as sa
import webtest

from drs.api import app as api_app
from drs.common import rpc
from drs.common import states
from drs import context as drs_context
from drs.db import api as db_api
from drs.db import migration
from drs.engine import persistence
from drs.tests import db_fixtures
from drs.tests.functional.engine import sideeffect_flow
from drs.tests import private_servers

CONF = cfg.CONF

RABBIT_URL = os.environ.get('DRS_TEST_RABBIT_URL',
                            'rabbit://guest:guest@127.0.0.1:5672/')
REDIS_URL = os.environ.get('DRS_TEST_REDIS_URL', 'redis://127.0.0.1:6379/0')
PROJECT = 'admin'  # the project of the noauth API's caller

# Actions whose flow is the side-effect flow in these tests.
TEST_ACTIONS = ('protect', 'sync', 'unprotect')


def _reachable(url: str, default_port: int) -> bool:
    parsed = parse.urlparse(url)
    try:
        with socket.create_connection(
                (parsed.hostname or '127.0.0.1',
                 parsed.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def require(url: str, default_port: int, what: str) -> None:
    if _reachable(url, default_port):
        return
    message = '%s is not available at %s' % (what, url)
    if os.environ.get('DRS_TEST_REQUIRE_SERVICES') == '1':
        pytest.fail(message)
    pytest.skip(message)


def register_messaging_opts() -> None:
    for group, opts in messaging_opts.list_opts():
        if group in (None, 'DEFAULT'):
            CONF.register_opts(opts)


def engine_executable() -> list[str]:
    script = os.path.join(os.path.dirname(sys.executable), 'drs-engine')
    if os.path.exists(script):
        return [script]
    return [sys.executable, '-c',
            'import sys; from drs.cmd import engine; '
            'sys.exit(engine.main())']


class EngineProcess:
    """One drs-engine (cotyledon master and its workers)."""

    def __init__(self, host: str, popen: subprocess.Popen, log_file: str):
        self.host = host
        self.popen = popen
        self.log_file = log_file

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole process group: no cleanup of any kind."""
        if self.alive:
            try:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass

    def log_text(self) -> str:
        try:
            with open(self.log_file) as f:
                return f.read()
        except OSError:
            return ''

    def log_tail(self, lines: int = 40) -> str:
        try:
            with open(self.log_file) as f:
                return ''.join(f.readlines()[-lines:])
        except OSError:
            return '(no log)'


class EngineCloud:
    """A database, an RPC topic, a jobboard and engines for one test."""

    def __init__(self, directory: str, backend: str, db_url: str,
                 engine: sa.engine.Engine, rabbit_url: str = RABBIT_URL):
        self.directory = directory
        self.rabbit_url = rabbit_url
        self.backend = backend
        self.db_url = db_url
        self.engine = engine
        self.run_id = uuid.uuid4().hex[:10]
        self.topic = 'drs-engine-test-%s' % self.run_id
        self.jobboard_name = 'drs-test-%s' % self.run_id
        self.engines: list[EngineProcess] = []
        self.context = drs_context.get_admin_context()
        self._sites: tuple[str, str] | None = None
        self._api: webtest.TestApp | None = None

    # ------------------------------------------------------------ engines

    def config_file(self, host: str, jobboard: bool,
                    sections: dict[str, dict] | None = None,
                    **engine) -> str:
        options = {
            'topic': self.topic,
            'jobboard_name': self.jobboard_name,
            'jobboard_expiration_time': 4,
            'periodic_interval': 2,
            'stuck_operation_timeout': 20,
            'action_flows': ','.join('%s:%s' % (a, sideeffect_flow.FACTORY)
                                     for a in TEST_ACTIONS),
        }
        if jobboard:
            options['jobboard_backend_url'] = REDIS_URL
        options.update(engine)
        path = os.path.join(self.directory, 'drs-%s.conf' % host)
        lines = [
            '[DEFAULT]', 'host = %s' % host, 'debug = true',
            'transport_url = %s' % self.rabbit_url,
            'log_file = %s' % os.path.join(self.directory,
                                           'engine-%s.log' % host),
            '[database]', 'connection = %s' % self.db_url,
            '[oslo_messaging_rabbit]', 'rabbit_retry_interval = 1',
            'rabbit_retry_backoff = 1', 'rabbit_interval_max = 2',
            '[engine]',
        ] + ['%s = %s' % kv for kv in options.items()]
        for section, values in (sections or {}).items():
            lines += ['[%s]' % section] + ['%s = %s' % kv
                                           for kv in values.items()]
        with open(path, 'w') as f:
            f.write('\n'.join(lines) + '\n')
        return path

    def start_engine(self, host: str, jobboard: bool = True,
                     command: list[str] | None = None,
                     env: dict[str, str] | None = None,
                     sections: dict[str, dict] | None = None,
                     **engine) -> EngineProcess:
        """A drs-engine (or ``command``, given the same arguments) with
        ``[engine]`` options ``engine`` and other ``sections``."""
        path = self.config_file(host, jobboard, sections=sections, **engine)
        popen = subprocess.Popen(
            (command or engine_executable()) + ['--config-file', path],
            env=dict(os.environ, **(env or {})),
            stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(self.directory,
                                     'engine-%s.err' % host), 'a'),
            start_new_session=True)
        proc = EngineProcess(host, popen,
                             os.path.join(self.directory,
                                          'engine-%s.log' % host))
        self.engines.append(proc)
        return proc

    def kill_engines(self) -> None:
        for proc in self.engines:
            proc.kill()

    def logs(self) -> str:
        return '\n'.join('--- engine %s ---\n%s' % (p.host, p.log_tail())
                         for p in self.engines)

    # --------------------------------------------------------------- API

    @property
    def api(self) -> webtest.TestApp:
        if self._api is None:
            self._api = webtest.TestApp(api_app.setup_app())
        return self._api

    def new_api(self) -> webtest.TestApp:
        return webtest.TestApp(api_app.setup_app())

    # -------------------------------------------------------------- data

    def make_plan(self, steps: int = 4, seconds: float = 0.2,
                  fail_step: str | None = None,
                  resources: int = 3,
                  irreversible_step: str | None = None) -> str:
        # A site pair per plan: a resource (type, id, source site) is in
        # at most one plan, and every plan has vol-0, vol-1...
        suffix = '%s-%s' % (self.run_id, uuid.uuid4().hex[:6])
        a = db_api.site_create(self.context, {
            'name': 'a-' + suffix, 'region_name': 'RegionOne',
            'auth_url': 'http://127.0.0.1:5000/v3',
            'interface': 'public'})
        b = db_api.site_create(self.context, {
            'name': 'b-' + suffix, 'region_name': 'RegionTwo',
            'auth_url': 'http://127.0.0.1:5000/v3',
            'interface': 'public'})
        self._sites = (a.id, b.id)
        options = {'test_steps': steps, 'test_step_seconds': seconds}
        if fail_step:
            options['test_fail_step'] = fail_step
        if irreversible_step:
            options['test_irreversible_step'] = irreversible_step
        plan = db_api.plan_create(self.context, {
            'project_id': PROJECT, 'name': 'plan-%s' % uuid.uuid4().hex[:6],
            'source_site_id': self._sites[0],
            'target_site_id': self._sites[1],
            'status': states.AVAILABLE, 'options': options,
            'mappings': {}}, [
                {'type': 'OS::Cinder::Volume', 'id': 'vol-%d' % i, 'tier': 1}
                for i in range(resources)])
        return plan.id

    def operation(self, operation_id: str):
        return db_api.operation_get(self.context, operation_id)

    def plan(self, plan_id: str):
        return db_api.plan_get(self.context, plan_id)

    def effects(self, operation_id: str) -> list[tuple[str, str, int]]:
        table = sideeffect_flow.side_effects
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(table.c.step, table.c.kind, table.c.pid)
                .where(table.c.operation_id == operation_id)
                .order_by(table.c.id)).fetchall()
        return [tuple(r) for r in rows]

    def atom_states(self, operation_id: str) -> dict[str, str]:
        """The TaskFlow atom states persisted in the operation's logbook."""
        book = persistence.get_logbook(operation_id)
        return {atom.name: atom.state
                for flow_detail in (book or []) for atom in flow_detail}

    def done_steps(self, operation_id: str) -> list[str]:
        return [s for s, kind, _pid in self.effects(operation_id)
                if kind == 'do']

    def wait_for(self, predicate, timeout: float, what: str,
                 interval: float = 0.2):
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError('timed out after %ss waiting for %s\n%s'
                                     % (timeout, what, self.logs()))
            time.sleep(interval)

    def wait_final(self, operation_id: str, timeout: float = 60):
        def final():
            op = self.operation(operation_id)
            return op if op.status in states.OP_FINAL_STATES else None
        return self.wait_for(final, timeout,
                             'operation %s to end' % operation_id)

    def start_action(self, plan_id: str, action: str = 'protect',
                     api: webtest.TestApp | None = None) -> str:
        resp = (api or self.api).post_json(
            '/v1/plans/%s/actions' % plan_id, {action: {}})
        assert resp.status_int == 202, resp.text
        return resp.json['operation']['id']

    def cleanup(self) -> None:
        self.kill_engines()
        try:
            client = redis.Redis.from_url(REDIS_URL)
            keys = list(client.scan_iter(match=self.jobboard_name + '*'))
            if keys:
                client.delete(*keys)
            client.close()
        except redis.RedisError:
            pass


def _cloud(request, conf, tmp_path, backend: str,
           db_server_url: str | None = None,
           rabbit_url: str = RABBIT_URL):
    require(rabbit_url, 5672, 'RabbitMQ')
    require(REDIS_URL, 6379, 'Redis')
    directory = str(tmp_path)
    with db_fixtures.throwaway_database(backend, directory,
                                        db_server_url) as url:
        manager = enginefacade.transaction_context()
        manager.configure(connection=url, sqlite_fk=True)
        manager.append_on_engine_create(
            db_api.sqlite_immediate_transactions)
        engine = manager.writer.get_engine()
        reset = db_api.main_context_manager.patch_factory(manager)
        register_messaging_opts()
        rpc.cleanup()
        persistence.reset_backend()
        cloud = None
        try:
            if backend == 'sqlite':
                # The API (here) and the engines (other processes) share
                # the file: readers must not block the writer.
                raw = sqlite3.connect(url[len('sqlite:///'):],
                                      isolation_level=None)
                raw.execute('PRAGMA journal_mode=WAL')
                raw.close()
            migration.upgrade('head', engine=engine)
            persistence.upgrade(engine)
            sideeffect_flow.create_table(engine)
            conf.config(group='database', connection=url)
            conf.config(transport_url=rabbit_url)
            conf.config(group='api', auth_strategy='noauth')
            cloud = EngineCloud(directory, backend, url, engine,
                                rabbit_url)
            conf.config(group='engine', topic=cloud.topic,
                        jobboard_name=cloud.jobboard_name)
            yield cloud
        finally:
            if cloud is not None:
                cloud.cleanup()
            rpc.cleanup()
            persistence.reset_backend()
            reset()
            manager.dispose_pool()


@pytest.fixture
def cloud(request, conf, tmp_path):
    """An engine test bed on SQLite."""
    yield from _cloud(request, conf, tmp_path, 'sqlite')


@pytest.fixture(params=['sqlite', 'mysql', 'postgresql'])
def any_db_cloud(request, conf, tmp_path):
    """An engine test bed on SQLite, MariaDB and PostgreSQL."""
    yield from _cloud(request, conf, tmp_path, request.param)


@pytest.fixture
def private_postgresql():
    """A PostgreSQL cluster of the test's own, to restart."""
    server = private_servers.PrivatePostgreSQL()
    try:
        server.start()
        yield server
    finally:
        server.remove()


@pytest.fixture
def private_postgresql_cloud(request, conf, tmp_path, private_postgresql):
    """An engine test bed on a private PostgreSQL."""
    yield from _cloud(request, conf, tmp_path, 'postgresql',
                      db_server_url=private_postgresql.url)


@pytest.fixture
def private_rabbitmq():
    """A RabbitMQ node of the test's own, to restart (the machine's
    serves the test cloud)."""
    server = private_servers.PrivateRabbitMQ()
    try:
        server.start()
        yield server
    finally:
        server.remove()


@pytest.fixture
def private_rabbitmq_cloud(request, conf, tmp_path, private_rabbitmq):
    """An engine test bed on SQLite and a private RabbitMQ."""
    yield from _cloud(request, conf, tmp_path, 'sqlite',
                      rabbit_url=private_rabbitmq.url)


@pytest.fixture(scope='session')
def chain(tmp_path_factory):
    """The crash suite's actions: each one's starting state, uncrashed
    outcome and step-boundary snapshots (built once, a few seconds)."""
    from drs.tests.functional.engine import crashbed
    return crashbed.Chain(str(tmp_path_factory.mktemp('crash'))).build()
