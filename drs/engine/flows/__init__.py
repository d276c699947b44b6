"""Flow factories of the engine, one per action, found by name.

A flow factory is a module-level function ``factory(plan, parameters)``
returning a TaskFlow flow, where ``plan`` is a plain-dict snapshot of the
plan taken when the operation was posted (see
:func:`drs.engine.flows.flow_utils.plan_snapshot`) and ``parameters`` the
action's parameters. The factory's dotted name and these arguments are
saved in the operation's flow detail, so any engine re-imports it and
rebuilds the same flow to resume the operation.

:data:`FLOW_FACTORIES` maps an action to its factory; the protect and
recovery flows register themselves here. ``[engine] action_flows``
replaces an entry (a custom flow, or a test flow).
"""

from oslo_config import cfg
from oslo_utils import importutils

from drs import exception

CONF = cfg.CONF

#: action name -> dotted path of its flow factory ('module.function').
FLOW_FACTORIES: dict[str, str] = {}


def register(action: str, factory_path: str) -> None:
    """Make ``factory_path`` the flow of ``action``."""
    FLOW_FACTORIES[action] = factory_path


def factory_path(action: str) -> str:
    """The dotted name of the flow factory of ``action``."""
    path = (CONF.engine.action_flows or {}).get(action) \
        or FLOW_FACTORIES.get(action)
    if not path:
        raise exception.DrsException(
            'no flow is available for action %s in this version of drs'
            % action)
    return path.replace(':', '.')


def get_factory(action: str):
    """The flow factory of ``action``, imported."""
    return importutils.import_class(factory_path(action))
