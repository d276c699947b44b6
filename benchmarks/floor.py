"""The direct-API floor of the failover benchmark (issue 14).

The same manages and boots a failover makes, issued by a minimal
parallel script straight to site B's Cinder and Nova, on a second
workload of the same shape that no plan holds: every replica managed at
once (into drs's project, as drs must: Cinder's manage is an admin call
and lands in the caller's project), transferred to the tenant and
accepted, then per tier every server booted at once from its volumes and
waited to ACTIVE. Waits share one listing per poll, as drs's do.

What it leaves out, so that it is a floor and not a second drs: no
recipe, no fixed IP (Nova makes each port), no key pair or security
group of the tenant's (drs copies them once per plan), no record, no
idempotency on resume, no report. Its requests are the calls this
script makes, counted where it makes them (Nova's own calls to Neutron
and Cinder are Nova's, as they are for drs).
"""

import collections
import concurrent.futures
import threading
import time

from drs.tests.integration import recover_helpers as rh

POLL = 0.5          # drs's [recovery] poll_interval in the benchmark
TIMEOUT = 600       # any one wait


class Counter:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = collections.Counter()

    def __call__(self, service, fn, *args, **kwargs):
        with self.lock:
            self.counts[service] += 1
        return fn(*args, **kwargs)


class SharedPoll:
    """One listing per poll for every waiter, never one older than the
    wait it answers."""

    def __init__(self, count, service, lister):
        self.count, self.service, self.lister = count, service, lister
        self.lock = threading.Lock()
        self.at = 0.0
        self.views = {}

    def _get(self, key, not_before):
        with self.lock:
            if self.at < not_before or time.monotonic() - self.at >= POLL:
                self.views = {o.id: o for o in self.count(self.service,
                                                          self.lister)}
                self.at = time.monotonic()
            return self.views.get(key)

    def wait(self, key, statuses, what):
        started = time.monotonic()
        while time.monotonic() - started < TIMEOUT:
            obj = self._get(key, started)
            status = getattr(obj, 'status', None)
            if status in statuses:
                return obj
            if status and status.lower().startswith('error'):
                raise RuntimeError('floor: %s %s went to %s'
                                   % (what, key, status))
            time.sleep(POLL)
        raise RuntimeError('floor: %s %s not %s after %ds'
                           % (what, key, '/'.join(statuses), TIMEOUT))


def run(cloud, workload, tiers, volume_type):
    """Recover ``workload`` (site A stopped) at B the direct way.

    ``tiers``: server id -> tier; ``volume_type``: the type drs's own
    failover imported with. Returns (makespan s, requests per service).
    """
    count = Counter()
    admin = cloud.cinder('drs', 'b')
    cinder = cloud.cinder(rh.USER, 'b')
    nova = cloud.nova(rh.USER, 'b')
    site = cloud.site('b')
    net = site['networks']['tenant1']['network_id']
    flavor = site['nova']['flavors']['m1.tiny']
    boot = set(workload.boot.values())
    started = time.monotonic()

    # The replicas on offer, once.
    refs = {}
    for pool in count('cinder', admin.pools.list, detailed=False):
        for m in count('cinder', admin.volumes.list_manageable, pool.name,
                       detailed=True):
            name = (m.reference or {}).get('source-name', '')
            refs[name] = (pool.name, m.reference)
    volumes_poll = SharedPoll(count, 'cinder',
                              lambda: admin.volumes.list(detailed=True))

    def import_volume(vid):
        host, ref = refs['replica-%s' % vid]
        vol = count('cinder', admin.volumes.manage, host, ref,
                    name='floor-%s' % vid, volume_type=volume_type,
                    bootable=vid in boot, metadata={'bench_floor': '1'})
        volumes_poll.wait(vol.id, ('available',), 'volume')
        transfer = count('cinder', admin.transfers.create, vol.id,
                         name='floor-%s' % vid)
        count('cinder', cinder.transfers.accept, transfer.id,
              transfer.auth_key)
        return vid, vol.id

    servers_poll = SharedPoll(count, 'nova', lambda: nova.servers.list(
        detailed=True, search_opts={'name': '^floor-'}))

    def boot_server(sid, imported):
        server = count('nova', nova.servers.create, 'floor-%s' % sid,
                       image=None, flavor=flavor, meta={'bench_floor': '1'},
                       nics=[{'net-id': net}],
                       block_device_mapping_v2=[
                           {'boot_index': 0, 'uuid':
                            imported[workload.boot[sid]],
                            'source_type': 'volume',
                            'destination_type': 'volume',
                            'delete_on_termination': False},
                           {'boot_index': -1, 'uuid':
                            imported[workload.data[sid]],
                            'source_type': 'volume',
                            'destination_type': 'volume',
                            'delete_on_termination': False}])
        servers_poll.wait(server.id, ('ACTIVE',), 'server')

    width = min(max(len(workload.volumes), 1), 200)
    phases = {}
    with concurrent.futures.ThreadPoolExecutor(width) as pool:
        imported = dict(pool.map(import_volume, workload.volumes))
        phases['imports'] = time.monotonic() - started
        by_tier = collections.defaultdict(list)
        for sid in workload.servers:
            by_tier[tiers[sid]].append(sid)
        for tier in sorted(by_tier):
            t0 = time.monotonic()
            list(pool.map(lambda sid: boot_server(sid, imported),
                          by_tier[tier]))
            phases['tier %d' % tier] = time.monotonic() - t0
    makespan = time.monotonic() - started
    print('direct-API floor: %.1f s (%s)' % (makespan, ', '.join(
        '%s %.1f s' % kv for kv in phases.items())))
    return makespan, count.counts


def cleanup(cloud):
    """What :func:`run` made at B: its servers, then its volumes (in
    the tenant's project, or drs's where an import stopped short)."""
    nova = cloud.nova(rh.USER, 'b')
    mine = [s for s in nova.servers.list()
            if (s.metadata or {}).get('bench_floor') == '1']
    for s in mine:
        nova.servers.delete(s.id)
    for s in mine:
        rh.wait_until('floor server deleted', rh.gone(
            lambda sid=s.id: nova.servers.get(sid)), 180, 1)
    for client in (cloud.cinder(rh.USER, 'b'), cloud.cinder('drs', 'b')):
        for v in client.volumes.list():
            if (v.metadata or {}).get('bench_floor') == '1':
                rh.wait_volume(client, v.id, 'available')
                client.volumes.delete(v.id)
