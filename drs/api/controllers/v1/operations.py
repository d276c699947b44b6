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


def _seconds(start, end) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds(), 3)


def operation_report(op, events) -> dict:
    """Per step and resource: start, end, outcome; RTO and RPO.

    Built from the operation's events. ``rto_seconds``: from the request
    to the last re-created server ACTIVE (the ``wait-active`` steps);
    ``rpo_seconds``: the age of the newest replicated data at the
    cut-off, as the recovery recorded it. Preflight adds its findings.
    """
    steps: dict[tuple, dict] = {}
    order: list[tuple] = []
    for ev in events:
        key = (ev.step, ev.resource_type, ev.resource_id)
        if key not in steps:
            resource = None
            if ev.resource_type or ev.resource_id:
                resource = {'type': ev.resource_type, 'id': ev.resource_id}
            steps[key] = {'step': ev.step, 'resource': resource,
                          'started_at': None, 'ended_at': None,
                          'outcome': None, 'message': None,
                          '_start': None, '_end': None}
            order.append(key)
        entry = steps[key]
        if ev.state == 'started':
            entry['_start'] = entry['_start'] or ev.at
            entry['outcome'] = 'running'
        else:
            if ev.state in ('succeeded', 'failed') or \
                    entry['_end'] is None:
                entry['_end'] = ev.at
            entry['outcome'] = ev.state
            entry['message'] = ev.message or entry['message']
    last_active = None
    out_steps = []
    for key in order:
        entry = steps[key]
        # A one-event record (a creation noted by a step) starts and ends
        # at once.
        entry['_start'] = entry['_start'] or entry['_end']
        entry['started_at'] = timeutils.isotime(entry['_start'])
        entry['ended_at'] = timeutils.isotime(entry['_end'])
        entry['duration_seconds'] = _seconds(entry['_start'], entry['_end'])
        if (entry['step'] or '').startswith('wait-active') and \
                entry['outcome'] == 'succeeded':
            last_active = max(last_active or entry['_end'], entry['_end'])
        del entry['_start'], entry['_end']
        out_steps.append(entry)
    result = dict(op.result or {})
    report = {
        'operation_id': op.id, 'plan_id': op.plan_id, 'action': op.action,
        'status': op.status, 'requested_at': timeutils.isotime(
            op.created_at),
        'started_at': timeutils.isotime(op.started_at),
        'finished_at': timeutils.isotime(op.finished_at),
        'duration_seconds': _seconds(op.created_at, op.finished_at),
        'rto_seconds': _seconds(op.created_at, last_active),
        'rpo_seconds': result.get('rpo_seconds', (
            result.get('cutoff') or {}).get('rpo_seconds')),
        'error': op.error,
        'steps': out_steps,
    }
    if op.action in ('preflight', 'sync'):
        # A sync's: resources not replicated any more, or not the plan's
        # project's (the plan is then degraded).
        report['findings'] = result.get('findings') or []
    return report


class ReportController(rest.RestController):

    @pecan.expose('json')
    def get_all(self, operation_id):
        context = pecan.request.context
        op = common.get_operation(context, operation_id, 'dr:operation:get')
        return {'report': operation_report(
            op, db_api.event_list(context, op.id))}


class OperationsController(rest.RestController):

    events = EventsController()
    report = ReportController()

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
