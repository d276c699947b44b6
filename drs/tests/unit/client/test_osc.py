"""Helpers and columns of the ``openstack dr`` commands."""

from __future__ import annotations

from osc_lib import exceptions as osc_exc
import pytest

from drsclient.osc import plugin
from drsclient.osc.v1 import common
from drsclient.osc.v1 import operations
from drsclient.osc.v1 import plans
from drsclient.osc.v1 import progress


def test_parse_pairs():
    assert common.parse_pairs(['a=b', 'c=d=e'], '--network') == {
        'a': 'b', 'c': 'd=e'}
    for bad in ('a', '=b', 'a='):
        with pytest.raises(osc_exc.CommandError,
                           match="invalid --network '%s': expected "
                                 "SOURCE=TARGET" % bad):
            common.parse_pairs([bad], '--network')


def test_list_headers():
    assert common.headers(('id', 'plan_id', 'rpo_seconds', 'name')) == (
        'ID', 'Plan ID', 'Rpo Seconds', 'Name')


def test_plan_columns():
    resources = plans.ResourcesColumn([
        {'type': 'OS::Cinder::Volume', 'id': 'v1', 'tier': 1,
         'replication': {'state': 'in_sync'}}])
    assert resources.human_readable() == 'OS::Cinder::Volume v1 (tier 1, ' \
        'in_sync)'
    mappings = plans.MappingsColumn({'networks': {'a': 'b'}, 'flavors': {},
                                     'volume_types': {'x': 'y', 'f': 'g'}})
    assert mappings.human_readable() == ('networks: a=b\n'
                                         'volume_types: f=g, x=y')
    assert mappings.machine_readable()['flavors'] == {}


def test_operation_progress_column():
    assert operations.ProgressColumn(
        {'done': 2, 'total': 5, 'current': 'boot'}).human_readable() == \
        '2/5 boot'
    assert operations.ProgressColumn({}).human_readable() == ''


def test_progress_resource_only_for_the_current_step():
    op = {'progress': {'done': 0, 'total': 2, 'current': None}}
    event = {'step': 's1', 'resource': {'type': 'T', 'id': 'i'}}
    assert progress.describe(op, event) == ('', 0, 2)
    op['progress']['current'] = 's1'
    assert progress.describe(op, event)[0] == 's1 (T i)'
    op['progress']['current'] = 's2'
    assert progress.describe(op, event)[0] == 's2'


def test_error_text():
    assert progress.error_text({'step': 'boot', 'resource': {
        'type': 'OS::Nova::Server', 'id': 'web'}, 'detail': 'no host'}) == \
        'no host (step boot, resource OS::Nova::Server web)'
    assert progress.error_text('plain') == 'plain'


def test_plugin_api_versions():
    assert plugin.check_api_version('1')
    assert plugin.check_api_version('1.0')
    with pytest.raises(osc_exc.CommandError):
        plugin.check_api_version('one')


def test_report_columns():
    steps = operations.StepsColumn([
        {'step': 'boot', 'resource': {'type': 'OS::Nova::Server',
                                      'id': 'web'},
         'outcome': 'succeeded', 'duration_seconds': 4.2, 'message': None},
        {'step': 'summary', 'resource': None, 'outcome': 'failed',
         'duration_seconds': None, 'message': 'boom'}])
    assert steps.human_readable() == (
        'boot OS::Nova::Server web succeeded 4.2s\nsummary failed - boom')
    findings = operations.FindingsColumn([
        {'severity': 'error', 'detail': 'no flavor m1.big at the target',
         'resource': {'type': 'OS::Nova::Server', 'id': 'web'}}])
    assert findings.human_readable() == (
        'error: no flavor m1.big at the target (OS::Nova::Server web)')


def test_outcome_line_with_rto_and_rpo():
    import io
    out = io.StringIO()
    printer = progress.ProgressPrinter(out, tty=False, clock=lambda: 0)
    line = printer.finish({'id': 'op', 'action': 'failover',
                           'status': 'succeeded'},
                          {'rto_seconds': 58.2, 'rpo_seconds': 12})
    assert line == ('Operation op (failover) succeeded after 00:00; '
                    'RTO 58.2s; RPO 12s')
