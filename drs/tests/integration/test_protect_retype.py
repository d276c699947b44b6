"""Protect retypes a volume into the plan's mapped replicated type, and
unprotect gives it its type back, for real.

As tenant1's member, a volume of the non-replicated ``standard`` type
holds bytes at A; the plan maps ``standard`` to ``replicated``. Protect
retypes it in place (Cinder's retype, the test driver starts copying it
to B): the bytes reach B and the plan records where the type came from.
Unprotect retypes it back to ``standard``: replication stops, the bytes
stay at A and the replica already at B is kept.
"""

import os
import time

from drs.tests.integration.conftest import unique, wait_until
from drs.tests.integration import recover_helpers as rh

USER = rh.USER


def test_protect_retypes_and_unprotect_restores(cloud, tmp_path_factory):
    cinder = cloud.cinder(USER, 'a')
    vol = cinder.volumes.create(1, name=unique('it-retype'),
                                volume_type='standard')
    try:
        rh.wait_volume(cinder, vol.id, 'available')
        data = b'retyped ' + os.urandom(8).hex().encode()
        cloud.vio.write('a', vol.id, data, offset=2 * rh.MiB)
        assert cloud.vio.replica_info('b', vol.id) is None

        with rh.running_drs(cloud, tmp_path_factory, 'drs-retype') as drs:
            plan = drs.post('/v1/plans', {'plan': {
                'name': unique('it-retype-plan'),
                'source_site': drs.sites['a']['id'],
                'target_site': drs.sites['b']['id'], 'rpo_seconds': 120,
                'resources': [{'type': 'OS::Cinder::Volume', 'id': vol.id}],
                'mappings': {'volume_types': {'standard': 'replicated'}}}},
                expect=201).json()['plan']
            try:
                op = drs.run(plan['id'], 'protect', timeout=300)
                assert op['status'] == 'succeeded', (op, drs.tail())
                now = cinder.volumes.get(vol.id)
                assert now.volume_type == 'replicated'
                assert now.replication_status == 'enabled'
                rh.wait_replica(cloud, 'b', vol.id, data, offset=2 * rh.MiB)


                def in_sync():
                    drs.run(plan['id'], 'sync', timeout=120)
                    [res] = drs.plan(plan['id'])['resources']
                    return res['replication']['state'] == 'in_sync'
                wait_until('volume in sync', in_sync, 60, 3)

                op = drs.run(plan['id'], 'unprotect', timeout=300)
                assert op['status'] == 'succeeded', (op, drs.tail())
                now = cinder.volumes.get(vol.id)
                assert (now.volume_type, now.status) == ('standard',
                                                         'available')
                assert now.replication_status == 'disabled'
                assert cloud.vio.read('a', vol.id, len(data),
                                      offset=2 * rh.MiB) == data
                # Replication stopped: a later write stays at A; the
                # replica at B keeps what it had.
                cloud.vio.write('a', vol.id, b'after unprotect',
                                offset=3 * rh.MiB)
                time.sleep(12)  # two passes of the test driver's loop
                assert cloud.vio.read('b', None, len(data),
                                      offset=2 * rh.MiB,
                                      replica_of=vol.id) == data
                assert cloud.vio.read('b', None, 15, offset=3 * rh.MiB,
                                      replica_of=vol.id) != \
                    b'after unprotect'
            finally:
                drs.request('DELETE', '/v1/plans/%s' % plan['id'], USER,
                            expect=204)
    finally:
        rh.wait_volume(cinder, vol.id, 'available')
        cinder.volumes.delete(vol.id)
        wait_until('volume deleted', rh.gone(
            lambda: cinder.volumes.get(vol.id)), 120, 1)
