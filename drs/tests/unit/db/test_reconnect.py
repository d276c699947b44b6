"""Riding through a database outage: what counts as one, and the retry."""

from unittest import mock

from oslo_db import exception as db_exc
import pytest
import sqlalchemy as sa

from drs.db import reconnect


class _DBAPIError(Exception):
    pass


def _operational(statement):
    return sa.exc.OperationalError(statement, {}, _DBAPIError('refused'))


@pytest.mark.parametrize('error,expected', [
    (db_exc.DBConnectionError('lost'), True),
    # A new connection refused (the server restarting): no statement.
    (_operational(None), True),
    (sa.exc.DisconnectionError('gone'), True),
    # A statement that failed on a live connection is not an outage.
    (_operational('SELECT 1'), False),
    (db_exc.DBDuplicateEntry(), False),
    (ValueError('no'), False),
])
def test_is_connection_error(error, expected):
    assert reconnect.is_connection_error(error) is expected


def test_is_connection_error_follows_the_cause():
    try:
        try:
            raise db_exc.DBConnectionError('lost')
        except db_exc.DBConnectionError as e:
            raise RuntimeError('step failed') from e
    except RuntimeError as wrapped:
        assert reconnect.is_connection_error(wrapped)


def test_retry_runs_again_while_the_database_is_away():
    calls = []

    def func():
        calls.append(1)
        if len(calls) < 3:
            raise db_exc.DBConnectionError('lost')
        return 'done'

    with mock.patch.object(reconnect.time, 'sleep') as sleep:
        assert reconnect.retry_on_connection_error(func, 30) == 'done'
    assert len(calls) == 3
    assert [c.args[0] for c in sleep.call_args_list] == [0.5, 1.0]


def test_retry_gives_up_after_the_timeout():
    func = mock.Mock(side_effect=db_exc.DBConnectionError('lost'))
    clock = iter([0.0, 1.0, 2.5, 4.0])
    with mock.patch.object(reconnect.time, 'monotonic',
                           side_effect=lambda: next(clock)), \
            mock.patch.object(reconnect.time, 'sleep'):
        with pytest.raises(db_exc.DBConnectionError):
            reconnect.retry_on_connection_error(func, 3)
    assert func.call_count == 3


def test_retry_raises_other_errors_at_once():
    func = mock.Mock(side_effect=db_exc.DBDuplicateEntry())
    with pytest.raises(db_exc.DBDuplicateEntry):
        reconnect.retry_on_connection_error(func, 30)
    assert func.call_count == 1


def test_zero_timeout_fails_at_once():
    func = mock.Mock(side_effect=db_exc.DBConnectionError('lost'))
    with pytest.raises(db_exc.DBConnectionError):
        reconnect.retry_on_connection_error(func, 0)
    assert func.call_count == 1
