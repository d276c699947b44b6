"""The crash test bed: drs's real action flows on the fake two-site cloud,
run by drs's real engine code in this process, and engines that die.

A :class:`Bed` is one SQLite database (drs's tables and TaskFlow's
logbooks, as in production) and one fake cloud
(:mod:`drs.tests.fakecloud`, in memory). Engines are
:class:`drs.engine.manager.EngineManager` objects, started and stopped as
``drs-engine`` starts and stops them (without RabbitMQ: the test calls
the manager's RPC method the API's cast reaches), with or without the
Redis jobboard.

An engine dies (:class:`Crash`) by an exception that is no
``Exception`` (:class:`EngineDied`): TaskFlow, the runner and the
conductor only catch ``Exception``, so nothing reverts, nothing marks
the flow failed, no job is consumed or abandoned, and what the
persistence holds is what it held at that instant, as after ``kill
-9``. The points of death:

``after-run``
    a step's work is done (its side effects are at the sites, its
    events recorded) but TaskFlow has not saved its result: the resumed
    flow runs it again;
``after-save``
    a step's result is saved (SUCCESS in the logbook), the next one has
    not started: the resumed flow does not run it again;
``flow-start``
    the operation is running, no step has started;
``pending-taken``
    an engine took the operation (its ``engine_host``) and died before
    it made its logbook;
``pending-logbook``
    the logbook is saved, the flow was neither run nor posted;
``pending-posted``
    (jobboard) the job is on the board, no conductor claimed it;
``pending-untaken``
    the cast reached no engine (no engine ran).

Then a fresh engine (a new manager: the same host without a jobboard,
as drs resumes its own operations at start; another host with one, once
the dead one's claim expires) resumes the operation the way drs does
after a restart.
"""

import contextlib
import copy
import functools
import os
import shutil
import sqlite3
import threading
import time
from typing import Any
from unittest import mock
import uuid

from oslo_config import cfg
from oslo_db.sqlalchemy import enginefacade
from oslo_utils import importutils
from taskflow import states as tf_states
from taskflow import task as tf_task

from drs.common import states
from drs import context as drs_context
from drs.db import api as db_api
from drs.db import migration
from drs.engine import flows
from drs.engine.flows import flow_utils
from drs.engine import jobboard as drs_jobboard
from drs.engine import listeners
from drs.engine import listings
from drs.engine import manager as engine_manager
from drs.engine import persistence
from drs.engine import runner as drs_runner
from drs.engine.tasks import base as task_base
from drs.tests import conftest as base_fixtures
from drs.tests import fakecloud

CONF = cfg.CONF

PROJECT = 'admin'  # the noauth API's caller, for the process tests
TRUST = 'trust-of-the-crash-plan'
SERVER = 'OS::Nova::Server'
VOLUME = 'OS::Cinder::Volume'
CONTAINER = 'OS::Swift::Container'
SITE_A, SITE_B = 'site-a', 'site-b'

#: The plan: two servers in two tiers (a boot and a data volume each, one
#: pair of an unreplicated type that protect retypes), a volume of its
#: own and a container. Each resource's alias names it in test ids.
ALIASES = {(SERVER, 1): 'db', (SERVER, 2): 'web', (VOLUME, 1): 'shared',
           (CONTAINER, 1): 'logs'}

ACTIONS = ('protect', 'test_failover', 'cleanup_test', 'planned_migration',
           'failover', 'reprotect', 'failback')

#: Keys of drs's records that change with time alone.
VOLATILE = frozenset((
    'protected_at', 'last_sync_at', 'last_in_sync_at', 'measured_at',
    'lag_seconds', 'stopped_at', 'caught_up_at', 'active_at', 'at',
    'operation_id', 'requested_at', 'rto_seconds', 'rpo_seconds',
    'rpo_seconds_achieved', 'since'))


class EngineDied(BaseException):
    """The engine process is gone (not an error anything handles)."""


def strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: strip(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [strip(v) for v in value]
    return value


# --------------------------------------------------------------- the flows

def alias_snapshot() -> dict:
    """A plan snapshot with the aliases as ids: the flows of the crash
    plan have these atoms (with the real ids in their names)."""
    return {'id': 'plan', 'project_id': PROJECT, 'name': 'crash',
            'source_site_id': SITE_A, 'target_site_id': SITE_B,
            'reversed': False, 'options': {}, 'mappings': {},
            'resources': [{'type': t, 'id': a, 'tier': tier}
                          for (t, tier), a in ALIASES.items()]}


def flow_steps(action: str, snapshot: dict | None = None) -> list[str]:
    """The names of the tasks of ``action``'s flow, in flow order."""
    factory = importutils.import_class(flows.FLOW_FACTORIES[action])
    flow = factory(snapshot or alias_snapshot(), {})
    return [a.name for a in flow_utils.iter_atoms(flow)
            if isinstance(a, tf_task.Task)]


def aliases_of(plan_snapshot: dict) -> dict[str, str]:
    """Real resource id -> alias, from an operation's plan snapshot."""
    out = {}
    for r in plan_snapshot['resources']:
        out[r['id']] = ALIASES[(r['type'], int(r.get('tier') or 1))]
    return out


def aliased(name: str, aliases: dict[str, str]) -> str:
    for real, alias in aliases.items():
        name = name.replace(real, alias)
    return name


# ----------------------------------------------------------------- crashes

@contextlib.contextmanager
def boundary_hooks(at):
    """``at(point, task name)`` at every step boundary of the flows run
    meanwhile, in the engine's thread: ``after-run`` once a task's work
    is done, before TaskFlow saves its result; ``after-save`` once its
    SUCCESS is saved, before the engine goes on."""
    execute = task_base.OperationTask.execute

    @functools.wraps(execute)
    def hooked_execute(task, *args, **kwargs):
        result = execute(task, *args, **kwargs)
        at('after-run', task.name)
        return result

    class HookedListener(listeners.OperationListener):
        def _task_receiver(self, state, details):
            super()._task_receiver(state, details)
            if state == tf_states.SUCCESS:
                at('after-save', details.get('task_name', ''))

    with mock.patch.object(task_base.OperationTask, 'execute',
                           hooked_execute), \
            mock.patch.object(listeners, 'OperationListener',
                              HookedListener):
        yield


class Crash:
    """Where the first engine dies (see the module's docstring)."""

    def __init__(self, point: str, step: str | None = None):
        self.point = point
        self.step = step
        self.fired = threading.Event()
        self.aliases: dict[str, str] = {}
        #: atom -> state in the logbook when the engine died.
        self.persisted: dict[str, str] = {}
        self.operation_id: str | None = None

    def __repr__(self) -> str:
        return '%s %s' % (self.point, self.step or '')

    def _die(self) -> None:
        if self.fired.is_set():
            # Dead already: whatever else of that engine comes here
            # (another of its threads) does nothing more either.
            raise EngineDied(repr(self))
        if self.operation_id:
            book = persistence.get_logbook(self.operation_id)
            self.persisted = {aliased(a.name, self.aliases): a.state
                              for fd in (book or []) for a in fd}
        self.fired.set()
        raise EngineDied(repr(self))

    def _at(self, point: str, name: str) -> None:
        if self.fired.is_set() or (
                point == self.point
                and aliased(name, self.aliases) == self.step):
            self._die()

    @contextlib.contextmanager
    def installed(self):
        crash = self
        patches = []
        if self.point in ('after-save', 'after-run'):
            patches.append(boundary_hooks(self._at))
        elif self.point == 'flow-start':
            class DyingListener(listeners.OperationListener):
                def _flow_receiver(self, state, details):
                    super()._flow_receiver(state, details)
                    if state == tf_states.RUNNING:
                        crash._die()

            patches.append(mock.patch.object(listeners, 'OperationListener',
                                             DyingListener))
        elif self.point == 'pending-taken':
            def dying_dispatch(runner, context, operation_id):
                crash._die()
            patches.append(mock.patch.object(
                drs_runner.OperationRunner, 'dispatch', dying_dispatch))
        elif self.point == 'pending-logbook':
            prepare = drs_runner.OperationRunner.prepare

            def dying_prepare(runner, op):
                prepare(runner, op)
                crash._die()
            patches.append(mock.patch.object(
                drs_runner.OperationRunner, 'prepare', dying_prepare))
        elif self.point == 'pending-posted':
            post = drs_jobboard.ExpiringClaimRedisJobBoard.post

            def dying_post(board, *args, **kwargs):
                post(board, *args, **kwargs)
                crash._die()
            patches.append(mock.patch.object(
                drs_jobboard.ExpiringClaimRedisJobBoard, 'post', dying_post))
            # Its conductor is gone with it: nothing of it claims the job.
            patches.append(mock.patch.object(
                drs_jobboard.OperationConductor, 'run',
                lambda conductor, max_dispatches=None: None))
        elif self.point != 'pending-untaken':
            raise ValueError('no crash point %s' % self.point)
        if self.point != 'pending-taken':
            # Nothing of the dead engine takes up the operation again (its
            # start-up scan finding its own operation, say).
            dispatch = drs_runner.OperationRunner.dispatch

            def dead_or_dispatch(runner, context, operation_id):
                if crash.fired.is_set():
                    crash._die()
                return dispatch(runner, context, operation_id)
            patches.append(mock.patch.object(
                drs_runner.OperationRunner, 'dispatch', dead_or_dispatch))
            run_job = drs_jobboard.OperationConductor._dispatch_job

            def dead_or_run_job(conductor, job):
                if crash.fired.is_set():
                    crash._die()
                return run_job(conductor, job)
            patches.append(mock.patch.object(
                drs_jobboard.OperationConductor, '_dispatch_job',
                dead_or_run_job))
        with contextlib.ExitStack() as stack:
            for p in patches:
                stack.enter_context(p)
            stack.enter_context(_quiet_deaths())
            yield self


@contextlib.contextmanager
def _quiet_deaths():
    """A thread of the dead engine that ends with :class:`EngineDied` is
    expected; any other thread's exception is reported as before."""
    report = threading.excepthook

    def hook(args):
        if args.exc_type is not None and issubclass(args.exc_type,
                                                    EngineDied):
            return
        report(args)

    threading.excepthook = hook
    try:
        yield
    finally:
        threading.excepthook = report


# --------------------------------------------------------------------- bed

def _no_fsync(engine) -> None:
    """No fsync at each commit: a process that dies loses nothing SQLite
    handed to the OS (only the machine's crash would), and the cases run
    several times faster."""
    import sqlalchemy as sa

    @sa.event.listens_for(engine, 'connect')
    def _connect(dbapi_conn, _record):
        dbapi_conn.execute('PRAGMA synchronous=OFF')


class Bed:
    """A database file and a fake cloud, with this process's drs pointed
    at them (configuration, database, persistence, drivers)."""

    def __init__(self, directory: str, db_file: str, cloud_state: dict,
                 redis_url: str | None = None,
                 store_file: str | None = None):
        self.directory = directory
        self.db_file = db_file
        self.url = 'sqlite:///%s' % db_file
        self.store_file = store_file
        self.store: fakecloud.Store
        if store_file:
            # Shared with engines in other processes.
            self.store = fakecloud.FileStore(store_file)
            self.store.replace(cloud_state)
        else:
            self.store = fakecloud.MemoryStore(cloud_state)
        self.cloud = fakecloud.Cloud(self.store)
        self.redis_url = redis_url
        self.jobboard_name = 'drs-crash-%s' % uuid.uuid4().hex[:10]
        self.context = drs_context.get_admin_context()
        self._stack = contextlib.ExitStack()
        self.engines: list[engine_manager.EngineManager] = []

    # ---------------------------------------------------------- set-up

    def __enter__(self) -> 'Bed':
        base_fixtures.parse_config_once()
        raw = sqlite3.connect(self.db_file, isolation_level=None)
        raw.execute('PRAGMA journal_mode=WAL')
        raw.close()
        overrides = base_fixtures.ConfigOverrides(CONF)
        self._stack.callback(overrides.cleanup)
        overrides.config(group='database', connection=self.url)
        overrides.config(group='protection', sync_interval=0)
        overrides.config(group='engine', persistence=True,
                         periodic_interval=3600,
                         stuck_operation_timeout=3600,
                         jobboard_backend_url=None,
                         jobboard_name=self.jobboard_name,
                         jobboard_expiration_time=2)
        fakecloud.configure(overrides)
        self.conf = overrides
        manager = enginefacade.transaction_context()
        manager.configure(connection=self.url, sqlite_fk=True)
        manager.append_on_engine_create(db_api.sqlite_immediate_transactions)
        manager.append_on_engine_create(_no_fsync)
        self.engine = manager.writer.get_engine()
        self._stack.callback(manager.dispose_pool)
        self._stack.callback(db_api.main_context_manager.patch_factory(
            manager))
        persistence.reset_backend()
        self._stack.callback(persistence.reset_backend)
        fakecloud.use(self.store)
        self._stack.callback(fakecloud.use, None)
        self._stack.callback(fakecloud.install_identity())
        self._stack.callback(self._clean_redis)
        self._stack.callback(self.stop_engines)
        return self

    def __exit__(self, *exc) -> None:
        self._stack.close()
        for key in listings.held():
            listings.release(key)

    def jobboard(self, on: bool, **engine: Any) -> None:
        """The engines started from now on use the jobboard (or not)."""
        self.conf.config(group='engine',
                         jobboard_backend_url=self.redis_url if on else None,
                         **engine)

    def _clean_redis(self) -> None:
        if not self.redis_url:
            return
        import redis
        try:
            client = redis.Redis.from_url(self.redis_url)
            keys = list(client.scan_iter(match=self.jobboard_name + '*'))
            if keys:
                client.delete(*keys)
            client.close()
        except redis.RedisError:
            pass

    def save(self, db_file: str) -> dict:
        """Copy the database to ``db_file`` (SQLite's online backup);
        return the cloud's state."""
        src = sqlite3.connect(self.db_file)
        dst = sqlite3.connect(db_file)
        with dst:
            src.backup(dst)
        src.close()
        dst.close()
        return self.cloud.snapshot()

    # ---------------------------------------------------------- engines

    def start_engine(self, host: str) -> engine_manager.EngineManager:
        mgr = engine_manager.EngineManager(host)
        mgr.start()
        self.engines.append(mgr)
        return mgr

    def stop_engine(self, mgr: engine_manager.EngineManager) -> None:
        mgr.stop(graceful=False)
        if mgr in self.engines:
            self.engines.remove(mgr)

    def stop_engines(self) -> None:
        for mgr in list(self.engines):
            self.stop_engine(mgr)

    # ------------------------------------------------------- operations

    def plan_id(self) -> str:
        plans = db_api.plan_list(self.context)
        assert len(plans) == 1, plans
        return plans[0].id

    def start_action(self, action: str, parameters: dict | None = None
                     ) -> str:
        """The API's part: the PENDING operation, committed."""
        caller = drs_context.RequestContext(
            user_id='alice', project_id=PROJECT,
            request_id='req-%s' % uuid.uuid4())
        op = db_api.operation_create(caller, self.plan_id(), action,
                                     parameters or {})
        return op.id

    def cast(self, mgr: engine_manager.EngineManager, op_id: str) -> None:
        """What the API's cast does: the manager's RPC method."""
        try:
            mgr.run_operation(drs_context.get_admin_context(), op_id)
        except EngineDied:
            pass  # died in the RPC server's thread

    def operation(self, op_id: str):
        return db_api.operation_get(self.context, op_id)

    def wait_final(self, op_id: str, timeout: float = 60):
        deadline = time.monotonic() + timeout
        while True:
            op = self.operation(op_id)
            if op.status in states.OP_FINAL_STATES:
                return op
            if time.monotonic() > deadline:
                raise AssertionError(
                    'operation %s (%s) is still %s after %ss at step %s'
                    % (op.id, op.action, op.status, timeout,
                       op.current_step))
            time.sleep(0.05)

    def wait_idle(self, mgr: engine_manager.EngineManager,
                  timeout: float = 30) -> None:
        """Until no flow runs in ``mgr`` any more (its runner's threads,
        its conductor's dispatches)."""
        deadline = time.monotonic() + timeout
        while True:
            busy = bool(mgr.runner and mgr.runner.running)
            busy = busy or bool(mgr.conductor and any(
                not f.done() for f in mgr.conductor._dispatched))
            if not busy:
                return
            assert time.monotonic() < deadline, 'engine still busy'
            time.sleep(0.01)

    def run(self, action: str, host: str = 'engine-a',
            timeout: float = 60) -> Any:
        """An uncrashed run of ``action``; the operation."""
        op_id = self.start_action(action)
        mgr = self.start_engine(host)
        self.cast(mgr, op_id)
        op = self.wait_final(op_id, timeout)
        self.wait_idle(mgr)
        self.stop_engine(mgr)
        return op

    def snapshot_aliases(self, op_id: str) -> dict[str, str]:
        book = persistence.get_logbook(op_id)
        for fd in book or []:
            factory = (fd.meta or {}).get('factory')
            if factory:
                return aliases_of(factory['kwargs']['plan'])
        plan = db_api.plan_get(self.context, self.operation(op_id).plan_id)
        return aliases_of(flow_utils.plan_snapshot(plan))

    def events(self, op_id: str) -> list:
        return db_api.event_list(self.context, op_id)

    def started(self, op_id: str) -> dict[str, int]:
        """How many times each step started (its events), by alias."""
        aliases = self.snapshot_aliases(op_id)
        out: dict[str, int] = {}
        for e in db_api.event_list(self.context, op_id):
            if e.state == task_base.EVENT_STARTED:
                name = aliased(e.step, aliases)
                out[name] = out.get(name, 0) + 1
        return out

    def succeeded_steps(self, op_id: str) -> set[str]:
        aliases = self.snapshot_aliases(op_id)
        book = persistence.get_logbook(op_id)
        return {aliased(a.name, aliases) for fd in (book or []) for a in fd
                if a.state == tf_states.SUCCESS}

    # ---------------------------------------------------------- outcome

    def plan_state(self) -> dict:
        """What drs holds of the plan, without what changes with time or
        with the operation's id."""
        plan = db_api.plan_get(self.context, self.plan_id())
        return {
            'status': plan.status, 'test_active': plan.test_active,
            'reversed': plan.reversed,
            'current_operation_id': plan.current_operation_id,
            'resources': sorted(
                [{'type': r.resource_type, 'id': r.resource_id,
                  'tier': r.tier, 'state': r.replication_state,
                  'protect_data': strip(r.protect_data or {}),
                  'replica': strip(r.replica or {})}
                 for r in plan.resources],
                key=lambda r: (r['type'], r['id'])),
            'recipes': {row.resource_id: strip(row.recipe)
                        for row in db_api.recipe_list(self.context,
                                                      plan.id)},
        }

    def outcome(self) -> dict:
        return {'plan': self.plan_state(), 'cloud': self.cloud.inventory()}


# ---------------------------------------------------------------- the chain

def seed(cloud: fakecloud.Cloud) -> dict:
    """The workload at site A (and the empty site B)."""
    a = cloud.add_site(SITE_A, SITE_B, 'net-a')
    b = cloud.add_site(SITE_B, SITE_A, 'net-b')
    rules = [{'direction': 'ingress', 'ethertype': 'IPv4',
              'protocol': 'tcp', 'port_range_min': 443,
              'port_range_max': 443, 'remote_ip_prefix': '0.0.0.0/0',
              'remote_group_id': None},
             {'direction': 'ingress', 'ethertype': 'IPv4',
              'protocol': 'tcp', 'port_range_min': 5432,
              'port_range_max': 5432, 'remote_ip_prefix': None,
              'remote_group_id': 'self'},
             {'direction': 'egress', 'ethertype': 'IPv4', 'protocol': None,
              'port_range_min': None, 'port_range_max': None,
              'remote_ip_prefix': None, 'remote_group_id': None}]
    sg = cloud.add_security_group(SITE_A, PROJECT, 'web-sg', rules)
    cloud.add_keypair(SITE_A, 'ops-key', 'ssh-ed25519 AAAAC3Nza ops@example')
    servers = {}
    for name, ip, vtype in (('db', '10.0.0.10', 'plain'),
                            ('web', '10.0.0.20', 'replicated')):
        boot = cloud.add_volume(SITE_A, PROJECT, '%s-boot' % name, 1, vtype,
                                bootable=True)
        data = cloud.add_volume(SITE_A, PROJECT, '%s-data' % name, 2, vtype)
        servers[name] = cloud.add_server(SITE_A, PROJECT, name,
                                         a['network_id'], ip, [sg],
                                         [boot, data], 'ops-key')
    shared = cloud.add_volume(SITE_A, PROJECT, 'shared', 1, 'replicated')
    cloud.add_container(SITE_A, PROJECT, 'logs', 3, 3072)
    cloud.add_trust(TRUST, PROJECT)
    return {'servers': servers, 'volume': shared, 'net_a': a['network_id'],
            'net_b': b['network_id']}


def create_plan(context, ids: dict) -> str:
    sites = {}
    for name, region in ((SITE_A, 'RegionOne'), (SITE_B, 'RegionTwo')):
        sites[name] = db_api.site_create(context, {
            'name': name, 'region_name': region,
            'auth_url': 'http://127.0.0.1:5000/v3',
            'interface': 'public'}).id
    plan = db_api.plan_create(context, {
        'project_id': PROJECT, 'user_id': 'alice', 'name': 'crash',
        'source_site_id': sites[SITE_A], 'target_site_id': sites[SITE_B],
        'status': states.AVAILABLE, 'rpo_seconds': 3600,
        'trust_id': TRUST, 'options': {},
        'mappings': {'networks': {ids['net_a']: ids['net_b']},
                     'volume_types': {'plain': 'replicated'}}}, [
        {'type': SERVER, 'id': ids['servers']['db'], 'tier': 1},
        {'type': SERVER, 'id': ids['servers']['web'], 'tier': 2},
        {'type': VOLUME, 'id': ids['volume'], 'tier': 1},
        {'type': CONTAINER, 'id': 'logs', 'tier': 1}])
    return plan.id


class Template:
    """A state to start a case from: a database file and the cloud."""

    def __init__(self, db_file: str, cloud_state: dict):
        self.db_file = db_file
        self.cloud_state = cloud_state

    def bed(self, directory: str, redis_url: str | None = None,
            store_file: str | None = None) -> Bed:
        db_file = os.path.join(directory, 'drs-%s.sqlite'
                               % uuid.uuid4().hex[:8])
        shutil.copyfile(self.db_file, db_file)
        return Bed(directory, db_file, copy.deepcopy(self.cloud_state),
                   redis_url=redis_url, store_file=store_file)


class Snapshot:
    """What an engine that died at one step boundary left: the database
    and the cloud at that instant (a :class:`Template`), and the atom
    states its logbook held."""

    def __init__(self, template: Template, persisted: dict[str, str]):
        self.template = template
        self.persisted = persisted


class Chain:
    """Every action's starting state and its uncrashed outcome, built
    once: protect, then test_failover and its cleanup, a planned
    migration, and a failover (site A down), reprotect and failback.

    The uncrashed run of each action also records, at each of its step
    boundaries (:func:`boundary_hooks`), the database and the cloud as
    they are at that instant: what an engine killed there leaves behind
    for the next one (:attr:`snapshots`)."""

    #: action -> the action whose outcome it starts from (None: the
    #: seeded cloud).
    BEFORE = {'protect': None, 'test_failover': 'protect',
              'cleanup_test': 'test_failover',
              'planned_migration': 'protect', 'failover': 'protect',
              'reprotect': 'failover', 'failback': 'reprotect'}

    def __init__(self, directory: str):
        self.directory = directory
        self.start: dict[str, Template] = {}
        self.reference: dict[str, dict] = {}
        self.steps: dict[str, set[str]] = {}
        self.seconds: dict[str, float] = {}
        self.operations: dict[str, str] = {}
        self.snapshots: dict[str, dict[tuple[str, str], Snapshot]] = {}
        self.plan_id = ''

    def build(self) -> 'Chain':
        base_file = os.path.join(self.directory, 'seed.sqlite')
        engine_url = 'sqlite:///%s' % base_file
        import sqlalchemy as sa
        engine = sa.create_engine(engine_url)
        migration.upgrade('head', engine=engine)
        persistence.upgrade(engine)
        engine.dispose()
        seeded = Template(base_file, {})
        with seeded.bed(self.directory) as bed:
            ids = seed(bed.cloud)
            self.plan_id = create_plan(bed.context, ids)
            self.start['protect'] = Template(
                os.path.join(self.directory, 'before-protect.sqlite'), {})
            self.start['protect'].cloud_state = bed.save(
                self.start['protect'].db_file)
        for action in ACTIONS:
            with self.bed(action) as bed:
                started = time.monotonic()
                op = self._record(bed, action)
                self.seconds[action] = time.monotonic() - started
                assert op.status == states.OP_SUCCEEDED, (action, op.error)
                self.operations[action] = op.id
                self.reference[action] = bed.outcome()
                self.steps[action] = bed.succeeded_steps(op.id)
                if action == 'failover':
                    bed.cloud.site_down(SITE_A, False)
                after = Template(os.path.join(self.directory,
                                              'after-%s.sqlite' % action),
                                 {})
                after.cloud_state = bed.save(after.db_file)
            for nxt, prev in self.BEFORE.items():
                if prev == action:
                    self.start[nxt] = after
        return self

    def _record(self, bed: Bed, action: str):
        op_id = bed.start_action(action)
        aliases = bed.snapshot_aliases(op_id)
        found = self.snapshots[action] = {}

        def at(point: str, name: str) -> None:
            step = aliased(name, aliases)
            if (point, step) in found:
                return
            db_file = os.path.join(self.directory, '%s-%s-%s.sqlite' % (
                action, point, step))
            book = persistence.get_logbook(op_id)
            persisted = {aliased(a.name, aliases): a.state
                         for fd in (book or []) for a in fd}
            found[(point, step)] = Snapshot(
                Template(db_file, bed.save(db_file)), persisted)

        with boundary_hooks(at):
            mgr = bed.start_engine('engine-a')
            bed.cast(mgr, op_id)
            op = bed.wait_final(op_id)
            bed.wait_idle(mgr)
            bed.stop_engine(mgr)
        return op

    def bed(self, action: str, directory: str | None = None,
            redis_url: str | None = None,
            template: Template | None = None,
            store_file: str | None = None) -> Bed:
        """A bed in the state ``action`` starts from (for a failover:
        site A is down, as after a disaster), or in ``template``."""
        bed = (template or self.start[action]).bed(
            directory or self.directory, redis_url=redis_url,
            store_file=store_file)
        if action == 'failover':
            bed.cloud.site_down(SITE_A)
        return bed
