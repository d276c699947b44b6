"""/v1/plans: protection plans, owned by a project."""

import functools

from oslo_log import log
import pecan
from pecan import rest

from drs.api.controllers.v1 import actions
from drs.api.controllers.v1 import common
from drs.api.controllers import base
from drs.api import resource_check
from drs.api.schemas.v1 import plans as schema
from drs.api import trusts
from drs.api import links
from drs.api import validation
from drs.common import states
from drs.common import timeutils
from drs.db import api as db_api
from drs import exception
from drs import policy

LOG = log.getLogger(__name__)

SORT_KEYS = ('created_at', 'name', 'status', 'updated_at', 'id')
FILTERS = ('name', 'status')

# Changing what is protected, or where, needs a plan that protects nothing.
_UNPROTECTED = (states.AVAILABLE, states.ERROR)
# A plan is deleted when it protects nothing, or after a failover (its
# workload runs at the target, which keeps everything recovered there:
# deleting only makes drs forget the plan, without reprotect).
_DELETABLE = _UNPROTECTED + (states.FAILED_OVER,)
_STRUCTURAL = ('source_site', 'target_site', 'resources')

DEFAULT_OPTIONS = {'volume_replication': 'volume-type',
                   'test_network_isolation': True}


@functools.cache
def _create_schema() -> dict:
    return schema.create()


@functools.cache
def _update_schema() -> dict:
    return schema.update()


def resource_view(res) -> dict:
    return {
        'type': res.resource_type,
        'id': res.resource_id,
        'tier': res.tier,
        'replication': {
            'state': res.replication_state,
            'lag_seconds': res.lag_seconds,
            'replica': res.replica or None,
        },
    }


def plan_view(plan) -> dict:
    return {
        'id': plan.id,
        'name': plan.name,
        'description': plan.description,
        'project_id': plan.project_id,
        'user_id': plan.user_id,
        'source_site': plan.source_site_id,
        'target_site': plan.target_site_id,
        'status': plan.status,
        'reversed': plan.reversed,
        'test_active': plan.test_active,
        'rpo_seconds': plan.rpo_seconds,
        'rpo_seconds_achieved': plan.rpo_seconds_achieved,
        'last_sync_at': timeutils.isotime(plan.last_sync_at),
        'current_operation': plan.current_operation_id,
        'resources': [resource_view(r) for r in plan.resources],
        'mappings': plan.mappings,
        'options': plan.options,
        'created_at': timeutils.isotime(plan.created_at),
        'updated_at': timeutils.isotime(plan.updated_at),
        'links': [links.self_link('v1', 'plans', plan.id)],
    }


def _site_id(context, ref: str, field: str) -> str:
    try:
        return db_api.site_get(context, ref).id
    except exception.SiteNotFound:
        raise exception.InvalidParameter(
            name=field, detail='site %r does not exist' % ref)


def _resources(items: list[dict]) -> list[dict]:
    seen = set()
    for index, item in enumerate(items):
        key = (item['type'], item['id'])
        if key in seen:
            raise exception.InvalidParameter(
                name='plan.resources[%d]' % index,
                detail='%s %s is listed twice' % key)
        seen.add(key)
    return items


def _plan_values(context, body: dict, current=None) -> dict:
    """Database values of a create or update body, cross-field checked."""
    values = {k: body[k] for k in ('name', 'description', 'rpo_seconds')
              if k in body}
    for field in ('source_site', 'target_site'):
        if field in body:
            values[field + '_id'] = _site_id(context, body[field],
                                             'plan.' + field)
    source = values.get('source_site_id',
                        current.source_site_id if current else None)
    target = values.get('target_site_id',
                        current.target_site_id if current else None)
    if source == target:
        raise exception.InvalidParameter(
            name='plan.target_site',
            detail='the target site must differ from the source site')
    if 'mappings' in body:
        values['mappings'] = {kind: dict(body['mappings'].get(kind, {}))
                              for kind in schema.MAPPING_KINDS}
    if 'options' in body:
        base = dict(current.options) if current else dict(DEFAULT_OPTIONS)
        base.update(body['options'])
        values['options'] = base
    return values


def _check_resources(context, plan, values: dict,
                     resources: list[dict] | None) -> None:
    """An update's resources are the plan's project's at the site it
    protects from (the target once the plan was reversed)."""
    if resources is None:
        resources = [{'type': r.resource_type, 'id': r.resource_id}
                     for r in plan.resources]
    source = values.get('source_site_id', plan.source_site_id)
    target = values.get('target_site_id', plan.target_site_id)
    resource_check.check(context, plan.project_id,
                         target if plan.reversed else source, resources)


class RecipesController(rest.RestController):
    """/v1/plans/{plan_id}/recipes: the captured server recipes."""

    @pecan.expose('json')
    def get_all(self, plan_id):
        context = pecan.request.context
        plan = common.get_plan(context, plan_id, 'dr:plan:get')
        return {'recipes': [
            {'resource_id': r.resource_id,
             'captured_at': timeutils.isotime(r.captured_at),
             'recipe': r.recipe}
            for r in db_api.recipe_list(context, plan.id)]}


class PlansController(base.CollectionController):

    recipes = RecipesController()

    actions = actions.ActionsController()

    @pecan.expose('json')
    def get_all(self, **kwargs):
        context = pecan.request.context
        params = validation.query(
            validation.PAGINATION_PARAMS | set(FILTERS) | {'all_projects'})
        project_id = context.project_id
        policy.authorize('dr:plan:get_all', context,
                         {'project_id': project_id})
        if validation.boolean(params, 'all_projects'):
            policy.authorize('dr:plan:get_all:all_projects', context)
            project_id = None
        page = validation.pagination(params, SORT_KEYS)
        filters = {k: params[k] for k in FILTERS if k in params}
        rows = db_api.plan_list(context, project_id=project_id,
                                filters=filters, **page)
        items = [plan_view(p) for p in rows]
        return {'plans': items,
                'links': links.collection_links(items, page['limit'])}

    @pecan.expose('json')
    def get_one(self, plan_id):
        context = pecan.request.context
        plan = common.get_plan(context, plan_id, 'dr:plan:get')
        return {'plan': plan_view(plan)}

    @pecan.expose('json')
    def post(self, **kwargs):
        context = pecan.request.context
        policy.authorize('dr:plan:create', context,
                         {'project_id': context.project_id})
        body = validation.body(_create_schema())['plan']
        body.setdefault('mappings', {})
        body.setdefault('options', {})
        values = _plan_values(context, body)
        values.update(project_id=context.project_id,
                      user_id=context.user_id,
                      status=states.AVAILABLE)
        resources = _resources(body.get('resources', []))
        resource_check.check(context, context.project_id,
                             values['source_site_id'], resources)
        # The engine acts in the project through this trust (its id only
        # is kept); deleted again if the plan cannot be stored.
        values['trust_id'] = trusts.create(context)
        try:
            plan = db_api.plan_create(context, values, resources)
        except Exception:
            trusts.delete(values['trust_id'])
            raise
        pecan.response.status = 201
        pecan.response.location = links.self_link('v1', 'plans',
                                                  plan.id)['href']
        return {'plan': plan_view(plan)}

    @pecan.expose('json')
    def patch(self, plan_id, **kwargs):
        context = pecan.request.context
        plan = common.get_plan(context, plan_id, 'dr:plan:update')
        body = validation.body(_update_schema())['plan']
        values = _plan_values(context, body, current=plan)
        resources = body.get('resources')
        if resources is not None:
            _resources(resources)
        if resources is not None or 'source_site' in body:
            _check_resources(context, plan, values, resources)
        structural = any(k in body for k in _STRUCTURAL)
        # Renaming is fine at any time; anything the engine reads is not
        # changed under a running operation.
        require_idle = set(body) - {'name', 'description', 'rpo_seconds'}
        plan = db_api.plan_update(
            context, plan.id, values, resources=resources,
            require_idle=bool(require_idle),
            allowed_statuses=_UNPROTECTED if structural else None)
        return {'plan': plan_view(plan)}

    @pecan.expose('json')
    def delete(self, plan_id):
        context = pecan.request.context
        plan = common.get_plan(context, plan_id, 'dr:plan:delete')
        db_api.plan_delete(context, plan.id, allowed_statuses=_DELETABLE)
        if plan.status == states.FAILED_OVER:
            LOG.info('Plan %s deleted after its failover: what was '
                     'recovered at site %s is kept as it is.',
                     plan.id, plan.target_site_id)
        trusts.delete(plan.trust_id)
        pecan.response.status = 204
