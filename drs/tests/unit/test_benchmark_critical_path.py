"""The failover benchmark's critical path, from a real report's steps."""

import json
import os

import testtools

from benchmarks import bench

SAMPLE = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'api-ref',
                      'source', 'samples', 'operation-report-resp.json')


def _step(step, rid, seconds, rtype='OS::Nova::Server'):
    return {'step': '%s-%s' % (step, rid) if rid else step,
            'resource': {'type': rtype, 'id': rid} if rid else None,
            'duration_seconds': seconds}


class TestCriticalPath(testtools.TestCase):

    def test_recorded_failover_report(self):
        with open(SAMPLE) as f:
            report = json.load(f)['report']
        # cutoff 0.234 + import-volumes 4.677 + ports 1.21 + create 0.659
        # + wait-active 2.514 + finish 0.017 (the container's 0.038 runs
        # beside the import, the import-volume sub-steps inside it).
        self.assertAlmostEqual(9.311, bench.critical_path(report, {}))

    def test_tiers_add_up_and_parallel_work_does_not(self):
        steps = [_step('cutoff', None, 1.0),
                 _step('import-volumes', 's1', 5.0),
                 _step('import-volumes', 's2', 3.0),
                 _step('activate-container', 'c', 4.0,
                       'OS::Swift::Container'),
                 # tier 1: s1's chain 2+1, s2's chain 1+3 -> 4; waits 6, 2
                 _step('ports', 's1', 2.0), _step('create-server', 's1', 1.0),
                 _step('ports', 's2', 1.0), _step('create-server', 's2', 3.0),
                 _step('wait-active', 's1', 6.0),
                 _step('wait-active', 's2', 2.0),
                 # tier 2: one server
                 _step('ports', 's3', 0.5), _step('create-server', 's3', 0.5),
                 _step('wait-active', 's3', 3.0),
                 _step('finish', None, 0.5)]
        tiers = {'s1': 1, 's2': 1, 's3': 2}
        self.assertAlmostEqual(1 + 5 + (4 + 6) + (1 + 3) + 0.5,
                               bench.critical_path({'steps': steps}, tiers))
