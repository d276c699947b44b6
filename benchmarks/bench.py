"""drs's benchmarks against the running two-site test cloud (issue 14).

``python -m benchmarks.bench [api|failover|sweep|memory|all]`` (or
``benchmarks/run.sh``). Each prints a table: the measure, min/median/max
over interleaved rounds, the anchor measured in the same run, the ratio
and the issue's target. Every load is bounded in count and in time and
goes to 127.0.0.1 only.

drs runs as drs-all-in-one (drs/tests/integration/drs_service) and, for
``api``, as ``drs.wsgi.api:application`` under the same uWSGI command
line as the test cloud's cinder-api (tools/testcloud/tclib/services.py).
HTTP requests drs makes are counted from its own log: keystoneauth's
``REQ:`` debug lines, one per request, classified by endpoint.
"""

import argparse
import collections
import datetime
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

import requests

from drs.tests import procutils
from drs.tests.integration import conftest
from drs.tests.integration import drs_service
from drs.tests.integration import recover_helpers as rh

from benchmarks import floor

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, 'tools', 'testcloud'))
from tclib import services as tc_services  # noqa: E402

USER = rh.USER
ROWS = []


# ------------------------------------------------------------ helpers

def load_cloud():
    with open(os.path.join(conftest._state_dir(), 'cloud.json')) as f:
        return conftest.Cloud(json.load(f))


def row(measure, values, anchor=None, target='', lower_better=False,
        fmt='%.2f'):
    """One line of the table; ``values``/``anchor``: one per round."""
    values = [v for v in values if v is not None]
    if not values:
        ROWS.append((measure, 'n/a', '', '', target))
        return
    spread = '%s / %s / %s' % (fmt % min(values),
                               fmt % statistics.median(values),
                               fmt % max(values))
    a_txt = ratio = ''
    if anchor:
        anchor = [a for a in anchor if a is not None]
        a_txt = fmt % statistics.median(anchor)
        ratios = [v / a for v, a in zip(values, anchor, strict=False) if a]
        if ratios:
            ratio = '%.2f (%.2f-%.2f)' % (statistics.median(ratios),
                                          min(ratios), max(ratios))
    ROWS.append((measure, spread, a_txt, ratio, target))


def print_table(title):
    head = ('measure', 'min / median / max', 'anchor (median)',
            'ratio (min-max)', 'target')
    rows = [head] + [tuple(str(c) for c in r) for r in ROWS]
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    print('\n== %s' % title)
    for i, r in enumerate(rows):
        cells = (c.ljust(w) for c, w in zip(r, widths, strict=True))
        print('| ' + ' | '.join(cells) + ' |')
        if i == 0:
            print('|' + '|'.join('-' * (w + 2) for w in widths) + '|')
    sys.stdout.flush()
    ROWS.clear()


def endpoint_names(cloud):
    """host:port -> 'site-service' for every endpoint of cloud.json."""
    names = {}
    ks = urllib.parse.urlsplit(cloud.data['keystone']['url'])
    names[ks.netloc] = 'keystone'
    for key, site in cloud.data['sites'].items():
        for service, url in site.get('endpoints', {}).items():
            netloc = urllib.parse.urlsplit(url).netloc
            names.setdefault(netloc, '%s:%s' % (key, service))
    return names


# keystoneauth quotes a URL with a query string ("http://...?a=b").
REQ = re.compile(r'REQ: curl .*?-X (\w+) "?(http://[^ "]+)')


class RequestLog:
    """Counts drs's outgoing HTTP requests from its log."""

    def __init__(self, drs, cloud):
        self.path = drs.log
        self.names = endpoint_names(cloud)
        self.offset = 0

    def mark(self):
        self.offset = os.path.getsize(self.path)

    def since_mark(self):
        counts = collections.Counter()
        for service, _method, _path in self.requests():
            counts[service] += 1
        return counts

    def requests(self):
        """(service, method, path) of each request since the mark."""
        with open(self.path, errors='replace') as f:
            f.seek(self.offset)
            for line in f:
                m = REQ.search(line)
                if m:
                    url = urllib.parse.urlsplit(m.group(2))
                    yield (self.names.get(url.netloc, url.netloc),
                           m.group(1), url.path)

    def print_patterns(self, title):
        """The requests since the mark by method and path, ids and
        names folded (``--requests``)."""
        patterns = collections.Counter(
            (service, method, ID.sub('{id}', path))
            for service, method, path in self.requests())
        print('\n-- %s: requests by path' % title)
        for (service, method, path), n in patterns.most_common():
            print('%5d  %-16s %-6s %s' % (n, service, method, path))


# UUIDs and hex ids (Keystone's, Nova's, Cinder's) and drs's names with one.
ID = re.compile(r'[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?'
                r'[0-9a-f]{12}|[0-9a-f]{32}|(?<=/)[^/]*-[0-9a-f]{8}[^/]*')


def start_drs(cloud, directory, extra='', database=None, debug=True):
    """drs-all-in-one (recover_helpers.start_drs) logging every request
    keystoneauth makes; ``database``: a connection URL instead of the
    test helper's SQLite file; ``debug=False``: the log level of the test
    cloud's services (for the api benchmark, where a debug line per
    request would be measured too)."""
    service = drs_service.Drs(cloud, directory, sync_interval=3600)
    with open(service.conf) as f:
        text = f.read()
    if debug:
        # keystoneauth's per-request debug lines, nothing else more
        # verbose.
        text = text.replace('debug = true\n', (
            'debug = true\ndefault_log_levels = keystoneauth=DEBUG,'
            'keystonemiddleware=WARN,amqp=WARN,sqlalchemy=WARN,'
            'oslo_policy=WARN,urllib3=WARN,stevedore=WARN,taskflow=WARN\n'),
            1)
    else:
        text = text.replace('debug = true\n', 'debug = false\n', 1)
    if database:
        text = re.sub(r'(?m)^connection = sqlite:.*$',
                      'connection = %s' % database, text, count=1)
    with open(service.conf, 'w') as f:
        f.write(text + '\n[recovery]\nserver_active_timeout = 180\n'
                'resource_timeout = 120\ncatch_up_timeout = 120\n' + extra)
    service.start()
    service.sites = {}
    for key in ('a', 'b'):
        resp = service.post('/v1/sites', {'site': {
            'name': conftest.unique('bench-site-%s' % key),
            'region_name': cloud.region(key),
            'auth_url': cloud.data['keystone']['url'],
            'interface': 'public'}}, user='admin', expect=201)
        service.sites[key] = resp.json()['site']
    return service


def rss_mib(pids):
    total = 0
    for pid in pids:
        try:
            with open('/proc/%d/status' % pid) as f:
                for line in f:
                    if line.startswith('VmRSS:'):
                        total += int(line.split()[1])
        except FileNotFoundError:
            continue
    return total / 1024.0


def group_pids(pgid):
    out = []
    for name in os.listdir('/proc'):
        if name.isdigit():
            try:
                if os.getpgid(int(name)) == pgid:
                    out.append(int(name))
            except ProcessLookupError:
                continue
    return out


def pids_matching(*needles):
    out = []
    for name in os.listdir('/proc'):
        if not name.isdigit():
            continue
        try:
            with open('/proc/%s/cmdline' % name, 'rb') as f:
                cmd = f.read().replace(b'\0', b' ').decode(errors='replace')
        except OSError:
            continue
        if all(n in cmd for n in needles):
            out.append(int(name))
    return out


# ------------------------------------------------------------ api

def uwsgi_drs_api(cloud, drs, directory):
    """drs.wsgi.api under cinder-api's uWSGI command line, on the same
    configuration file (database) as ``drs``."""
    port = procutils.free_port()

    class State:
        @staticmethod
        def bin(_venv, name):
            return procutils.venv_bin(name)
    cmd = tc_services._uwsgi(State, port, 'drs.wsgi.api:application')
    env = dict(os.environ, OS_DRS_CONFIG_FILES=drs.conf)
    proc = subprocess.Popen(cmd, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(directory,
                                                     'uwsgi.log'), 'w'))
    url = 'http://127.0.0.1:%d' % port
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            try:
                # The first request builds the app: seconds on a busy
                # machine.
                if requests.get(url + '/', timeout=20).status_code < 500:
                    proc._bench_url = url
                    return proc, url
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.5)
        raise RuntimeError('drs-api under uWSGI did not answer')
    except BaseException:
        procutils.stop_group(proc)
        raise


def load(url, headers, duration, threads=4, max_requests=20000):
    """Closed-loop load: ``threads`` clients for ``duration`` seconds (at
    most ``max_requests``); returns req/s, p50 and p99 latency (ms)."""
    parts = urllib.parse.urlsplit(url)
    path = parts.path + ('?' + parts.query if parts.query else '')
    latencies = []
    errors = []
    lock = threading.Lock()
    stop_at = time.monotonic() + duration

    def client():
        mine = []
        while time.monotonic() < stop_at and len(mine) < max_requests:
            t0 = time.perf_counter()
            conn = http.client.HTTPConnection(parts.netloc, timeout=30)
            try:
                conn.request('GET', path, headers=headers)
                resp = conn.getresponse()
                resp.read()
                if resp.status != 200:
                    errors.append(resp.status)
            finally:
                conn.close()
            mine.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(mine)
    started = time.monotonic()
    workers = [threading.Thread(target=client) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.monotonic() - started
    if errors:
        raise RuntimeError('%d non-200 answers from %s: %s'
                           % (len(errors), url, errors[:5]))
    latencies.sort()
    q = statistics.quantiles(latencies, n=100)
    return len(latencies) / elapsed, q[49] * 1000, q[98] * 1000


class MariaDB:
    """A database of the machine's MariaDB for drs (root, no password, as
    the test cloud's services use it), dropped at the end."""

    def __init__(self):
        import pymysql
        self.name = 'drs_bench_%s' % os.urandom(4).hex()
        self._connect = lambda: pymysql.connect(host='127.0.0.1', user='root')
        with self._connect() as conn, conn.cursor() as cur:
            cur.execute('CREATE DATABASE %s CHARACTER SET utf8mb4' % self.name)
        self.url = ('mysql+pymysql://root@127.0.0.1:3306/%s?charset=utf8mb4'
                    % self.name)

    def drop(self):
        with self._connect() as conn, conn.cursor() as cur:
            cur.execute('DROP DATABASE IF EXISTS %s' % self.name)


def cinder_volumes(cloud, n):
    """``n`` small volumes of tenant1 at A, so cinder's list has as many
    items as drs's (they are deleted with the benchmark)."""
    cinder = cloud.cinder(USER, 'a')
    vols = [cinder.volumes.create(1, name=conftest.unique('bench-list'))
            for _ in range(n)]
    for v in vols:
        conftest.wait_until('volume %s available' % v.id,
                            lambda v=v: cinder.volumes.get(v.id).status
                            == 'available', timeout=120)
    return cinder, vols


def bench_api(cloud, args, tmp):
    db = MariaDB()
    drs = start_drs(cloud, tmp, database=db.url, debug=False)
    drs.bench_db = db
    proc = None
    cinder, volumes = cinder_volumes(cloud, 5)
    drs.bench_volumes = (cinder, volumes)
    try:
        for i in range(5):
            drs.post('/v1/plans', {'plan': {
                'name': 'bench-plan-%d' % i,
                'source_site': drs.sites['a']['id'],
                'target_site': drs.sites['b']['id'],
                'resources': []}}, expect=201)
        proc, url = uwsgi_drs_api(cloud, drs, tmp)
        token = cloud.session(USER).get_token()
        headers = {'X-Auth-Token': token, 'Accept': 'application/json'}
        cinder_url = '%s/%s/volumes?limit=5' % (
            cloud.site('a')['endpoints']['block-storage'],
            cloud.project_id('tenant1'))
        drs_url = url + '/v1/plans'
        n_plans = len(requests.get(drs_url, headers=headers,
                                   timeout=10).json()['plans'])
        n_vols = len(requests.get(cinder_url, headers=headers,
                                  timeout=10).json()['volumes'])
        # Warm both (first request builds drs's app in the worker).
        load(drs_url, headers, 1)
        load(cinder_url, headers, 1)
        res = {'drs': [], 'cinder': []}
        for _ in range(args.rounds):
            res['drs'].append(load(drs_url, headers, args.duration))
            res['cinder'].append(load(cinder_url, headers, args.duration))
        row('drs GET /v1/plans (%d) vs cinder GET volumes (%d), req/s'
            % (n_plans, n_vols), [r[0] for r in res['drs']],
            [r[0] for r in res['cinder']], '>= 2.5x')
        row('same pair, p50 latency ms', [r[1] for r in res['drs']],
            [r[1] for r in res['cinder']], '<= 0.4x', fmt='%.1f')
        row('same pair, p99 latency ms', [r[2] for r in res['drs']],
            [r[2] for r in res['cinder']], '', fmt='%.1f')
        print_table('api: uWSGI 1 process x 4 threads each, MariaDB and '
                    'debug off for both, 4 client threads, %ss x %d '
                    'interleaved rounds, same token'
                    % (args.duration, args.rounds))
        return drs, proc
    except BaseException:
        stop_api(drs, proc)
        raise


def stop_api(drs, proc):
    """The api benchmark's drs, uWSGI, database and cinder volumes."""
    if proc:
        procutils.stop_group(proc)
    rh.stop_drs(drs)
    drs.bench_db.drop()
    cinder, volumes = drs.bench_volumes
    for v in volumes:
        cinder.volumes.delete(v.id)


# ------------------------------------------------------------ memory

def cinder_pids():
    conf = '/site-a/cinder/cinder.conf'
    return (pids_matching('cinder.wsgi.api', conf)
            + pids_matching('cinder-scheduler', conf))


class SplitDrs:
    """drs as a deployment runs it: drs-api under uWSGI (cinder-api's
    command line) and drs-engine (its worker under cotyledon), on
    MariaDB and the machine's RabbitMQ (a topic of their own); the
    :class:`drs_service.Drs` REST client pointed at the uWSGI."""

    def __init__(self, cloud, directory):
        self.db = MariaDB()
        self.service = drs_service.Drs(cloud, directory, sync_interval=3600)
        with open(self.service.conf) as f:
            text = f.read()
        text = text.replace('debug = true\n', 'debug = false\n', 1)
        text = text.replace(
            'transport_url = fake://',
            'transport_url = rabbit://guest:guest@127.0.0.1:5672/', 1)
        text = re.sub(r'(?m)^connection = sqlite:.*$',
                      'connection = %s' % self.db.url, text, count=1)
        text = text.replace('[engine]\n', '[engine]\ntopic = drs-bench-%s\n'
                            % os.urandom(4).hex(), 1)
        with open(self.service.conf, 'w') as f:
            f.write(text + '\n[recovery]\nserver_active_timeout = 180\n'
                    'resource_timeout = 120\n')
        self.engine = self.api = None
        self.dir = directory

    def start(self, cloud):
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            p for p in (drs_service.TESTCLOUD_DRIVERS,
                        os.environ.get('PYTHONPATH')) if p))
        subprocess.run([procutils.venv_bin('drs-manage'), '--config-file',
                        self.service.conf, 'db', 'sync'], check=True,
                       stdout=subprocess.DEVNULL, env=env)
        self.engine = subprocess.Popen(
            [procutils.venv_bin('drs-engine'), '--config-file',
             self.service.conf], env=env, start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(self.dir, 'engine.log'), 'w'))
        self.api, self.service.url = uwsgi_drs_api(cloud, self.service,
                                                   self.dir)
        self.service.proc = self.engine
        self.service.sites = {}
        for key in ('a', 'b'):
            resp = self.service.post('/v1/sites', {'site': {
                'name': conftest.unique('bench-site-%s' % key),
                'region_name': cloud.region(key),
                'auth_url': cloud.data['keystone']['url'],
                'interface': 'public'}}, user='admin', expect=201)
            self.service.sites[key] = resp.json()['site']
        return self.service

    def rss(self):
        """(drs-api, drs-engine) RSS in MiB, every process of each."""
        return (rss_mib(group_pids(self.api.pid)),
                rss_mib(group_pids(self.engine.pid)))

    def stop(self):
        for site in self.service.sites.values():
            try:
                self.service.request('DELETE', '/v1/sites/%s' % site['id'],
                                     'admin')
            except Exception:  # noqa: S110 - best effort at the end
                pass
        procutils.stop_group(self.api)
        procutils.stop_group(self.engine)
        self.db.drop()


def _ok(op, what):
    if op['status'] != 'succeeded':
        raise RuntimeError('%s %s: %s' % (what, op['status'], op))


def bench_memory(cloud, args, tmp):
    """Idle RSS of drs-api + drs-engine against cinder-api +
    cinder-scheduler, then the engine's growth over a fixed workload on
    a plan of ``--n`` servers: protects (each after an unprotect), syncs
    and test failovers with their cleanups (a failover consumes its
    replicas; a test failover runs the same recovery steps on copies of
    them, and can be repeated)."""
    split = SplitDrs(cloud, tmp)
    workload = None
    try:
        drs = split.start(cloud)
        token = cloud.session(USER).get_token()
        load(drs.url + '/v1/plans', {'X-Auth-Token': token}, 1)
        api_idle, engine_idle = split.rss()
        anchor = rss_mib(cinder_pids())
        row('RSS MiB idle: drs-api (uWSGI) + drs-engine vs cinder-api '
            '(uWSGI) + cinder-scheduler', [api_idle + engine_idle],
            [anchor], '<= 0.8x', fmt='%.0f')
        row('  of which drs-api, drs-engine', [api_idle], [engine_idle],
            fmt='%.0f')
        workload = make_workload(cloud, args.n)
        plan = rh.create_plan(drs, workload, tiers=tiers_for(workload))
        rounds = 1 if args.small else 6
        counts = collections.Counter()
        started = time.monotonic()
        _ok(drs.run(plan['id'], 'protect', timeout=600), 'protect')
        counts['protect'] += 1
        engine_start = split.rss()[1]
        for i in range(rounds):
            _ok(drs.run(plan['id'], 'sync', timeout=300), 'sync')
            counts['sync'] += 1
            _ok(drs.run(plan['id'], 'test_failover', timeout=900),
                'test failover')
            _ok(drs.run(plan['id'], 'cleanup_test', timeout=600),
                'cleanup')
            counts['test failover + cleanup'] += 1
            if i < rounds - 1:
                _ok(drs.run(plan['id'], 'unprotect', timeout=600),
                    'unprotect')
                _ok(drs.run(plan['id'], 'protect', timeout=600), 'protect')
                counts['protect'] += 1
        engine_end = split.rss()[1]
        row('drs-engine RSS MiB after %s (%d servers, %.0fs)' % (
            ', '.join('%d %s' % (n, what) for what, n in counts.items()),
            args.n, time.monotonic() - started),
            [engine_end], [engine_start], '<= 1.10x growth', fmt='%.0f')
        print_table('memory (site A\'s cinder as the anchor; RSS summed '
                    'over each service\'s processes)')
    finally:
        if workload is not None:
            workload.delete()
        split.stop()


# ------------------------------------------------------------ workloads

def make_workload(cloud, n, prefix='bench'):
    t0 = time.monotonic()
    # The floor's has no container: it recovers servers and volumes.
    workload = rh.Workload(cloud, servers=n, objects=1, prefix=prefix,
                           container=prefix == 'bench')
    workload.create()
    print('workload %s: %d servers on replicated volumes at A in %.0fs'
          % (prefix, n, time.monotonic() - t0))
    return workload


def tiers_for(workload, n_tiers=3):
    return {sid: 1 + i * n_tiers // len(workload.servers)
            for i, sid in enumerate(workload.servers)}


def bench_sweep(cloud, args, tmp, workload, drs, plan):
    log = RequestLog(drs, cloud)
    res = []
    for _ in range(args.rounds):
        log.mark()
        op = drs.run(plan['id'], 'sync', timeout=300)
        if op['status'] != 'succeeded':
            raise RuntimeError('sync %s: %s' % (op['status'], op))
        res.append((op['_duration'], log.since_mark()))
    services = sorted({s for _, c in res for s in c})
    row('sync of %d servers + 1 container, HTTP requests' % args.n,
        [sum(c.values()) for _, c in res], target='<= 15 at 30 servers',
        fmt='%.0f')
    for s in services:
        row('  of which %s' % s, [c.get(s, 0) for _, c in res], fmt='%.0f')
    row('sync requests per server', [sum(c.values()) / args.n
                                     for _, c in res], fmt='%.1f')
    row('sync seconds', [d for d, _ in res], fmt='%.1f')
    print_table('sweep: plan sync (the periodic sweep runs the same flow)')


def protect_counted(cloud, drs, plan, show=False):
    """Protect the plan once: (seconds, requests per service)."""
    log = RequestLog(drs, cloud)
    log.mark()
    op = drs.run(plan['id'], 'protect', timeout=600)
    if op['status'] != 'succeeded':
        raise RuntimeError('protect %s: %s' % (op['status'], op))
    if show:
        log.print_patterns('protect')
        print_steps(drs, op, 'protect')
    return op['_duration'], log.since_mark()


def print_steps(drs, op, title):
    """Where an operation's time went, from its own report: per step
    (resource ids folded) how many ran, when the first began (s after
    the request; the report's times are whole seconds), the longest and
    the sum of their durations (``--requests``)."""
    report = drs.get('/v1/operations/%s/report' % op['id'])['report']
    began = _parse(report['requested_at'])
    steps = collections.defaultdict(list)
    for s in report['steps']:
        rid = (s.get('resource') or {}).get('id')
        name = s['step']
        if rid and name.endswith('-%s' % rid):
            name = name[:-len(rid) - 1]
        steps[name].append(s)
    print('\n-- %s: steps (%.1f s in all)' % (
        title, report.get('duration_seconds') or op['_duration']))
    for name, runs in sorted(steps.items(), key=lambda kv: min(
            r.get('started_at') or '' for r in kv[1])):
        first = min((_parse(r['started_at']) - began).total_seconds()
                    for r in runs if r.get('started_at')) \
            if any(r.get('started_at') for r in runs) else 0
        durations = [r.get('duration_seconds') or 0 for r in runs]
        print('%4d x %-28s from %3.0f s  longest %5.2f  sum %6.2f'
              % (len(runs), name, first, max(durations), sum(durations)))


def _parse(stamp):
    return datetime.datetime.fromisoformat(stamp.replace('Z', '+00:00'))


def protect_rows(args, seconds, counted, per_service=False):
    row('protect, seconds per server (%d servers)' % args.n,
        [seconds / args.n], target='<= 0.2', fmt='%.2f')
    row('protect, HTTP requests per server',
        [sum(counted.values()) / args.n], fmt='%.1f')
    for s in sorted(counted) if per_service else ():
        row('  of which %s' % s, [counted[s]], fmt='%.0f')


def bench_protect(cloud, args, drs, plan):
    """The protect before the sweep, with its requests per service."""
    protect_rows(args, *protect_counted(cloud, drs, plan, args.requests),
                 per_service=True)
    print_table('protect (the plan the sync then refreshes)')


def critical_path(report, tiers):
    """The longest chain of dependent backend operations, from the
    report's own step times: the cut-off, the slowest storage step (the
    storage steps run in parallel), then per tier the slowest server's
    ports + create-server chain (a linear flow per server) and the
    slowest wait-active (every wait of a tier starts after its creates),
    then the finish step."""
    storage = []
    chains = collections.defaultdict(lambda: collections.defaultdict(float))
    waits = collections.defaultdict(list)
    serial = 0.0
    for s in report['steps']:
        d = s.get('duration_seconds') or 0
        rid = (s.get('resource') or {}).get('id')
        step = s['step']
        # A task's step is named '<step>-<resource id>'; its sub-steps
        # (import-volume, created-keypair) by the step alone.
        if rid and step.endswith('-%s' % rid):
            step = step[:-len(rid) - 1]
        if step in ('import-volumes', 'import-volume',
                    'activate-container'):
            storage.append(d)
        elif step in ('ports', 'create-server'):
            chains[tiers.get(rid, 1)][rid] += d
        elif step == 'wait-active':
            waits[tiers.get(rid, 1)].append(d)
        elif step in ('cutoff', 'finish'):
            serial += d
    return serial + max(storage or [0]) + sum(
        max(chains[t].values() or [0]) + max(waits[t] or [0])
        for t in set(chains) | set(waits))


def bench_failover(cloud, args, tmp, workload, drs, plan, tiers,
                   protected=False, floor_workload=None):
    """Protect (unless ``protected``: the sweep benchmark did), then a
    failover with site A's services stopped, then (site A still stopped)
    the direct-API floor on ``floor_workload``, a second workload of the
    same shape (:mod:`benchmarks.floor`)."""
    if not protected:
        protect, protect_req = protect_counted(cloud, drs, plan,
                                               args.requests)
    log = RequestLog(drs, cloud)
    rh.stop_site_a(cloud)
    try:
        log.mark()
        op = drs.run(plan['id'], 'failover', timeout=900,
                     params={'cutoff': 'latest'})
        counted = log.since_mark()
        if args.requests:
            log.print_patterns('failover')
            print_steps(drs, op, 'failover')
        floor_s = floor_req = None
        if floor_workload is not None and op['status'] == 'succeeded':
            floor_s, floor_req = floor.run(
                cloud, floor_workload, tiers_for(floor_workload),
                imported_type(cloud, plan['id']))
    finally:
        t0 = time.monotonic()
        rh.start_site_a(cloud)
        print('site A restarted in %.0fs' % (time.monotonic() - t0))
    if op['status'] != 'succeeded':
        raise RuntimeError('failover %s: %s' % (op['status'], op))
    report = drs.get('/v1/operations/%s/report' % op['id'])['report']
    makespan = report.get('duration_seconds') or op['_duration']
    cp = critical_path(report, tiers)
    if not protected:
        protect_rows(args, protect, protect_req)
    row('failover makespan s (%d servers, 3 tiers)' % args.n, [makespan],
        [cp], '<= 1.10 (10), <= 1.15 (30)', fmt='%.1f')
    row('failover RTO s', [report.get('rto_seconds')], fmt='%.1f')
    if floor_s is not None:
        row('failover makespan s vs the direct-API floor', [makespan],
            [floor_s], fmt='%.1f')
    row('failover HTTP requests per server',
        [sum(counted.values()) / args.n], target='<= 8', fmt='%.1f')
    for s in sorted(counted):
        row('  of which %s' % s, [counted[s]], fmt='%.0f')
    if floor_req is not None:
        row('direct-API floor, HTTP requests per server',
            [sum(floor_req.values()) / args.n], fmt='%.1f')
        for s in sorted(floor_req):
            row('  of which b:%s' % s, [floor_req[s]], fmt='%.0f')
    print_table('failover: site A stopped; anchor = critical path from '
                'the report (1 round: a failover is not repeatable on one '
                'workload)')
    for site in ('b', 'a'):
        rh.cleanup_failover_at_b(cloud, plan['id'], site)
    if floor_workload is not None:
        floor.cleanup(cloud)


def imported_type(cloud, plan_id):
    """The volume type drs's failover imported the plan's volumes with
    at B: the floor imports with the same."""
    for v in cloud.cinder(USER, 'b').volumes.list():
        if (v.metadata or {}).get('drs_plan') == plan_id:
            return v.volume_type
    return None


def with_workload(cloud, args, tmp, which):
    workload = make_workload(cloud, args.n)
    floor_workload = None
    drs = None
    # MariaDB, as a deployment runs drs: on SQLite (the test helper's
    # default) an operation runs one task at a time.
    db = MariaDB()
    try:
        os.makedirs(os.path.join(tmp, 'wl'), exist_ok=True)
        drs = start_drs(cloud, os.path.join(tmp, 'wl'), database=db.url)
        tiers = tiers_for(workload)
        plan = rh.create_plan(drs, workload, tiers=tiers)
        # A resource is in one plan at most: with both, the sweep runs on
        # the protected plan first, then the failover takes the same plan
        # (a sweep after a failover would sync from B).
        if 'sweep' in which:
            bench_protect(cloud, args, drs, plan)
            bench_sweep(cloud, args, tmp, workload, drs, plan)
        if 'failover' in which:
            floor_workload = make_workload(cloud, args.n, prefix='floor')
            bench_failover(cloud, args, tmp, workload, drs, plan, tiers,
                           protected='sweep' in which,
                           floor_workload=floor_workload)
    finally:
        if drs:
            rh.stop_drs(drs)
        db.drop()
        workload.delete()
        if floor_workload is not None:
            floor_workload.delete()


# ------------------------------------------------------------ main

def main(argv=None):
    p = argparse.ArgumentParser(prog='benchmarks/run.sh')
    p.add_argument('what', nargs='?', default='all',
                   choices=('api', 'failover', 'sweep', 'memory', 'all'))
    p.add_argument('--n', type=int, default=10,
                   help='servers for failover and sweep (10; 30, 100)')
    p.add_argument('--rounds', type=int, default=3)
    p.add_argument('--duration', type=float, default=5.0,
                   help='seconds per api load round')
    p.add_argument('--requests', action='store_true',
                   help='also print drs\'s requests by method and path')
    p.add_argument('--small', action='store_true',
                   help='N=3, 1 round, 2 s loads (a smoke run)')
    args = p.parse_args(argv)
    if args.small:
        args.n, args.rounds, args.duration = 3, 1, 2.0
    if args.n > 100 or args.rounds > 10 or args.duration > 60:
        p.error('bounded: --n <= 100, --rounds <= 10, --duration <= 60')
    cloud = load_cloud()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix='drs-bench-') as tmp:
        if args.what in ('api', 'all'):
            os.makedirs(os.path.join(tmp, 'api'))
            stop_api(*bench_api(cloud, args, os.path.join(tmp, 'api')))
        if args.what in ('memory', 'all'):
            os.makedirs(os.path.join(tmp, 'memory'))
            bench_memory(cloud, args, os.path.join(tmp, 'memory'))
        which = {'all': ('failover', 'sweep')}.get(args.what, (args.what,))
        if set(which) & {'failover', 'sweep'}:
            with_workload(cloud, args, tmp, which)
    print('\nbenchmarks %s: %.0fs' % (args.what, time.monotonic() - started))


if __name__ == '__main__':
    main()
