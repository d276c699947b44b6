"""What the tenant has at a site, for the create-plan workflow.

A site is a region of the shared Keystone: openstacksdk with the user's
token session and the site's ``region_name``. Names for the drop-downs,
ids for the API.
"""

from __future__ import annotations

from typing import Any

import openstack

from drs_dashboard.api import drs


def _by_name(items: Any) -> list[dict[str, Any]]:
    return sorted(items, key=lambda item: str(item['name']))


def connection(request: Any, region: str) -> openstack.connection.Connection:
    return openstack.connection.Connection(
        session=drs.session(request), region_name=region)


def inventory(request: Any, region: str) -> dict[str, list[dict]]:
    """The tenant's servers, volumes, containers and what mappings map
    (networks, subnets, flavors, availability zones, volume types,
    security groups) at ``region``; a service that fails leaves its
    lists empty and its error in ``errors``."""
    conn = connection(request, region)
    out: dict[str, Any] = {k: [] for k in (
        'servers', 'volumes', 'containers', 'networks', 'subnets',
        'flavors', 'availability_zones', 'volume_types',
        'security_groups')}
    out['errors'] = []

    def collect(key: str, fn: Any) -> None:
        try:
            out[key] = fn()
        except Exception as e:  # noqa: BLE001 - shown to the user
            out['errors'].append('%s: %s' % (key, e))

    collect('servers', lambda: _by_name(
        {'id': s.id, 'name': s.name,
          'volumes': [a['id'] for a in s.attached_volumes or []]}
         for s in conn.compute.servers()))
    collect('volumes', lambda: _by_name(
        {'id': v.id, 'name': v.name or v.id,
          'attached_to': [a.get('server_id') for a in v.attachments or []]}
         for v in conn.block_storage.volumes()))
    collect('containers', lambda: _by_name(
        {'id': c.name, 'name': c.name}
         for c in conn.object_store.containers()))
    collect('networks', lambda: _by_name(
        {'id': n.id, 'name': n.name or n.id}
         for n in conn.network.networks()))
    collect('subnets', lambda: _by_name(
        {'id': s.id, 'name': '%s (%s)' % (s.name or s.id, s.cidr)}
         for s in conn.network.subnets()))
    collect('flavors', lambda: _by_name(
        {'id': f.name, 'name': f.name}
         for f in conn.compute.flavors()))
    collect('availability_zones', lambda: _by_name(
        {'id': z.name, 'name': z.name}
         for z in conn.compute.availability_zones()))
    collect('volume_types', lambda: _by_name(
        {'id': t.name, 'name': t.name}
         for t in conn.block_storage.types()))
    collect('security_groups', lambda: _by_name(
        {'id': g.id, 'name': g.name}
         for g in conn.network.security_groups(
             project_id=request.user.project_id)))
    return out
