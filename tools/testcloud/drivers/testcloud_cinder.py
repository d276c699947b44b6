"""Test-only Cinder volume driver that keeps real data semantics.

Loaded by the test cloud's cinder-volume from PYTHONPATH::

    [file]
    volume_driver = testcloud_cinder.FileReplicationDriver
    volume_backend_name = file
    testcloud_site = a
    testcloud_pool_dir = .../cinder/site-a/pool
    testcloud_peer_site = b
    testcloud_peer_pool_dir = .../cinder/site-b/pool
    testcloud_replication_interval = 5
    replication_device = backend_id:site-b

What it does (see testcloud_pool.py for the file layout):

* A volume is a sparse file of the volume's size in the site's pool.
* A volume whose type has ``replication_enabled='<is> True'`` is copied to the
  PEER site's pool (``replica-<id>`` + a JSON sidecar) by a periodic loop every
  ``testcloud_replication_interval`` seconds. The sidecar's ``last_sync_at`` is
  the time the copied data is as of, so replication lag = now - last_sync_at;
  the same JSON goes into the volume's ``replication_driver_data`` (DB).
  The ``replication.paused`` flag file in the SOURCE pool stops the loop, so
  the lag grows.
* At the peer site, GET manageable_volumes lists the replicas and
  manage_existing adopts one (the file is renamed, same bytes); the source
  site then stops replicating it.
* failover_host / group failover_replication make the replica the active copy
  of a volume (reads and writes then go to the file in the peer pool); failback
  (backend id ``default``) copies it back and makes the primary active again.
* Retype between this backend's types is done in place: replication starts
  (to a replication-enabled type) or stops (to another), bytes untouched.
* Volume from image: clone_image downloads the image bytes into the file
  itself (no qemu-img, no privsep), and Cinder marks the volume bootable.
* Attach: the connection info is the file path (type ``local``); the fake virt
  driver of Nova does not open it, volume_io.py stands in for guest I/O.
"""
import json
import os
import threading

from oslo_config import cfg
from oslo_log import log as logging
from oslo_service import loopingcall

from cinder import context as cinder_context
from cinder import exception
from cinder import objects
from cinder.objects import fields
from cinder.volume import configuration
from cinder.volume import driver
from cinder.volume import volume_utils

import testcloud_pool as tcpool

LOG = logging.getLogger(__name__)
RS = fields.ReplicationStatus

testcloud_opts = [
    cfg.StrOpt('testcloud_site', help='This site (a or b).'),
    cfg.StrOpt('testcloud_pool_dir', help='This site\'s pool directory.'),
    cfg.StrOpt('testcloud_peer_site', help='The peer site (b or a).'),
    cfg.StrOpt('testcloud_peer_pool_dir',
               help='The peer site\'s pool directory (replication target).'),
    cfg.IntOpt('testcloud_replication_interval', default=5,
               help='Seconds between two replication passes.'),
    cfg.IntOpt('testcloud_pool_capacity_gb', default=2000,
               help='Capacity reported to the scheduler.'),
]
cfg.CONF.register_opts(testcloud_opts, group=configuration.SHARED_CONF_GROUP)


class FileReplicationDriver(driver.VolumeDriver):
    VERSION = '1.0.0'
    CI_WIKI_NAME = 'drs-testcloud'

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.configuration.append_config_values(testcloud_opts)
        conf = self.configuration
        self.site = conf.testcloud_site
        self.peer_site = conf.testcloud_peer_site
        self.pool = tcpool.Pool(conf.testcloud_pool_dir)
        self.peer = tcpool.Pool(conf.testcloud_peer_pool_dir)
        self.backend_name = (conf.safe_get('volume_backend_name') or 'file')
        devs = conf.safe_get('replication_device') or []
        self._targets = [d['backend_id'] for d in devs]
        # Set by Cinder from the service record after a failover_host.
        self._active_backend_id = kwargs.get('active_backend_id')
        self._lock = threading.Lock()
        self._loop = None

    # ------------------------------------------------------------ setup
    def do_setup(self, context):
        self.pool.ensure()
        self.peer.ensure()

    def check_for_setup_error(self):
        if not os.path.isdir(self.pool.root):
            raise exception.VolumeBackendAPIException(
                data='pool %s missing' % self.pool.root)
        if self._loop is None:
            interval = self.configuration.testcloud_replication_interval
            self._loop = loopingcall.FixedIntervalLoopingCall(
                self._replicate_all)
            self._loop.start(interval=interval, initial_delay=interval)
            LOG.info('testcloud site %s: pool %s, replicating to site %s '
                     '(%s) every %ss', self.site, self.pool.root,
                     self.peer_site, self.peer.root, interval)

    # ------------------------------------------------------------ helpers
    @staticmethod
    def _is_replicated_type(volume):
        try:
            return bool(volume.volume_type and volume_utils.is_replicated_spec(
                volume.volume_type.extra_specs))
        except exception.VolumeTypeNotFound:
            return False

    def _path(self, volume):
        return tcpool.active_path(self.pool, self.peer, volume.id)

    def _start_replication(self, volume, active='primary'):
        """Record that ``volume`` is replicated to the peer site."""
        state = self.pool.read_state(volume.id) or {}
        state.update({'volume_id': volume.id,
                      'project_id': volume.project_id,
                      'name': volume.display_name,
                      'size_gb': volume.size,
                      'source_site': self.site,
                      'target_site': self.peer_site,
                      'replicate': True,
                      'active': state.get('active', active)})
        self.pool.write_state(volume.id, state)
        return {'replication_status': RS.ENABLED,
                'replication_driver_data': json.dumps(
                    {'target_site': self.peer_site, 'last_sync_at': None})}

    # ------------------------------------------------------ replication loop
    def _replicate_all(self):
        if self.pool.is_paused():
            return
        for vid in self.pool.replicated_volume_ids():
            try:
                self._replicate_one(vid)
            except Exception:
                LOG.exception('replication of volume %s failed', vid)

    def _replicate_one(self, vid):
        with self._lock:
            state = self.pool.read_state(vid)
            src = self.pool.volume_path(vid)
            if (not state or not state.get('replicate') or
                    state.get('active') != 'primary' or
                    not os.path.exists(src)):
                return
            if os.path.exists(self.peer.promoted_path(vid)):
                # The peer adopted the replica (manage): the relationship is
                # broken, as after a real promote.
                state['replicate'] = False
                state['promoted_at_peer'] = True
                self.pool.write_state(vid, state)
                self._save_driver_data(vid, state, RS.DISABLED)
                return
            started = tcpool.now()
            st = os.stat(src)
            meta = self.peer.read_replica_meta(vid)
            unchanged = (meta and os.path.exists(self.peer.replica_path(vid))
                         and meta.get('source_mtime_ns') == st.st_mtime_ns
                         and meta.get('source_bytes') == st.st_size)
            if not unchanged:
                tcpool.sparse_copy(src, self.peer.replica_path(vid))
            meta = {'source_volume_id': vid,
                    'source_site': self.site,
                    'source_project_id': state.get('project_id'),
                    'source_name': state.get('name'),
                    'size_gb': state.get('size_gb'),
                    'source_mtime_ns': st.st_mtime_ns,
                    'source_bytes': st.st_size,
                    'last_sync_at': started,
                    'last_copy_at': (started if not unchanged else
                                     (meta or {}).get('last_copy_at'))}
            self.peer.write_replica_meta(vid, meta)
            state['last_sync_at'] = started
            self.pool.write_state(vid, state)
            self._save_driver_data(vid, state)

    def _save_driver_data(self, vid, state, replication_status=None):
        """Mirror the replication state into replication_driver_data."""
        try:
            vol = objects.Volume.get_by_id(
                cinder_context.get_admin_context(), vid)
        except exception.VolumeNotFound:
            return
        vol.replication_driver_data = json.dumps(
            {'target_site': self.peer_site,
             'last_sync_at': state.get('last_sync_at'),
             'replicate': state.get('replicate')})
        if replication_status:
            vol.replication_status = replication_status
        vol.save()

    # ------------------------------------------------------------ volumes
    @volume_utils.trace_method
    def create_volume(self, volume):
        tcpool.create_sparse(self.pool.volume_path(volume.id), volume.size)
        if self._is_replicated_type(volume) and not volume.group_id:
            return self._start_replication(volume)
        # Non-replicated volumes are marked explicitly, so a host failover
        # puts them in error/not-capable, as real backends do.  Volumes in a
        # group are replicated once the group's replication is enabled.
        return {'replication_status': RS.DISABLED}

    @volume_utils.trace_method
    def delete_volume(self, volume):
        with self._lock:
            for path in (self._path(volume), self.pool.volume_path(volume.id),
                         self.pool.state_path(volume.id),
                         self.peer.replica_path(volume.id),
                         self.peer.replica_meta_path(volume.id)):
                if os.path.exists(path):
                    os.unlink(path)

    @volume_utils.trace_method
    def extend_volume(self, volume, new_size):
        with open(self._path(volume), 'r+b') as f:
            f.truncate(new_size * tcpool.GiB)

    @volume_utils.trace_method
    def retype(self, context, volume, new_type, diff, host):
        """In place, as a backend whose replication is a per-volume
        setting: to a replication-enabled type the volume starts being
        copied to the peer site; to another type it stops (the replica
        already at the peer is kept, never deleted). Cinder calls this
        only when ``host`` is this backend."""
        specs = dict(getattr(new_type, 'extra_specs', None) or {})
        if volume_utils.is_replicated_spec(specs):
            if volume.group_id:
                return True, {}
            return True, self._start_replication(volume)
        with self._lock:
            state = self.pool.read_state(volume.id)
            if state and state.get('replicate'):
                state['replicate'] = False
                self.pool.write_state(volume.id, state)
        return True, {'replication_status': RS.DISABLED}

    def create_cloned_volume(self, volume, src_vref):
        tcpool.sparse_copy(self._path(src_vref),
                           self.pool.volume_path(volume.id))
        if volume.size > src_vref.size:
            self.extend_volume(volume, volume.size)
        if self._is_replicated_type(volume) and not volume.group_id:
            return self._start_replication(volume)
        return {'replication_status': RS.DISABLED}

    def _snapshot_path(self, snapshot):
        return os.path.join(self.pool.root, 'snapshot-%s' % snapshot.id)

    def create_snapshot(self, snapshot):
        tcpool.sparse_copy(self._path(snapshot.volume),
                           self._snapshot_path(snapshot))

    def delete_snapshot(self, snapshot):
        if os.path.exists(self._snapshot_path(snapshot)):
            os.unlink(self._snapshot_path(snapshot))

    def create_volume_from_snapshot(self, volume, snapshot):
        tcpool.sparse_copy(self._snapshot_path(snapshot),
                           self.pool.volume_path(volume.id))
        if volume.size > snapshot.volume_size:
            self.extend_volume(volume, volume.size)
        if self._is_replicated_type(volume) and not volume.group_id:
            return self._start_replication(volume)
        return {'replication_status': RS.DISABLED}

    # ------------------------------------------------------------ images
    def clone_image(self, context, volume, image_location, image_meta,
                    image_service):
        """Write the image's bytes into a new volume ourselves.

        Claiming the "clone" keeps Cinder from its generic path (download to
        a temporary file + qemu-img + privsep), which this machine lacks;
        Cinder still records the image metadata and sets bootable.
        """
        update = self.create_volume(volume) or {}
        with open(self.pool.volume_path(volume.id), 'r+b') as f:
            image_service.download(context, image_meta['id'], f)
        LOG.info('volume %s: wrote image %s', volume.id, image_meta['id'])
        return update, True

    def copy_image_to_volume(self, context, volume, image_service, image_id,
                             disable_sparse=False):
        with open(self._path(volume), 'r+b') as f:
            image_service.download(context, image_id, f)

    def copy_volume_to_image(self, context, volume, image_service,
                             image_meta):
        with open(self._path(volume), 'rb') as f:
            image_service.update(context, image_meta['id'], {}, f)

    # ------------------------------------------------------------ exports
    def create_export(self, context, volume, connector):
        pass

    def ensure_export(self, context, volume):
        pass

    def remove_export(self, context, volume):
        pass

    def initialize_connection(self, volume, connector):
        return {'driver_volume_type': 'local',
                'data': {'device_path': self._path(volume),
                         'volume_id': volume.id}}

    def terminate_connection(self, volume, connector, **kwargs):
        pass

    # ------------------------------------------------------------ stats
    def _update_volume_stats(self):
        used = 0
        for name in os.listdir(self.pool.root):
            if name.startswith('volume-') and '.' not in name:
                used += os.stat(os.path.join(self.pool.root, name)).st_size
        total = self.configuration.testcloud_pool_capacity_gb
        self._stats = {
            'volume_backend_name': self.backend_name,
            'vendor_name': 'drs testcloud',
            'driver_version': self.VERSION,
            'storage_protocol': 'local',
            'replication_enabled': bool(self._targets),
            'replication_targets': self._targets,
            'replication_type': ['async'],
            'replication_count': len(self._targets),
            'pools': [{
                'pool_name': self.backend_name,
                'total_capacity_gb': total,
                'free_capacity_gb': max(0, total - used // tcpool.GiB),
                'provisioned_capacity_gb': used // tcpool.GiB,
                'reserved_percentage': 0,
                'thin_provisioning_support': True,
                'max_over_subscription_ratio': 20.0,
                'QoS_support': False,
                'multiattach': False,
                'replication_enabled': bool(self._targets),
                'group_replication_enabled': bool(self._targets),
                'consistent_group_replication_enabled': bool(self._targets),
            }],
        }

    # ------------------------------------------------------------ manage
    def _replica_id_from_ref(self, existing_ref):
        name = existing_ref.get('source-name') or ''
        for prefix in ('replica-', 'unmanaged-'):
            if name.startswith(prefix) and '.' not in name:
                return prefix, name[len(prefix):]
        if existing_ref.get('source-id'):
            return 'replica-', existing_ref['source-id']
        raise exception.ManageExistingInvalidReference(
            existing_ref=existing_ref,
            reason='expected source-name replica-<id> or unmanaged-<id>')

    def _ref_path(self, existing_ref):
        prefix, rid = self._replica_id_from_ref(existing_ref)
        path = os.path.join(self.pool.root, prefix + rid)
        if not os.path.exists(path):
            raise exception.ManageExistingInvalidReference(
                existing_ref=existing_ref, reason='%s not in pool' % path)
        return prefix, rid, path

    def manage_existing_get_size(self, volume, existing_ref):
        _, _, path = self._ref_path(existing_ref)
        size = os.stat(path).st_size
        return max(1, -(-size // tcpool.GiB))

    @volume_utils.trace_method
    def manage_existing(self, volume, existing_ref):
        """Adopt a replica (or an unmanaged volume): same bytes, new id."""
        with self._lock:
            prefix, rid, path = self._ref_path(existing_ref)
            os.rename(path, self.pool.volume_path(volume.id))
            if prefix == 'replica-':
                meta = self.pool.read_replica_meta(rid) or {}
                meta.update({'promoted_to_volume_id': volume.id,
                             'promoted_at': tcpool.now()})
                with open(self.pool.promoted_path(rid), 'w') as f:
                    json.dump(meta, f, indent=1, sort_keys=True)
                if os.path.exists(self.pool.replica_meta_path(rid)):
                    os.unlink(self.pool.replica_meta_path(rid))
        # Cinder's manage flow leaves service_uuid unset (the create flow
        # sets it), and with shared_targets left True os-brick locks on it
        # when Nova attaches the volume. This driver's connections are
        # local files: no target is shared, so say so, as create could.
        update = {'shared_targets': False}
        if self._is_replicated_type(volume):
            # Managed with a replicated type: replicate it back to the peer.
            update.update(self._start_replication(volume))
            return update
        update['replication_status'] = RS.DISABLED
        return update

    def unmanage(self, volume):
        with self._lock:
            os.rename(self.pool.volume_path(volume.id),
                      self.pool.unmanaged_path(volume.id))
            if os.path.exists(self.pool.state_path(volume.id)):
                os.unlink(self.pool.state_path(volume.id))

    def get_manageable_volumes(self, cinder_volumes, marker, limit, offset,
                               sort_keys, sort_dirs):
        in_cinder = {v['id']: v for v in cinder_volumes}
        entries = []
        for rid in self.pool.replica_ids():
            meta = self.pool.read_replica_meta(rid) or {}
            size = os.stat(self.pool.replica_path(rid)).st_size
            # A replica that is the active copy of a failed-over peer volume
            # belongs to the peer's Cinder.
            peer_state = self.peer.read_state(rid) or {}
            failed_over = peer_state.get('active') == 'secondary'
            entries.append({
                'reference': {'source-name': 'replica-%s' % rid},
                'size': max(1, -(-size // tcpool.GiB)),
                'safe_to_manage': not failed_over,
                'reason_not_safe': ('active copy of failed-over volume %s of '
                                    'site %s' % (rid, self.peer_site)
                                    if failed_over else None),
                'cinder_id': None,
                # the sidecar (source volume/site/project, last_sync_at)
                'extra_info': {k: None if v is None else str(v)
                               for k, v in meta.items()}})
        for name in sorted(os.listdir(self.pool.root)):
            if name.startswith('unmanaged-') and '.' not in name:
                size = os.stat(os.path.join(self.pool.root, name)).st_size
                entries.append({
                    'reference': {'source-name': name},
                    'size': max(1, -(-size // tcpool.GiB)),
                    'safe_to_manage': True, 'reason_not_safe': None,
                    'cinder_id': None, 'extra_info': None})
            elif name.startswith('volume-') and '.' not in name:
                vid = name[len('volume-'):]
                size = os.stat(os.path.join(self.pool.root, name)).st_size
                entries.append({
                    'reference': {'source-name': name},
                    'size': max(1, -(-size // tcpool.GiB)),
                    'safe_to_manage': False,
                    'reason_not_safe': 'already managed',
                    'cinder_id': vid if vid in in_cinder else None,
                    'extra_info': None})
        return volume_utils.paginate_entries_list(
            entries, marker, limit, offset, sort_keys, sort_dirs)

    # ------------------------------------------------------------ failover
    def _failover_volume(self, vid, to_secondary):
        """Make the replica (or, on failback, the primary) the active copy."""
        with self._lock:
            state = self.pool.read_state(vid)
            if not state:
                return False
            if to_secondary and state.get('active') != 'secondary':
                if not os.path.exists(self.peer.replica_path(vid)):
                    return False     # never replicated: nothing to fail to
                state['active'] = 'secondary'
                state['failed_over_at'] = tcpool.now()
            elif not to_secondary and state.get('active') == 'secondary':
                # Failback: the replica got the writes; copy it home.
                tcpool.sparse_copy(self.peer.replica_path(vid),
                                   self.pool.volume_path(vid))
                state['active'] = 'primary'
                state['failed_back_at'] = tcpool.now()
            self.pool.write_state(vid, state)
            return True

    def get_replication_targets(self, context, group):
        return [{'backend_id': t} for t in self._targets]

    @volume_utils.trace_method
    def failover_host(self, context, volumes, secondary_id=None, groups=None):
        if secondary_id == 'default':
            if not self._active_backend_id:
                raise exception.InvalidReplicationTarget(
                    reason='already on the primary')
            new_active, to_secondary = None, False
        else:
            target = secondary_id or (self._targets[0] if self._targets
                                      else None)
            if target not in self._targets:
                raise exception.InvalidReplicationTarget(
                    reason='unknown replication target %s' % secondary_id)
            if target == self._active_backend_id:
                raise exception.InvalidReplicationTarget(
                    reason='already failed over to %s' % target)
            new_active, to_secondary = target, True
        vol_updates = []
        for v in volumes:
            ok = (v.replication_status in (RS.ENABLED, RS.FAILED_OVER,
                                           RS.FAILING_OVER)
                  and self._failover_volume(v.id, to_secondary))
            if ok:
                rs = RS.FAILED_OVER if to_secondary else RS.ENABLED
                vol_updates.append({'volume_id': v.id,
                                    'updates': {'replication_status': rs}})
            elif to_secondary:
                vol_updates.append({'volume_id': v.id,
                                    'updates': {'status': 'error'}})
        grp_updates = [{'group_id': g.id, 'updates': {
            'replication_status': (RS.FAILED_OVER if to_secondary
                                   else RS.ENABLED)}}
            for g in (groups or [])]
        self._active_backend_id = new_active
        LOG.info('site %s failed over to %s (%d volumes)', self.site,
                 new_active or 'primary', len(volumes))
        return (new_active or 'default'), vol_updates, grp_updates

    def failover(self, context, volumes, secondary_id=None, groups=None):
        return self.failover_host(context, volumes, secondary_id, groups)

    def failover_completed(self, context, active_backend_id=None):
        self._active_backend_id = (None if active_backend_id == 'default'
                                   else active_backend_id)

    # ----------------------------------------------------- groups (Tiramisu)
    def create_group(self, context, group):
        update = {'status': fields.GroupStatus.AVAILABLE}
        try:
            if group.is_replicated:
                update['replication_status'] = RS.DISABLED
        except exception.GroupTypeNotFound:
            pass
        return update

    def delete_group(self, context, group, volumes):
        updates = []
        for v in volumes:
            self.delete_volume(v)
            updates.append({'id': v.id, 'status': 'deleted'})
        return {'status': group.status}, updates

    def update_group(self, context, group, add_volumes=None,
                     remove_volumes=None):
        return None, None, None

    def enable_replication(self, context, group, volumes):
        updates = []
        for v in volumes:
            self._start_replication(v)
            updates.append({'id': v.id, 'replication_status': RS.ENABLED})
        return {'replication_status': RS.ENABLED}, updates

    def disable_replication(self, context, group, volumes):
        updates = []
        for v in volumes:
            state = self.pool.read_state(v.id)
            if state:
                state['replicate'] = False
                self.pool.write_state(v.id, state)
            updates.append({'id': v.id, 'replication_status': RS.DISABLED})
        return {'replication_status': RS.DISABLED}, updates

    def failover_replication(self, context, group, volumes,
                             secondary_backend_id=None):
        to_secondary = secondary_backend_id != 'default'
        updates = []
        for v in volumes:
            ok = self._failover_volume(v.id, to_secondary)
            rs = (RS.FAILED_OVER if to_secondary else RS.ENABLED) if ok \
                else RS.ERROR
            updates.append({'id': v.id, 'replication_status': rs})
        group_rs = RS.FAILED_OVER if to_secondary else RS.ENABLED
        if any(u['replication_status'] == RS.ERROR for u in updates):
            group_rs = RS.ERROR
        return {'replication_status': group_rs}, updates


