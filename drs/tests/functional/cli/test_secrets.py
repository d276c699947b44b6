"""No secret in anything the CLI tests produced (runs after them).

Scanned: every output of the ``openstack`` command (stdout and stderr),
every API response the sample recorder got, the tmux panes, and the logs
of each drs-all-in-one the session started (``debug = true``). Searched
for: the test Keystone's passwords (admin, users, drs's service user),
every token the fixtures issued, any Fernet token, and the id of every
trust Keystone holds (each plan's, deleted ones included). This test
makes a plan of its own first (a trust, a protect and a failing action
with ``--wait``), so that it scans something when run alone.
"""

from __future__ import annotations

import glob
import os
import uuid

from drs.tests.functional.cli import conftest as cli_conftest
from drs.tests.functional import secret_scan


def _logs(tmp_path_factory) -> dict[str, str]:
    base = str(tmp_path_factory.getbasetemp())
    found = {}
    for path in sorted(glob.glob(os.path.join(base, 'drs-cli*', 'drs.log'))
                       + glob.glob(os.path.join(base, 'drs-cli*',
                                                'drs.err'))):
        with open(path, errors='replace') as f:
            found[os.path.relpath(path, base)] = f.read()
    return found


def test_no_secret_in_cli_outputs_responses_or_logs(cli, cli_sites,
                                                     keystone,
                                                     tmp_path_factory):
    name = 'secrets-%s' % uuid.uuid4().hex[:6]
    cli('dr', 'plan', 'create', name, '--source-site', 'cli-site-a',
        '--target-site', 'cli-site-b', '--volume', str(uuid.uuid4()))
    cli('dr', 'plan', 'protect', name, '--wait', '--poll-interval', '0.2')
    cli('dr', 'plan', 'show', name, '-f', 'json')
    cli('dr', 'plan', 'list', '--long', '-f', 'yaml')
    cli('--debug', 'dr', 'plan', 'failback', name, check=False)
    cli('dr', 'operation', 'list', '--plan', name, '-f', 'json')

    assert secret_scan.trust_ids(keystone), (
        'no plan made a trust: nothing to look for')
    secrets = secret_scan.secrets(keystone)

    texts = {'%d: %s' % (i, where): text
             for i, (where, text) in enumerate(cli_conftest.OUTPUTS)}
    logs = _logs(tmp_path_factory)
    assert any(k.endswith('drs.log') for k in logs), logs.keys()
    texts.update(logs)
    assert len(cli_conftest.OUTPUTS) >= 6

    leaks = secret_scan.leaks(texts, secrets)
    assert not leaks, '\n'.join(leaks[:50])
