"""From an operation row to a running TaskFlow engine.

:class:`OperationRunner` takes an operation (a compare-and-swap in the
database, so exactly one engine takes it), creates its logbook (keyed by
the operation's id) with one flow detail that records the flow factory
and its arguments, and then either posts it to the jobboard or runs it in
this process. Whoever runs it rebuilds the flow from the factory's name
and resumes from the persisted atom states.
"""

import concurrent.futures
import threading

from oslo_config import cfg
from oslo_log import log
from oslo_utils import importutils
from taskflow import engines
from taskflow.persistence import models as tf_models
from taskflow import states as tf_states

from drs.common import states
from drs import context as drs_context
from drs.db import api as db_api
from drs.engine import claims
from drs.engine import flows
from drs.engine.flows import flow_utils
# Registers the protect, unprotect, sync and preflight flows.
from drs.engine.flows import protection as _protection_flows  # noqa: F401
# Registers the failover, planned migration, test and cleanup flows.
from drs.engine.flows import recovery as _recovery_flows  # noqa: F401
from drs.engine import listeners
from drs.engine import listings
from drs.engine import persistence
from drs.engine.tasks import base as task_base
from drs import exception

CONF = cfg.CONF
LOG = log.getLogger(__name__)

# Context keys that are secrets or only valid in the API's process: they
# are never written to the store (the database and the jobboard).
_UNSTORED_CONTEXT_KEYS = ('auth_token', 'auth_token_info', 'service_token')


def pool_capacity() -> int | None:
    """How many connections the database pool hands out at once (its
    size and overflow), None when it is unbounded."""
    size = CONF.database.max_pool_size
    if not size:
        return None
    return size + max(CONF.database.max_overflow or 0, 0)


def engine_options(flow=None) -> dict:
    """Options of the TaskFlow engine that runs an operation's ``flow``.

    SQLite allows one writer at a time and fails a transaction that reads
    then writes while another one writes: its flows run one task at a
    time. Other databases run independent tasks in parallel threads: as
    many as the flow can run at once (its widest unordered group: every
    import of the plan, or every server of a tier), at most ``[engine]
    max_parallel_tasks`` and never more than the database pool can serve
    (each task reads and records through it).
    """
    if (CONF.database.connection or '').startswith('sqlite'):
        return {'engine': 'serial'}
    workers = CONF.engine.max_parallel_tasks
    if flow is not None:
        workers = min(workers, max(1, flow_utils.width(flow)))
    capacity = pool_capacity()
    if capacity:
        workers = min(workers, capacity)
    return {'engine': 'parallel', 'executor': 'threaded',
            'max_workers': workers}


def load_engine(flow_detail, store: dict, backend, **extra):
    """The engine of a saved flow detail: the flow rebuilt from its
    factory, run with :func:`engine_options` sized to it."""
    flow = engines.flow_from_detail(flow_detail)
    return engines.load(flow, flow_detail=flow_detail, store=store,
                        backend=backend, **dict(engine_options(flow),
                                                **extra))


def store_context(context: drs_context.RequestContext) -> dict:
    """The caller's identity as a plain dict, without its token."""
    values = context.to_dict()
    for key in _UNSTORED_CONTEXT_KEYS:
        values.pop(key, None)
    return values


class OperationRunner:
    """Posts operations to the jobboard, or runs them here without one."""

    def __init__(self, host: str, jobboard=None):
        self.host = host
        self.jobboard = jobboard
        self._local: set[str] = set()
        self._lock = threading.Lock()
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        if jobboard is None:
            self._executor = concurrent.futures.ThreadPoolExecutor(
                max_workers=CONF.engine.max_concurrent_operations,
                thread_name_prefix='drs-operation')

    def stop(self, wait: bool = True) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=wait, cancel_futures=True)

    @property
    def running(self) -> set[str]:
        with self._lock:
            return set(self._local)

    # ------------------------------------------------------------- taking

    def take(self, context, operation_id: str, expected_host=None,
             not_changed_since=None) -> bool:
        """Take the operation and post or run it; False if another did."""
        if not claims.take(context, operation_id, self.host,
                           expected_host=expected_host,
                           not_changed_since=not_changed_since):
            LOG.debug('Operation %s was taken by another engine',
                      operation_id)
            return False
        self.dispatch(context, operation_id)
        return True

    def dispatch(self, context, operation_id: str) -> None:
        """Post (jobboard) or run (local) an operation this engine took."""
        op = db_api.operation_get(context, operation_id)
        if op.status in states.OP_FINAL_STATES:
            return
        try:
            book, flow_detail, store = self.prepare(op)
        except Exception as e:
            LOG.error('Operation %(op)s (%(action)s) cannot run: %(err)s',
                      {'op': op.id, 'action': op.action,
                       'err': task_base.safe_message(e)})
            self._fail_unrunnable(op, e)
            return
        if self.jobboard is not None:
            job = self.jobboard.post(
                op.id, book=book,
                details={'flow_uuid': flow_detail.uuid, 'store': store,
                         'operation_id': op.id, 'action': op.action})
            LOG.info('Operation %(op)s (%(action)s) posted as job %(job)s',
                     {'op': op.id, 'action': op.action, 'job': job.uuid})
        else:
            self.run_local(op.id)

    def _fail_unrunnable(self, op, error: Exception) -> None:
        context = drs_context.get_admin_context()
        try:
            if op.status == states.OP_PENDING:
                db_api.operation_transition(context, op.id, 'start',
                                            {'engine_host': self.host})
            db_api.operation_finish(
                context, op.id, 'fail',
                error={'step': None, 'resource': None,
                       'detail': task_base.safe_message(error)})
        except exception.DrsException as e:
            LOG.warning('Operation %s: %s', op.id, e)

    # ---------------------------------------------------------- logbooks

    def prepare(self, op) -> tuple:
        """The operation's logbook, flow detail and store; idempotent.

        A logbook that exists already (an operation re-posted or resumed)
        is reused as it is, with the factory arguments saved the first
        time, so the rebuilt flow matches its persisted atoms.
        """
        book = persistence.get_logbook(op.id)
        if book is not None:
            for flow_detail in book:
                meta = flow_detail.meta or {}
                if 'factory' in meta:
                    return book, flow_detail, meta.get('store', {})
        context = drs_context.get_admin_context()
        plan = db_api.plan_get(context, op.plan_id)
        factory_name = flows.factory_path(op.action)
        factory = importutils.import_class(factory_name)
        factory_kwargs = {'plan': flow_utils.plan_snapshot(plan),
                          'parameters': dict(op.parameters or {})}
        flow = factory(**factory_kwargs)
        op_context = drs_context.RequestContext(
            user_id=op.user_id, project_id=op.project_id,
            request_id=op.request_id, is_admin=False, overwrite=False)
        store = {task_base.CONTEXT: store_context(op_context),
                 task_base.OPERATION_ID: op.id,
                 task_base.PLAN_ID: op.plan_id,
                 task_base.PARAMETERS: dict(op.parameters or {})}
        book = book or tf_models.LogBook('operation-%s' % op.id,
                                         uuid=op.id)
        flow_detail = tf_models.FlowDetail(
            '%s-%s' % (op.action, op.id), uuid=op.id)
        flow_detail.meta = {
            'factory': {'name': factory_name, 'args': [],
                        'kwargs': factory_kwargs},
            'store': store,
            'operation_id': op.id,
        }
        book.add(flow_detail)
        persistence.save_logbook(book)
        LOG.debug('Operation %s: logbook with flow %s (%d atoms)', op.id,
                  flow.name, len(list(flow_utils.iter_atoms(flow))))
        return book, flow_detail, store

    # ------------------------------------------------------ local executor

    def run_local(self, operation_id: str) -> bool:
        """Run (or resume) an operation in this process, in a thread."""
        with self._lock:
            if operation_id in self._local:
                return False
            self._local.add(operation_id)
        assert self._executor is not None  # noqa: S101
        self._executor.submit(self._run, operation_id)
        return True

    def _run(self, operation_id: str) -> None:
        try:
            run_flow(operation_id, self.host)
        except Exception as e:
            LOG.warning('Operation %(op)s: engine stopped: %(err)s',
                        {'op': operation_id,
                         'err': task_base.safe_message(e)})
        finally:
            with self._lock:
                self._local.discard(operation_id)


def run_flow(operation_id: str, host: str) -> str | None:
    """Load the operation's flow from its logbook and run it to the end.

    Returns the operation's final status. Used by the local executor; the
    jobboard conductor does the same from a job.
    """
    book = persistence.get_logbook(operation_id)
    if book is None:
        raise exception.DrsException('operation %s has no logbook'
                                     % operation_id)
    flow_detail = next(fd for fd in book if 'factory' in (fd.meta or {}))
    store = flow_detail.meta.get('store', {})
    context = drs_context.get_admin_context()
    op = db_api.operation_get(context, operation_id)
    if op.status in states.OP_FINAL_STATES:
        return op.status
    if flow_detail.state in (tf_states.SUCCESS, tf_states.REVERTED,
                             tf_states.FAILURE):
        # The flow ended but its engine died before the operation did.
        return listeners.finish_operation(operation_id, flow_detail.state)
    engine = load_engine(flow_detail, store, persistence.get_backend())
    with listeners.OperationListener(engine, operation_id, host):
        try:
            engine.run()
        except Exception as e:
            # The listener has ended the operation; this is the failure
            # that made the flow revert.
            LOG.info('Operation %(op)s reverted: %(err)s',
                     {'op': operation_id, 'err': task_base.safe_message(e)})
        finally:
            listings.release(operation_id)
    return db_api.operation_get(context, operation_id).status
