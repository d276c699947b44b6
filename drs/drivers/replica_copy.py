"""Storage-side copies of replicas, for test failovers.

A replica at the target site is not a Cinder volume until it is
promoted (managed), and promoting it breaks replication. A test failover
therefore asks the storage for a point-in-time copy of the replica (with
Ceph RBD mirroring: a snapshot of the mirrored image and a clone of it)
that Cinder can then manage as an ordinary volume, leaving the replica
and its replication untouched.

:class:`ReplicaCopyDriver` is that small backend interface;
:class:`FilePoolReplicaCopy` implements it for the test cloud's file
pools (``replica-<id>`` -> ``unmanaged-<copy id>``, sparse). The driver is
chosen by ``[recovery] replica_copy_driver``.
"""

import abc
import os
import uuid

from oslo_config import cfg
from oslo_utils import importutils

from drs.drivers import base

CONF = cfg.CONF

_NAMESPACE = uuid.UUID('6a1f3c1e-5a4b-4d61-9a0c-2f1d2b7d9e10')


def copy_id(scope: str, source_volume_id: str) -> str:
    """The deterministic id of the copy of a replica for ``scope``."""
    return str(uuid.uuid5(_NAMESPACE, '%s/%s' % (scope, source_volume_id)))


class ReplicaCopyDriver(metaclass=abc.ABCMeta):
    """Point-in-time copies of replicas at one site."""

    def __init__(self, site: dict):
        self.site = site

    @abc.abstractmethod
    def copy(self, source_volume_id: str, copy_id: str) -> dict:
        """Copy the replica of ``source_volume_id``; idempotent.

        Returns ``{'reference': <manage ref>, 'last_sync_at': epoch}``.
        """

    @abc.abstractmethod
    def delete(self, copy_id: str) -> bool:
        """Delete a copy Cinder has not managed; True if one was there."""


def get_driver(site: dict) -> ReplicaCopyDriver:
    path = CONF.recovery.replica_copy_driver
    if not path:
        raise base.DriverError(
            detail='a test failover needs point-in-time copies of the '
            'replicas at site %s and no [recovery] replica_copy_driver is '
            'configured' % (site.get('name') or site.get('region_name')))
    return importutils.import_class(path)(site)


def _sparse_copy(src: str, dst: str) -> None:
    """Copy the data extents of ``src`` into a new sparse ``dst``."""
    tmp = dst + '.tmp'
    with open(src, 'rb') as fin, open(tmp, 'wb') as fout:
        size = os.fstat(fin.fileno()).st_size
        fout.truncate(size)
        offset = 0
        while offset < size:
            try:
                start = os.lseek(fin.fileno(), offset, os.SEEK_DATA)
            except OSError:
                break
            end = os.lseek(fin.fileno(), start, os.SEEK_HOLE)
            fin.seek(start)
            fout.seek(start)
            left = end - start
            while left:
                chunk = fin.read(min(left, 4 * 1024 * 1024))
                if not chunk:
                    break
                fout.write(chunk)
                left -= len(chunk)
            offset = end
    os.replace(tmp, dst)


class FilePoolReplicaCopy(ReplicaCopyDriver):
    """The test cloud's file pool: a sparse copy of ``replica-<id>``."""

    def _pool(self) -> str:
        dirs = CONF.recovery.file_pool_dirs or {}
        pool = dirs.get(self.site.get('region_name') or '') or \
            dirs.get(self.site.get('name') or '')
        if not pool:
            raise base.DriverError(
                detail='[recovery] file_pool_dirs has no pool for region '
                '%s' % self.site.get('region_name'))
        return pool

    def copy(self, source_volume_id: str, copy_id: str) -> dict:
        import json
        pool = self._pool()
        dst = os.path.join(pool, 'unmanaged-%s' % copy_id)
        meta_path = os.path.join(pool, 'replica-%s.json' % source_volume_id)
        meta = {}
        if os.path.exists(meta_path):
            with open(meta_path) as f:
                meta = json.load(f)
        if not os.path.exists(dst):
            src = os.path.join(pool, 'replica-%s' % source_volume_id)
            if not os.path.exists(src):
                raise base.DriverError(
                    detail='no replica of volume %s at site %s' % (
                        source_volume_id, self.site.get('name')))
            _sparse_copy(src, dst)
        return {'reference': {'source-name': 'unmanaged-%s' % copy_id},
                'last_sync_at': meta.get('last_sync_at')}

    def delete(self, copy_id: str) -> bool:
        path = os.path.join(self._pool(), 'unmanaged-%s' % copy_id)
        for name in (path, path + '.tmp'):
            if os.path.exists(name):
                os.unlink(name)
                return True
        return False
