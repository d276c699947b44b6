"""RBD mirroring as a replication backend (``rbd`` in
``drs.replication_backends``).

Cinder's ``RBDDriver`` with a ``replication_device`` makes a volume of a
replicated type a journaled RBD image with mirroring enabled; the peer's
``rbd-mirror`` daemon keeps a non-primary copy of it under the same name
(``volume-<id>``) in the peer's pool.  This backend drives that copy with
Ceph's ``rbd`` command (``--format json``), not the python bindings: the
``rados``/``rbd`` modules are built by the distribution for its own
Python, which need not be the one drs runs on, and the command gives the
same operations with a timeout drs controls (a frozen cluster then fails
a call instead of hanging a flow).

What each method does (see README, "Ceph RBD mirroring"):

* ``status``: one ``rbd mirror pool status --verbose`` per call;
  ``last_sync_at`` is the mirror status' ``last_update`` when the replica
  has no journal entries behind (journal mode) or the newest mirror
  snapshot's ``local_snapshot_timestamp`` (snapshot mode); the status is
  refreshed by rbd-mirror about every 30 s, so the figure is that coarse,
  and it is capped by the primary side's own ``last_update`` as seen here
  (a frozen primary site stops refreshing it).
* ``promote``: planned = demote at the peer, then promote here, retried
  while this site's rbd-mirror replays the demotion; forced = ``promote
  --force`` here without contacting the peer, retried while the daemon is
  still stopping replay.
* ``copy``: a snapshot taken at the primary (the peer) travels with the
  journal to the replica; a format-2 clone of it here is the copy
  (crash-consistent as of the snapshot; replication untouched).  With the
  peer unreachable, a ``deep cp`` of the replica's head (as of the last
  replayed entry).
* ``reverse``: at the old primary: demote and resync so the peer's primary
  is copied back here (this site's divergent writes are discarded).
"""

import json
import subprocess
import time
from typing import Any

from oslo_config import cfg
from oslo_log import log as logging

from drs.conf import replication as rconf
from drs.drivers import base as drivers_base
from drs.drivers import ceph_cli
from drs.drivers.replication import base
from drs.i18n import _

LOG = logging.getLogger(__name__)
CONF = cfg.CONF

COPY_PREFIX = 'drs-copy-'
SNAP_PREFIX = 'drs-copy-'

# rbd-mirror's image states -> health
_HEALTH = {
    'replaying': base.HEALTH_OK,
    'syncing': base.HEALTH_SYNCING,
    'starting_replay': base.HEALTH_SYNCING,
    'stopping_replay': base.HEALTH_STOPPED,
    'stopped': base.HEALTH_STOPPED,
    'error': base.HEALTH_ERROR,
    'unknown': base.HEALTH_UNKNOWN,
}


class RbdCommandError(base.ReplicationError):
    msg_fmt = _('%(detail)s')
    code = 'drs.replication.rbd_command'


class Unreachable(RbdCommandError):
    code = 'drs.replication.rbd_unreachable'


def _parse_time(value: str | None) -> float | None:
    """``last_update`` ("YYYY-MM-DD HH:MM:SS", local time of the host that
    ran the command)."""
    if not value:
        return None
    try:
        return time.mktime(time.strptime(value, '%Y-%m-%d %H:%M:%S'))
    except ValueError:
        return None


def _description_json(description: str) -> dict:
    """The JSON part of a mirror status description
    (``replaying, {...}``)."""
    start = description.find('{')
    if start < 0:
        return {}
    try:
        value = json.loads(description[start:])
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class Rbd:
    """The ``rbd`` command against one cluster."""

    def __init__(self, opts: dict, site_name: str, runner=None):
        self.opts = opts
        self.site_name = site_name
        self._run = runner or subprocess.run

    @property
    def pool(self) -> str:
        return self.opts['pool']

    def spec(self, image: str, snap: str | None = None) -> str:
        return '%s/%s%s' % (self.pool, image, '@' + snap if snap else '')

    def __call__(self, *args: str, fmt_json: bool = True,
                 timeout: float | None = None) -> Any:
        return ceph_cli.run(
            ceph_cli.cluster_argv(self.opts['rbd_command'], self.opts), args,
            site=self.site_name,
            timeout=timeout or self.opts['command_timeout'],
            error=RbdCommandError, unreachable=Unreachable,
            runner=self._run, fmt_json=fmt_json)

    def info(self, image: str) -> dict | None:
        """``rbd info`` of an image, None if it does not exist."""
        return self._of_image('info', image)

    def status(self, image: str) -> dict | None:
        """``rbd status`` (its watchers) of an image, None if it does not
        exist (a resync removes it before rbd-mirror makes it again)."""
        return self._of_image('status', image)

    def _of_image(self, command: str, image: str) -> dict | None:
        try:
            return self(command, self.spec(image))
        except RbdCommandError as e:
            if isinstance(e, Unreachable):
                raise
            if e.kwargs.get('returncode') == 2 or 'No such file' in \
                    e.kwargs.get('stderr', ''):
                return None
            raise

    def snaps(self, image: str) -> list[dict]:
        return self('snap', 'ls', self.spec(image)) or []


class RbdMirrorBackend(base.ReplicationBackend):
    """Replication by RBD mirroring (journal or snapshot mode) between the
    clusters of two sites, through the ``rbd`` command."""

    def __init__(self, site: dict, peer: dict | None,
                 volumes: drivers_base.VolumeDriver | None = None,
                 conf: cfg.ConfigOpts | None = None, runner=None,
                 sleep=time.sleep, clock=time.time):
        super().__init__(site, peer, volumes)  # type: ignore[arg-type]
        conf = conf or CONF
        self.opts = rconf.site_options(conf, site)
        self.rbd = Rbd(self.opts, self.site_name, runner)
        self.peer_rbd = None
        if peer:
            peer_name = str(peer.get('name') or peer.get('region_name'))
            self.peer_rbd = Rbd(rconf.site_options(conf, peer), peer_name,
                                runner)
        self._sleep = sleep
        self._clock = clock

    # ---------------------------------------------------------- helpers
    def image_name(self, volume_id: str) -> str:
        return self.opts['volume_name_template'] % volume_id

    def _peer(self) -> Rbd:
        if self.peer_rbd is None:
            raise base.ReplicationError(detail=_(
                'site %s has no peer configured') % self.site_name)
        return self.peer_rbd

    def _pool_status(self) -> dict[str, dict]:
        st = self.rbd('mirror', 'pool', 'status', '--verbose',
                      self.rbd.pool) or {}
        return {img['name']: img for img in st.get('images', [])}

    def _replica_status(self, name: str, image: dict | None,
                        info: dict | None = None) -> base.ReplicaStatus:
        out: base.ReplicaStatus = {
            'present': False, 'host': self.opts['cinder_host'],
            'reference': {'source-name': name}, 'last_sync_at': None,
            'health': base.HEALTH_UNKNOWN, 'primary': False,
            'safe_to_manage': False, 'detail': ''}
        if image is None:
            if info is None:
                out['detail'] = _('no image %s in pool %s') % (
                    name, self.rbd.pool)
                return out
            # Present but not mirrored (a copy, or mirroring disabled).
            out['present'] = out['primary'] = True
            out['health'] = base.HEALTH_STOPPED
            out['detail'] = _('image not mirrored')
            out['safe_to_manage'] = self._no_watchers(name)
            return out
        state = image.get('state', '')
        description = image.get('description', '')
        out['present'] = True
        up, _sep, what = state.partition('+')
        health = _HEALTH.get(what, base.HEALTH_UNKNOWN)
        primary = description.startswith('local image is primary')
        if info and 'mirroring' in info:
            # rbd info is current; the mirror status is refreshed by
            # rbd-mirror only every ~30 s (a fresh promote still says
            # "replaying").
            primary = bool(info['mirroring'].get('primary'))
            if primary and health in (base.HEALTH_OK, base.HEALTH_SYNCING):
                health = base.HEALTH_STOPPED
        if health == base.HEALTH_ERROR and 'split-brain' in description:
            health = base.HEALTH_SPLIT_BRAIN
        # This site's rbd-mirror is down: the status is its last word,
        # the replica holds at least what it said then.
        stale = up == 'down' and health == base.HEALTH_OK
        if stale:
            health = base.HEALTH_STOPPED
        out['health'], out['primary'] = health, primary
        out['detail'] = '%s: %s' % (state, description.split(',')[0])
        if primary:
            out['last_sync_at'] = self._clock()
            out['safe_to_manage'] = self._no_watchers(name)
            return out
        desc = _description_json(description)
        local_update = _parse_time(image.get('last_update'))
        peer_updates = [t for t in (_parse_time(p.get('last_update'))
                                    for p in image.get('peer_sites', []))
                        if t is not None]
        if 'local_snapshot_timestamp' in desc:          # snapshot mode
            out['last_sync_at'] = float(desc['local_snapshot_timestamp'])
        elif (health == base.HEALTH_OK or stale) and \
                desc.get('entries_behind_primary', 0) == 0 and local_update:
            # Journal mode, caught up as of the status' last refresh (the
            # last one before the daemon stopped, if it did), and no
            # later than the primary side was last seen alive.
            out['last_sync_at'] = min([local_update] + peer_updates)
        elif desc.get('entries_behind_primary'):
            out['detail'] += _('; %s journal entries behind') % \
                desc['entries_behind_primary']
        return out

    def _no_watchers(self, name: str) -> bool:
        """Cinder's rule for manage: an image nobody watches (and that
        still exists: one a resync has just removed is not manageable)."""
        st = self.rbd.status(name)
        return st is not None and not st.get('watchers')

    def _one(self, name: str) -> base.ReplicaStatus:
        """Status of one image: the pool's mirror status plus its current
        ``rbd info`` (role)."""
        image = self._pool_status().get(name)
        return self._replica_status(name, image, self.rbd.info(name))

    def _wait_manageable(self, name: str) -> base.ReplicaStatus:
        """After a promote, rbd-mirror lets go of the image (its watch)
        within seconds; Cinder's manage refuses a watched image."""
        deadline = self._clock() + self.opts['promote_timeout']
        while True:
            st = self._one(name)
            if st['safe_to_manage'] or self._clock() >= deadline:
                return st
            self._sleep(self.opts['poll_interval'])

    def _retry(self, what: str, fn, timeout: float):
        """Call ``fn`` until it does not raise RbdCommandError; bounded."""
        deadline = self._clock() + timeout
        while True:
            try:
                return fn()
            except Unreachable:
                raise
            except RbdCommandError as e:
                if self._clock() >= deadline:
                    raise base.ReplicationError(detail=_(
                        '%(what)s at site %(site)s: still failing after '
                        '%(t)ss: %(e)s') % {'what': what,
                                             'site': self.site_name,
                                             't': timeout, 'e': e.message})
                LOG.debug('%s at %s: %s; retrying', what, self.site_name,
                          e.message)
                self._sleep(self.opts['poll_interval'])

    # ---------------------------------------------------------- interface
    def status(self, volumes: list[dict]) -> dict[str, base.ReplicaStatus]:
        images = self._pool_status()
        out = {}
        for vol in volumes:
            name = self.image_name(vol['id'])
            out[vol['id']] = self._replica_status(name, images.get(name))
        return out

    def promote(self, volume: dict, force: bool = False
                ) -> base.ReplicaStatus:
        name = self.image_name(volume['id'])
        info = self.rbd.info(name)
        if info is None:
            raise base.ReplicationError(detail=_(
                'no replica %(name)s in pool %(pool)s at site %(site)s') % {
                    'name': name, 'pool': self.rbd.pool,
                    'site': self.site_name})
        if info.get('mirroring', {}).get('primary'):
            return self._wait_manageable(name)
        spec = self.rbd.spec(name)
        if force:
            # rbd-mirror is still replaying (or stopping): a forced promote
            # can fail with EROFS/EBUSY until it lets go of the image.
            self._retry('forced promote of %s' % name, lambda: self.rbd(
                'mirror', 'image', 'promote', '--force', spec,
                fmt_json=False), self.opts['promote_timeout'])
        else:
            peer = self._peer()
            peer_info = peer.info(name)
            if peer_info and peer_info.get('mirroring', {}).get('primary'):
                peer('mirror', 'image', 'demote', peer.spec(name),
                     fmt_json=False)
            # Fails (EBUSY) until this site's rbd-mirror has replayed the
            # demotion (~10 s).
            self._retry('promote of %s' % name, lambda: self.rbd(
                'mirror', 'image', 'promote', spec, fmt_json=False),
                self.opts['promote_timeout'])
        LOG.info('promoted %s at site %s (force=%s)', name, self.site_name,
                 force)
        return self._wait_manageable(name)

    def copy(self, volume: dict, copy_id: str) -> base.ReplicaStatus:
        name = self.image_name(volume['id'])
        copy_name = COPY_PREFIX + copy_id
        existing = self.rbd.info(copy_name)
        if existing is not None:
            st = self._replica_status(copy_name, None, existing)
            st['last_sync_at'] = self._snap_time(name, SNAP_PREFIX + copy_id)
            return st
        if self.rbd.info(name) is None:
            raise base.ReplicationError(detail=_(
                'no replica %(name)s at site %(site)s to copy') % {
                    'name': name, 'site': self.site_name})
        snap = SNAP_PREFIX + copy_id
        taken_at: float | None = None
        try:
            taken_at = self._snapshot_at_primary(name, snap)
        except Unreachable as e:
            LOG.warning('copy of %s at %s: primary unreachable (%s); copying '
                        'the replica head', name, self.site_name, e.message)
        last_sync: float | None
        if taken_at is not None:
            self.rbd('clone', '--rbd-default-clone-format', '2',
                     self.rbd.spec(name, snap), self.rbd.spec(copy_name),
                     fmt_json=False)
            last_sync = taken_at
        else:
            before = self.status([volume])[volume['id']].get('last_sync_at')
            self.rbd('deep', 'cp', self.rbd.spec(name),
                     self.rbd.spec(copy_name), fmt_json=False,
                     timeout=max(self.opts['command_timeout'], 600))
            last_sync = before
        st = self._one(copy_name)
        st['last_sync_at'] = last_sync
        return st

    def _snap_time(self, name: str, snap: str) -> float | None:
        for s in self.rbd.snaps(name):
            if s.get('name') == snap:
                return self._snap_timestamp(s)
        return None

    @staticmethod
    def _snap_timestamp(s: dict) -> float | None:
        try:
            return time.mktime(time.strptime(
                s.get('timestamp', ''), '%a %b %d %H:%M:%S %Y'))
        except ValueError:
            return None

    def _snapshot_at_primary(self, name: str, snap: str) -> float:
        """Snapshot ``snap`` taken at the peer's primary image, once it has
        reached the replica here; its time."""
        peer = self._peer()
        if not any(s.get('name') == snap for s in peer.snaps(name)):
            info = peer.info(name)
            if not (info and info.get('mirroring', {}).get('primary')):
                raise base.ReplicationError(detail=_(
                    'the peer of site %(site)s holds no primary %(name)s: '
                    'no point-in-time copy possible') % {
                        'site': self.site_name, 'name': name})
            peer('snap', 'create', peer.spec(name, snap), fmt_json=False)
            if info.get('mirroring', {}).get('mode') == 'snapshot':
                peer('mirror', 'image', 'snapshot', peer.spec(name),
                     fmt_json=False)
        deadline = self._clock() + self.opts['snapshot_timeout']
        while True:
            for s in self.rbd.snaps(name):
                if s.get('name') == snap:
                    return self._snap_timestamp(s) or self._clock()
            if self._clock() >= deadline:
                raise base.ReplicationError(detail=_(
                    'snapshot %(snap)s of %(name)s did not reach site '
                    '%(site)s within %(t)ss (is rbd-mirror replaying?)') % {
                        'snap': snap, 'name': name, 'site': self.site_name,
                        't': self.opts['snapshot_timeout']})
            self._sleep(self.opts['poll_interval'])

    def delete_copy(self, volume: dict, copy_id: str) -> bool:
        name = self.image_name(volume['id'])
        copy_name = COPY_PREFIX + copy_id
        found = self.rbd.info(copy_name) is not None
        if found:
            self.rbd('rm', '--no-progress', self.rbd.spec(copy_name),
                     fmt_json=False)
        # The snapshot the copy was cloned from lives at the primary (and
        # travels here); the primary's copy is the one to remove.
        snap = SNAP_PREFIX + copy_id
        try:
            peer = self._peer()
            if any(s.get('name') == snap for s in peer.snaps(name)):
                peer('snap', 'rm', '--no-progress', peer.spec(name, snap),
                     fmt_json=False)
        except (Unreachable, base.ReplicationError) as e:
            LOG.warning('snapshot %s of %s at the peer of %s not removed: %s',
                        snap, name, self.site_name, e)
        return found

    def reverse(self, volume: dict, primary: dict) -> base.ReplicaStatus:
        here_name = self.image_name(volume['id'])
        peer = self._peer()
        peer_name = self.image_name(primary['id'])
        peer_info = peer.info(peer_name)
        if not (peer_info and peer_info.get('mirroring', {}).get('primary')):
            raise base.ReplicationError(detail=_(
                'refusing to reverse %(name)s at site %(site)s: the peer\'s '
                '%(peer)s is not primary (resyncing would lose data)') % {
                    'name': here_name, 'site': self.site_name,
                    'peer': peer_name})
        gid = peer_info['mirroring'].get('global_id')
        # After a planned migration the replica here already follows the
        # peer's name; after a forced one this site still has its own.
        for name in (peer_name, here_name):
            info = self.rbd.info(name)
            if info is None:
                continue
            mirroring = info.get('mirroring', {})
            if mirroring.get('global_id') != gid:
                raise base.ReplicationError(detail=_(
                    'image %(name)s at site %(site)s is not a mirror of the '
                    'peer\'s %(peer)s (global ids differ)') % {
                        'name': name, 'site': self.site_name,
                        'peer': peer_name})
            status = self._one(name)
            if mirroring.get('primary'):
                # Both sides primary: split brain.  The peer's data wins.
                LOG.warning('split brain on %s: %s and its peer both '
                            'primary; demoting and resyncing %s from the '
                            'peer', name, self.site_name, self.site_name)
                self.rbd('mirror', 'image', 'demote', self.rbd.spec(name),
                         fmt_json=False)
                self._resync(name)
            elif status['health'] in (base.HEALTH_SPLIT_BRAIN,
                                      base.HEALTH_ERROR):
                self._resync(name)
            return self._one(peer_name) if name == peer_name else \
                self._resync_status(peer_name, name)
        # No image here at all (a resync in progress re-creates it).
        return self._one(peer_name)

    def _resync(self, name: str) -> None:
        self._retry('resync of %s' % name, lambda: self.rbd(
            'mirror', 'image', 'resync', self.rbd.spec(name),
            fmt_json=False), self.opts['promote_timeout'])

    def _resync_status(self, peer_name: str,
                       old_name: str) -> base.ReplicaStatus:
        st = self._one(peer_name)
        if not st['present']:
            st = self._one(old_name)
            st['detail'] = _('resync requested; the replica is re-created '
                             'as %s') % peer_name
            st['reference'] = {'source-name': peer_name}
        return st
