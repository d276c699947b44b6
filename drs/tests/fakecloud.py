"""A stateful two-site cloud for tests: drs's driver interfaces on dicts.

Not a mock: every driver interface of :mod:`drs.drivers.base` (volume,
object storage, compute, network) and the replication backend of
:mod:`drs.drivers.replication.base` is implemented over a state kept per
site (volumes, the storage pool behind them, servers, ports, security
groups, key pairs, networks, routers, containers), with the semantics
drs relies on: names and metadata are kept and searched, a create
creates (a second create of the same thing makes a second one, so
duplicates are seen), a delete deletes, a fixed IP or a MAC address is
used once per network, a bound port or an attached volume cannot be
taken by a second server, a security group in use cannot be deleted, a
replica must be promoted before Cinder manages it, a site that is down
refuses every call.

drs loads it as an operator loads a driver it does not ship, by class
path (``[drivers] volume = drs.tests.fakecloud:FakeVolumeDriver``, ...,
``[replication] default_backend =
drs.tests.fakecloud:FakeReplicationBackend``); :func:`configure` sets
them. Its Keystone is :func:`install_identity`: drs's own session code
runs unchanged, only the credentials it loads are the fake cloud's
(trust ids registered with :meth:`Cloud.add_trust`).

The state is the cloud's, not the engine's: it survives an engine that
dies. In one process it lives in memory (:class:`MemoryStore`); engines
in other processes share it through a JSON file under an exclusive
lock (:class:`FileStore`, named by ``DRS_FAKECLOUD`` in their
environment). Ids are UUIDs derived from the site, the kind and the name
of what is made and how many of that name were made before, so two runs
that make the same things get the same ids, and a duplicate gets a new
one.

``python -m drs.tests.fakecloud --config-file drs.conf`` runs a
drs-engine against it (the store named by ``DRS_FAKECLOUD``).
"""

import contextlib
import copy
import fcntl
import hashlib
import ipaddress
import json
import os
import sys
import threading
import time
from typing import Any
import uuid

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import plugin as ks_plugin

from drs.common import waiter
from drs.drivers import base
from drs.drivers.replication import base as repl_base

ENV_STORE = 'DRS_FAKECLOUD'
NAMESPACE = uuid.UUID('0f1c2d3e-4b5a-4697-8a9b-0c1d2e3f4a5b')
SERVICE_PROJECT = 'drs-service'
#: Keys of the state that change with time alone, left out of
#: :meth:`Cloud.inventory`.
VOLATILE = ('last_sync_at', 'active_at', 'stopped_at', 'protected_at')

KINDS = ('volumes', 'pool', 'servers', 'ports', 'security_groups',
         'keypairs', 'networks', 'subnets', 'routers', 'containers')


# ------------------------------------------------------------------ stores

class Store:
    """Where the cloud's state lives; :meth:`transaction` yields it,
    locked, and keeps what the block changed."""

    def transaction(self):
        raise NotImplementedError

    def load(self) -> dict:
        with self.transaction() as state:
            return copy.deepcopy(state)

    def replace(self, state: dict) -> None:
        with self.transaction() as current:
            current.clear()
            current.update(copy.deepcopy(state))


class MemoryStore(Store):
    """The state in this process's memory (engines run in threads)."""

    def __init__(self, state: dict | None = None):
        self._state: dict = copy.deepcopy(state) if state else {}
        self._lock = threading.RLock()

    @contextlib.contextmanager
    def transaction(self):
        with self._lock:
            yield self._state


class FileStore(Store):
    """The state in a JSON file, for engines in other processes: every
    transaction reads it under an exclusive ``flock`` and writes it back
    (atomically, by rename) when it changed."""

    def __init__(self, path: str):
        self.path = path
        self._lock = threading.RLock()
        self._local = threading.local()

    @contextlib.contextmanager
    def transaction(self):
        with self._lock:
            depth = getattr(self._local, 'depth', 0)
            if depth:
                self._local.depth = depth + 1
                try:
                    yield self._local.state
                finally:
                    self._local.depth = depth
                return
            with open(self.path + '.lock', 'a') as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                try:
                    try:
                        with open(self.path) as f:
                            text = f.read()
                    except FileNotFoundError:
                        text = ''
                    state = json.loads(text) if text else {}
                    self._local.state, self._local.depth = state, 1
                    try:
                        yield state
                    finally:
                        self._local.depth = 0
                        self._local.state = None
                    new = json.dumps(state, sort_keys=True)
                    if new != text:
                        tmp = '%s.%d.tmp' % (self.path, os.getpid())
                        with open(tmp, 'w') as f:
                            f.write(new)
                        os.replace(tmp, self.path)
                finally:
                    fcntl.flock(lock, fcntl.LOCK_UN)


_STORE: Store | None = None


def use(store: Store | None) -> None:
    """The store the drivers of this process act on (None: the one
    named by ``DRS_FAKECLOUD``)."""
    global _STORE
    _STORE = store


def store() -> Store:
    global _STORE
    if _STORE is None:
        path = os.environ.get(ENV_STORE)
        if not path:
            raise base.DriverError(
                detail='the fake cloud has no store: call '
                'drs.tests.fakecloud.use() or set %s' % ENV_STORE)
        _STORE = FileStore(path)
    return _STORE


# ----------------------------------------------------------------- helpers

def _new_id(state: dict, site: str, kind: str, name: str | None) -> str:
    key = '%s/%s/%s' % (site, kind, name or '')
    made = state.setdefault('made', {})
    n = made.get(key, 0)
    made[key] = n + 1
    return str(uuid.uuid5(NAMESPACE, '%s/%d' % (key, n)))


def _mac(seed: str) -> str:
    digest = hashlib.sha256(seed.encode()).hexdigest()
    return 'fa:16:3e:%s:%s:%s' % (digest[0:2], digest[2:4], digest[4:6])


def _matches(metadata: dict, wanted: dict) -> bool:
    return all(metadata.get(k) == v for k, v in wanted.items())


def _unreachable(site: str) -> base.DriverError:
    return base.DriverError(detail='site %s is unreachable (connection '
                            'refused)' % site)


def _sync_daemons(state: dict) -> None:
    """What the storage and Swift do by themselves between calls:
    mirrors of a primary image on a site that is up are as of now, and a
    synced container's objects reach its peer container with the same
    key."""
    now = time.time()
    sites = state.get('sites') or {}
    for site in sites.values():
        peer = site.get('peer')
        if site.get('down') or peer not in sites:
            continue
        other = sites[peer]
        primaries = {img['gid']: img for img in site['pool'].values()
                     if img['primary']}
        for img in other['pool'].values():
            if not img['primary'] and img['gid'] in primaries:
                img['last_sync_at'] = now
        for containers in site['containers'].values():
            for cont in containers.values():
                sync_to = cont.get('sync_to') or ''
                if not sync_to.startswith('//fake/%s/' % peer):
                    continue
                _realm, _cluster, acct, target = sync_to[2:].split('/', 3)
                dst = other['containers'].get(acct, {}).get(target)
                if dst is not None and dst.get('sync_key') and \
                        dst['sync_key'] == cont.get('sync_key'):
                    dst['count'], dst['bytes'] = cont['count'], cont['bytes']


# ---------------------------------------------------------------- identity

class FakeAuth(ks_plugin.BaseAuthPlugin):
    """The fake cloud's Keystone: a trust-scoped token in the project of
    a trust the cloud knows (:meth:`Cloud.add_trust`), or drs's own."""

    def __init__(self, trust_id: str | None = None):
        super().__init__()
        self.trust_id = trust_id

    def _project(self) -> str:
        if self.trust_id is None:
            return SERVICE_PROJECT
        with store().transaction() as state:
            project = (state.get('trusts') or {}).get(self.trust_id)
        if project is None:
            raise ks_exc.Unauthorized('trust not found')
        return project

    def get_token(self, session, **kwargs):
        return 'fake-token-%s' % self._project()

    def get_project_id(self, session, **kwargs):
        return self._project()

    def get_user_id(self, session, **kwargs):
        return 'drs'

    def get_endpoint(self, session, **kwargs):
        return None

    def invalidate(self):
        return True


def install_identity():
    """drs's sessions get the fake cloud's credentials; returns the
    undo."""
    from drs.common import identity
    real = identity._load_auth

    def load(**overrides):
        return FakeAuth(trust_id=overrides.get('trust_id'))

    identity._load_auth = load
    identity.forget_sessions()

    def undo():
        identity._load_auth = real
        identity.forget_sessions()
    return undo


def configure(conf) -> None:
    """Point ``[drivers]``, ``[replication]`` and ``[service_auth]`` of
    ``conf`` (a test's :class:`drs.tests.conftest.ConfigOverrides`) at
    the fake cloud."""
    conf.config(group='drivers', **conf_options()['drivers'])
    conf.config(group='replication', **conf_options()['replication'])
    conf.config(group='service_auth', **conf_options()['service_auth'])


def conf_options() -> dict[str, dict[str, str]]:
    """The configuration sections that load the fake cloud."""
    return {
        'drivers': {
            'volume': '%s:FakeVolumeDriver' % __name__,
            'object_storage': '%s:FakeObjectStorageDriver' % __name__,
            'compute': '%s:FakeComputeDriver' % __name__,
            'network': '%s:FakeNetworkDriver' % __name__},
        'replication': {
            'default_backend': '%s:FakeReplicationBackend' % __name__},
        # Only its presence matters: the fake Keystone gives the tokens.
        'service_auth': {'auth_type': 'password'},
    }


# ----------------------------------------------------------------- drivers

class _Site:
    """What every fake driver shares: the site's state in a
    transaction, the session's project, the network delay."""

    site: dict
    session: Any
    service_session: Any

    @property
    def _name(self) -> str:
        return str(self.site.get('name'))

    @contextlib.contextmanager
    def _tx(self, *also: str):
        """The site's state (and the other sites'), after a call's delay;
        every site named must be up."""
        with store().transaction() as state:
            delay = float((state.get('config') or {}).get('latency') or 0)
        if delay:
            time.sleep(delay)
        with store().transaction() as state:
            for name in (self._name,) + also:
                if state['sites'][name].get('down'):
                    raise _unreachable(name)
            _sync_daemons(state)
            yield state, state['sites'][self._name]

    def _project(self, service: bool = False) -> str:
        sess = self.service_session if service else self.session
        if sess is None:
            raise base.DriverError(detail='drs has no service credentials '
                                   'at site %s' % self._name)
        return sess.get_project_id()


class FakeVolumeDriver(_Site, base.VolumeDriver):
    """Cinder over a storage pool whose images mirror to the peer."""

    HOST_FMT = 'fake@%s#pool'

    def _view(self, v: dict, admin: bool = False) -> dict[str, Any]:
        return {'id': v['id'], 'name': v['name'], 'status': v['status'],
                'size': v['size'], 'volume_type': v['volume_type'],
                'replication_status': v['replication_status'],
                'group_id': None, 'bootable': v['bootable'],
                'availability_zone': 'nova',
                'attachments': [dict(a) for a in v['attachments']],
                # Cinder shows a volume's owner to admins only.
                'project_id': v['project_id'] if admin else None}

    def _visible(self, site: dict, volume_id: str,
                 service: bool = False) -> dict:
        vol = site['volumes'].get(volume_id)
        project = self._project(service)
        if vol is None or (project != SERVICE_PROJECT
                           and vol['project_id'] != project):
            raise self.not_found('OS::Cinder::Volume', volume_id)
        return vol

    def get_volume(self, volume_id: str) -> dict[str, Any]:
        with self._tx() as (_state, site):
            return self._view(self._visible(site, volume_id))

    def list_volumes(self) -> list[dict[str, Any]]:
        project = self._project()
        with self._tx() as (_state, site):
            return [self._view(v) for v in site['volumes'].values()
                    if v['project_id'] == project]

    def get_owned_volume(self, volume_id: str,
                         project_id: str) -> dict[str, Any]:
        vol = self.get_volume(volume_id)
        owner = None
        if self.service_session is not None:
            with self._tx() as (_state, site):
                owner = self._visible(site, volume_id,
                                      service=True)['project_id']
        self.check_owner('OS::Cinder::Volume', volume_id, owner, project_id)
        return vol

    def get_volume_type(self, name_or_id: str) -> dict[str, Any] | None:
        for t in self.list_volume_types():
            if name_or_id in (t['id'], t['name']):
                return t
        return None

    def list_volume_types(self) -> list[dict[str, Any]]:
        with self._tx() as (_state, site):
            return [dict(t) for t in site['volume_types'].values()]

    @staticmethod
    def _replicated(site: dict, vtype: str | None) -> bool:
        t = site['volume_types'].get(vtype or '')
        return bool(t and t['replicated'])

    def retype(self, volume_id: str, new_type: str) -> dict[str, Any]:
        with self._tx() as (state, site):
            vol = self._visible(site, volume_id)
            if new_type not in site['volume_types']:
                raise base.DriverError(detail='volume type %s does not '
                                       'exist' % new_type)
            if vol['volume_type'] != new_type:
                vol['volume_type'] = new_type
                _set_mirroring(state, self._name, vol)
            return self._view(vol)

    def list_manageable(self) -> list[dict[str, Any]]:
        with self._tx() as (_state, site):
            return [{'host': self.HOST_FMT % self._name,
                     'reference': {'source-name': name},
                     'size': img['size'],
                     'safe_to_manage': img['volume'] is None,
                     'reason_not_safe': None if img['volume'] is None
                     else 'already managed', 'extra_info': {}}
                    for name, img in sorted(site['pool'].items())]

    def backend_hosts(self) -> list[str]:
        return [self.HOST_FMT % self._name]

    def find_volumes(self, metadata: dict[str, str],
                     service: bool = False) -> list[dict[str, Any]]:
        project = SERVICE_PROJECT if service else self._project()
        if service:
            self._project(service=True)
        with self._tx() as (_state, site):
            return [dict(self._view(v), metadata=dict(v['metadata']))
                    for v in site['volumes'].values()
                    if v['project_id'] == project
                    and _matches(v['metadata'], metadata)]

    def wait_volume(self, volume_id: str, statuses: tuple[str, ...],
                    service: bool = False) -> dict[str, Any]:
        def fetch():
            with self._tx() as (_state, site):
                return self._view(self._visible(site, volume_id, service))
        return waiter.wait_for(
            fetch, lambda v: v['status'] in statuses,
            what='volume %s at site %s to be %s' % (
                volume_id, self._name, ' or '.join(statuses)),
            timeout=5, interval=0.05,
            failed=lambda v: ('it went to %s' % v['status']
                              if v['status'].startswith('error') else None),
            describe=lambda v: v['status'])

    def import_volume(self, host: str, reference: dict, name: str,
                      volume_type: str | None, bootable: bool,
                      metadata: dict[str, str], *,
                      fresh: bool = False) -> dict[str, Any]:
        # As Cinder's driver: what a run that died imported is taken up;
        # else manage (into drs's project), then transfer (two calls).
        mine = [] if fresh else self.find_volumes(metadata)
        if mine:
            return self._import_view(mine[0])
        pending = [] if fresh else self.find_volumes(metadata, service=True)
        vid = pending[0]['id'] if pending else self._manage(
            host, reference, name, volume_type, bootable, metadata)
        project = self._project()
        with self._tx() as (_state, site):
            vol = self._visible(site, vid, service=True)
            if vol['project_id'] == SERVICE_PROJECT:
                vol['project_id'] = project
            return self._import_view(self._view(vol))

    def _manage(self, host: str, reference: dict, name: str,
                volume_type: str | None, bootable: bool,
                metadata: dict[str, str]) -> str:
        self._project(service=True)
        with self._tx() as (state, site):
            image_name = (reference or {}).get('source-name') or ''
            img = site['pool'].get(image_name)
            if host != self.HOST_FMT % self._name or img is None:
                raise base.DriverError(detail='manage: no image %s on host '
                                       '%s at site %s' % (image_name, host,
                                                          self._name))
            if img['volume'] is not None:
                raise base.DriverError(detail='manage: image %s is managed '
                                       'already (volume %s)' % (
                                           image_name, img['volume']))
            if not img['primary']:
                raise base.DriverError(detail='manage: image %s at site %s '
                                       'is a non-primary mirror (read '
                                       'only): promote it first'
                                       % (image_name, self._name))
            vtype = volume_type or 'default'
            if vtype not in site['volume_types']:
                raise base.DriverError(detail='volume type %s does not '
                                       'exist at site %s' % (vtype,
                                                             self._name))
            vid = _new_id(state, self._name, 'volume', name)
            new_name = 'volume-%s' % vid
            # Cinder's RBD driver renames what it manages; a mirror at
            # the peer follows the primary's name.
            _rename_image(state, self._name, image_name, new_name)
            img = site['pool'][new_name]
            img['volume'] = vid
            site['volumes'][vid] = {
                'id': vid, 'name': name, 'status': 'available',
                'size': img['size'], 'volume_type': vtype,
                'bootable': bool(bootable), 'metadata': dict(metadata),
                'project_id': SERVICE_PROJECT, 'attachments': [],
                'image': new_name, 'replication_status': 'disabled'}
            _set_mirroring(state, self._name, site['volumes'][vid])
            return vid

    @staticmethod
    def _import_view(vol: dict) -> dict[str, Any]:
        return {k: vol[k] for k in ('id', 'name', 'size', 'volume_type',
                                    'status', 'bootable')}

    def delete_volume(self, volume_id: str, service: bool = False) -> None:
        with self._tx() as (state, site):
            try:
                vol = self._visible(site, volume_id, service)
            except base.ResourceNotFound:
                return
            if vol['attachments']:
                raise base.DriverError(detail='volume %s is in use: it '
                                       'cannot be deleted' % volume_id)
            del site['volumes'][volume_id]
            img = site['pool'].get(vol['image'] or '')
            if img is not None and img['volume'] == volume_id:
                del site['pool'][vol['image']]
                _drop_mirrors(state, self._name, img['gid'])

    def group_replication_supported(self) -> bool:
        return False

    def ensure_replication_group(self, name: str, volume_ids: list[str]
                                 ) -> dict[str, Any]:
        raise base.DriverError(detail='no group replication at site %s'
                               % self._name)

    def disable_group_replication(self, group_id: str) -> None:
        return None

    def quota(self) -> dict[str, dict[str, int]]:
        project = self._project()
        with self._tx() as (_state, site):
            mine = [v for v in site['volumes'].values()
                    if v['project_id'] == project]
        return {'volumes': {'limit': -1, 'in_use': len(mine)},
                'gigabytes': {'limit': -1,
                              'in_use': sum(v['size'] for v in mine)}}


def _set_mirroring(state: dict, site_name: str, vol: dict) -> None:
    """Mirroring of a volume's image follows its type: a replicated type
    mirrors it to the peer, another stops that (the storage's part of a
    retype or a manage)."""
    site = state['sites'][site_name]
    img = site['pool'].get(vol.get('image') or '')
    replicated = FakeVolumeDriver._replicated(site, vol['volume_type'])
    vol['replication_status'] = 'enabled' if replicated else 'disabled'
    if img is None or not img['primary']:
        return
    peer = state['sites'][site['peer']]
    mirrored = any(i['gid'] == img['gid'] for i in peer['pool'].values())
    if replicated and not mirrored:
        name = vol['image']
        peer['pool'][name] = {'gid': img['gid'], 'primary': False,
                              'volume': None, 'size': img['size'],
                              'last_sync_at': time.time()}
    elif not replicated:
        _drop_mirrors(state, site_name, img['gid'])


def _drop_mirrors(state: dict, site_name: str, gid: str) -> None:
    """The peer's unmanaged non-primary mirrors of image ``gid``."""
    peer = state['sites'][state['sites'][site_name]['peer']]
    for name, img in list(peer['pool'].items()):
        if img['gid'] == gid and not img['primary'] and img['volume'] is None:
            del peer['pool'][name]


def _rename_image(state: dict, site_name: str, old: str, new: str) -> None:
    site = state['sites'][site_name]
    img = site['pool'].pop(old)
    site['pool'][new] = img
    peer = state['sites'][site['peer']]
    for name, other in list(peer['pool'].items()):
        if other['gid'] == img['gid'] and not other['primary'] \
                and name != new:
            peer['pool'][new] = peer['pool'].pop(name)
            if other['volume'] is not None:
                # The volume Cinder had there points at a name that is
                # gone.
                other['volume'] = None


class FakeReplicationBackend(repl_base.ReplicationBackend):
    """The storage's mirroring, at one site (image ``volume-<id>``)."""

    def _driver(self) -> FakeVolumeDriver:
        drv = self.volumes
        if not isinstance(drv, FakeVolumeDriver):
            raise repl_base.ReplicationError(
                detail='the fake replication backend needs the fake volume '
                'driver')
        return drv

    @staticmethod
    def image(volume_id: str) -> str:
        return 'volume-%s' % volume_id

    def _status(self, state: dict, site: dict, name: str
                ) -> repl_base.ReplicaStatus:
        img = site['pool'].get(name)
        if img is None:
            return {'present': False, 'health': repl_base.HEALTH_UNKNOWN,
                    'detail': 'no image %s at site %s' % (name,
                                                          self.site_name)}
        peer = state['sites'][site['peer']]
        peer_primary = any(i['gid'] == img['gid'] and i['primary']
                           for i in peer['pool'].values())
        if img['primary'] and peer_primary:
            health = repl_base.HEALTH_SPLIT_BRAIN
        elif img['primary']:
            health = repl_base.HEALTH_STOPPED
        else:
            health = repl_base.HEALTH_OK if peer_primary \
                else repl_base.HEALTH_STOPPED
        return {'present': True,
                'host': FakeVolumeDriver.HOST_FMT % self.site_name,
                'reference': {'source-name': name},
                'last_sync_at': img.get('last_sync_at'),
                'health': health, 'primary': img['primary'],
                'safe_to_manage': img['volume'] is None, 'detail': ''}

    def status(self, volumes: list[dict]
               ) -> dict[str, repl_base.ReplicaStatus]:
        with self._driver()._tx() as (state, site):
            return {v['id']: self._status(state, site, self.image(v['id']))
                    for v in volumes}

    def promote(self, volume: dict, force: bool = False
                ) -> repl_base.ReplicaStatus:
        drv = self._driver()
        name = self.image(volume['id'])
        also = () if force else (str(self.peer['name']),) if self.peer \
            else ()
        with drv._tx(*also) as (state, site):
            img = site['pool'].get(name)
            if img is None:
                raise repl_base.ReplicationError(
                    detail='no replica %s at site %s' % (name,
                                                         self.site_name))
            if not img['primary']:
                if not force:
                    peer = state['sites'][site['peer']]
                    for other in peer['pool'].values():
                        if other['gid'] == img['gid']:
                            other['primary'] = False
                img['primary'] = True
            return self._status(state, site, name)

    def copy(self, volume: dict, copy_id: str) -> repl_base.ReplicaStatus:
        drv = self._driver()
        name = 'drs-copy-%s' % copy_id
        with drv._tx() as (state, site):
            if name not in site['pool']:
                src = site['pool'].get(self.image(volume['id']))
                if src is None:
                    raise repl_base.ReplicationError(
                        detail='no replica of %s at site %s to copy' % (
                            volume['id'], self.site_name))
                site['pool'][name] = {
                    'gid': _new_id(state, self.site_name, 'image', name),
                    'primary': True, 'volume': None, 'size': src['size'],
                    'last_sync_at': src.get('last_sync_at'), 'copy': True}
            return self._status(state, site, name)

    def delete_copy(self, volume: dict, copy_id: str) -> bool:
        drv = self._driver()
        name = 'drs-copy-%s' % copy_id
        with drv._tx() as (_state, site):
            img = site['pool'].get(name)
            if img is None or img['volume'] is not None:
                return False
            del site['pool'][name]
            return True

    def reverse(self, volume: dict, primary: dict) -> repl_base.ReplicaStatus:
        drv = self._driver()
        peer_name = self.image(primary['id'])
        also = (str(self.peer['name']),) if self.peer else ()
        with drv._tx(*also) as (state, site):
            peer = state['sites'][site['peer']]
            theirs = peer['pool'].get(peer_name)
            if theirs is None or not theirs['primary']:
                raise repl_base.ReplicationError(
                    detail='refusing to reverse %s at site %s: the peer\'s '
                    '%s is not primary' % (volume['id'], self.site_name,
                                           peer_name))
            for name, img in list(site['pool'].items()):
                if img['gid'] != theirs['gid']:
                    continue
                # Demoted and resynced from the peer (a split brain's
                # writes here are lost), under the peer's name.
                img['primary'] = False
                img['last_sync_at'] = time.time()
                if name != peer_name:
                    site['pool'][peer_name] = site['pool'].pop(name)
                    img['volume'] = None
                break
            else:
                site['pool'][peer_name] = {
                    'gid': theirs['gid'], 'primary': False, 'volume': None,
                    'size': theirs['size'], 'last_sync_at': time.time()}
            return self._status(state, site, peer_name)


class FakeComputeDriver(_Site, base.ComputeDriver):
    """Nova: servers boot in ``config.build_seconds``."""

    def _server_view(self, s: dict) -> dict[str, Any]:
        return {'id': s['id'], 'name': s['name'],
                'status': self._status_of(s),
                'flavor': dict(s['flavor']), 'image': s['image'],
                'key_name': s['key_name'], 'metadata': dict(s['metadata']),
                'tags': list(s['tags']), 'availability_zone': s['az'],
                'server_groups': [],
                'volumes_attached': [v['id'] for v in s['volumes']],
                'project_id': s['project_id']}

    @staticmethod
    def _status_of(s: dict) -> str:
        if s['status'] == 'BUILD' and time.time() >= s['active_at']:
            return 'ACTIVE'
        return s['status']

    def _mine(self, site: dict, server_id: str) -> dict:
        s = site['servers'].get(server_id)
        if s is None or s['project_id'] != self._project():
            raise self.not_found('OS::Nova::Server', server_id)
        return s

    def get_server(self, server_id: str) -> dict[str, Any]:
        with self._tx() as (_state, site):
            return self._server_view(self._mine(site, server_id))

    def list_servers(self) -> dict[str, dict[str, Any]]:
        project = self._project()
        with self._tx() as (_state, site):
            return {sid: self._server_view(s)
                    for sid, s in site['servers'].items()
                    if s['project_id'] == project}

    def _recipe(self, site: dict, s: dict,
                network: 'FakeNetworkDriver') -> dict[str, Any]:
        ports = [_recipe_port(p) for p in sorted(
            site['ports'].values(), key=lambda p: p['id'])
            if p['device_id'] == s['id']]
        group_ids = sorted({g for p in ports
                            for g in p['security_group_ids']})
        groups = [_group_view(site['security_groups'][g])
                  for g in group_ids if g in site['security_groups']]
        volumes = sorted(
            [{'id': v['id'], 'device': v['device'], 'tag': None,
              'delete_on_termination': False,
              'attachment_id': v['attachment_id']} for v in s['volumes']],
            key=lambda v: (len(v['device']), v['device']))
        boot = volumes[0] if s['image'] is None and volumes else None
        kp = site['keypairs'].get(s['key_name'] or '')
        return {
            'server': {'id': s['id'], 'name': s['name'],
                       'status': self._status_of(s),
                       'availability_zone': s['az']},
            'flavor': dict(s['flavor'], ephemeral=0, swap=0, extra_specs={}),
            'image': s['image'],
            'key_pair': dict(kp, type='ssh', fingerprint=None) if kp
            else None,
            'security_groups': groups, 'ports': ports,
            'metadata': dict(s['metadata']), 'tags': list(s['tags']),
            'user_data': {'sha256': s.get('user_data_sha256'),
                          'read_as': 'service'},
            'server_group': None, 'boot_volume': boot,
            'data_volumes': [v for v in volumes if v is not boot],
            'microversion': '2.96'}

    def capture_recipe(self, server_id: str,
                       network: base.NetworkDriver) -> dict[str, Any]:
        with self._tx() as (_state, site):
            return self._recipe(site, self._mine(site, server_id),
                                network)  # type: ignore[arg-type]

    def capture_recipes(self, server_ids: list[str],
                        network: base.NetworkDriver,
                        attachments: dict[str, list[dict]],
                        previous: dict[str, dict]
                        ) -> dict[str, dict[str, Any]]:
        project = self._project()
        with self._tx() as (_state, site):
            return {sid: self._recipe(site, site['servers'][sid],
                                      network)  # type: ignore[arg-type]
                    for sid in server_ids if sid in site['servers']
                    and site['servers'][sid]['project_id'] == project}

    def find_flavor(self, name: str) -> dict[str, Any] | None:
        with self._tx() as (_state, site):
            f = site['flavors'].get(name)
            return dict(f) if f else None

    def image_exists(self, image_id: str | None, name: str | None) -> bool:
        with self._tx() as (_state, site):
            return any(i['id'] == image_id or i['name'] == name
                       for i in site['images'].values())

    def get_keypair(self, name: str) -> dict[str, Any] | None:
        with self._tx() as (_state, site):
            kp = site['keypairs'].get(name)
            return dict(kp, type='ssh', fingerprint=None) if kp else None

    def availability_zones(self) -> list[str]:
        return ['nova']

    def quota(self) -> dict[str, dict[str, int]]:
        count = len(self.list_servers())
        return {'instances': {'limit': -1, 'in_use': count},
                'cores': {'limit': -1, 'in_use': count},
                'ram': {'limit': -1, 'in_use': 512 * count}}

    def find_servers(self, metadata: dict[str, str]) -> list[dict[str, Any]]:
        return [s for s in self.list_servers().values()
                if _matches(s['metadata'], metadata)]

    def create_server(self, name: str, flavor_id: str, image_id: str | None,
                      key_name: str | None, port_ids: list[str],
                      bdm: list[dict], metadata: dict[str, str],
                      availability_zone: str | None) -> dict[str, Any]:
        project = self._project()
        with self._tx() as (state, site):
            flavor = next((f for f in site['flavors'].values()
                           if f['id'] == flavor_id), None)
            if flavor is None:
                raise base.DriverError(detail='flavor %s not found'
                                       % flavor_id)
            if key_name and key_name not in site['keypairs']:
                raise base.DriverError(detail='key pair %s not found'
                                       % key_name)
            if availability_zone not in (None, 'nova'):
                raise base.DriverError(detail='availability zone %s not '
                                       'found' % availability_zone)
            for pid in port_ids:
                port = site['ports'].get(pid)
                if port is None:
                    raise base.DriverError(detail='port %s not found' % pid)
                if port['device_id']:
                    raise base.DriverError(
                        detail='port %s is in use by server %s' % (
                            pid, port['device_id']))
            ordered = sorted(bdm, key=lambda b: (b['boot_index'] < 0,
                                                 b['boot_index']))
            for b in ordered:
                vol = site['volumes'].get(b['uuid'])
                if vol is None or vol['project_id'] != project:
                    raise base.DriverError(detail='volume %s not found'
                                           % b['uuid'])
                if vol['attachments'] or vol['status'] != 'available':
                    raise base.DriverError(
                        detail='volume %s is %s: it cannot be attached' % (
                            b['uuid'], vol['status']))
            sid = _new_id(state, self._name, 'server', name)
            volumes = []
            for i, b in enumerate(ordered):
                vol = site['volumes'][b['uuid']]
                device = '/dev/vd%s' % 'abcdefgh'[i]
                attachment = str(uuid.uuid5(NAMESPACE, '%s/%s' % (
                    sid, vol['id'])))
                vol['attachments'] = [{'server_id': sid, 'device': device,
                                       'attachment_id': attachment}]
                vol['status'] = 'in-use'
                volumes.append({'id': vol['id'], 'device': device,
                                'attachment_id': attachment})
            for pid in port_ids:
                site['ports'][pid].update(device_id=sid,
                                          device_owner='compute:nova')
            build = float((state.get('config') or {}).get('build_seconds')
                          or 0)
            site['servers'][sid] = {
                'id': sid, 'name': name, 'status': 'BUILD',
                'active_at': time.time() + build,
                'flavor': {'name': flavor['name'], 'vcpus': flavor['vcpus'],
                           'ram': flavor['ram'], 'disk': flavor['disk']},
                'image': {'id': image_id} if image_id else None,
                'key_name': key_name, 'metadata': dict(metadata),
                'tags': [], 'az': availability_zone or 'nova',
                'project_id': project, 'volumes': volumes}
            return {'id': sid, 'name': name}

    def server_status(self, server_id: str) -> tuple[str, str | None]:
        with self._tx() as (_state, site):
            return self._status_of(self._mine(site, server_id)), None

    def wait_server(self, server_id: str, name: str) -> dict[str, Any]:
        status, _fault = waiter.wait_for(
            lambda: self.server_status(server_id),
            lambda sf: sf[0] == 'ACTIVE',
            what='server %s (%s) at site %s to be ACTIVE' % (
                name, server_id, self._name),
            timeout=30, interval=0.05,
            failed=lambda sf: ('it went to ERROR' if sf[0] == 'ERROR'
                               else None),
            describe=lambda sf: sf[0])
        return {'id': server_id, 'status': status}

    def delete_server(self, server_id: str) -> None:
        with self._tx() as (_state, site):
            try:
                s = self._mine(site, server_id)
            except base.ResourceNotFound:
                return
            for v in s['volumes']:
                vol = site['volumes'].get(v['id'])
                if vol is not None:
                    vol['attachments'] = []
                    vol['status'] = 'available'
            for port in site['ports'].values():
                if port['device_id'] == server_id:
                    port.update(device_id='', device_owner='')
            del site['servers'][server_id]

    def stop_server(self, server_id: str) -> str:
        with self._tx() as (_state, site):
            s = self._mine(site, server_id)
            s['status'] = 'SHUTOFF'
            return 'SHUTOFF'

    def create_keypair(self, name: str, public_key: str) -> None:
        with self._tx() as (_state, site):
            if name in site['keypairs']:
                raise base.DriverError(detail='key pair %s exists' % name)
            site['keypairs'][name] = {'name': name, 'public_key': public_key}

    def list_keypairs(self) -> list[str]:
        with self._tx() as (_state, site):
            return sorted(site['keypairs'])

    def delete_keypair(self, name: str) -> bool:
        with self._tx() as (_state, site):
            return site['keypairs'].pop(name, None) is not None


def _recipe_port(p: dict) -> dict[str, Any]:
    return {'id': p['id'], 'name': p['name'], 'network_id': p['network_id'],
            'mac_address': p['mac_address'],
            'fixed_ips': [dict(ip) for ip in p['fixed_ips']],
            'security_group_ids': list(p['security_group_ids']),
            'port_security_enabled': p['port_security_enabled'],
            'allowed_address_pairs': list(p['allowed_address_pairs'])}


def _port_view(p: dict) -> dict[str, Any]:
    return {'id': p['id'], 'name': p['name'], 'network_id': p['network_id'],
            'mac_address': p['mac_address'], 'device_id': p['device_id'],
            'fixed_ips': [dict(ip) for ip in p['fixed_ips']]}


def _group_view(g: dict) -> dict[str, Any]:
    return {'id': g['id'], 'name': g['name'],
            'description': g['description'],
            'rules': [dict(r) for r in g['rules']]}


class FakeNetworkDriver(_Site, base.NetworkDriver):
    """Neutron: ports, networks, subnets, routers, security groups."""

    def server_ports(self, server_id: str) -> list[dict[str, Any]]:
        return self.ports_of_servers([server_id])[server_id]

    def ports_of_servers(self, server_ids: list[str]
                         ) -> dict[str, list[dict[str, Any]]]:
        with self._tx() as (_state, site):
            return {sid: [_recipe_port(p) for p in sorted(
                site['ports'].values(), key=lambda p: p['id'])
                if p['device_id'] == sid] for sid in server_ids}

    def security_group(self, group_id: str) -> dict[str, Any] | None:
        with self._tx() as (_state, site):
            g = site['security_groups'].get(group_id)
            return _group_view(g) if g else None

    def security_groups(self, group_ids: list[str]
                        ) -> dict[str, dict[str, Any]]:
        with self._tx() as (_state, site):
            return {g: _group_view(site['security_groups'][g])
                    for g in group_ids if g in site['security_groups']}

    def network_exists(self, network_id: str) -> bool:
        with self._tx() as (_state, site):
            return network_id in site['networks']

    def quota(self) -> dict[str, dict[str, int]]:
        with self._tx() as (_state, site):
            return {'port': {'limit': -1, 'in_use': len(site['ports'])},
                    'security_groups': {
                        'limit': -1,
                        'in_use': len(site['security_groups'])},
                    'security_group_rules': {'limit': -1, 'in_use': 0}}

    def find_security_groups(self, name: str) -> list[dict[str, Any]]:
        with self._tx() as (_state, site):
            return [{'id': g['id'], 'name': g['name']}
                    for g in site['security_groups'].values()
                    if g['name'] == name]

    def list_security_groups(self) -> list[dict[str, Any]]:
        with self._tx() as (_state, site):
            return [{'id': g['id'], 'name': g['name']}
                    for g in site['security_groups'].values()]

    def create_security_group(self, name: str, group: dict) -> str:
        with self._tx() as (state, site):
            gid = _new_id(state, self._name, 'security_group', name)
            rules = []
            for rule in group.get('rules') or []:
                if rule.get('direction') == 'egress':
                    continue
                if rule.get('remote_group_id'):
                    rule = dict(rule, remote_group_id=gid)
                rules.append(dict(rule))
            site['security_groups'][gid] = {
                'id': gid, 'name': name,
                'description': group.get('description') or '',
                'rules': rules}
            return gid

    def delete_security_group(self, group_id: str) -> None:
        with self._tx() as (_state, site):
            if group_id not in site['security_groups']:
                return
            users = [p['id'] for p in site['ports'].values()
                     if group_id in p['security_group_ids']]
            if users:
                raise base.DriverError(detail='security group %s is in use '
                                       'by port(s) %s' % (group_id,
                                                          ', '.join(users)))
            del site['security_groups'][group_id]

    def find_port(self, name: str) -> dict[str, Any] | None:
        with self._tx() as (_state, site):
            found = [p for p in site['ports'].values() if p['name'] == name]
            return _port_view(found[0]) if found else None

    def ports_named(self, prefix: str) -> list[dict[str, Any]]:
        with self._tx() as (_state, site):
            return [_port_view(p) for p in site['ports'].values()
                    if (p['name'] or '').startswith(prefix)]

    def ensure_port(self, name: str, network_id: str, fixed_ips: list[dict],
                    security_group_ids: list[str], description: str,
                    recorded: dict | None = None) -> dict[str, Any]:
        port = self.find_port(name)
        if port is not None:
            return port
        recorded = recorded or {}
        with self._tx() as (state, site):
            return _port_view(_create_port(
                state, self._name, site, name, network_id, fixed_ips,
                security_group_ids, description,
                mac=recorded.get('mac_address'),
                port_security=recorded.get('port_security_enabled')
                is not False,
                pairs=recorded.get('allowed_address_pairs') or []))

    def delete_port(self, port_id: str) -> None:
        with self._tx() as (_state, site):
            site['ports'].pop(port_id, None)

    def subnets_of(self, network_id: str) -> list[dict[str, Any]]:
        with self._tx() as (_state, site):
            return [{k: s[k] for k in ('id', 'cidr', 'ip_version',
                                       'gateway_ip', 'enable_dhcp')}
                    for s in site['subnets'].values()
                    if s['network_id'] == network_id]

    def ensure_isolated_network(self, name: str, source_subnets: list[dict]
                                ) -> dict[str, Any]:
        with self._tx() as (state, site):
            net = next((n for n in site['networks'].values()
                        if n['name'] == name), None)
            if net is None:
                nid = _new_id(state, self._name, 'network', name)
                net = site['networks'][nid] = {'id': nid, 'name': name}
            existing = {s['cidr']: s for s in site['subnets'].values()
                        if s['network_id'] == net['id']}
            subnets = []
            for src in source_subnets:
                sub = existing.get(src['cidr'])
                if sub is None:
                    subid = _new_id(state, self._name, 'subnet',
                                    '%s/%s' % (name, src['cidr']))
                    sub = site['subnets'][subid] = {
                        'id': subid, 'name': name, 'network_id': net['id'],
                        'cidr': src['cidr'], 'ip_version': src['ip_version'],
                        'gateway_ip': src['gateway_ip'],
                        'enable_dhcp': src['enable_dhcp']}
                subnets.append({'id': sub['id'], 'cidr': sub['cidr']})
            router = next((r for r in site['routers'].values()
                           if r['name'] == name), None)
            if router is None:
                rid = _new_id(state, self._name, 'router', name)
                router = site['routers'][rid] = {
                    'id': rid, 'name': name, 'external_gateway': None,
                    'interfaces': []}
            for sub in subnets:
                if sub['id'] not in router['interfaces'] and next(
                        s['gateway_ip'] for s in source_subnets
                        if s['cidr'] == sub['cidr']):
                    router['interfaces'].append(sub['id'])
            return {'network_id': net['id'], 'router_id': router['id'],
                    'subnets': subnets}

    def delete_isolated_network(self, name: str) -> list[str]:
        with self._tx() as (_state, site):
            gone = []
            for rid, router in list(site['routers'].items()):
                if router['name'] == name:
                    del site['routers'][rid]
                    gone.append(rid)
            for nid, net in list(site['networks'].items()):
                if net['name'] != name:
                    continue
                # As Neutron's driver: unbound ports go with the network;
                # one a server uses keeps it (409).
                for pid, p in list(site['ports'].items()):
                    if p['network_id'] == nid and not p['device_owner']:
                        del site['ports'][pid]
                in_use = [p['id'] for p in site['ports'].values()
                          if p['network_id'] == nid]
                if in_use:
                    raise base.DriverError(
                        detail='network %s has ports %s: it cannot be '
                        'deleted' % (nid, ', '.join(in_use)))
                for sid, sub in list(site['subnets'].items()):
                    if sub['network_id'] == nid:
                        del site['subnets'][sid]
                del site['networks'][nid]
                gone.append(nid)
            return gone


def _create_port(state: dict, site_name: str, site: dict, name: str,
                 network_id: str, fixed_ips: list[dict],
                 security_group_ids: list[str], description: str,
                 mac: str | None = None, port_security: bool = True,
                 pairs: list | None = None) -> dict:
    if network_id not in site['networks']:
        raise base.DriverError(detail='network %s not found' % network_id)
    ips = []
    for ip in fixed_ips:
        sub = site['subnets'].get(ip.get('subnet_id') or '')
        if sub is None or sub['network_id'] != network_id or \
                ipaddress.ip_address(ip['ip_address']) not in \
                ipaddress.ip_network(sub['cidr']):
            raise base.DriverError(detail='no subnet of network %s holds '
                                   '%s' % (network_id, ip['ip_address']))
        taken = [p['id'] for p in site['ports'].values()
                 if p['network_id'] == network_id and any(
                     x['ip_address'] == ip['ip_address']
                     for x in p['fixed_ips'])]
        if taken:
            raise base.DriverError(detail='IP address %s is in use on '
                                   'network %s (port %s)' % (
                                       ip['ip_address'], network_id,
                                       taken[0]))
        ips.append({'subnet_id': sub['id'], 'ip_address': ip['ip_address']})
    for gid in security_group_ids:
        if gid not in site['security_groups']:
            raise base.DriverError(detail='security group %s not found'
                                   % gid)
    pid = _new_id(state, site_name, 'port', name)
    macs = {p['mac_address'] for p in site['ports'].values()
            if p['network_id'] == network_id}
    if not mac or mac in macs:
        mac = _mac(pid)
    port = site['ports'][pid] = {
        'id': pid, 'name': name, 'network_id': network_id,
        'mac_address': mac, 'fixed_ips': ips,
        'security_group_ids': list(security_group_ids)
        if port_security else [],
        'port_security_enabled': port_security,
        'allowed_address_pairs': list(pairs or []),
        'device_id': '', 'device_owner': '', 'description': description}
    return port


class FakeObjectStorageDriver(_Site, base.ObjectStorageDriver):
    """Swift: containers of the session's account, container sync."""

    def _account(self) -> str:
        return 'AUTH_%s' % self._project()

    def _containers(self, site: dict) -> dict:
        return site['containers'].setdefault(self._account(), {})

    def get_container(self, name: str) -> dict[str, Any]:
        with self._tx() as (_state, site):
            c = self._containers(site).get(name)
            if c is None:
                raise self.not_found('OS::Swift::Container', name)
            return {'name': name, 'count': c['count'], 'bytes': c['bytes'],
                    'sync_to': c.get('sync_to'),
                    'has_sync_key': bool(c.get('sync_key'))}

    def exists(self, name: str) -> bool:
        try:
            self.get_container(name)
        except base.ResourceNotFound:
            return False
        return True

    def check_account(self, project_id: str) -> None:
        if self._project() != project_id:
            raise base.ForeignResource(type='object storage account',
                                       id=self._account(),
                                       project=project_id, site=self._name)

    def replication_settings(self, name: str,
                             protect_data: dict) -> str | None:
        for cname in list((protect_data or {}).get('containers') or [name]):
            try:
                current = self.get_container(cname)
            except base.ResourceNotFound:
                return 'container %s is gone at site %s' % (cname,
                                                            self._name)
            if not current['sync_to']:
                return 'container %s no longer syncs' % cname
            if not current['has_sync_key']:
                return 'container %s has no sync key any more' % cname
        return None

    def list_containers(self) -> dict[str, dict[str, Any]]:
        with self._tx() as (_state, site):
            return {n: {'count': c['count'], 'bytes': c['bytes'],
                        'last_modified': None}
                    for n, c in self._containers(site).items()}

    def protect_container(self, name: str, target: base.ObjectStorageDriver
                          ) -> dict[str, Any]:
        if not isinstance(target, FakeObjectStorageDriver):
            raise base.DriverError(detail='container sync needs the fake '
                                   'object storage at both sites')
        account = target._account()
        with self._tx(target._name) as (state, site):
            src = self._containers(site).get(name)
            if src is None:
                raise self.not_found('OS::Swift::Container', name)
            sync_to = '//fake/%s/%s/%s' % (target._name, account, name)
            previous = src.get('sync_to')
            key = src.get('sync_key') if previous == sync_to and \
                src.get('sync_key') else 'drs-%s' % _new_id(
                    state, self._name, 'sync-key', name)[:8]
            theirs = state['sites'][target._name]['containers'].setdefault(
                account, {})
            created = name not in theirs
            dst = theirs.setdefault(name, {'count': 0, 'bytes': 0})
            dst['sync_key'] = key
            src['sync_to'], src['sync_key'] = sync_to, key
            _sync_daemons(state)
            return {'replica': {'site': target._name, 'account': account,
                                'containers': [name]},
                    'protect_data': {'containers': {name: {
                        'created_at_target': created,
                        'previous_sync_to': previous if previous != sync_to
                        else None}}},
                    'count': src['count'], 'bytes': src['bytes']}

    def unprotect_container(self, name: str, protect_data: dict) -> None:
        with self._tx() as (_state, site):
            containers = (protect_data or {}).get('containers') or {name: {}}
            for cname, data in containers.items():
                c = self._containers(site).get(cname)
                if c is None:
                    continue
                previous = (data or {}).get('previous_sync_to')
                if previous:
                    c['sync_to'] = previous
                else:
                    c.pop('sync_to', None)
                    c.pop('sync_key', None)

    def replication_status(self, names: list[str],
                           target: base.ObjectStorageDriver
                           ) -> dict[str, dict[str, Any]]:
        mine = self.list_containers()
        theirs = target.list_containers()
        out = {}
        for name in names:
            src, dst = mine.get(name), theirs.get(name)
            out[name] = {'in_sync': src is not None and dst is not None
                         and (src['count'], src['bytes'])
                         == (dst['count'], dst['bytes']),
                         'source': src, 'target': dst}
        return out


# ------------------------------------------------------------------- cloud

class Cloud:
    """The test's handle on the fake cloud: seeding, site outages,
    snapshots and what exists at each site."""

    def __init__(self, backing: Store):
        self.store = backing

    # ------------------------------------------------------------ state

    def snapshot(self) -> dict:
        return self.store.load()

    def restore(self, state: dict) -> None:
        self.store.replace(state)

    def set(self, **config: Any) -> None:
        """``latency`` (seconds per driver call), ``build_seconds``."""
        with self.store.transaction() as state:
            state.setdefault('config', {}).update(config)

    def site_down(self, name: str, down: bool = True) -> None:
        with self.store.transaction() as state:
            state['sites'][name]['down'] = down

    def add_trust(self, trust_id: str, project_id: str) -> None:
        with self.store.transaction() as state:
            state.setdefault('trusts', {})[trust_id] = project_id

    # ----------------------------------------------------------- seeding

    def add_site(self, name: str, peer: str, network_name: str,
                 cidr: str = '10.0.0.0/24') -> dict:
        """A site with flavor ``m1.small``, volume types ``plain`` and
        ``replicated`` (and ``default``), and one network."""
        with self.store.transaction() as state:
            state.setdefault('sites', {})
            site = state['sites'][name] = {
                'peer': peer, 'down': False,
                'volume_types': {
                    t: {'id': str(uuid.uuid5(NAMESPACE, '%s/type/%s' % (
                        name, t))), 'name': t, 'replicated': rep}
                    for t, rep in (('default', False), ('plain', False),
                                   ('replicated', True))},
                'flavors': {'m1.small': {
                    'id': 'flavor-small', 'name': 'm1.small', 'vcpus': 1,
                    'ram': 512, 'disk': 1}},
                'images': {},
                **{kind: {} for kind in KINDS}}
            nid = _new_id(state, name, 'network', network_name)
            site['networks'][nid] = {'id': nid, 'name': network_name}
            subid = _new_id(state, name, 'subnet', network_name)
            site['subnets'][subid] = {
                'id': subid, 'name': network_name, 'network_id': nid,
                'cidr': cidr, 'ip_version': 4,
                'gateway_ip': str(next(ipaddress.ip_network(cidr).hosts())),
                'enable_dhcp': True}
            return {'network_id': nid, 'subnet_id': subid}

    def add_volume(self, site_name: str, project: str, name: str,
                   size: int, volume_type: str,
                   bootable: bool = False) -> str:
        with self.store.transaction() as state:
            site = state['sites'][site_name]
            vid = _new_id(state, site_name, 'volume', name)
            image = 'volume-%s' % vid
            site['pool'][image] = {
                'gid': _new_id(state, site_name, 'image', image),
                'primary': True, 'volume': vid, 'size': size,
                'last_sync_at': None}
            site['volumes'][vid] = {
                'id': vid, 'name': name, 'status': 'available', 'size': size,
                'volume_type': volume_type, 'bootable': bootable,
                'metadata': {}, 'project_id': project, 'attachments': [],
                'image': image, 'replication_status': 'disabled'}
            _set_mirroring(state, site_name, site['volumes'][vid])
            return vid

    def add_security_group(self, site_name: str, project: str, name: str,
                           rules: list[dict]) -> str:
        with self.store.transaction() as state:
            site = state['sites'][site_name]
            gid = _new_id(state, site_name, 'security_group', name)
            site['security_groups'][gid] = {
                'id': gid, 'name': name, 'description': name,
                'rules': [dict(r) for r in rules]}
            return gid

    def add_keypair(self, site_name: str, name: str,
                    public_key: str) -> None:
        with self.store.transaction() as state:
            state['sites'][site_name]['keypairs'][name] = {
                'name': name, 'public_key': public_key}

    def add_server(self, site_name: str, project: str, name: str,
                   network_id: str, ip: str, group_ids: list[str],
                   volume_ids: list[str], key_name: str | None) -> str:
        """A server ACTIVE on its volumes (the first one boots it), on a
        port of ``network_id`` with fixed IP ``ip``."""
        with self.store.transaction() as state:
            site = state['sites'][site_name]
            subnet = next(s for s in site['subnets'].values()
                          if s['network_id'] == network_id)
            port = _create_port(state, site_name, site, '%s-port' % name,
                                network_id, [{'subnet_id': subnet['id'],
                                              'ip_address': ip}],
                                group_ids, 'port of %s' % name)
            sid = _new_id(state, site_name, 'server', name)
            port.update(device_id=sid, device_owner='compute:nova')
            volumes = []
            for i, vid in enumerate(volume_ids):
                device = '/dev/vd%s' % 'abcdefgh'[i]
                attachment = str(uuid.uuid5(NAMESPACE, '%s/%s' % (sid,
                                                                  vid)))
                vol = site['volumes'][vid]
                vol.update(status='in-use', attachments=[{
                    'server_id': sid, 'device': device,
                    'attachment_id': attachment}])
                volumes.append({'id': vid, 'device': device,
                                'attachment_id': attachment})
            flavor = site['flavors']['m1.small']
            site['servers'][sid] = {
                'id': sid, 'name': name, 'status': 'ACTIVE',
                'active_at': time.time(),
                'flavor': {k: flavor[k] for k in ('name', 'vcpus', 'ram',
                                                  'disk')},
                'image': None, 'key_name': key_name,
                'metadata': {'role': name}, 'tags': [], 'az': 'nova',
                'project_id': project, 'volumes': volumes,
                'user_data_sha256': hashlib.sha256(
                    ('#cloud-config %s' % name).encode()).hexdigest()}
            return sid

    def add_container(self, site_name: str, project: str, name: str,
                      count: int, size: int) -> None:
        with self.store.transaction() as state:
            state['sites'][site_name]['containers'].setdefault(
                'AUTH_%s' % project, {})[name] = {'count': count,
                                                  'bytes': size}

    # ------------------------------------------------------- inspection

    def inventory(self) -> dict[str, dict[str, Any]]:
        """What exists at each site, by kind, without what changes with
        time alone: equal for two runs that left the same things."""
        state = self.snapshot()
        out = {}
        for name, site in sorted((state.get('sites') or {}).items()):
            out[name] = {kind: _strip(site[kind]) for kind in KINDS}
        return out

    def counts(self) -> dict[str, dict[str, int]]:
        """How many of each kind exist at each site."""
        return counts(self.inventory())

    def servers(self, site_name: str) -> dict[str, dict]:
        return self.snapshot()['sites'][site_name]['servers']


def counts(inventory: dict) -> dict[str, dict[str, int]]:
    """How many of each kind an :meth:`Cloud.inventory` holds per site."""
    return {name: {kind: (sum(len(c) for c in items.values())
                          if kind == 'containers' else len(items))
                   for kind, items in kinds.items()}
            for name, kinds in inventory.items()}


def names(inventory: dict, plan_id: str) -> dict[str, dict[str, list]]:
    """The names of what an inventory holds, per site and kind, sorted
    (twice the same name: a duplicate), with the plan's id (which names
    of recovered things carry) as ``PLAN``: comparable between two
    databases' runs of the same actions."""
    out: dict[str, dict[str, list]] = {}
    for site, kinds in inventory.items():
        out[site] = {}
        for kind, items in kinds.items():
            if kind == 'containers':
                found = ['%s/%s' % (acct, c) for acct, cs in items.items()
                         for c in cs]
            elif kind in ('pool', 'keypairs'):
                found = list(items)
            else:
                found = [v.get('name') or '' for v in items.values()]
            out[site][kind] = sorted(n.replace(plan_id, 'PLAN')
                                     for n in found)
    return out


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def diff(left: Any, right: Any, path: str = '') -> list[str]:
    """Where two inventories differ, one line each (at most 40)."""
    out: list[str] = []
    if isinstance(left, dict) and isinstance(right, dict):
        for key in sorted(set(left) | set(right)):
            where = '%s/%s' % (path, key)
            if key not in right:
                out.append('%s: only in the first: %s' % (
                    where, json.dumps(left[key], sort_keys=True)[:300]))
            elif key not in left:
                out.append('%s: only in the second: %s' % (
                    where, json.dumps(right[key], sort_keys=True)[:300]))
            else:
                out.extend(diff(left[key], right[key], where))
    elif isinstance(left, list) and isinstance(right, list) and \
            len(left) == len(right):
        for i, (a, b) in enumerate(zip(left, right, strict=True)):
            out.extend(diff(a, b, '%s[%d]' % (path, i)))
    elif left != right:
        out.append('%s: %s != %s' % (path, json.dumps(left)[:200],
                                     json.dumps(right)[:200]))
    return out[:40]


def main() -> None:
    """drs-engine against the fake cloud of ``DRS_FAKECLOUD``."""
    # Run as ``-m``, this module is __main__: the drivers drs loads by
    # class path are those of drs.tests.fakecloud, whose store the
    # identity must share.
    from drs.tests import fakecloud
    fakecloud.install_identity()
    from drs.cmd import engine
    sys.exit(engine.main())


if __name__ == '__main__':
    main()
