"""The console scripts and the WSGI module, run as an operator would."""

from concurrent import futures
import os
import subprocess
import time

import pytest
import requests

from drs.tests import db_fixtures
from drs.tests import procutils


def _conf(tmp_path, url: str, **sections) -> str:
    path = tmp_path / 'drs.conf'
    lines = ['[database]', 'connection = %s' % url]
    for section, values in sections.items():
        lines.append('[%s]' % section)
        lines += ['%s = %s' % kv for kv in values.items()]
    path.write_text('\n'.join(lines) + '\n')
    return str(path)


@pytest.mark.parametrize('backend', db_fixtures.BACKENDS)
def test_manage_db_sync_and_status(tmp_path, backend):
    with db_fixtures.throwaway_database(backend, str(tmp_path)) as url:
        conf = _conf(tmp_path, url)
        status = subprocess.run(
            [procutils.venv_bin('drs-status'), '--config-file', conf,
             'upgrade', 'check'],
            capture_output=True, text=True, timeout=120)
        # An empty database fails the schema check (exit code 2).
        assert status.returncode == 2, status.stdout + status.stderr
        words = ' '.join(status.stdout.replace('|', ' ').split())
        assert 'Cannot read' not in words
        assert 'The database schema is at None' in words
        assert 'db sync' in words

        sync = subprocess.run(
            [procutils.venv_bin('drs-manage'), '--config-file', conf,
             'db', 'sync'],
            capture_output=True, text=True, timeout=300)
        assert sync.returncode == 0, sync.stderr
        version = subprocess.run(
            [procutils.venv_bin('drs-manage'), '--config-file', conf,
             'db', 'version'],
            capture_output=True, text=True, timeout=120)
        assert version.returncode == 0, version.stderr
        assert version.stdout.strip().splitlines()[-1] != 'None (empty ' \
            'database)'

        status = subprocess.run(
            [procutils.venv_bin('drs-status'), '--config-file', conf,
             'upgrade', 'check'],
            capture_output=True, text=True, timeout=120)
        assert status.returncode == 0, status.stdout + status.stderr


@pytest.mark.parametrize('workers', [
    ['--workers', '1'],
    # Threaded: the app is built in a request thread (it once raised
    # "signal only works in main thread" on every request, an HTML 500).
    ['--workers', '2', '--worker-class', 'gthread', '--threads', '4',
     # As drs.wsgi.api says: above [api] max_url_length, so that a long
     # URL gets drs's 414 in the error format, not gunicorn's HTML one.
     '--limit-request-line', '8190'],
], ids=['sync', 'gthread'])
def test_wsgi_module_under_gunicorn(tmp_path, workers):
    url = 'sqlite:///%s' % (tmp_path / 'drs.sqlite')
    conf = _conf(tmp_path, url, api={'auth_strategy': 'noauth'})
    subprocess.run([procutils.venv_bin('drs-manage'), '--config-file', conf,
                    'db', 'sync'],
                   check=True, capture_output=True, timeout=300)
    port = procutils.free_port()
    log_path = tmp_path / 'gunicorn.log'
    with open(log_path, 'wb') as log:
        proc = subprocess.Popen(
            [procutils.venv_bin('gunicorn'), '--bind',
             '127.0.0.1:%d' % port, *workers, '--no-control-socket',
             'drs.wsgi.api:application'],
            env=dict(os.environ, OS_DRS_CONFIG_FILES=conf),
            stdout=subprocess.DEVNULL, stderr=log)
    try:
        base = 'http://127.0.0.1:%d' % port
        deadline = time.monotonic() + 60
        while True:
            try:
                root = requests.get(base + '/', timeout=5)
                break
            except requests.ConnectionError:
                assert proc.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, 'gunicorn did not start'
                time.sleep(0.2)
        assert root.status_code == 200, root.text
        assert root.json()['versions'][0]['id'] == 'v1'
        sites = requests.get(base + '/v1/sites', timeout=10)
        assert sites.status_code == 200, sites.text
        assert sites.json() == {'sites': [], 'links': []}
        assert sites.headers['OpenStack-API-Version'] == 'dr 1.0'

        # Concurrent real requests, writes included, on every thread.
        def create(i):
            return requests.post(base + '/v1/sites', timeout=30, json={
                'site': {'name': 'site-%d' % i, 'region_name': 'R%d' % i,
                         'auth_url': 'http://127.0.0.1:5000/v3'}})

        def read(_i):
            return requests.get(base + '/v1/sites', timeout=30)

        with futures.ThreadPoolExecutor(8) as pool:
            created = list(pool.map(create, range(16)))
            reads = list(pool.map(read, range(32)))
        assert [r.status_code for r in created] == [201] * 16, [
            r.text for r in created if r.status_code != 201][:1]
        assert {r.status_code for r in reads} == {200}
        listed = requests.get(base + '/v1/sites?limit=100', timeout=10)
        assert len(listed.json()['sites']) == 16
        if '--limit-request-line' in workers:
            long = requests.get(base + '/v1/sites/' + 'x' * 5000,
                                timeout=10)
            assert long.status_code == 414
            assert long.json()['errors'][0]['code'] == 'drs.uri_too_long'
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    text = log_path.read_text()
    assert 'signal only works in main thread' not in text
    assert 'Traceback' not in text, text[-3000:]
