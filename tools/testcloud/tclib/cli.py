"""``testcloud`` subcommands: up, down, status, env, logs, collect-logs,
replication."""
import argparse
import concurrent.futures
import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
import threading
import time

from . import ceph
from . import configs
from . import infra
from . import layout as L
from . import procs
from . import services as S

PROVISION = os.path.join(L.TOOLS_DIR, 'provision.py')


class Timer:
    """Prints and records how long each phase of ``up`` takes."""

    def __init__(self):
        self.t0 = time.time()
        self.phases = []

    def phase(self, name, fn, *args):
        t = time.time()
        tty = sys.stdout.isatty()
        if tty:      # a progress line, overwritten when the phase ends
            print('  %-38s ...' % name, end='', flush=True)
        result = fn(*args)
        dt = time.time() - t
        self.phases.append((name, round(dt, 1)))
        print('%s  %-38s %6.1f s' % ('\r' if tty else '', name, dt),
              flush=True)
        return result

    @property
    def total(self):
        return time.time() - self.t0


class MemorySampler(threading.Thread):
    """Peak of (MemTotal - MemAvailable) while ``up`` runs."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak_kb = 0
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            info = {}
            with open('/proc/meminfo') as f:
                for line in f:
                    k, v = line.split(':')
                    info[k] = int(v.split()[0])
            self.peak_kb = max(self.peak_kb,
                               info['MemTotal'] - info['MemAvailable'])
            self.stop.wait(0.5)


def _run_setup_task(state, name, argvs):
    stamp = S.stamp_path(state, name)
    if os.path.exists(stamp):
        return False
    log = os.path.join(state.log, 'setup-%s.log' % name)
    for argv in argvs:
        infra.run(argv, log=log)
    with open(stamp, 'w') as f:
        f.write('%s\n' % time.time())
    return True


def _parallel(fn, items, workers):
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        futures = [pool.submit(fn, *item) for item in items]
        return [f.result() for f in futures]


def _provision(state, step):
    r = subprocess.run([state.bin(L.VENV, 'python'), PROVISION, step],
                       env=dict(os.environ, DRS_TESTCLOUD_DIR=state.root),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    with open(os.path.join(state.log, 'provision.log'), 'a') as f:
        f.write(r.stdout)
    if r.returncode:
        raise RuntimeError('provision %s failed:\n%s'
                           % (step, r.stdout[-4000:]))


def _start_services(state, svcs):
    """Start the services not running; return the names started."""
    started = []
    pending = []
    for svc in svcs:
        proc = procs.Proc(state, svc.name)
        if proc.alive():
            continue
        if svc.port and procs.port_open(svc.port):
            raise RuntimeError('port %d of %s is taken by a process testcloud '
                               'did not start' % (svc.port, svc.name))
        if svc.before_start:
            pending.append(svc)
            continue
        proc.start(svc.argv, env=svc.env, cwd=svc.cwd, site=svc.site,
                   port=svc.port, url=svc.url)
        started.append(svc.name)
    for svc in pending:
        # Bounded, and long: on a loaded machine (CI brings the cloud up
        # beside the unit tests) the queue a service waits for can take
        # minutes, rabbitmqctl alone seconds a call.
        procs.wait_for('%s precondition' % svc.name, svc.before_start, 300)
        procs.Proc(state, svc.name).start(svc.argv, env=svc.env,
                                          cwd=svc.cwd, site=svc.site,
                                          port=svc.port, url=svc.url)
        started.append(svc.name)
    return started


def _wait_ready(state, svcs, timeout=180):
    def wait(svc):
        procs.wait_for('%s ready' % svc.name, svc.ready, timeout,
                       proc=procs.Proc(state, svc.name))
    _parallel(wait, [(s,) for s in svcs], 8)


def _published(state, key):
    try:
        with open(state.cloud_json) as f:
            return key in json.load(f)
    except (FileNotFoundError, ValueError):
        return False


def _switch_profile(state, wanted):
    """Record the profile ``up`` brings up; leaving ``ceph`` stops its
    extras (the base cloud keeps running)."""
    if not wanted or wanted == ceph.profile(state):
        return
    if ceph.enabled(state):
        extras = ceph.services(state)
        _parallel(lambda s: procs.Proc(state, s.name).stop(30),
                  [(s,) for s in reversed(extras)], len(extras))
        # Tests skip the ceph ones by this key: no key once it is gone.
        if os.path.exists(state.cloud_json):
            with open(state.cloud_json) as f:
                data = json.load(f)
            if data.pop('ceph', None) is not None:
                with open(state.cloud_json + '.tmp', 'w') as f:
                    json.dump(data, f, indent=1, sort_keys=True)
                os.replace(state.cloud_json + '.tmp', state.cloud_json)
    ceph.set_profile(state, wanted)


def cmd_up(args):
    state = L.State()
    for d in (state.root, state.run, state.log, state.stamps, state.etc):
        os.makedirs(d, exist_ok=True)
    _switch_profile(state, getattr(args, 'profile', None))
    svcs = S.build(state)
    if all(procs.Proc(state, s.name).alive() for s in svcs) and \
            os.path.exists(state.cloud_json):
        if ceph.enabled(state) and not _published(state, 'ceph'):
            # A base-only up (of an older testcloud) rewrote cloud.json.
            _provision(state, 'ceph')
        print('testcloud: everything already runs (state %s)' % state.root)
        _print_table(state, svcs)
        return 0

    print('testcloud up (state %s, profile %s)' % (state.root,
                                                   ceph.profile(state)))
    timer, mem = Timer(), MemorySampler()
    mem.start()
    base = S.base(svcs)
    base_runs = all(procs.Proc(state, s.name).alive() for s in base) and \
        os.path.exists(state.cloud_json)
    apt = timer.phase('apt packages', infra.ensure_apt, state,
                      ceph.APT_PACKAGES if ceph.enabled(state) else ())
    started = []
    if base_runs:
        # Only a profile's extras are missing: leave the running base cloud
        # (its configs, processes, cloud.json) exactly as it is.
        print('  base cloud already runs: starting the %s profile only'
              % ceph.profile(state))
    else:
        started = _up_base(state, timer, base)
    if ceph.enabled(state):
        started += _up_ceph(state, timer)
    mem.stop.set()
    report = {'total_s': round(timer.total, 1), 'phases': timer.phases,
              'peak_used_mib': mem.peak_kb // 1024, 'apt_installed': apt,
              'started': started, 'profile': ceph.profile(state)}
    rss = sum(procs.Proc(state, s.name).rss_kb()[0] for s in svcs)
    report['services_rss_mib'] = rss // 1024
    if ceph.enabled(state):
        report['ceph_rss_mib'] = sum(
            procs.Proc(state, s.name).rss_kb()[0]
            for s in ceph.services(state)) // 1024
    # A profile joining a running base cloud keeps the base's own report.
    name = 'up-report-%s.json' % ceph.profile(state) if base_runs \
        else 'up-report.json'
    with open(os.path.join(state.run, name), 'w') as f:
        json.dump(report, f, indent=1)
    _print_table(state, svcs)
    print('up took %.1f s; machine memory in use peaked at %d MiB during up; '
          'services RSS now %d MiB%s' % (
              timer.total, report['peak_used_mib'],
              report['services_rss_mib'],
              ' (ceph profile extras: %d MiB)' % report['ceph_rss_mib']
              if 'ceph_rss_mib' in report else ''))
    print('cloud.json: %s\nclouds.yaml: %s' % (state.cloud_json,
                                               state.clouds_yaml))
    return 0


def _up_base(state, timer, svcs):
    timer.phase('machine services',
                infra.ensure_system_services, state)
    timer.phase('venvs (pip, pinned)', _parallel,
                lambda n: infra.install_venv(state, n),
                [(n,) for n in infra.VENVS], 4)
    if not os.path.exists(S.stamp_path(state, 'databases')):
        # A fresh state directory: databases/vhosts of an earlier one would
        # refer to files that are gone.
        def reset():
            infra.reset_databases()
            infra.reset_vhosts()
            open(S.stamp_path(state, 'databases'), 'w').close()
        timer.phase('databases + rabbitmq vhosts', reset)
    timer.phase('configs + swift rings', lambda: (
        configs.write_all(state),
        [configs.swift_rings(state, s) for s in L.SITES]))
    timer.phase('db migrations + keystone bootstrap', _parallel,
                lambda n, a: _run_setup_task(state, n, a),
                S.setup_tasks(state), 4)
    keystone = [s for s in svcs if s.group == 'keystone']
    others = [s for s in svcs if s.group != 'keystone']
    started = timer.phase('keystone start', lambda: (
        _start_services(state, keystone), _wait_ready(state, keystone))[0])
    if not os.path.exists(S.stamp_path(state, 'identity')):
        timer.phase('keystone users, projects, catalog', _provision, state,
                    'identity')
        open(S.stamp_path(state, 'identity'), 'w').close()
    started += timer.phase('start site services',
                           _start_services, state, others)
    timer.phase('wait for every service', _wait_ready, state, others)
    timer.phase('volume types, images, networks', _provision, state,
                'resources')
    return started


def _once(state, name, fn, *args):
    """Run a one-time setup step ``fn(*args, log)`` unless its stamp
    exists."""
    stamp = S.stamp_path(state, name)
    if os.path.exists(stamp):
        return False
    fn(*args, os.path.join(state.log, 'setup-%s.log' % name))
    with open(stamp, 'w') as f:
        f.write('%s\n' % time.time())
    return True


def _read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except FileNotFoundError:
        return ''


def _wipe_ceph(state):
    """Stop the profile's processes and drop its cluster state."""
    extras = ceph.services(state)
    _parallel(lambda s: procs.Proc(state, s.name).stop(30),
              [(s,) for s in reversed(extras)], len(extras))
    for name in S.stamps(state):
        if name.startswith('ceph-'):
            os.unlink(S.stamp_path(state, name))
    for site in L.SITES:
        shutil.rmtree(ceph.data_dir(state, site), ignore_errors=True)
    print('  ceph: a memstore OSD had stopped (its data is gone): both '
          'clusters made afresh')
    ceph.write_configs(state)


def _up_ceph(state, timer):
    """The ``ceph`` profile's extras, in stages: each stage's one-time setup
    needs the daemons of the stage before it."""
    svcs = {s.name: s for s in ceph.services(state)}
    ceph.reserve_ports()

    def start(*names):
        group = [svcs[n] for n in names]
        done = _start_services(state, group)
        _wait_ready(state, group)
        return done

    def clusters():
        done = []
        def lost(s):
            rec = procs.Proc(state, 'ceph-osd-%s' % s).record() or {}
            return os.path.exists(S.stamp_path(
                state, 'ceph-mkfs-osd-%s' % s)) and (
                not procs.Proc(state, 'ceph-osd-%s' % s).alive() or
                str(rec.get('starttime')) != _read(ceph.incarnation(state,
                                                                    s)))
        if any(lost(s) for s in L.SITES):
            # A memstore OSD restarted comes back empty: start both
            # clusters afresh (pools, peers, zones are made again).
            _wipe_ceph(state)
        for s in L.SITES:
            _once(state, 'ceph-mkfs-mon-%s' % s, ceph.mkfs_mon, state, s)
        done += start(*['ceph-%s-%s' % (d, s) for s in L.SITES
                        for d in ('mon', 'mgr')])
        for s in L.SITES:
            _once(state, 'ceph-mkfs-osd-%s' % s, ceph.mkfs_osd, state, s)
        done += start(*['ceph-osd-%s' % s for s in L.SITES])
        for s in L.SITES:     # the OSD process that holds the data
            with open(ceph.incarnation(state, s), 'w') as f:
                f.write(str(procs.Proc(state, 'ceph-osd-%s' % s).record()[
                    'starttime']))
        return done

    def mirroring():
        for s in L.SITES:
            _once(state, 'ceph-pool-%s' % s, ceph.make_pool, state, s)
        _once(state, 'ceph-rbd-peers', ceph.make_peers, state)
        return start(*['rbd-mirror-%s' % s for s in L.SITES])

    def rgw():
        _once(state, 'ceph-rgw-realm', ceph.make_realm, state)
        done = start('radosgw-a')
        _once(state, 'ceph-rgw-zone-b', ceph.join_realm, state)
        return done + start('radosgw-b')

    timer.phase('ceph configs', ceph.write_configs, state)
    started = timer.phase('ceph clusters (mon, mgr, osd)', clusters)
    started += timer.phase('rbd pools, peers, rbd-mirror', mirroring)
    started += timer.phase('rgw realm, zones, radosgw', rgw)
    started += timer.phase('cinder-volume rbd backends', start,
                           *['cinder-volume-rbd-%s' % s for s in L.SITES])
    timer.phase('ceph volume type + cloud.json', _provision, state, 'ceph')
    return started


def _print_table(state, svcs, check_ready=False):
    print('%-26s %-4s %-7s %-8s %-6s %s' % ('SERVICE', 'SITE', 'PORT', 'PID',
                                            'STATE', 'URL / LOG'))
    down = 0
    for svc in svcs:
        proc = procs.Proc(state, svc.name)
        alive = proc.alive()
        st = 'up' if alive else 'down'
        if alive and check_ready and not svc.ready():
            st = 'noresp'
        down += st != 'up'
        print('%-26s %-4s %-7s %-8s %-6s %s' % (
            svc.name, svc.site or '-', svc.port or '-',
            proc.pid() if alive else '-', st,
            svc.url or os.path.relpath(proc.log_path, state.root)))
    return down


def cmd_status(args):
    state = L.State()
    down = _print_table(state, S.build(state), check_ready=True)
    print('%d of %d services down' % (down, len(S.build(state))))
    return 1 if down else 0


def cmd_down(args):
    state = L.State()
    svcs = S.build(state)
    t0 = time.time()
    # Everything at once: nova-compute alone takes ~13 s to stop on TERM.
    _parallel(lambda s: procs.Proc(state, s.name).stop(args.timeout),
              [(s,) for s in reversed(svcs)], len(svcs))
    busy = [s.name for s in svcs if s.port and procs.port_open(s.port)]
    print('stopped in %.1f s%s' % (time.time() - t0, '; ports still in use: '
                                   + ', '.join(busy) if busy else ''))
    if args.wipe:
        infra.drop_databases()
        infra.drop_vhosts()
        names = os.listdir(state.root) if os.path.isdir(state.root) else []
        for name in names:
            if name == '.lock' or (name == 'venvs' and not args.wipe_venvs):
                continue
            path = state.path(name)
            (shutil.rmtree if os.path.isdir(path) else os.unlink)(path)
        print('wiped databases, vhosts and %s%s' % (
            state.root, '' if args.wipe_venvs else ' (venvs kept)'))
    return 1 if busy else 0


def cmd_restart(args):
    state = L.State()
    known = {s.name for s in S.build(state)}
    unknown = set(args.names) - known
    if unknown:
        raise RuntimeError('unknown services %s (see testcloud status)'
                           % ', '.join(sorted(unknown)))
    _parallel(lambda n: procs.Proc(state, n).stop(args.timeout),
              [(n,) for n in args.names], len(args.names))
    return cmd_up(args)


def cmd_stop(args):
    """Stop the services matching the names/patterns (e.g. 'cinder-*-a').

    They stay down until ``up`` (or ``restart``) starts them again: this is
    how tests and the demo take a site's services away.
    """
    import fnmatch
    state = L.State()
    known = [s.name for s in S.build(state)]
    names = [n for n in known
             if any(fnmatch.fnmatchcase(n, pat) for pat in args.names)]
    if not names:
        raise RuntimeError('no service matches %s (see testcloud status)'
                           % ' '.join(args.names))
    t0 = time.time()
    _parallel(lambda n: procs.Proc(state, n).stop(args.timeout),
              [(n,) for n in names], len(names))
    print('stopped %s in %.1f s' % (' '.join(names), time.time() - t0))
    return 0


# Variables of an openrc that would override the cloud --os-cloud names
# (openstackclient takes them as its options' defaults): ``env`` unsets
# them, so that ``--os-cloud testcloud-b-tenant1-member`` means what it
# says even in a shell that sourced credentials before.
OPENRC_VARS = (
    'OS_AUTH_URL', 'OS_AUTH_TYPE', 'OS_IDENTITY_API_VERSION', 'OS_USERNAME',
    'OS_USER_ID', 'OS_PASSWORD', 'OS_TOKEN', 'OS_PROJECT_NAME',
    'OS_PROJECT_ID', 'OS_TENANT_NAME', 'OS_TENANT_ID', 'OS_USER_DOMAIN_NAME',
    'OS_USER_DOMAIN_ID', 'OS_PROJECT_DOMAIN_NAME', 'OS_PROJECT_DOMAIN_ID',
    'OS_DOMAIN_NAME', 'OS_DOMAIN_ID', 'OS_REGION_NAME', 'OS_INTERFACE',
    'OS_SYSTEM_SCOPE')


def cmd_env(args):
    """Shell exports: clouds.yaml and its default cloud (site a's admin).

    Only OS_CLIENT_CONFIG_FILE and OS_CLOUD: ``--os-cloud`` picks any other
    cloud of clouds.yaml. ``--openrc`` prints the admin's OS_* variables
    instead, for tools that read no clouds.yaml (they then win over
    ``--os-cloud``, as in any shell that sourced an openrc).
    """
    state = L.State()
    if not os.path.exists(state.cloud_json):
        print('no %s: run testcloud up first' % state.cloud_json,
              file=sys.stderr)
        return 1
    with open(state.cloud_json) as f:
        cloud = json.load(f)
    lines = {
        'DRS_TESTCLOUD_DIR': state.root,
        'DRS_TESTCLOUD_JSON': state.cloud_json,
    }
    if args.openrc:
        admin = cloud['users']['admin']
        print('unset OS_CLOUD OS_CLIENT_CONFIG_FILE')
        lines.update({
            'OS_AUTH_URL': cloud['keystone']['url'],
            'OS_IDENTITY_API_VERSION': '3',
            'OS_USERNAME': admin['name'], 'OS_PASSWORD': admin['password'],
            'OS_PROJECT_NAME': admin['project'],
            'OS_USER_DOMAIN_NAME': 'Default',
            'OS_PROJECT_DOMAIN_NAME': 'Default',
            'OS_REGION_NAME': cloud['sites']['a']['region'],
        })
    else:
        print('unset %s' % ' '.join(OPENRC_VARS))
        lines.update({'OS_CLIENT_CONFIG_FILE': state.clouds_yaml,
                      'OS_CLOUD': 'testcloud-a-admin'})
    for k, v in lines.items():
        print('export %s=%s' % (k, _shell_quote(v)))
    if args.clouds_yaml:
        with open(state.clouds_yaml) as f:
            print('# %s' % state.clouds_yaml)
            for line in f.read().splitlines():
                print('# ' + line)
    return 0


def _shell_quote(v):
    return "'%s'" % str(v).replace("'", "'\\''")


def cmd_logs(args):
    state = L.State()
    names = args.names or sorted(n[:-4] for n in os.listdir(state.log)
                                 if n.endswith('.log'))
    for name in names:
        print('==== %s (last %d lines) ====' % (name, args.lines))
        print(procs.tail(os.path.join(state.log, name + '.log'), args.lines))
    return 0


def cmd_collect_logs(args):
    state = L.State()
    os.makedirs(args.dir, exist_ok=True)
    for sub in ('log', 'etc', 'run'):
        if os.path.isdir(state.path(sub)):
            shutil.copytree(state.path(sub), os.path.join(args.dir, sub),
                            dirs_exist_ok=True)
    if os.path.exists(state.cloud_json):
        shutil.copy(state.cloud_json, args.dir)
    print('logs, configs and run records copied to %s' % args.dir)
    return 0


def cmd_replication(args):
    sys.path.insert(0, L.DRIVERS_DIR)
    import testcloud_pool as tcpool
    state = L.State()
    sites = [args.site] if args.site else list(L.SITES)
    for site in sites:
        pool = tcpool.Pool(state.pool(site))
        peer = tcpool.Pool(state.pool(L.SITES[site]['peer']))
        if args.action == 'pause':
            pool.set_paused(True)
        elif args.action == 'resume':
            pool.set_paused(False)
        if not os.path.isdir(pool.root):
            continue
        print('site %s -> %s: replication %s' % (
            site, L.SITES[site]['peer'],
            'PAUSED' if pool.is_paused() else 'running'))
        if args.action == 'status':
            now = time.time()
            for vid in pool.replicated_volume_ids():
                st = pool.read_state(vid) or {}
                meta = peer.read_replica_meta(vid) or {}
                last = meta.get('last_sync_at')
                print('  volume %s active=%s replicate=%s last_sync_at=%s '
                      'lag=%s' % (vid, st.get('active'), st.get('replicate'),
                                  last, '%.1fs' % (now - last) if last
                                  else 'never'))
    return 0


@contextlib.contextmanager
def _exclusive(state):
    """One up/down/restart at a time per state directory (the lock file
    survives ``down --wipe``)."""
    os.makedirs(state.root, exist_ok=True)
    with open(state.path('.lock'), 'a') as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print('testcloud: waiting for another testcloud command on %s'
                  % state.root, flush=True)
            fcntl.flock(f, fcntl.LOCK_EX)
        yield


def main(argv=None):
    p = argparse.ArgumentParser(
        prog='testcloud',
        description='Two OpenStack sites of real services on 127.0.0.1 for '
                    'drs integration tests and the demo.  State: '
                    '$DRS_TESTCLOUD_DIR (default <repo>/.testcloud).')
    sub = p.add_subparsers(dest='cmd', required=True)
    u = sub.add_parser('up', help='install, configure and start (idempotent)')
    u.add_argument('--profile', choices=ceph.PROFILES,
                   help='file (the default): Cinder on the test file '
                        'driver, Swift; ceph: the same plus a Ceph cluster '
                        'per site (RBD mirroring under a second Cinder '
                        'backend, RGW multisite).  Remembered: a later up '
                        'without --profile keeps it')
    d = sub.add_parser('down', help='stop every process testcloud started')
    d.add_argument('--timeout', type=float, default=30,
                   help='seconds between TERM and KILL (default 30)')
    d.add_argument('--wipe', action='store_true',
                   help='also drop databases, vhosts and state (not venvs)')
    d.add_argument('--wipe-venvs', action='store_true',
                   help='with --wipe: remove the venvs too')
    rs = sub.add_parser('restart', help='stop the named services, then up')
    rs.add_argument('--timeout', type=float, default=30)
    rs.add_argument('names', nargs='+', help='e.g. cinder-volume-a')
    st = sub.add_parser('stop', help='stop the named services (fnmatch '
                                     'patterns, e.g. "cinder-*-a"); up '
                                     'starts them again')
    st.add_argument('--timeout', type=float, default=30)
    st.add_argument('names', nargs='+', help='e.g. nova-compute-a "swift-*-a"')
    sub.add_parser('status', help='show each service up/down (rc 1 if any '
                                  'is down)')
    e = sub.add_parser('env', help='print shell exports: '
                                   'OS_CLIENT_CONFIG_FILE and OS_CLOUD (the '
                                   'admin at site a; --os-cloud picks '
                                   'another)')
    e.add_argument('--clouds-yaml', action='store_true',
                   help='also print clouds.yaml (as comments)')
    e.add_argument('--openrc', action='store_true',
                   help="export the admin's OS_* variables instead (they "
                        "override --os-cloud)")
    lg = sub.add_parser('logs', help='print the tail of service logs')
    lg.add_argument('-n', '--lines', type=int, default=40)
    lg.add_argument('names', nargs='*', help='e.g. cinder-volume-a')
    c = sub.add_parser('collect-logs', help='copy logs+configs to DIR (CI)')
    c.add_argument('dir')
    r = sub.add_parser('replication', help='pause/resume/status of the '
                                           'Cinder test driver replication')
    r.add_argument('action', choices=('pause', 'resume', 'status'))
    r.add_argument('--site', choices=sorted(L.SITES),
                   help='source site (default: both)')
    args = p.parse_args(argv)
    handler = {'up': cmd_up, 'down': cmd_down, 'status': cmd_status,
               'restart': cmd_restart, 'stop': cmd_stop,
               'env': cmd_env, 'logs': cmd_logs,
               'collect-logs': cmd_collect_logs,
               'replication': cmd_replication}[args.cmd]
    try:
        if args.cmd in ('up', 'down', 'restart', 'stop'):
            with _exclusive(L.State()):
                return handler(args)
        return handler(args)
    except (RuntimeError, procs.Timeout) as e:
        print('\ntestcloud %s FAILED: %s' % (args.cmd, e), file=sys.stderr)
        return 1
