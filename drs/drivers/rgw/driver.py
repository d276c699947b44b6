"""Ceph RGW multisite behind the object-storage base.

The zones of an RGW zonegroup replicate every bucket already (both ways:
multisite is active-active), so protecting a bucket sets nothing up: it
checks that the bucket exists in the project's account at the source
(through RGW's Swift API, with the tenant's token, as for Swift) and that
the target zone syncs it from the source zone. Everything else is read
from the zones themselves with ``radosgw-admin`` run against each site's
cluster (``[rgw:<site>]``: its ``ceph.conf``, keyring and client id):

* a bucket is ``<project id>/<name>`` (``rgw keystone implicit tenants``,
  the usual setting under Keystone; ``keystone_implicit_tenants = false``
  for a global bucket namespace);
* it is in sync when, for every index shard the source has written, the
  target zone's incremental-sync position (``bucket sync markers
  --source-zone``) has reached the source's ``max_marker`` (``bucket
  stats``). ``bucket sync status`` is not used: on 16.2 it prints text
  even with ``--format json``, cannot read a tenant's bucket, and can
  report "caught up" while shards are still in full sync;
* while it is behind, the replica holds everything written before the
  oldest source index-log entry the target has not synced (``bilog list
  --marker``): its timestamp is what the replica is as of;
* it is not replicated at all when the bucket's data sync is disabled
  (``bucket sync disable``: the instance's flags) or the target zone does
  not sync from the source zone (the zonegroup's ``sync_from``).

A failover needs nothing from the source zone: the bucket is read and
written at the target zone (object writes do not go through the master
zone; creating buckets does, which drs never does). Reprotect checks that
the old source zone syncs back from the new one, which multisite does
once the old zone answers again.
"""

import calendar
import time
from typing import Any

from oslo_config import cfg
from oslo_log import log

from drs.conf import rgw as rgw_conf
from drs.drivers import base
from drs.drivers import ceph_cli
from drs.drivers.swift import driver as swift_driver
from drs.i18n import _

CONF = cfg.CONF
LOG = log.getLogger(__name__)

#: rgw bucket instance flag: data sync disabled (``bucket sync disable``)
DATASYNC_DISABLED = 0x8
#: radosgw-admin's exit status for a bucket that does not exist (ENOENT,
#: or RGW's ERR_NO_SUCH_BUCKET 2002 truncated to 8 bits)
_NOT_FOUND_RC = (2, 2002 & 0xff)


class RgwCommandError(base.DriverError):
    code = 'drs.driver.rgw_command'


class RgwUnreachable(RgwCommandError):
    code = 'drs.driver.rgw_unreachable'


def parse_time(value: str | None) -> float | None:
    """An RGW timestamp (``2026-12-02T05:19:42.800949683Z``, UTC)."""
    if not value or value.startswith('0.'):
        return None
    head, _sep, frac = value.rstrip('Z').partition('.')
    try:
        t = calendar.timegm(time.strptime(head, '%Y-%m-%dT%H:%M:%S'))
    except ValueError:
        return None
    return t + (float('0.' + frac) if frac.isdigit() else 0.0)


def shard_markers(max_marker: str | None) -> dict[int, str]:
    """``0#,1#00000000001.3.6,...`` -> ``{1: '00000000001.3.6'}`` (the
    shards something was written to); an unsharded bucket's marker is
    shard 0's."""
    out: dict[int, str] = {}
    for part in (max_marker or '').split(','):
        shard, sep, marker = part.partition('#')
        if not sep:
            shard, marker = '0', part
        if marker and shard.lstrip('-').isdigit():
            out[int(shard)] = marker
    return out


def behind_shards(source_max: dict[int, str],
                  target_markers: dict[int, dict]) -> list[int]:
    """The shards whose target position has not reached the source's last
    index-log entry (a shard still in full sync is behind, whatever its
    position says)."""
    behind = []
    for shard, marker in sorted(source_max.items()):
        pos = target_markers.get(shard)
        if pos is None and len(source_max) == 1 and len(target_markers) == 1:
            pos = next(iter(target_markers.values()))   # unsharded
        if (pos is None or pos.get('status') != 'incremental-sync'
                or (pos.get('position') or '') < marker):
            behind.append(shard)
    return behind


class RadosgwAdmin:
    """``radosgw-admin`` against one zone's cluster."""

    def __init__(self, opts: dict, site_name: str, runner=None):
        self.opts = opts
        self.site_name = site_name
        self._runner = runner
        self._zone: str | None = opts.get('zone')

    def __call__(self, *args: str) -> Any:
        argv = ceph_cli.cluster_argv(self.opts['radosgw_admin'], self.opts)
        if self.opts.get('zone'):
            argv += ['--rgw-zone', self.opts['zone']]
        return ceph_cli.run(argv, args, site=self.site_name,
                            timeout=self.opts['command_timeout'],
                            error=RgwCommandError, unreachable=RgwUnreachable,
                            runner=self._runner)

    def zone(self) -> str:
        """The zone's name (the option, or the cluster's default zone)."""
        if self._zone is None:
            self._zone = str((self('zone', 'get') or {})['name'])
        return self._zone

    def syncs_from(self, source_zone: str) -> bool:
        """Whether this zone syncs data from ``source_zone`` (zonegroup)."""
        zg = self('zonegroup', 'get') or {}
        for z in zg.get('zones') or []:
            if z.get('name') == self.zone():
                if str(z.get('sync_from_all', 'true')).lower() == 'true':
                    return True
                return source_zone in (z.get('sync_from') or [])
        return False

    def bucket_stats(self, bucket: str) -> dict[str, Any] | None:
        """The zone's ``bucket stats`` of ``bucket`` (``tenant/name``),
        None if the zone does not know the bucket (yet)."""
        try:
            data = self('bucket', 'stats', '--bucket', bucket)
        except RgwCommandError as e:
            if isinstance(e, RgwUnreachable):
                raise
            if e.kwargs.get('returncode') in _NOT_FOUND_RC:
                return None
            raise
        if not data:
            return None
        usage = (data.get('usage') or {}).get('rgw.main') or {}
        return {'count': int(usage.get('num_objects', 0)),
                'bytes': int(usage.get('size', 0)),
                'last_modified': data.get('mtime'),
                'id': data.get('id'),
                'markers': shard_markers(data.get('max_marker'))}

    def sync_disabled(self, bucket: str, bucket_id: str) -> bool:
        meta = self('metadata', 'get', 'bucket.instance:%s:%s' % (
            bucket, bucket_id)) or {}
        info = (meta.get('data') or {}).get('bucket_info') or {}
        return bool(int(info.get('flags') or 0) & DATASYNC_DISABLED)

    def sync_markers(self, bucket: str, source_zone: str
                     ) -> dict[int, dict]:
        """This zone's incremental-sync position per shard of ``bucket``
        from ``source_zone``: ``{shard: {'status', 'position'}}``."""
        out = {}
        for entry in self('bucket', 'sync', 'markers', '--bucket', bucket,
                          '--source-zone', source_zone) or []:
            val = entry.get('val') or {}
            out[int(entry['key'])] = {
                'status': val.get('status'),
                'position': (val.get('inc_marker') or {}).get('position')}
        return out

    def first_entry_after(self, bucket: str, shard: int,
                          marker: str | None) -> float | None:
        """The time of the oldest index-log entry of ``shard`` after
        ``marker`` (what a zone at ``marker`` has not synced yet)."""
        args = ['bilog', 'list', '--bucket', bucket, '--shard-id',
                str(shard), '--max-entries', '1']
        if marker:
            args += ['--marker', marker]
        entries = self(*args) or []
        return parse_time(entries[0].get('timestamp')) if entries else None


class RgwObjectStorageDriver(swift_driver.SwiftObjectStorageDriver):
    """Buckets replicated by RGW multisite; read through the Swift API."""

    def __init__(self, site, session, service_session=None, runner=None):
        super().__init__(site, session, service_session)
        self.opts = rgw_conf.site_options(CONF, self.site)
        self._admin = RadosgwAdmin(self.opts, self.site_name, runner)

    def admin(self) -> RadosgwAdmin:
        return self._admin

    def bucket(self, name: str) -> str:
        """The bucket of container ``name`` as radosgw-admin names it."""
        if not self.opts['keystone_implicit_tenants']:
            return name
        project = self.account_project() or self.session_project()
        return '%s/%s' % (project, name)

    def _peer(self, target: base.ObjectStorageDriver
              ) -> 'RgwObjectStorageDriver':
        if not isinstance(target, RgwObjectStorageDriver):
            raise base.DriverError(detail=_(
                'RGW multisite needs RGW at both sites (site %s has no rgw '
                'driver)') % target.site_name)
        return target

    def _not_replicated(self, name: str, target: 'RgwObjectStorageDriver',
                        stats: dict | None) -> str | None:
        """Why ``target``'s zone does not replicate bucket ``name`` from
        this zone at all, or None."""
        src_zone = self.admin().zone()
        if not target.admin().syncs_from(src_zone):
            return _('zone %(t)s of site %(ts)s does not sync from zone '
                     '%(s)s (zonegroup sync_from)') % {
                't': target.admin().zone(), 'ts': target.site_name,
                's': src_zone}
        if stats and stats.get('id') and self.admin().sync_disabled(
                self.bucket(name), stats['id']):
            return _('bucket %s has data sync disabled (radosgw-admin '
                     'bucket sync disable)') % name
        return None

    def protect_container(self, name: str, target: base.ObjectStorageDriver
                          ) -> dict[str, Any]:
        peer = self._peer(target)
        current = self.get_container(name)
        problem = self._not_replicated(
            name, peer, self.admin().bucket_stats(self.bucket(name)))
        if problem:
            raise base.DriverError(detail=_(
                'bucket %(n)s is not replicated to site %(s)s: %(p)s') % {
                    'n': name, 's': peer.site_name, 'p': problem})
        # Nothing to set up: the zonegroup replicates the bucket already.
        return {'replica': {'site': peer.site_name, 'bucket': name,
                            'zone': peer.admin().zone(),
                            'mechanism': 'rgw-multisite'},
                'protect_data': {'changed': False},
                'count': current['count'], 'bytes': current['bytes']}

    def replication_settings(self, name: str,
                             protect_data: dict) -> str | None:
        # Protect set nothing up; whether the zones still replicate the
        # bucket is in replication_status' ``problem``.
        return None

    def unprotect_container(self, name: str, protect_data: dict) -> None:
        # Protect changed nothing (the zonegroup's replication is the
        # operator's), so there is nothing to undo: say so in the log.
        LOG.info('Bucket %s: RGW multisite replication is left as the '
                 'operator configured it', name)

    def bucket_sync(self, name: str, target: 'RgwObjectStorageDriver'
                    ) -> dict[str, Any]:
        """How far ``target``'s zone is with bucket ``name`` from this
        zone: ``in_sync``, ``source``/``target`` stats, ``synced_until``
        (while behind: the replica holds what was written before it),
        ``detail`` and ``problem``."""
        bucket = self.bucket(name)
        src = self.admin().bucket_stats(bucket)
        dst = target.admin().bucket_stats(bucket)
        out: dict[str, Any] = {
            'source': _public(src), 'target': _public(dst),
            'problem': None, 'synced_until': None}
        if src is None:
            out.update(in_sync=False, detail=_(
                'bucket %s does not exist at site %s') % (
                    name, self.site_name))
            return out
        out['problem'] = self._not_replicated(name, target, src)
        if dst is None:
            out.update(in_sync=False, detail=_(
                'bucket %(n)s not yet known to zone %(z)s') % {
                    'n': name, 'z': target.admin().zone()})
            return out
        markers = target.admin().sync_markers(bucket, self.admin().zone())
        behind = behind_shards(src['markers'], markers)
        out['in_sync'] = not behind and out['problem'] is None
        if not behind:
            out['detail'] = _('caught up')
            return out
        out['detail'] = _('%(n)d of %(t)d written shard(s) behind') % {
            'n': len(behind), 't': len(src['markers'])}
        oldest = [self.admin().first_entry_after(
            bucket, shard, (markers.get(shard) or {}).get('position'))
            for shard in behind]
        dated = [t for t in oldest if t is not None]
        if dated:
            out['synced_until'] = min(dated)
        return out

    def replica_behind(self, name: str, target: base.ObjectStorageDriver
                       ) -> str | None:
        st = self.bucket_sync(name, self._peer(target))
        return None if st['in_sync'] else '%s: %s' % (name, st['detail'])

    def replication_status(self, names: list[str],
                           target: base.ObjectStorageDriver
                           ) -> dict[str, dict[str, Any]]:
        peer = self._peer(target)
        out = {}
        for name in names:
            st = self.bucket_sync(name, peer)
            if st['problem']:
                st['problem'] = _(
                    'bucket %(n)s is not replicated to site %(s)s: %(p)s') % {
                        'n': name, 's': peer.site_name, 'p': st['problem']}
            out[name] = st
        return out


def _public(stats: dict | None) -> dict | None:
    """What the plan shows of a zone's bucket stats."""
    if stats is None:
        return None
    return {k: stats[k] for k in ('count', 'bytes', 'last_modified')}
