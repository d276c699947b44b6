"""A real multi-step flow for the engine tests, registered by name.

Every step records its side effect in the ``drs_test_side_effects``
table of drs's database (created by :func:`create_table`), idempotently
(a re-run finds its row and adds none), and its revert records an undo.
Every execution is also logged, with the process that ran it, so a test
sees which steps ran again after an engine died and which engine ran
them.

The flow's shape comes from the plan's ``options`` (saved in the flow's
factory arguments, so every engine rebuilds the same flow):
``test_steps`` (default 4), ``test_step_seconds`` (default 0.2),
``test_fail_step`` (the name of a step that fails, default none) and
``test_irreversible_step`` (a step that, like a failover's first promote,
makes the operation impossible to cancel before its side effect).
"""

import os
import time

import sqlalchemy as sa
from taskflow.patterns import linear_flow
from taskflow.patterns import unordered_flow

from drs.db import api as db_api
from drs.engine.flows import flow_utils
from drs.engine.tasks import base

TABLE = 'drs_test_side_effects'

_metadata = sa.MetaData()
side_effects = sa.Table(
    TABLE, _metadata,
    sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
    sa.Column('operation_id', sa.String(36), nullable=False),
    sa.Column('step', sa.String(255), nullable=False),
    # 'exec' for every execution, 'do' for the side effect, 'undo'.
    sa.Column('kind', sa.String(8), nullable=False),
    sa.Column('pid', sa.Integer, nullable=False),
)

FACTORY = 'drs.tests.functional.engine.sideeffect_flow.side_effect_flow'


def create_table(engine: sa.engine.Engine) -> None:
    _metadata.create_all(engine)


@db_api.writer
def _record(context, operation_id: str, step: str, kind: str,
            once: bool) -> bool:
    if once:
        found = context.session.execute(
            sa.select(side_effects.c.id).where(
                side_effects.c.operation_id == operation_id,
                side_effects.c.step == step,
                side_effects.c.kind == kind)).first()
        if found is not None:
            return False
    context.session.execute(side_effects.insert().values(
        operation_id=operation_id, step=step, kind=kind, pid=os.getpid()))
    return True


class StepFailed(Exception):
    pass


class RecordStep(base.OperationTask):
    """Records its side effect after ``seconds``; undoes it on revert."""

    step = 'record'

    def __init__(self, name: str, resource: dict | None, seconds: float,
                 fail: bool = False, irreversible: bool = False):
        super().__init__(name=name, resource=resource,
                         provides='%s_done' % name)
        self.seconds = seconds
        self.fail = fail
        self.irreversible = irreversible

    def run(self, context, operation_id, plan_id):
        _record(context, operation_id, self.name, 'exec', once=False)
        if self.irreversible and not db_api.operation_mark_irreversible(
                context, operation_id, 'step %s has begun' % self.name):
            raise base.OperationCancelled(operation_id)
        time.sleep(self.seconds)
        if self.fail:
            raise StepFailed('step %s failed as asked (password=hunter2)'
                             % self.name)
        _record(context, operation_id, self.name, 'do', once=True)
        return {'step': self.name, 'plan_id': plan_id}

    def undo(self, context, result, operation_id):
        _record(context, operation_id, self.name, 'undo', once=True)


class Summary(base.OperationTask):
    """Needs what the record steps provide: the wiring under test."""

    step = 'summary'

    def __init__(self, names: list[str]):
        super().__init__(name='summary', requires=['%s_done' % n
                                                   for n in names],
                         provides='summary')
        self.names = names

    def run(self, context, operation_id, **done):
        return sorted(v['step'] for v in done.values())


def side_effect_flow(plan: dict, parameters: dict):
    """step-1, then step-2a/step-2b in parallel, then step-3..N, summary."""
    options = plan.get('options') or {}
    count = int(options.get('test_steps', 4))
    seconds = float(options.get('test_step_seconds', 0.2))
    fail = options.get('test_fail_step')
    irreversible = options.get('test_irreversible_step')
    resources = plan.get('resources') or [{'type': 'OS::Cinder::Volume',
                                           'id': 'none'}]

    def step(name: str, i: int) -> RecordStep:
        res = resources[i % len(resources)]
        return RecordStep(name, {'type': res['type'], 'id': res['id']},
                          seconds, fail=(name == fail),
                          irreversible=(name == irreversible))

    names = ['step-1', 'step-2a', 'step-2b'] + [
        'step-%d' % i for i in range(3, count)]
    flow = linear_flow.Flow('side-effects-%s' % plan['id'])
    flow.add(step('step-1', 0))
    # Two steps in parallel, retried together (bounded) if one fails.
    flow.add(flow_utils.retrying(unordered_flow.Flow, 'parallel',
                                 step('step-2a', 1), step('step-2b', 2)))
    for i, name in enumerate(names[3:], start=3):
        flow.add(step(name, i))
    flow.add(Summary(names))
    return flow
