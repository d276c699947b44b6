"""The shell environment README's CLI examples run in, for real.

``eval "$(tools/testcloud/testcloud env)"`` then ``openstack --os-cloud
<cloud> ...`` must act as the named cloud's user, even in a shell that
sourced an openrc before, and ``OS_DR_ENDPOINT_OVERRIDE`` must reach drs
with a cloud named. The test cloud's state directory is stood in for by
one whose clouds.yaml points at the test Keystone.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest
import yaml

from drs.tests.functional.cli import conftest as cli_conftest
from drs.tests import local_keystone
from drs.tests import procutils

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..',
                                    '..', '..'))
TESTCLOUD = os.path.join(REPO, 'tools', 'testcloud', 'testcloud')


def _cloud(keystone, user, password, project, region):
    return {'auth': {'auth_url': keystone.url, 'username': user,
                     'password': password, 'project_name': project,
                     'user_domain_name': 'Default',
                     'project_domain_name': 'Default'},
            'identity_api_version': 3, 'interface': 'public',
            'region_name': region, 'regions': [region]}


@pytest.fixture(scope='module')
def state_dir(keystone, tmp_path_factory):
    """A testcloud state directory: cloud.json and clouds.yaml."""
    root = tmp_path_factory.mktemp('testcloud-state')
    alice_project = local_keystone.USERS['alice'][0]
    clouds = {'clouds': {
        'testcloud-a-admin': _cloud(keystone, 'admin',
                                    local_keystone.ADMIN_PASSWORD, 'admin',
                                    'RegionOne'),
        'testcloud-a-alice': _cloud(keystone, 'alice',
                                    local_keystone.USER_PASSWORD,
                                    alice_project, 'RegionOne'),
        # No drs endpoint in RegionTwo's catalog.
        'testcloud-b-alice': _cloud(keystone, 'alice',
                                    local_keystone.USER_PASSWORD,
                                    alice_project, 'RegionTwo'),
    }}
    (root / 'clouds.yaml').write_text(yaml.safe_dump(clouds))
    (root / 'cloud.json').write_text(json.dumps({
        'keystone': {'url': keystone.url},
        'users': {'admin': {'name': 'admin',
                            'password': local_keystone.ADMIN_PASSWORD,
                            'project': 'admin'}},
        'sites': {'a': {'region': 'RegionOne'},
                  'b': {'region': 'RegionTwo'}}}))
    return str(root)


def _shell(state_dir, script, extra_env=None):
    """``script`` in bash after ``eval "$(testcloud env)"``, in a shell
    that sourced the admin's openrc before (as users' shells have)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith('OS_')}
    env.update({
        'DRS_TESTCLOUD_DIR': state_dir, 'HOME': state_dir,
        'PATH': os.path.dirname(procutils.venv_bin('openstack')) + ':'
        + env.get('PATH', '/usr/bin:/bin'),
        # an openrc sourced earlier in the same shell
        'OS_AUTH_URL': 'http://127.0.0.1:9/v3', 'OS_USERNAME': 'admin',
        'OS_PASSWORD': local_keystone.ADMIN_PASSWORD,
        'OS_PROJECT_NAME': 'admin', 'OS_REGION_NAME': 'RegionOne',
        'OS_USER_DOMAIN_NAME': 'Default',
        'OS_PROJECT_DOMAIN_NAME': 'Default',
    })
    env.update(extra_env or {})
    result = subprocess.run(
        ['bash', '-c', 'set -e; eval "$(%s env)"; %s' % (TESTCLOUD, script)],
        env=env, capture_output=True, text=True, timeout=120,
        stdin=subprocess.DEVNULL)
    cli_conftest.record(script, result.stdout + '\n' + result.stderr)
    return result


def test_env_exports_only_the_clouds_yaml_and_its_cloud(state_dir):
    out = subprocess.run([TESTCLOUD, 'env'], capture_output=True,
                         text=True, timeout=30, check=True,
                         env=dict(os.environ, DRS_TESTCLOUD_DIR=state_dir))
    exported = {line.split()[1].split('=')[0]
                for line in out.stdout.splitlines()
                if line.startswith('export ')}
    assert exported == {'OS_CLIENT_CONFIG_FILE', 'OS_CLOUD',
                        'DRS_TESTCLOUD_DIR', 'DRS_TESTCLOUD_JSON'}
    assert 'OS_PASSWORD' in out.stdout.splitlines()[0]  # unset
    assert local_keystone.ADMIN_PASSWORD not in out.stdout
    # Asked for: the admin's openrc variables.
    out = subprocess.run([TESTCLOUD, 'env', '--openrc'],
                         capture_output=True, text=True, timeout=30,
                         check=True,
                         env=dict(os.environ, DRS_TESTCLOUD_DIR=state_dir))
    assert "export OS_USERNAME='admin'" in out.stdout
    assert 'unset OS_CLOUD' in out.stdout


def test_os_cloud_acts_as_the_named_cloud(keystone, state_dir):
    alice_project = keystone.project_ids[local_keystone.USERS['alice'][0]]
    result = _shell(state_dir, 'openstack --os-cloud testcloud-a-alice '
                    'token issue -f value -c project_id; '
                    'openstack token issue -f value -c project_id')
    assert result.returncode == 0, result
    alice, default = result.stdout.split()
    assert alice == alice_project
    assert default == keystone.project_ids['admin']
    # README's example: a cloud of the other region.
    result = _shell(state_dir, 'openstack --os-cloud testcloud-b-alice '
                    'token issue -f value -c user_id')
    assert result.returncode == 0, result
    assert 'not a valid region name' not in result.stderr


def test_endpoint_override_with_a_cloud_named(cli, cli_sites, state_dir):
    # RegionTwo's catalog has no drs: the error names an option that
    # exists.
    result = _shell(state_dir, 'openstack --os-cloud testcloud-b-alice dr '
                    'site list -f json')
    assert result.returncode == 1, result
    assert '--os-dr-endpoint-override' in result.stderr, result
    assert 'Traceback' not in result.stderr
    # The variable, and the option, reach drs with OS_CLOUD set.
    result = _shell(state_dir, 'openstack --os-cloud testcloud-b-alice dr '
                    'site list -f json',
                    {'OS_DR_ENDPOINT_OVERRIDE': cli.server.url})
    assert result.returncode == 0, result
    assert 'cli-site-a' in {s['Name'] for s in json.loads(result.stdout)}
    result = _shell(state_dir, 'openstack --os-cloud testcloud-b-alice '
                    '--os-dr-endpoint-override %s dr site list -f value '
                    '-c Name' % cli.server.url)
    assert result.returncode == 0, result
    assert 'cli-site-a' in result.stdout.split()
