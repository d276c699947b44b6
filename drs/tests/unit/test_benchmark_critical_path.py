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
        # The sample is one server in tier 1 and a container: cut-off,
        # the slower of the server's import-volumes and the container's
        # activation, the server's ports + create-server + wait-active,
        # finish (its import-volume sub-steps run inside import-volumes).
        took = {}
        for s in report['steps']:
            base = s['step'].split('-')
            name = '-'.join(base[:2]) if base[0] in (
                'import', 'activate', 'create', 'wait') else base[0]
            took.setdefault(name, []).append(s['duration_seconds'] or 0)
        expected = (took['cutoff'][0]
                    + max(took['import-volumes'] + took['activate-container'])
                    + took['ports'][0] + took['create-server'][0]
                    + took['wait-active'][0] + took['finish'][0])
        path = bench.critical_path(report, {})
        self.assertAlmostEqual(expected, path)
        self.assertLessEqual(path, report['duration_seconds'])

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
