"""The revert contract of every task, and the wiring of every built-in
flow (doc/source/engine.rst, "Revert, cancel and retry")."""

import inspect

import pytest
from taskflow import engines

from drs.engine import flows
from drs.engine.flows import flow_utils
from drs.engine.tasks import base
from drs.engine.tasks import protection
from drs.engine.tasks import recovery

PLAN = {'id': 'p1', 'options': {}, 'reversed': False, 'resources': [
    {'type': 'OS::Nova::Server', 'id': 'db', 'tier': 1},
    {'type': 'OS::Nova::Server', 'id': 'web', 'tier': 2},
    {'type': 'OS::Cinder::Volume', 'id': 'vol', 'tier': 1},
    {'type': 'OS::Swift::Container', 'id': 'docs', 'tier': 1}]}
STORE = {k: {} if k in (base.CONTEXT, base.PARAMETERS) else 'x'
         for k in base.STORE_KEYS}
ACTIONS = ('protect', 'unprotect', 'sync', 'preflight', 'test_failover',
           'cleanup_test', 'planned_migration', 'failover', 'reprotect',
           'failback')


def _task_classes():
    for module in (protection, recovery):
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, base.OperationTask) and \
                    cls.__module__ == module.__name__:
                yield cls


@pytest.mark.parametrize('cls', list(_task_classes()),
                         ids=lambda c: c.__name__)
def test_every_task_states_what_a_revert_does(cls):
    undoes = cls.undo is not base.OperationTask.undo
    kept = bool(cls.keep_on_revert)
    assert cls.side_effects or not (undoes or kept), (
        '%s has no side effects: it has nothing to undo or keep' % cls)
    if cls.side_effects:
        assert undoes != kept, (
            '%s changes something: it must either undo it or say why a '
            'revert keeps it (keep_on_revert), not both nor neither' % cls)


@pytest.mark.parametrize('action', ACTIONS)
def test_every_action_flow_validates(action):
    flow = flows.get_factory(action)(PLAN, {})
    classes = {type(a) for a in flow_utils.iter_atoms(flow)}
    assert classes <= set(_task_classes())
    engine = engines.load(flow, store=dict(STORE))
    engine.compile()
    engine.prepare()
    engine.validate()
