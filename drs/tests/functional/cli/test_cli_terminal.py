"""``--wait`` on a real terminal: tmux panes of 80 and 160 columns.

The real ``openstack`` command waits for an operation of the real
drs-all-in-one (its engine running the side-effect test flow, slowed
down so that the line is redrawn many times); the test reads the pane
with ``tmux capture-pane`` while it runs and at the end. The progress
line must stay one line no wider than the pane, redrawn in place (no
wrapped or piled-up copies), and leave only the outcome line behind.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import time
import uuid

import pytest
import sqlalchemy as sa

from drs.tests.functional.cli import conftest as cli_conftest
from drs.tests import procutils

pytestmark = pytest.mark.skipif(shutil.which('tmux') is None,
                                reason='tmux is not installed')

STEPS = 8
STEP_SECONDS = 0.8


def _slow_flow(server, plan_id: str) -> None:
    """The plan's side-effect flow: STEPS steps of STEP_SECONDS each."""
    engine = sa.create_engine('sqlite:///%s' % os.path.join(
        server.directory, 'drs.sqlite'))
    try:
        with engine.begin() as conn:
            conn.execute(sa.text('UPDATE plans SET options = :o WHERE id = '
                                 ':id'), {'o': json.dumps({
                                     'test_steps': STEPS,
                                     'test_step_seconds': STEP_SECONDS}),
                                     'id': plan_id})
    finally:
        engine.dispose()


class Pane:
    """A detached tmux session of its own server (socket), ``width`` x 24."""

    def __init__(self, directory: str, width: int):
        self.socket = 'drs-cli-%s' % uuid.uuid4().hex[:8]
        self.directory = directory
        self.width = width

    def tmux(self, *args: str) -> str:
        return subprocess.run(['tmux', '-L', self.socket, *args],
                              capture_output=True, text=True, check=True,
                              timeout=30).stdout

    def start(self, env: dict[str, str], command: list[str]) -> None:
        script = os.path.join(self.directory, 'run-%s.sh' % self.socket)
        with open(script, 'w') as f:
            for key, value in sorted(env.items()):
                if key.startswith(('OS_', 'HOME', 'PATH', 'LANG')):
                    f.write('export %s=%s\n' % (key, shlex.quote(value)))
            f.write('export TERM=screen COLUMNS=%d\n' % self.width)
            f.write('%s > %s.out\n' % (shlex.join(command), script))
            f.write('echo "EXIT=$?"\n')
            f.write('sleep 600\n')
        self.tmux('-f', '/dev/null', 'new-session', '-d', '-x',
                  str(self.width), '-y', '24', 'bash', script)
        self.out = script + '.out'

    def screen(self) -> list[str]:
        text = self.tmux('capture-pane', '-p', '-J')
        return text.rstrip('\n').split('\n')

    def stop(self) -> None:
        subprocess.run(['tmux', '-L', self.socket, 'kill-server'],
                       capture_output=True, timeout=30)


@pytest.mark.parametrize('width', [80, 160])
def test_wait_progress_redraws_in_place(cli, cli_sites, tmp_path, width):
    name = 'tty-%d-%s' % (width, uuid.uuid4().hex[:6])
    # Resources of their own: a resource belongs to at most one plan.
    volume, server = str(uuid.uuid4()), str(uuid.uuid4())
    plan = cli.json('dr', 'plan', 'create', name, '--source-site',
                    'cli-site-a', '--target-site', 'cli-site-b',
                    '--volume', volume, '--server', server)
    _slow_flow(cli.server, plan['id'])
    pane = Pane(str(tmp_path), width)
    try:
        pane.start(cli.env('alice'), [
            procutils.venv_bin('openstack'), 'dr', 'plan', 'protect',
            plan['id'], '--wait', '--poll-interval', '0.2', '-f', 'json'])
        screens = []
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            screen = pane.screen()
            screens.append(screen)
            if any(line.startswith('EXIT=') for line in screen):
                break
            time.sleep(0.3)
        else:
            pytest.fail('protect --wait did not end: %s\n%s\n%s' % (
                screens[-1:], open(pane.out).read(), cli.server.log_tail()))
        final = screens[-1]
    finally:
        pane.stop()

    def is_progress(line: str) -> bool:
        return bool(re.match(r'protect [0-9a-f]{8}: (pending|running)',
                             line))

    for screen in screens:
        cli_conftest.record('tmux pane', '\n'.join(screen))
    progress = [s for s in screens[:-1] if any(map(is_progress, s))]
    assert len(progress) >= 3, screens[-8:]  # seen running, redrawn
    for screen in screens:
        # -J joins wrapped lines: a line wider than the pane would show.
        assert all(len(line) <= width - 1 for line in screen), screen
        lines = [line for line in screen if line.startswith('protect ')]
        assert len(lines) <= 1, screen  # redrawn, not piled up
    seen = [line for s in progress for line in s if is_progress(line)]
    assert any('[' in line and '#' in line for line in seen), seen
    assert all(volume not in line and server not in line for line in seen)
    if width >= 160:
        # Room for the whole text: the step and its resource.
        assert any('(OS::' in line for line in seen), seen
    # Only the outcome is left, on the line the progress used.
    text = [line for line in final if line.strip()]
    assert text[0].startswith('Operation ') and \
        ' (protect) succeeded after ' in text[0], final
    assert text[1:] == ['EXIT=0'], final
    with open(pane.out) as f:
        assert json.load(f)['status'] == 'succeeded'
    cli('dr', 'plan', 'unprotect', name, '--wait', '--poll-interval', '0.2')
    cli('dr', 'plan', 'delete', name)
