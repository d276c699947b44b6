"""``openstack dr`` commands with a mocked client."""

from __future__ import annotations

import io
from unittest import mock

from osc_lib import exceptions as osc_exc
import pytest

from drsclient import exceptions
from drsclient.osc.v1 import actions
from drsclient.osc.v1 import plans
from drsclient.v1 import operations as op_manager

PLAN = {'id': 'p1', 'name': 'billing', 'resources': [], 'mappings': {}}


def _run(cls, argv: list[str], dr: mock.Mock):
    app = mock.Mock()
    app.client_manager.dr = dr
    app.stderr = io.StringIO()
    cmd = cls(app, None)
    parsed = cmd.get_parser('openstack').parse_args(argv)
    return cmd.take_action(parsed), app.stderr.getvalue()


def test_plan_create_body():
    dr = mock.Mock()
    dr.plans.create.return_value = PLAN
    dr.sites.list.return_value = []
    _run(plans.CreatePlan, [
        'billing', '--source-site', 'a', '--target-site', 'b', '--rpo',
        '300', '--server', 's1', '--volume', 'v1', '--tier', '2',
        '--resource', 'OS::Swift::Container=invoices',
        '--network', 'n1=n2', '--no-test-network-isolation'], dr)
    dr.plans.create.assert_called_once_with(
        name='billing', source_site='a', target_site='b', rpo_seconds=300,
        resources=[
            {'type': 'OS::Nova::Server', 'id': 's1', 'tier': 2},
            {'type': 'OS::Cinder::Volume', 'id': 'v1', 'tier': 2},
            {'type': 'OS::Swift::Container', 'id': 'invoices', 'tier': 2}],
        mappings={'networks': {'n1': 'n2'}},
        options={'test_network_isolation': False})


def test_plan_not_found_is_a_command_error():
    dr = mock.Mock()
    dr.plans.find.side_effect = exceptions.NotFound(
        "no plan with a name or id of 'x' exists")
    with pytest.raises(osc_exc.CommandError, match="no plan with a name"):
        _run(plans.ShowPlan, ['x'], dr)


def test_action_parameters_and_wait_success():
    dr = mock.Mock()
    dr.plans.find.return_value = PLAN
    op = {'id': 'op-1', 'action': 'failover', 'status': 'pending'}
    done = dict(op, status='succeeded', progress={'done': 2, 'total': 2})
    dr.plans.action.return_value = op

    def wait(op_id, timeout, interval, callback, events):
        callback(dict(op, status='running', progress={
            'done': 1, 'total': 2, 'current': 'boot'}), None)
        callback(done, None)
        return done
    dr.operations.wait.side_effect = wait
    dr.operations.report.return_value = {'rto_seconds': 30}
    (columns, data), err = _run(actions.FailoverPlan, [
        'billing', '--cutoff', 'latest', '--wait', '--timeout', '50'], dr)
    dr.plans.action.assert_called_once_with('p1', 'failover',
                                            {'cutoff': 'latest'})
    assert dict(zip(columns, data, strict=True))['status'] == 'succeeded'
    assert err.splitlines()[0] == 'failover op-1: running 1/2 boot 00:00'
    assert err.splitlines()[-1].startswith(
        'Operation op-1 (failover) succeeded after')
    assert err.splitlines()[-1].endswith('; RTO 30s')


def test_migrate_and_test_actions_map_to_api_actions():
    for cls, argv, action, params in (
            (actions.MigratePlan, ['p', '--sync-timeout', '60'],
             'planned_migration', {'sync_timeout': 60}),
            (actions.TestFailoverPlan, ['p'], 'test_failover', {}),
            (actions.TestCleanupPlan, ['p'], 'cleanup_test', {})):
        dr = mock.Mock()
        dr.plans.find.return_value = PLAN
        dr.plans.action.return_value = {'id': 'o', 'status': 'pending'}
        _run(cls, argv, dr)
        dr.plans.action.assert_called_once_with('p1', action, params)


def test_wait_failure_and_timeout_exit_1():
    dr = mock.Mock()
    dr.plans.find.return_value = PLAN
    dr.plans.action.return_value = {'id': 'o', 'action': 'protect',
                                    'status': 'pending'}
    dr.operations.wait.return_value = {
        'id': 'o', 'action': 'protect', 'status': 'failed',
        'error': {'step': 'replicate', 'detail': 'no replication'}}
    dr.operations.report.side_effect = op_manager.ReportNotAvailable('x')
    app = mock.Mock()
    app.client_manager.dr = dr
    app.stderr = io.StringIO()
    cmd = actions.ProtectPlan(app, None)
    with pytest.raises(osc_exc.CommandError) as e:
        cmd.take_action(cmd.get_parser('openstack').parse_args(
            ['p', '--wait']))
    assert str(e.value) == ('Operation o (protect) failed after 00:00: no '
                            'replication (step replicate)')
    # Said once: by the error, not also on the progress stream.
    assert 'no replication' not in app.stderr.getvalue()
    dr.operations.wait.side_effect = op_manager.WaitTimeout(
        'slow', {'id': 'o', 'action': 'protect', 'status': 'running'})
    with pytest.raises(osc_exc.CommandError,
                       match='timed out after 5s waiting for operation o'):
        _run(actions.ProtectPlan, ['p', '--wait', '--timeout', '5'], dr)


def test_preflight_wait_shows_its_findings():
    dr = mock.Mock()
    dr.plans.find.return_value = PLAN
    op = {'id': 'o', 'action': 'preflight', 'status': 'pending'}
    dr.plans.action.return_value = op
    dr.operations.wait.return_value = dict(op, status='succeeded')
    dr.operations.report.return_value = {'findings': [
        {'severity': 'error', 'code': 'flavor.missing',
         'detail': 'flavor m1.huge does not exist at the target',
         'resource': {'type': 'OS::Nova::Server', 'id': 'web'}},
        {'severity': 'warning', 'code': 'quota.low', 'detail': 'tight',
         'resource': None}]}
    (columns, data), err = _run(actions.PreflightPlan, ['p', '--wait'], dr)
    shown = dict(zip(columns, data, strict=True))
    assert shown['findings'].human_readable() == (
        'error: flavor m1.huge does not exist at the target '
        '(OS::Nova::Server web)\nwarning: tight')
    assert err.splitlines()[-1].endswith(
        'succeeded after 00:00; 2 findings (1 error, 1 warning)')


def test_plans_show_site_names():
    dr = mock.Mock()
    dr.sites.list.return_value = [{'id': 's-a', 'name': 'dc-east'},
                                  {'id': 's-b', 'name': 'dc-west'}]
    dr.plans.find.return_value = dict(PLAN, source_site='s-a',
                                      target_site='s-b')
    (columns, data), _err = _run(plans.ShowPlan, ['billing'], dr)
    shown = dict(zip(columns, data, strict=True))
    assert shown['source_site'].human_readable() == 'dc-east'
    assert shown['target_site'].human_readable() == 'dc-west'
    # Scripts (-f json/yaml/value) keep the ids.
    assert shown['source_site'].machine_readable() == 's-a'
    dr.plans.list.return_value = [dict(PLAN, source_site='s-a',
                                       target_site='gone')]
    (headers, rows), _err = _run(plans.ListPlan, [], dr)
    row = dict(zip(headers, list(rows)[0], strict=True))
    assert row['Source Site'].human_readable() == 'dc-east'
    assert row['Target Site'].human_readable() == 'gone'
