"""drs-all-in-one: API and engine in one process, SQLite, no broker."""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from urllib import error as urlerror
from urllib import request as urlrequest

import sqlalchemy as sa

from drs.tests.functional.engine import sideeffect_flow
from drs.tests import procutils


def _call(base: str, method: str, path: str, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urlrequest.Request(  # noqa: S310 (http://127.0.0.1 only)
        base + path, data=data, method=method,
        headers={'Content-Type': 'application/json'})
    try:
        with urlrequest.urlopen(req, timeout=10) as resp:  # noqa: S310
            return resp.status, json.loads(resp.read() or b'null')
    except urlerror.HTTPError as e:
        raise AssertionError('%s %s: %s %s' % (method, path, e.code,
                                               e.read()[:500]))


def _executable() -> list[str]:
    script = os.path.join(os.path.dirname(sys.executable), 'drs-all-in-one')
    if os.path.exists(script):
        return [script]
    return [sys.executable, '-c', 'from drs.cmd import all_in_one; '
            'all_in_one.main()']


def test_all_in_one_runs_an_operation_without_a_broker(tmp_path):
    db = tmp_path / 'drs.sqlite'
    # The side-effect flow's own table; drs's schema is created by the
    # all-in-one at start.
    engine = sa.create_engine('sqlite:///%s' % db)
    sideeffect_flow.create_table(engine)
    engine.dispose()
    port = procutils.free_port()
    config = tmp_path / 'drs.conf'
    config.write_text('\n'.join([
        '[DEFAULT]', 'log_file = %s' % (tmp_path / 'drs.log'),
        '[database]', 'connection = sqlite:///%s' % db,
        '[api]', 'auth_strategy = noauth', 'port = %d' % port,
        '[engine]', 'action_flows = protect:%s' % sideeffect_flow.FACTORY,
    ]) + '\n')
    proc = subprocess.Popen(_executable() + ['--config-file', str(config)],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL,
                            start_new_session=True)
    base = 'http://127.0.0.1:%d' % port
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _call(base, 'GET', '/')
                break
            except OSError:
                assert proc.poll() is None, (tmp_path / 'drs.log').read_text()
                assert time.monotonic() < deadline, 'API did not start'
                time.sleep(0.3)
        sites = [_call(base, 'POST', '/v1/sites', {'site': {
            'name': name, 'region_name': name,
            'auth_url': 'http://127.0.0.1:5000/v3'}})[1]['site']['id']
            for name in ('one', 'two')]
        status, body = _call(base, 'POST', '/v1/plans', {'plan': {
            'name': 'laptop', 'source_site': sites[0],
            'target_site': sites[1],
            'resources': [{'type': 'OS::Cinder::Volume',
                           'id': str(uuid.uuid4())}]}})
        assert status == 201
        plan_id = body['plan']['id']
        status, body = _call(base, 'POST', '/v1/plans/%s/actions' % plan_id,
                             {'protect': {}})
        assert status == 202
        op_id = body['operation']['id']
        deadline = time.monotonic() + 60
        while True:
            op = _call(base, 'GET', '/v1/operations/%s' % op_id)[1][
                'operation']
            if op['status'] in ('succeeded', 'failed', 'cancelled'):
                break
            assert time.monotonic() < deadline, op
            time.sleep(0.3)
        assert op['status'] == 'succeeded', op
        assert op['progress']['done'] == op['progress']['total'] == 5
        events = _call(base, 'GET', '/v1/operations/%s/events' % op_id)[1]
        assert {e['step'] for e in events['events']} == {
            'step-1', 'step-2a', 'step-2b', 'step-3', 'summary'}
        assert _call(base, 'GET', '/v1/plans/%s' % plan_id)[1]['plan'][
            'status'] == 'protected'
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
