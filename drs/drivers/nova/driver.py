"""Nova: servers, their recovery recipes, flavors, key pairs and quotas.

The Compute API microversion is negotiated: the lower of
``[drivers] nova_max_microversion`` and the highest the site supports
(2.47+ embeds the flavor, 2.26+ shows tags, 2.71+ the server groups).
"""

import base64
import binascii
import hashlib
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

    def _volumes(self, server_id: str) -> list[dict[str, Any]]:
        attachments = self._client().volumes.get_server_volumes(server_id)
        vols = [{'id': a.volumeId, 'device': getattr(a, 'device', None),
                 'tag': getattr(a, 'tag', None),
                 'delete_on_termination': getattr(
                     a, 'delete_on_termination', None)}
                for a in attachments]
        return sorted(vols, key=lambda v: _device_key(v['device']))

    def capture_recipe(self, server_id: str,
                       network: base.NetworkDriver) -> dict[str, Any]:
        try:
            server = self._client().servers.get(server_id)
        except nova_exc.NotFound:
            raise self.not_found('OS::Nova::Server', server_id)
        view = self._view(server)
        volumes = self._volumes(server_id)
        image = self._image(view['image'])
        boot = None
        if image is None and volumes:
            boot = volumes[0]
        keypair = None
        if view['key_name']:
            keypair = self.get_keypair(view['key_name'])
        ports = network.server_ports(server_id)
        group_ids = sorted({g for p in ports
                            for g in p.get('security_group_ids', [])})
        groups = [g for g in (network.security_group(i) for i in group_ids)
                  if g is not None]
        ud_hash, ud_how = self._user_data(server_id, server)
        return {
            'server': {'id': view['id'], 'name': view['name'],
                       'status': view['status'],
                       'availability_zone': view['availability_zone']},
            'flavor': self._flavor(view['flavor'] or {}),
            'image': image,
            'key_pair': keypair,
            'security_groups': groups,
            'ports': ports,
            'metadata': view['metadata'],
            'tags': view['tags'],
            'user_data': {'sha256': ud_hash, 'read_as': ud_how},
            'server_group': self._server_group(server),
            'boot_volume': boot,
            'data_volumes': [v for v in volumes if v is not boot],
            'microversion': self.microversion.get_string(),
        }

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

    def wait_server(self, server_id: str, name: str) -> dict[str, Any]:
        status, _fault = waiter.wait_for(
            lambda: self.server_status(server_id),
            lambda sf: sf[0] == 'ACTIVE',
            what='server %s (%s) at site %s to be ACTIVE' % (
                name, server_id, self.site_name),
            timeout=CONF.recovery.server_active_timeout,
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

    def delete_keypair(self, name: str) -> bool:
        try:
            self._client().keypairs.delete(name)
        except nova_exc.NotFound:
            return False
        return True
