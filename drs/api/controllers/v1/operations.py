"""/v1/operations: runs of actions on plans, with progress and events."""

import pecan
from pecan import rest

from drs.api.controllers.v1 import common
from drs.api import links
from drs.api import validation
from drs.common import states
from drs.common import timeutils
from drs.db import api as db_api
from drs import exception
from drs import policy

SORT_KEYS = ('created_at', 'status', 'action', 'id')


def operation_view(op) -> dict:
    return {
        'id': op.id,
        'plan_id': op.plan_id,
        'project_id': op.project_id,
        'action': op.action,
        'status': op.status,
        'parameters': op.parameters,
        'progress': {'done': op.progress_done, 'total': op.progress_total,
                     'current': op.current_step},
        'error': op.error,
        'created_at': timeutils.isotime(op.created_at),
        'started_at': timeutils.isotime(op.started_at),
        'finished_at': timeutils.isotime(op.finished_at),
        'links': [links.self_link('v1', 'operations', op.id)],
    }


def event_view(event) -> dict:
    resource = None
    if event.resource_type or event.resource_id:
        resource = {'type': event.resource_type, 'id': event.resource_id}
    return {'at': timeutils.isotime(event.at), 'step': event.step,
            'resource': resource, 'state': event.state,
            'message': event.message}


class EventsController(rest.RestController):

    @pecan.expose('json')
    def get_all(self, operation_id):
        context = pecan.request.context
        op = common.get_operation(context, operation_id, 'dr:operation:get')
        return {'events': [event_view(e)
                           for e in db_api.event_list(context, op.id)]}


class OperationsController(rest.RestController):

    events = EventsController()

    _custom_actions = {'cancel': ['POST']}

    @pecan.expose('json')
    def get_all(self, **kwargs):
        context = pecan.request.context
        params = validation.query(validation.PAGINATION_PARAMS | {
            'plan_id', 'action', 'status', 'all_projects'})
        project_id = context.project_id
        policy.authorize('dr:operation:get_all', context,
                         {'project_id': project_id})
        if validation.boolean(params, 'all_projects'):
            policy.authorize('dr:plan:get_all:all_projects', context)
            project_id = None
        filters = {}
        plan_id = validation.uuid_param(params, 'plan_id')
        if plan_id:
            filters['plan_id'] = plan_id
        if 'action' in params:
            if params['action'] not in states.ACTIONS:
                raise exception.InvalidParameter(
                    name='action', detail='%r is not an action'
                    % params['action'])
            filters['action'] = params['action']
        if 'status' in params:
            if params['status'] not in states.OP_STATES:
                raise exception.InvalidParameter(
                    name='status', detail='%r is not an operation status'
                    % params['status'])
            filters['status'] = params['status']
        page = validation.pagination(params, SORT_KEYS)
        rows = db_api.operation_list(context, project_id=project_id,
                                     filters=filters, **page)
        items = [operation_view(o) for o in rows]
        return {'operations': items,
                'links': links.collection_links(items, page['limit'])}

    @pecan.expose('json')
    def get_one(self, operation_id):
        context = pecan.request.context
        return {'operation': operation_view(
            common.get_operation(context, operation_id, 'dr:operation:get'))}

    @pecan.expose('json')
    def cancel(self, operation_id):
        context = pecan.request.context
        op = common.get_operation(context, operation_id, 'dr:operation:cancel')
        if op.status == states.OP_PENDING:
            op = db_api.operation_finish(context, op.id, 'cancel')
        else:
            op = db_api.operation_transition(context, op.id, 'cancel')
            pecan.request.rpcapi.cancel_operation(context, op.id)
        pecan.response.status = 202
        return {'operation': operation_view(op)}
