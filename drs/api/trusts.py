"""Keystone trusts of plans, created and deleted by the API.

A plan's trust is created when the plan is, from the caller's token
(keystonemiddleware's ``keystone.token_auth`` plugin): trustor the caller,
trustee drs's service user (``[service_auth]``), the caller's roles in the
project, impersonation. Only its id is stored (``plans.trust_id``, never
shown). It is deleted with the plan.

Trusts need Keystone: with ``[api] auth_strategy = noauth`` (tests,
development) plans are created without a trust. With Keystone but
without ``[service_auth]`` no trust can be made and the engine could never
act for the plan: creating one is refused (503,
``drs.plan.no_service_credentials``) rather than accepting a plan whose
protect would fail later.
"""

from oslo_config import cfg
from oslo_log import log
import pecan

from drs.common import identity
from drs import exception

CONF = cfg.CONF
LOG = log.getLogger(__name__)

TOKEN_AUTH_ENV = 'keystone.token_auth'  # noqa: S105 - an environ key


def enabled() -> bool:
    return (CONF.api.auth_strategy == 'keystone'
            and identity.service_auth_configured())


def create(context) -> str | None:
    """A trust for a new plan of the caller, or None (see the module)."""
    if CONF.api.auth_strategy != 'keystone':
        return None
    if not identity.service_auth_configured():
        LOG.warning('Plan creation refused: [service_auth] is not '
                    'configured, so no trust can be made for the engine.')
        raise exception.NoServiceCredentials()
    user_auth = pecan.request.environ.get(TOKEN_AUTH_ENV)
    if user_auth is None:
        raise exception.NoServiceCredentials()
    return identity.create_trust(user_auth, context.user_id,
                                context.project_id, list(context.roles))


def delete(trust_id: str | None) -> None:
    """Delete a deleted plan's trust; never fails the request."""
    if not trust_id:
        return
    user_auth = pecan.request.environ.get(TOKEN_AUTH_ENV)
    identity.delete_trust(trust_id, user_auth)
