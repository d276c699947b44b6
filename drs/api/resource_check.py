"""The API's check that a plan's resources belong to its project.

The API imports no cloud driver: the engine checks, with its drivers and
the caller's own token at the source site, in one synchronous RPC call
(:meth:`drs.engine.rpcapi.EngineAPI.check_resources`, ``[api]
resource_check_timeout``). A resource the caller's project does not own
(an admin-scoped token sees other projects' servers and volumes) or
cannot see is refused with a 400 (``drs.plan.resource_not_in_project``)
before anything is stored.

When the engine or the source site does not answer, the plan is stored
unchecked and a warning is logged: a plan for disaster recovery can be
written while a site is down, and the engine checks every resource again
at protect and at every sync before it acts on one. The API's check is
the early, clear answer; the engine's is the guard.
"""

from oslo_config import cfg
from oslo_log import log
import oslo_messaging as messaging
import pecan

from drs import exception

CONF = cfg.CONF
LOG = log.getLogger(__name__)


def check(context, project_id: str, site_id: str,
          resources: list[dict]) -> None:
    """Raise :class:`drs.exception.ResourceNotInProject` for a resource
    of ``resources`` that is not ``project_id``'s at ``site_id``."""
    timeout = CONF.api.resource_check_timeout
    if not resources or not timeout or not context.auth_token:
        return
    refs = [{'type': r['type'], 'id': r['id']} for r in resources]
    try:
        result = pecan.request.rpcapi.check_resources(
            context, project_id, site_id, refs, timeout)
    except (messaging.MessagingException,
            messaging.MessageUndeliverable) as e:
        LOG.warning('The resources of a plan of project %(project)s were '
                    'not checked (the engine did not answer: %(err)s); '
                    'protect checks them', {'project': project_id,
                                            'err': type(e).__name__})
        return
    if not result.get('checked'):
        LOG.warning('The resources of a plan of project %(project)s were '
                    'not checked at site %(site)s (%(reason)s); protect '
                    'checks them', {'project': project_id, 'site': site_id,
                                    'reason': result.get('reason')})
        return
    refused = result.get('refused') or []
    if refused:
        raise exception.ResourceNotInProject(
            name='plan.resources[%d]' % refused[0]['index'],
            detail='; '.join(r['detail'] for r in refused))
