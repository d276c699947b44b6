"""Integration tests against the two-site test cloud (tools/testcloud).

The session fixture ``cloud`` brings the cloud up if it is not up (by running
``tools/testcloud/testcloud up``) and loads its ``cloud.json``.  These tests
run only when asked for: with ``DRS_INTEGRATION=1`` in the environment or when
pytest is pointed at this directory (``pytest drs/tests/integration``), so a
plain unit test run never starts a cloud.  ``DRS_TESTCLOUD_AUTO_UP=0`` makes
them fail instead of starting the cloud.
"""
import json
import os
import subprocess
import sys
import time
import uuid

import pytest
from cinderclient import client as cinder_client
from keystoneauth1 import adapter
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from novaclient import client as nova_client
import openstack
from swiftclient import client as swift_client

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
TOOLS = os.path.join(REPO, 'tools', 'testcloud')
TESTCLOUD = os.path.join(TOOLS, 'testcloud')
UP_TIMEOUT = 900

sys.path.insert(0, TOOLS)
import volume_io  # noqa: E402  (stdlib-only helper of the test cloud)


def _requested(config):
    if os.environ.get('DRS_INTEGRATION') == '1':
        return True
    return any('integration' in str(arg) for arg in config.args)


def pytest_collection_modifyitems(config, items):
    if _requested(config):
        return
    skip = pytest.mark.skip(reason='integration tests: set DRS_INTEGRATION=1 '
                                   'or run pytest drs/tests/integration')
    for item in items:
        if str(item.fspath).startswith(HERE):
            item.add_marker(skip)


def wait_until(what, fn, timeout=60, interval=0.5):
    """Poll ``fn`` until it returns a true value; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(interval)
    pytest.fail('%s: not reached within %ss (last value %r)' % (
        what, timeout, last))


def unique(prefix):
    return '%s-%s' % (prefix, uuid.uuid4().hex[:8])


class Cloud:
    """cloud.json plus client factories for a user (key in cloud.json's
    ``users``: admin, drs, tenant1-member, ...) at a site ('a' or 'b')."""

    def __init__(self, data):
        self.data = data
        self.state_dir = data['state_dir']
        self.vio = volume_io.VolumeIO(self.state_dir)
        self._sessions = {}

    def site(self, site):
        return self.data['sites'][site]

    def region(self, site):
        return self.site(site)['region']

    def user(self, key):
        return self.data['users'][key]

    def project_id(self, name):
        return self.data['projects'][name]

    def session(self, user_key):
        if user_key not in self._sessions:
            u = self.user(user_key)
            self._sessions[user_key] = ks_session.Session(auth=v3.Password(
                auth_url=self.data['keystone']['url'], username=u['name'],
                password=u['password'], project_name=u['project'],
                user_domain_name='Default', project_domain_name='Default'))
        return self._sessions[user_key]

    def cinder(self, user_key, site, version='3.71'):
        return cinder_client.Client(version, session=self.session(user_key),
                                    region_name=self.region(site))

    def nova(self, user_key, site, version='2.96'):
        return nova_client.Client(version, session=self.session(user_key),
                                  region_name=self.region(site))

    def swift(self, user_key, site):
        return swift_client.Connection(
            session=self.session(user_key),
            os_options={'region_name': self.region(site),
                        'service_type': 'object-store'})

    def rgw(self, user_key, site):
        """A Swift connection to the ``ceph`` profile's RGW zone of
        ``site`` (not in the catalog: the Swift there stays), in the
        user's project account."""
        url = '%s/AUTH_%s' % (
            self.data['ceph']['sites'][site]['rgw']['swift_url'],
            self.user(user_key)['project_id'])
        return swift_client.Connection(
            session=self.session(user_key),
            os_options={'object_storage_url': url})

    def sdk(self, user_key, site):
        return openstack.connection.Connection(
            session=self.session(user_key), region_name=self.region(site))

    def api(self, user_key, site, service_type, **kw):
        return adapter.Adapter(self.session(user_key),
                               service_type=service_type, interface='public',
                               region_name=self.region(site), **kw)

    def testcloud(self, *args):
        return subprocess.run([TESTCLOUD] + list(args), check=True,
                              capture_output=True, text=True, timeout=120)


def _state_dir():
    return os.environ.get('DRS_TESTCLOUD_DIR') or os.path.join(REPO,
                                                               '.testcloud')


@pytest.fixture(scope='session')
def cloud():
    status = subprocess.run([TESTCLOUD, 'status'], capture_output=True,
                            text=True, timeout=120)
    cloud_json = os.path.join(_state_dir(), 'cloud.json')
    if status.returncode != 0 or not os.path.exists(cloud_json):
        if os.environ.get('DRS_TESTCLOUD_AUTO_UP') == '0':
            pytest.fail('test cloud is not up (DRS_TESTCLOUD_AUTO_UP=0):\n'
                        + status.stdout[-3000:])
        up = subprocess.run([TESTCLOUD, 'up'], capture_output=True,
                            text=True, timeout=UP_TIMEOUT)
        if up.returncode != 0:
            pytest.fail('testcloud up failed:\n%s\n%s' % (
                up.stdout[-4000:], up.stderr[-4000:]))
    with open(cloud_json) as f:
        return Cloud(json.load(f))


@pytest.fixture(scope='module')
def ceph(cloud):
    """cloud.json's ``ceph`` (the ceph profile's clusters, RGW zones);
    skips unless the cloud runs the profile."""
    if 'ceph' not in cloud.data:
        if os.environ.get('DRS_TEST_REQUIRE_CEPH'):
            pytest.fail('DRS_TEST_REQUIRE_CEPH is set but the test cloud '
                        'does not run the ceph profile')
        pytest.skip('the test cloud does not run the ceph profile '
                    '(testcloud up --profile ceph)')
    return cloud.data['ceph']
