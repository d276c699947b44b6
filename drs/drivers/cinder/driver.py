"""Cinder: volume-type replication and Tiramisu group replication.

The Block Storage API microversion is negotiated: the lower of
``[drivers] cinder_max_microversion`` and the highest the site's endpoint
announces.
"""

import time
from typing import Any

from cinderclient import api_versions
from cinderclient import client as cinder_client
from cinderclient import exceptions as cinder_exc
from keystoneauth1 import adapter as ks_adapter
from oslo_config import cfg
from oslo_log import log

from drs.common import waiter
from drs.drivers import base

CONF = cfg.CONF
LOG = log.getLogger(__name__)

REPLICATION_SPEC = 'replication_enabled'
# A volume's project: shown to admins only by Cinder's default policy
# (volume_extension:volume_tenant_attribute).
OWNER_ATTR = 'os-vol-tenant-attr:tenant_id'
GROUP_REPLICATION_SPEC = 'consistent_group_replication_enabled'
GROUP_MICROVERSION = api_versions.APIVersion('3.38')
_TRUE = ('<is> true', 'true', 'True', '<is> True')


def negotiate(adapter: ks_adapter.Adapter, wanted: str,
              floor: str) -> str:
    """The microversion to use: ``wanted``, lowered to the server's max."""
    try:
        data = adapter.get_endpoint_data()
        server_max = data.max_microversion if data is not None else None
    except Exception as e:
        LOG.debug('Version discovery failed (%s): using %s', e, floor)
        return floor
    if not server_max:
        return floor
    server = '%d.%d' % tuple(server_max)
    return min(wanted, server,
               key=lambda v: tuple(int(x) for x in v.split('.')))


def _is_true(value: Any) -> bool:
    return str(value).strip() in _TRUE


class CinderVolumeDriver(base.VolumeDriver):

    def __init__(self, site, session, service_session=None):
        super().__init__(site, session, service_session)
        self._clients: dict = {}

    # ------------------------------------------------------------ clients

    def _client(self, service: bool = False):
        key = 'service' if service else 'tenant'
        if key not in self._clients:
            sess = self.service_session if service else self.session
            if sess is None:
                raise base.DriverError(
                    detail='drs has no service credentials at site %s'
                    % self.site_name)
            adapter = ks_adapter.Adapter(
                sess, service_type='block-storage',
                **self.adapter_kwargs('block-storage'))
            version = negotiate(adapter, CONF.drivers.cinder_max_microversion,
                                '3.0')
            self._clients[key] = cinder_client.Client(
                version, session=sess, service_type='block-storage',
                **self.adapter_kwargs('block-storage'))
        return self._clients[key]

    @property
    def microversion(self) -> api_versions.APIVersion:
        return self._client().api_version

    # ------------------------------------------------------------ volumes

    @staticmethod
    def _view(v) -> dict[str, Any]:
        return {
            'id': v.id, 'name': v.name, 'status': v.status,
            'size': v.size, 'volume_type': v.volume_type,
            'replication_status': getattr(v, 'replication_status', None),
            'group_id': getattr(v, 'group_id', None),
            'bootable': str(getattr(v, 'bootable', 'false')).lower()
            == 'true',
            'availability_zone': getattr(v, 'availability_zone', None),
            'attachments': [
                {'server_id': a.get('server_id'), 'device': a.get('device'),
                 'attachment_id': a.get('attachment_id')}
                for a in (getattr(v, 'attachments', None) or [])],
            'project_id': getattr(v, OWNER_ATTR, None),
        }

    def get_volume(self, volume_id: str) -> dict[str, Any]:
        try:
            return self._view(self._client().volumes.get(volume_id))
        except cinder_exc.NotFound:
            raise self.not_found('OS::Cinder::Volume', volume_id)

    def get_owned_volume(self, volume_id: str,
                         project_id: str) -> dict[str, Any]:
        """The volume if ``project_id`` owns it.

        Its owner is the tenant attribute, which Cinder shows to admins
        only: a session that does not see it (a member's, which sees
        only its own project's volumes) has the volume read again by drs
        itself (its service session, where it has one and may see the
        attribute); with the owner still unknown the session's own
        project must be ``project_id`` (:meth:`check_owner`).
        """
        vol = self.get_volume(volume_id)
        owner = vol['project_id']
        if owner is None and self.service_session is not None:
            try:
                owner = getattr(self._client(service=True).volumes.get(
                    volume_id), OWNER_ATTR, None)
            except cinder_exc.ClientException as e:
                LOG.debug('owner of volume %s not readable by drs: %s',
                          volume_id, type(e).__name__)
        self.check_owner('OS::Cinder::Volume', volume_id, owner,
                         project_id)
        return vol

    def list_volumes(self) -> list[dict[str, Any]]:
        out: list[dict] = []
        marker = None
        while True:
            page = self._client().volumes.list(
                detailed=True, marker=marker, limit=CONF.drivers.page_size)
            out.extend(self._view(v) for v in page)
            if len(page) < CONF.drivers.page_size:
                return out
            marker = page[-1].id

    def _type_view(self, t) -> dict[str, Any]:
        specs = dict(getattr(t, 'extra_specs', None) or {})
        return {'id': t.id, 'name': t.name,
                'replicated': _is_true(specs.get(REPLICATION_SPEC))}

    def list_volume_types(self) -> list[dict[str, Any]]:
        return [self._type_view(t)
                for t in self._client().volume_types.list()]

    def get_volume_type(self, name_or_id: str) -> dict[str, Any] | None:
        for t in self.list_volume_types():
            if name_or_id in (t['id'], t['name']):
                return t
        return None

    def _wait(self, volume_id: str, done) -> dict[str, Any]:
        return waiter.wait_for(
            lambda: self.get_volume(volume_id), done,
            what='volume %s at site %s' % (volume_id, self.site_name),
            timeout=CONF.drivers.wait_timeout, interval=2,
            failed=lambda v: ('it went to %s' % v['status']
                              if v['status'].startswith('error') else None),
            describe=lambda v: 'status %s' % v['status'])

    def retype(self, volume_id: str, new_type: str) -> dict[str, Any]:
        vol = self.get_volume(volume_id)
        if vol['volume_type'] == new_type:
            return vol
        if vol['status'] == 'retyping':
            return self._wait(volume_id,
                              lambda v: v['status'] != 'retyping')
        self._client().volumes.retype(volume_id, new_type, 'on-demand')
        vol = self._wait(volume_id, lambda v: v['status'] != 'retyping')
        if vol['volume_type'] != new_type:
            raise base.DriverError(
                detail='volume %s was not retyped to %s (it is %s)' % (
                    volume_id, new_type, vol['volume_type']))
        return vol

    # ----------------------------------------------------- manageable

    def list_manageable(self) -> list[dict[str, Any]]:
        """Every manageable volume of every pool of the site (admin).

        One call per page and pool; ``host``, ``reference``, ``size``,
        ``safe_to_manage``, ``reason_not_safe``, ``extra_info``. Made once
        per operation where the engine shares its listings
        (:attr:`shared`): a replica's reference does not change while it
        waits to be managed, and one managed meanwhile is found by its
        import's own metadata first.
        """
        if self.shared is not None:
            return self.shared.get(self.shared_key('manageable'),
                                   self._list_manageable)
        return self._list_manageable()

    def _list_manageable(self) -> list[dict[str, Any]]:
        client = self._client(service=True)
        out: list[dict[str, Any]] = []
        for host in self.backend_hosts():
            offset = 0
            while True:
                try:
                    page = client.volumes.list_manageable(
                        host, detailed=True, offset=offset,
                        limit=CONF.drivers.page_size)
                except cinder_exc.ClientException as e:
                    LOG.debug('manageable volumes of %s: %s', host, e)
                    break
                for m in page:
                    out.append({
                        'host': host,
                        'reference': dict(getattr(m, 'reference', {}) or {}),
                        'size': getattr(m, 'size', None),
                        'safe_to_manage': getattr(m, 'safe_to_manage', None),
                        'reason_not_safe': getattr(m, 'reason_not_safe',
                                                   None),
                        'extra_info': dict(getattr(m, 'extra_info', None)
                                           or {})})
                if len(page) < CONF.drivers.page_size:
                    break
                offset += len(page)
        return out

    def backend_hosts(self) -> list[str]:
        client = self._client(service=True)
        hosts = []
        try:
            for pool in client.pools.list(detailed=False):
                hosts.append(pool.name)
        except cinder_exc.ClientException:
            for svc in client.services.list(binary='cinder-volume'):
                hosts.append(svc.host)
        return hosts

    # ------------------------------------------------- recovery: volumes

    def find_volumes(self, metadata: dict[str, str],
                     service: bool = False) -> list[dict[str, Any]]:
        vols = self._client(service).volumes.list(
            detailed=True, search_opts={'metadata': metadata})
        return [dict(self._view(v), metadata=dict(v.metadata or {}))
                for v in vols
                if all((v.metadata or {}).get(k) == val
                       for k, val in metadata.items())]

    def _all_views(self, service: bool) -> dict[str, dict[str, Any]]:
        """Every volume of the session's project (drs's own with
        ``service``), by id: one call per page."""
        client = self._client(service)
        out: dict[str, dict] = {}
        marker = None
        while True:
            page = client.volumes.list(detailed=True, marker=marker,
                                       limit=CONF.drivers.page_size)
            out.update((v.id, self._view(v)) for v in page)
            if len(page) < CONF.drivers.page_size:
                return out
            marker = page[-1].id

    def wait_volume(self, volume_id: str, statuses: tuple[str, ...],
                    service: bool = False) -> dict[str, Any]:
        client = self._client(service)
        started = time.monotonic()
        return waiter.wait_for(
            lambda: self.polled(
                ('volumes', service), lambda: self._all_views(service),
                volume_id,
                lambda: self._view(client.volumes.get(volume_id)), started),
            lambda v: v['status'] in statuses,
            what='volume %s at site %s to be %s' % (
                volume_id, self.site_name, ' or '.join(statuses)),
            timeout=CONF.recovery.resource_timeout,
            interval=self.poll_interval,
            failed=lambda v: ('it went to %s' % v['status']
                              if v['status'].startswith('error') else None),
            describe=lambda v: v['status'])

    def import_volume(self, host: str, reference: dict, name: str,
                      volume_type: str | None, bootable: bool,
                      metadata: dict[str, str], *,
                      fresh: bool = False) -> dict[str, Any]:
        if not fresh:
            mine = self.find_volumes(metadata)
            if mine:
                vol = self.wait_volume(mine[0]['id'], ('available', 'in-use'))
                return self._import_view(vol)
        service = self._client(service=True)
        pending = [] if fresh else self.find_volumes(metadata, service=True)
        if pending:
            vid = pending[0]['id']
        else:
            vid = service.volumes.manage(
                host, reference, name=name, volume_type=volume_type,
                bootable=bootable, metadata=metadata).id
        vol = self.wait_volume(vid, ('available', 'awaiting-transfer'),
                               service=True)
        if vol['status'] == 'awaiting-transfer':
            # A transfer of a run that died: its auth key is lost.
            for t in service.transfers.list():
                if t.volume_id == vid:
                    service.transfers.delete(t.id)
            vol = self.wait_volume(vid, ('available',), service=True)
        # Cinder refuses an empty transfer name: a resumed import may
        # know the volume only by its metadata.
        transfer = service.transfers.create(
            vid, name=name or vol['name'] or 'drs-import-%s' % vid)
        self._client().transfers.accept(transfer.id, transfer.auth_key)
        # Cinder's accept moves the volume into the project and makes it
        # available again before it answers: nothing to wait for.
        return self._import_view(dict(vol, status='available'))

    @staticmethod
    def _import_view(vol: dict) -> dict[str, Any]:
        return {k: vol[k] for k in ('id', 'name', 'size', 'volume_type',
                                    'status', 'bootable')}

    def delete_volume(self, volume_id: str, service: bool = False) -> None:
        client = self._client(service)
        try:
            vol = client.volumes.get(volume_id)
            if vol.status == 'in-use':
                self.wait_volume(volume_id, ('available',), service)
            if vol.status == 'awaiting-transfer':
                for t in client.transfers.list():
                    if t.volume_id == volume_id:
                        client.transfers.delete(t.id)
            client.volumes.delete(volume_id)
        except cinder_exc.NotFound:
            return

        def gone():
            try:
                return client.volumes.get(volume_id).status
            except cinder_exc.NotFound:
                return None

        waiter.wait_for(
            gone, lambda status: status is None,
            what='volume %s at site %s to be deleted' % (volume_id,
                                                         self.site_name),
            timeout=CONF.recovery.resource_timeout,
            failed=lambda status: ('it went to error_deleting'
                                   if status == 'error_deleting' else None))

    # --------------------------------------------------------------- groups

    def group_replication_supported(self) -> bool:
        if self.microversion < GROUP_MICROVERSION:
            return False
        return self._replication_group_type() is not None

    def _replication_group_type(self):
        """A group type with consistent group replication.

        Group specs may be shown to admins only: where the project sees
        none, drs reads them as itself (the type is then used by id).
        """
        clients = [self._client]
        if self.service_session is not None:
            clients.append(lambda: self._client(service=True))
        for client in clients:
            for gt in client().group_types.list():
                specs = dict(getattr(gt, 'group_specs', None) or {})
                if _is_true(specs.get(GROUP_REPLICATION_SPEC)):
                    return gt
        return None

    def ensure_replication_group(self, name: str, volume_ids: list[str]
                                 ) -> dict[str, Any]:
        client = self._client()
        group = None
        for g in client.groups.list(detailed=True):
            if g.name == name:
                group = g
                break
        if group is None:
            gtype = self._replication_group_type()
            if gtype is None:
                raise base.DriverError(
                    detail='site %s has no group type with %s' % (
                        self.site_name, GROUP_REPLICATION_SPEC))
            vtypes = {self.get_volume(v)['volume_type'] for v in volume_ids}
            type_ids = [t['id'] for t in self.list_volume_types()
                        if t['name'] in vtypes or t['id'] in vtypes]
            group = client.groups.create(gtype.id, ','.join(type_ids),
                                         name=name)
            group = self._wait_group(group.id, ('available',))
        members = {v['id'] for v in self.list_volumes()
                   if v['group_id'] == group.id}
        missing = [v for v in volume_ids if v not in members]
        if missing:
            client.groups.update(group.id, add_volumes=','.join(missing))
            group = self._wait_group(group.id, ('available',))
        if getattr(group, 'replication_status', None) != 'enabled':
            client.groups.enable_replication(group.id)
            group = waiter.wait_for(
                lambda: client.groups.get(group.id),
                lambda g: getattr(g, 'replication_status', None)
                == 'enabled',
                what='replication of group %s at site %s to be enabled' % (
                    group.id, self.site_name),
                timeout=CONF.drivers.wait_timeout, interval=2,
                describe=lambda g: getattr(g, 'replication_status', None))
        return {'id': group.id, 'name': name,
                'replication_status': group.replication_status,
                'added_volumes': missing}

    def _wait_group(self, group_id: str, statuses: tuple[str, ...]):
        return waiter.wait_for(
            lambda: self._client().groups.get(group_id),
            lambda g: g.status in statuses,
            what='group %s at site %s to be %s' % (
                group_id, self.site_name, ' or '.join(statuses)),
            timeout=CONF.drivers.wait_timeout, interval=2,
            failed=lambda g: ('it went to error' if g.status == 'error'
                              else None),
            describe=lambda g: g.status)

    def disable_group_replication(self, group_id: str) -> None:
        client = self._client()
        try:
            group = client.groups.get(group_id)
        except cinder_exc.NotFound:
            return
        if getattr(group, 'replication_status', None) in ('enabled',
                                                          'enabling'):
            client.groups.disable_replication(group_id)

    # --------------------------------------------------------------- quota

    def quota(self) -> dict[str, dict[str, int]]:
        absolute = {a.name: a.value
                    for a in self._client().limits.get().absolute}
        return {
            'volumes': {'limit': absolute.get('maxTotalVolumes', -1),
                        'in_use': absolute.get('totalVolumesUsed', 0)},
            'gigabytes': {
                'limit': absolute.get('maxTotalVolumeGigabytes', -1),
                'in_use': absolute.get('totalGigabytesUsed', 0)},
        }
