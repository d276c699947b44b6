"""Shared pieces of the tests on the test cloud's ``ceph`` profile (its
``ceph`` fixture is conftest's): byte I/O into RBD images standing in for
a guest (``tools/testcloud/rbd_io.py``, run by Debian's python3 with its
rados/rbd modules), the ``rbd`` command as JSON, and freezing a site's
Ceph daemons with SIGSTOP (its memstore OSD would lose every byte if it
were stopped; a frozen one keeps them).
"""
import contextlib
import json
import os
import signal
import subprocess
import time

from drs.tests.integration.conftest import volume_io

#: What freezing a site's Ceph means: its cluster, its mirror daemon and
#: its RGW stop answering, with their data kept.
CEPH_DAEMONS = ('ceph-mon', 'ceph-osd', 'ceph-mgr', 'rbd-mirror', 'radosgw')


def rbd_io(site_info, *args, check=True, timeout=60):
    return volume_io.RbdVolumeIO({'x': site_info}).run(
        'x', *args, check=check, timeout=timeout)


def rbd_json(site_info, *args, check=True, timeout=60):
    r = subprocess.run(['rbd', '--conf', site_info['ceph_conf'], '--id',
                        site_info['client_id'], '--format', 'json'] +
                       list(args), capture_output=True, text=True,
                       timeout=timeout, check=check)
    if r.returncode:
        return None
    return json.loads(r.stdout or 'null')


def read(site_info, image, length, offset=0):
    """Bytes of an image (None if it cannot be read now)."""
    return volume_io.RbdVolumeIO({'x': site_info}).read_image(
        'x', image, length, offset)


def mirror_info(site_info, image):
    """``rbd info``'s ``mirroring`` of an image (None if there is none or
    the cluster does not answer)."""
    try:
        info = rbd_json(site_info, 'info', '%s/%s' % (site_info['pool'],
                                                      image),
                        check=False, timeout=30)
    except subprocess.TimeoutExpired:
        return None
    return info.get('mirroring', {}) if info else None


def RbdIO(ceph):  # noqa: N802 - stands for the class it makes
    """The guest I/O of the ``ceph`` profile's volumes, with the shape of
    the file profile's ``volume_io.VolumeIO`` (what recover_helpers
    calls)."""
    return volume_io.RbdVolumeIO(ceph['sites'])


def pids(cloud, names):
    out = []
    for name in names:
        with open(os.path.join(cloud.state_dir, 'run', name + '.json')) as f:
            out.append(json.load(f)['pid'])
    return out


@contextlib.contextmanager
def frozen(cloud, site, ceph_info=None, daemons=CEPH_DAEMONS):
    """Site ``site``'s Ceph daemons stopped with SIGSTOP, resumed after
    (also on failure). With ``ceph_info`` (the site's cloud.json entry)
    its OSD is then marked down so that it re-peers at once: a thawed
    single-OSD cluster keeps PGs ``laggy`` (read leases lapsed) and
    delays their I/O otherwise."""
    frozen_pids = pids(cloud, ['%s-%s' % (d, site) for d in daemons])
    for pid in frozen_pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield time.monotonic()
    finally:
        for pid in frozen_pids:
            os.kill(pid, signal.SIGCONT)
        if ceph_info:
            subprocess.run(['ceph', '--conf', ceph_info['ceph_conf'],
                            '--connect-timeout', '30', 'osd', 'down', '0'],
                           capture_output=True, timeout=60, check=False)


def remove_leftover(info, image, wait=60):
    """rbd-mirror deletes a replica whose primary was deleted; after a
    forced failover it sometimes leaves it in ``up+error`` (error
    bootstrapping replay) instead: remove it so the pool stays clean.
    True if the test had to."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if mirror_info(info, image) is None:
            return False
        time.sleep(3)
    rbd = ['rbd', '--conf', info['ceph_conf']]
    spec = '%s/%s' % (info['pool'], image)
    print('leftover replica %s removed by the test' % spec)
    subprocess.run(rbd + ['mirror', 'image', 'disable', '--force', spec],
                   capture_output=True, timeout=60, check=False)
    subprocess.run(rbd + ['rm', '--no-progress', spec], capture_output=True,
                   timeout=120, check=False)
    return True
