"""Nova: servers, their recovery recipes, flavors, key pairs and quotas.

The Compute API microversion is negotiated: the lower of
``[drivers] nova_max_microversion`` and the highest the site supports
(2.47+ embeds the flavor, 2.26+ shows tags, 2.71+ the server groups).
"""

import base64
import binascii
import concurrent.futures
import hashlib
import time
from typing import Any

from keystoneauth1 import adapter as ks_adapter
from keystoneauth1 import exceptions as ks_exc
import novaclient
from novaclient import api_versions
from novaclient import client as nova_client
from novaclient import exceptions as nova_exc
from oslo_config import cfg
from oslo_log import log

from drs.common import waiter
from drs.drivers import base
from drs.drivers.cinder import driver as cinder_driver

CONF = cfg.CONF
LOG = log.getLogger(__name__)

USER_DATA = 'OS-EXT-SRV-ATTR:user_data'
# Servers whose volume attachments a recipe capture reads from Nova at
# once (a first protect reads each server's: no listing has the device
# names and tags).
ATTACHMENT_READS = 8


def user_data_hash(user_data: str | None) -> str | None:
    """The only form in which user data is kept: its SHA-256.

    Nova returns user data base64-encoded; the hash is of the bytes the
    server was given.
    """
    if user_data is None:
        return None
    try:
        raw = base64.b64decode(user_data, validate=True)
    except (binascii.Error, ValueError):
        raw = user_data.encode()
    return hashlib.sha256(raw).hexdigest()


def _group_ids(ports: list[dict]) -> list[str]:
    """The security groups of a server's ports, sorted, once each."""
    return sorted({g for p in ports for g in p.get('security_group_ids',
                                                   [])})


def _recipe_volumes(recipe: dict) -> list[dict]:
    return ([recipe['boot_volume']] if recipe.get('boot_volume') else []) \
        + list(recipe.get('data_volumes') or [])


def _device_key(device: str | None) -> tuple[int, str]:
    device = device or ''
    return (len(device), device)


class NovaComputeDriver(base.ComputeDriver):

    def __init__(self, site, session, service_session=None):
        super().__init__(site, session, service_session)
        self._clients: dict = {}

    def _adapter(self, sess, service_type: str) -> ks_adapter.Adapter:
        return ks_adapter.Adapter(sess, service_type=service_type,
                                  **self.adapter_kwargs(service_type))

    def _client(self, service: bool = False):
        key = 'service' if service else 'tenant'
        if key not in self._clients:
            sess = self.service_session if service else self.session
            if sess is None:
                raise base.DriverError(
                    detail='drs has no service credentials at site %s'
                    % self.site_name)
            version = cinder_driver.negotiate(
                self._adapter(sess, 'compute'),
                CONF.drivers.nova_max_microversion, '2.1')
            version = min(version, novaclient.API_MAX_VERSION.get_string(),
                          key=lambda v: tuple(int(x) for x in v.split('.')))
            self._clients[key] = nova_client.Client(
                version, session=sess, **self.adapter_kwargs('compute'))
        return self._clients[key]

    @property
    def microversion(self) -> api_versions.APIVersion:
        return self._client().api_version

    # ------------------------------------------------------------ servers

    @staticmethod
    def _view(s) -> dict[str, Any]:
        return {'id': s.id, 'name': s.name, 'status': s.status,
                'flavor': getattr(s, 'flavor', None),
                'image': getattr(s, 'image', None) or None,
                'key_name': getattr(s, 'key_name', None),
                'metadata': dict(getattr(s, 'metadata', {}) or {}),
                'tags': list(getattr(s, 'tags', []) or []),
                'availability_zone': getattr(
                    s, 'OS-EXT-AZ:availability_zone', None),
                'server_groups': list(getattr(s, 'server_groups', [])
                                      or []),
                'volumes_attached': [
                    v.get('id') for v in getattr(
                        s, 'os-extended-volumes:volumes_attached', [])
                    or []],
                'project_id': getattr(s, 'tenant_id', None)}

    def get_server(self, server_id: str) -> dict[str, Any]:
        try:
            return self._view(self._client().servers.get(server_id))
        except nova_exc.NotFound:
            raise self.not_found('OS::Nova::Server', server_id)

    def list_servers(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict] = {}
        marker = None
        while True:
            page = self._client().servers.list(
                detailed=True, marker=marker, limit=CONF.drivers.page_size)
            for s in page:
                out[s.id] = self._view(s)
            if len(page) < CONF.drivers.page_size:
                return out
            marker = page[-1].id

    def _user_data(self, server_id: str, server) -> tuple[str | None, str]:
        """(hash, how it was read) of the server's user data."""
        if hasattr(server, USER_DATA):
            return user_data_hash(getattr(server, USER_DATA)), 'project'
        if self.service_session is None:
            return None, 'not visible'
        # The attribute is admin-only by default: read by drs itself,
        # hashed at once, never stored or logged in clear.
        try:
            value = getattr(self._client(service=True).servers.get(
                server_id), USER_DATA, None)
        except (nova_exc.ClientException, ks_exc.ClientException) as e:
            LOG.debug('user data of %s not readable: %s', server_id,
                      type(e).__name__)
            return None, 'not visible'
        return user_data_hash(value), 'service'

    def _flavor(self, flavor: dict) -> dict[str, Any]:
        if 'original_name' in flavor:
            return {'name': flavor['original_name'],
                    'vcpus': flavor.get('vcpus'), 'ram': flavor.get('ram'),
                    'disk': flavor.get('disk'),
                    'ephemeral': flavor.get('ephemeral'),
                    'swap': flavor.get('swap') or 0,
                    'extra_specs': dict(flavor.get('extra_specs') or {})}
        f = self._client().flavors.get(flavor['id'])
        return {'name': f.name, 'vcpus': f.vcpus, 'ram': f.ram,
                'disk': f.disk, 'ephemeral': getattr(
                    f, 'OS-FLV-EXT-DATA:ephemeral', 0),
                'swap': f.swap or 0, 'extra_specs': {}}

    def _image(self, image: Any) -> dict[str, Any] | None:
        if not image or not isinstance(image, dict) or not image.get('id'):
            return None
        out = {'id': image['id'], 'name': None}
        try:
            resp = self._adapter(self.session, 'image').get(
                '/v2/images/%s' % image['id'])
            body = resp.json()
            out.update(name=body.get('name'),
                       checksum=body.get('os_hash_value')
                       or body.get('checksum'))
        except ks_exc.ClientException as e:
            LOG.debug('image %s: %s', image['id'], type(e).__name__)
        return out

    def _server_group(self, server) -> dict[str, Any] | None:
        groups = list(getattr(server, 'server_groups', []) or [])
        if not groups:
            return None
        try:
            g = self._client().server_groups.get(groups[0])
        except nova_exc.NotFound:
            return {'id': groups[0]}
        return {'id': g.id, 'name': g.name,
                'policy': getattr(g, 'policy', None)
                or (getattr(g, 'policies', None) or [None])[0],
                'rules': dict(getattr(g, 'rules', {}) or {})}

    def _volumes(self, server_id: str, cinder: list[dict] | None = None
                 ) -> list[dict[str, Any]]:
        """The server's volume attachments as Nova lists them; with
        ``cinder`` (Block Storage's attachments of the server), each
        with its attachment id, which a later refresh compares."""
        attachments = self._client().volumes.get_server_volumes(server_id)
        vols = [{'id': a.volumeId, 'device': getattr(a, 'device', None),
                 'tag': getattr(a, 'tag', None),
                 'delete_on_termination': getattr(
                     a, 'delete_on_termination', None)}
                for a in attachments]
        if cinder is not None:
            ids = {c['id']: c.get('attachment_id') for c in cinder}
            for v in vols:
                v['attachment_id'] = ids.get(v['id'])
        return sorted(vols, key=lambda v: _device_key(v['device']))

    def capture_recipe(self, server_id: str,
                       network: base.NetworkDriver) -> dict[str, Any]:
        try:
            server = self._client().servers.get(server_id)
        except nova_exc.NotFound:
            raise self.not_found('OS::Nova::Server', server_id)
        view = self._view(server)
        keypair = None
        if view['key_name']:
            keypair = self.get_keypair(view['key_name'])
        ports = network.server_ports(server_id)
        groups = [g for g in (network.security_group(i)
                              for i in _group_ids(ports)) if g is not None]
        return self._recipe(
            view, server, flavor=self._flavor(view['flavor'] or {}),
            image=self._image(view['image']), keypair=keypair,
            ports=ports, groups=groups,
            user_data=self._user_data(server_id, server),
            server_group=self._server_group(server),
            volumes=self._volumes(server_id))

    def _recipe(self, view: dict, server: Any, *, flavor: dict,
                image: dict | None, keypair: dict | None, ports: list,
                groups: list, user_data: tuple[str | None, str],
                server_group: dict | None, volumes: list) -> dict[str, Any]:
        boot = None
        if image is None and volumes:
            boot = volumes[0]
        return {
            'server': {'id': view['id'], 'name': view['name'],
                       'status': view['status'],
                       'availability_zone': view['availability_zone']},
            'flavor': flavor,
            'image': image,
            'key_pair': keypair,
            'security_groups': groups,
            'ports': ports,
            'metadata': view['metadata'],
            'tags': view['tags'],
            'user_data': {'sha256': user_data[0], 'read_as': user_data[1]},
            'server_group': server_group,
            'boot_volume': boot,
            'data_volumes': [v for v in volumes if v is not boot],
            'microversion': self.microversion.get_string(),
        }

    # ------------------------------------------- recipes from list calls

    def _raw_servers(self, service: bool = False) -> dict[str, Any]:
        """The project's servers (novaclient objects) by id, one call per
        page; with ``service``, as drs's own session lists them (the
        attributes only an admin reads)."""
        opts = None
        if service:
            opts = {'all_tenants': True,
                    'project_id': self.session.get_project_id()}
        out: dict[str, Any] = {}
        marker = None
        client = self._client(service=service)
        while True:
            page = client.servers.list(
                detailed=True, search_opts=opts, marker=marker,
                limit=CONF.drivers.page_size)
            for s in page:
                out[s.id] = s
            if len(page) < CONF.drivers.page_size:
                return out
            marker = page[-1].id

    def _keypairs(self) -> dict[str, dict[str, Any]]:
        """The caller's key pairs by name, public keys included (one call
        per page from 2.35)."""
        client = self._client()
        paged = client.api_version >= api_versions.APIVersion('2.35')
        out: dict[str, dict] = {}
        marker = None
        while True:
            page = (client.keypairs.list(marker=marker,
                                         limit=CONF.drivers.page_size)
                    if paged else client.keypairs.list())
            for kp in page:
                out[kp.name] = {'name': kp.name,
                                'public_key': kp.public_key,
                                'type': getattr(kp, 'type', 'ssh'),
                                'fingerprint': getattr(kp, 'fingerprint',
                                                       None)}
            if not paged or len(page) < CONF.drivers.page_size:
                return out
            marker = page[-1].name

    def _server_groups(self) -> dict[str, dict[str, Any]]:
        """The project's server groups by member server id (a server is
        in one group at most)."""
        out: dict[str, dict] = {}
        offset = 0
        while True:
            page = self._client().server_groups.list(
                limit=CONF.drivers.page_size, offset=offset)
            for g in page:
                view = {'id': g.id, 'name': g.name,
                        'policy': getattr(g, 'policy', None)
                        or (getattr(g, 'policies', None) or [None])[0],
                        'rules': dict(getattr(g, 'rules', {}) or {})}
                for member in getattr(g, 'members', None) or []:
                    out[member] = view
            if len(page) < CONF.drivers.page_size:
                return out
            offset += len(page)

    def _images(self, image_ids: list[str]
                ) -> dict[str, dict[str, Any] | None]:
        """:meth:`_image` of each id: the images the project lists, in
        calls of a few dozen ids; one it does not list (a community or
        not yet accepted shared image) read by id."""
        adapter = self._adapter(self.session, 'image')
        found: dict[str, dict] = {}
        ids = sorted(set(image_ids))
        for i in range(0, len(ids), 40):
            url: str | None = '/v2/images'
            params: dict | None = {'id': 'in:' + ','.join(ids[i:i + 40]),
                                   'limit': CONF.drivers.page_size}
            try:
                while url:
                    body = adapter.get(url, params=params).json()
                    for img in body.get('images') or []:
                        found[img['id']] = {
                            'id': img['id'], 'name': img.get('name'),
                            'checksum': img.get('os_hash_value')
                            or img.get('checksum')}
                    url, params = body.get('next'), None
            except ks_exc.ClientException as e:
                LOG.debug('image list: %s', type(e).__name__)
        return {iid: found.get(iid) or self._image({'id': iid})
                for iid in ids}

    def _recorded_volumes(self, server, cinder: list[dict],
                          previous: dict | None) -> list[dict] | None:
        """The server's volumes as its recorded recipe has them, if its
        attachments are still the recorded ones; else None."""
        recorded = {v['id']: v for v in _recipe_volumes(previous or {})}
        by_volume = {a['id']: a for a in cinder}
        attached = getattr(server, 'os-extended-volumes:volumes_attached',
                           None) or []
        if not attached and not by_volume:
            return []
        if len(attached) != len(by_volume):
            return None
        vols = []
        for a in attached:
            there, was = by_volume.get(a.get('id')), recorded.get(a.get('id'))
            if not there or not was or not there.get('attachment_id') \
                    or was.get('attachment_id') != there['attachment_id'] \
                    or was.get('device') != there.get('device'):
                return None
            vols.append({'id': a['id'], 'device': there['device'],
                         'tag': was.get('tag'),
                         'delete_on_termination': a.get(
                             'delete_on_termination'),
                         'attachment_id': there['attachment_id']})
        return sorted(vols, key=lambda v: _device_key(v['device']))

    def capture_recipes(self, server_ids: list[str],
                        network: base.NetworkDriver,
                        attachments: dict[str, list[dict]],
                        previous: dict[str, dict]
                        ) -> dict[str, dict[str, Any]]:
        def admin_servers() -> dict[str, Any]:
            try:
                return self._raw_servers(service=True)
            except (nova_exc.ClientException, ks_exc.ClientException,
                    base.DriverError) as e:
                LOG.debug('user data not readable: %s', type(e).__name__)
                return {}

        def ports_and_groups() -> tuple[dict, dict]:
            ports = network.ports_of_servers(list(server_ids))
            return ports, network.security_groups(sorted(
                {g for sid in server_ids for g in _group_ids(ports[sid])}))

        # The reads do not depend on each other, but for those that need
        # the servers' views: all at once, each a list call or a page of
        # them (the attachments in their own pool, ATTACHMENT_READS at a
        # time).
        with concurrent.futures.ThreadPoolExecutor(
                4, thread_name_prefix='drs-recipe') as pool, \
                concurrent.futures.ThreadPoolExecutor(
                    ATTACHMENT_READS,
                    thread_name_prefix='drs-attachments') as reads:
            admin_f = (pool.submit(admin_servers)
                       if self.service_session is not None else None)
            groups_f = pool.submit(self._server_groups)
            network_f = pool.submit(ports_and_groups)
            listed = self._raw_servers()
            servers = {sid: listed[sid] for sid in server_ids
                       if sid in listed}
            views = {sid: self._view(s) for sid, s in servers.items()}
            # Nova's attachment list (device, tag) only where no previous
            # recipe still holds.
            vols_of = {sid: self._recorded_volumes(
                server, attachments.get(sid) or [], previous.get(sid))
                for sid, server in servers.items()}
            volumes_f = {sid: reads.submit(self._volumes, sid,
                                           attachments.get(sid))
                         for sid, v in vols_of.items() if v is None}
            keypairs_f = pool.submit(self._keypairs) if any(
                v['key_name'] for v in views.values()) else None
            images_f = pool.submit(
                self._images, [v['image']['id'] for v in views.values()
                               if isinstance(v['image'], dict)
                               and v['image'].get('id')])
            vols_of.update({sid: f.result() for sid, f in volumes_f.items()})
            keypairs = keypairs_f.result() if keypairs_f else {}
            images = images_f.result()
            groups_of = groups_f.result()
            ports, sgs = network_f.result()
            # Read before the project's listing is in (at once with it);
            # used only where that listing lacks the user data.
            admin = admin_f.result() if admin_f else {}
        if not servers:
            return {}
        flavors: dict[Any, dict] = {}
        out = {}
        for sid, server in servers.items():
            view = views[sid]
            flavor = view['flavor'] or {}
            if 'original_name' not in flavor and flavor.get('id') \
                    not in flavors:
                flavors[flavor.get('id')] = self._flavor(flavor)
            if hasattr(server, USER_DATA):
                user_data = (user_data_hash(getattr(server, USER_DATA)),
                             'project')
            elif sid in admin:
                user_data = (user_data_hash(getattr(admin[sid], USER_DATA,
                                                    None)), 'service')
            else:
                user_data = (None, 'not visible')
            image = view['image']
            vols = vols_of[sid] or []
            out[sid] = self._recipe(
                view, server,
                flavor=(self._flavor(flavor) if 'original_name' in flavor
                        else flavors[flavor.get('id')]),
                image=(images.get(image['id'])
                       if isinstance(image, dict) and image.get('id')
                       else None),
                keypair=keypairs.get(view['key_name'])
                if view['key_name'] else None,
                ports=ports[sid],
                groups=[sgs[g] for g in _group_ids(ports[sid]) if g in sgs],
                user_data=user_data,
                server_group=groups_of.get(sid),
                volumes=vols)
        return out

    # ------------------------------------------------------ target checks

    def find_flavor(self, name: str) -> dict[str, Any] | None:
        for f in self._client().flavors.list(is_public=None):
            if f.name == name:
                return {'id': f.id, 'name': f.name, 'vcpus': f.vcpus,
                        'ram': f.ram, 'disk': f.disk}
        return None

    def image_exists(self, image_id: str | None, name: str | None) -> bool:
        adapter = self._adapter(self.session, 'image')
        if image_id:
            try:
                adapter.get('/v2/images/%s' % image_id)
                return True
            except ks_exc.NotFound:
                pass
        if name:
            body = adapter.get('/v2/images', params={'name': name}).json()
            return bool(body.get('images'))
        return False

    def get_keypair(self, name: str) -> dict[str, Any] | None:
        try:
            kp = self._client().keypairs.get(name)
        except nova_exc.NotFound:
            return None
        return {'name': kp.name, 'public_key': kp.public_key,
                'type': getattr(kp, 'type', 'ssh'),
                'fingerprint': getattr(kp, 'fingerprint', None)}

    def availability_zones(self) -> list[str]:
        return [z.zoneName for z in
                self._client().availability_zones.list(detailed=False)
                if (getattr(z, 'zoneState', {}) or {}).get('available')]

    def quota(self) -> dict[str, dict[str, int]]:
        absolute = self._client().limits.get().absolute
        values = {a.name: a.value for a in absolute}
        return {
            'instances': {'limit': values.get('maxTotalInstances', -1),
                          'in_use': values.get('totalInstancesUsed', 0)},
            'cores': {'limit': values.get('maxTotalCores', -1),
                      'in_use': values.get('totalCoresUsed', 0)},
            'ram': {'limit': values.get('maxTotalRAMSize', -1),
                    'in_use': values.get('totalRAMUsed', 0)},
        }

    # ------------------------------------------------ recovery: servers

    def find_servers(self, metadata: dict[str, str]) -> list[dict[str, Any]]:
        return [s for s in self.list_servers().values()
                if all(s['metadata'].get(k) == v
                       for k, v in metadata.items())]

    def create_server(self, name: str, flavor_id: str, image_id: str | None,
                      key_name: str | None, port_ids: list[str],
                      bdm: list[dict], metadata: dict[str, str],
                      availability_zone: str | None) -> dict[str, Any]:
        server = self._client().servers.create(
            name, image=image_id or None, flavor=flavor_id,
            key_name=key_name, meta=metadata,
            nics=[{'port-id': p} for p in port_ids],
            block_device_mapping_v2=bdm or None,
            availability_zone=availability_zone)
        return {'id': server.id, 'name': name}

    def server_status(self, server_id: str) -> tuple[str, str | None]:
        s = self._client().servers.get(server_id)
        fault = getattr(s, 'fault', None) or {}
        return s.status, (fault.get('message') if fault else None)

    def _polled_status(self, server_id: str, started: float
                       ) -> tuple[str, str | None]:
        """The server's status from a listing of the project's servers
        shared by the operation's waits (:meth:`polled`); its fault read
        alone once it is in ERROR."""
        status = self.polled(
            ('servers',),
            lambda: {sid: v['status']
                     for sid, v in self.list_servers().items()},
            server_id, lambda: self.server_status(server_id), started)
        if isinstance(status, tuple):
            return status
        return self.server_status(server_id) if status == 'ERROR' \
            else (status, None)

    def wait_server(self, server_id: str, name: str) -> dict[str, Any]:
        started = time.monotonic()
        status, _fault = waiter.wait_for(
            lambda: self._polled_status(server_id, started),
            lambda sf: sf[0] == 'ACTIVE',
            what='server %s (%s) at site %s to be ACTIVE' % (
                name, server_id, self.site_name),
            timeout=CONF.recovery.server_active_timeout,
            interval=self.poll_interval,
            failed=lambda sf: ('it went to ERROR: %s' % sf[1]
                               if sf[0] == 'ERROR' else None),
            describe=lambda sf: sf[0])
        return {'id': server_id, 'status': status}

    def delete_server(self, server_id: str) -> None:
        try:
            self._client().servers.delete(server_id)
        except nova_exc.NotFound:
            return

        def present() -> bool:
            try:
                self._client().servers.get(server_id)
            except nova_exc.NotFound:
                return False
            return True

        waiter.wait_for(
            present, lambda there: not there,
            what='server %s at site %s to be deleted' % (server_id,
                                                         self.site_name),
            timeout=CONF.recovery.resource_timeout)

    def stop_server(self, server_id: str) -> str:
        status, _fault = self.server_status(server_id)
        if status != 'SHUTOFF':
            try:
                self._client().servers.stop(server_id)
            except nova_exc.Conflict:
                pass
        status, _fault = waiter.wait_for(
            lambda: self.server_status(server_id),
            lambda sf: sf[0] == 'SHUTOFF',
            what='server %s at site %s to stop' % (server_id,
                                                   self.site_name),
            timeout=CONF.recovery.server_active_timeout,
            describe=lambda sf: sf[0])
        return status

    # ---------------------------------------------- recovery: key pairs

    def create_keypair(self, name: str, public_key: str) -> None:
        self._client().keypairs.create(name, public_key=public_key)

    def list_keypairs(self) -> list[str]:
        return [kp.name for kp in self._client().keypairs.list()]

    def list_keypair_views(self) -> list[dict[str, Any]]:
        return [{'name': kp.name, 'public_key': kp.public_key,
                 'type': getattr(kp, 'type', 'ssh'),
                 'fingerprint': getattr(kp, 'fingerprint', None)}
                for kp in self._client().keypairs.list()]

    def delete_keypair(self, name: str) -> bool:
        try:
            self._client().keypairs.delete(name)
        except nova_exc.NotFound:
            return False
        return True
