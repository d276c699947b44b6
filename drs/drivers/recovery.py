"""Target-side operations of the recovery flows, beside the drivers.

Added with the recovery flows, separate from the protect drivers: what a
failover or a test failover creates at the TARGET site (imported
volumes, ports, servers, an isolated test network) and how it finds them
again. Every creation is found afterwards by a deterministic name or
metadata key, so a task that runs again (a retry, or a resumed flow
after its engine died) adopts what exists instead of duplicating it.

:class:`TargetSite` wraps the plan's drivers at one site; it uses their
clients (python-cinderclient, python-novaclient, openstacksdk) and
never contacts any other site.
"""

import ipaddress
import time
from typing import Any

from cinderclient import exceptions as cinder_exc
from novaclient import exceptions as nova_exc
from openstack import exceptions as sdk_exc
from oslo_config import cfg
from oslo_log import log
from oslo_utils import strutils

from drs.drivers import base

CONF = cfg.CONF
LOG = log.getLogger(__name__)

# Metadata keys drs sets on what it creates (servers and volumes).
META_PLAN = 'drs_plan'
META_SOURCE = 'drs_source'
META_KIND = 'drs_kind'
KIND_FAILOVER = 'failover'
KIND_TEST = 'test'


def _deadline(timeout: int) -> float:
    return time.monotonic() + timeout


class TargetSite:
    """Recovery operations at one site of a plan (usually the target)."""

    def __init__(self, clients: Any, where: str = 'target'):
        self.clients = clients
        self.where = where

    # ------------------------------------------------------------ drivers

    @property
    def volume(self):
        return self.clients.driver('volume', self.where)

    @property
    def compute(self):
        return self.clients.driver('compute', self.where)

    @property
    def network_driver(self):
        return self.clients.driver('network', self.where)

    @property
    def object_storage(self):
        return self.clients.driver('object_storage', self.where)

    @property
    def site(self) -> dict:
        return self.clients.sites[self.where]

    @property
    def site_name(self) -> str:
        return str(self.site.get('name') or self.site.get('region_name'))

    def _cinder(self, service: bool = False):
        return self.volume._client(service=service)

    def _nova(self):
        return self.compute._client()

    def _net(self):
        return self.network_driver._network()

    # ------------------------------------------------------------ volumes

    def find_volumes(self, metadata: dict[str, str],
                     service: bool = False) -> list[Any]:
        """Volumes with all of ``metadata`` (tenant's or drs's own)."""
        vols = self._cinder(service).volumes.list(
            detailed=True, search_opts={'metadata': metadata})
        return [v for v in vols
                if all((v.metadata or {}).get(k) == val
                       for k, val in metadata.items())]

    def wait_volume(self, volume_id: str, statuses: tuple[str, ...],
                    service: bool = False) -> Any:
        client = self._cinder(service)
        deadline = _deadline(CONF.recovery.resource_timeout)
        while True:
            vol = client.volumes.get(volume_id)
            if vol.status in statuses:
                return vol
            if vol.status.startswith('error'):
                raise base.DriverError(
                    detail='volume %s at site %s went to %s' % (
                        volume_id, self.site_name, vol.status))
            if time.monotonic() > deadline:
                raise base.DriverError(
                    detail='volume %s at site %s is still %s after %ss' % (
                        volume_id, self.site_name, vol.status,
                        CONF.recovery.resource_timeout))
            time.sleep(1)

    def import_volume(self, host: str, reference: dict, name: str,
                      volume_type: str | None, bootable: bool,
                      metadata: dict[str, str]) -> dict[str, Any]:
        """Manage ``reference`` (admin) and hand it to the tenant.

        Idempotent by ``metadata``: a volume already imported (in the
        tenant's project, or still in drs's project awaiting transfer)
        is taken up where it was left.
        """
        mine = self.find_volumes(metadata)
        if mine:
            vol = self.wait_volume(mine[0].id, ('available', 'in-use'))
            return self._volume_view(vol)
        service = self._cinder(service=True)
        pending = self.find_volumes(metadata, service=True)
        if pending:
            vol = pending[0]
        else:
            vol = service.volumes.manage(
                host, reference, name=name, volume_type=volume_type,
                bootable=bootable, metadata=metadata)
        vol = self.wait_volume(vol.id, ('available', 'awaiting-transfer'),
                               service=True)
        for t in service.transfers.list():
            if t.volume_id == vol.id:
                service.transfers.delete(t.id)
        vol = self.wait_volume(vol.id, ('available',), service=True)
        # Cinder refuses an empty transfer name: a resumed import may
        # know the volume only by its metadata.
        transfer = service.transfers.create(
            vol.id, name=name or vol.name or 'drs-import-%s' % vol.id)
        self._cinder().transfers.accept(transfer.id, transfer.auth_key)
        vol = self.wait_volume(vol.id, ('available',))
        return self._volume_view(vol)

    @staticmethod
    def _volume_view(vol) -> dict[str, Any]:
        return {'id': vol.id, 'name': vol.name, 'size': vol.size,
                'volume_type': vol.volume_type, 'status': vol.status,
                'bootable': str(vol.bootable).lower() == 'true'}

    def delete_volume(self, volume_id: str, service: bool = False) -> None:
        client = self._cinder(service)
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
        deadline = _deadline(CONF.recovery.resource_timeout)
        while time.monotonic() < deadline:
            try:
                vol = client.volumes.get(volume_id)
            except cinder_exc.NotFound:
                return
            if vol.status == 'error_deleting':
                break
            time.sleep(1)
        raise base.DriverError(detail='volume %s at site %s was not '
                               'deleted' % (volume_id, self.site_name))

    # ---------------------------------------------------------- key pairs

    def ensure_keypair(self, keypair: dict | None,
                       test_prefix: str | None = None
                       ) -> tuple[str | None, bool]:
        """The recipe's key pair at the site: (name, created here).

        A key pair of the same name must hold the same public key. With
        ``test_prefix`` (a test failover) a key pair missing there (or
        holding another key) is created as ``<test_prefix><name>``, which
        ``cleanup_test`` removes.
        """
        if not keypair:
            return None, False
        there = self.compute.get_keypair(keypair['name'])
        if there is not None:
            if there.get('public_key', '').strip() == \
                    (keypair.get('public_key') or '').strip():
                return keypair['name'], False
            if not test_prefix:
                raise base.DriverError(
                    detail='key pair %s exists at site %s with another '
                    'public key' % (keypair['name'], self.site_name))
        name = (test_prefix or '') + keypair['name']
        if test_prefix and self.compute.get_keypair(name) is not None:
            return name, False  # made by an earlier run of this test
        self._nova().keypairs.create(name, public_key=keypair['public_key'])
        return name, True

    def delete_keypairs(self, prefix: str) -> list[str]:
        """Delete the key pairs whose name starts with ``prefix`` and
        that no server at the site uses."""
        in_use = {s.get('key_name') for s in
                  self.compute.list_servers().values()}
        gone = []
        for kp in self._nova().keypairs.list():
            if kp.name.startswith(prefix) and kp.name not in in_use:
                try:
                    self._nova().keypairs.delete(kp.name)
                except nova_exc.NotFound:
                    continue
                gone.append(kp.name)
        return gone

    # ------------------------------------------------------------ network

    def ensure_security_groups(self, groups: list[dict],
                               mapping: dict[str, str],
                               test_prefix: str | None = None) -> list[str]:
        """Ids at the site of the recipe's groups: mapped, same name, or
        created with the recorded rules.

        With ``test_prefix`` (a test failover) a group missing at the
        site is created as ``<test_prefix><source group id>``, so that
        ``cleanup_test`` finds and removes it; production groups at the
        site are used, never changed.
        """
        net = self._net()
        ids = []
        for g in groups:
            mapped = mapping.get(g['id']) or mapping.get(g.get('name', ''))
            if mapped:
                ids.append(mapped)
                continue
            names = [g['name']]
            if test_prefix:
                names.append(test_prefix + g['id'])
            found = [sg for name in names
                     for sg in net.security_groups(name=name)]
            if found:
                ids.append(found[0].id)
                continue
            ids.append(self._create_security_group(names[-1], g))
        return ids

    def _create_security_group(self, name: str, group: dict) -> str:
        """Create ``group`` as ``name`` with its recorded ingress rules.

        The group is made under a pending name, given its rules, then
        renamed: a run killed half way leaves a pending group that the
        next run completes, never a group of the final name without its
        rules (which a re-run would adopt as it is).
        """
        net = self._net()
        pending_name = 'drs-pending-%s' % group['id']
        pending = list(net.security_groups(name=pending_name))
        sg = pending[0] if pending else net.create_security_group(
            name=pending_name, description=group.get('description') or '')
        for rule in group.get('rules') or []:
            if rule.get('direction') == 'egress':
                # Neutron creates the default egress rules itself.
                continue
            if rule.get('remote_group_id'):
                rule = dict(rule, remote_group_id=sg.id)
            try:
                net.create_security_group_rule(
                    security_group_id=sg.id,
                    **{k: v for k, v in rule.items() if v is not None})
            except sdk_exc.ConflictException:
                pass  # added by the run that died
        net.update_security_group(sg, name=name)
        return sg.id

    def delete_security_groups(self, prefix: str) -> list[str]:
        """Delete the groups whose name starts with ``prefix``."""
        net = self._net()
        gone = []
        for sg in list(net.security_groups()):
            if (sg.name or '').startswith(prefix):
                net.delete_security_group(sg, ignore_missing=True)
                gone.append(sg.id)
        return gone

    def find_port(self, name: str) -> Any:
        ports = list(self._net().ports(name=name))
        return ports[0] if ports else None

    def ensure_port(self, name: str, network_id: str, fixed_ips: list[dict],
                    security_group_ids: list[str], description: str,
                    recorded: dict | None = None) -> dict[str, Any]:
        """The port ``name`` on ``network_id``, created once.

        From the ``recorded`` port it takes the MAC address (where
        Neutron lets the tenant set it and no port of the network has
        it: otherwise the port gets a new one, with a warning), the
        allowed address pairs, and port security off when it was off.
        """
        port = self.find_port(name)
        if port is None:
            recorded = recorded or {}
            attrs: dict[str, Any] = {
                'name': name, 'network_id': network_id,
                'description': description,
                'fixed_ips': [{k: v for k, v in ip.items() if v}
                              for ip in fixed_ips],
                'security_group_ids': security_group_ids}
            if recorded.get('allowed_address_pairs'):
                attrs['allowed_address_pairs'] = \
                    recorded['allowed_address_pairs']
            if recorded.get('port_security_enabled') is False:
                attrs.update(port_security_enabled=False,
                             security_group_ids=[])
            port = self._create_port(attrs, recorded.get('mac_address'))
        return {'id': port.id, 'name': port.name,
                'network_id': port.network_id,
                'mac_address': port.mac_address,
                'fixed_ips': [{'subnet_id': ip.get('subnet_id'),
                               'ip_address': ip.get('ip_address')}
                              for ip in (port.fixed_ips or [])]}

    def _create_port(self, attrs: dict[str, Any], mac: str | None) -> Any:
        net = self._net()
        if not mac:
            return net.create_port(**attrs)
        try:
            return net.create_port(mac_address=mac, **attrs)
        except (sdk_exc.ForbiddenException, sdk_exc.ConflictException) as e:
            # Policy (a network the tenant does not own) or the MAC in
            # use on that network: anything else fails again below.
            if 'mac' not in str(e).lower():
                raise
            LOG.warning('Port %s at site %s gets a new MAC address, not '
                        'the recorded %s: %s', attrs['name'], self.site_name,
                        mac, strutils.mask_password(str(e)))
            return net.create_port(**attrs)

    def ports_named(self, prefix: str) -> list[Any]:
        return [p for p in self._net().ports()
                if (p.name or '').startswith(prefix)]

    def delete_port(self, port_id: str) -> None:
        self._net().delete_port(port_id, ignore_missing=True)

    def network(self, network_id: str) -> Any:
        return self._net().get_network(network_id)

    def subnets_of(self, network_id: str) -> list[Any]:
        return list(self._net().subnets(network_id=network_id))

    def ensure_isolated_network(self, name: str, source_subnets: list[Any]
                                ) -> dict[str, Any]:
        """A network, subnets of the same CIDRs, and a router without an
        external gateway joining them: nothing leaves it."""
        net = self._net()
        found = list(net.networks(name=name))
        network = found[0] if found else net.create_network(
            name=name, description='drs test failover (isolated)')
        subnets = []
        existing = {s.cidr: s for s in net.subnets(network_id=network.id)}
        for src in source_subnets:
            sub = existing.get(src.cidr)
            if sub is None:
                sub = net.create_subnet(
                    name=name, network_id=network.id, cidr=src.cidr,
                    ip_version=src.ip_version, gateway_ip=src.gateway_ip,
                    enable_dhcp=src.is_dhcp_enabled)
            subnets.append({'id': sub.id, 'cidr': sub.cidr})
        routers = list(net.routers(name=name))
        router = routers[0] if routers else net.create_router(name=name)
        attached = {ip.get('subnet_id')
                    for p in net.ports(device_id=router.id)
                    for ip in (p.fixed_ips or [])}
        for sub in subnets:
            if sub['id'] in attached:
                continue
            gateway = next(s.gateway_ip for s in source_subnets
                           if s.cidr == sub['cidr'])
            if not gateway:
                continue
            try:
                net.add_interface_to_router(router, subnet_id=sub['id'])
            except sdk_exc.ConflictException:
                pass
        return {'network_id': network.id, 'router_id': router.id,
                'subnets': subnets}

    def delete_isolated_network(self, name: str) -> list[str]:
        """Router, ports, subnets and network named ``name``; gone ids."""
        net = self._net()
        gone = []
        for router in list(net.routers(name=name)):
            for p in list(net.ports(device_id=router.id)):
                for ip in p.fixed_ips or []:
                    try:
                        net.remove_interface_from_router(
                            router, subnet_id=ip.get('subnet_id'))
                    except sdk_exc.NotFoundException:
                        pass
            net.delete_router(router, ignore_missing=True)
            gone.append(router.id)
        for network in list(net.networks(name=name)):
            for p in list(net.ports(network_id=network.id)):
                if p.device_owner in ('network:dhcp', ''):
                    net.delete_port(p, ignore_missing=True)
            for sub in list(net.subnets(network_id=network.id)):
                net.delete_subnet(sub, ignore_missing=True)
            net.delete_network(network, ignore_missing=True)
            gone.append(network.id)
        return gone

    @staticmethod
    def subnet_for(ip: str, subnets: list[dict]) -> str | None:
        addr = ipaddress.ip_address(ip)
        for sub in subnets:
            if addr in ipaddress.ip_network(sub['cidr']):
                return sub['id']
        return None

    # ------------------------------------------------------------ servers

    def find_servers(self, metadata: dict[str, str]) -> list[dict]:
        return [s for s in self.compute.list_servers().values()
                if all(s['metadata'].get(k) == v
                       for k, v in metadata.items())]

    def create_server(self, name: str, flavor_id: str, image_id: str | None,
                      key_name: str | None, port_ids: list[str],
                      bdm: list[dict], metadata: dict[str, str],
                      availability_zone: str | None) -> dict[str, Any]:
        server = self._nova().servers.create(
            name, image=image_id or None, flavor=flavor_id,
            key_name=key_name, meta=metadata,
            nics=[{'port-id': p} for p in port_ids],
            block_device_mapping_v2=bdm or None,
            availability_zone=availability_zone)
        return {'id': server.id, 'name': name}

    def server_status(self, server_id: str) -> tuple[str, str | None]:
        s = self._nova().servers.get(server_id)
        fault = getattr(s, 'fault', None) or {}
        return s.status, (fault.get('message') if fault else None)

    def wait_server(self, server_id: str, name: str) -> dict[str, Any]:
        deadline = _deadline(CONF.recovery.server_active_timeout)
        while True:
            status, fault = self.server_status(server_id)
            if status == 'ACTIVE':
                return {'id': server_id, 'status': status}
            if status == 'ERROR':
                raise base.DriverError(
                    detail='server %s (%s) at site %s went to ERROR: %s' % (
                        name, server_id, self.site_name, fault))
            if time.monotonic() > deadline:
                raise base.DriverError(
                    detail='server %s (%s) at site %s is still %s after '
                    '%ss' % (name, server_id, self.site_name, status,
                             CONF.recovery.server_active_timeout))
            time.sleep(1)

    def delete_server(self, server_id: str) -> None:
        try:
            self._nova().servers.delete(server_id)
        except nova_exc.NotFound:
            return
        deadline = _deadline(CONF.recovery.resource_timeout)
        while time.monotonic() < deadline:
            try:
                self._nova().servers.get(server_id)
            except nova_exc.NotFound:
                return
            time.sleep(1)
        raise base.DriverError(detail='server %s at site %s was not deleted'
                               % (server_id, self.site_name))

    def stop_server(self, server_id: str) -> str:
        """Stop a server (SHUTOFF) and wait; idempotent."""
        status, _fault = self.server_status(server_id)
        if status != 'SHUTOFF':
            try:
                self._nova().servers.stop(server_id)
            except nova_exc.Conflict:
                pass
        deadline = _deadline(CONF.recovery.server_active_timeout)
        while True:
            status, _fault = self.server_status(server_id)
            if status == 'SHUTOFF':
                return status
            if time.monotonic() > deadline:
                raise base.DriverError(
                    detail='server %s at site %s did not stop (%s)' % (
                        server_id, self.site_name, status))
            time.sleep(1)
