"""POST /v1/plans/{plan_id}/actions: start an operation on a plan."""

import oslo_messaging as messaging
from oslo_log import log
import pecan
from pecan import rest

from drs.api.controllers.v1 import operations
from drs.api.controllers.v1 import common
from drs.api.schemas.v1 import actions as schema
from drs.api import validation
from drs.db import api as db_api

LOG = log.getLogger(__name__)


class ActionsController(rest.RestController):

    @pecan.expose('json')
    def post(self, plan_id):
        context = pecan.request.context
        body = validation.body(schema.ACTION)
        (action, parameters), = body.items()
        # One rule per action, so that test and recovery permissions can
        # be split.
        plan = common.get_plan(context, plan_id,
                               'dr:plan:action:%s' % action)
        # Commit the PENDING operation first, then cast: an engine never
        # sees an operation that is not in the database, and one cast while
        # no engine runs is found by the next engine that starts.
        op = db_api.operation_create(context, plan.id, action,
                                     parameters or {})
        try:
            pecan.request.rpcapi.run_operation(context, op.id)
        except messaging.MessagingException as e:
            LOG.warning('Operation %(op)s is queued but the engine could '
                        'not be told now (%(err)s); an engine picks it up '
                        'when it starts.',
                        {'op': op.id, 'err': type(e).__name__})
        pecan.response.status = 202
        return {'operation': operations.operation_view(op)}
