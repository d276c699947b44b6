"""On-disk layout of a test-cloud Cinder pool (stdlib only).

Shared by the Cinder driver (``testcloud_cinder``) running inside cinder-volume
and by ``volume_io.py`` (the stand-in for a guest's I/O), so both resolve a
volume to the same file.

A site's pool is one directory::

    volume-<id>               sparse file of the volume's size: its bytes
    volume-<id>.repl.json     replication state of a replicated volume
                              (source side)
    replica-<src id>          copy of a PEER site's volume, written by the
                              peer's replication loop
    replica-<src id>.json     sidecar: source volume id/site/project, size,
                              last_sync_at (UNIX time the copied data is as of)
    replica-<src id>.promoted the replica was managed (adopted) here: the peer
                              stops replicating that volume
    unmanaged-<id>            a volume Cinder unmanaged (manageable again)
    replication.paused        flag: this site's replication loop copies nothing

When a replicated volume is failed over (host or group failover), its
``volume-<id>.repl.json`` says ``"active": "secondary"`` and its bytes are the
replica file in the peer pool.
"""
import json
import os
import time

GiB = 1024 ** 3


def _write_json_atomic(path, data):
    tmp = '%s.tmp-%d' % (path, os.getpid())
    with open(tmp, 'w') as f:
        json.dump(data, f, indent=1, sort_keys=True)
    os.replace(tmp, path)


def _read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (FileNotFoundError, ValueError):
        return None


class Pool:
    """One site's pool directory."""

    def __init__(self, root):
        self.root = root

    def ensure(self):
        os.makedirs(self.root, exist_ok=True)

    # -- names -------------------------------------------------------------
    def volume_path(self, vid):
        return os.path.join(self.root, 'volume-%s' % vid)

    def state_path(self, vid):
        return self.volume_path(vid) + '.repl.json'

    def replica_path(self, src_vid):
        return os.path.join(self.root, 'replica-%s' % src_vid)

    def replica_meta_path(self, src_vid):
        return self.replica_path(src_vid) + '.json'

    def promoted_path(self, src_vid):
        return self.replica_path(src_vid) + '.promoted'

    def unmanaged_path(self, vid):
        return os.path.join(self.root, 'unmanaged-%s' % vid)

    @property
    def paused_flag(self):
        return os.path.join(self.root, 'replication.paused')

    # -- state -------------------------------------------------------------
    def read_state(self, vid):
        return _read_json(self.state_path(vid))

    def write_state(self, vid, state):
        _write_json_atomic(self.state_path(vid), state)

    def read_replica_meta(self, src_vid):
        return _read_json(self.replica_meta_path(src_vid))

    def write_replica_meta(self, src_vid, meta):
        _write_json_atomic(self.replica_meta_path(src_vid), meta)

    def replicated_volume_ids(self):
        return sorted(n[len('volume-'):-len('.repl.json')]
                      for n in os.listdir(self.root)
                      if n.startswith('volume-') and n.endswith('.repl.json'))

    def replica_ids(self):
        return sorted(n[len('replica-'):] for n in os.listdir(self.root)
                      if n.startswith('replica-') and '.' not in n)

    def is_paused(self):
        return os.path.exists(self.paused_flag)

    def set_paused(self, paused):
        if paused:
            open(self.paused_flag, 'a').close()
        elif os.path.exists(self.paused_flag):
            os.unlink(self.paused_flag)


def active_path(local, peer, vid):
    """The file holding volume ``vid`` of pool ``local`` right now."""
    state = local.read_state(vid)
    if state and state.get('active') == 'secondary':
        return peer.replica_path(vid)
    return local.volume_path(vid)


def create_sparse(path, size_gb):
    with open(path, 'xb') as f:
        f.truncate(size_gb * GiB)


def sparse_copy(src, dst):
    """Copy ``src`` to ``dst`` atomically, copying only the data extents.

    The copy is written to a temporary name next to ``dst`` and renamed over
    it, so a reader of ``dst`` sees either the old or the new copy.
    """
    tmp = '%s.tmp-%d' % (dst, os.getpid())
    with open(src, 'rb') as fin, open(tmp, 'wb') as fout:
        size = os.fstat(fin.fileno()).st_size
        fout.truncate(size)
        offset = 0
        while offset < size:
            try:
                data_start = os.lseek(fin.fileno(), offset, os.SEEK_DATA)
            except OSError:      # ENXIO: no data past offset
                break
            hole = os.lseek(fin.fileno(), data_start, os.SEEK_HOLE)
            fin.seek(data_start)
            fout.seek(data_start)
            remaining = hole - data_start
            while remaining:
                chunk = fin.read(min(remaining, 4 * 1024 * 1024))
                if not chunk:
                    break
                fout.write(chunk)
                remaining -= len(chunk)
            offset = hole
    os.replace(tmp, dst)


def now():
    return round(time.time(), 3)
