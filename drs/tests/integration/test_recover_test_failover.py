"""Test failover and its cleanup, and planned migration, for real.

As tenant1's member, a plan of 2 servers and a container is protected.

* A test failover brings copies of the servers up at B on an isolated
  network drs creates (same CIDR, a router with no external gateway),
  from copies of the replicas: site A (servers, volumes, their bytes)
  and the plan's replication are untouched (bytes written at A after
  the test still reach the replicas at B), the plan stays ``protected``
  with ``test_active``; ``cleanup_test`` leaves B as it was (counts of
  servers, volumes, ports, networks, subnets, routers, key pairs, pool
  copies before/after).
* A test failover made to fail half way (B's instance quota leaves no
  room for a server, so Nova's API refuses every create: the failure is
  at a create step whatever the timing) fails naming the step and
  resource; cleanup leaves nothing behind.
* Planned migration stops the source servers (SHUTOFF, not deleted) and
  loses no byte written before the stop.
"""

import pytest

from drs.tests.integration import recover_helpers as rh

USER = rh.USER
FIGURES = {}


drs = rh.drs_fixture('drs-test')
workload = rh.workload_fixture(servers=2, prefix='it-tf')


@pytest.fixture(scope='module')
def plan(drs, workload, cloud):
    plan = rh.create_plan(drs, workload)
    try:
        op = drs.run(plan['id'], 'protect', timeout=300)
        assert op['status'] == 'succeeded', (op, drs.tail())
        yield plan
    finally:
        shown = drs.plan(plan['id'])
        if shown.get('test_active'):
            drs.run(plan['id'], 'cleanup_test', timeout=300)
        rh.cleanup_failover_at_b(cloud, plan['id'])


@pytest.fixture(autouse=True)
def plan_restored(drs, plan):
    """After each test, the shared plan as the next one expects it: no
    operation running, no test failover active. One red test cannot then
    fail the next ones (a plan left test_active refuses every action)."""
    yield
    shown = drs.plan(plan['id'])
    if shown.get('current_operation'):
        drs.wait_operation(shown['current_operation'], timeout=600)
        shown = drs.plan(plan['id'])
    if shown.get('test_active'):
        op = drs.run(plan['id'], 'cleanup_test', timeout=600)
        assert op['status'] == 'succeeded', (
            'restoring the plan after the test: cleanup_test', op,
            drs.tail())


def _a_state(cloud, workload):
    nova = cloud.nova(USER, 'a')
    cinder = cloud.cinder(USER, 'a')
    return {
        'servers': sorted((s.id, s.status) for s in nova.servers.list()
                          if s.id in workload.servers),
        'volumes': sorted((v.id, v.status, v.volume_type)
                          for v in cinder.volumes.list()
                          if v.id in workload.volumes),
        'bytes': {vid: cloud.vio.read('a', vid, 64, offset=4 * rh.MiB)
                  for vid in workload.volumes},
    }


def test_test_failover_and_cleanup(cloud, drs, workload, plan):
    written = rh.write_volumes(cloud, workload, 'before-test')
    rh.wait_replicated(cloud, workload, written)
    before_b = rh.counts(cloud, 'b')
    before_a = _a_state(cloud, workload)
    ips = {sid: workload.fixed_ip(sid) for sid in workload.servers}
    macs = {sid: workload.port(sid).mac_address for sid in workload.servers}

    op = drs.run(plan['id'], 'test_failover', timeout=600)
    assert op['status'] == 'succeeded', (op, drs.tail())
    shown = drs.plan(plan['id'])
    assert shown['status'] == 'protected' and shown['test_active']
    report = drs.get('/v1/operations/%s/report' % op['id'])['report']
    FIGURES['test_rto_s'] = report['rto_seconds']
    FIGURES['test_rpo_s'] = report['rpo_seconds']

    nova_b = cloud.nova(USER, 'b')
    net_b = cloud.sdk(USER, 'b').network
    tests = [s for s in nova_b.servers.list()
             if (s.metadata or {}).get('drs_kind') == 'test'
             and s.metadata.get('drs_plan') == plan['id']]
    assert sorted(s.metadata['drs_source'] for s in tests) == sorted(
        workload.servers)
    prod_net = cloud.site('b')['networks']['tenant1']['network_id']
    for s in tests:
        assert s.status == 'ACTIVE'
        assert s.name.startswith('drs-test-')
        # B lacks the key pair: the test made its own, with the same key.
        assert s.key_name == 'drs-test-%s-%s' % (plan['id'],
                                                 workload.keypair)
        ports = list(net_b.ports(device_id=s.id))
        assert len(ports) == 1 and ports[0].network_id != prod_net
        # The group B lacks is the test's own copy (gone after cleanup).
        names = {net_b.get_security_group(g).name
                 for g in ports[0].security_group_ids}
        assert 'drs-test-%s-' % plan['id'] in ' '.join(names), names
        assert workload.security_group not in names
        assert ports[0].fixed_ips[0]['ip_address'] == \
            ips[s.metadata['drs_source']]
        assert ports[0].mac_address == macs[s.metadata['drs_source']]
        net = net_b.get_network(ports[0].network_id)
        assert net.name.startswith('drs-test-%s' % plan['id'])
        routers = list(net_b.routers(name=net.name))
        assert len(routers) == 1
        assert not routers[0].external_gateway_info
        # The test server booted from a copy holding the replicated bytes.
        vols = nova_b.volumes.get_server_volumes(s.id)
        src = s.metadata['drs_source']
        by_src = {}
        for a in vols:
            v = cloud.cinder(USER, 'b').volumes.get(a.volumeId)
            by_src[v.metadata['drs_source']] = v.id
        for vid in (workload.boot[src], workload.data[src]):
            offset, data = written[vid]
            assert cloud.vio.read('b', by_src[vid], len(data),
                                  offset=offset) == data

    # Production untouched; replication continues during the test.
    assert _a_state(cloud, workload) == before_a
    later = rh.write_volumes(cloud, workload, 'during-test',
                             offset=5 * rh.MiB)
    rh.wait_replicated(cloud, workload, later)

    op = drs.run(plan['id'], 'cleanup_test', timeout=600)
    assert op['status'] == 'succeeded', (op, drs.tail())
    shown = drs.plan(plan['id'])
    assert shown['status'] == 'protected' and not shown['test_active']
    assert rh.counts(cloud, 'b') == before_b


def test_failed_test_failover_is_cleaned_up(cloud, drs, workload, plan):
    before_b = rh.counts(cloud, 'b')
    with rh.quota_room(cloud, 0):
        op = drs.run(plan['id'], 'test_failover', timeout=600)
    assert op['status'] == 'failed', op
    assert op['error']['resource']['type'] == 'OS::Nova::Server'
    assert op['error']['resource']['id'] in workload.servers
    assert op['error']['step'].startswith('create-test-server'), op['error']
    assert 'quota' in op['error']['detail'].lower(), op['error']
    FIGURES['failed_test_error'] = op['error']['detail'][:120]
    shown = drs.plan(plan['id'])
    assert shown['status'] == 'protected' and shown['test_active']
    # Half way: something was made at B.
    assert rh.counts(cloud, 'b') != before_b
    op = drs.run(plan['id'], 'cleanup_test', timeout=600)
    assert op['status'] == 'succeeded', (op, drs.tail())
    assert not drs.plan(plan['id'])['test_active']
    assert rh.counts(cloud, 'b') == before_b


def test_planned_migration(cloud, drs, workload, plan):
    written = rh.write_volumes(cloud, workload, 'before-stop',
                               offset=6 * rh.MiB)
    op = drs.run(plan['id'], 'planned_migration', timeout=900)
    assert op['status'] == 'succeeded', (op, drs.tail())
    assert drs.plan(plan['id'])['status'] == 'failed_over'
    report = drs.get('/v1/operations/%s/report' % op['id'])['report']
    FIGURES['planned_rto_s'] = report['rto_seconds']
    FIGURES['planned_rpo_s'] = report['rpo_seconds']
    nova_a = cloud.nova(USER, 'a')
    for sid in workload.servers:
        assert nova_a.servers.get(sid).status == 'SHUTOFF'
    cinder_b = cloud.cinder(USER, 'b')
    imported = {v.metadata['drs_source']: v.id
                for v in cinder_b.volumes.list()
                if (v.metadata or {}).get('drs_plan') == plan['id']
                and v.metadata.get('drs_kind') == 'failover'}
    assert sorted(imported) == sorted(workload.volumes)
    rh.assert_data_at_b(cloud, workload, written, imported)
    nova_b = cloud.nova(USER, 'b')
    active = [s for s in nova_b.servers.list()
              if (s.metadata or {}).get('drs_plan') == plan['id']
              and s.metadata.get('drs_kind') == 'failover']
    assert len(active) == 2 and all(s.status == 'ACTIVE' for s in active)
    print('\nTEST-FAILOVER FIGURES', FIGURES)
