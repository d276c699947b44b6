"""Neutron through openstacksdk: ports, security groups, quotas."""

from typing import Any

import openstack
from openstack import exceptions as sdk_exc
from oslo_log import log
from oslo_utils import strutils

from drs.drivers import base

LOG = log.getLogger(__name__)


#: Ids per filtered list call: a URL of a few kB at most.
FILTER_CHUNK = 40


def _chunks(ids: list[str]) -> list[list[str]]:
    return [ids[i:i + FILTER_CHUNK] for i in range(0, len(ids),
                                                   FILTER_CHUNK)]


class NeutronNetworkDriver(base.NetworkDriver):

    def __init__(self, site, session, service_session=None):
        super().__init__(site, session, service_session)
        self._conn: openstack.connection.Connection | None = None

    def _network(self):
        if self._conn is None:
            kwargs: dict[str, Any] = {
                'session': self.session,
                'region_name': self.site.get('region_name'),
                'interface': self.site.get('interface') or 'public'}
            override = self.endpoint_override('network')
            if override:
                kwargs['network_endpoint_override'] = override
            self._conn = openstack.connection.Connection(**kwargs)
        return self._conn.network

    @staticmethod
    def _recipe_port(p) -> dict[str, Any]:
        return {
            'id': p.id, 'name': p.name,
            'network_id': p.network_id,
            'mac_address': p.mac_address,
            'fixed_ips': [{'subnet_id': ip.get('subnet_id'),
                           'ip_address': ip.get('ip_address')}
                          for ip in (p.fixed_ips or [])],
            'security_group_ids': list(p.security_group_ids or []),
            'port_security_enabled': p.is_port_security_enabled,
            'allowed_address_pairs': list(p.allowed_address_pairs or [])}

    def server_ports(self, server_id: str) -> list[dict[str, Any]]:
        return self.ports_of_servers([server_id])[server_id]

    def ports_of_servers(self, server_ids: list[str]
                         ) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict]] = {sid: [] for sid in server_ids}
        for chunk in _chunks(list(out)):
            # Neutron takes a repeated filter as "any of these".
            for p in self._network().ports(device_id=chunk):
                if p.device_id in out:
                    out[p.device_id].append(self._recipe_port(p))
        return {sid: sorted(ports, key=lambda p: p['id'])
                for sid, ports in out.items()}

    @staticmethod
    def _group_view(g) -> dict[str, Any]:
        rules = [{'direction': r.get('direction'),
                  'ethertype': r.get('ethertype'),
                  'protocol': r.get('protocol'),
                  'port_range_min': r.get('port_range_min'),
                  'port_range_max': r.get('port_range_max'),
                  'remote_ip_prefix': r.get('remote_ip_prefix'),
                  'remote_group_id': r.get('remote_group_id')}
                 for r in (g.security_group_rules or [])]
        rules.sort(key=lambda r: sorted((k, str(v)) for k, v in r.items()))
        return {'id': g.id, 'name': g.name,
                'description': g.description, 'rules': rules}

    def security_group(self, group_id: str) -> dict[str, Any] | None:
        try:
            g = self._network().get_security_group(group_id)
        except sdk_exc.NotFoundException:
            return None
        return self._group_view(g)

    def security_groups(self, group_ids: list[str]
                        ) -> dict[str, dict[str, Any]]:
        out: dict[str, dict] = {}
        for chunk in _chunks(sorted(set(group_ids))):
            for g in self._network().security_groups(id=chunk):
                out[g.id] = self._group_view(g)
        return out

    def network_exists(self, network_id: str) -> bool:
        try:
            self._network().get_network(network_id)
        except sdk_exc.NotFoundException:
            return False
        return True

    def quota(self) -> dict[str, dict[str, int]]:
        project = self.session.get_project_id()
        q = self._network().get_quota(project, details=True)
        out = {}
        for name in ('ports', 'security_groups', 'security_group_rules'):
            value = getattr(q, name, None) or {}
            out[name.rstrip('s') if name == 'ports' else name] = {
                'limit': int(value.get('limit', -1)),
                'in_use': int(value.get('used', 0))
                + int(value.get('reserved', 0))}
        return out

    # ---------------------------------------- recovery: security groups

    def find_security_groups(self, name: str) -> list[dict[str, Any]]:
        return [{'id': sg.id, 'name': sg.name}
                for sg in self._network().security_groups(name=name)]

    def list_security_groups(self) -> list[dict[str, Any]]:
        return [{'id': sg.id, 'name': sg.name or ''}
                for sg in self._network().security_groups()]

    def create_security_group(self, name: str, group: dict) -> str:
        """Create ``group`` as ``name`` with its recorded ingress rules.

        The group is made under a pending name, given its rules, then
        renamed: a run killed half way leaves a pending group that the
        next run completes, never a group of the final name without its
        rules (which a re-run would adopt as it is).
        """
        net = self._network()
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

    def delete_security_group(self, group_id: str) -> None:
        self._network().delete_security_group(group_id, ignore_missing=True)

    # --------------------------------------------------- recovery: ports

    @staticmethod
    def _port_view(port) -> dict[str, Any]:
        return {'id': port.id, 'name': port.name,
                'network_id': port.network_id,
                'mac_address': port.mac_address,
                'device_id': port.device_id,
                'fixed_ips': [{'subnet_id': ip.get('subnet_id'),
                               'ip_address': ip.get('ip_address')}
                              for ip in (port.fixed_ips or [])]}

    def find_port(self, name: str) -> dict[str, Any] | None:
        ports = list(self._network().ports(name=name))
        return self._port_view(ports[0]) if ports else None

    def ports_named(self, prefix: str) -> list[dict[str, Any]]:
        return [self._port_view(p) for p in self._network().ports()
                if (p.name or '').startswith(prefix)]

    def ensure_port(self, name: str, network_id: str, fixed_ips: list[dict],
                    security_group_ids: list[str], description: str,
                    recorded: dict | None = None) -> dict[str, Any]:
        # The operation's listing of the project's ports (one call per
        # page) or, without one, the port by name. A port that the
        # listing misses is one no step of this run made yet: each port
        # is its server's, and a failed step drops the listing
        # (:meth:`forget`).
        listed = self.listed(('ports',), lambda: {
            p.name: self._port_view(p) for p in self._network().ports()
            if p.name})
        port = listed.get(name) if listed is not None else \
            self.find_port(name)
        if port is not None:
            return port
        recorded = recorded or {}
        attrs: dict[str, Any] = {
            'name': name, 'network_id': network_id,
            'description': description,
            'fixed_ips': [{k: v for k, v in ip.items() if v}
                          for ip in fixed_ips],
            'security_group_ids': security_group_ids}
        if recorded.get('allowed_address_pairs'):
            attrs['allowed_address_pairs'] = recorded['allowed_address_pairs']
        if recorded.get('port_security_enabled') is False:
            attrs.update(port_security_enabled=False, security_group_ids=[])
        return self._port_view(self._create_port(attrs,
                                                 recorded.get('mac_address')))

    def _create_port(self, attrs: dict[str, Any], mac: str | None) -> Any:
        net = self._network()
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

    def delete_port(self, port_id: str) -> None:
        self._network().delete_port(port_id, ignore_missing=True)

    # -------------------------------------- recovery: isolated networks

    def subnets_of(self, network_id: str) -> list[dict[str, Any]]:
        def fetch() -> list[dict[str, Any]]:
            return [{'id': s.id, 'cidr': s.cidr, 'ip_version': s.ip_version,
                     'gateway_ip': s.gateway_ip,
                     'enable_dhcp': s.is_dhcp_enabled}
                    for s in self._network().subnets(network_id=network_id)]
        # A recovery's steps add no subnet to the networks they map to.
        listed = self.listed(('subnets', network_id), fetch)
        return fetch() if listed is None else listed

    def ensure_isolated_network(self, name: str, source_subnets: list[dict]
                                ) -> dict[str, Any]:
        net = self._network()
        found = list(net.networks(name=name))
        network = found[0] if found else net.create_network(
            name=name, description='drs test failover (isolated)')
        subnets = []
        existing = {s.cidr: s for s in net.subnets(network_id=network.id)}
        for src in source_subnets:
            sub = existing.get(src['cidr'])
            if sub is None:
                sub = net.create_subnet(
                    name=name, network_id=network.id, cidr=src['cidr'],
                    ip_version=src['ip_version'],
                    gateway_ip=src['gateway_ip'],
                    enable_dhcp=src['enable_dhcp'])
            subnets.append({'id': sub.id, 'cidr': sub.cidr})
        routers = list(net.routers(name=name))
        router = routers[0] if routers else net.create_router(name=name)
        attached = {ip.get('subnet_id')
                    for p in net.ports(device_id=router.id)
                    for ip in (p.fixed_ips or [])}
        for sub in subnets:
            if sub['id'] in attached:
                continue
            gateway = next(s['gateway_ip'] for s in source_subnets
                           if s['cidr'] == sub['cidr'])
            if not gateway:
                continue
            try:
                net.add_interface_to_router(router, subnet_id=sub['id'])
            except sdk_exc.ConflictException:
                pass
        return {'network_id': network.id, 'router_id': router.id,
                'subnets': subnets}

    def delete_isolated_network(self, name: str) -> list[str]:
        net = self._network()
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
