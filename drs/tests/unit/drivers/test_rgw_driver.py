"""Unit tests of the RGW multisite driver: radosgw-admin's answers are
replayed from what Ceph 16.2.15 printed on the test cloud's zones (the
integration test ``test_ceph_recovery.py`` runs the driver on them)."""

import calendar
import json
import subprocess
import types
from unittest import mock

import pytest

from drs.conf import rgw as rgw_conf
from drs.drivers import base
from drs.drivers.rgw import driver as rgw_driver
from drs.engine import measure

PROJECT = 'ad70c1126afd48aa9986c665afde54f9'
BUCKET = '%s/docs' % PROJECT
SITE_A = {'name': 'site-a', 'region_name': 'RegionOne',
          'endpoint_overrides': {}}
SITE_B = {'name': 'site-b', 'region_name': 'RegionTwo',
          'endpoint_overrides': {}}
MAX_MARKER = '0#,1#00000000002.7.6,2#,3#00000000001.5.6'


def _stats(max_marker=MAX_MARKER, count=3):
    return {'bucket': 'docs', 'tenant': PROJECT, 'num_shards': 4,
            'id': 'zid.4169.1', 'mtime': '2026-12-02T05:19:40.756015Z',
            'max_marker': max_marker,
            'usage': {'rgw.main': {'size': 3000, 'size_actual': 12288,
                                   'num_objects': count}}}


def _markers(pos1='00000000002.7.6', pos3='00000000001.5.6',
             status='incremental-sync'):
    def shard(key, pos, st):
        return {'key': key, 'val': {
            'status': st, 'full_marker': {'count': 0},
            'inc_marker': {'position': pos, 'timestamp': '0.000000'}}}
    return [shard(0, '', 'init'), shard(1, pos1, status),
            shard(2, '', 'init'), shard(3, pos3, 'incremental-sync')]


ZONEGROUP = {'master_zone': 'za', 'zones': [
    {'name': 'site-a', 'sync_from_all': 'true', 'sync_from': []},
    {'name': 'site-b', 'sync_from_all': 'true', 'sync_from': []}]}


class Zone:
    """radosgw-admin of one zone: answers by its arguments."""

    def __init__(self, name, stats=None, markers=None, flags=0,
                 zonegroup=ZONEGROUP, bilog=None, frozen=False):
        self.name = name
        self.answers = {
            ('zone', 'get'): {'name': name, 'id': 'id-' + name},
            ('zonegroup', 'get'): zonegroup,
            ('bucket', 'stats'): stats,
            ('bucket', 'sync'): markers,
            ('metadata', 'get'): {'data': {'bucket_info': {'flags': flags}}},
            ('bilog', 'list'): bilog or [],
        }
        self.frozen = frozen
        self.calls = []

    def __call__(self, argv, **kw):
        self.calls.append(argv)
        if self.frozen:
            raise subprocess.TimeoutExpired(argv, kw['timeout'])
        args = argv[argv.index('--keyring') + 2:] if '--keyring' in argv \
            else argv[5:]
        answer = self.answers[tuple(args[:2])]
        if answer is None:
            return types.SimpleNamespace(
                returncode=210, stdout='',
                stderr='failure: (2002) Unknown error 2002:')
        return types.SimpleNamespace(returncode=0, stdout=json.dumps(answer),
                                     stderr='')


@pytest.fixture
def rgw(conf):
    for site, path in (('site-a', '/etc/ceph/a.conf'),
                       ('site-b', '/etc/ceph/b.conf')):
        group = rgw_conf.register_site(conf.conf, site)
        conf.config(group=group, ceph_conf=path, keyring='/k/' + site)
    conf.config(group='rgw', command_timeout=7)

    def make(zone_a, zone_b):
        def drv(site, zone):
            sess = mock.Mock()
            sess.get_project_id.return_value = PROJECT
            d = rgw_driver.RgwObjectStorageDriver(site, sess, runner=zone)
            d._conn = mock.Mock()
            d._conn.get_auth.return_value = (
                'http://rgw/swift/v1/AUTH_' + PROJECT, 'tok')
            d._conn.head_container.return_value = {
                'x-container-object-count': '3',
                'x-container-bytes-used': '3000'}
            return d
        return drv(SITE_A, zone_a), drv(SITE_B, zone_b)
    return make


def test_shard_markers_and_behind_shards():
    assert rgw_driver.shard_markers(MAX_MARKER) == {
        1: '00000000002.7.6', 3: '00000000001.5.6'}
    assert rgw_driver.shard_markers('00000000004.1.6') == {
        0: '00000000004.1.6'}
    assert rgw_driver.shard_markers('') == {}
    src = rgw_driver.shard_markers(MAX_MARKER)
    pos = {m['key']: {'status': m['val']['status'],
                      'position': m['val']['inc_marker']['position']}
           for m in _markers(pos1='00000000001.9.6')}
    assert rgw_driver.behind_shards(src, pos) == [1]
    pos[1]['position'] = '00000000002.7.6'
    assert rgw_driver.behind_shards(src, pos) == []
    pos[3]['status'] = 'full-sync'            # position or not: behind
    assert rgw_driver.behind_shards(src, pos) == [3]
    del pos[3]
    assert rgw_driver.behind_shards(src, pos) == [3]


def test_parse_time_is_utc():
    t = rgw_driver.parse_time('2026-12-02T05:19:42.800949683Z')
    assert t == pytest.approx(calendar.timegm(
        (2026, 12, 2, 5, 19, 42, 0, 0, 0)) + 0.800949683)
    assert rgw_driver.parse_time('0.000000') is None
    assert rgw_driver.parse_time(None) is None


def test_in_sync_when_every_written_shard_reached_the_source_marker(rgw):
    a, b = Zone('site-a', _stats()), Zone('site-b', _stats(), _markers())
    src, dst = rgw(a, b)
    st = src.replication_status(['docs'], dst)['docs']
    assert st['in_sync'] is True and st['problem'] is None
    assert st['detail'] == 'caught up'
    assert st['source'] == {'count': 3, 'bytes': 3000,
                            'last_modified': '2026-12-02T05:19:40.756015Z'}
    # Each zone's own cluster, the tenant's bucket, the source zone named.
    argv = next(c for c in b.calls if 'markers' in c)
    assert argv[:5] == ['radosgw-admin', '--conf', '/etc/ceph/b.conf',
                        '--id', 'admin']
    assert argv[argv.index('--bucket') + 1] == BUCKET
    assert argv[argv.index('--source-zone') + 1] == 'site-a'
    assert all('/etc/ceph/a.conf' in c for c in a.calls)
    assert src.replica_behind('docs', dst) is None


def test_behind_dates_the_replica_by_the_oldest_unsynced_entry(rgw):
    bilog = [{'op_id': '1#00000000002.7.6', 'op': 'write',
              'timestamp': '2026-12-02T05:22:02.688414Z'}]
    a = Zone('site-a', _stats(), bilog=bilog)
    b = Zone('site-b', _stats(count=2), _markers(pos1='00000000001.3.6'))
    src, dst = rgw(a, b)
    st = src.replication_status(['docs'], dst)['docs']
    assert st['in_sync'] is False and st['problem'] is None
    assert st['detail'] == '1 of 2 written shard(s) behind'
    assert st['synced_until'] == rgw_driver.parse_time(
        '2026-12-02T05:22:02.688414Z')
    # asked after B's position, on the shard that is behind, at A
    bl = next(c for c in a.calls if 'bilog' in c)
    assert bl[bl.index('--shard-id') + 1] == '1'
    assert bl[bl.index('--marker') + 1] == '00000000001.3.6'
    assert 'shard(s) behind' in src.replica_behind('docs', dst)
    # what the plan then shows: the lag counts from that entry
    row = types.SimpleNamespace(resource_id='docs', protect_data={},
                                replica={'last_in_sync_at': 100.0})
    m = measure.Measurement(now=st['synced_until'] + 40, rpo=30, sites={},
                            source_vols={}, replicas={})
    lag, state, replica = measure.container_figures(m, row, {'docs': st})
    assert lag == pytest.approx(40) and state == 'lagging'
    assert replica['last_in_sync_at'] == st['synced_until']


def test_bucket_not_yet_at_the_target_zone_is_behind_not_gone(rgw):
    src, dst = rgw(Zone('site-a', _stats()), Zone('site-b', None, []))
    st = src.replication_status(['docs'], dst)['docs']
    assert st['in_sync'] is False and st['problem'] is None
    assert 'not yet known to zone site-b' in st['detail']


@pytest.mark.parametrize('flags,zonegroup,why', [
    (rgw_driver.DATASYNC_DISABLED, ZONEGROUP, 'data sync disabled'),
    (0, {'zones': [{'name': 'site-a', 'sync_from_all': 'true'},
                   {'name': 'site-b', 'sync_from_all': 'false',
                    'sync_from': ['elsewhere']}]},
     'does not sync from zone site-a'),
])
def test_not_replicated_is_a_problem_and_protect_refuses(rgw, flags,
                                                         zonegroup, why):
    a = Zone('site-a', _stats(), flags=flags, zonegroup=zonegroup)
    b = Zone('site-b', _stats(), _markers(), zonegroup=zonegroup)
    src, dst = rgw(a, b)
    st = src.replication_status(['docs'], dst)['docs']
    assert st['in_sync'] is False
    assert 'not replicated to site site-b' in st['problem']
    assert why in st['problem']
    with pytest.raises(base.DriverError, match=why):
        src.protect_container('docs', dst)
    # Nothing set up by protect to be undone underneath.
    assert src.replication_settings('docs', {}) is None


def test_protect_sets_nothing_up(rgw):
    a, b = Zone('site-a', _stats()), Zone('site-b', _stats(), _markers())
    src, dst = rgw(a, b)
    out = src.protect_container('docs', dst)
    assert out['replica'] == {'site': 'site-b', 'bucket': 'docs',
                              'zone': 'site-b', 'mechanism': 'rgw-multisite'}
    assert out['protect_data'] == {'changed': False}
    # Read-only commands only.
    assert not [c for c in a.calls + b.calls
                if {'enable', 'disable', 'modify', 'create', 'rm'} & set(c)]


def test_a_frozen_zone_fails_within_the_timeout(rgw):
    src, dst = rgw(Zone('site-a', _stats()),
                   Zone('site-b', _stats(), frozen=True))
    with pytest.raises(rgw_driver.RgwUnreachable, match='within 7s'):
        src.replication_status(['docs'], dst)


def test_global_bucket_namespace(rgw, conf):
    conf.config(group='rgw', keystone_implicit_tenants=False)
    a, b = Zone('site-a', _stats()), Zone('site-b', _stats(), _markers())
    src, dst = rgw(a, b)
    assert src.bucket('docs') == 'docs'


def test_needs_rgw_at_both_sites(rgw):
    src, _dst = rgw(Zone('site-a', _stats()), Zone('site-b'))
    with pytest.raises(base.DriverError, match='RGW at both sites'):
        src.protect_container('docs', mock.Mock(site_name='x'))


def test_object_store_override_names_the_tenants_account():
    # An RGW zone's Swift API given as a site's endpoint override, as in
    # a Keystone catalog template: the account is the session's project.
    sess = mock.Mock()
    sess.get_project_id.return_value = PROJECT
    site = dict(SITE_A, endpoint_overrides={
        'object-store': 'http://rgw:8080/swift/v1/AUTH_%(project_id)s'})
    with mock.patch.object(rgw_driver.swift_driver.swift_client,
                           'Connection') as conn:
        rgw_driver.swift_driver.SwiftObjectStorageDriver(
            site, sess)._connection()
    assert conn.call_args.kwargs['os_options']['object_storage_url'] == \
        'http://rgw:8080/swift/v1/AUTH_' + PROJECT
