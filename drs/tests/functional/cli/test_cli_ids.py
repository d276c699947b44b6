"""Ids as progress shows them, site names, and a failed --wait, for real.

The real ``openstack`` command against drs-all-in-one (the engine running
the side-effect test flow; a step made to fail through the plan's
options, set in drs's database as the engine tests do).
"""

from __future__ import annotations

import json
import os
import re
import uuid

import sqlalchemy as sa

CLASS_PATH = re.compile(r'\b[a-z_]+(\.[a-z_]+)+\.[A-Z]\w+')


def _options(server, plan_id: str, options: dict) -> None:
    engine = sa.create_engine('sqlite:///%s' % os.path.join(
        server.directory, 'drs.sqlite'))
    try:
        with engine.begin() as conn:
            conn.execute(sa.text('UPDATE plans SET options = :o WHERE id = '
                                 ':id'), {'o': json.dumps(options),
                                          'id': plan_id})
    finally:
        engine.dispose()


def test_short_ids_and_site_names(cli, cli_sites):
    name = 'ids-%s' % uuid.uuid4().hex[:6]
    plan = cli.json('dr', 'plan', 'create', name, '--source-site',
                    'cli-site-a', '--target-site', 'cli-site-b',
                    '--volume', str(uuid.uuid4()))
    result = cli('dr', 'plan', 'protect', name, '--wait',
                 '--poll-interval', '0.2', '-f', 'json')
    op = result.json
    short = op['id'][:8]
    # The id the progress lines show...
    assert result.stderr.splitlines()[0].startswith('protect %s: ' % short)
    # ...is accepted by every command taking an operation.
    assert cli.json('dr', 'operation', 'show', short)['id'] == op['id']
    assert cli.json('dr', 'operation', 'events', short)
    assert cli.json('dr', 'operation', 'report', short)[
        'operation_id'] == op['id']
    assert cli.json('dr', 'plan', 'show', plan['id'][:8])['id'] == \
        plan['id']
    # (An ambiguous start is refused naming the ids: random ids cannot
    # be made to share one here; the unit tests check it.)
    # Not an id of anything: a clear error.
    result = cli('dr', 'operation', 'show', '0000ffff', check=False)
    assert result.returncode == 1
    assert "no operation with an id of '0000ffff' exists" in result.stderr
    assert 'Traceback' not in result.stderr

    # Tables show the sites' names; json keeps their ids.
    table = cli('dr', 'plan', 'show', name, '-c', 'source_site', '-c',
                'target_site').stdout
    assert 'cli-site-a' in table and 'cli-site-b' in table, table
    assert cli_sites['cli-site-a']['id'] not in table
    listed = cli('dr', 'plan', 'list', '--name', name).stdout
    assert 'cli-site-a' in listed and 'cli-site-b' in listed, listed
    assert cli.json('dr', 'plan', 'show', name)['source_site'] == \
        cli_sites['cli-site-a']['id']


def test_failed_wait_says_its_error_once(cli, cli_sites):
    name = 'fails-%s' % uuid.uuid4().hex[:6]
    plan = cli.json('dr', 'plan', 'create', name, '--source-site',
                    'cli-site-a', '--target-site', 'cli-site-b',
                    '--volume', str(uuid.uuid4()))
    _options(cli.server, plan['id'], {'test_steps': 4,
                                      'test_step_seconds': 0.1,
                                      'test_fail_step': 'step-3'})
    result = cli('dr', 'plan', 'protect', name, '--wait',
                 '--poll-interval', '0.2', check=False)
    assert result.returncode == 1, result
    assert result.stderr.count('failed as asked') == 1, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert re.match(r'Operation [0-9a-f-]{36} \(protect\) failed after '
                    r'\d\d:\d\d: StepFailed: step step-3 failed as asked',
                    last), last
    assert '(step step-3' in last
    # No Python class path (the engine records
    # drs.tests.functional.engine.sideeffect_flow.StepFailed), no secret.
    assert not CLASS_PATH.search(result.stderr), result.stderr
    assert 'hunter2' not in result.stderr
    op_id = cli.json('dr', 'operation', 'list', '--plan', name)[0]['ID']
    shown = cli('dr', 'operation', 'show', op_id[:8]).stdout
    assert 'StepFailed: step step-3 failed as asked' in shown
    assert not CLASS_PATH.search(shown), shown
    events = cli('dr', 'operation', 'events', op_id[:8]).stdout
    assert not CLASS_PATH.search(events), events
