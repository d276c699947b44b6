"""Profile ``ceph``: one Ceph cluster per site, RBD mirroring, RGW multisite.

Added BESIDE the base cloud (``testcloud up --profile ceph``), never in
place of it: every file written here is Ceph-only (``etc/site-<x>/ceph/``,
``etc/site-<x>/cinder/cinder-rbd.conf``, ``site-<x>/ceph/``), and every
process is an extra one, so the profile can join a cloud that is already
running without touching its services.

Per site ``x`` (ports ``CEPH_BASE[x] + ...``, all 127.0.0.1):

* ``ceph-mon-x``, ``ceph-mgr-x``, ``ceph-osd-x``: a single-node cluster
  (memstore OSD, 1 GiB, auth none), data under ``site-x/ceph``;
* pool ``volumes`` in mirror mode ``image``, two-way peers (bootstrap
  token), ``rbd-mirror-x`` replaying the peer's primary images;
* ``radosgw-x``: realm ``drs``, zonegroup ``drs``, zone ``site-a`` (master)
  at A and ``site-b`` at B; tenants authenticate through the shared
  Keystone (implicit tenants, account ``AUTH_<project_id>``);
* ``cinder-volume-rbd-x``: Cinder's upstream ``RBDDriver`` on that pool,
  backend ``ceph`` (host ``site-x-storage@ceph``) with ``replication_device``
  pointing at the peer's cluster; volume type ``ceph-replicated``.

The Ceph daemons run in the foreground (``-f``) and log to stderr, so they
are tracked like every other service (``run/<name>.json``, ``log/<name>.log``).
Memstore keeps its data in memory only: an OSD that stopped (``down``,
``stop``, a crash) comes back empty, so ``up`` then makes both clusters
afresh (pools, peers, zones; earlier images and objects are gone, Cinder
volumes of the ``ceph`` backend made before are orphans).  SIGSTOP/SIGCONT
(the failover tests) keeps the data.
"""
import json
import os
import shutil
import subprocess
import time
import uuid

from . import layout as L

PROFILE_FILE = 'profile'
PROFILES = ('file', 'ceph')

# Port block per site: mon v2 +0, mon v1 +1, RGW +80, OSD/MGR/rbd-mirror
# messengers +100..+199 (out of Ceph's default 6800-7300, where the base
# cloud's Swift servers listen).
CEPH_BASE = {'a': 46000, 'b': 46200}
POOL = 'volumes'
BACKEND = 'ceph'                       # Cinder backend section and name
VOLUME_TYPE = 'ceph-replicated'
REALM = 'drs'
ZONEGROUP = 'drs'
# RGW system user of the realm (multisite metadata/data sync); test-only.
SYNC_ACCESS_KEY = 'TESTCLOUDSYNCKEY'
SYNC_SECRET = 'testcloud-sync-secret'  # noqa: S105 - test-only, loopback
RBD_MIRROR_ID = 'rbd-mirror.local'
# Debian's python3-rados / python3-rbd, built for CPython 3.11: the
# openstack venv is CPython 3.11 as well (same extension ABI), so the two
# modules alone are put on cinder-volume-rbd's path (no second venv, no
# --system-site-packages pulling Debian's other modules in).
DEBIAN_DIST = '/usr/lib/python3/dist-packages'
BINDINGS = ('rados.cpython-311-x86_64-linux-gnu.so',
            'rbd.cpython-311-x86_64-linux-gnu.so')

APT_PACKAGES = [
    ('/usr/bin/ceph-mon', 'ceph-mon'),
    ('/usr/bin/ceph-osd', 'ceph-osd'),
    ('/usr/bin/ceph-mgr', 'ceph-mgr'),
    ('/usr/bin/rbd-mirror', 'rbd-mirror'),
    ('/usr/bin/radosgw', 'radosgw'),
    ('/usr/bin/rbd', 'ceph-common'),
    (os.path.join(DEBIAN_DIST, BINDINGS[0]), 'python3-rados'),
    (os.path.join(DEBIAN_DIST, BINDINGS[1]), 'python3-rbd'),
    # Cinder's manage flow (drs's failover imports replicas with it) leaves
    # a volume's service_uuid unset and shared_targets True; Nova's attach
    # then locks on that None in os-brick unless the compute's iscsiadm
    # can do manual scans -- true of a compute with open-iscsi installed,
    # as most are. Its iscsiadm is all nova-compute looks at (no daemon).
    ('/sbin/iscsiadm', 'open-iscsi'),
]


# ------------------------------------------------------------ profile
def profile(state):
    try:
        with open(state.path(PROFILE_FILE)) as f:
            return f.read().strip() or 'file'
    except FileNotFoundError:
        return 'file'


def set_profile(state, name):
    with open(state.path(PROFILE_FILE), 'w') as f:
        f.write(name + '\n')


def enabled(state):
    return profile(state) == 'ceph'


# ------------------------------------------------------------ layout
def mon_port(site, v1=False):
    return CEPH_BASE[site] + (1 if v1 else 0)


def rgw_port(site):
    return CEPH_BASE[site] + 80


def rgw_url(site):
    return 'http://%s:%d' % (L.HOST, rgw_port(site))


def zone(site):
    return 'site-%s' % site


def data_dir(state, site, *parts):
    return state.site_dir(site, 'ceph', *parts)


def conf_path(state, site):
    return os.path.join(state.etc, 'site-%s' % site, 'ceph', 'ceph.conf')


def keyring_path(state, site):
    return data_dir(state, site, 'keyring')


def mirror_cwd(state, site):
    """rbd-mirror's working directory.  Its pool replayers open their own
    cluster connections from Ceph's default search path (``./$cluster.conf``
    among others), not from ``--conf``: ``ceph.conf`` here is the local
    cluster's, ``site-<peer>.conf`` the peer's (the cluster name of the
    bootstrap peer)."""
    return data_dir(state, site, 'mirror')


def incarnation(state, site):
    """Start time of the OSD process that holds the cluster's data."""
    return data_dir(state, site, 'osd-incarnation')


def pylib_dir(state):
    return state.path('venvs', 'ceph-bindings')


def cinder_rbd_conf(state, site):
    return os.path.join(state.etc, 'site-%s' % site, 'cinder',
                        'cinder-rbd.conf')


def cinder_host(site):
    """The ``host@backend#pool`` Cinder manages RBD volumes of ``site``
    into (the RBD driver reports one pool named after the backend)."""
    return 'site-%s-storage@%s#%s' % (site, BACKEND, BACKEND)


def ceph_cmd(state, site, *args):
    return ['ceph', '--conf', conf_path(state, site), '--connect-timeout',
            '10'] + list(args)


def rbd_cmd(state, site, *args):
    return ['rbd', '--conf', conf_path(state, site)] + list(args)


def rgw_admin(state, site, *args):
    return ['radosgw-admin', '--conf', conf_path(state, site)] + list(args)


# ------------------------------------------------------------ configs
def _fsid(state, site):
    path = data_dir(state, site, 'fsid')
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write(str(uuid.uuid4()) + '\n')
    with open(path) as f:
        return f.read().strip()


def write_configs(state):
    """ceph.conf of both clusters, Cinder's RBD backend config, the
    bindings' directory.  Ceph-only files: safe on a running cloud."""
    for site in L.SITES:
        _ceph_conf(state, site)
        _cinder_conf(state, site)
    for site in L.SITES:
        peer = L.SITES[site]['peer']
        d = mirror_cwd(state, site)
        os.makedirs(d, exist_ok=True)
        for name, target in (('ceph.conf', conf_path(state, site)),
                             ('%s.conf' % zone(peer), conf_path(state, peer))):
            if not os.path.islink(os.path.join(d, name)):
                os.symlink(target, os.path.join(d, name))
    os.makedirs(pylib_dir(state), exist_ok=True)
    for name in BINDINGS:
        link = os.path.join(pylib_dir(state), name)
        if not os.path.islink(link):
            os.symlink(os.path.join(DEBIAN_DIST, name), link)


def _ceph_conf(state, site):
    d = data_dir(state, site)
    for sub in ('run', 'mon.a', 'mgr.x', 'osd.0', 'tmp'):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    base = CEPH_BASE[site]
    mon = '[v2:%s:%d,v1:%s:%d]' % (L.HOST, mon_port(site), L.HOST,
                                   mon_port(site, v1=True))
    ks = L.KEYSTONE_URL.rsplit('/v3', 1)[0]   # RGW appends /v3 itself
    daemon_log = ('log to file = false\nlog to stderr = true\n'
                  'err to stderr = true\n')
    text = '''
        [global]
        fsid = {fsid}
        mon host = {mon}
        public network = 127.0.0.0/8
        ms bind port min = {pmin}
        ms bind port max = {pmax}
        auth cluster required = none
        auth service required = none
        auth client required = none
        osd pool default size = 1
        osd pool default min size = 1
        osd pool default pg num = 8
        osd pool default pgp num = 8
        osd pool default pg autoscale mode = off
        mon allow pool size one = true
        mon allow pool delete = true
        mon warn on pool no redundancy = false
        mon max pg per osd = 1000
        osd crush chooseleaf type = 0
        run dir = {d}/run
        admin socket = {d}/run/$name.asok
        pid file = {d}/run/$name.pid
        keyring = {d}/keyring
        mon data = {d}/$name
        osd data = {d}/$name
        mgr data = {d}/$name
        log file = {d}/run/$name.log
        log to file = false
        osd objectstore = memstore
        memstore device bytes = 1073741824
        osd memory target = 939524096
        # clone format 2: clones of a snapshot without protecting it (the
        # only way at a non-primary mirror image, which refuses writes)
        rbd default clone format = 2
        rbd default features = {features}
        [client]
        # no admin socket for short-lived clients (rbd, cinder): they would
        # collide on $name.asok; the daemons below keep theirs
        admin socket =
        # clients (radosgw above all) default to a secure mon connection,
        # which hangs with auth none
        ms mon client mode = crc
        [mon]
        {dlog}
        [mgr]
        {dlog}
        mgr initial modules = rbd_support
        [osd]
        {dlog}
        [client.{rbdm}]
        {dlog}
        admin socket = {d}/run/$name.asok
        [client.rgw.{site}]
        {dlog}
        admin socket = {d}/run/$name.asok
        rgw frontends = beast endpoint={host}:{rgw}
        rgw zone = {zone}
        rgw swift account in url = true
        rgw keystone url = {ks}
        rgw keystone api version = 3
        rgw keystone admin user = swift
        rgw keystone admin password = {swift_pw}
        rgw keystone admin project = {svc}
        rgw keystone admin domain = Default
        rgw keystone accepted roles = member,admin
        rgw keystone implicit tenants = true
        rgw keystone verify ssl = false
        '''.format(fsid=_fsid(state, site), mon=mon, pmin=base + 100,
                   pmax=base + 199, d=d, dlog=daemon_log, rbdm=RBD_MIRROR_ID,
                   site=site, host=L.HOST, rgw=rgw_port(site), zone=zone(site),
                   ks=ks, swift_pw=L.service_password('swift'),
                   svc=L.SERVICE_PROJECT,
                   features='layering,exclusive-lock,object-map,fast-diff,'
                            'deep-flatten')
    _write(conf_path(state, site), text)


def _cinder_conf(state, site):
    """Read after the base cinder.conf: only the backend differs."""
    peer = L.SITES[site]['peer']
    _write(cinder_rbd_conf(state, site), '''
        [DEFAULT]
        enabled_backends = {backend}
        [{backend}]
        volume_driver = cinder.volume.drivers.rbd.RBDDriver
        volume_backend_name = {backend}
        rbd_ceph_conf = {conf}
        rbd_pool = {pool}
        rbd_user = admin
        rbd_secret_uuid = 00000000-0000-0000-0000-00000000000{n}
        rbd_exclusive_cinder_pool = false
        replication_device = backend_id:site-{peer},conf:{peer_conf},user:admin
        '''.format(backend=BACKEND, conf=conf_path(state, site), pool=POOL,
                   n=1 if site == 'a' else 2, peer=peer,
                   peer_conf=conf_path(state, peer)))


def _write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    lines = [line.strip() for line in text.strip().splitlines()]
    with open(path, 'w') as f:
        f.write('\n'.join(line for line in lines) + '\n')


# ------------------------------------------------------------ services
def services(state):
    """The profile's processes, in start order (cli.ceph_up starts them in
    stages, with the one-time setup steps between)."""
    from .procs import http_status
    from .services import Service

    out = []
    for site in L.SITES:
        c = ['--conf', conf_path(state, site)]
        out += [
            Service('ceph-mon-%s' % site, site,
                    ['/usr/bin/ceph-mon', '-f'] + c + ['-i', 'a'],
                    port=mon_port(site), group='ceph-core'),
            Service('ceph-mgr-%s' % site, site,
                    ['/usr/bin/ceph-mgr', '-f'] + c + ['-i', 'x'],
                    group='ceph-core'),
            Service('ceph-osd-%s' % site, site,
                    ['/usr/bin/ceph-osd', '-f'] + c + ['-i', '0'],
                    ready=lambda site=site: osd_up(state, site),
                    group='ceph-core'),
        ]
    for site in L.SITES:
        c = ['--conf', conf_path(state, site)]
        out += [
            Service('rbd-mirror-%s' % site, site,
                    ['/usr/bin/rbd-mirror', '-f'] + c + ['--id',
                                                         RBD_MIRROR_ID],
                    cwd=mirror_cwd(state, site), group='ceph-mirror'),
            Service('radosgw-%s' % site, site,
                    ['/usr/bin/radosgw', '-f'] + c + ['-n',
                                                      'client.rgw.%s' % site],
                    port=rgw_port(site), url=rgw_url(site) + '/swift/v1',
                    ready=lambda site=site: http_status(
                        rgw_url(site)) is not None,
                    group='ceph-rgw-%s' % site),
            Service('cinder-volume-rbd-%s' % site, site,
                    [state.bin(L.VENV, 'cinder-volume'),
                     '--config-file', os.path.join(
                         state.etc, 'site-%s' % site, 'cinder',
                         'cinder.conf'),
                     '--config-file', cinder_rbd_conf(state, site)],
                    env={'PYTHONPATH': pylib_dir(state)},
                    group='ceph-cinder'),
        ]
    return out


def osd_up(state, site):
    r = subprocess.run(ceph_cmd(state, site, 'osd', 'stat', '--format',
                                'json'), capture_output=True, text=True,
                       timeout=30, check=False)
    return r.returncode == 0 and json.loads(r.stdout).get('num_up_osds') == 1


# ------------------------------------------------------------ setup steps
def _run(argv, log, **kw):
    from .infra import run
    return run(argv, log=log, **kw)


def _out(argv):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=120,
                       check=False)
    if r.returncode:
        raise RuntimeError('%s failed (rc %d): %s' % (
            ' '.join(argv), r.returncode, (r.stderr or r.stdout)[-2000:]))
    return r.stdout


def mkfs_mon(state, site, log):
    """Monitor store and keyrings of a new cluster."""
    d = data_dir(state, site)
    kr = keyring_path(state, site)
    mon = '[v2:%s:%d,v1:%s:%d]' % (L.HOST, mon_port(site), L.HOST,
                                   mon_port(site, v1=True))
    for sub in ('mon.a', 'mgr.x', 'osd.0'):      # a half-made cluster
        shutil.rmtree(os.path.join(d, sub), ignore_errors=True)
        os.makedirs(os.path.join(d, sub))
    _run(['ceph-authtool', '--create-keyring', kr, '--gen-key', '-n', 'mon.',
          '--cap', 'mon', 'allow *'], log)
    _run(['ceph-authtool', kr, '--gen-key', '-n', 'client.admin',
          '--cap', 'mon', 'allow *', '--cap', 'osd', 'allow *',
          '--cap', 'mgr', 'allow *'], log)
    monmap = os.path.join(d, 'tmp', 'monmap')
    _run(['monmaptool', '--create', '--clobber', '--addv', 'a', mon,
          '--fsid', _fsid(state, site), monmap], log)
    _run(['ceph-mon', '--conf', conf_path(state, site), '--mkfs', '-i', 'a',
          '--monmap', monmap, '--keyring', kr], log)


def mkfs_osd(state, site, log):
    """Register osd.0 with the (running) monitor and make its store."""
    osd_uuid = str(uuid.uuid4())
    osd_id = _out(ceph_cmd(state, site, 'osd', 'new', osd_uuid)).strip()
    if osd_id != '0':
        raise RuntimeError('site %s: expected osd.0, the monitor gave osd.%s'
                           % (site, osd_id))
    _run(['ceph-osd', '--conf', conf_path(state, site), '-i', '0', '--mkfs',
          '--osd-uuid', osd_uuid], log)


def make_pool(state, site, log):
    """Pool ``volumes`` for RBD, mirroring in image mode, site name."""
    _run(ceph_cmd(state, site, 'osd', 'pool', 'create', POOL, '8', '8'), log)
    _run(rbd_cmd(state, site, 'pool', 'init', POOL), log)
    _run(rbd_cmd(state, site, 'mirror', 'pool', 'enable', POOL, 'image',
                 '--site-name', zone(site)), log)


def make_peers(state, log):
    """Two-way pool peers: a bootstrap token from A imported at B."""
    token = data_dir(state, 'a', 'tmp', 'peer-token')
    tok = _out(rbd_cmd(state, 'a', 'mirror', 'pool', 'peer', 'bootstrap',
                       'create', '--site-name', zone('a'), POOL))
    with open(token, 'w') as f:
        f.write(tok)
    _run(rbd_cmd(state, 'b', 'mirror', 'pool', 'peer', 'bootstrap', 'import',
                 '--site-name', zone('b'), '--direction', 'rx-tx', POOL,
                 token), log)
    os.unlink(token)


def make_realm(state, log):
    """At A (before its RGW starts): realm, zonegroup, master zone, the
    system user the zones sync with."""
    ra = lambda *a: _run(rgw_admin(state, 'a', *a), log)   # noqa: E731
    ra('realm', 'create', '--rgw-realm', REALM, '--default')
    ra('zonegroup', 'create', '--rgw-zonegroup', ZONEGROUP, '--endpoints',
       rgw_url('a'), '--master', '--default')
    ra('zone', 'create', '--rgw-zonegroup', ZONEGROUP, '--rgw-zone',
       zone('a'), '--endpoints', rgw_url('a'), '--master', '--default',
       '--access-key', SYNC_ACCESS_KEY, '--secret', SYNC_SECRET)
    ra('user', 'create', '--uid', 'sync-user', '--display-name', 'sync',
       '--system', '--access-key', SYNC_ACCESS_KEY, '--secret', SYNC_SECRET)
    ra('period', 'update', '--commit')


def join_realm(state, log):
    """At B (A's RGW answering): pull the realm, add zone site-b."""
    rb = lambda *a: _run(rgw_admin(state, 'b', *a), log)   # noqa: E731
    rb('realm', 'pull', '--url', rgw_url('a'), '--access-key',
       SYNC_ACCESS_KEY, '--secret', SYNC_SECRET)
    rb('realm', 'default', '--rgw-realm', REALM)
    rb('zone', 'create', '--rgw-zonegroup', ZONEGROUP, '--rgw-zone',
       zone('b'), '--endpoints', rgw_url('b'), '--default',
       '--access-key', SYNC_ACCESS_KEY, '--secret', SYNC_SECRET)
    rb('period', 'update', '--commit', '--rgw-zone', zone('b'))


def wait_rgw_admin(state, site, timeout=60):
    """radosgw-admin answers (its pools exist) - used before join_realm."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        r = subprocess.run(rgw_admin(state, site, 'period', 'get'),
                           capture_output=True, timeout=60, check=False)
        if r.returncode == 0:
            return True
        time.sleep(1)
    raise RuntimeError('radosgw-admin at %s did not answer' % site)


RESERVED_PORTS = '/proc/sys/net/ipv4/ip_local_reserved_ports'


def port_range():
    """``first-last`` of the profile's ports (both sites)."""
    return '%d-%d' % (min(CEPH_BASE.values()),
                      max(CEPH_BASE.values()) + 199)


def reserve_ports(log=print):
    """Keep the kernel from giving the profile's ports to outgoing
    connections: they lie in Linux's ephemeral range (32768-60999), and a
    client socket that happened to take one (any connection on a busy
    machine) made a daemon's bind fail ("Address already in use"). As
    devstack does for its ports: added to ``ip_local_reserved_ports``
    (root; where /proc/sys is read-only, said and left)."""
    wanted = port_range()
    try:
        with open(RESERVED_PORTS) as f:
            current = f.read().strip()
        if wanted in current.split(','):
            return True
        with open(RESERVED_PORTS, 'w') as f:
            f.write(','.join(p for p in (current, wanted) if p))
        return True
    except OSError as e:
        log('  ceph: could not reserve ports %s (%s): a daemon may find '
            'one taken' % (wanted, e))
        return False


def cloud_info(state):
    """What cloud.json publishes of the profile (key ``ceph``)."""
    sites = {}
    for site in L.SITES:
        sites[site] = {
            'ceph_conf': conf_path(state, site),
            'keyring': keyring_path(state, site),
            'client_id': 'admin',
            'pool': POOL,
            'mirror_site_name': zone(site),
            'cinder_host': cinder_host(site),
            'cinder_backend': 'site-%s-storage@%s' % (site, BACKEND),
            'rgw': {'url': rgw_url(site),
                    'swift_url': rgw_url(site) + '/swift/v1',
                    'zone': zone(site), 'master': site == 'a'},
        }
    return {'profile': 'ceph', 'auth': 'none', 'volume_type': VOLUME_TYPE,
            'realm': REALM, 'zonegroup': ZONEGROUP,
            'rgw_system_user': {'access_key': SYNC_ACCESS_KEY,
                                'secret_key': SYNC_SECRET},
            'sites': sites}
