"""The operation report built from events: steps, RTO, RPO, findings."""

import datetime
import types

from drs.api.controllers.v1 import operations

T0 = datetime.datetime(2026, 1, 1, 12, 0, 0)


def _at(seconds):
    return T0 + datetime.timedelta(seconds=seconds)


def _ev(seconds, step, state, rid=None, rtype='OS::Nova::Server',
        message=None):
    return types.SimpleNamespace(
        at=_at(seconds), step=step, state=state,
        resource_type=rtype if rid else None, resource_id=rid,
        message=message)


def _op(action='failover', result=None):
    return types.SimpleNamespace(
        id='op', plan_id='plan', action=action, status='succeeded',
        created_at=T0, started_at=_at(1), finished_at=_at(60),
        result=result or {}, error=None)


def test_steps_rto_rpo():
    events = [
        _ev(2, 'cutoff', 'started'), _ev(3, 'cutoff', 'succeeded'),
        _ev(4, 'import-volumes-s1', 'started', 's1'),
        _ev(5, 'import-volume', 'started', 'v1', 'OS::Cinder::Volume'),
        _ev(9, 'import-volume', 'succeeded', 'v1', 'OS::Cinder::Volume'),
        _ev(10, 'import-volumes-s1', 'succeeded', 's1'),
        _ev(11, 'wait-active-s1', 'started', 's1'),
        _ev(30, 'wait-active-s1', 'succeeded', 's1'),
        _ev(31, 'wait-active-s2', 'started', 's2'),
        _ev(45, 'wait-active-s2', 'succeeded', 's2'),
        _ev(46, 'finish', 'started'), _ev(47, 'finish', 'succeeded'),
    ]
    report = operations.operation_report(
        _op(result={'cutoff': {'rpo_seconds': 4.5}}), events)
    assert report['rto_seconds'] == 45.0
    assert report['rpo_seconds'] == 4.5
    assert report['duration_seconds'] == 60.0
    steps = {(s['step'], (s['resource'] or {}).get('id')): s
             for s in report['steps']}
    vol = steps[('import-volume', 'v1')]
    assert vol['resource'] == {'type': 'OS::Cinder::Volume', 'id': 'v1'}
    assert vol['duration_seconds'] == 4.0 and vol['outcome'] == 'succeeded'
    assert [s['step'] for s in report['steps']][0] == 'cutoff'
    assert 'findings' not in report


def test_failed_step_and_preflight_findings():
    events = [_ev(2, 'create-server-s1', 'started', 's1'),
              _ev(3, 'create-server-s1', 'failed', 's1', message='quota'),
              _ev(4, 'create-server-s1', 'reverted', 's1')]
    report = operations.operation_report(_op(), events)
    step = report['steps'][0]
    assert step['outcome'] == 'reverted' and step['message'] == 'quota'
    assert step['ended_at'] and report['rto_seconds'] is None
    findings = [{'resource': None, 'severity': 'error', 'code': 'x',
                 'detail': 'd'}]
    report = operations.operation_report(
        _op('preflight', {'findings': findings}), [])
    assert report['findings'] == findings
