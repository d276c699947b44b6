"""What the protection flows and the periodic sweep do, on one plan.

The functions here take a request context and a plan id, re-read what
they need from the database, act through the drivers with the plan's
trust-scoped sessions, and return plain dicts. Tasks of
:mod:`drs.engine.tasks.protection` and the engine's periodic sweep call
them; nothing here holds state between calls.
"""

import time
from collections.abc import Mapping
from typing import Any

from oslo_config import cfg
from oslo_log import log

from drs.common import rpc
from drs.common import states
from drs.common import timeutils
from drs.db import api as db_api
from drs.drivers import base as drv_base
from drs.drivers import clients as drv_clients
from drs.drivers.replication import base as repl_base
from drs import exception

CONF = cfg.CONF
LOG = log.getLogger(__name__)

SERVER = 'OS::Nova::Server'
VOLUME = 'OS::Cinder::Volume'
CONTAINER = 'OS::Swift::Container'

GROUP_MODE = 'group'

# Plans the periodic sweep measures.
SWEPT_STATES = (states.PROTECTED, states.DEGRADED)


def resource_ref(resource: dict) -> dict:
    """What a task or finding keeps of a plan resource: type and id."""
    return {'type': resource['type'], 'id': resource['id']}


def mark_unprotected(context, plan_id: str, rtype: str, rid: str) -> None:
    """The resource's row once its protection is undone: no protect
    data, replica or lag; state ``unprotected``."""
    db_api.protected_resource_update(
        context, plan_id, rtype, rid,
        {'protect_data': {}, 'replica': {}, 'lag_seconds': None,
         'replication_state': drv_base.STATE_UNPROTECTED})


def group_name(plan_id: str) -> str:
    return 'drs-%s' % plan_id


# ------------------------------------------------------------------ access

def plan_clients(context, plan_id: str
                 ) -> tuple[Any, drv_clients.PlanClients]:
    """The plan (re-read) and its drivers at both sites."""
    plan = db_api.plan_get(context, plan_id)
    source = db_api.site_get(context, plan.source_site_id)
    target = db_api.site_get(context, plan.target_site_id)
    if plan.reversed:
        source, target = target, source
    return plan, drv_clients.PlanClients(plan, source, target)


def resource_row(plan, rtype: str, rid: str):
    for row in plan.resources:
        if row.resource_type == rtype and row.resource_id == rid:
            return row
    raise exception.NotFound('%s %s is not in plan %s' % (rtype, rid,
                                                          plan.id))


def _now() -> float:
    return time.time()


# ----------------------------------------------------------------- checks

def check_exists(context, plan_id: str, resource: dict) -> dict:
    """The resource as the source site shows it in the plan's project.

    Raises :class:`drs.drivers.base.ResourceNotFound`, naming it, for
    anything the project cannot see (another project's resource too).
    """
    _plan, c = plan_clients(context, plan_id)
    rtype, rid = resource['type'], resource['id']
    if rtype == VOLUME:
        vol = c.volume('source').get_volume(rid)
        return {'type': rtype, 'id': rid, 'size': vol['size'],
                'volume_type': vol['volume_type']}
    if rtype == CONTAINER:
        cont = c.object_storage('source').get_container(rid)
        return {'type': rtype, 'id': rid, 'count': cont['count']}
    if rtype == SERVER:
        server = c.compute('source').get_server(rid)
        return {'type': rtype, 'id': rid, 'name': server['name']}
    raise drv_base.DriverError(detail='no driver protects %s resources'
                               % rtype)


# ---------------------------------------------------------------- volumes

def protect_volume(c: drv_clients.PlanClients, plan, volume_id: str,
                   owner: str) -> dict[str, Any]:
    """Make one volume replicated; returns its ``protect_data``.

    ``owner`` names what the volume is protected for (itself or a
    server), for messages. With group replication the volume joins the
    plan's group later (:func:`protect_group`); Cinder wants the types of
    a replicated group replication-enabled too, so the type is checked
    (or changed) the same way.
    """
    volumes = c.volume('source')
    vol = volumes.get_volume(volume_id)
    data: dict[str, Any] = {'volume_type': vol['volume_type'],
                            'size': vol['size'],
                            'protected_at': _now()}
    group = (plan.options or {}).get('volume_replication') == GROUP_MODE
    data['mode'] = GROUP_MODE if group else 'volume-type'
    vtype = volumes.get_volume_type(vol['volume_type'])
    if vtype is not None and vtype['replicated']:
        return data
    mapped = ((plan.mappings or {}).get('volume_types') or {}).get(
        vol['volume_type'])
    mapped_type = volumes.get_volume_type(mapped) if mapped else None
    if mapped_type is None or not mapped_type['replicated']:
        raise drv_base.DriverError(
            detail='volume %s (%s) is of type %s, which is not '
            'replicated, and the plan maps it to no replicated volume '
            'type' % (volume_id, owner, vol['volume_type']))
    volumes.retype(volume_id, mapped_type['name'])
    data.update(retyped_from=vol['volume_type'],
                retyped_to=mapped_type['name'])
    return data


def unprotect_volume(c: drv_clients.PlanClients, volume_id: str,
                     data: dict) -> None:
    """Undo :func:`protect_volume`: the type it had, data untouched."""
    previous = (data or {}).get('retyped_from')
    if not previous:
        return
    volumes = c.volume('source')
    try:
        volumes.retype(volume_id, previous)
    except drv_base.ResourceNotFound:
        LOG.info('Volume %s is gone: nothing to restore', volume_id)


def protect_group(context, plan_id: str) -> dict[str, Any] | None:
    """Tiramisu group replication over every volume of the plan."""
    plan, c = plan_clients(context, plan_id)
    if (plan.options or {}).get('volume_replication') != GROUP_MODE:
        return None
    volumes = c.volume('source')
    if not volumes.group_replication_supported():
        raise drv_base.DriverError(
            detail='the plan asks for group replication, which site %s '
            'does not support (Block Storage 3.38 and a group type with '
            'consistent_group_replication_enabled)' % volumes.site_name)
    ids = plan_volume_ids(plan)
    group = volumes.ensure_replication_group(group_name(plan.id), ids)
    for row in plan.resources:
        if row.resource_type in (VOLUME, SERVER):
            data = dict(row.protect_data or {})
            data['group'] = {'id': group['id'],
                             'added': [v for v in group['added_volumes']
                                       if v in row_volume_ids(row)]}
            db_api.protected_resource_update(
                context, plan.id, row.resource_type, row.resource_id,
                {'protect_data': data})
    return {'id': group['id'], 'volumes': ids}


def row_volume_ids(row) -> list[str]:
    if row.resource_type == VOLUME:
        return [row.resource_id]
    if row.resource_type == SERVER:
        return list(((row.protect_data or {}).get('volumes') or {}).keys())
    return []


def plan_volume_ids(plan) -> list[str]:
    out: list[str] = []
    for row in plan.resources:
        for vid in row_volume_ids(row):
            if vid not in out:
                out.append(vid)
    return out


# ---------------------------------------------------------------- servers

def capture_recipe(context, plan_id: str, server_id: str,
                   save: bool = True) -> dict[str, Any]:
    """The server's recovery recipe, saved in the plan (no secrets)."""
    _plan, c = plan_clients(context, plan_id)
    recipe = c.compute('source').capture_recipe(
        server_id, c.network('source'))
    volumes = c.volume('source')
    for entry in ([recipe['boot_volume']] if recipe['boot_volume'] else []) \
            + recipe['data_volumes']:
        vol = volumes.get_volume(entry['id'])
        entry.update(size=vol['size'], volume_type=vol['volume_type'],
                     bootable=vol['bootable'])
    if save:
        db_api.recipe_save(context, plan_id, server_id, recipe)
    return recipe


def recipe_volume_ids(recipe: dict) -> list[str]:
    vols = ([recipe['boot_volume']] if recipe.get('boot_volume') else []) \
        + list(recipe.get('data_volumes') or [])
    return [v['id'] for v in vols]


# ------------------------------------------------------------ measurement

def _resource_lag(now: float, row, found: Mapping[str, Any] | None,
                  protected_at: float | None) -> float:
    """Lag of a replica: now - the time its data is as of.

    Before the first sync completes, the replica is as of nothing: the
    lag counts from protection.
    """
    if found and found.get('last_sync_at'):
        return max(0.0, now - float(found['last_sync_at']))
    return max(0.0, now - float(protected_at or now))


def measure(context, plan_id: str, sweep: bool = False) -> dict[str, Any]:
    """Measure every resource's lag with list calls; update the rows.

    Volumes: the source's volume list (one call per page) for their
    replication status and, at the target, the replication backend's
    status of every replica (one call per pool: RBD's mirror pool
    status, the manageable-volume list of a Cinder-only site).
    Containers: both sites' account listings (one call per page) compare
    object count and bytes; an out-of-sync container's lag counts from
    the last time it was seen in sync. Servers: the worst of their
    volumes. Returns the plan's figures.

    With ``sweep`` (the periodic sweep, outside any operation), nothing
    is written to a resource an operation has unprotected meanwhile, nor
    to a plan that an operation holds or that left the protected states.
    """
    plan, c = plan_clients(context, plan_id)
    now = _now()
    volume_ids = plan_volume_ids(plan)
    source_vols: dict[str, dict] = {}
    replicas: dict[str, repl_base.ReplicaStatus] = {}
    if volume_ids:
        source_vols = {v['id']: v for v in
                       c.volume('source').list_volumes()}
        try:
            replicas = c.replication('target').status(
                [dict(source_vols.get(v) or {}, id=v) for v in volume_ids])
        except Exception as e:
            LOG.warning('Plan %(plan)s: replica list at the target failed: '
                        '%(err)s', {'plan': plan.id,
                                    'err': type(e).__name__})
    containers = [r.resource_id for r in plan.resources
                  if r.resource_type == CONTAINER]
    cstatus: dict[str, dict] = {}
    if containers:
        source_os = c.object_storage('source')
        cstatus = source_os.replication_status(
            containers, c.object_storage('target'))

    rpo = plan.rpo_seconds
    worst: float | None = None
    per_resource = []
    for row in plan.resources:
        data = dict(row.protect_data or {})
        replica = dict(row.replica or {})
        if row.resource_type == CONTAINER:
            st = cstatus.get(row.resource_id) or {}
            if st.get('in_sync'):
                replica['last_in_sync_at'] = now
                lag = 0.0
            else:
                since = replica.get('last_in_sync_at') or \
                    data.get('protected_at')
                lag = max(0.0, now - float(since or now))
            replica.update(source=st.get('source'), target=st.get('target'))
            state = _state(lag, rpo, st.get('in_sync'))
        else:
            lags = []
            errors = []
            vols = replica.get('volumes') or {}
            for vid in row_volume_ids(row):
                vdata = (data.get('volumes') or {}).get(vid, data) \
                    if row.resource_type == SERVER else data
                src = source_vols.get(vid) or {}
                found = replicas.get(vid)
                vlag = _resource_lag(now, row, found,
                                     vdata.get('protected_at'))
                lags.append(vlag)
                status = src.get('replication_status')
                if status in ('error', 'disabled', 'not-capable') or \
                        vid not in source_vols or (found or {}).get(
                            'health') in (repl_base.HEALTH_SPLIT_BRAIN,
                                          repl_base.HEALTH_ERROR):
                    errors.append(vid)
                vols[vid] = {'site': c.sites['target'].get('name'),
                             'reference': (found or {}).get('reference'),
                             'health': (found or {}).get('health'),
                             'replication_status': status,
                             'last_sync_at': (found or {}).get(
                                 'last_sync_at'),
                             'lag_seconds': round(vlag, 3)}
            if row.resource_type == VOLUME:
                replica.update(vols.get(row.resource_id, {}))
            else:
                replica['volumes'] = vols
            lag = max(lags) if lags else 0.0
            state = (drv_base.STATE_ERROR if errors
                     else _state(lag, rpo, None))
        lag = round(lag, 3)
        worst = lag if worst is None else max(worst, lag)
        db_api.protected_resource_update(
            context, plan.id, row.resource_type, row.resource_id,
            {'replication_state': state, 'lag_seconds': lag,
             'replica': replica},
            unless_state=drv_base.STATE_UNPROTECTED if sweep else None)
        per_resource.append({'type': row.resource_type,
                             'id': row.resource_id, 'state': state,
                             'lag_seconds': lag})
    figures = {'plan_id': plan.id, 'rpo_seconds': rpo,
               'rpo_seconds_achieved': worst, 'resources': per_resource,
               'measured_at': now}
    values = {'rpo_seconds_achieved': worst,
              'last_sync_at': timeutils.utcnow()}
    if not sweep:
        db_api.plan_update(context, plan.id, values, require_idle=False)
        return figures
    try:
        db_api.plan_update(context, plan.id, values, require_idle=True,
                           allowed_statuses=SWEPT_STATES)
    except exception.Conflict:
        LOG.debug('Plan %s changed during the sweep: figures not kept',
                  plan.id)
    return figures


def _state(lag: float, rpo: int | None, in_sync: bool | None) -> str:
    if in_sync:
        return drv_base.STATE_IN_SYNC
    if rpo is not None and lag > rpo:
        return drv_base.STATE_LAGGING
    if in_sync is False:
        return drv_base.STATE_REPLICATING
    return drv_base.STATE_IN_SYNC


def apply_rpo(context, plan_id: str, figures: dict,
              operation_id: str | None = None) -> str:
    """Degrade or recover the plan by its achieved RPO; notify a change."""
    plan = db_api.plan_get(context, plan_id)
    before = plan.status
    achieved = figures.get('rpo_seconds_achieved')
    if plan.rpo_seconds is None or achieved is None:
        return before
    event = states.DEGRADE if achieved > plan.rpo_seconds \
        else states.RECOVER
    after = db_api.plan_replication_event(context, plan_id, event,
                                          operation_id=operation_id)
    if after != before:
        LOG.info('Plan %(plan)s: %(before)s -> %(after)s (RPO %(rpo)ss, '
                 'target %(target)ss)',
                 {'plan': plan_id, 'before': before, 'after': after,
                  'rpo': achieved, 'target': plan.rpo_seconds})
        notify(context, 'dr.plan.%s' % ('degraded' if after ==
                                        states.DEGRADED else 'recovered'),
               {'plan_id': plan_id, 'project_id': plan.project_id,
                'status': after, 'previous_status': before,
                'rpo_seconds': plan.rpo_seconds,
                'rpo_seconds_achieved': achieved})
    return after


def notify(context, event_type: str, payload: dict) -> None:
    try:
        rpc.get_notifier('drs-engine').info(context, event_type, payload)
    except Exception as e:
        LOG.warning('Notification %(type)s not sent: %(err)s',
                    {'type': event_type, 'err': type(e).__name__})


# ------------------------------------------------------------- preflight

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
    plan, c = plan_clients(context, plan_id)
    mappings = plan.mappings or {}
    row = resource_row(plan, resource['type'], resource['id'])
    ref = resource_ref(resource)
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

    if resource['type'] == VOLUME:
        data = row.protect_data or {}
        check_volume_type(data.get('retyped_to') or data.get('volume_type'),
                          'volume %s' % resource['id'])
        needs['volumes'] += 1
        needs['gigabytes'] += int(data.get('size') or 0)
    elif resource['type'] == CONTAINER:
        target_os = c.object_storage('target')
        if not target_os.exists(resource['id']):
            findings.append(_finding(
                'error', 'missing_replica',
                'container %s does not exist at the target' %
                resource['id'], ref))
    elif resource['type'] == SERVER:
        recipes = {r.resource_id: r.recipe
                   for r in db_api.recipe_list(context, plan.id)}
        recipe = recipes.get(resource['id'])
        if recipe is None:
            findings.append(_finding('error', 'no_recipe',
                                     'no recovery recipe was captured',
                                     ref))
        else:
            _preflight_server(c, mappings, recipe, ref, findings, needs,
                              check_volume_type)
    return {'findings': findings, 'needs': needs}


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
    _plan, c = plan_clients(context, plan_id)
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


# ------------------------------------------------------------------ sweep


def sweep_plan(context, plan_id: str) -> dict[str, Any]:
    """Refresh recipes, measure, degrade/recover: one plan, no operation."""
    plan = db_api.plan_get(context, plan_id)
    for row in plan.resources:
        if row.resource_type == SERVER:
            try:
                capture_recipe(context, plan_id, row.resource_id)
            except Exception as e:
                LOG.warning('Plan %(plan)s: recipe of server %(server)s not '
                            'refreshed: %(err)s',
                            {'plan': plan_id, 'server': row.resource_id,
                             'err': type(e).__name__})
    figures = measure(context, plan_id, sweep=True)
    figures['plan_status'] = apply_rpo(context, plan_id, figures)
    return figures


def sweep(context) -> int:
    """The periodic sweep over every protected plan that runs nothing.

    A plan's failure is logged and the sweep goes on. Returns how many
    plans were measured.
    """
    done = 0
    plans = [plan for status in SWEPT_STATES
             for plan in db_api.plan_list(context, filters={'status': status})]
    for plan in plans:
        if plan.current_operation_id or not plan.trust_id:
            continue
        try:
            sweep_plan(context, plan.id)
            done += 1
        except Exception as e:
            LOG.warning('Plan %(plan)s: replication sweep failed: '
                        '%(err)s', {'plan': plan.id,
                                    'err': type(e).__name__})
    return done
