"""The policy enforcer of drs."""

import threading

from oslo_config import cfg
from oslo_policy import policy

from drs import exception
from drs import policies

_ENFORCER: policy.Enforcer | None = None
_LOCK = threading.Lock()


def get_enforcer(conf: cfg.ConfigOpts | None = None) -> policy.Enforcer:
    """The enforcer; also the oslo.policy.enforcer entry point.

    Made whole (defaults registered, rules loaded) before it is shared:
    under a threaded WSGI server the first requests arrive together, and
    a thread that saw an enforcer still without its rules denied its
    caller (a 403 for an allowed request).
    """
    global _ENFORCER
    if _ENFORCER is None:
        with _LOCK:
            if _ENFORCER is None:
                enforcer = policy.Enforcer(conf or cfg.CONF)
                enforcer.register_defaults(policies.list_rules())
                enforcer.load_rules()
                _ENFORCER = enforcer
    return _ENFORCER


def reset() -> None:
    global _ENFORCER
    if _ENFORCER is not None:
        _ENFORCER.clear()
    _ENFORCER = None


def check(rule: str, context, target: dict | None = None) -> bool:
    """Whether ``context`` may do ``rule`` on ``target``; never raises."""
    target = target if target is not None else {
        'project_id': context.project_id}
    try:
        return get_enforcer().enforce(rule, target, context)
    except policy.InvalidScope:
        return False


def authorize(rule: str, context, target: dict | None = None) -> None:
    """Raise :class:`drs.exception.NotAuthorized` unless allowed."""
    if not check(rule, context, target):
        raise exception.NotAuthorized(action=rule)
