"""A failover that fails half way names the step and resource, and a
retry continues from where it stopped: nothing is duplicated.

B's instance quota leaves room for the tier-1 server only: the failover
fails creating the tier-2 server (plan ``failover_error``, error naming
the server and the step). With the quota restored, ``failover`` again
adopts the imported volumes, ports and the tier-1 server and creates
only what is missing.
"""

import pytest

from drs.tests.integration import recover_helpers as rh

USER = rh.USER


drs = rh.drs_fixture('drs-retry')
workload = rh.workload_fixture(servers=2, objects=1, prefix='it-retry')


@pytest.fixture(scope='module')
def plan(drs, workload, cloud):
    plan = rh.create_plan(drs, workload, tiers=rh.tier_per_server(workload))
    try:
        yield plan
    finally:
        rh.cleanup_failover_at_b(cloud, plan['id'])


def test_failed_failover_then_retry(cloud, drs, workload, plan):
    op = drs.run(plan['id'], 'protect', timeout=300)
    assert op['status'] == 'succeeded', (op, drs.tail())
    written = rh.write_volumes(cloud, workload, 'retry')
    rh.wait_replicated(cloud, workload, written)
    t1, t2 = workload.servers

    with rh.room_for_one_more(cloud):
        op = drs.run(plan['id'], 'failover', timeout=600)
    assert op['status'] == 'failed', op
    assert op['error']['step'] == 'create-server-%s' % t2
    assert op['error']['resource'] == {'type': 'OS::Nova::Server', 'id': t2}
    assert 'Quota exceeded' in op['error']['detail']
    assert drs.plan(plan['id'])['status'] == 'failover_error'

    def made():
        nova = cloud.nova(USER, 'b')
        cinder = cloud.cinder(USER, 'b')
        net = cloud.sdk(USER, 'b').network
        return (
            sorted((s.metadata['drs_source'], s.id)
                   for s in nova.servers.list()
                   if (s.metadata or {}).get('drs_plan') == plan['id']),
            sorted((v.metadata['drs_source'], v.id)
                   for v in cinder.volumes.list()
                   if (v.metadata or {}).get('drs_plan') == plan['id']),
            sorted((p.name, p.id) for p in net.ports()
                   if plan['id'] in (p.name or '')))
    servers, volumes, ports = made()
    assert [s for s, _ in servers] == [t1]
    assert len(volumes) == 4

    op = drs.run(plan['id'], 'failover', timeout=600)
    assert op['status'] == 'succeeded', (op, drs.tail())
    assert drs.plan(plan['id'])['status'] == 'failed_over'
    servers2, volumes2, ports2 = made()
    # The first run's server, volumes and ports were adopted, not re-made.
    assert set(servers) <= set(servers2) and len(servers2) == 2
    assert volumes2 == volumes
    assert set(ports) <= set(ports2) and len(ports2) == 2
    imported = dict(volumes2)
    for vid, (offset, data) in written.items():
        assert cloud.vio.read('b', imported[vid], len(data),
                              offset=offset) == data
