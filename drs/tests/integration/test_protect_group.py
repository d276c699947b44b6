"""Tiramisu group replication: a plan asking ``volume_replication:
group`` puts its volumes in a replication-enabled group (the test
cloud's ``replicated-group`` type), the bytes reach B, and unprotect
disables the group's replication without deleting anything."""

import os
import time

import pytest

from drs.tests.integration.conftest import unique, wait_until
from drs.tests.integration import drs_service
from drs.tests.integration import recover_helpers as helpers

USER = 'tenant1-member'
MiB = 1024 * 1024


@pytest.fixture(scope='module')
def drs(cloud, tmp_path_factory):
    service = drs_service.Drs(cloud, tmp_path_factory.mktemp('drs-group'),
                              sync_interval=0)
    service.start()
    sites = {}
    try:
        for key in ('a', 'b'):
            sites[key] = service.post('/v1/sites', {'site': {
                'name': unique('it-gsite-%s' % key),
                'region_name': cloud.region(key),
                'auth_url': cloud.data['keystone']['url']}},
                user='admin', expect=201).json()['site']
        service.sites = sites
        yield service
    finally:
        for site in sites.values():
            service.request('DELETE', '/v1/sites/%s' % site['id'], 'admin')
        service.stop()


def test_group_replication(cloud, drs):
    cinder = cloud.cinder(USER, 'a')
    # Cinder replicates a group only with replication-enabled types; the
    # volume is created so (test_protect_retype covers the retype).
    vol = cinder.volumes.create(1, name=unique('it-group-vol'),
                                volume_type='replicated')
    plan = None
    try:
        helpers.wait_volume(cinder, vol.id, 'available')
        plan = drs.post('/v1/plans', {'plan': {
            'name': unique('it-group-plan'),
            'source_site': drs.sites['a']['id'],
            'target_site': drs.sites['b']['id'], 'rpo_seconds': 60,
            'resources': [{'type': 'OS::Cinder::Volume', 'id': vol.id}],
            'options': {'volume_replication': 'group'}}},
            expect=201).json()['plan']
        op = drs.run(plan['id'], 'protect', timeout=300)
        assert op['status'] == 'succeeded', (op, drs.tail())
        v = cinder.volumes.get(vol.id)
        assert v.group_id and v.volume_type == 'replicated'
        group = cinder.groups.get(v.group_id)
        assert group.replication_status == 'enabled'
        data = b'group ' + os.urandom(8).hex().encode()
        cloud.vio.write('a', vol.id, data, offset=MiB)
        interval = cloud.data['replication']['interval_s']
        helpers.wait_replica(cloud, 'b', vol.id, data, offset=MiB,
                             timeout=8 * interval + 20)
        op = drs.run(plan['id'], 'sync', timeout=120)
        assert op['status'] == 'succeeded', op
        shown = drs.plan(plan['id'])
        assert shown['rpo_seconds_achieved'] < 60
        op = drs.run(plan['id'], 'unprotect', timeout=300)
        assert op['status'] == 'succeeded', op
        assert cinder.groups.get(v.group_id).replication_status in (
            'disabled', 'disabling')
        assert cloud.vio.read('a', vol.id, len(data), offset=MiB) == data
        assert cinder.volumes.get(vol.id).volume_type == 'replicated'
    finally:
        if plan is not None:
            drs.request('DELETE', '/v1/plans/%s' % plan['id'], USER)
        v = cinder.volumes.get(vol.id)
        if v.group_id:
            group_id = v.group_id
            wait_until('group disabled', lambda: cinder.groups.get(
                group_id).replication_status in ('disabled', None), 60, 1)
            cinder.groups.update(group_id, remove_volumes=vol.id)
            wait_until('volume out of the group', lambda: not getattr(
                cinder.volumes.get(vol.id), 'group_id', None), 60, 1)
            cinder.groups.delete(group_id)
        helpers.wait_volume(cinder, vol.id, 'available')
        cinder.volumes.delete(vol.id)
        wait_until('volume deleted', helpers.gone(
            lambda: cinder.volumes.get(vol.id)), 120, 1)
        time.sleep(0)
