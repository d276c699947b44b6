"""The base task: cancellation, events, revert of its own effect only."""

import types
from unittest import mock

import pytest
from taskflow import retry
from taskflow.types import failure

from drs.common import states
from drs.engine import cancellation
from drs.engine.tasks import base

CTX = {'user_id': 'u', 'project_id': 'p', 'request_id': 'req-1'}


class Create(base.OperationTask):
    step = 'create'

    def __init__(self, **kwargs):
        super().__init__(resource={'type': 'OS::Cinder::Volume', 'id': 'v'},
                         provides='created', **kwargs)
        self.done = []
        self.undone = []
        self.error = None

    def run(self, context, operation_id, plan_id):
        if self.error:
            raise self.error
        self.done.append((operation_id, plan_id))
        return 'thing-1'

    def undo(self, context, result, plan_id):
        self.undone.append((result, plan_id))


@pytest.fixture
def db():
    with mock.patch.object(base, 'db_api') as db_api:
        db_api.operation_get.return_value = types.SimpleNamespace(
            status=states.OP_RUNNING)
        yield db_api


def _states(db):
    return [c.args[3] for c in db.event_add.call_args_list]


def test_requires_and_provides():
    task = Create()
    assert task.name == 'create-v'
    assert set(task.requires) == {'context', 'operation_id', 'plan_id'}
    assert set(task.provides) == {'created'}


def test_execute_records_started_and_succeeded(db):
    task = Create()
    assert task.execute(CTX, 'op', plan_id='plan') == 'thing-1'
    assert task.done == [('op', 'plan')]
    assert _states(db) == ['started', 'succeeded']
    kwargs = db.event_add.call_args.kwargs
    assert kwargs['resource_type'] == 'OS::Cinder::Volume'
    assert kwargs['resource_id'] == 'v'


@pytest.mark.parametrize('status', [states.OP_CANCELLING,
                                    states.OP_CANCELLED])
def test_execute_stops_at_the_step_boundary_when_cancelled(db, status):
    db.operation_get.return_value.status = status
    task = Create()
    with pytest.raises(base.OperationCancelled):
        task.execute(CTX, 'op', plan_id='plan')
    assert task.done == []
    assert _states(db) == []


def test_fanout_cancel_is_seen_without_the_database(db):
    cancellation.request('op-x')
    try:
        with pytest.raises(base.OperationCancelled):
            Create().execute(CTX, 'op-x', plan_id='plan')
        db.operation_get.assert_not_called()
    finally:
        cancellation.forget('op-x')


def test_failure_is_recorded_without_secrets(db):
    task = Create()
    task.error = RuntimeError('boom password=s3cret')
    with pytest.raises(RuntimeError):
        task.execute(CTX, 'op', plan_id='plan')
    assert _states(db) == ['started', 'failed']
    message = db.event_add.call_args.kwargs['message']
    assert 'RuntimeError' in message and 's3cret' not in message


def test_revert_undoes_only_a_finished_step(db):
    task = Create()
    fail = failure.Failure.from_exception(RuntimeError('x'))
    task.revert(CTX, 'op', result=fail, flow_failures={}, plan_id='plan')
    assert task.undone == []
    task.revert(CTX, 'op', result='thing-1', flow_failures={},
                plan_id='plan')
    assert task.undone == [('thing-1', 'plan')]
    assert _states(db) == ['reverted']


def test_revert_logs_cleanup_errors_instead_of_raising(db):
    task = Create()
    task.undo = mock.Mock(side_effect=RuntimeError('gone'))
    task.revert(CTX, 'op', result='thing-1', flow_failures={},
                plan_id='plan')
    assert _states(db) == ['failed']


def test_bounded_retry_never_retries_a_cancellation():
    r = base.BoundedRetry(attempts=3)
    history = mock.Mock()
    history.caused_by.return_value = True
    assert r.on_failure(history) == retry.REVERT_ALL
    history.caused_by.return_value = False
    history.__len__ = mock.Mock(return_value=1)
    assert r.on_failure(history) == retry.RETRY
