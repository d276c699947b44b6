#!/usr/bin/env python3
"""Read and write the bytes of a test-cloud Cinder volume (stdlib only).

Stands in for a guest's I/O: the fake virt driver of Nova runs no guest, and
a volume of the test driver is a file in its site's pool (see
drivers/testcloud_pool.py).  A failed-over volume resolves to its replica in
the peer pool, as the Cinder driver does.

    volume_io.py write --site a --volume-id ID [--offset N] --data TEXT
    volume_io.py read  --site a --volume-id ID [--offset N] --length N
    volume_io.py read  --site b --replica-of ID --length N   # a replica
    volume_io.py info  --site b --replica-of ID               # its sidecar

From Python (e.g. in the drs venv), with the tools directory on sys.path::

    import volume_io
    vio = volume_io.VolumeIO()          # finds the state dir like testcloud
    vio.write('a', vid, b'bytes', offset=0)
    vio.read('b', new_vid, 5)
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.join(HERE, 'drivers'))
import testcloud_pool as tcpool  # noqa: E402

PEER = {'a': 'b', 'b': 'a'}


class VolumeIO:
    def __init__(self, state_dir=None):
        self.state_dir = os.path.abspath(
            state_dir or os.environ.get('DRS_TESTCLOUD_DIR') or
            os.path.join(os.path.dirname(os.path.dirname(HERE)), '.testcloud'))

    def pool(self, site):
        return tcpool.Pool(os.path.join(self.state_dir, 'site-%s' % site,
                                        'cinder', 'pool'))

    def path(self, site, volume_id=None, replica_of=None):
        if replica_of:
            return self.pool(site).replica_path(replica_of)
        return tcpool.active_path(self.pool(site), self.pool(PEER[site]),
                                  volume_id)

    def write(self, site, volume_id, data, offset=0):
        path = self.path(site, volume_id)
        with open(path, 'r+b') as f:     # never creates: the volume must exist
            f.seek(offset)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        return path

    def read(self, site, volume_id, length, offset=0, replica_of=None):
        with open(self.path(site, volume_id, replica_of), 'rb') as f:
            f.seek(offset)
            return f.read(length)

    def replica_info(self, site, source_volume_id):
        """Sidecar of the replica of ``source_volume_id`` held at ``site``."""
        return self.pool(site).read_replica_meta(source_volume_id)

    def replication_state(self, site, volume_id):
        """Replication state of a replicated volume of ``site``."""
        return self.pool(site).read_state(volume_id)


class RbdVolumeIO:
    """The same for the ``ceph`` profile's volumes: a Cinder volume
    ``vid`` is the image ``volume-<vid>`` of its site's pool, its replica
    at the peer the image of the same name (``rbd_io.py``, run by
    Debian's python3 with its rados/rbd modules). ``sites``: cloud.json's
    ``ceph`` ``sites``."""

    RBD_IO = os.path.join(HERE, 'rbd_io.py')

    def __init__(self, sites):
        self.sites = sites

    def run(self, site, *args, check=True, timeout=60):
        info = self.sites[site]
        r = subprocess.run(['/usr/bin/python3', self.RBD_IO, '--conf',
                            info['ceph_conf'], '--id', info['client_id'],
                            '--pool', info['pool']] + [str(a) for a in args],
                           capture_output=True, text=True, timeout=timeout)
        if check and r.returncode:
            raise RuntimeError('rbd_io %s: %s' % (args, r.stderr))
        return r

    def write(self, site, volume_id, data, offset=0):
        self.run(site, 'write', 'volume-%s' % volume_id, offset, data.hex())

    def read_image(self, site, image, length, offset=0):
        """Bytes of an image (None if it cannot be read now)."""
        try:
            r = self.run(site, 'read', image, offset, length, check=False)
        except subprocess.TimeoutExpired:
            return None
        return bytes.fromhex(r.stdout.strip()) if r.returncode == 0 else None

    def read(self, site, volume_id, length, offset=0, replica_of=None):
        got = self.read_image(site, 'volume-%s' % (replica_of or volume_id),
                              length, offset)
        if got is None:
            raise FileNotFoundError('volume-%s at %s' % (
                replica_of or volume_id, site))
        return got


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('action', choices=('write', 'read', 'info'))
    p.add_argument('--site', required=True, choices=('a', 'b'))
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument('--volume-id')
    g.add_argument('--replica-of', help='source volume id of a replica')
    p.add_argument('--offset', type=int, default=0)
    p.add_argument('--length', type=int, default=64)
    p.add_argument('--data', help='text to write (UTF-8)')
    p.add_argument('--state-dir')
    a = p.parse_args(argv)
    vio = VolumeIO(a.state_dir)
    if a.action == 'write':
        if a.data is None or a.replica_of:
            p.error('write needs --volume-id and --data')
        print(vio.write(a.site, a.volume_id, a.data.encode(), a.offset))
    elif a.action == 'read':
        data = vio.read(a.site, a.volume_id, a.length, a.offset, a.replica_of)
        sys.stdout.write(data.decode('utf-8', 'backslashreplace') + '\n')
    else:
        info = (vio.replica_info(a.site, a.replica_of) if a.replica_of
                else vio.replication_state(a.site, a.volume_id))
        print(json.dumps(info, indent=1, sort_keys=True))
    return 0


if __name__ == '__main__':
    sys.exit(main())
