"""``drs.wsgi.api`` under the threaded WSGI servers operators run.

gunicorn (gthread), uWSGI (threads, with and without ``--lazy-apps``)
and Apache mod_wsgi (daemon mode, threads), each with two processes of
four threads, on MariaDB and RabbitMQ, behind the real Keystone: every
request carries a real token that auth_token validates, and plans made
here get real trusts. Each server starts cold and is hit at once by more
concurrent requests than a process has threads, so the first requests
race to build the app. Asserted: every answer is the API's JSON (the
error format for errors), none a 5xx; the app was built once in each
process that served; the server's logs (drs logs to them at debug: no
``log_file``, as a deployer's default) hold no traceback, no "signal only
works in main thread", and, like every response, no password, token or
trust id.

The command lines are those README.rst recommends.
"""

from __future__ import annotations

from concurrent import futures
import dataclasses
import grp
import json
import os
import pwd
import re
import subprocess
import sys
import threading
import time
import uuid

import pytest
import requests

from drs.tests import db_fixtures
from drs.tests.functional import conftest as functional_conftest
from drs.tests.functional import secret_scan
from drs.tests import local_keystone
from drs.tests import procutils

RABBIT_URL = os.environ.get('DRS_TEST_RABBIT_URL',
                            'rabbit://guest:guest@127.0.0.1:5672/')
PROCESSES = 2
THREADS = 4
START_TIMEOUT = 90
NOBODY = 65534
SAMPLE_SITE = os.path.abspath(os.path.join(
    os.path.dirname(__file__), '..', '..', '..', '..', 'etc', 'apache2',
    'drs-api.conf'))
BUILT = re.compile(r'drs-api WSGI application built in process (\d+)')


def _require(ok: bool, message: str) -> None:
    if ok:
        return
    if os.environ.get('DRS_TEST_REQUIRE_SERVICES') == '1':
        pytest.fail(message)
    pytest.skip(message)


# ------------------------------------------------------------ servers

def _gunicorn(port: int, directory: str) -> list[str]:
    return [procutils.venv_bin('gunicorn'),
            '--bind', '127.0.0.1:%d' % port,
            '--workers', str(PROCESSES), '--worker-class', 'gthread',
            '--threads', str(THREADS),
            # Above [api] max_url_length: a long URL gets drs's 414.
            '--limit-request-line', '8190',
            '--access-logfile', os.path.join(directory, 'access.log'),
            '--no-control-socket', 'drs.wsgi.api:application']


def _uwsgi(*extra: str):
    def command(port: int, directory: str) -> list[str]:
        _require(os.path.exists(procutils.venv_bin('uwsgi')),
                 'uWSGI is not installed (pyuwsgi, test-requirements.txt)')
        return [procutils.venv_bin('uwsgi'),
                '--http-socket', '127.0.0.1:%d' % port,
                '--module', 'drs.wsgi.api:application',
                '--master', '--processes', str(PROCESSES),
                '--threads', str(THREADS), *extra,
                '--die-on-term', '--need-app',
                # uWSGI's http-socket resets reused keep-alive connections.
                '--add-header', 'Connection: close',
                # Tokens in headers; a long URL gets drs's 414.
                '--buffer-size', '65535']
    return command


_NO_MOD_WSGI = (
    'mod_wsgi is not installed in this virtualenv: tools/test.sh installs '
    'it (Debian apache2-bin and apache2-dev, then pip install mod_wsgi: '
    'tools/common.sh ensure_mod_wsgi)')


def _unprivileged(command: list[str]) -> list[str]:
    """Apache serves nothing as root, and mod_wsgi runs no daemon process
    as root: as root (CI), run it as an unprivileged user of a user
    namespace, mapped to the caller outside, so that it reads this
    virtualenv and its Python wherever they are (/root/.pyenv...)."""
    if os.getuid() != 0:
        return command
    return ['unshare', '--user', '--map-user=%d' % NOBODY,
            '--map-group=%d' % NOBODY] + command


def _mod_wsgi_express(port: int, directory: str) -> list[str]:
    express = procutils.venv_bin('mod_wsgi-express')
    _require(os.path.exists(express), _NO_MOD_WSGI)
    return _unprivileged([
        express, 'start-server',
        '--application-type', 'module', 'drs.wsgi.api',
        '--host', '127.0.0.1', '--port', str(port),
        '--processes', str(PROCESSES), '--threads', str(THREADS),
        '--server-root', os.path.join(directory, 'apache'),
        '--access-log', '--log-level', 'info', '--startup-timeout', '60'])


def _apache(port: int, directory: str) -> list[str]:
    """Apache with the sample site etc/apache2/drs-api.conf."""
    express = procutils.venv_bin('mod_wsgi-express')
    _require(os.path.exists(express), _NO_MOD_WSGI)
    from mod_wsgi.express import apxs_config
    import drs.wsgi
    module = subprocess.run([express, 'module-config'], check=True,
                            capture_output=True, text=True,
                            timeout=60).stdout
    root = os.path.join(directory, 'apache')
    os.makedirs(root)
    if os.getuid() == 0:
        user, group = (pwd.getpwuid(NOBODY).pw_name,
                       grp.getgrgid(NOBODY).gr_name)
    else:
        user = pwd.getpwuid(os.getuid()).pw_name
        group = grp.getgrgid(os.getgid()).gr_name
    conf = os.path.join(root, 'httpd.conf')
    modules = apxs_config.LIBEXECDIR
    with open(conf, 'w') as f:
        f.write('\n'.join([
            'ServerRoot %s' % root,
            'ServerName 127.0.0.1',
            'PidFile %s/httpd.pid' % root,
            'DefaultRuntimeDir %s' % root,
            'LoadModule mpm_event_module %s/mod_mpm_event.so' % modules,
            'LoadModule authz_core_module %s/mod_authz_core.so' % modules,
            module.strip(),
            'WSGISocketPrefix %s/wsgi' % root,
            'ErrorLog %s/error.log' % root,
            'LogLevel info',
            'Define DRS_API_LISTEN 127.0.0.1:%d' % port,
            'Define DRS_PYTHON_HOME %s' % sys.prefix,
            'Define DRS_WSGI_DIR %s' % os.path.dirname(drs.wsgi.__file__),
            'Define DRS_USER %s' % user,
            'Define DRS_GROUP %s' % group,
            'Define DRS_LOG_DIR %s' % root,
            'Include %s' % SAMPLE_SITE,
        ]) + '\n')
    return _unprivileged([apxs_config.HTTPD, '-f', conf, '-DFOREGROUND'])


SERVERS = {
    'gunicorn-gthread': _gunicorn,
    'uwsgi-lazy-apps': _uwsgi('--lazy-apps'),
    'uwsgi-prefork': _uwsgi(),
    'mod_wsgi-express': _mod_wsgi_express,
    'apache-mod_wsgi': _apache,
}
MOD_WSGI = ('mod_wsgi-express', 'apache-mod_wsgi')


# ------------------------------------------------------------ fixtures

@pytest.fixture(scope='module')
def wsgi_database(tmp_path_factory):
    """A MariaDB database synced with ``drs-manage db sync``."""
    directory = tmp_path_factory.mktemp('wsgi-db')
    with db_fixtures.throwaway_database('mysql', str(directory)) as url:
        conf = directory / 'sync.conf'
        conf.write_text('[database]\nconnection = %s\n' % url)
        subprocess.run([procutils.venv_bin('drs-manage'), '--config-file',
                        str(conf), 'db', 'sync'],
                       check=True, capture_output=True, timeout=300)
        yield url


def _config(directory: str, db_url: str,
            keystone: local_keystone.Keystone) -> str:
    authtoken = keystone.authtoken_options()
    lines = [
        '[DEFAULT]',
        # No log_file: drs logs to the server's log, at debug.
        'debug = true',
        'transport_url = %s' % RABBIT_URL,
        '[api]', 'auth_strategy = keystone',
        '[engine]',
        # No engine listens: casts are dropped, the ownership check is
        # undeliverable at once (plans stored unchecked).
        'topic = drs-wsgi-test-%s' % uuid.uuid4().hex[:10],
        '[database]', 'connection = %s' % db_url,
        '[keystone_authtoken]',
    ] + ['%s = %s' % kv for kv in authtoken.items()] + [
        '[service_auth]',
    ] + ['%s = %s' % kv for kv in authtoken.items()
         if kv[0] not in ('www_authenticate_uri', 'interface')]
    path = os.path.join(directory, 'drs.conf')
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return path


@dataclasses.dataclass
class Answer:
    what: str
    status: int
    headers: dict
    text: str
    servers_own: bool = False

    @property
    def json(self):
        return json.loads(self.text)


class Client:
    """Plain HTTP to the server, one connection per request, every
    answer kept for the checks and the secret scan."""

    def __init__(self, base: str, keystone: local_keystone.Keystone):
        self.base = base
        self.keystone = keystone
        self.answers: list[Answer] = []
        self._lock = threading.Lock()
        # Issued one at a time, before any burst: the test Keystone's
        # SQLite fails concurrent password authentications ("database is
        # locked").
        for user in ('admin', 'alice', 'rita', 'bob'):
            functional_conftest._token(keystone, user)

    def __call__(self, method: str, path: str, user: str | None = 'alice',
                 body=None, headers: dict | None = None,
                 expect: int | None = None,
                 servers_own: bool = False) -> Answer:
        all_headers = dict(headers or {})
        if user is not None:
            all_headers['X-Auth-Token'] = functional_conftest._token(
                self.keystone, user)
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
            all_headers.setdefault('Content-Type', 'application/json')
        resp = requests.request(method, self.base + path, data=body,
                                headers=all_headers, timeout=60)
        answer = Answer('%s %s as %s' % (method, path[:60], user),
                        resp.status_code, dict(resp.headers), resp.text,
                        servers_own)
        with self._lock:
            self.answers.append(answer)
        if expect is not None:
            assert answer.status == expect, (answer.what, answer.status,
                                             answer.text[:500])
        return answer


def _check_answer(answer: Answer) -> None:
    """The API's JSON, never a 5xx; errors in the one error format."""
    assert answer.status < 500, (answer.what, answer.status,
                                 answer.text[:1000])
    if answer.servers_own:
        assert answer.status >= 400, (answer.what, answer.status)
        return
    request_id = answer.headers.get('x-openstack-request-id', '')
    assert request_id.startswith('req-'), (answer.what, answer.headers)
    if answer.status == 204:
        return
    assert answer.headers.get('Content-Type', '').startswith(
        'application/json'), (answer.what, answer.status, answer.headers,
                              answer.text[:300])
    body = answer.json
    if answer.status >= 400:
        assert set(body) == {'errors'}, (answer.what, body)
        error = body['errors'][0]
        assert error['status'] == answer.status, (answer.what, body)
        assert error['request_id'] == request_id
        assert error['code'].startswith('drs.'), (answer.what, body)


def _read_logs(directory: str) -> dict[str, str]:
    logs = {}
    for root, _dirs, files in os.walk(directory):
        for name in files:
            if name.endswith(('.log', '_log')) or name in ('error_log',
                                                          'access_log'):
                path = os.path.join(root, name)
                with open(path, errors='replace') as f:
                    logs[os.path.relpath(path, directory)] = f.read()
    return logs


# ------------------------------------------------------------ the test

def _workload(client: Client, prefix: str, server: str) -> None:
    # A cold server: more concurrent first requests than threads, on
    # every process; they race to build the app.
    barrier = threading.Barrier(2 * PROCESSES * THREADS)

    def cold(i: int) -> Answer:
        barrier.wait(timeout=30)
        if i % 2:
            return client('GET', '/v1/sites', user='rita', expect=200)
        return client('GET', '/v1/plans', expect=200)

    with futures.ThreadPoolExecutor(2 * PROCESSES * THREADS) as pool:
        list(pool.map(cold, range(2 * PROCESSES * THREADS)))

    site_names = ['%s-a' % prefix, '%s-b' % prefix]
    regions = ('RegionOne', 'RegionTwo')
    for name, region in zip(site_names, regions, strict=True):
        client('POST', '/v1/sites', user='admin', expect=201, body={
            'site': {'name': name, 'region_name': region,
                     'auth_url': client.keystone.url}})

    def plan(i: int) -> dict:
        return {'plan': {
            'name': '%s-plan-%d' % (prefix, i),
            'source_site': site_names[0], 'target_site': site_names[1],
            'resources': [{'type': 'OS::Cinder::Volume',
                           'id': str(uuid.uuid4())}]}}

    # Writes (each plan gets a Keystone trust), reads and refusals, all
    # at once.
    calls = [lambda i=i: client('POST', '/v1/plans', body=plan(i),
                                expect=201) for i in range(8)]
    calls += [lambda: client('GET', '/v1/plans', user='rita', expect=200)
              for _ in range(6)]
    calls += [
        lambda: client('POST', '/v1/plans', user='rita', body=plan(99),
                       expect=403),
        lambda: client('GET', '/v1/plans', user=None, expect=401),
        lambda: client('POST', '/v1/plans', body='{"plan": ', expect=400),
        lambda: client('POST', '/v1/plans', body={'plan': {'name': 1}},
                       expect=400),
        # Over [api] max_url_length in the query: drs's 414.
        lambda: client('GET', '/v1/plans?marker=' + 'x' * 5000,
                       expect=414),
        lambda: client('GET', '/v1/nothing-here', expect=404),
        lambda: client('GET', '/v1/plans', headers={
            'OpenStack-API-Version': 'dr 0.9'}, expect=406),
    ]
    long_paths = ['/v1/plans/' + 'x' * 5000,
                  '/v1/plans/' + '/'.join(['x' * 100] * 50)]
    for path in long_paths:
        if server in MOD_WSGI:
            # Apache maps a URL's path to a file name first, and answers
            # one longer than PATH_MAX (4096, the script's path included)
            # itself, in HTML: 404 under WSGIScriptAlias, 403 under
            # mod_wsgi-express (its document root). Never a 5xx.
            calls.append(lambda path=path: client(
                'GET', path, servers_own=True))
        else:
            calls.append(lambda path=path: client('GET', path,
                                                  expect=414))
    with futures.ThreadPoolExecutor(2 * THREADS) as pool:
        done = [pool.submit(call) for call in calls]
        results = [f.result() for f in done]
    plan_ids = [a.json['plan']['id'] for a in results[:8]]

    calls = [lambda p=p: client('GET', '/v1/plans/' + p, expect=200)
             for p in plan_ids]
    calls += [lambda p=p: client('GET', '/v1/plans/' + p, user='bob',
                                 expect=404) for p in plan_ids]
    calls += [lambda p=p: client('POST', '/v1/plans/%s/actions' % p,
                                 body={'protect': {}}, expect=202)
              for p in plan_ids[:4]]
    calls += [lambda p=p: client('DELETE', '/v1/plans/' + p, expect=204)
              for p in plan_ids[4:6]]
    with futures.ThreadPoolExecutor(2 * THREADS) as pool:
        for f in [pool.submit(call) for call in calls]:
            f.result()

    ops = client('GET', '/v1/operations', expect=200).json['operations']
    assert {o['plan_id'] for o in ops} >= set(plan_ids[:4])
    plans = client('GET', '/v1/plans?limit=100', expect=200).json['plans']
    mine = {p['id'] for p in plans if p['name'].startswith(prefix)}
    assert mine == set(plan_ids) - set(plan_ids[4:6])


@pytest.mark.parametrize('server', list(SERVERS))
def test_threaded_wsgi_server(server, keystone, wsgi_database, tmp_path):
    directory = str(tmp_path)
    port = procutils.free_port()
    command = SERVERS[server](port, directory)
    conf = _config(directory, wsgi_database, keystone)
    log_path = os.path.join(directory, 'server.log')
    with open(log_path, 'wb') as log:
        proc = subprocess.Popen(
            command, env=dict(os.environ, OS_DRS_CONFIG_FILES=conf),
            cwd=directory, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
    started = time.monotonic()
    client = Client('http://127.0.0.1:%d' % port, keystone)
    try:
        try:
            # A TCP probe only: no request before the cold burst.
            procutils.wait_listening(port, START_TIMEOUT, proc, server)
        except RuntimeError as e:
            raise AssertionError('%s\n%s' % (e, '\n'.join(
                '--- %s\n%s' % (k, v[-3000:])
                for k, v in _read_logs(directory).items())))
        _workload(client, '%s-%s' % (server, uuid.uuid4().hex[:6]), server)
    finally:
        procutils.stop_group(proc)
    elapsed = time.monotonic() - started

    assert len(client.answers) > 40
    for answer in client.answers:
        _check_answer(answer)

    logs = _read_logs(directory)
    text = '\n'.join(logs.values())
    assert 'signal only works in main thread' not in text
    assert 'Traceback' not in text, text[-5000:]
    # Built once in each process that served, whatever the threads did.
    built = BUILT.findall(text)
    assert built, text[-3000:]
    pids = set(built)
    assert sorted(built) == sorted(pids), built
    assert 1 <= len(pids) <= PROCESSES, built
    if server in MOD_WSGI:
        # mod_wsgi's daemon threads are not Python's: the app was built
        # outside the main thread, Guru Meditation fell back.
        assert 'Guru Meditation Reports are off' in text

    # No secret in any log or answer (headers included).
    texts = dict(logs)
    for i, answer in enumerate(client.answers):
        texts['answer %d (%s)' % (i, answer.what)] = '%s\n%s' % (
            json.dumps(answer.headers), answer.text)
    found = secret_scan.secrets(keystone)
    assert any(k.startswith('trust ') for k in found)
    leaks = secret_scan.leaks(texts, found)
    assert not leaks, '\n'.join(leaks[:50])
    print('%s: %d requests, %.1f s from start to stop'
          % (server, len(client.answers), elapsed))
