"""Fixtures of the CLI tests: drs-all-in-one behind the real Keystone.

``drs_server`` starts ``drs-all-in-one`` (the API and the engine in one
process, SQLite, in-process messaging) on 127.0.0.1 with auth_token
pointed at the test Keystone, and registers it in that Keystone's
catalog as the ``dr`` service (RegionOne, public), so the ``openstack``
command finds it the way a user's would. Every action runs the engine's
side-effect test flow (``[engine] action_flows``): the real engine,
persistence and progress, with steps that touch no cloud.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import subprocess
import time
from typing import Any

from keystoneauth1 import session as ks_session
import pytest
import sqlalchemy as sa

from drs.common import states
from drs.tests.functional.engine import sideeffect_flow
from drs.tests import local_keystone
from drs.tests import procutils

LOG = logging.getLogger(__name__)

START_TIMEOUT = 60
CLI_TIMEOUT = 120

#: (where, text) of every CLI output and API response the CLI tests got,
#: scanned for secrets by test_secrets.py (which runs last).
OUTPUTS: list[tuple[str, str]] = []


def record(where: str, text: str) -> None:
    OUTPUTS.append((where, text))


def pytest_collection_modifyitems(config, items):
    """The secret scan after every test that produces what it scans."""
    last = [i for i in items if i.nodeid.startswith(
        'drs/tests/functional/cli/test_secrets.py')]
    if last:
        items[:] = [i for i in items if i not in last] + last


@dataclasses.dataclass
class DrsServer:
    directory: str
    port: int
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return 'http://127.0.0.1:%d' % self.port

    @property
    def log_file(self) -> str:
        return os.path.join(self.directory, 'drs.log')

    def log_tail(self, lines: int = 60) -> str:
        try:
            with open(self.log_file) as f:
                return ''.join(f.readlines()[-lines:])
        except OSError:
            return '(no log)'

    def stop(self) -> None:
        procutils.stop_group(self.process)


def _config(directory: str, port: int, db_url: str,
            keystone: local_keystone.Keystone, test_flows: bool) -> str:
    flows = ','.join('%s:%s' % (action, sideeffect_flow.FACTORY)
                     for action in states.ACTIONS) if test_flows else ''
    authtoken = keystone.authtoken_options()
    lines = [
        '[DEFAULT]',
        'debug = true',
        'log_file = %s' % os.path.join(directory, 'drs.log'),
        '[api]',
        'host_ip = 127.0.0.1',
        'port = %d' % port,
        'auth_strategy = keystone',
        '[database]',
        'connection = %s' % db_url,
        '[engine]',
    ] + (['action_flows = %s' % flows] if flows else []) + [
        '[keystone_authtoken]',
    ] + ['%s = %s' % kv for kv in authtoken.items()] + [
        # drs's own credentials: each plan gets a trust to them.
        '[service_auth]',
    ] + ['%s = %s' % kv for kv in authtoken.items()
         if kv[0] not in ('www_authenticate_uri', 'interface')]
    path = os.path.join(directory, 'drs.conf')
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return path


def _register(keystone: local_keystone.Keystone, url: str) -> None:
    """The ``dr`` service and its public RegionOne endpoint."""
    s = keystone.admin_session()
    services = s.get(keystone.url + '/services?type=dr').json()['services']
    if services:
        service_id = services[0]['id']
    else:
        service_id = s.post(keystone.url + '/services', json={'service': {
            'type': 'dr', 'name': 'drs',
            'description': 'Disaster Recovery Service'}}).json()[
                'service']['id']
    endpoints = s.get(keystone.url + '/endpoints?service_id=%s'
                      % service_id).json()['endpoints']
    for endpoint in endpoints:
        s.delete(keystone.url + '/endpoints/' + endpoint['id'])
    s.post(keystone.url + '/endpoints', json={'endpoint': {
        'service_id': service_id, 'interface': 'public',
        'region_id': 'RegionOne', 'url': url}})


def start_server(keystone: local_keystone.Keystone, directory: str,
                 test_flows: bool) -> DrsServer:
    """drs-all-in-one on a free port of 127.0.0.1, answering."""
    db_path = os.path.join(directory, 'drs.sqlite')
    db_url = 'sqlite:///%s' % db_path
    # The test flow records its side effects in a table of its own.
    engine = sa.create_engine(db_url)
    sideeffect_flow.create_table(engine)
    engine.dispose()
    port = procutils.free_port()
    conf = _config(directory, port, db_url, keystone, test_flows)
    process = subprocess.Popen(
        [procutils.venv_bin('drs-all-in-one'), '--config-file', conf],
        stdout=subprocess.DEVNULL,
        stderr=open(os.path.join(directory, 'drs.err'), 'ab'),
        start_new_session=True)
    server = DrsServer(directory, port, process)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        http = ks_session.Session()
        while True:
            if process.poll() is not None:
                raise RuntimeError('drs-all-in-one exited:\n%s'
                                   % server.log_tail())
            try:
                resp = http.get(server.url + '/', timeout=5,
                                raise_exc=False)
                if resp.status_code == 200:
                    return server
            except Exception as e:  # not listening yet
                LOG.debug('drs-all-in-one not answering yet: %s', e)
            if time.monotonic() > deadline:
                raise RuntimeError('drs-all-in-one did not answer in %ss:'
                                   '\n%s' % (START_TIMEOUT,
                                             server.log_tail()))
            time.sleep(0.3)
    except BaseException:
        server.stop()
        raise


@pytest.fixture(scope='session')
def drs_server(keystone, tmp_path_factory):
    """drs-all-in-one on 127.0.0.1, in the test Keystone's catalog.

    Every action runs the side-effect test flow.
    """
    server = start_server(keystone, str(tmp_path_factory.mktemp('drs-cli')),
                          test_flows=True)
    try:
        _register(keystone, server.url)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope='session')
def drs_server_real_flows(keystone, tmp_path_factory):
    """A second drs-all-in-one running the engine's real flows.

    Not in the catalog: the CLI reaches it with OS_DR_ENDPOINT_OVERRIDE.
    """
    server = start_server(keystone,
                          str(tmp_path_factory.mktemp('drs-cli-real')),
                          test_flows=False)
    try:
        yield server
    finally:
        server.stop()


@dataclasses.dataclass
class Result:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)

    def __str__(self) -> str:
        return 'openstack %s -> %d\nstdout: %s\nstderr: %s' % (
            ' '.join(self.args), self.returncode, self.stdout, self.stderr)


class Cli:
    """Runs the real ``openstack`` command as one of the test users."""

    def __init__(self, keystone: local_keystone.Keystone,
                 server: DrsServer):
        self.keystone = keystone
        self.server = server

    def env(self, user: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith('OS_')}
        if user == 'admin':
            password, project = local_keystone.ADMIN_PASSWORD, 'admin'
        else:
            password = local_keystone.USER_PASSWORD
            project = local_keystone.USERS[user][0]
        env.update({
            'OS_AUTH_URL': self.keystone.url,
            'OS_AUTH_TYPE': 'password',
            'OS_IDENTITY_API_VERSION': '3',
            'OS_USERNAME': user,
            'OS_PASSWORD': password,
            'OS_PROJECT_NAME': project,
            'OS_USER_DOMAIN_ID': 'default',
            'OS_PROJECT_DOMAIN_ID': 'default',
            'OS_REGION_NAME': 'RegionOne',
            'OS_INTERFACE': 'public',
            # No clouds.yaml of the machine's leaks in.
            'OS_CLIENT_CONFIG_FILE': os.devnull,
            'HOME': self.server.directory,
        })
        return env

    def __call__(self, *args: str, user: str = 'alice',
                 check: bool = True, timeout: float = CLI_TIMEOUT,
                 env: dict[str, str] | None = None) -> Result:
        proc = subprocess.run(
            [procutils.venv_bin('openstack'), *args],
            env={**self.env(user), **(env or {})},
            capture_output=True, text=True, timeout=timeout,
            stdin=subprocess.DEVNULL)
        result = Result(list(args), proc.returncode, proc.stdout,
                        proc.stderr)
        record('openstack %s' % ' '.join(args),
               proc.stdout + '\n' + proc.stderr)
        if check:
            assert result.returncode == 0, '%s\n--- drs log ---\n%s' % (
                result, self.server.log_tail(20))
        return result

    def json(self, *args: str, **kwargs: Any) -> Any:
        return self(*args, '-f', 'json', **kwargs).json


@pytest.fixture(scope='session')
def cli(keystone, drs_server) -> Cli:
    return Cli(keystone, drs_server)


@pytest.fixture(scope='session')
def cli_sites(cli) -> dict[str, dict]:
    """Two sites, registered once by the admin with the CLI."""
    sites = {}
    for name, region in (('cli-site-a', 'RegionOne'),
                         ('cli-site-b', 'RegionTwo')):
        found = cli.json('dr', 'site', 'list', '--name', name, user='admin')
        if found:
            sites[name] = found[0]
            continue
        sites[name] = cli.json('dr', 'site', 'create', name, '--region',
                               region, '--auth-url', cli.keystone.url,
                               '--description', 'site %s' % region,
                               user='admin')
    return sites
