"""Unit tests of the RBD mirroring backend with the rbd command faked.

The real thing runs in drs/tests/integration/test_rbd_backend.py against
the test cloud's two Ceph clusters.
"""

import json
import subprocess
import time

import pytest
from oslo_config import cfg
from stevedore import driver as sv_driver

from drs.conf import replication as rconf
from drs.drivers.replication import base
from drs.drivers.replication import rbd

SITE_A = {'name': 'site-a', 'region_name': 'RegionOne'}
SITE_B = {'name': 'site-b', 'region_name': 'RegionTwo'}
VID = '11111111-2222-3333-4444-555555555555'
IMG = 'volume-' + VID
NOW = 1_800_000_000.0


def _ts(epoch):
    return time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(epoch))


class FakeRbd:
    """Answers rbd commands from per-cluster handlers; records argv."""

    def __init__(self):
        self.calls = []
        self.handlers = {}      # (cluster conf, verb tuple) -> callable

    def on(self, conf, *verb, out=None, rc=0, err='', fn=None):
        self.handlers[(conf,) + verb] = fn or (
            lambda argv: (rc, json.dumps(out) if out is not None and
                          not isinstance(out, str) else (out or ''), err))

    def __call__(self, argv, capture_output, text, timeout, check):
        self.calls.append(argv)
        conf = argv[argv.index('--conf') + 1]
        args = [a for a in argv[5:] if a not in ('--format', 'json')]
        if '--keyring' in argv:
            args = args[2:]
        for n in range(len(args), 0, -1):
            h = self.handlers.get((conf,) + tuple(args[:n]))
            if h:
                rc, out, err = h(argv)
                return subprocess.CompletedProcess(argv, rc, out, err)
        return subprocess.CompletedProcess(argv, 2, '', 'rbd: error opening '
                                           'image: (2) No such file or '
                                           'directory')

    def verbs(self, conf=None):
        out = []
        for c in self.calls:
            if conf is not None and c[c.index('--conf') + 1] != conf:
                continue
            args = c[7:] if '--keyring' in c else c[5:]
            out.append(' '.join(a for a in args
                                if a not in ('--format', 'json')))
        return out


class Clock:
    def __init__(self):
        self.t = NOW

    def __call__(self):
        return self.t

    def sleep(self, s):
        self.t += s


@pytest.fixture
def conf():
    c = cfg.ConfigOpts()
    rconf.register_opts(c)
    c([], project='drs-test')
    c.set_override('poll_interval', 1.0, rconf.GROUP)
    c.set_override('promote_timeout', 10, rconf.GROUP)
    c.set_override('snapshot_timeout', 10, rconf.GROUP)
    ga = rconf.register_site(c, 'site-a')
    c.set_override('ceph_conf', '/a.conf', ga)
    c.set_override('cinder_host', 'a@ceph#ceph', ga)
    gb = rconf.register_site(c, 'RegionTwo')        # b by its region
    c.set_override('ceph_conf', '/b.conf', gb)
    c.set_override('cinder_host', 'b@ceph#ceph', gb)
    c.set_override('keyring', '/b.keyring', gb)
    return c


@pytest.fixture
def fake():
    return FakeRbd()


@pytest.fixture
def clock():
    return Clock()


def backend(conf, fake, clock, here=SITE_B, there=SITE_A):
    return rbd.RbdMirrorBackend(here, there, None, conf=conf, runner=fake,
                                sleep=clock.sleep, clock=clock)


def _info(primary, gid='g1', mode='journal'):
    return {'name': IMG, 'mirroring': {'mode': mode, 'state': 'enabled',
                                       'global_id': gid,
                                       'primary': primary}}


def _pool(*images):
    return {'summary': {}, 'images': list(images)}


def _image(state, description, last_update=NOW - 20, peer_update=NOW - 10,
           name=IMG):
    return {'name': name, 'global_id': 'g1', 'state': state,
            'description': description, 'last_update': _ts(last_update),
            'peer_sites': [{'site_name': 'site-a', 'state': 'up+stopped',
                            'description': 'local image is primary',
                            'last_update': _ts(peer_update)}]}


def test_loads_by_entry_point():
    mgr = sv_driver.DriverManager(base.NAMESPACE, 'rbd', invoke_on_load=False)
    assert mgr.driver is rbd.RbdMirrorBackend


def test_site_options_by_name_then_region_then_defaults(conf):
    a = rconf.site_options(conf, SITE_A)
    b = rconf.site_options(conf, SITE_B)
    assert a['ceph_conf'] == '/a.conf' and b['ceph_conf'] == '/b.conf'
    assert a['keyring'] is None and b['keyring'] == '/b.keyring'
    assert a['pool'] == b['pool'] == 'volumes'          # [rbd_replication]
    assert a['promote_timeout'] == 10
    conf.set_override('pool', 'rbd-b', rconf.register_site(conf, 'site-b'))
    assert rconf.site_options(conf, SITE_B)['pool'] == 'rbd-b'


def test_command_line(conf, fake, clock):
    fake.on('/b.conf', 'mirror', 'pool', 'status', out=_pool())
    backend(conf, fake, clock).status([{'id': VID}])
    assert fake.calls == [[
        'rbd', '--conf', '/b.conf', '--id', 'admin', '--keyring',
        '/b.keyring', 'mirror', 'pool', 'status', '--verbose', 'volumes',
        '--format', 'json']]


def test_status_one_call_for_all_volumes(conf, fake, clock):
    ids = ['v-ok', 'v-behind', 'v-snap', 'v-split', 'v-sync', 'v-prim',
           'v-down', 'v-missing']
    fake.on('/b.conf', 'mirror', 'pool', 'status', out=_pool(
        _image('up+replaying', 'replaying, {"entries_behind_primary":0}',
               name='volume-v-ok'),
        _image('up+replaying', 'replaying, {"entries_behind_primary":7}',
               name='volume-v-behind'),
        _image('up+replaying', 'replaying, {"local_snapshot_timestamp":'
               '%d,"remote_snapshot_timestamp":%d}' % (NOW - 90, NOW - 30),
               name='volume-v-snap'),
        _image('up+error', 'split-brain detected', name='volume-v-split'),
        _image('up+syncing', 'bootstrapping, IMAGE_SYNC/COPY_IMAGE 10%',
               name='volume-v-sync'),
        _image('up+stopped', 'local image is primary', name='volume-v-prim'),
        _image('down+replaying', 'replaying, {"entries_behind_primary":0}',
               name='volume-v-down')))
    fake.on('/b.conf', 'status', out={'watchers': []})
    st = backend(conf, fake, clock).status([{'id': i} for i in ids])
    assert fake.verbs().count('mirror pool status --verbose volumes') == 1
    ok = st['v-ok']
    assert ok['present'] and ok['health'] == base.HEALTH_OK
    assert not ok['primary'] and not ok['safe_to_manage']
    # capped by the primary side's own (later) refresh? no: the older one
    assert ok['last_sync_at'] == pytest.approx(NOW - 20)
    assert ok['reference'] == {'source-name': 'volume-v-ok'}
    assert ok['host'] == 'b@ceph#ceph'
    assert st['v-behind']['last_sync_at'] is None
    assert '7 journal entries behind' in st['v-behind']['detail']
    assert st['v-snap']['last_sync_at'] == NOW - 90
    assert st['v-split']['health'] == base.HEALTH_SPLIT_BRAIN
    assert st['v-sync']['health'] == base.HEALTH_SYNCING
    assert st['v-prim']['primary'] and st['v-prim']['safe_to_manage']
    assert st['v-down']['health'] == base.HEALTH_STOPPED
    assert st['v-missing']['present'] is False


def test_status_daemon_down_keeps_its_last_sync(conf, fake, clock):
    """B's rbd-mirror stopped: its last status stands (the replica holds
    at least that), so the lag grows from there instead of from the
    plan's protection or vanishing."""
    fake.on('/b.conf', 'mirror', 'pool', 'status', out=_pool(
        _image('down+replaying', 'replaying, {"entries_behind_primary":0}',
               last_update=NOW - 200, peer_update=NOW - 150),
        _image('down+replaying', 'replaying, {"entries_behind_primary":3}',
               name='volume-v-behind'),
        _image('down+stopped', 'local image is primary',
               name='volume-v-prim')))
    fake.on('/b.conf', 'status', out={'watchers': []})
    st = backend(conf, fake, clock).status(
        [{'id': VID}, {'id': 'v-behind'}, {'id': 'v-prim'}])
    assert st[VID]['health'] == base.HEALTH_STOPPED
    assert st[VID]['last_sync_at'] == pytest.approx(NOW - 200)
    assert st['v-behind']['last_sync_at'] is None
    assert st['v-behind']['health'] == base.HEALTH_STOPPED
    assert st['v-prim']['primary'] and st['v-prim']['health'] == \
        base.HEALTH_STOPPED


def test_status_stale_primary_side_caps_last_sync(conf, fake, clock):
    fake.on('/b.conf', 'mirror', 'pool', 'status', out=_pool(_image(
        'up+replaying', 'replaying, {"entries_behind_primary":0}',
        last_update=NOW - 5, peer_update=NOW - 300)))
    st = backend(conf, fake, clock).status([{'id': VID}])[VID]
    assert st['last_sync_at'] == pytest.approx(NOW - 300)


def test_forced_promote_retries_while_daemon_lets_go(conf, fake, clock):
    state = {'primary': False, 'tries': 0}

    def promote(argv):
        assert '--force' in argv
        state['tries'] += 1
        if state['tries'] < 3:
            return 30, '', 'rbd: error promoting image: (30) Read-only'
        state['primary'] = True
        return 0, '', ''
    fake.on('/b.conf', 'info', fn=lambda argv: (
        0, json.dumps(_info(state['primary'])), ''))
    fake.on('/b.conf', 'mirror', 'image', 'promote', fn=promote)
    fake.on('/b.conf', 'mirror', 'pool', 'status', out=_pool(_image(
        'up+replaying', 'replaying, {"entries_behind_primary":0}')))
    fake.on('/b.conf', 'status', out={'watchers': []})
    st = backend(conf, fake, clock).promote({'id': VID}, force=True)
    assert state['tries'] == 3
    assert st['primary'] and st['safe_to_manage']
    assert st['health'] == base.HEALTH_STOPPED       # stale status overruled
    assert not [v for v in fake.verbs('/a.conf')]     # peer never contacted


def test_planned_promote_demotes_peer_then_promotes(conf, fake, clock):
    state = {'b': False, 'a': True, 'tries': 0}

    def promote(argv):
        state['tries'] += 1
        if state['tries'] < 4:
            return 16, '', 'rbd: error promoting image: (16) busy'
        state['b'] = True
        return 0, '', ''

    def demote(argv):
        state['a'] = False
        return 0, '', ''
    fake.on('/a.conf', 'info', fn=lambda argv: (
        0, json.dumps(_info(state['a'])), ''))
    fake.on('/a.conf', 'mirror', 'image', 'demote', fn=demote)
    fake.on('/b.conf', 'info', fn=lambda argv: (
        0, json.dumps(_info(state['b'])), ''))
    fake.on('/b.conf', 'mirror', 'image', 'promote', fn=promote)
    fake.on('/b.conf', 'mirror', 'pool', 'status', out=_pool())
    fake.on('/b.conf', 'status', out={'watchers': []})
    b = backend(conf, fake, clock)
    st = b.promote({'id': VID})
    assert st['primary'] and state['a'] is False and state['tries'] == 4
    assert 'mirror image demote volumes/' + IMG in fake.verbs('/a.conf')
    assert not any('--force' in c for c in fake.calls)
    n = len(fake.calls)
    assert b.promote({'id': VID})['primary']            # idempotent
    assert not any('promote' in v for v in fake.verbs()[n:])


def test_promote_times_out(conf, fake, clock):
    fake.on('/a.conf', 'info', out=_info(False))
    fake.on('/b.conf', 'info', out=_info(False))
    fake.on('/b.conf', 'mirror', 'image', 'promote', rc=16, err='busy')
    with pytest.raises(base.ReplicationError, match='still failing after'):
        backend(conf, fake, clock).promote({'id': VID})
    assert clock.t - NOW == pytest.approx(10, abs=1)


def test_unreachable_peer_fails_planned_promote(conf, fake, clock):
    fake.on('/b.conf', 'info', out=_info(False))

    def hang(argv, **kw):
        if '/a.conf' in argv:
            raise subprocess.TimeoutExpired(argv, 60)
        return fake(argv, **kw)
    b = rbd.RbdMirrorBackend(SITE_B, SITE_A, None, conf=conf, runner=hang,
                             sleep=clock.sleep, clock=clock)
    with pytest.raises(rbd.Unreachable, match='no answer within'):
        b.promote({'id': VID})


def test_promote_missing_replica(conf, fake, clock):
    with pytest.raises(base.ReplicationError, match='no replica'):
        backend(conf, fake, clock).promote({'id': VID}, force=True)


def test_copy_snapshot_at_primary_clone_here(conf, fake, clock):
    snaps = {'a': [], 'b': []}
    snap = 'drs-copy-c1'

    def snap_create(argv):
        snaps['a'].append({'name': snap})
        snaps['b'].append({'name': snap,
                           'timestamp': 'Tue Dec  1 21:22:58 2026'})
        return 0, '', ''
    made = {}
    fake.on('/a.conf', 'info', out=_info(True))
    fake.on('/a.conf', 'snap', 'ls', fn=lambda argv: (
        0, json.dumps(snaps['a']), ''))
    fake.on('/a.conf', 'snap', 'create', fn=snap_create)
    fake.on('/b.conf', 'snap', 'ls', fn=lambda argv: (
        0, json.dumps(snaps['b']), ''))
    fake.on('/b.conf', 'info', fn=lambda argv: (
        (0, json.dumps({'name': 'drs-copy-c1'}), '') if made or
        'volumes/' + IMG in argv else
        (2, '', '(2) No such file or directory')))
    fake.on('/b.conf', 'clone', fn=lambda argv: (made.update(x=1) or 0, '',
                                                  ''))
    fake.on('/b.conf', 'mirror', 'pool', 'status', out=_pool())
    fake.on('/b.conf', 'status', out={'watchers': []})
    b = backend(conf, fake, clock)
    st = b.copy({'id': VID}, 'c1')
    assert st['present'] and st['reference'] == {'source-name': 'drs-copy-c1'}
    assert st['host'] == 'b@ceph#ceph' and st['safe_to_manage']
    assert st['last_sync_at'] == time.mktime(time.strptime(
        'Tue Dec  1 21:22:58 2026', '%a %b %d %H:%M:%S %Y'))
    clone = [c for c in fake.calls if 'clone' in c][0]
    assert clone[7:] == ['clone', '--rbd-default-clone-format', '2',
                         'volumes/%s@%s' % (IMG, snap), 'volumes/drs-copy-c1']
    assert 'snap create volumes/%s@%s' % (IMG, snap) in fake.verbs('/a.conf')
    n = len(fake.calls)
    assert b.copy({'id': VID}, 'c1')['reference'] == st['reference']
    assert not any('clone' in c or 'create' in c for c in fake.calls[n:])


def test_copy_refused_when_peer_not_primary(conf, fake, clock):
    fake.on('/b.conf', 'info', fn=lambda argv: (
        (0, json.dumps(_info(False)), '') if 'volumes/' + IMG in argv
        else (2, '', '(2) No such file or directory')))
    fake.on('/a.conf', 'snap', 'ls', out=[])
    fake.on('/a.conf', 'info', out=_info(False))
    with pytest.raises(base.ReplicationError, match='no primary'):
        backend(conf, fake, clock).copy({'id': VID}, 'c1')


def test_delete_copy(conf, fake, clock):
    gone = {}
    fake.on('/b.conf', 'info', fn=lambda argv: (
        (2, '', 'No such file') if gone else
        (0, json.dumps({'name': 'drs-copy-c1'}), '')))
    fake.on('/b.conf', 'rm', fn=lambda argv: (gone.update(x=1) or 0, '', ''))
    fake.on('/a.conf', 'snap', 'ls', fn=lambda argv: (
        0, json.dumps([] if gone.get('snap') else [{'name': 'drs-copy-c1'}]),
        ''))
    fake.on('/a.conf', 'snap', 'rm', fn=lambda argv: (
        gone.update(snap=1) or 0, '', ''))
    b = backend(conf, fake, clock)
    assert b.delete_copy({'id': VID}, 'c1') is True
    assert 'snap rm --no-progress volumes/%s@drs-copy-c1' % IMG in \
        fake.verbs('/a.conf')
    assert b.delete_copy({'id': VID}, 'c1') is False


def test_reverse_refuses_when_peer_not_primary(conf, fake, clock):
    fake.on('/b.conf', 'info', out=_info(False))
    with pytest.raises(base.ReplicationError, match='not primary'):
        backend(conf, fake, clock, here=SITE_A, there=SITE_B).reverse(
            {'id': VID}, {'id': VID})
    assert not [v for v in fake.verbs('/a.conf') if 'demote' in v]


def _split_brain(fake):
    """Both sides primary; demote and resync answer at A."""
    fake.on('/b.conf', 'info', out=_info(True))
    fake.on('/a.conf', 'info', out=_info(True))
    fake.on('/a.conf', 'mirror', 'image', 'demote', out='')
    fake.on('/a.conf', 'mirror', 'image', 'resync', out='')
    fake.on('/a.conf', 'mirror', 'pool', 'status', out=_pool(_image(
        'up+stopped', 'local image is primary')))


def test_reverse_split_brain_demotes_and_resyncs_here(conf, fake, clock):
    _split_brain(fake)
    fake.on('/a.conf', 'status', out={'watchers': []})
    backend(conf, fake, clock, here=SITE_A, there=SITE_B).reverse(
        {'id': VID}, {'id': VID})
    verbs = fake.verbs('/a.conf')
    assert verbs.index('mirror image demote volumes/' + IMG) < \
        verbs.index('mirror image resync volumes/' + IMG)
    assert not [v for v in fake.verbs('/b.conf') if 'demote' in v or
                'resync' in v]


def test_reverse_split_brain_while_the_resync_removes_the_image(
        conf, fake, clock):
    """rbd-mirror removes the image a resync was asked for before it
    makes it again: its ``rbd status`` answers ENOENT (seen in CI), and
    the replica is reported as not yet manageable, not as an error."""
    _split_brain(fake)
    fake.on('/a.conf', 'status', rc=2,
            err='rbd: error opening image %s: (2) No such file or '
            'directory' % IMG)
    st = backend(conf, fake, clock, here=SITE_A, there=SITE_B).reverse(
        {'id': VID}, {'id': VID})
    assert st['present'] and st['safe_to_manage'] is False
    assert 'mirror image resync volumes/' + IMG in fake.verbs('/a.conf')


def test_reverse_already_replica_does_nothing(conf, fake, clock):
    fake.on('/b.conf', 'info', out=_info(True))
    fake.on('/a.conf', 'info', out=_info(False))
    fake.on('/a.conf', 'mirror', 'pool', 'status', out=_pool(_image(
        'up+replaying', 'replaying, {"entries_behind_primary":0}')))
    st = backend(conf, fake, clock, here=SITE_A, there=SITE_B).reverse(
        {'id': VID}, {'id': VID})
    assert st['health'] == base.HEALTH_OK and not st['primary']
    assert not [v for v in fake.verbs() if 'demote' in v or 'resync' in v]


def test_reverse_refuses_a_different_image(conf, fake, clock):
    fake.on('/b.conf', 'info', out=_info(True, gid='g-peer'))
    fake.on('/a.conf', 'info', out=_info(True, gid='g-other'))
    with pytest.raises(base.ReplicationError, match='global ids differ'):
        backend(conf, fake, clock, here=SITE_A, there=SITE_B).reverse(
            {'id': VID}, {'id': VID})
