"""Taking an operation: exactly one engine wins (real SQLite)."""

import datetime

import pytest

from drs.common import states
from drs.common import timeutils
from drs import context as drs_context
from drs.db import api as db_api
from drs.engine import claims
from drs.tests import db_fixtures


@pytest.fixture
def op(conf, tmp_path):
    with db_fixtures.migrated_database('sqlite', str(tmp_path)):
        ctx = drs_context.get_admin_context()
        sites = [db_api.site_create(ctx, {
            'name': n, 'region_name': n, 'auth_url': 'http://k/v3',
            'interface': 'public'}) for n in ('a', 'b')]
        plan = db_api.plan_create(ctx, {
            'name': 'p', 'project_id': 'p1', 'status': states.AVAILABLE,
            'source_site_id': sites[0].id, 'target_site_id': sites[1].id},
            [])
        yield ctx, db_api.operation_create(ctx, plan.id, 'protect', {})


def test_only_one_engine_takes_an_operation(op):
    ctx, operation = op
    assert claims.take(ctx, operation.id, 'engine-a')
    assert not claims.take(ctx, operation.id, 'engine-b')
    assert db_api.operation_get(ctx, operation.id).engine_host == 'engine-a'
    assert [o.id for o in claims.unfinished(ctx, host='engine-a')] == [
        operation.id]
    assert claims.unfinished(ctx, untaken=True) == []


def test_recovery_takes_over_only_a_stale_operation(op):
    ctx, operation = op
    assert claims.take(ctx, operation.id, 'engine-a')
    past = timeutils.utcnow() - datetime.timedelta(seconds=60)
    # Changed since the cut-off: not stuck.
    assert not claims.take(ctx, operation.id, 'engine-b',
                           expected_host='engine-a', not_changed_since=past)
    future = timeutils.utcnow() + datetime.timedelta(seconds=60)
    # Seen on the wrong host: someone else moved it meanwhile.
    assert not claims.take(ctx, operation.id, 'engine-b',
                           expected_host='engine-c',
                           not_changed_since=future)
    assert claims.take(ctx, operation.id, 'engine-b',
                       expected_host='engine-a', not_changed_since=future)
    assert db_api.operation_get(ctx, operation.id).engine_host == 'engine-b'


def test_a_finished_operation_is_never_taken(op):
    ctx, operation = op
    db_api.operation_finish(ctx, operation.id, 'cancel')
    assert not claims.take(ctx, operation.id, 'engine-a')
    assert claims.unfinished(ctx) == []
