"""The browser test's fixtures: the running test cloud, a drs-all-in-one,
a small workload at site A, Horizon with the plugin (tools/dashboard.sh)
and headless Chromium.

Runs only when asked for (``DRS_E2E=1``, as tools/test.sh's dashboard
stage does), from the dashboard's virtualenv; drs-all-in-one comes from
drs's (``DRS_VENV``, default .venv).
"""

import json
import os
import shutil
import subprocess
import tempfile
import time

import pytest

from drs.tests import procutils

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
DASHBOARD_SH = os.path.join(REPO, 'tools', 'dashboard.sh')


def pytest_collection_modifyitems(config, items):
    if os.environ.get('DRS_E2E') == '1':
        return
    skip = pytest.mark.skip(reason='browser test: set DRS_E2E=1')
    for item in items:
        # The hook sees the whole session: mark only this folder's tests.
        if str(item.fspath).startswith(HERE + os.sep):
            item.add_marker(skip)


@pytest.fixture(scope='session')
def artifacts():
    path = os.environ.get('DRS_E2E_ARTIFACTS') or tempfile.mkdtemp(
        prefix='drs-e2e-')
    os.makedirs(path, exist_ok=True)
    print('\nscreenshots of the browser test: %s' % path)
    return path


@pytest.fixture(scope='session')
def cloud():
    from drs.tests.integration.conftest import Cloud
    state = os.environ.get('DRS_TESTCLOUD_DIR') or os.path.join(
        REPO, '.testcloud')
    path = os.path.join(state, 'cloud.json')
    if not os.path.exists(path):
        pytest.fail('no test cloud at %s' % state)
    with open(path) as f:
        return Cloud(json.load(f))


@pytest.fixture(scope='session')
def drs(cloud, tmp_path_factory, monkeypatch_session):
    from drs.tests.integration import recover_helpers as rh
    venv = os.environ.get('DRS_VENV') or os.path.join(REPO, '.venv')
    monkeypatch_session.setattr(
        procutils, 'venv_bin', lambda name: os.path.join(venv, 'bin', name))
    service = rh.start_drs(cloud, tmp_path_factory.mktemp('drs'))
    try:
        yield service
    finally:
        rh.stop_drs(service)


@pytest.fixture(scope='session')
def monkeypatch_session():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


@pytest.fixture(scope='session')
def workload(cloud):
    from drs.tests.integration import recover_helpers as rh
    made = rh.Workload(cloud, servers=1, objects=2, prefix='e2e')
    try:
        yield made.create()
    finally:
        made.delete()


@pytest.fixture(scope='session')
def dashboard(drs, tmp_path_factory):
    """Horizon on a free port, talking to the test's drs."""
    state = str(tmp_path_factory.mktemp('dashboard'))
    env = dict(os.environ, DRS_URL=drs.url, DRS_DASHBOARD_DIR=state,
               DRS_DASHBOARD_PORT=str(procutils.free_port()))
    subprocess.run([DASHBOARD_SH, 'start'], check=True, env=env,
                   timeout=600)
    try:
        with open(os.path.join(state, 'url')) as f:
            url = f.read().strip()
        yield url
    finally:
        subprocess.run([DASHBOARD_SH, 'stop'], env=env, timeout=120)
        log = os.path.join(state, 'horizon.log')
        if os.path.exists(log):
            shutil.copy(log, os.path.join(
                os.environ.get('DRS_E2E_ARTIFACTS') or state,
                'horizon.log'))


@pytest.fixture
def browser(artifacts):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    profile = tempfile.mkdtemp(prefix='drs-e2e-chromium-')
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get('DRS_E2E_CHROMIUM',
                                             '/usr/bin/chromium')
    for flag in ('--headless', '--no-sandbox', '--disable-gpu',
                 '--disable-dev-shm-usage',
                 '--disable-background-networking',
                 '--disable-component-update', '--disable-sync',
                 '--no-first-run', '--window-size=1400,1000',
                 '--user-data-dir=%s' % profile):
        options.add_argument(flag)
    options.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    service = Service(os.environ.get('DRS_E2E_CHROMEDRIVER',
                                     '/usr/bin/chromedriver'))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(90)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_for(what, fn, timeout=60, interval=0.5):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = fn()
        except Exception as e:  # noqa: BLE001 - retried until the deadline
            last = e
        else:
            if last:
                return last
        time.sleep(interval)
    raise AssertionError('%s: not within %ss (last %r)' % (what, timeout,
                                                          last))
