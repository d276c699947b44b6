"""Preflight: what a failover would trip on at the target site. Reads only:
nothing is created, changed or saved anywhere."""

from collections.abc import Callable
import dataclasses
from typing import Any

from oslo_config import cfg
from oslo_log import log

from drs.db import api as db_api
from drs.drivers import base as drv_base
from drs.engine import plans
from drs.engine import resources

CONF = cfg.CONF
LOG = log.getLogger(__name__)


# ------------------------------------------------------------- preflight

@dataclasses.dataclass
class Preflight:
    """One resource's preflight, as its type's plug-in adds to it
    (:meth:`drs.engine.resources.ResourceSteps.preflight_findings`):
    ``findings`` and ``needs`` (quota) are added to; ``check_volume_type``
    checks a volume type's mapping and its existence at the target."""

    context: Any
    plan: Any
    c: Any
    mappings: dict
    row: Any
    ref: dict
    findings: list[dict]
    needs: dict[str, int]
    check_volume_type: Callable[[str | None, str], None]


def _finding(severity: str, code: str, detail: str,
             resource: dict | None = None) -> dict:
    return {'resource': resource, 'severity': severity, 'code': code,
            'detail': detail}


def preflight_resource(context, plan_id: str, resource: dict
                       ) -> dict[str, Any]:
    """What a failover of this resource would trip on at the target.

    Reads only: nothing is created, changed or saved anywhere. Returns
    ``{'findings': [...], 'needs': {...}}`` (the quota it would use).
    """
    plan, c = plans.plan_clients(context, plan_id)
    mappings = plans.plan_mappings(plan)
    row = plans.resource_row(plan, resource['type'], resource['id'])
    ref = plans.resource_ref(resource)
    findings: list[dict] = []
    needs = {'instances': 0, 'cores': 0, 'ram': 0, 'volumes': 0,
             'gigabytes': 0, 'port': 0}
    if row.replication_state in (drv_base.STATE_UNPROTECTED,):
        findings.append(_finding('error', 'not_protected',
                                 'the resource is not protected', ref))
    elif row.replication_state != drv_base.STATE_IN_SYNC:
        findings.append(_finding(
            'error' if row.replication_state == drv_base.STATE_ERROR
            else 'warning', 'replica_not_in_sync',
            'the replica is %s (lag %ss, plan RPO target %ss)' % (
                row.replication_state, row.lag_seconds, plan.rpo_seconds),
            ref))
    target_volumes = c.volume('target')
    target_types = {t['name']: t for t in target_volumes.list_volume_types()}

    def check_volume_type(vtype: str | None, what: str) -> None:
        mapped = (mappings.get('volume_types') or {}).get(vtype or '')
        if not mapped:
            findings.append(_finding(
                'warning', 'unmapped_volume_type',
                '%s: volume type %s has no mapping' % (what, vtype), ref))
            mapped = vtype
        if mapped not in target_types:
            findings.append(_finding(
                'error', 'missing_volume_type',
                '%s: volume type %s does not exist at the target' % (
                    what, mapped), ref))

    resources.steps_for(resource['type']).preflight_findings(Preflight(
        context=context, plan=plan, c=c, mappings=mappings, row=row,
        ref=ref, findings=findings, needs=needs,
        check_volume_type=check_volume_type))
    return {'findings': findings, 'needs': needs}


def server_findings(pf: Preflight) -> None:
    """A server's preflight: its recipe's flavor, image, key pair,
    availability zone, networks and volumes at the target."""
    recipes = {r.resource_id: r.recipe
               for r in db_api.recipe_list(pf.context, pf.plan.id)}
    recipe = recipes.get(pf.ref['id'])
    if recipe is None:
        pf.findings.append(_finding('error', 'no_recipe',
                                    'no recovery recipe was captured',
                                    pf.ref))
    else:
        _preflight_server(pf.c, pf.mappings, recipe, pf.ref, pf.findings,
                          pf.needs, pf.check_volume_type)


def _preflight_server(c, mappings, recipe, ref, findings, needs,
                      check_volume_type) -> None:
    compute = c.compute('target')
    network = c.network('target')
    flavor = recipe.get('flavor') or {}
    mapped = (mappings.get('flavors') or {}).get(flavor.get('name'))
    if not mapped:
        findings.append(_finding(
            'warning', 'unmapped_flavor',
            'flavor %s has no mapping' % flavor.get('name'), ref))
        mapped = flavor.get('name')
    found = compute.find_flavor(mapped) if mapped else None
    if found is None:
        findings.append(_finding('error', 'missing_flavor',
                                 'flavor %s does not exist at the target'
                                 % mapped, ref))
    needs['instances'] += 1
    needs['cores'] += int((found or flavor).get('vcpus') or 0)
    needs['ram'] += int((found or flavor).get('ram') or 0)
    image = recipe.get('image')
    if image and not compute.image_exists(None, image.get('name')):
        findings.append(_finding(
            'error', 'missing_image',
            'image %s does not exist at the target' % (
                image.get('name') or image.get('id')), ref))
    keypair = recipe.get('key_pair')
    if keypair:
        there = compute.get_keypair(keypair['name'])
        if there is not None and there.get('public_key') != \
                keypair.get('public_key'):
            findings.append(_finding(
                'error', 'key_pair_conflict',
                'key pair %s exists at the target with another public key'
                % keypair['name'], ref))
    az = (recipe.get('server') or {}).get('availability_zone')
    if az:
        mapped_az = (mappings.get('availability_zones') or {}).get(az)
        if not mapped_az:
            findings.append(_finding(
                'warning', 'unmapped_availability_zone',
                'availability zone %s has no mapping' % az, ref))
            mapped_az = az
        if mapped_az not in compute.availability_zones():
            findings.append(_finding(
                'error', 'missing_availability_zone',
                'availability zone %s does not exist at the target'
                % mapped_az, ref))
    for port in recipe.get('ports') or []:
        needs['port'] += 1
        net = port.get('network_id')
        mapped_net = (mappings.get('networks') or {}).get(net)
        if not mapped_net:
            findings.append(_finding(
                'error', 'unmapped_network',
                'network %s (port %s) has no mapping to a target network'
                % (net, port.get('id')), ref))
        elif not network.network_exists(mapped_net):
            findings.append(_finding(
                'error', 'missing_network',
                'network %s does not exist at the target' % mapped_net,
                ref))
    vols = ([recipe['boot_volume']] if recipe.get('boot_volume') else []) \
        + list(recipe.get('data_volumes') or [])
    for vol in vols:
        needs['volumes'] += 1
        needs['gigabytes'] += int(vol.get('size') or 0)
        check_volume_type(vol.get('volume_type'), 'volume %s' % vol['id'])


def preflight_quotas(context, plan_id: str, needs: dict) -> list[dict]:
    """Quota shortfalls at the target for everything a failover needs."""
    _plan, c = plans.plan_clients(context, plan_id)
    findings = []
    quotas: dict[str, dict] = {}
    target = c.at('target')
    for kind, driver in (('compute', lambda: target.compute),
                         ('volume', lambda: target.volume),
                         ('network', lambda: target.network)):
        try:
            quotas.update(driver().quota())
        except Exception as e:
            findings.append(_finding(
                'warning', 'quota_unknown',
                '%s quota at the target could not be read (%s)' % (
                    kind, type(e).__name__)))
    for name, need in sorted(needs.items()):
        q = quotas.get(name)
        if not need or q is None or q['limit'] is None or q['limit'] < 0:
            continue
        free = q['limit'] - q['in_use']
        if free < need:
            findings.append(_finding(
                'error', 'quota_shortfall',
                'quota %s at the target: %d free (limit %d, in use %d), '
                'a failover needs %d' % (name, free, q['limit'],
                                         q['in_use'], need)))
    return findings
