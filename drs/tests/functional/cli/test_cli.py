"""The ``openstack dr`` CLI against drs-all-in-one and the real Keystone."""

from __future__ import annotations

import json
import uuid

import yaml

VOLUME = '5d1b7a0e-3f0b-4f7e-9a51-2c1d0e6f7a11'
VOLUME_2 = '6e2c8b1f-4a1c-4e8f-8b62-3d2e1f7a8b22'
SERVER = '7f3d9c20-5b2d-4f90-9c73-4e3f208b9c33'


def test_lifecycle(cli, cli_sites):
    name = 'billing-%s' % uuid.uuid4().hex[:6]
    plan = cli.json(
        'dr', 'plan', 'create', name, '--source-site', 'cli-site-a',
        '--target-site', 'cli-site-b', '--description', 'billing tier',
        '--rpo', '300', '--volume', VOLUME,
        '--network', 'net-a=net-b', '--flavor', 'm1.small=m1.small')
    assert plan['name'] == name
    assert plan['status'] == 'available'
    assert plan['source_site'] == cli_sites['cli-site-a']['id']
    assert plan['mappings']['networks'] == {'net-a': 'net-b'}
    assert [r['id'] for r in plan['resources']] == [VOLUME]

    # Show by name and by id.
    assert cli.json('dr', 'plan', 'show', name)['id'] == plan['id']
    assert cli.json('dr', 'plan', 'show', plan['id'])['name'] == name

    # Set: quiet on success, the change visible in show.
    result = cli('dr', 'plan', 'set', name, '--description', 'new text',
                 '--rpo', '600', '--no-test-network-isolation')
    assert result.stdout == ''
    shown = cli.json('dr', 'plan', 'show', name)
    assert shown['description'] == 'new text'
    assert shown['rpo_seconds'] == 600
    assert shown['options']['test_network_isolation'] is False

    # Resources.
    shown = cli.json('dr', 'plan', 'resource', 'add', name, '--volume',
                     VOLUME_2, '--server', SERVER, '--tier', '2')
    assert sorted((r['type'], r['id'], r['tier'])
                  for r in shown['resources']) == [
        ('OS::Cinder::Volume', VOLUME, 1),
        ('OS::Cinder::Volume', VOLUME_2, 2),
        ('OS::Nova::Server', SERVER, 2)]
    shown = cli.json('dr', 'plan', 'resource', 'remove', name, VOLUME_2)
    assert sorted(r['id'] for r in shown['resources']) == [VOLUME, SERVER]

    # Mappings.
    shown = cli.json('dr', 'plan', 'mapping', 'set', name,
                     '--availability-zone', 'nova=az-b',
                     '--volume-type', 'fast=fast-replicated')
    assert shown['mappings']['availability_zones'] == {'nova': 'az-b'}
    assert shown['mappings']['networks'] == {'net-a': 'net-b'}
    shown = cli.json('dr', 'plan', 'mapping', 'unset', name,
                     '--network', 'net-a')
    assert shown['mappings']['networks'] == {}
    assert shown['mappings']['volume_types'] == {'fast': 'fast-replicated'}

    # List in every formatter.
    listed = cli.json('dr', 'plan', 'list', '--name', name)
    assert [p['ID'] for p in listed] == [plan['id']]
    assert listed[0]['Status'] == 'available'
    table = cli('dr', 'plan', 'list', '--name', name).stdout
    assert name in table and '+--' in table
    value = cli('dr', 'plan', 'list', '--name', name, '-f', 'value',
                '-c', 'ID', '-c', 'Status').stdout
    assert value.split() == [plan['id'], 'available']
    as_yaml = yaml.safe_load(cli('dr', 'plan', 'list', '--name', name,
                                 '-f', 'yaml').stdout)
    assert as_yaml[0]['Name'] == name
    assert cli.json('dr', 'plan', 'list', '--long', '--name', name)[0][
        'Rpo Seconds'] == 600
    shown_yaml = yaml.safe_load(cli('dr', 'plan', 'show', name, '-f',
                                    'yaml').stdout)
    assert shown_yaml['mappings']['flavors'] == {'m1.small': 'm1.small'}

    # Protect, with --wait: the engine runs the operation to its end.
    # Without a terminal, progress is printed as plain lines on stderr.
    result = cli('dr', 'plan', 'protect', name, '--wait',
                 '--poll-interval', '0.2', '--timeout', '120',
                 '-f', 'json')
    op = json.loads(result.stdout)
    assert op['status'] == 'succeeded', result
    assert op['action'] == 'protect'
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith('Operation %s (protect) succeeded after '
                                % op['id']), result.stderr
    # One plain line per change of progress: 'protect 1a2b3c4d: running
    # 2/6 step-2a (OS::Cinder::Volume ...) 00:01'.
    assert all(line.startswith('protect %s: ' % op['id'][:8])
               for line in lines[:-1]), result.stderr
    assert '\r' not in result.stderr
    assert cli.json('dr', 'plan', 'show', name)['status'] == 'protected'

    # The operation: show, list (filtered by plan name), events.
    shown_op = cli.json('dr', 'operation', 'show', op['id'])
    assert shown_op['progress']['done'] == shown_op['progress']['total']
    ops = cli.json('dr', 'operation', 'list', '--plan', name)
    assert [(o['ID'], o['Action'], o['Status']) for o in ops] == [
        (op['id'], 'protect', 'succeeded')]
    events = cli.json('dr', 'operation', 'events', op['id'])
    assert events and {'At', 'Step', 'Resource', 'State',
                       'Message'} <= set(events[0])
    assert any(e['State'] == 'succeeded' for e in events)

    # Structural changes need an unprotected plan: the API's detail.
    result = cli('dr', 'plan', 'resource', 'add', name, '--volume',
                 VOLUME_2, check=False)
    assert result.returncode == 1, result
    assert 'protected' in result.stderr, result

    # Failover and reprotect, each waited for.
    for command, action, status in (
            (('failover', '--cutoff', 'latest'), 'failover', 'failed_over'),
            (('reprotect',), 'reprotect', 'protected')):
        op = cli.json('dr', 'plan', *command[:1], name, *command[1:],
                      '--wait', '--poll-interval', '0.2')
        assert (op['action'], op['status']) == (action, 'succeeded')
        shown = cli.json('dr', 'plan', 'show', name)
        assert shown['status'] == status, (action, shown)
    # Failback needs the plan reversed by its reprotect; until the engine
    # sets it, the API refuses failback with a clear 409.
    if shown['reversed']:
        op = cli.json('dr', 'plan', 'failback', name, '--wait',
                      '--poll-interval', '0.2')
        assert (op['action'], op['status']) == ('failback', 'succeeded')
        assert cli.json('dr', 'plan', 'show', name)['status'] == \
            'protected'
    else:
        result = cli('dr', 'plan', 'failback', name, '--wait',
                     check=False)
        assert result.returncode == 1
        assert 'failback is not possible: the plan has not been failed ' \
            'over and reprotected' in result.stderr, result

    # Unprotect, then delete.
    op = cli.json('dr', 'plan', 'unprotect', name, '--wait',
                  '--poll-interval', '0.2')
    assert op['status'] == 'succeeded'
    assert cli.json('dr', 'plan', 'show', name)['status'] == 'available'
    cli('dr', 'plan', 'delete', name)
    result = cli('dr', 'plan', 'show', name, check=False)
    assert result.returncode == 1
    assert "no plan with a name or id of '%s' exists" % name \
        in result.stderr


def test_action_without_wait_and_wait_timeout(cli, cli_sites):
    name = 'nowait-%s' % uuid.uuid4().hex[:6]
    cli('dr', 'plan', 'create', name, '--source-site', 'cli-site-a',
        '--target-site', 'cli-site-b')
    op = cli.json('dr', 'plan', 'protect', name)
    assert (op['action'], op['status']) == ('protect', 'pending')
    name2 = 'timeout-%s' % uuid.uuid4().hex[:6]
    cli('dr', 'plan', 'create', name2, '--source-site', 'cli-site-a',
        '--target-site', 'cli-site-b')
    # --timeout bounds the wait; the operation goes on.
    result = cli('dr', 'plan', 'protect', name2, '--wait', '--timeout',
                 '0', check=False)
    assert result.returncode == 1, result
    assert 'timed out after 0s waiting for operation' in result.stderr
    assert 'openstack dr operation show' in result.stderr


def test_unknown_plan(cli, cli_sites):
    for args in (('dr', 'plan', 'show', 'no-such-plan'),
                 ('dr', 'plan', 'protect', 'no-such-plan', '--wait'),
                 ('dr', 'plan', 'set', 'no-such-plan', '--name', 'x'),
                 ('dr', 'plan', 'delete', 'no-such-plan'),
                 ('dr', 'plan', 'show', str(uuid.uuid4()))):
        result = cli(*args, check=False)
        assert result.returncode == 1, result
        assert 'no plan with a name or id of' in result.stderr, result
        assert 'Traceback' not in result.stderr


def test_duplicate_plan_name_is_refused(cli, cli_sites):
    # Plan names are unique in a project (the API's 409 names the plan
    # that has it), so a name always finds one plan.
    name = 'twin-%s' % uuid.uuid4().hex[:6]
    first = cli.json('dr', 'plan', 'create', name, '--source-site',
                     'cli-site-a', '--target-site', 'cli-site-b')['id']
    result = cli('dr', 'plan', 'create', name, '--source-site',
                 'cli-site-a', '--target-site', 'cli-site-b', check=False)
    assert result.returncode == 1, result
    assert first in result.stderr, result
    assert cli.json('dr', 'plan', 'show', name)['id'] == first
    cli('dr', 'plan', 'delete', first)


def test_invalid_mapping(cli, cli_sites):
    name = 'maps-%s' % uuid.uuid4().hex[:6]
    cli('dr', 'plan', 'create', name, '--source-site', 'cli-site-a',
        '--target-site', 'cli-site-b')
    # Not SOURCE=TARGET: refused by the client.
    result = cli('dr', 'plan', 'mapping', 'set', name, '--network',
                 'net-a', check=False)
    assert result.returncode == 1, result
    assert "invalid --network 'net-a': expected SOURCE=TARGET" \
        in result.stderr
    # Refused by the API's schema: its detail is shown.
    result = cli('dr', 'plan', 'mapping', 'set', name, '--flavor',
                 'm1=%s' % ('x' * 300), check=False)
    assert result.returncode == 1, result
    assert "Invalid input for field 'plan.mappings.flavors" \
        in result.stderr, result
    # Unsetting what is not there.
    result = cli('dr', 'plan', 'mapping', 'unset', name, '--network',
                 'nope', check=False)
    assert result.returncode == 1
    assert 'has no mapping of networks nope' in result.stderr
    cli('dr', 'plan', 'delete', name)


def test_bad_site_and_action_state(cli, cli_sites):
    result = cli('dr', 'plan', 'create', 'x', '--source-site', 'nowhere',
                 '--target-site', 'cli-site-b', check=False)
    assert result.returncode == 1
    assert "site 'nowhere' does not exist" in result.stderr, result
    name = 'state-%s' % uuid.uuid4().hex[:6]
    cli('dr', 'plan', 'create', name, '--source-site', 'cli-site-a',
        '--target-site', 'cli-site-b')
    # failover needs a protected plan: a 409 with the API's detail.
    result = cli('dr', 'plan', 'failover', name, check=False)
    assert result.returncode == 1
    assert 'failover' in result.stderr and 'Traceback' not in result.stderr
    cli('dr', 'plan', 'delete', name)


def test_sites(cli, cli_sites):
    site = cli.json('dr', 'site', 'show', 'cli-site-a')
    assert site['region_name'] == 'RegionOne'
    assert cli.json('dr', 'site', 'show', site['id'])['name'] == \
        'cli-site-a'
    name = 'cli-site-%s' % uuid.uuid4().hex[:6]
    created = cli.json('dr', 'site', 'create', name, '--region', 'R3',
                       '--auth-url', 'https://keystone.example:5000/v3',
                       '--endpoint-override',
                       'volumev3=https://cinder.example/v3', user='admin')
    assert created['endpoint_overrides'] == {
        'volumev3': 'https://cinder.example/v3'}
    cli('dr', 'site', 'set', name, '--description', 'third',
        '--no-verify-tls', user='admin')
    shown = cli.json('dr', 'site', 'show', name, user='admin')
    assert (shown['description'], shown['verify_tls']) == ('third', False)
    # Members read sites but do not write them.
    result = cli('dr', 'site', 'delete', name, check=False)
    assert result.returncode == 1
    assert 'Traceback' not in result.stderr
    cli('dr', 'site', 'delete', name, user='admin')
    result = cli('dr', 'site', 'show', name, check=False)
    assert result.returncode == 1
    assert 'no site with a name or id of' in result.stderr


def test_operation_report_and_cancel(cli, cli_sites):
    name = 'ops-%s' % uuid.uuid4().hex[:6]
    cli('dr', 'plan', 'create', name, '--source-site', 'cli-site-a',
        '--target-site', 'cli-site-b')
    op = cli.json('dr', 'plan', 'protect', name, '--wait',
                  '--poll-interval', '0.2')
    report = cli.json('dr', 'operation', 'report', op['id'])
    assert (report['operation_id'], report['action'], report['status']) == (
        op['id'], 'protect', 'succeeded')
    assert report['steps'] and all(s['outcome'] == 'succeeded'
                                   for s in report['steps'])
    table = cli('dr', 'operation', 'report', op['id']).stdout
    assert 'step-1 OS::Cinder::Volume' in table or 'step-1' in table
    # A finished operation cannot be cancelled: the API's detail.
    result = cli('dr', 'operation', 'cancel', op['id'], check=False)
    assert result.returncode == 1
    assert 'Traceback' not in result.stderr and result.stderr.strip()
    result = cli('dr', 'operation', 'show', str(uuid.uuid4()), check=False)
    assert result.returncode == 1
    assert 'no operation with an id of' in result.stderr


def test_endpoint_override_and_api_version(cli, cli_sites):
    # OS_DR_ENDPOINT_OVERRIDE instead of the catalog, with /v1 or not.
    listed = cli.json('dr', 'site', 'list', '--name', 'cli-site-a',
                      env={'OS_DR_ENDPOINT_OVERRIDE':
                           cli.server.url + '/v1'})
    assert [s['Name'] for s in listed] == ['cli-site-a']
    listed = cli.json('--os-dr-api-version', '1.0', 'dr', 'site', 'list',
                      '--name', 'cli-site-a')
    assert len(listed) == 1
    result = cli('--os-dr-api-version', '1.99', 'dr', 'site', 'list',
                 check=False)
    assert result.returncode == 1
    assert 'supports API versions 1.0 to 1.0, not 1.99' in result.stderr
    # Nothing listening: a clear error, no traceback.
    result = cli('dr', 'site', 'list', check=False,
                 env={'OS_DR_ENDPOINT_OVERRIDE': 'http://127.0.0.1:9'})
    assert result.returncode == 1
    assert 'Traceback' not in result.stderr and result.stderr.strip()
