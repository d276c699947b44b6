"""The drs demo's scenario, run by tools/demo.sh from drs's venv.

Against the two-site test cloud (cloud.json) and a running
drs-all-in-one (DRS_URL): a tenant's workload at site A, protected,
preflight, a test failover and its cleanup, then an unplanned failover
with site A's Cinder, Swift and Nova stopped, the operation report and
what was checked at site B. Site A's services are restarted and the
workload removed at the end, whatever happened.

    python tools/demo_recover.py CLOUD_JSON DRS_URL TESTCLOUD [STORAGE]

STORAGE ``file`` (default): the test cloud's Cinder file pools and Swift
container sync; ``ceph`` (the ``ceph`` profile): volumes of the Cinder RBD
backend mirrored by rbd-mirror, the container a bucket of RGW zone site-a
replicated by multisite, and the disaster also freezes site A's Ceph
daemons (cluster, rbd-mirror, RGW).
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time

from cinderclient import client as cinder_client
from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session
from novaclient import client as nova_client
import openstack
import requests
from swiftclient import client as swift_client

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, 'testcloud'))
import volume_io  # noqa: E402

USER = 'tenant1-member'
#: What freezing site A's Ceph means (SIGSTOP keeps a memstore OSD's data).
CEPH_DAEMONS = ('ceph-mon', 'ceph-osd', 'ceph-mgr', 'rbd-mirror', 'radosgw')
MiB = 1024 * 1024
T0 = time.monotonic()


def say(text):
    print('\033[1m==> %s\033[0m' % text, flush=True)


def info(text):
    print('    %s' % text, flush=True)


class Demo:
    def __init__(self, cloud_json, drs_url, testcloud, storage='file'):
        with open(cloud_json) as f:
            self.cloud = json.load(f)
        self.drs = drs_url.rstrip('/')
        self.testcloud = testcloud
        self.sessions = {}
        self.ceph = self.cloud['ceph'] if storage == 'ceph' else None
        if storage == 'ceph' and 'ceph' not in self.cloud:
            raise SystemExit('the test cloud does not run the ceph profile')
        if self.ceph:
            self.vio = volume_io.RbdVolumeIO(self.ceph['sites'])
            self.volume_type = self.ceph['volume_type']
        else:
            self.vio = volume_io.VolumeIO(self.cloud['state_dir'])
            self.volume_type = 'replicated'
        self.frozen = []
        self.made = {'servers': [], 'volumes': [], 'boot': {}, 'data': {},
                     'names': {}}
        self.container = 'demo-invoices'
        self.objects = {}
        self.plan = None
        self.stopped = False
        self.checks = []

    # ---------------------------------------------------------- clients

    def session(self, user):
        if user not in self.sessions:
            u = self.cloud['users'][user]
            self.sessions[user] = ks_session.Session(auth=v3.Password(
                auth_url=self.cloud['keystone']['url'], username=u['name'],
                password=u['password'], project_name=u['project'],
                user_domain_name='Default', project_domain_name='Default'))
        return self.sessions[user]

    def region(self, site):
        return self.cloud['sites'][site]['region']

    def nova(self, site, user=USER):
        return nova_client.Client('2.96', session=self.session(user),
                                  region_name=self.region(site))

    def cinder(self, site, user=USER):
        return cinder_client.Client('3.71', session=self.session(user),
                                    region_name=self.region(site))

    def swift(self, site):
        if self.ceph:     # the site's RGW zone, not the catalog's Swift
            return swift_client.Connection(
                session=self.session(USER), os_options={
                    'object_storage_url': '%s/AUTH_%s' % (
                        self.ceph['sites'][site]['rgw']['swift_url'],
                        self.cloud['users'][USER]['project_id'])})
        return swift_client.Connection(
            session=self.session(USER), os_options={
                'region_name': self.region(site),
                'service_type': 'object-store'})

    def network(self, site):
        return openstack.connection.Connection(
            session=self.session(USER), region_name=self.region(site)).network

    def api(self, method, path, user=USER, body=None, expect=None):
        resp = requests.request(
            method, self.drs + path, json=body, timeout=60,
            headers={'X-Auth-Token': self.session(user).get_token(),
                     'OpenStack-API-Version': 'dr latest'})
        if expect and resp.status_code != expect:
            raise RuntimeError('%s %s: HTTP %s %s' % (
                method, path, resp.status_code, resp.text[:500]))
        return resp.json() if resp.text else {}

    # ------------------------------------------------------------ waits

    def wait(self, what, fn, timeout, interval=1.0):
        start = time.monotonic()
        deadline = start + timeout
        last = start
        while True:
            value = fn()
            if value:
                if time.monotonic() - start > 2:
                    info('%s: done in %.0fs' % (what,
                                                time.monotonic() - start))
                return value
            if time.monotonic() > deadline:
                raise RuntimeError('%s: not within %ss' % (what, timeout))
            if time.monotonic() - last > 5:
                info('%s ... waiting, %.0fs' % (what,
                                                time.monotonic() - start))
                last = time.monotonic()
            time.sleep(interval)

    def wait_volume(self, cinder, vid, status):
        def check():
            v = cinder.volumes.get(vid)
            if v.status.startswith('error'):
                raise RuntimeError('volume %s is %s' % (vid, v.status))
            return v.status == status
        self.wait('volume %s %s' % (vid[:8], status), check, 180)

    def run(self, action, params=None, timeout=900):
        op = self.api('POST', '/v1/plans/%s/actions' % self.plan['id'],
                      body={action: params or {}}, expect=202)['operation']
        info('operation %s (%s) accepted' % (op['id'], action))
        started = time.monotonic()
        shown = None
        deadline = started + timeout
        while time.monotonic() < deadline:
            op = self.api('GET', '/v1/operations/%s' % op['id'])['operation']
            prog = op['progress']
            line = '[%s/%s] %s' % (prog['done'], prog['total'],
                                    prog['current'] or op['status'])
            for sid, sname in self.made['names'].items():
                line = line.replace(sid, sname)
            if line != shown:
                info('%6.1fs %s' % (time.monotonic() - started, line))
                shown = line
            if op['status'] in ('succeeded', 'failed', 'cancelled'):
                info('%s %s in %.1fs' % (action, op['status'],
                                         time.monotonic() - started))
                if op['status'] != 'succeeded':
                    raise RuntimeError('%s %s: %s' % (action, op['status'],
                                                      op['error']))
                return op
            time.sleep(1)
        raise RuntimeError('%s did not end within %ss' % (action, timeout))

    def check(self, ok, text):
        self.checks.append((bool(ok), text))
        info('%s %s' % ('OK  ' if ok else 'FAIL', text))
        if not ok:
            raise RuntimeError('check failed: %s' % text)

    # ---------------------------------------------------------- scenario

    def register_sites(self):
        say('admin registers the two sites of the test cloud in drs')
        self.sites = {}
        for key in ('a', 'b'):
            name = 'site-%s' % key
            existing = [s for s in self.api('GET', '/v1/sites',
                                            'admin')['sites']
                        if s['name'] == name]
            self.sites[key] = existing[0] if existing else self.api(
                'POST', '/v1/sites', 'admin', body={'site': {
                    'name': name, 'region_name': self.region(key),
                    'auth_url': self.cloud['keystone']['url'],
                    'interface': 'public',
                    # on ceph: the site's RGW zone as its object store
                    'endpoint_overrides': {'object-store': '%s/AUTH_%%(proj'
                                           'ect_id)s' % self.ceph['sites'][
                                               key]['rgw']['swift_url']}
                    if self.ceph else {}}}, expect=201)['site']
            info('%s = %s (%s)' % (name, self.sites[key]['id'],
                                   self.region(key)))

    def create_workload(self):
        say('tenant1-member creates a workload at site A: 2 servers booted '
            'from replicated volumes, each with a data volume, and a '
            'container with objects (%s)' % (
                'Cinder RBD volumes of type %s, a bucket of RGW zone site-a'
                % self.volume_type if self.ceph else
                'the file pools, Swift'))
        nova, cinder = self.nova('a'), self.cinder('a')
        site = self.cloud['sites']['a']
        self.keypair = 'demo-key'
        with contextlib.suppress(Exception):
            nova.keypairs.delete(self.keypair)
        from cryptography.hazmat.primitives.asymmetric import ed25519
        from cryptography.hazmat.primitives import serialization
        pub = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
            serialization.Encoding.OpenSSH,
            serialization.PublicFormat.OpenSSH).decode()
        nova.keypairs.create(self.keypair, public_key=pub)
        pairs = []
        for name in ('db', 'web'):
            # Cinder's RBD driver needs qemu-img for a volume from an
            # image: on ceph the boot volume is blank, marked bootable.
            image = {} if self.ceph else {'imageRef': site['image']['id']}
            boot = cinder.volumes.create(1, name='demo-%s-boot' % name,
                                         volume_type=self.volume_type,
                                         **image)
            data = cinder.volumes.create(1, name='demo-%s-data' % name,
                                         volume_type=self.volume_type)
            self.made['volumes'] += [boot.id, data.id]
            pairs.append((name, boot.id, data.id))
        for name, boot, data in pairs:
            self.wait_volume(cinder, boot, 'available')
            self.wait_volume(cinder, data, 'available')
            if self.ceph:
                cinder.volumes.set_bootable(boot, True)
            server = nova.servers.create(
                'demo-%s' % name, image=None,
                flavor=site['nova']['flavors']['m1.tiny'],
                key_name=self.keypair, meta={'role': name},
                nics=[{'net-id': site['networks']['tenant1']['network_id']}],
                block_device_mapping_v2=[{
                    'boot_index': 0, 'uuid': boot,
                    'source_type': 'volume', 'destination_type': 'volume',
                    'delete_on_termination': False}])
            self.made['servers'].append(server.id)
            self.made['boot'][server.id] = boot
            self.made['data'][server.id] = data
            self.made['names'][server.id] = 'demo-%s' % name
        for sid in self.made['servers']:
            self.wait('server ACTIVE', lambda sid=sid: nova.servers.get(
                sid).status == 'ACTIVE', 180)
            nova.volumes.create_server_volume(sid, self.made['data'][sid])
            self.wait_volume(cinder, self.made['data'][sid], 'in-use')
        net = self.network('a')
        self.ips = {}
        for sid in self.made['servers']:
            port = next(iter(net.ports(device_id=sid)))
            self.ips[sid] = port.fixed_ips[0]['ip_address']
            info('%s %s ACTIVE at A, IP %s, boot %s, data %s' % (
                self.made['names'][sid], sid, self.ips[sid],
                self.made['boot'][sid][:8], self.made['data'][sid][:8]))
        swift = self.swift('a')
        swift.put_container(self.container)
        for i in range(5):
            self.put_object('invoice-%d.txt' % i)
        info('container %s with %d objects' % (self.container,
                                               len(self.objects)))

    def put_object(self, name):
        data = ('%s written at site A at %s\n' % (name, time.ctime())
                ).encode()
        self.swift('a').put_object(self.container, name, contents=data)
        self.objects[name] = data

    def write_bytes(self, tag):
        """Guest I/O stand-in: bytes into every volume at A."""
        self.written = {}
        for vid in self.made['volumes']:
            data = ('%s %s %s' % (tag, vid[:8], os.urandom(6).hex())).encode()
            self.vio.write('a', vid, data, offset=8 * MiB)
            self.written[vid] = data

    def wait_replicated(self):
        def volumes():
            return all(self.vio.read('b', None, len(d), offset=8 * MiB,
                                     replica_of=v) == d
                       for v, d in self.written.items())
        self.wait('volume bytes replicated to B', volumes, 120)
        swift_b = self.swift('b')

        def objects():
            try:
                names = {o['name'] for o in
                         swift_b.get_container(self.container)[1]}
            except Exception:
                return False
            return set(self.objects) <= names
        self.wait('objects synced to B', objects, 120)

    def protect(self):
        say('tenant1-member creates a protection plan (db in tier 1, web in '
            'tier 2, the container) and protects it')
        a_net = self.cloud['sites']['a']['networks']['tenant1']
        b_net = self.cloud['sites']['b']['networks']['tenant1']
        db, web = self.made['servers']
        self.plan = self.api('POST', '/v1/plans', body={'plan': {
            'name': 'demo-billing', 'source_site': self.sites['a']['id'],
            'target_site': self.sites['b']['id'], 'rpo_seconds': 120,
            'resources': [
                {'type': 'OS::Nova::Server', 'id': db, 'tier': 1},
                {'type': 'OS::Nova::Server', 'id': web, 'tier': 2},
                {'type': 'OS::Swift::Container', 'id': self.container}],
            'mappings': {
                'networks': {a_net['network_id']: b_net['network_id']},
                'subnets': {a_net['subnet_id']: b_net['subnet_id']},
                'flavors': {'m1.tiny': 'm1.tiny'},
                'availability_zones': {'nova': 'nova'},
                'volume_types': {self.volume_type: self.volume_type}}}},
            expect=201)['plan']
        info('plan %s' % self.plan['id'])
        self.run('protect')
        self.write_bytes('before-test')
        say('guest writes at A are replicated to B (%s)' % (
            'RBD journal mirroring, RGW multisite' if self.ceph else
            'Cinder replication every 5 s, Swift container sync'))
        self.wait_replicated()
        plan = self.api('GET', '/v1/plans/%s' % self.plan['id'])['plan']
        info('plan %s, status %s' % (plan['name'], plan['status']))

    def preflight(self):
        say('preflight: what a failover would trip on at B (touches nothing)')
        op = self.run('preflight')
        report = self.api('GET', '/v1/operations/%s/report' % op['id'])[
            'report']
        findings = report.get('findings') or []
        if not findings:
            info('no findings: B has everything a failover needs')
        for f in findings:
            info('%-7s %s' % (f['severity'], f['detail']))

    def counts_b(self):
        nova, cinder, net = self.nova('b'), self.cinder('b'), \
            self.network('b')
        return {'servers': len(nova.servers.list()),
                'volumes': len(cinder.volumes.list()),
                'ports': len(list(net.ports())),
                'networks': len([n for n in net.networks()
                                 if n.name.startswith('drs-test')]),
                'routers': len(list(net.routers()))}

    def a_state(self):
        nova, cinder = self.nova('a'), self.cinder('a')
        return ([(sid, nova.servers.get(sid).status)
                 for sid in self.made['servers']],
                [(vid, cinder.volumes.get(vid).status)
                 for vid in self.made['volumes']],
                [self.vio.read('a', vid, 64, offset=8 * MiB)
                 for vid in self.made['volumes']])

    def test_failover(self):
        say('test failover: copies of the replicas, servers at B on an '
            'isolated network; production and replication untouched')
        before = self.counts_b()
        a_before = self.a_state()
        op = self.run('test_failover')
        report = self.api('GET', '/v1/operations/%s/report' % op['id'])[
            'report']
        net = self.network('b')
        for s in self.nova('b').servers.list():
            if (s.metadata or {}).get('drs_kind') == 'test':
                port = next(iter(net.ports(device_id=s.id)))
                info('%s %s at B on %s, IP %s' % (
                    s.name, s.status, net.get_network(port.network_id).name,
                    port.fixed_ips[0]['ip_address']))
        info('test RTO %.1fs, RPO %.1fs' % (report['rto_seconds'] or 0,
                                            report['rpo_seconds'] or 0))
        self.check(self.a_state() == a_before,
                   'site A untouched by the test (servers, volumes, bytes)')
        plan = self.api('GET', '/v1/plans/%s' % self.plan['id'])['plan']
        self.check(plan['status'] in ('protected', 'degraded')
                   and plan['test_active'],
                   'plan still %s, test_active' % plan['status'])
        say('cleanup_test removes everything the test made at B')
        self.run('cleanup_test')
        after = self.counts_b()
        self.check(after == before, 'B as before the test: %s' % after)

    def failover(self):
        self.write_bytes('before-cutoff')
        self.put_object('last-invoice.txt')
        say('last writes at A before the disaster; waiting until they are '
            'at B (the cut-off)')
        self.wait_replicated()
        say('DISASTER: site A\'s Cinder, Swift and Nova processes are '
            'stopped')
        t = time.monotonic()
        subprocess.run([self.testcloud, 'stop', 'cinder-*-a', 'swift-*-a',
                        'nova-*-a'], check=True, capture_output=True,
                       timeout=120)
        self.stopped = True
        if self.ceph:
            self.freeze_ceph_a()
        info('stopped in %.1fs' % (time.monotonic() - t))
        try:
            self.cinder('a').volumes.list()
            self.check(False, 'site A Cinder should not answer')
        except Exception as e:
            info('site A Cinder answers: %s' % type(e).__name__)
        say('unplanned failover to B (nothing at A is contacted)')
        op = self.run('failover', {'cutoff': 'latest'})
        self.report(op)
        self.verify(op)

    def report(self, op):
        report = self.api('GET', '/v1/operations/%s/report' % op['id'])[
            'report']
        say('operation report of the failover')
        info('%-44s %-9s %8s' % ('step', 'outcome', 'seconds'))
        for s in report['steps']:
            if s['step'].startswith(('import-volume', 'copy-volume',
                                     'created-')) and s['resource'] and \
                    s['resource']['type'] != 'OS::Nova::Server':
                name = '  %s %s' % (s['step'], s['resource']['id'][:8])
            else:
                name = s['step']
                for sid, sname in self.made['names'].items():
                    name = name.replace(sid, sname)
                name = name[:44]
            info('%-44s %-9s %8s' % (name, s['outcome'],
                                     s['duration_seconds']))
        info('RTO (request to last server ACTIVE): %.1fs'
             % report['rto_seconds'])
        info('RPO (age of the newest replicated data at the cut-off): '
             '%.1fs' % report['rpo_seconds'])
        self.figures = {'rto': report['rto_seconds'],
                        'rpo': report['rpo_seconds']}

    def verify(self, op):
        say('what the demo checked at B')
        plan = self.api('GET', '/v1/plans/%s' % self.plan['id'])['plan']
        self.check(plan['status'] == 'failed_over', 'plan is failed_over')
        nova, cinder = self.nova('b'), self.cinder('b')
        imported = {v.metadata['drs_source']: v.id
                    for v in cinder.volumes.list()
                    if (v.metadata or {}).get('drs_plan') ==
                    self.plan['id']}
        for sid in self.made['servers']:
            found = [s for s in nova.servers.list()
                     if (s.metadata or {}).get('drs_source') == sid
                     and s.metadata.get('drs_kind') == 'failover']
            self.check(len(found) == 1, '%s re-created once at B' %
                       self.made['names'][sid])
            s = found[0]
            ip = [a['addr'] for n in s.addresses.values() for a in n]
            self.check(s.status == 'ACTIVE' and ip == [self.ips[sid]],
                       '%s ACTIVE at B with its recorded IP %s' % (
                           s.name, self.ips[sid]))
            vols = [a.volumeId for a in sorted(
                nova.volumes.get_server_volumes(s.id),
                key=lambda a: (len(a.device), a.device))]
            self.check(vols == [imported[self.made['boot'][sid]],
                                imported[self.made['data'][sid]]],
                       '%s boots from its imported volume, data volume '
                       'attached after it' % s.name)
        for vid, data in self.written.items():
            self.check(self.vio.read('b', imported[vid], len(data),
                                     offset=8 * MiB) == data,
                       'volume %s at B holds the bytes written at A '
                       'before the cut-off' % imported[vid][:8])
        swift = self.swift('b')
        for name, data in self.objects.items():
            self.check(swift.get_object(self.container, name)[1] == data,
                       'object %s in the container at B' % name)

    # ------------------------------------------------------------ teardown

    def freeze_ceph_a(self):
        """Site A's Ceph daemons stopped with SIGSTOP (a memstore OSD
        that stopped would come back empty; a frozen one keeps its data)."""
        say('DISASTER: site A\'s Ceph cluster, rbd-mirror and RGW frozen')
        for name in CEPH_DAEMONS:
            with open(os.path.join(self.cloud['state_dir'], 'run',
                                   '%s-a.json' % name)) as f:
                pid = json.load(f)['pid']
            os.kill(pid, signal.SIGSTOP)
            self.frozen.append(pid)

    def thaw_ceph_a(self):
        for pid in self.frozen:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        self.frozen = []
        # a thawed single-OSD cluster re-peers at once when told its OSD
        # is down (its placement groups stay laggy otherwise)
        subprocess.run(['ceph', '--conf',
                        self.ceph['sites']['a']['ceph_conf'],
                        '--connect-timeout', '30', 'osd', 'down', '0'],
                       capture_output=True, timeout=60, check=False)

    def restore_site_a(self):
        if self.frozen:
            self.thaw_ceph_a()
        if not self.stopped:
            return
        say('restoring site A (its services start again)')
        t = time.monotonic()
        subprocess.run([self.testcloud, 'up'], check=True,
                       capture_output=True, timeout=600)
        self.stopped = False
        info('site A back in %.1fs' % (time.monotonic() - t))

    def remove_workload(self):
        say('removing the demo\'s servers, volumes and container at both '
            'sites')
        with contextlib.suppress(Exception):
            plan = self.api('GET', '/v1/plans/%s' % self.plan['id'])['plan']
            if plan.get('test_active'):
                self.run('cleanup_test')
        with contextlib.suppress(Exception):
            if self.plan:
                self.api('DELETE', '/v1/plans/%s' % self.plan['id'])
        for site in ('b', 'a'):
            nova, cinder = self.nova(site), self.cinder(site)
            mine = [s.id for s in nova.servers.list()
                    if s.id in self.made['servers'] or (s.metadata or {})
                    .get('drs_plan') == (self.plan or {}).get('id')]
            for sid in mine:
                with contextlib.suppress(Exception):
                    nova.servers.delete(sid)
            for sid in mine:
                with contextlib.suppress(Exception):
                    self.wait('server deleted',
                              lambda sid=sid, nova=nova: sid not in
                              [s.id for s in nova.servers.list()], 120)
            for v in cinder.volumes.list():
                if v.id in self.made['volumes'] or (v.metadata or {}).get(
                        'drs_plan') == (self.plan or {}).get('id'):
                    with contextlib.suppress(Exception):
                        self.wait_volume(cinder, v.id, 'available')
                        cinder.volumes.delete(v.id)
            net = self.network(site)
            for p in list(net.ports()):
                if (p.name or '').startswith('drs-'):
                    net.delete_port(p, ignore_missing=True)
            with contextlib.suppress(Exception):
                nova.keypairs.delete(self.keypair)
            swift = self.swift(site)
            with contextlib.suppress(Exception):
                for o in swift.get_container(self.container)[1]:
                    swift.delete_object(self.container, o['name'])
                swift.delete_container(self.container)


def main():
    demo = Demo(*sys.argv[1:5])
    ok = False
    try:
        demo.register_sites()
        demo.create_workload()
        demo.protect()
        demo.preflight()
        demo.test_failover()
        demo.failover()
        ok = True
    finally:
        try:
            demo.restore_site_a()
        finally:
            if os.environ.get('DRS_DEMO_KEEP') != '1':
                with contextlib.suppress(Exception):
                    demo.remove_workload()
    passed = sum(1 for good, _ in demo.checks if good)
    say('%d checks passed; failover RTO %.1fs, RPO %.1fs; demo scenario '
        'took %.0fs' % (passed, demo.figures['rto'], demo.figures['rpo'],
                         time.monotonic() - T0))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
