"""Neutron through openstacksdk: ports, security groups, quotas."""

from typing import Any

import openstack
from openstack import exceptions as sdk_exc

from drs.drivers import base


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

    def server_ports(self, server_id: str) -> list[dict[str, Any]]:
        ports = self._network().ports(device_id=server_id)
        out = []
        for p in ports:
            out.append({
                'id': p.id, 'name': p.name,
                'network_id': p.network_id,
                'mac_address': p.mac_address,
                'fixed_ips': [{'subnet_id': ip.get('subnet_id'),
                               'ip_address': ip.get('ip_address')}
                              for ip in (p.fixed_ips or [])],
                'security_group_ids': list(p.security_group_ids or []),
                'port_security_enabled': p.is_port_security_enabled,
                'allowed_address_pairs': list(p.allowed_address_pairs
                                              or [])})
        return sorted(out, key=lambda p: p['id'])

    def security_group(self, group_id: str) -> dict[str, Any] | None:
        try:
            g = self._network().get_security_group(group_id)
        except sdk_exc.NotFoundException:
            return None
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
