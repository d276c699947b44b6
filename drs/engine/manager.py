"""Server side of the engine's RPC API, and the engine's own work.

One :class:`EngineManager` per engine worker. It receives the casts of
:mod:`drs.engine.rpcapi`, takes operations (exactly one engine takes each
one, see :mod:`drs.engine.claims`) and hands them to the jobboard or to
its local executor (:mod:`drs.engine.runner`). With a jobboard it also
runs a conductor that claims and runs jobs; it scans for operations that
were cast while no engine ran when it starts, and runs periodic tasks.
"""

import datetime
import threading
from typing import Any

from futurist import periodics
from oslo_config import cfg
from oslo_log import log
import oslo_messaging as messaging

from drs.common import states
from drs.common import timeutils
from drs import context as drs_context
from drs.db import api as db_api
from drs.db import reconnect
from drs.engine import cancellation
from drs.engine import claims
from drs.engine import persistence
from drs.engine import runner as drs_runner
from drs import exception

CONF = cfg.CONF
LOG = log.getLogger(__name__)


class EngineManager:
    """RPC endpoint of drs-engine (``RPC_API_VERSION`` follows rpcapi)."""

    RPC_API_VERSION = '1.1'

    target = messaging.Target(version=RPC_API_VERSION)

    def __init__(self, host: str, worker_id: int = 0):
        # The engine's identity, recorded as the operations' engine_host:
        # the host for worker 0, host:N for the other workers.
        self.host = host if not worker_id else '%s:%d' % (host, worker_id)
        self.worker_id = worker_id
        self.jobboard: Any = None
        self.conductor: Any = None
        self.runner: drs_runner.OperationRunner | None = None
        self._threads: list[threading.Thread] = []
        self._periodic: periodics.PeriodicWorker | None = None

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Connect the jobboard, start the conductor and periodic tasks,
        and take what was left for this engine."""
        if CONF.engine.jobboard_backend_url:
            # Imported only with a jobboard: Redis, TaskFlow's conductors
            # (and the eventlet they import) cost an engine without one
            # some 18 MiB.
            from drs.engine import jobboard as drs_jobboard
            if not CONF.engine.persistence:
                raise exception.DrsException(
                    '[engine] persistence must be enabled to use a '
                    'jobboard')
            backend = persistence.get_backend()
            self.jobboard = drs_jobboard.get_jobboard(backend)
            self.conductor = drs_jobboard.OperationConductor(
                self.host, drs_jobboard.get_jobboard(backend), backend,
                drs_runner.load_engine, host=self.host,
                max_simultaneous_jobs=CONF.engine.max_concurrent_operations)
            self._spawn(self.conductor.run, 'drs-conductor')
        self.runner = drs_runner.OperationRunner(
            self.host, jobboard=self.jobboard)

        @periodics.periodic(spacing=CONF.engine.periodic_interval)
        def recover_stuck_operations():
            try:
                self.recover_stuck_operations()
            except Exception as e:
                if not reconnect.is_connection_error(e):
                    raise
                # One line per pass while the database restarts, not a
                # traceback every few seconds: the next pass tries again.
                LOG.warning('Stuck-operation recovery: the database is '
                            'out of reach (%s); trying again in %ss',
                            type(e).__name__,
                            CONF.engine.periodic_interval)

        callables = [(recover_stuck_operations, None, None)]
        if CONF.protection.sync_interval:
            @periodics.periodic(spacing=CONF.protection.sync_interval)
            def replication_sweep():
                self.replication_sweep()

            callables.append((replication_sweep, None, None))
        self._periodic = periodics.PeriodicWorker(callables)
        self._spawn(self._periodic.start, 'drs-periodic')
        self._spawn(self.take_unfinished, 'drs-startup-scan')
        LOG.info('Engine worker %(w)s of %(host)s started (%(mode)s)',
                 {'w': self.worker_id, 'host': self.host,
                  'mode': 'jobboard %s' % CONF.engine.jobboard_name
                  if self.jobboard else 'no jobboard'})

    def _spawn(self, target, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self, graceful: bool = True) -> None:
        if self._periodic is not None:
            self._periodic.stop()
        if self.conductor is not None:
            self.conductor.stop()
            self.conductor.wait(timeout=30 if graceful else 1)
            self.conductor.close()
        if self.runner is not None:
            self.runner.stop(wait=graceful)
        if self.jobboard is not None:
            self.jobboard.close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = []

    # ------------------------------------------------------------------ RPC

    @messaging.expected_exceptions(exception.OperationNotFound,
                                   exception.Conflict)
    def run_operation(self, context, operation_id: str) -> None:
        """Take a PENDING operation and post or run it.

        The cast is only a prompt: the operation row is the request. If
        another engine (or this one's start-up scan) took it already,
        nothing happens.
        """
        op = db_api.operation_get(context, operation_id)
        if op.status != states.OP_PENDING or op.engine_host:
            LOG.debug('Operation %s is %s on %s: nothing to do', op.id,
                      op.status, op.engine_host)
            return
        assert self.runner is not None  # noqa: S101
        self.runner.take(drs_context.get_admin_context(), operation_id)

    @messaging.expected_exceptions(exception.OperationNotFound)
    def cancel_operation(self, context, operation_id: str) -> None:
        """Note a cancel request (the database has it already).

        The running flow stops at its next step boundary, where each task
        checks for it, and reverts what it did.
        """
        op = db_api.operation_get(context, operation_id)
        if op.status == states.OP_CANCELLING:
            cancellation.request(operation_id)
            LOG.info('Operation %s: cancel requested', operation_id)

    def check_resources(self, context, project_id: str, site_id: str,
                        resources: list[dict]) -> dict[str, Any]:
        """Whether every resource is ``project_id``'s at the site, read
        with the caller's token (a call: the API waits for the answer).

        .. versionadded:: 1.1
        """
        from drs.engine import protect
        return protect.check_resources(context, project_id, site_id,
                                       resources)

    # ------------------------------------------------------ taking at start

    def take_unfinished(self) -> None:
        """Operations cast while no engine ran, and this host's own.

        Any worker takes PENDING operations no engine took yet. Without
        a jobboard, a worker also resumes the unfinished operations it
        had taken before it stopped (with a jobboard, their jobs are
        still on the board and are claimed again).
        """
        context = drs_context.get_admin_context()
        assert self.runner is not None  # noqa: S101
        try:
            if self.jobboard is None:
                for op in claims.unfinished(context, host=self.host):
                    LOG.info('Resuming operation %s (%s), left %s',
                             op.id, op.action, op.status)
                    self.runner.dispatch(context, op.id)
            for op in claims.unfinished(context, untaken=True):
                if op.status == states.OP_PENDING:
                    self.runner.take(context, op.id)
        except Exception:
            LOG.exception('Taking unfinished operations failed; the '
                          'stuck-operation recovery tries again later')

    # ------------------------------------------------------ periodic tasks

    def replication_sweep(self) -> None:
        """Recipes, lag and RPO of every protected plan (periodic)."""
        from drs.engine import sweep
        try:
            count = sweep.sweep(drs_context.get_admin_context())
        except Exception:
            LOG.exception('Replication sweep failed')
            return
        LOG.debug('Replication sweep: %d plan(s) measured', count)

    def recover_stuck_operations(self) -> None:
        """Re-post unfinished operations nothing is running any more.

        With a jobboard: an unfinished operation without a job on the
        board that has not changed for ``stuck_operation_timeout``
        seconds (its job was consumed or never posted). Without one: a
        PENDING operation no engine took, or one this worker took that its
        executor is not running.
        """
        context = drs_context.get_admin_context()
        assert self.runner is not None  # noqa: S101
        cutoff = timeutils.utcnow() - datetime.timedelta(
            seconds=CONF.engine.stuck_operation_timeout)
        stale = claims.unfinished(context, not_changed_since=cutoff)
        if not stale:
            return
        if self.jobboard is not None:
            from drs.engine import jobboard as drs_jobboard
            with_jobs = drs_jobboard.job_operation_ids(self.jobboard)
            for op in stale:
                if op.id in with_jobs:
                    continue
                LOG.warning('Operation %s (%s) is %s without a job: '
                            're-posting it', op.id, op.action, op.status)
                self.runner.take(context, op.id,
                                 expected_host=op.engine_host,
                                 not_changed_since=cutoff)
            return
        running = self.runner.running
        for op in stale:
            if op.engine_host is None or (op.engine_host == self.host
                                          and op.id not in running):
                LOG.warning('Operation %s (%s) is %s and not running: '
                            'taking it', op.id, op.action, op.status)
                self.runner.take(context, op.id,
                                 expected_host=op.engine_host,
                                 not_changed_since=cutoff)
