"""The CLI driving the engine's real flows, on a plan with no resources.

A second drs-all-in-one runs the built-in protection and recovery flows
(no ``[engine] action_flows``), with ``[service_auth]`` so that each plan
gets its Keystone trust. Both sites are the test Keystone's RegionOne; a
plan that protects nothing needs no other service, so every action but
the test cleanup (which looks for leftovers in Nova) runs end to end.
"""

from __future__ import annotations


def test_real_flows_lifecycle(cli, drs_server_real_flows):
    env = {'OS_DR_ENDPOINT_OVERRIDE': drs_server_real_flows.url}

    def dr(*args: str, **kwargs):
        return cli(*args, env=env, **kwargs)

    def status() -> tuple[str, bool, bool]:
        plan = cli.json('dr', 'plan', 'show', 'empty', env=env)
        return plan['status'], plan['reversed'], plan['test_active']

    for name in ('real-a', 'real-b'):
        dr('dr', 'site', 'create', name, '--region', 'RegionOne',
           '--auth-url', cli.keystone.url, user='admin')
    dr('dr', 'plan', 'create', 'empty', '--source-site', 'real-a',
       '--target-site', 'real-b')
    assert status() == ('available', False, False)

    steps = (
        (('protect',), ('protected', False, False)),
        (('sync',), ('protected', False, False)),
        (('preflight',), ('protected', False, False)),
        (('failover', '--cutoff', 'latest'), ('failed_over', False, False)),
        (('reprotect',), ('protected', True, False)),
        (('failback',), ('protected', False, False)),
        (('migrate', '--sync-timeout', '60'), ('failed_over', False,
                                               False)),
        (('reprotect',), ('protected', True, False)),
        (('failback',), ('protected', False, False)),
    )
    for action, expected in steps:
        result = dr('dr', 'plan', *action[:1], 'empty', *action[1:],
                    '--wait', '--poll-interval', '0.3', '--timeout', '120',
                    '-f', 'json')
        op = result.json
        assert op['status'] == 'succeeded', result
        assert result.stderr.strip().splitlines()[-1].startswith(
            'Operation %s (%s) succeeded after' % (op['id'], op['action']))
        assert status() == expected, (action, status())

    # The failover's report, from its events.
    ops = cli.json('dr', 'operation', 'list', '--plan', 'empty',
                   '--action', 'failover', env=env)
    assert len(ops) == 1 and ops[0]['Status'] == 'succeeded'
    report = cli.json('dr', 'operation', 'report', ops[0]['ID'], env=env)
    assert report['action'] == 'failover'
    assert report['steps']

    # A test failover runs; its cleanup needs Nova, which this Keystone's
    # catalog does not have: the engine's error, exit status 1.
    op = cli.json('dr', 'plan', 'test', 'failover', 'empty', '--wait',
                  '--poll-interval', '0.3', env=env)
    assert op['status'] == 'succeeded'
    assert status()[2] is True
    result = dr('dr', 'plan', 'test', 'cleanup', 'empty', '--wait',
                '--poll-interval', '0.3', check=False)
    if result.returncode:
        assert '(cleanup_test) failed' in result.stderr, result
        assert 'Traceback' not in result.stderr
    else:
        assert status()[2] is False
        op = cli.json('dr', 'plan', 'unprotect', 'empty', '--wait',
                      '--poll-interval', '0.3', env=env)
        assert op['status'] == 'succeeded'
        assert status()[0] == 'available'
