"""What a sync must notice and what a revoked trust must stop (issue 13).

As tenant1's member, for real: a protected volume retyped back to the
non-replicated ``standard`` type and a protected container whose sync
settings someone removed leave the plan ``degraded`` at the next sync,
with a finding on each resource, not ``protected``. And once a plan's
Keystone trust is deleted, the engine's next action fails at once with a
clear error that carries no secret, instead of acting on a cached token.
"""

import sqlite3
import time

import pytest
from swiftclient import exceptions as swift_exc

from drs.tests.integration.conftest import unique, wait_until
from drs.tests.integration import recover_helpers as rh

USER = rh.USER
TRUST_TTL = 2


@pytest.fixture(scope='module')
def drs(cloud, tmp_path_factory):
    with rh.running_drs(
            cloud, tmp_path_factory, 'drs-guards',
            extra_conf='\n[engine]\ntrust_session_ttl = %d\n' % TRUST_TTL
    ) as service:
        yield service


@pytest.fixture
def volume(cloud):
    cinder = cloud.cinder(USER, 'a')
    vol = cinder.volumes.create(1, name=unique('it-guard'),
                                volume_type='replicated')
    try:
        rh.wait_volume(cinder, vol.id, 'available')
        yield vol.id
    finally:
        rh.wait_volume(cinder, vol.id, 'available')
        cinder.volumes.delete(vol.id)
        wait_until('volume deleted', rh.gone(
            lambda: cinder.volumes.get(vol.id)), 120, 1)


@pytest.fixture
def container(cloud):
    name = unique('it-guard')
    cloud.swift(USER, 'a').put_container(name)
    try:
        yield name
    finally:
        for site in ('a', 'b'):
            try:
                cloud.swift(USER, site).delete_container(name)
            except swift_exc.ClientException as e:
                assert e.http_status == 404


def _create(drs, resources, rpo=3600):
    return drs.post('/v1/plans', {'plan': {
        'name': unique('it-guard-plan'), 'source_site': drs.sites['a']['id'],
        'target_site': drs.sites['b']['id'], 'rpo_seconds': rpo,
        'resources': resources}}, expect=201).json()['plan']


def _report(drs, op):
    return drs.get('/v1/operations/%s/report' % op['id'])['report']


def _delete(drs, plan_id):
    if drs.plan(plan_id)['status'] in ('protected', 'degraded'):
        drs.run(plan_id, 'unprotect', timeout=300)
    drs.request('DELETE', '/v1/plans/%s' % plan_id, USER, expect=204)


def test_sync_degrades_when_replication_was_removed_underneath(
        cloud, drs, volume, container):
    plan = _create(drs, [{'type': 'OS::Cinder::Volume', 'id': volume},
                         {'type': 'OS::Swift::Container', 'id': container}])
    try:
        op = drs.run(plan['id'], 'protect', timeout=300)
        assert op['status'] == 'succeeded', (op, drs.tail())
        op = drs.run(plan['id'], 'sync', timeout=120)
        assert op['status'] == 'succeeded', (op, drs.tail())
        assert _report(drs, op)['findings'] == []
        assert drs.plan(plan['id'])['status'] == 'protected'

        # Someone with the project's rights undoes the replication.
        cinder = cloud.cinder(USER, 'a')
        cinder.volumes.retype(volume, 'standard', 'on-demand')
        wait_until('volume retyped', lambda: (
            lambda v: v.status == 'available'
            and v.volume_type == 'standard')(cinder.volumes.get(volume)),
            120, 1)
        cloud.swift(USER, 'a').post_container(container, headers={
            'X-Remove-Container-Sync-To': 'x',
            'X-Remove-Container-Sync-Key': 'x'})

        op = drs.run(plan['id'], 'sync', timeout=120)
        assert op['status'] == 'succeeded', (op, drs.tail())
        findings = {f['resource']['id']: f['detail']
                    for f in _report(drs, op)['findings']}
        assert set(findings) == {volume, container}
        assert {f['code'] for f in _report(drs, op)['findings']} == {
            'replication_removed'}
        assert 'standard' in findings[volume]
        assert 'X-Container-Sync-To' in findings[container]
        shown = drs.plan(plan['id'])
        assert shown['status'] == 'degraded'
        for res in shown['resources']:
            assert res['replication']['state'] == 'error'
            assert res['replication']['replica']['finding'] == \
                findings[res['id']]
    finally:
        _delete(drs, plan['id'])


def _trust_id(drs, plan_id):
    with sqlite3.connect('%s/drs.sqlite' % drs.dir) as db:
        [(trust_id,)] = db.execute('SELECT trust_id FROM plans WHERE id = ?',
                                   (plan_id,)).fetchall()
    return trust_id


def test_a_deleted_trust_stops_the_next_action_at_once(cloud, drs, volume):
    plan = _create(drs, [{'type': 'OS::Cinder::Volume', 'id': volume}])
    try:
        op = drs.run(plan['id'], 'protect', timeout=300)
        assert op['status'] == 'succeeded', (op, drs.tail())
        trust_id = _trust_id(drs, plan['id'])
        assert trust_id
        # The trustor deletes the trust: drs may not act for it any more.
        keystone = cloud.data['keystone']['url']
        resp = cloud.session(USER).delete(
            '%s/OS-TRUST/trusts/%s' % (keystone, trust_id),
            raise_exc=False)
        assert resp.status_code == 204, resp.text
        time.sleep(TRUST_TTL + 1)

        op = drs.run(plan['id'], 'sync', timeout=60)
        assert op['status'] == 'failed', op
        assert op['_duration'] < 30, op
        detail = op['error']['detail']
        assert 'trust is no longer valid' in detail
        assert trust_id not in detail
        shown = drs.request('GET', '/v1/operations/%s' % op['id'],
                            USER).text
        assert trust_id not in shown
        # A sync never changes the plan's state.
        assert drs.plan(plan['id'])['status'] == 'protected'
    finally:
        # Unprotect cannot act either; the plan is then deletable.
        op = drs.run(plan['id'], 'unprotect', timeout=120)
        drs.request('DELETE', '/v1/plans/%s' % plan['id'], USER,
                    expect=204)
