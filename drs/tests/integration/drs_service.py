"""drs itself for the integration tests: drs-all-in-one as a subprocess.

API and engine in one process, SQLite in a temporary directory, the test
cloud's Keystone for auth_token and for drs's own credentials (the drs
user of cloud.json), the replication sweep every few seconds, and
notifications written to the log (the tests read them there).
"""

import os
import subprocess
import time

import requests

from drs.tests.integration.conftest import unique
from drs.tests import procutils

TESTCLOUD_DRIVERS = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))), 'tools', 'testcloud', 'drivers')


CONFIG = """[DEFAULT]
host = {host}
debug = true
log_file = {log}
transport_url = fake://

[oslo_messaging_notifications]
driver = log

[api]
host_ip = 127.0.0.1
port = {port}
auth_strategy = keystone

[database]
connection = sqlite:///{dir}/drs.sqlite

[engine]
periodic_interval = 5

[protection]
sync_interval = {sync_interval}

[drivers]
wait_timeout = 120
object_storage = {object_storage}

{replication}

[keystone_authtoken]
www_authenticate_uri = {auth_url}
auth_url = {auth_url}
auth_type = password
username = {user}
password = {password}
project_name = {project}
user_domain_name = Default
project_domain_name = Default
interface = public

[service_auth]
auth_url = {auth_url}
auth_type = password
username = {user}
password = {password}
project_name = {project}
user_domain_name = Default
project_domain_name = Default
"""


FILE_POOL_REPLICATION = """[replication]
default_backend = drs_file_pool:FilePoolBackend

[file_pool_replication]
pool_dirs = {pools}
"""

RGW_SITE = """
[rgw:{region}]
ceph_conf = {ceph_conf}
keyring = {keyring}
client_id = {client_id}
zone = {zone}
"""

RBD_SITE = """
[rbd_replication:{region}]
ceph_conf = {ceph_conf}
keyring = {keyring}
client_id = {client_id}
pool = {pool}
cinder_host = {cinder_host}
"""


STORAGES = ('file_pool', 'rbd', 'ceph')


def replication_config(cloud, storage='file_pool'):
    """The storage part of drs.conf for the cloud's storage.

    ``file_pool``: the test cloud's file-pool backend (the default
    profile); ``rbd``: drs's RBD mirroring backend on the ceph profile's
    two clusters, one ``[rbd_replication:<region>]`` section per site
    from cloud.json's ``ceph`` key; ``ceph``: that, and the ``rgw``
    object-storage driver on the profile's two RGW zones (one
    ``[rgw:<region>]`` section per site; the sites then need
    :func:`site_overrides`).
    """
    if storage == 'file_pool':
        return FILE_POOL_REPLICATION.format(pools=','.join(
            '%s:%s' % (cloud.region(s), cloud.site(s)['cinder']['pool_dir'])
            for s in ('a', 'b')))
    if storage not in STORAGES:
        raise ValueError('unknown storage %r' % storage)
    ceph = cloud.data['ceph']['sites']
    regions = [cloud.region(s) for s in ('a', 'b')]
    out = '[replication]\nbackends = %s\n' % ','.join(
        '%s:rbd' % r for r in regions)
    for key, region in zip(('a', 'b'), regions, strict=True):
        out += RBD_SITE.format(region=region, **{
            k: ceph[key][k] for k in ('ceph_conf', 'keyring', 'client_id',
                                      'pool', 'cinder_host')})
        if storage == 'ceph':
            out += RGW_SITE.format(
                region=region, zone=ceph[key]['rgw']['zone'], **{
                    k: ceph[key][k] for k in ('ceph_conf', 'keyring',
                                              'client_id')})
    return out


def site_overrides(cloud, storage, site):
    """The ``endpoint_overrides`` of drs's site ``site`` for ``storage``:
    on ``ceph``, the site's RGW zone as its object store (the catalog's
    ``object-store`` is the base cloud's Swift), the tenant's account
    named as a catalog template does."""
    if storage != 'ceph':
        return {}
    return {'object-store': cloud.data['ceph']['sites'][site]['rgw'][
        'swift_url'] + '/AUTH_%(project_id)s'}


class Drs:
    """A running drs-all-in-one and a small REST client for it."""

    def __init__(self, cloud, directory, sync_interval=5,
                 storage='file_pool'):
        self.cloud = cloud
        self.dir = str(directory)
        self.port = procutils.free_port()
        self.url = 'http://127.0.0.1:%d' % self.port
        self.log = os.path.join(self.dir, 'drs.log')
        self.conf = os.path.join(self.dir, 'drs.conf')
        user = cloud.user('drs')
        with open(self.conf, 'w') as f:
            f.write(CONFIG.format(
                host=unique('drs-it'), log=self.log, port=self.port,
                dir=self.dir, sync_interval=sync_interval,
                auth_url=cloud.data['keystone']['url'], user=user['name'],
                password=user['password'], project=user['project'],
                replication=replication_config(cloud, storage),
                object_storage='rgw' if storage == 'ceph' else 'swift'))
        self.proc = None

    def start(self, timeout=60):
        # The test cloud's replication backend is not part of drs: it is
        # loaded by class path from the test cloud's drivers.
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            p for p in (TESTCLOUD_DRIVERS, os.environ.get('PYTHONPATH'))
            if p))
        self.proc = subprocess.Popen(
            [procutils.venv_bin('drs-all-in-one'), '--config-file',
             self.conf], stdout=subprocess.DEVNULL, env=env,
            stderr=open(os.path.join(self.dir, 'stderr.log'), 'w'),
            start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError('drs-all-in-one exited %s: %s' % (
                    self.proc.returncode, self.tail()))
            try:
                if requests.get(self.url + '/', timeout=2).ok:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.5)
        raise RuntimeError('drs-all-in-one did not answer within %ss'
                           % timeout)

    def stop(self):
        procutils.stop_group(self.proc)

    def tail(self, n=80):
        for name in (self.log, os.path.join(self.dir, 'stderr.log')):
            if os.path.exists(name):
                with open(name) as f:
                    lines = f.readlines()[-n:]
                if lines:
                    return ''.join(lines)
        return ''

    def log_text(self):
        with open(self.log) as f:
            return f.read()

    # ------------------------------------------------------------ REST

    def request(self, method, path, user, body=None, expect=None):
        token = self.cloud.session(user).get_token()
        resp = requests.request(
            method, self.url + path, json=body, timeout=30,
            headers={'X-Auth-Token': token,
                     'OpenStack-API-Version': 'dr latest'})
        if expect is not None:
            assert resp.status_code == expect, (method, path,
                                                resp.status_code, resp.text)
        return resp

    def get(self, path, user='tenant1-member', **kw):
        return self.request('GET', path, user, **kw).json()

    def post(self, path, body, user='tenant1-member', expect=None):
        return self.request('POST', path, user, body=body, expect=expect)

    def action(self, plan_id, action, user='tenant1-member', params=None):
        resp = self.post('/v1/plans/%s/actions' % plan_id,
                         {action: params or {}}, user=user, expect=202)
        return resp.json()['operation']

    def wait_operation(self, op_id, timeout=300, user='tenant1-member'):
        deadline = time.monotonic() + timeout
        op = None
        while time.monotonic() < deadline:
            op = self.get('/v1/operations/%s' % op_id, user=user)
            op = op.get('operation', op)
            if op['status'] in ('succeeded', 'failed', 'cancelled'):
                return op
            time.sleep(1)
        raise AssertionError('operation %s not finished within %ss: %r\n%s'
                             % (op_id, timeout, op, self.tail()))

    def run(self, plan_id, action, timeout=300, **kw):
        started = time.monotonic()
        op = self.action(plan_id, action, **kw)
        op = self.wait_operation(op['id'], timeout)
        op['_duration'] = time.monotonic() - started
        return op

    def plan(self, plan_id, user='tenant1-member'):
        return self.get('/v1/plans/%s' % plan_id, user=user)['plan']
