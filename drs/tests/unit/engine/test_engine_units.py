"""Manager, listener outcome, jobboard options, persistence tables."""

import types
from unittest import mock

from oslo_db import exception as db_exc
import pytest
import sqlalchemy as sa
from taskflow import exceptions as tf_exc
from taskflow import states as tf_states

from drs.common import states
from drs.engine import cancellation
from drs.engine import jobboard
from drs.engine import listeners
from drs.engine import manager
from drs.engine import persistence
from drs.engine import runner


def test_redis_url_to_jobboard_options():
    conf = jobboard.redis_conf('redis://:p%40ss@10.0.0.5:6380/2')
    assert conf['host'] == '10.0.0.5' and conf['port'] == 6380
    assert conf['password'] == 'p@ss' and conf['db'] == 2
    assert 'ssl' not in conf
    conf = jobboard.redis_conf('rediss://h?sentinel=mymaster')
    assert conf['ssl'] is True and conf['sentinel'] == 'mymaster'
    assert conf['port'] == 6379
    with pytest.raises(ValueError):
        jobboard.redis_conf('zookeeper://h')


def test_stored_context_has_no_token():
    from drs import context
    ctx = context.RequestContext(user_id='u', project_id='p',
                                 auth_token='secret-token')
    stored = runner.store_context(ctx)
    assert 'secret-token' not in repr(stored)
    assert stored['project_id'] == 'p'


def test_sqlite_flows_run_one_task_at_a_time(conf):
    conf.config(group='database', connection='sqlite:///x.sqlite')
    assert runner.engine_options() == {'engine': 'serial'}
    conf.config(group='database', connection='mysql+pymysql://h/drs')
    assert runner.engine_options()['engine'] == 'parallel'


def _flow(n_imports, tiers):
    from taskflow.patterns import linear_flow
    from taskflow.patterns import unordered_flow
    from taskflow import task

    class Step(task.Task):
        def execute(self):
            return None

    flow = linear_flow.Flow('op').add(Step('cutoff'))
    flow.add(unordered_flow.Flow('storage').add(
        *[Step('import-%d' % i) for i in range(n_imports)]))
    for t, n in enumerate(tiers):
        create = unordered_flow.Flow('create-%d' % t).add(*[
            linear_flow.Flow('server-%d-%d' % (t, i)).add(
                Step('ports-%d-%d' % (t, i)), Step('create-%d-%d' % (t, i)))
            for i in range(n)])
        flow.add(create)
    return flow.add(Step('finish'))


def test_the_parallelism_is_sized_from_the_flow(conf):
    from drs.engine.flows import flow_utils

    conf.config(group='database', connection='mysql+pymysql://h/drs')
    # The widest group: 12 imports; a server's linear chain counts once.
    flow = _flow(12, [4, 5])
    assert flow_utils.width(flow) == 12
    assert flow_utils.width(_flow(2, [7])) == 7
    conf.config(group='engine', max_parallel_tasks=64)
    assert runner.engine_options(flow)['max_workers'] == 12
    # Bounded by [engine] max_parallel_tasks...
    conf.config(group='engine', max_parallel_tasks=8)
    assert runner.engine_options(flow)['max_workers'] == 8
    # ... and by what the database pool can hand out at once.
    conf.config(group='engine', max_parallel_tasks=64)
    conf.config(group='database', max_pool_size=4, max_overflow=6)
    assert runner.pool_capacity() == 10
    assert runner.engine_options(flow)['max_workers'] == 10
    conf.config(group='database', max_pool_size=0)
    assert runner.pool_capacity() is None
    assert runner.engine_options(_flow(100, []))['max_workers'] == 64


@pytest.fixture
def mgr(conf):
    m = manager.EngineManager('host-1', worker_id=2)
    m.runner = mock.Mock()
    return m


def test_manager_identity_and_rpc_version(mgr):
    from drs.engine import rpcapi
    assert mgr.host == 'host-1:2'
    assert manager.EngineManager.RPC_API_VERSION == rpcapi.RPC_API_VERSION
    assert manager.EngineManager.target.version == rpcapi.RPC_API_VERSION


@pytest.mark.parametrize('status,host,taken', [
    (states.OP_PENDING, None, True),
    (states.OP_PENDING, 'other', False),
    (states.OP_RUNNING, 'other', False),
    (states.OP_CANCELLED, None, False)])
def test_run_operation_takes_only_untaken_pending(mgr, status, host, taken):
    op = types.SimpleNamespace(id='op', status=status, engine_host=host)
    with mock.patch.object(manager.db_api, 'operation_get',
                           return_value=op):
        mgr.run_operation(mock.Mock(), 'op')
    assert mgr.runner.take.called is taken


def test_cancel_operation_wakes_the_running_flow(mgr):
    op = types.SimpleNamespace(id='op-c', status=states.OP_CANCELLING)
    with mock.patch.object(manager.db_api, 'operation_get',
                           return_value=op):
        mgr.cancel_operation(mock.Mock(), 'op-c')
    assert cancellation.requested('op-c')
    cancellation.forget('op-c')


@pytest.mark.parametrize('op_status,flow_state,event', [
    (states.OP_RUNNING, tf_states.SUCCESS, 'succeed'),
    (states.OP_CANCELLING, tf_states.SUCCESS, 'succeed'),
    (states.OP_CANCELLING, tf_states.REVERTED, 'cancelled'),
    (states.OP_RUNNING, tf_states.REVERTED, 'fail'),
    (states.OP_RUNNING, tf_states.FAILURE, 'fail'),
    (states.OP_SUCCEEDED, tf_states.SUCCESS, None),
    (states.OP_RUNNING, tf_states.RUNNING, None)])
def test_operation_outcome_from_flow_state(op_status, flow_state, event):
    op = types.SimpleNamespace(id='op', status=op_status, action='sync')
    with mock.patch.object(listeners, 'db_api') as db_api:
        db_api.operation_get.return_value = op
        db_api.operation_finish.return_value = op
        listeners.finish_operation('op', flow_state,
                                   {'step': 's', 'resource': None,
                                    'detail': 'boom'})
    if event is None:
        db_api.operation_finish.assert_not_called()
        return
    assert db_api.operation_finish.call_args.args[2] == event
    error = db_api.operation_finish.call_args.kwargs['error']
    assert (error is None) == (event != 'fail')


def test_persistence_tables_have_their_own_version_table(tmp_path):
    engine = sa.create_engine('sqlite:///%s' % (tmp_path / 'tf.sqlite'))
    persistence.upgrade(engine)
    persistence.upgrade(engine)  # idempotent
    tables = set(sa.inspect(engine).get_table_names())
    assert set(persistence.TABLES) <= tables
    assert 'alembic_version' not in tables
    assert persistence.version(engine)


def test_persistence_errors_are_taskflow_storage_failures():
    """oslo.db's errors become StorageFailure, which TaskFlow retries when
    it saves an atom (it catches only SQLAlchemy's own)."""
    inner = mock.Mock()
    inner.update_atom_details.side_effect = db_exc.DBConnectionError('lost')
    inner.get_logbook.return_value = 'book'
    conn = persistence._Connection(inner)
    with pytest.raises(tf_exc.StorageFailure) as raised:
        conn.update_atom_details('atom')
    assert isinstance(raised.value.cause, db_exc.DBConnectionError)
    assert conn.get_logbook('op') == 'book'
    inner.update_atom_details.side_effect = tf_exc.NotFound('atom')
    with pytest.raises(tf_exc.NotFound):
        conn.update_atom_details('atom')


def test_persistence_connections_share_one_schema(tmp_path):
    """Every connection (one per atom state saved) uses the backend's
    tables, so SQLAlchemy compiles TaskFlow's statements once; logbooks
    still round-trip."""
    from taskflow.persistence import models as tf_models
    engine = sa.create_engine('sqlite:///%s' % (tmp_path / 'tf.sqlite'))
    persistence.upgrade(engine)
    backend = persistence._Backend(
        {'connection': str(engine.url)}, engine=engine)
    first, second = backend.get_connection(), backend.get_connection()
    assert isinstance(first, persistence._Connection)
    assert first._tables is second._tables
    assert first._metadata is second._metadata
    book = tf_models.LogBook('operation-x', uuid='op-x')
    flow = tf_models.FlowDetail('protect-x', uuid='op-x')
    flow.add(tf_models.TaskDetail('step-1', uuid='atom-1'))
    book.add(flow)
    first.save_logbook(book)
    got = second.get_logbook('op-x')
    assert [a.name for fd in got for a in fd] == ['step-1']
    engine.dispose()
