"""Lifecycles of plans and operations, as explicit state machines.

The plan's table of actions (``../shared/design/API.md``) is data here;
the automaton machines built from it are the only place where a plan or
an operation changes state. Nothing else assigns status strings.
"""

import dataclasses

from automaton import exceptions as automaton_exc
from automaton import machines

# ------------------------------------------------------------- plan states
AVAILABLE = 'available'
PROTECTING = 'protecting'
PROTECTED = 'protected'
DEGRADED = 'degraded'
ERROR = 'error'
UNPROTECTING = 'unprotecting'
FAILING_OVER = 'failing_over'
FAILED_OVER = 'failed_over'
FAILOVER_ERROR = 'failover_error'
REPROTECTING = 'reprotecting'
FAILING_BACK = 'failing_back'

PLAN_STATES = (AVAILABLE, PROTECTING, PROTECTED, DEGRADED, ERROR,
               UNPROTECTING, FAILING_OVER, FAILED_OVER, FAILOVER_ERROR,
               REPROTECTING, FAILING_BACK)

# Outcome events of a running state.
SUCCEEDED = 'succeeded'
FAILED = 'failed'
# Events of the replication sweep.
DEGRADE = 'degrade'
RECOVER = 'recover'


@dataclasses.dataclass(frozen=True)
class Action:
    name: str
    from_states: tuple[str, ...]
    # None: the action runs beside the plan's state and never changes it.
    running: str | None = None
    # Other plan columns the action needs, checked in the same atomic
    # UPDATE as the state, with the reason given when they do not hold.
    requires: tuple[tuple[str, object, str], ...] = ()
    # Plan columns set when the operation starts.
    on_start: tuple[tuple[str, object], ...] = ()


ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action('protect', (AVAILABLE, ERROR), PROTECTING),
    Action('unprotect', (PROTECTED, DEGRADED, AVAILABLE, ERROR),
           UNPROTECTING,
           requires=(('test_active', False,
                      'a test failover is active: run cleanup_test first'),)),
    Action('sync', (PROTECTED, DEGRADED)),
    Action('preflight', (PROTECTED, DEGRADED)),
    Action('test_failover', (PROTECTED, DEGRADED),
           requires=(('test_active', False,
                      'a test failover is already active: run '
                      'cleanup_test first'),),
           on_start=(('test_active', True),)),
    Action('cleanup_test', PLAN_STATES,
           requires=(('test_active', True, 'no test failover is active'),)),
    Action('planned_migration', (PROTECTED, DEGRADED), FAILING_OVER,
           requires=(('test_active', False,
                      'a test failover is active: run cleanup_test '
                      'first'),)),
    Action('failover', (PROTECTED, DEGRADED, FAILOVER_ERROR), FAILING_OVER),
    Action('reprotect', (FAILED_OVER,), REPROTECTING),
    Action('failback', (PROTECTED, DEGRADED), FAILING_BACK,
           requires=(('reversed', True,
                      'the plan has not been failed over and '
                      'reprotected'),)),
)}

# Where a running state goes when its operation ends.
_OUTCOMES = {
    PROTECTING: (PROTECTED, ERROR),
    UNPROTECTING: (AVAILABLE, ERROR),
    FAILING_OVER: (FAILED_OVER, FAILOVER_ERROR),
    REPROTECTING: (PROTECTED, ERROR),
    FAILING_BACK: (PROTECTED, FAILOVER_ERROR),
}


def _build_plan_machine() -> machines.FiniteMachine:
    m = machines.FiniteMachine()
    for state in PLAN_STATES:
        m.add_state(state)
    for action in ACTIONS.values():
        if action.running is None:
            continue
        for state in action.from_states:
            m.add_transition(state, action.running, action.name)
    for running, (success, failure) in _OUTCOMES.items():
        m.add_transition(running, success, SUCCEEDED)
        m.add_transition(running, failure, FAILED)
    m.add_transition(PROTECTED, DEGRADED, DEGRADE)
    m.add_transition(DEGRADED, PROTECTED, RECOVER)
    m.freeze()
    return m


_PLAN_MACHINE = _build_plan_machine()


class InvalidTransition(Exception):
    """The event is not allowed in the current state."""


def _next(machine: machines.FiniteMachine, status: str, event: str) -> str:
    m = machine.copy(shallow=True)
    try:
        m.initialize(status)
        m.process_event(event)
    except (automaton_exc.NotFound, automaton_exc.InvalidState) as e:
        raise InvalidTransition(str(e))
    return str(m.current_state)


def plan_next(status: str, event: str) -> str:
    """The plan's state after ``event`` in ``status``."""
    return _next(_PLAN_MACHINE, status, event)


def action_allowed_from(action: str) -> tuple[str, ...]:
    return ACTIONS[action].from_states


def action_running_state(action: str, status: str) -> str:
    """The plan's state while ``action`` runs, started from ``status``."""
    if status not in ACTIONS[action].from_states:
        raise InvalidTransition(
            '%s is not allowed in state %s' % (action, status))
    if ACTIONS[action].running is None:
        return status
    return plan_next(status, action)


def action_final_state(running: str, succeeded: bool) -> str:
    """The plan's state when an operation that ran in ``running`` ends."""
    if running not in _OUTCOMES:
        return running
    return plan_next(running, SUCCEEDED if succeeded else FAILED)


# --------------------------------------------------------- operation states
OP_PENDING = 'pending'
OP_RUNNING = 'running'
OP_SUCCEEDED = 'succeeded'
OP_FAILED = 'failed'
OP_CANCELLING = 'cancelling'
OP_CANCELLED = 'cancelled'

OP_STATES = (OP_PENDING, OP_RUNNING, OP_SUCCEEDED, OP_FAILED, OP_CANCELLING,
             OP_CANCELLED)
OP_FINAL_STATES = (OP_SUCCEEDED, OP_FAILED, OP_CANCELLED)


def _build_operation_machine() -> machines.FiniteMachine:
    m = machines.FiniteMachine()
    for state in OP_STATES:
        m.add_state(state, terminal=state in OP_FINAL_STATES)
    m.add_transition(OP_PENDING, OP_RUNNING, 'start')
    m.add_transition(OP_RUNNING, OP_RUNNING, 'start')  # resumed by a worker
    m.add_transition(OP_RUNNING, OP_SUCCEEDED, 'succeed')
    m.add_transition(OP_RUNNING, OP_FAILED, 'fail')
    m.add_transition(OP_PENDING, OP_CANCELLED, 'cancel')
    m.add_transition(OP_RUNNING, OP_CANCELLING, 'cancel')
    m.add_transition(OP_CANCELLING, OP_CANCELLING, 'start')
    m.add_transition(OP_CANCELLING, OP_CANCELLED, 'cancelled')
    m.add_transition(OP_CANCELLING, OP_FAILED, 'fail')
    m.add_transition(OP_CANCELLING, OP_SUCCEEDED, 'succeed')
    m.freeze()
    return m


_OPERATION_MACHINE = _build_operation_machine()


def operation_next(status: str, event: str) -> str:
    """The operation's state after ``event`` in ``status``."""
    return _next(_OPERATION_MACHINE, status, event)
