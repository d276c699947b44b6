"""The API reference's samples of a real protection and failover.

A plan of one server (booted from a replicated volume, with a data
volume) and a container is protected on the two-site test cloud and
failed over; the plan as it is then, its recipes, and the failover's
operation, events and report are the samples in
``api_samples.CLOUD_SAMPLES`` (written with ``DRS_WRITE_API_SAMPLES=1``,
otherwise checked for shape and against the OpenAPI schema, like the
functional test's).
"""


from drs.tests import api_samples
from drs.tests.integration.conftest import wait_until
from drs.tests.integration import recover_helpers as rh


drs = rh.drs_fixture('drs-samples')
workload = rh.workload_fixture(servers=1, objects=2, prefix='app')


def test_cloud_samples(cloud, drs, workload):
    plan = rh.create_plan(drs, workload)
    try:
        r = api_samples.Recorder(drs.url, cloud.session, wait=600)
        plan_path = '/v1/plans/' + plan['id']
        actions = plan_path + '/actions'
        op = r.call(None, 'POST', actions, user=rh.USER, status=202,
                    body={'protect': {}})['operation']
        r.wait(op['id'], user=rh.USER)
        written = rh.write_volumes(cloud, workload, 'sample')
        rh.wait_replicated(cloud, workload, written)

        def in_sync():
            op = r.call(None, 'POST', actions, user=rh.USER, status=202,
                        body={'sync': {}})['operation']
            r.wait(op['id'], user=rh.USER)
            shown = drs.plan(plan['id'])
            return all(res['replication']['state'] == 'in_sync'
                       for res in shown['resources'])
        wait_until('plan in sync', in_sync, 90, 3)
        r.call('plan-show', 'GET', plan_path, user=rh.USER,
               template='/v1/plans/{plan_id}')
        r.call('plan-recipes', 'GET', plan_path + '/recipes', user=rh.USER,
               template='/v1/plans/{plan_id}/recipes')

        op = r.call(None, 'POST', actions, user=rh.USER, status=202,
                    body={'failover': {'cutoff': 'latest'}})['operation']
        r.wait(op['id'], user=rh.USER)
        op_path = '/v1/operations/' + op['id']
        r.call('operation-show', 'GET', op_path, user=rh.USER,
               template='/v1/operations/{operation_id}')
        r.call('operation-events', 'GET', op_path + '/events', user=rh.USER,
               template='/v1/operations/{operation_id}/events')
        report = r.call('operation-report', 'GET', op_path + '/report',
                        user=rh.USER,
                        template='/v1/operations/{operation_id}/report')
        assert report['report']['rto_seconds'] > 0
        assert sorted(r.recorded) == sorted(api_samples.CLOUD_SAMPLES)
        r.assert_clean()
    finally:
        rh.cleanup_failover_at_b(cloud, plan['id'])
