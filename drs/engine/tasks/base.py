"""The base of every drs engine task.

A task acts on one resource of a plan (or on the plan itself). Around its
work, :class:`OperationTask`:

* refuses to start when the operation is being cancelled, so a cancel
  stops the flow at the next step boundary and TaskFlow reverts what the
  finished steps did;
* records the ``started``/``succeeded``/``failed``/``reverted`` events of
  the step, with the resource it acts on, in the operation's event list;
* rebuilds the request context from the plain dict in the flow store.

Subclasses implement :meth:`OperationTask.run` (idempotent: a resumed
flow re-runs the step that was in flight when its engine died) and, when
the step has a side effect, :meth:`OperationTask.undo`, which undoes that
side effect only. Neither logs nor records secrets: failure messages are
masked before they are stored.
"""

import inspect
from typing import Any

from oslo_config import cfg
from oslo_log import log
from oslo_utils import strutils
from taskflow import retry
from taskflow import task
from taskflow.types import failure as tf_failure

from drs.common import states
from drs.common import waiter
from drs import context as drs_context
from drs.db import api as db_api
from drs.db import reconnect
from drs.engine import cancellation

CONF = cfg.CONF
LOG = log.getLogger(__name__)

# Store keys every operation flow is given by the engine.
CONTEXT = 'context'
OPERATION_ID = 'operation_id'
PLAN_ID = 'plan_id'
PARAMETERS = 'parameters'
STORE_KEYS = (CONTEXT, OPERATION_ID, PLAN_ID, PARAMETERS)

EVENT_STARTED = 'started'
EVENT_SUCCEEDED = 'succeeded'
EVENT_FAILED = 'failed'
EVENT_REVERTED = 'reverted'

_MAX_MESSAGE = 1000


class OperationCancelled(Exception):
    """The operation was cancelled: the flow stops and reverts."""

    def __init__(self, operation_id: str):
        super().__init__('operation %s was cancelled' % operation_id)
        self.operation_id = operation_id


def safe_message(error: Any) -> str:
    """A failure or exception as a message fit for events and logs."""
    if isinstance(error, tf_failure.Failure):
        names = error.to_dict(include_args=False).get('exc_type_names')
        # The class name, never its module path: users read this.
        text = '%s: %s' % (names[0].rsplit('.', 1)[-1] if names else 'Error',
                           error.exception_str)
    elif isinstance(error, BaseException):
        text = '%s: %s' % (type(error).__name__, error)
    else:
        text = str(error)
    return strutils.mask_password(text)[:_MAX_MESSAGE]


def context_from_store(values: dict) -> drs_context.RequestContext:
    return drs_context.RequestContext.from_dict(values)


def is_cancelled(context: drs_context.RequestContext,
                 operation_id: str) -> bool:
    """Whether a cancel was asked: from the fanout cast or the database."""
    if cancellation.requested(operation_id):
        return True
    op = db_api.operation_get(context, operation_id)
    return op.status in (states.OP_CANCELLING, states.OP_CANCELLED)


def _arguments(method, operation_id: str, kwargs: dict) -> dict:
    """The flow values ``method`` (run or undo) takes."""
    wanted = inspect.signature(method).parameters
    values = dict(kwargs, operation_id=operation_id)
    if any(p.kind is p.VAR_KEYWORD for p in wanted.values()):
        return values
    return {k: v for k, v in values.items() if k in wanted}


class OperationTask(task.Task):
    """A step of an operation, acting on ``resource`` (or on the plan).

    :param resource: ``{'type': ..., 'id': ...}`` of what the step acts
        on; ``None`` for a step on the whole plan.

    The arguments of :meth:`run` after ``context`` become the task's
    requirements (with ``operation_id``), so flows are wired by name and
    the wiring tests read ``requires``/``provides``.
    """

    #: The verb of the step, used in its default name and its events.
    step = 'step'

    #: The revert contract (doc/source/engine.rst): a step either changes
    #: nothing outside drs's own database (``side_effects = False``),
    #: undoes its side effect in :meth:`undo`, or says here why a revert
    #: keeps it. Enforced for every task by the unit tests.
    side_effects = True
    keep_on_revert: str | None = None

    def __init__(self, name: str | None = None,
                 resource: dict | None = None, **kwargs):
        self.resource = dict(resource) if resource else None
        if name is None:
            name = self.step
            if self.resource:
                name = '%s-%s' % (self.step, self.resource['id'])
        run_args = [
            name for name, p in inspect.signature(self.run).parameters.items()
            if name != 'context' and p.kind in (p.POSITIONAL_OR_KEYWORD,
                                                p.KEYWORD_ONLY)]
        requires = list(kwargs.pop('requires', []) or [])
        for arg in [OPERATION_ID] + run_args:
            if arg not in requires:
                requires.append(arg)
        super().__init__(name=name, requires=requires, **kwargs)

    # ----------------------------------------------------------- to define

    def run(self, context: drs_context.RequestContext, **kwargs) -> Any:
        """The work of the step; idempotent. Returns what it provides."""
        raise NotImplementedError

    def undo(self, context: drs_context.RequestContext, result: Any,
             **kwargs) -> None:
        """Undo the side effect of a finished :meth:`run` (and only it).

        ``result`` is what :meth:`run` returned. The default does
        nothing: the step had no side effect.
        """

    # ------------------------------------------------------------- wiring

    def _event(self, context, operation_id: str, state: str,
               message: str | None = None) -> None:
        res = self.resource or {}
        try:
            db_api.event_add(context, operation_id, self.name, state,
                             resource_type=res.get('type'),
                             resource_id=res.get('id'), message=message)
        except Exception as e:
            # An event that cannot be written must not fail the step.
            LOG.warning('Operation %(op)s: could not record event %(state)s '
                        'of %(step)s: %(err)s',
                        {'op': operation_id, 'state': state,
                         'step': self.name, 'err': type(e).__name__})

    def _riding_outages(self, func, operation_id: str, what: str) -> Any:
        """``func()``, tried again while the database is out of reach
        (``[engine] database_retry_timeout``): a step is idempotent."""
        return reconnect.retry_on_connection_error(
            func, CONF.engine.database_retry_timeout,
            'operation %s: %s of %s' % (operation_id, what, self.name))

    def execute(self, context: dict, operation_id: str, **kwargs) -> Any:
        ctx = context_from_store(context)
        if self._riding_outages(lambda: is_cancelled(ctx, operation_id),
                                operation_id, 'the cancel check'):
            LOG.info('Operation %(op)s is cancelled: not starting %(step)s',
                     {'op': operation_id, 'step': self.name})
            raise OperationCancelled(operation_id)
        self._event(ctx, operation_id, EVENT_STARTED)
        try:
            # Waits inside the step (drs.common.waiter) poll this, so a
            # cancel interrupts a long wait within one poll interval.
            with waiter.cancel_check(
                    lambda: is_cancelled(ctx, operation_id)):
                result = self._riding_outages(
                    lambda: self.run(ctx, **_arguments(
                        self.run, operation_id, kwargs)),
                    operation_id, 'the run')
        except waiter.Cancelled as e:
            self._event(ctx, operation_id, EVENT_FAILED, safe_message(e))
            raise OperationCancelled(operation_id) from e
        except Exception as e:
            message = safe_message(e)
            LOG.warning('Operation %(op)s: step %(step)s failed: %(msg)s',
                        {'op': operation_id, 'step': self.name,
                         'msg': message})
            self._event(ctx, operation_id, EVENT_FAILED, message)
            raise
        self._event(ctx, operation_id, EVENT_SUCCEEDED)
        return result

    def revert(self, context: dict, operation_id: str, result: Any,
               flow_failures: dict, **kwargs) -> None:
        if isinstance(result, tf_failure.Failure):
            # This step did not finish: it has no side effect of its own
            # to undo (run is written so that a failure leaves none).
            return
        ctx = context_from_store(context)
        try:
            self._riding_outages(
                lambda: self.undo(ctx, result, **_arguments(
                    self.undo, operation_id, kwargs)),
                operation_id, 'the undo')
        except Exception as e:
            # Cleanup errors are recorded, not raised: the rest of the
            # flow still reverts.
            message = safe_message(e)
            LOG.warning('Operation %(op)s: could not revert %(step)s: '
                        '%(msg)s', {'op': operation_id, 'step': self.name,
                                    'msg': message})
            self._event(ctx, operation_id, EVENT_FAILED,
                        'revert failed: %s' % message)
            return
        self._event(ctx, operation_id, EVENT_REVERTED)



class BoundedRetry(retry.Times):
    """Retry a subflow a bounded number of times, never a cancellation.

    When the operation was cancelled, the whole flow reverts at once.
    """

    def on_failure(self, history, *args, **kwargs):
        if history.caused_by(OperationCancelled, include_retry=True):
            return retry.REVERT_ALL
        return super().on_failure(history, *args, **kwargs)
