"""drs's own flows on real Ceph (the test cloud's ``ceph`` profile).

As tenant1's member, through drs's API, with drs configured for its RBD
mirroring backend and its ``rgw`` object-storage driver on the two RGW
zones (``drs_service.Drs(..., storage='ceph')``): a plan of 2 servers,
each booted from a ``ceph-replicated`` (journaled, mirrored) RBD volume
with a data volume of that type, and 1 bucket of zone site-a, goes
through

* protect, with bytes written into the volumes' images at A found in
  their mirrored images at B, and the bucket's objects at zone site-b;
* a bucket's lag while zone site-b's RGW is frozen, dated by the oldest
  write it has not synced, and in sync again once it runs;
* lag and ``degraded`` while B's rbd-mirror is stopped (bytes written
  at A meanwhile are not at B), ``protected`` again once it runs;
* preflight;
* test failover and cleanup: copies of the replicas at B (bytes of A's
  last write in them), mirroring untouched (the plan's images primary at
  A, replaying at B, before, during and after), nothing left in either
  pool (images, snapshots, trash);
* failover with site A's Cinder and Nova stopped and its Ceph daemons
  (RGW included) frozen (SIGSTOP: memstore OSDs lose their data when
  stopped), the engine killed once mid-way: servers ACTIVE at B on the
  promoted images, A's bytes in them, the bucket read and written at
  zone site-b;
* reprotect once A is back: A's images still claim to be primary (split
  brain) and take a divergent write; reprotect resyncs them from B, so
  B's writes are at A and A's divergent one is gone; the objects written
  at zone site-b are at site-a;
* failback: what was written at B is in the volumes and the bucket at A,
  and A replicates to B again.

Skipped unless the cloud runs the profile. Every wait has a deadline;
site A is thawed and restarted in ``finally`` clauses.
"""

import os
import signal
import time

from keystoneauth1 import exceptions as ks_exc
import pytest

from drs.tests.integration import ceph_helpers as ch
from drs.tests.integration.conftest import wait_until
from drs.tests.integration import recover_helpers as rh

USER = rh.USER
FIGURES = {}
RPO = 60            # rbd-mirror refreshes its status every ~30 s
OFFSET = 4 * rh.MiB




@pytest.fixture(scope='module', autouse=True)
def _ceph_profile(ceph):
    """Skips the module before any other fixture (the RBD drs reads
    cloud.json's ``ceph`` key) unless the cloud runs the ceph profile."""


drs = rh.drs_fixture('drs-ceph', storage='ceph')


@pytest.fixture(scope='module')
def workload(cloud, ceph):
    with rh.created_workload(
            cloud, restart_site_a=True, servers=2, prefix='it-ceph',
            volume_type=ceph['volume_type'], io=ch.RbdIO(ceph),
            boot_image=False, object_store=cloud.rgw) as made:
        yield made


@pytest.fixture(scope='module')
def plan(drs, workload, cloud, ceph):
    before = {s: _pool_images(ceph, s) for s in ('a', 'b')}
    plan = rh.create_plan(drs, workload, rpo=RPO)
    try:
        yield plan
    finally:
        rh.start_site_a(cloud)
        if drs.plan(plan['id']).get('test_active'):
            # its copies' snapshots at A would keep A's images in the trash
            drs.run(plan['id'], 'cleanup_test', timeout=300)
        for site in ('b', 'a'):
            rh.cleanup_failover_at_b(cloud, plan['id'], site)
        _clean_pools(ceph, before)


def _pool_images(ceph, site):
    return set(ch.rbd_json(ceph['sites'][site], 'ls',
                           ceph['sites'][site]['pool']) or [])


def _clean_pools(ceph, before, wait=90):
    """Images made since ``before`` are gone (rbd-mirror removes a
    replica after its primary; a forced failover may leave one behind)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        extra = {s: _pool_images(ceph, s) - before[s] for s in before}
        if not any(extra.values()):
            return
        time.sleep(3)
    for site, images in extra.items():
        for image in images:
            ch.remove_leftover(ceph['sites'][site], image, wait=0)


def _image(vid):
    return 'volume-%s' % vid


def _roles(ceph, vids):
    """(site, image) -> primary? for the images of ``vids``."""
    out = {}
    for site in ('a', 'b'):
        for vid in vids:
            info = ch.mirror_info(ceph['sites'][site], _image(vid))
            out[(site, vid)] = None if info is None else info.get('primary')
    return out


def _snapshots(ceph, site, vids):
    out = {}
    for vid in vids:
        snaps = ch.rbd_json(ceph['sites'][site], 'snap', 'ls', '--all',
                            '%s/%s' % (ceph['sites'][site]['pool'],
                                       _image(vid)), check=False)
        out[vid] = sorted(s['name'] for s in snaps or [])
    return out


def _trash(ceph, site):
    return sorted(t['name'] for t in ch.rbd_json(
        ceph['sites'][site], 'trash', 'ls', ceph['sites'][site]['pool'])
        or [])


def _write(io, site, vids, tag, offset=OFFSET):
    written = {}
    for vid in vids:
        data = ('%s %s ' % (tag, vid)).encode() + os.urandom(8).hex().encode()
        io.write(site, vid, data, offset=offset)
        written[vid] = (offset, data)
    return written


def _wait_status(drs, plan_id, status, timeout):
    return wait_until('plan %s' % status, lambda: (
        drs.plan(plan_id)['status'] == status), timeout=timeout, interval=2)


def _lags(shown):
    return {vid: v.get('lag_seconds') for vid, v in _replicas(shown).items()}


def _replicas(shown):
    """Source volume id -> what the plan shows of its replica."""
    return {vid: v for r in shown['resources']
            for vid, v in ((r['replication']['replica'] or {}).get(
                'volumes') or {}).items()}


def _bucket(shown, workload):
    """What the plan shows of the workload's bucket."""
    return next(r for r in shown['resources']
                if r['type'] == 'OS::Swift::Container'
                and r['id'] == workload.container)['replication']


def _objects(workload, site):
    """``{name: bytes}`` of the bucket at ``site`` (None: unreadable)."""
    conn = workload.swift(site)
    try:
        names = [o['name'] for o in conn.get_container(
            workload.container)[1]]
        return {n: conn.get_object(workload.container, n)[1] for n in names}
    except Exception:       # a zone still coming back: not there yet
        return None


def _wait_objects(workload, site, expected, timeout=180):
    wait_until('objects %s at %s' % (sorted(expected), site.upper()),
               lambda: all((_objects(workload, site) or {}).get(n) == d
                           for n, d in expected.items()), timeout=timeout,
               interval=2)


def _up(cloud):
    """``testcloud up``: starts what was stopped (bounded)."""
    rh.start_site_a(cloud)


def test_protect_bytes_replicated(cloud, drs, workload, plan, ceph):
    t = time.monotonic()
    op = drs.run(plan['id'], 'protect', timeout=300)
    FIGURES['protect_s'] = round(time.monotonic() - t, 1)
    assert op['status'] == 'succeeded', (op, drs.tail())
    written = rh.write_volumes(cloud, workload, 'protected')
    t = time.monotonic()
    rh.wait_replicated(cloud, workload, written, timeout=120)
    FIGURES['write_at_a_to_b_s'] = round(time.monotonic() - t, 1)
    roles = _roles(ceph, workload.volumes)
    assert all(roles[('a', v)] is True and roles[('b', v)] is False
               for v in workload.volumes), roles

    op = drs.run(plan['id'], 'sync', timeout=120)
    assert op['status'] == 'succeeded', (op, drs.tail())

    # rbd-mirror writes a new image's status some time after its bytes
    # arrive ("down+unknown, status not found" until then): the sweep
    # (every 5 s) shows every replica healthy once it has.
    def healthy():
        shown = drs.plan(plan['id'])
        reps = _replicas(shown)
        return shown if reps and all(
            r['health'] == 'ok' for r in reps.values()) else None
    shown = wait_until('every replica healthy', healthy, timeout=120,
                       interval=3)
    assert shown['status'] == 'protected', shown
    replicas = _replicas(shown)
    assert set(replicas) == set(workload.volumes)
    for vid, rep in replicas.items():
        assert rep['reference'] == {'source-name': _image(vid)}, rep
        assert rep['health'] == 'ok', rep
        assert rep['lag_seconds'] is not None and rep['lag_seconds'] < RPO
    FIGURES['rpo_protected_s'] = shown['rpo_seconds_achieved']
    assert shown['rpo_seconds_achieved'] < RPO
    # The bucket: objects at zone site-b, judged in sync from the zones'
    # shard markers, both zones' stats shown.
    _wait_objects(workload, 'b', workload.objects)
    bucket = wait_until('bucket in sync', lambda: (
        lambda r: r if r['state'] == 'in_sync' else None)(
            _bucket(drs.plan(plan['id']), workload)), timeout=60, interval=2)
    assert bucket['lag_seconds'] == 0, bucket
    rep = bucket['replica']
    assert rep['mechanism'] == 'rgw-multisite' and rep['zone'] == 'site-b'
    n = len(workload.objects)
    assert rep['source']['count'] == rep['target']['count'] == n, rep


def test_bucket_lag_while_zone_b_frozen(cloud, drs, workload, plan, ceph):
    # Zone site-b's RGW frozen: what is written at A stays there; the
    # bucket's lag counts from that write (the oldest index-log entry B
    # has not synced), not from drs's last look.
    with ch.frozen(cloud, 'b', daemons=('radosgw',)):
        time.sleep(2)
        workload.put_object('while-b-frozen', os.urandom(4096))
        put_at = time.time()

        def lagging():
            r = _bucket(drs.plan(plan['id']), workload)
            return r if r['state'] != 'in_sync' and r['lag_seconds'] else None
        seen = wait_until('bucket behind', lagging, timeout=60, interval=2)
        time.sleep(12)
        later = _bucket(drs.plan(plan['id']), workload)
        age = time.time() - put_at
    assert later['state'] != 'in_sync', later
    # dated by the write (to the sweep's 5 s and the API call), growing
    assert age - 12 <= later['lag_seconds'] <= age + 1, (later, age)
    assert later['lag_seconds'] > seen['lag_seconds'], (seen, later)
    assert later['replica']['target']['count'] < \
        later['replica']['source']['count'], later
    FIGURES['bucket_lag_when_b_frozen_s'] = later['lag_seconds']
    t = time.monotonic()
    _wait_objects(workload, 'b', workload.objects)
    wait_until('bucket in sync again', lambda: _bucket(
        drs.plan(plan['id']), workload)['state'] == 'in_sync', timeout=120,
        interval=2)
    FIGURES['bucket_in_sync_after_thaw_s'] = round(time.monotonic() - t, 1)


def test_degraded_while_mirroring_stopped(cloud, drs, workload, plan, ceph):
    cloud.testcloud('stop', 'rbd-mirror-b')
    try:
        stopped_at = time.monotonic()
        written = _write(workload.io, 'a', workload.volumes, 'unmirrored')
        _wait_status(drs, plan['id'], 'degraded', RPO + 120)
        FIGURES['degraded_after_s'] = round(time.monotonic() - stopped_at, 1)
        lags = _lags(drs.plan(plan['id']))
        # the worst replica is older than the plan's RPO, the others
        # close behind (their status stopped at the same refresh or so)
        assert None not in lags.values() and max(lags.values()) > RPO, lags
        assert min(lags.values()) > RPO - 35, lags
        FIGURES['lag_when_degraded_s'] = max(lags.values())
        for vid, (offset, data) in written.items():
            assert workload.io.read('b', None, len(data), offset=offset,
                                    replica_of=vid) != data, vid
    finally:
        _up(cloud)
    resumed_at = time.monotonic()
    for vid, (offset, data) in written.items():
        rh.wait_replica(cloud, 'b', vid, data, offset, 180, workload.io)
    FIGURES['caught_up_after_resume_s'] = round(
        time.monotonic() - resumed_at, 1)
    _wait_status(drs, plan['id'], 'protected', 180)
    FIGURES['protected_after_resume_s'] = round(
        time.monotonic() - resumed_at, 1)


def test_preflight(drs, plan):
    op = drs.run(plan['id'], 'preflight', timeout=180)
    assert op['status'] == 'succeeded', (op, drs.tail())
    report = drs.get('/v1/operations/%s/report' % op['id'])['report']
    errors = [f for f in report.get('findings') or []
              if f.get('severity') == 'error']
    assert not errors, report['findings']


def test_test_failover_and_cleanup(cloud, drs, workload, plan, ceph):
    vids = workload.volumes
    written = _write(workload.io, 'a', vids, 'before-test')
    for vid, (offset, data) in written.items():
        rh.wait_replica(cloud, 'b', vid, data, offset, 120, workload.io)
    before = {s: (_pool_images(ceph, s), _snapshots(ceph, s, vids),
                  _trash(ceph, s)) for s in ('a', 'b')}
    roles = _roles(ceph, vids)

    op = drs.run(plan['id'], 'test_failover', timeout=600)
    assert op['status'] == 'succeeded', (op, drs.tail())
    report = drs.get('/v1/operations/%s/report' % op['id'])['report']
    FIGURES['test_failover_rto_s'] = report['rto_seconds']
    FIGURES['test_failover_s'] = round(op['_duration'], 1)
    shown = drs.plan(plan['id'])
    assert shown['status'] == 'protected' and shown['test_active']
    nova_b = cloud.nova(USER, 'b')
    tests = [s for s in nova_b.servers.list()
             if (s.metadata or {}).get('drs_kind') == 'test'
             and s.metadata.get('drs_plan') == plan['id']]
    assert sorted(s.metadata['drs_source'] for s in tests) == sorted(
        workload.servers)
    assert all(s.status == 'ACTIVE' for s in tests), [
        (s.id, s.status) for s in tests]
    copies = {v.metadata['drs_source']: v.id
              for v in cloud.cinder(USER, 'b').volumes.list()
              if (v.metadata or {}).get('drs_kind') == 'test'
              and v.metadata.get('drs_plan') == plan['id']}
    assert set(copies) == set(vids)
    for vid, (offset, data) in written.items():
        assert workload.io.read('b', copies[vid], len(data),
                                offset=offset) == data, vid
    # Replication untouched: roles as before, a write at A still at B.
    assert _roles(ceph, vids) == roles
    after = _write(workload.io, 'a', vids, 'during-test')
    for vid, (offset, data) in after.items():
        rh.wait_replica(cloud, 'b', vid, data, offset, 120, workload.io)

    op = drs.run(plan['id'], 'cleanup_test', timeout=300)
    assert op['status'] == 'succeeded', (op, drs.tail())
    assert not drs.plan(plan['id'])['test_active']
    assert not [s for s in nova_b.servers.list()
                if (s.metadata or {}).get('drs_plan') == plan['id']]
    t = time.monotonic()

    def clean():
        now = {s: (_pool_images(ceph, s), _snapshots(ceph, s, vids),
                   _trash(ceph, s)) for s in ('a', 'b')}
        return now == before or None
    wait_until('both pools as before the test failover', clean,
               timeout=120, interval=3)
    FIGURES['pools_clean_after_cleanup_s'] = round(time.monotonic() - t, 1)
    assert _roles(ceph, vids) == roles
    # The bucket still replicates A -> B.
    workload.put_object('after-test', os.urandom(1024))
    _wait_objects(workload, 'b', workload.objects, timeout=120)


def test_failover_with_site_a_down(cloud, drs, workload, plan, ceph):
    written = rh.write_volumes(cloud, workload, 'before-cutoff')
    rh.wait_replicated(cloud, workload, written, timeout=120)
    FIGURES['written_at_a'] = written
    rh.stop_site_a(cloud)
    try:
        with ch.frozen(cloud, 'a', ceph['sites']['a']) as frozen_at:
            with pytest.raises(ks_exc.ConnectFailure):
                cloud.cinder(USER, 'a').volumes.list()
            op = drs.action(plan['id'], 'failover',
                            params={'cutoff': 'latest'})

            def imported():
                events = drs.get('/v1/operations/%s/events'
                                 % op['id'])['events']
                return any(e['step'].startswith('import-volumes')
                           and e['state'] == 'succeeded' for e in events)
            wait_until('first server volumes imported', imported, 300, 0.5)
            os.killpg(drs.proc.pid, signal.SIGKILL)
            drs.proc.wait(timeout=10)
            drs.start()
            op = drs.wait_operation(op['id'], timeout=600)
            FIGURES['failover_frozen_s'] = round(
                time.monotonic() - frozen_at, 1)
        assert op['status'] == 'succeeded', (op, drs.tail())
        assert drs.plan(plan['id'])['status'] == 'failed_over'
        report = drs.get('/v1/operations/%s/report' % op['id'])['report']
        FIGURES['failover_rto_s'] = report['rto_seconds']
        FIGURES['failover_rpo_s'] = report['rpo_seconds']
        assert report['rpo_seconds'] is not None

        nova_b = cloud.nova(USER, 'b')
        servers = {s.metadata['drs_source']: s for s in nova_b.servers.list()
                   if (s.metadata or {}).get('drs_plan') == plan['id']}
        assert set(servers) == set(workload.servers)
        assert all(s.status == 'ACTIVE' for s in servers.values())
        volumes_b = [v for v in cloud.cinder(USER, 'b').volumes.list()
                     if (v.metadata or {}).get('drs_plan') == plan['id']]
        assert sorted(v.metadata['drs_source'] for v in volumes_b) == \
            sorted(workload.volumes), 'duplicates?'
        imported = {v.metadata['drs_source']: v.id for v in volumes_b}
        for sid, server in servers.items():
            attached = {a.volumeId for a in
                        nova_b.volumes.get_server_volumes(server.id)}
            assert attached == {imported[workload.boot[sid]],
                                imported[workload.data[sid]]}
        rh.assert_data_at_b(cloud, workload, written, imported)
        b = ceph['sites']['b']
        for new in imported.values():       # Cinder B renamed them
            assert ch.mirror_info(b, _image(new))['primary'] is True
        # The bucket at zone site-b, zone site-a still frozen: read
        # (assert_data_at_b above) and written.
        at_b = {'written-at-b': os.urandom(8192)}
        for name, data in at_b.items():
            workload.swift('b').put_object(workload.container, name,
                                           contents=data)
        assert _objects(workload, 'b') == dict(workload.objects, **at_b)
        FIGURES['objects_at_b'] = at_b
        FIGURES['imported'] = imported
        FIGURES['recovered'] = {sid: s.id for sid, s in servers.items()}
    finally:
        _up(cloud)


def test_reprotect_split_brain_towards_b(cloud, drs, workload, plan, ceph):
    assert FIGURES.get('imported'), 'the failover test did not run'
    imported = FIGURES['imported']
    a = ceph['sites']['a']
    # A came back claiming primary (split brain); it takes a write.
    for vid in workload.volumes:
        wait_until('A answers', lambda vid=vid: ch.mirror_info(
            a, _image(vid)), timeout=180, interval=2)
        assert ch.mirror_info(a, _image(vid))['primary'] is True
    _write(workload.io, 'a', workload.volumes, 'DIVERGENT-AT-A',
           offset=6 * rh.MiB)
    at_b = _write(workload.io, 'b', imported.values(), 'written-at-B',
                  offset=6 * rh.MiB)

    t = time.monotonic()
    op = drs.run(plan['id'], 'reprotect', timeout=600)
    FIGURES['reprotect_s'] = round(time.monotonic() - t, 1)
    assert op['status'] == 'succeeded', (op, drs.tail())
    shown = drs.plan(plan['id'])
    assert shown['status'] == 'protected' and shown['reversed'], shown
    # A resynced from B: B's writes there (under B's names), A's
    # divergent ones gone, its images non-primary.
    for new, (offset, data) in at_b.items():
        rh.wait_replica(cloud, 'a', new, data, offset, 300, workload.io)
    FIGURES['resync_s'] = round(time.monotonic() - t, 1)
    for new in imported.values():
        assert ch.mirror_info(a, _image(new))['primary'] is False
    for old in workload.volumes:
        wait_until('old image %s at A gone' % old, lambda old=old: (
            ch.mirror_info(a, _image(old)) is None), timeout=120, interval=3)
    FIGURES['written_at_b'] = at_b
    # The objects written at zone site-b reach site-a, and the plan
    # judges the bucket in sync B -> A.
    t = time.monotonic()
    _wait_objects(workload, 'a', FIGURES['objects_at_b'])
    FIGURES['bucket_b_to_a_s'] = round(time.monotonic() - t, 1)
    wait_until('bucket in sync B -> A', lambda: _bucket(
        drs.plan(plan['id']), workload)['state'] == 'in_sync', timeout=120,
        interval=2)


def test_failback_brings_b_changes_home(cloud, drs, workload, plan, ceph):
    assert FIGURES.get('written_at_b'), 'the reprotect test did not run'
    imported = FIGURES['imported']
    later = _write(workload.io, 'b', imported.values(), 'before-failback')
    for new, (offset, data) in later.items():
        rh.wait_replica(cloud, 'a', new, data, offset, 120, workload.io)
    op = drs.run(plan['id'], 'failback', timeout=900)
    assert op['status'] == 'succeeded', (op, drs.tail())
    report = drs.get('/v1/operations/%s/report' % op['id'])['report']
    FIGURES['failback_rto_s'] = report['rto_seconds']
    shown = drs.plan(plan['id'])
    assert shown['status'] == 'protected' and not shown['reversed'], shown
    nova_a = cloud.nova(USER, 'a')
    servers_a = [s for s in nova_a.servers.list()
                 if (s.metadata or {}).get('drs_plan') == plan['id']]
    assert len(servers_a) == len(workload.servers)
    assert all(s.status == 'ACTIVE' for s in servers_a)
    # Volumes at A by their B source: both B writes present.
    home = {v.metadata['drs_source']: v.id
            for v in cloud.cinder(USER, 'a').volumes.list()
            if (v.metadata or {}).get('drs_plan') == plan['id']}
    assert set(home) == set(imported.values())
    for written in (FIGURES['written_at_b'], later):
        for new, (offset, data) in written.items():
            assert workload.io.read('a', home[new], len(data),
                                    offset=offset) == data, new
    # The bucket at A holds what was written at B.
    objects = dict(workload.objects, **FIGURES['objects_at_b'])
    assert _objects(workload, 'a') == objects
    # A replicates to B again.
    again = _write(workload.io, 'a', home.values(), 'home-again')
    workload.put_object('home-again', os.urandom(1024))
    for vid, (offset, data) in again.items():
        rh.wait_replica(cloud, 'b', vid, data, offset, 120, workload.io)
    _wait_objects(workload, 'b', dict(objects, **workload.objects))


@pytest.fixture(scope='module', autouse=True)
def _figures():
    yield
    print('\nCEPH RECOVERY FIGURES %r' % {
        k: v for k, v in FIGURES.items() if not isinstance(v, dict)})
