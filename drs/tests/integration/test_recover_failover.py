"""Unplanned failover for real on the two-site test cloud.

As tenant1's member, a plan of 2 servers (tier 1 and tier 2, each booted
from a replicated volume with a replicated data volume) and a container
is protected. Bytes are written at A and replicated; then site A's
Cinder, Swift and Nova processes are stopped and the plan is failed
over. Midway through, drs-all-in-one is killed (SIGKILL) and started
again: the failover completes with no duplicate server, port or volume.
Afterwards: the bytes are in the volumes at B, the objects in B's
container, the servers ACTIVE at B with the recipe's flavor, fixed IPs,
key pair and volumes in order; the tier-2 server was created only once
the tier-1 server was ACTIVE; the report gives RTO and RPO.
Site A is restarted in a ``finally``.
"""

import datetime
import os
import signal
import time

from keystoneauth1 import exceptions as ks_exc
import pytest

from drs.tests.integration.conftest import wait_until
from drs.tests.integration import recover_helpers as rh

USER = rh.USER
FIGURES = {}


drs = rh.drs_fixture('drs-failover')
workload = rh.workload_fixture(restart_site_a=True, servers=2,
                               prefix='it-fo')


@pytest.fixture(scope='module')
def plan(drs, workload, cloud):
    plan = rh.create_plan(drs, workload, tiers=rh.tier_per_server(workload))
    try:
        yield plan
    finally:
        rh.start_site_a(cloud)
        for site in ('b', 'a'):
            rh.cleanup_failover_at_b(cloud, plan['id'], site)


def _parse(ts):
    return datetime.datetime.fromisoformat(ts.replace('Z', '+00:00'))


def test_failover_with_site_a_stopped(cloud, drs, workload, plan):
    op = drs.run(plan['id'], 'protect', timeout=300)
    assert op['status'] == 'succeeded', (op, drs.tail())
    written = rh.write_volumes(cloud, workload, 'before-cutoff')
    workload.put_object('late-object', b'written at A before the cut-off')
    rh.wait_replicated(cloud, workload, written)
    ips = {sid: workload.fixed_ip(sid) for sid in workload.servers}
    FIGURES['macs'] = {sid: workload.port(sid).mac_address
                       for sid in workload.servers}
    recipes = {r['resource_id']: r['recipe'] for r in drs.get(
        '/v1/plans/%s/recipes' % plan['id'])['recipes']}

    rh.stop_site_a(cloud)
    try:
        # Site A answers nothing now.
        with pytest.raises(ks_exc.ConnectFailure):
            cloud.cinder(USER, 'a').volumes.list()
        op = drs.action(plan['id'], 'failover', params={'cutoff': 'latest'})

        # Kill the engine once the first server volumes are imported.
        def imported():
            events = drs.get('/v1/operations/%s/events' % op['id'])['events']
            done = [e for e in events if e['step'].startswith(
                'import-volumes') and e['state'] == 'succeeded']
            return bool(done)
        wait_until('first server volumes imported', imported, 240, 0.5)
        os.killpg(drs.proc.pid, signal.SIGKILL)
        drs.proc.wait(timeout=10)
        killed_at = time.monotonic()
        drs.start()
        op = drs.wait_operation(op['id'], timeout=600)
        FIGURES['restart_to_end_s'] = round(time.monotonic() - killed_at, 1)
        assert op['status'] == 'succeeded', (op, drs.tail())
        assert drs.plan(plan['id'])['status'] == 'failed_over'

        report = drs.get('/v1/operations/%s/report' % op['id'])['report']
        FIGURES['rto_s'] = report['rto_seconds']
        FIGURES['rpo_s'] = report['rpo_seconds']
        assert report['rto_seconds'] and report['rto_seconds'] > 0
        assert report['rpo_seconds'] is not None
        active = {(s['resource'] or {}).get('id') for s in report['steps']
                  if s['step'].startswith('wait-active')
                  and s['outcome'] == 'succeeded'}
        assert active == set(workload.servers), report['steps']
        for s in report['steps']:
            assert s['started_at'] and s['ended_at'], s

        nova_b = cloud.nova(USER, 'b')
        cinder_b = cloud.cinder(USER, 'b')
        net_b = cloud.sdk(USER, 'b').network
        by_source = {}
        for s in nova_b.servers.list():
            src = (s.metadata or {}).get('drs_source')
            if (s.metadata or {}).get('drs_plan') == plan['id']:
                assert src not in by_source, 'duplicate server for %s' % src
                by_source[src] = s
        assert set(by_source) == set(workload.servers)
        volumes_b = [v for v in cinder_b.volumes.list()
                     if (v.metadata or {}).get('drs_plan') == plan['id']]
        sources = [v.metadata['drs_source'] for v in volumes_b]
        assert sorted(sources) == sorted(workload.volumes), 'duplicates?'
        assert not [v for v in cloud.cinder('drs', 'b').volumes.list()
                    if (v.metadata or {}).get('drs_plan') == plan['id']]
        imported = {v.metadata['drs_source']: v.id for v in volumes_b}
        ports = [p for p in net_b.ports()
                 if (p.name or '').startswith('drs-failover-%s' % plan['id'])]
        assert len(ports) == len(workload.servers), [p.name for p in ports]
        # The group only A had was re-created at B with its rule.
        [web] = list(net_b.security_groups(name=workload.security_group))
        assert [(r['protocol'], r['port_range_min'], r['remote_ip_prefix'])
                for r in web.security_group_rules
                if r['direction'] == 'ingress'] == [
                    ('tcp', 443, '0.0.0.0/0')]
        for p in ports:
            assert web.id in p.security_group_ids, p.name

        for sid, server in by_source.items():
            server = nova_b.servers.get(server.id)
            recipe = recipes[sid]
            assert server.status == 'ACTIVE'
            assert server.flavor['original_name'] == recipe['flavor']['name']
            assert server.key_name == workload.keypair
            addrs = [a['addr'] for net in server.addresses.values()
                     for a in net]
            assert addrs == [ips[sid]], (addrs, ips[sid])
            [port_b] = list(net_b.ports(device_id=server.id))
            assert port_b.mac_address == recipe['ports'][0]['mac_address']
            attached = [a.volumeId for a in sorted(
                nova_b.volumes.get_server_volumes(server.id),
                key=lambda a: (len(a.device or ''), a.device or ''))]
            assert attached == [imported[workload.boot[sid]],
                                imported[workload.data[sid]]]
        kp = nova_b.keypairs.get(workload.keypair)
        assert kp.public_key.strip() == workload.public_key.strip()

        rh.assert_data_at_b(cloud, workload, written, imported)

        # Tiers: the tier-2 server was created after the tier-1 server
        # was ACTIVE.
        events = drs.get('/v1/operations/%s/events' % op['id'])['events']
        t1, t2 = workload.servers
        t1_active = max(_parse(e['at']) for e in events
                        if e['step'] == 'wait-active-%s' % t1
                        and e['state'] == 'succeeded')
        t2_create = min(_parse(e['at']) for e in events
                        if e['step'] == 'create-server-%s' % t2
                        and e['state'] == 'started')
        assert t2_create >= t1_active
        created_t2 = _parse(nova_b.servers.get(by_source[t2].id).created)
        assert created_t2 >= t1_active.replace(microsecond=0)
        FIGURES['report_steps'] = len(report['steps'])
        FIGURES['recovered'] = {sid: s.id for sid, s in by_source.items()}
        FIGURES['imported'] = imported
    finally:
        rh.start_site_a(cloud)
    print('\nFAILOVER FIGURES', FIGURES)


def test_reprotect_and_failback(cloud, drs, workload, plan):
    """Site A is back: reprotect replicates B -> A, failback brings the
    servers home with what was written at B."""
    assert FIGURES.get('recovered'), 'the failover test did not run'
    op = drs.run(plan['id'], 'reprotect', timeout=600)
    assert op['status'] == 'succeeded', (op, drs.tail())
    shown = drs.plan(plan['id'])
    assert shown['status'] == 'protected' and shown['reversed']
    ids = {r['id'] for r in shown['resources']}
    assert ids == set(FIGURES['recovered'].values()) | {workload.container}
    nova_a = cloud.nova(USER, 'a')
    for sid in workload.servers:   # the stale servers at A are gone
        wait_until('old server gone', rh.gone(
            lambda sid=sid: nova_a.servers.get(sid)), 60, 1)
    # Written at B after the failover: replicated back to A.
    written = {}
    for vid in FIGURES['imported'].values():
        data = b'written at B ' + os.urandom(6).hex().encode()
        cloud.vio.write('b', vid, data, offset=7 * rh.MiB)
        written[vid] = (7 * rh.MiB, data)
    for vid, (offset, data) in written.items():
        rh.wait_replica(cloud, 'a', vid, data, offset)
    op = drs.run(plan['id'], 'failback', timeout=900)
    assert op['status'] == 'succeeded', (op, drs.tail())
    shown = drs.plan(plan['id'])
    assert shown['status'] == 'protected' and not shown['reversed']
    report = drs.get('/v1/operations/%s/report' % op['id'])['report']
    FIGURES['failback_rto_s'] = report['rto_seconds']
    cinder_a = cloud.cinder(USER, 'a')
    home = {v.metadata['drs_source']: v.id for v in cinder_a.volumes.list()
            if (v.metadata or {}).get('drs_plan') == plan['id']}
    for vid, (offset, data) in written.items():
        assert cloud.vio.read('a', home[vid], len(data),
                              offset=offset) == data
    servers_a = [s for s in nova_a.servers.list()
                 if (s.metadata or {}).get('drs_plan') == plan['id']]
    assert len(servers_a) == 2
    assert all(s.status == 'ACTIVE' for s in servers_a)
    # Home with the MAC addresses they had before the failover (the
    # stale ports at A went with the stale servers at reprotect).
    net_a = cloud.sdk(USER, 'a').network
    assert sorted(p.mac_address for s in servers_a
                  for p in net_a.ports(device_id=s.id)) == sorted(
        FIGURES['macs'].values())
    nova_b = cloud.nova(USER, 'b')
    for sid in FIGURES['recovered'].values():
        wait_until('B server removed', rh.gone(
            lambda sid=sid: nova_b.servers.get(sid)), 60, 1)
    print('\nFAILBACK FIGURES', FIGURES)
