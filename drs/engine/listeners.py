"""Engine listener: operation state, progress and outcome from TaskFlow.

Attached to the TaskFlow engine of every operation, wherever it runs (the
local executor or a jobboard conductor):

* when the flow starts, the operation becomes ``running`` (``start``,
  also on a resume) with the engine that runs it;
* on every task state change, ``progress`` (done/total) is recomputed
  from the atom states persisted in the logbook, and ``current_step``
  set to the task that is running or reverting;
* when the flow ends, the operation ends: ``succeeded``, ``cancelled``
  (reverted after a cancel), or ``failed`` with the step, resource and
  detail of the first failure.
"""

from oslo_config import cfg
from oslo_log import log
from taskflow.listeners import base as tf_listeners
from taskflow import states as tf_states
from taskflow import task as tf_task
from taskflow.types import failure as tf_failure

from drs.common import states
from drs import context as drs_context
from drs.db import api as db_api
from drs.db import reconnect
from drs.engine import cancellation
from drs.engine.flows import flow_utils
from drs.engine.tasks import base as task_base
from drs import exception

CONF = cfg.CONF
LOG = log.getLogger(__name__)

FLOW_END_STATES = (tf_states.SUCCESS, tf_states.REVERTED,
                    tf_states.FAILURE)


def _admin() -> drs_context.RequestContext:
    return drs_context.get_admin_context()


def finish_operation(operation_id: str, flow_state: str,
                     error: dict | None = None) -> str | None:
    """End the operation as its flow ended; idempotent.

    Returns the operation's final status, or None when the flow state is
    not a final one. Tried again while the database is out of reach
    (``[engine] database_retry_timeout``): an operation whose flow ended
    during a database restart is not left running.
    """
    return reconnect.retry_on_connection_error(
        lambda: _finish_operation(operation_id, flow_state, error),
        CONF.engine.database_retry_timeout,
        'operation %s: recording its end' % operation_id)


def _finish_operation(operation_id: str, flow_state: str,
                      error: dict | None) -> str | None:
    context = _admin()
    op = db_api.operation_get(context, operation_id)
    if op.status in states.OP_FINAL_STATES:
        cancellation.forget(operation_id)
        return op.status
    if flow_state not in FLOW_END_STATES:
        return None
    if op.status == states.OP_PENDING:
        db_api.operation_transition(context, operation_id, 'start')
        op = db_api.operation_get(context, operation_id)
    if flow_state == tf_states.SUCCESS:
        event, error = 'succeed', None
    elif (flow_state == tf_states.REVERTED
          and op.status == states.OP_CANCELLING):
        event, error = 'cancelled', None
    else:
        event = 'fail'
        error = error or {'step': None, 'resource': None,
                          'detail': 'the operation failed'}
        if flow_state == tf_states.FAILURE:
            error = dict(error, detail='%s (and reverting it failed too: '
                         'see the events)' % error.get('detail'))
    op = db_api.operation_finish(context, operation_id, event, error=error)
    cancellation.forget(operation_id)
    LOG.info('Operation %(op)s (%(action)s) ended %(status)s',
             {'op': op.id, 'action': op.action, 'status': op.status})
    return op.status


class OperationListener(tf_listeners.Listener):
    """Mirrors a TaskFlow engine's states onto a drs operation."""

    def __init__(self, engine, operation_id: str, host: str):
        super().__init__(engine, retry_listen_for=())
        self._operation_id = operation_id
        self._host = host
        self._error: dict | None = None
        # TaskFlow engines keep their flow private; it is the only way to
        # the atoms (and the resource each task acts on).
        self._atoms = {a.name: a for a in
                       flow_utils.iter_atoms(engine._flow)}
        self._tasks = [name for name, atom in self._atoms.items()
                       if isinstance(atom, tf_task.Task)]

    # ------------------------------------------------------------- flow

    def _flow_receiver(self, state, details):
        if state == tf_states.RUNNING:
            try:
                db_api.operation_transition(
                    _admin(), self._operation_id, 'start',
                    {'engine_host': self._host,
                     'progress_total': len(self._tasks)})
            except exception.Conflict as e:
                LOG.warning('Operation %(op)s: %(err)s',
                            {'op': self._operation_id, 'err': e})
        elif state in FLOW_END_STATES:
            self._update_progress(None)
            finish_operation(self._operation_id, state,
                             self._error or self._persisted_error())

    def _persisted_error(self) -> dict | None:
        """The first step failure in the logbook (one from before a
        resume is not in this listener's memory)."""
        try:
            failures = self._engine.storage.get_execute_failures()
        except Exception:
            return None
        for name, fail in failures.items():
            if not fail.check(task_base.OperationCancelled):
                return self._error_of(name, fail)
        return None

    def _error_of(self, name: str, fail: tf_failure.Failure) -> dict:
        atom = self._atoms.get(name)
        return {'step': name, 'resource': getattr(atom, 'resource', None),
                'detail': task_base.safe_message(fail)}

    # ------------------------------------------------------------- tasks

    def _task_receiver(self, state, details):
        name = details.get('task_name')
        if state == tf_states.FAILURE and self._error is None:
            result = details.get('result')
            if (isinstance(result, tf_failure.Failure)
                    and not result.check(task_base.OperationCancelled)):
                self._error = self._error_of(name, result)
        current = name if state in (tf_states.RUNNING,
                                    tf_states.REVERTING) else None
        self._update_progress(current)

    def _update_progress(self, current: str | None) -> None:
        try:
            atom_states = self._engine.storage.get_atoms_states(self._tasks)
        except Exception:
            return
        done = sum(1 for st, _intention in atom_states.values()
                   if st == tf_states.SUCCESS)
        values: dict[str, int | str] = {
            'progress_done': done, 'progress_total': len(self._tasks)}
        if current is not None:
            values['current_step'] = current
        try:
            db_api.operation_update(_admin(), self._operation_id, values)
        except Exception as e:
            LOG.warning('Operation %(op)s: progress not recorded: %(err)s',
                        {'op': self._operation_id,
                         'err': type(e).__name__})
