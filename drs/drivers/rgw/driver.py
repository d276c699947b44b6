"""Ceph RGW multisite behind the object-storage base.

RGW zones of a zonegroup replicate every bucket already: protecting a
bucket sets nothing up, it checks that the bucket exists at the source
(through RGW's Swift API, with the tenant's token, as for Swift) and that
the target zone syncs it. Replication status comes from the target zone's
bucket sync status: through the RGW admin API (``[drivers]
rgw_admin_endpoint`` with the admin user's S3 keys, AWS signature v2, as
RGW's admin ops accept) or, without an endpoint, ``radosgw-admin bucket
sync status`` run on the drs host (which then needs a Ceph client
configuration for the target zone).

Not exercised against a real Ceph cluster: the test cloud has no RGW.
"""

import base64
import email.utils
import hashlib
import hmac
import json
import subprocess  # noqa: S404 - radosgw-admin, a fixed argv
from typing import Any
import urllib.parse

from oslo_config import cfg
from oslo_log import log
import requests

from drs.drivers import base
from drs.drivers.swift import driver as swift_driver

CONF = cfg.CONF
LOG = log.getLogger(__name__)

_TIMEOUT = 30


def sign_v2(secret: str, method: str, path: str, date: str) -> str:
    """AWS signature v2 of an admin request (no body, no content type)."""
    string_to_sign = '%s\n\n\n%s\n%s' % (method, date, path)
    digest = hmac.new(secret.encode(), string_to_sign.encode(),
                      hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class RgwAdmin:
    """Bucket stats and sync status of one RGW zone."""

    def __init__(self, endpoint: str | None, access_key: str | None,
                 secret_key: str | None, command: str = 'radosgw-admin'):
        self.endpoint = endpoint.rstrip('/') if endpoint else None
        self.access_key = access_key
        self.secret_key = secret_key
        self.command = command

    def _get(self, resource: str, params: dict) -> Any:
        assert self.endpoint is not None  # noqa: S101
        url = '%s/%s' % (self.endpoint, resource)
        path = urllib.parse.urlparse(url).path
        date = email.utils.formatdate(usegmt=True)
        headers = {'Date': date}
        if self.access_key and self.secret_key:
            headers['Authorization'] = 'AWS %s:%s' % (
                self.access_key,
                sign_v2(self.secret_key, 'GET', path, date))
        resp = requests.get(url, params=dict(params, format='json'),
                            headers=headers, timeout=_TIMEOUT)
        if resp.status_code == 404:
            return None
        if resp.status_code >= 400:
            raise base.DriverError(
                detail='RGW admin %s: HTTP %d' % (resource,
                                                  resp.status_code))
        return resp.json()

    def _run(self, *args: str) -> Any:
        argv = [self.command, *args, '--format=json']
        try:
            out = subprocess.run(argv, capture_output=True, text=True,  # noqa: S603
                                 timeout=_TIMEOUT, check=True).stdout
        except (OSError, subprocess.SubprocessError) as e:
            raise base.DriverError(detail='%s failed: %s' % (
                argv[0], type(e).__name__))
        return json.loads(out) if out.strip() else None

    def bucket_stats(self, bucket: str) -> dict[str, Any] | None:
        if self.endpoint:
            data = self._get('bucket', {'bucket': bucket, 'stats': 'true'})
        else:
            data = self._run('bucket', 'stats', '--bucket', bucket)
        if not data:
            return None
        usage = (data.get('usage') or {}).get('rgw.main') or {}
        return {'count': int(usage.get('num_objects', 0)),
                'bytes': int(usage.get('size_actual',
                                       usage.get('size', 0))),
                'last_modified': data.get('mtime')}

    def bucket_sync_status(self, bucket: str) -> dict[str, Any]:
        """``{'in_sync': bool, 'behind_shards': int, 'detail': ...}``."""
        if self.endpoint:
            data = self._get('bucket', {'bucket': bucket,
                                        'sync-status': 'true'})
        else:
            data = self._run('bucket', 'sync', 'status', '--bucket',
                             bucket)
        return parse_sync_status(data)


def parse_sync_status(data: Any) -> dict[str, Any]:
    """Summarize ``bucket sync status`` (JSON) into in_sync/behind."""
    if not data:
        return {'in_sync': False, 'behind_shards': None,
                'detail': 'no sync status'}
    behind = 0
    sources = data.get('sources') if isinstance(data, dict) else None
    if isinstance(data, dict) and 'sources' in data and not sources:
        return {'in_sync': False, 'behind_shards': None,
                'detail': 'the bucket syncs from no zone'}
    for source in sources or []:
        status = source.get('status')
        if status == 'disabled':
            return {'in_sync': False, 'behind_shards': None,
                    'detail': 'sync disabled from zone %s'
                    % source.get('source_zone')}
        shards = (status.get('behind_shards')
                  if isinstance(status, dict) else None)
        behind += len(shards or source.get('behind_shards') or [])
    if isinstance(data, dict) and 'behind_shards' in data:
        behind += len(data.get('behind_shards') or [])
    return {'in_sync': behind == 0, 'behind_shards': behind,
            'detail': 'caught up' if behind == 0 else
            '%d shard(s) behind' % behind}


class RgwObjectStorageDriver(swift_driver.SwiftObjectStorageDriver):
    """Buckets replicated by RGW multisite; read through the Swift API."""

    def admin(self) -> RgwAdmin:
        return RgwAdmin(CONF.drivers.rgw_admin_endpoint,
                        CONF.drivers.rgw_admin_access_key,
                        CONF.drivers.rgw_admin_secret_key,
                        CONF.drivers.rgw_radosgw_admin)

    def protect_container(self, name: str, target: base.ObjectStorageDriver
                          ) -> dict[str, Any]:
        current = self.get_container(name)
        if not isinstance(target, RgwObjectStorageDriver):
            raise base.DriverError(detail='RGW multisite needs RGW at '
                                   'both sites')
        status = target.admin().bucket_sync_status(name)
        if status['behind_shards'] is None:
            raise base.DriverError(
                detail='bucket %s is not synced to site %s: %s' % (
                    name, target.site_name, status['detail']))
        # Nothing to set up: the zonegroup replicates the bucket already.
        return {'replica': {'site': target.site_name, 'bucket': name,
                            'mechanism': 'rgw-multisite'},
                'protect_data': {'changed': False},
                'count': current['count'], 'bytes': current['bytes']}

    def replication_settings(self, name: str,
                             protect_data: dict) -> str | None:
        # Protect set nothing up: the zone's sync status, read by
        # replication_status, says whether the bucket still replicates.
        return None

    def unprotect_container(self, name: str, protect_data: dict) -> None:
        # Protect changed nothing (the zonegroup's replication is the
        # operator's), so there is nothing to undo: say so in the log.
        LOG.info('Bucket %s: RGW multisite replication is left as the '
                 'operator configured it', name)

    def replication_status(self, names: list[str],
                           target: base.ObjectStorageDriver
                           ) -> dict[str, dict[str, Any]]:
        mine = self.list_containers()
        out = {}
        admin = (target.admin() if isinstance(target, RgwObjectStorageDriver)
                 else self.admin())
        for name in names:
            status = admin.bucket_sync_status(name)
            out[name] = {'in_sync': bool(status['in_sync']),
                         'source': mine.get(name),
                         'target': admin.bucket_stats(name),
                         'detail': status['detail'],
                         # Not synced at all (disabled, or from no zone):
                         # replication is gone, not just behind.
                         'problem': (None if status['behind_shards']
                                     is not None else
                                     'bucket %s is not replicated to site '
                                     '%s: %s' % (name, target.site_name,
                                                 status['detail']))}
        return out
