"""Protection of a plan's resources at the source site: existence in the
plan's project, replicated volume types (or a retype), Tiramisu groups, and
the recovery recipes of servers. Called by the protect, unprotect and sync
tasks (:mod:`drs.engine.tasks.protection`) and the sweep."""

from typing import Any

from oslo_config import cfg
from oslo_log import log

from drs.db import api as db_api
from drs.drivers import base as drv_base
from drs.drivers import clients as drv_clients
from drs.engine import listings
from drs.engine import plans
from drs.engine import resources

CONF = cfg.CONF
LOG = log.getLogger(__name__)


# ----------------------------------------------------------------- checks

def check_exists(context, plan_id: str, resource: dict,
                 share: str | None = None) -> dict:
    """The resource as the source site shows it, if the plan's project
    owns it (protect's first step, before anything changes); with
    ``share``, from list calls the operation's checks share.

    Ownership is the resource's owner attribute (a server's project, a
    volume's tenant attribute, a container's account), not visibility:
    an admin-scoped token sees other projects' servers and volumes.
    Raises :class:`drs.drivers.base.ResourceNotFound` or
    :class:`drs.drivers.base.ForeignResource`, naming the resource.
    """
    _plan, c = plans.plan_clients(context, plan_id)
    steps = resources.steps_for(resource['type'])
    if share is None:
        return steps.check_exists(c, resource['id'])
    return steps.check_listed(c, resource['id'], listings.of(share))


def check_resources(context, project_id: str, site_id: str,
                    refs: list[dict]) -> dict[str, Any]:
    """The API's check of a plan's resources before it stores them.

    Run by the engine for the API (a synchronous RPC call): with the
    caller's own token at the source site, every resource must be
    ``project_id``'s (each type's ``check_owned``). Returns
    ``{'checked': True, 'refused': [{'index', 'type', 'id', 'code',
    'detail'}]}``, or ``{'checked': False, 'reason': ...}`` where the
    site could not be asked (unreachable, no token): the engine checks
    again at protect and at every sync, so the API lets the plan be
    stored.
    """
    if not context.auth_token:
        return {'checked': False, 'reason': 'the request has no token'}
    try:
        site = db_api.site_get(context, site_id)
        source = drv_clients.caller_clients(context, site).at('source')
        refused = []
        for index, res in enumerate(refs):
            try:
                resources.steps_for(res['type']).check_owned(
                    source, project_id, res['id'])
            except (drv_base.ResourceNotFound,
                    drv_base.ForeignResource) as e:
                refused.append({'index': index, 'type': res['type'],
                                'id': res['id'], 'code': e.code,
                                'detail': str(e)})
    except Exception as e:
        LOG.warning('The resources of a plan of project %(project)s could '
                    'not be checked at site %(site)s: %(err)s',
                    {'project': project_id, 'site': site_id,
                     'err': type(e).__name__})
        return {'checked': False, 'reason': type(e).__name__}
    return {'checked': True, 'refused': refused}


# ---------------------------------------------------------------- volumes

def source_volumes(c: drv_clients.PlanClients,
                   shared: listings.Listings) -> dict[str, dict]:
    """The project's volumes at the source by id, listed once for the
    operation (``shared``)."""
    return shared.get(('volumes', 'source'), lambda: {
        v['id']: v for v in c.volume('source').list_volumes()})


def protect_volume(c: drv_clients.PlanClients, plan, volume_id: str,
                   owner: str, shared: listings.Listings | None = None
                   ) -> dict[str, Any]:
    """Make one volume replicated; returns its ``protect_data``.

    ``owner`` names what the volume is protected for (itself or a
    server), for messages. With group replication the volume joins the
    plan's group later (:func:`protect_group`); Cinder wants the types of
    a replicated group replication-enabled too, so the type is checked
    (or changed) the same way.
    """
    volumes = c.volume('source')
    listed = source_volumes(c, shared) if shared is not None else {}
    # The listing is the plan's project's own: what it holds is the
    # project's; anything else is read with its owner checked.
    vol = listed.get(volume_id) or volumes.get_owned_volume(
        volume_id, plan.project_id)
    if shared is None:
        get_type = volumes.get_volume_type
    else:
        types = shared.get(('volume_types', 'source'),
                           volumes.list_volume_types)

        def get_type(name_or_id: str) -> dict | None:
            return next((t for t in types
                         if name_or_id in (t['id'], t['name'])), None)
    data: dict[str, Any] = {'volume_type': vol['volume_type'],
                            'size': vol['size'],
                            'protected_at': plans._now()}
    group = (plan.options or {}).get('volume_replication') == plans.GROUP_MODE
    data['mode'] = plans.GROUP_MODE if group else 'volume-type'
    vtype = get_type(vol['volume_type'])
    if vtype is not None and vtype['replicated']:
        return data
    mapped = (plans.plan_mappings(plan).get('volume_types') or {}).get(
        vol['volume_type'])
    mapped_type = get_type(mapped) if mapped else None
    if mapped_type is None or not mapped_type['replicated']:
        raise drv_base.DriverError(
            detail='volume %s (%s) is of type %s, which is not '
            'replicated, and the plan maps it to no replicated volume '
            'type' % (volume_id, owner, vol['volume_type']))
    retyped = volumes.retype(volume_id, mapped_type['name'])
    if volume_id in listed:
        listed[volume_id] = retyped
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
    plan, c = plans.plan_clients(context, plan_id)
    if (plan.options or {}).get('volume_replication') != plans.GROUP_MODE:
        return None
    volumes = c.volume('source')
    if not volumes.group_replication_supported():
        raise drv_base.DriverError(
            detail='the plan asks for group replication, which site %s '
            'does not support (Block Storage 3.38 and a group type with '
            'consistent_group_replication_enabled)' % volumes.site_name)
    ids = plans.plan_volume_ids(plan)
    group = volumes.ensure_replication_group(plans.group_name(plan.id), ids)
    for row in plan.resources:
        if resources.steps_for(row.resource_type).has_volumes:
            data = dict(row.protect_data or {})
            data['group'] = {'id': group['id'],
                             'added': [v for v in group['added_volumes']
                                       if v in plans.row_volume_ids(row)]}
            db_api.protected_resource_update(
                context, plan.id, row.resource_type, row.resource_id,
                {'protect_data': data})
    return {'id': group['id'], 'volumes': ids}


# ---------------------------------------------------------------- servers

def capture_recipe(context, plan_id: str, server_id: str,
                   save: bool = True, share: str | None = None
                   ) -> dict[str, Any]:
    """The server's recovery recipe, saved in the plan (no secrets).

    Only of a server, and volumes, of the plan's project
    (:class:`drs.drivers.base.ForeignResource` otherwise: nothing is
    read beyond the owner). With ``share`` (the key of the operation, or
    of the sweep pass) the first caller captures the recipes of all the
    plan's servers from the project's list calls and each caller takes
    its own (:mod:`drs.engine.listings`); a server not among them (gone,
    another project's, or asked a second time in the same run) is read
    on its own, as without ``share``.
    """
    recipe = None
    if share is not None:
        shared = listings.of(share)
        recipe = shared.get(('recipes', plan_id), lambda: _plan_recipes(
            context, plan_id, shared)).pop(server_id, None)
    if recipe is None:
        plan, c = plans.plan_clients(context, plan_id)
        compute = c.compute('source')
        compute.get_owned_server(server_id, plan.project_id)
        recipe = compute.capture_recipe(server_id, c.network('source'))
        volumes = c.volume('source')
        _volume_facts(recipe, server_id, lambda vid: volumes.get_owned_volume(
            vid, plan.project_id))
    if save:
        db_api.recipe_save(context, plan_id, server_id, recipe)
    return recipe


def refresh_recipe(context, plan_id: str, server_id: str,
                   share: str | None = None) -> dict[str, Any]:
    """The sync's recipe refresh: :func:`capture_recipe`, except that a
    server (or volume) that is not the plan's project's does not fail the
    sync: its recipe is deleted (drs keeps nothing of another project)
    and ``foreign`` says why; the measurement then marks it and degrades
    the plan."""
    try:
        recipe = capture_recipe(context, plan_id, server_id, share=share)
    except drv_base.ForeignResource as e:
        LOG.warning('Plan %(plan)s: %(err)s; its recipe is deleted',
                    {'plan': plan_id, 'err': e})
        db_api.recipe_delete(context, plan_id, server_id)
        return {'server_id': server_id, 'foreign': str(e)}
    return {'server_id': server_id,
            'volume_ids': plans.recipe_volume_ids(recipe)}


def _volume_facts(recipe: dict, server_id: str, get_volume) -> None:
    """Size, type and bootable of the recipe's volumes, and their
    Block Storage attachment to the server."""
    for entry in ([recipe['boot_volume']] if recipe['boot_volume'] else []) \
            + recipe['data_volumes']:
        vol = get_volume(entry['id'])
        entry.update(size=vol['size'], volume_type=vol['volume_type'],
                     bootable=vol['bootable'])
        if 'attachment_id' not in entry:
            entry['attachment_id'] = next(
                (a.get('attachment_id') for a in vol.get('attachments') or []
                 if a.get('server_id') == server_id), None)


def _plan_recipes(context, plan_id: str, shared: listings.Listings
                  ) -> dict[str, dict]:
    """The recipes of every server of the plan, from list calls."""
    plan, c = plans.plan_clients(context, plan_id)
    ids = [row.resource_id for row in plan.resources
           if row.resource_type == plans.SERVER]
    volumes = source_volumes(c, shared)
    attachments: dict[str, list[dict]] = {}
    for vol in volumes.values():
        for a in vol.get('attachments') or []:
            attachments.setdefault(a.get('server_id'), []).append(
                {'id': vol['id'], 'device': a.get('device'),
                 'attachment_id': a.get('attachment_id')})
    previous = {row.resource_id: row.recipe or {}
                for row in db_api.recipe_list(context, plan_id)}
    recipes = c.compute('source').capture_recipes(
        ids, c.network('source'), attachments, previous)
    for sid, recipe in recipes.items():
        _volume_facts(recipe, sid, lambda vid: volumes.get(vid)
                      or c.volume('source').get_owned_volume(
                          vid, plan.project_id))
    return recipes
