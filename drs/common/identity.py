"""Keystone for drs: per-site keystoneauth1 sessions and plan trusts.

The API creates and deletes the trusts of plans; the engine's drivers act
through the sessions. This module needs Keystone only, never a cloud
driver, so the API imports no driver.

Sessions are built from a site row of the ``sites`` table (its auth URL,
region, interface, TLS verification and endpoint overrides):

* :func:`trust_session` acts in a tenant's project through the Keystone
  trust of a plan: drs's service user (``[service_auth]``) authenticates
  with the trust id and gets trust-scoped tokens (the trustor's roles in
  the project, impersonating the trustor);
* :func:`service_session` is drs itself, for admin-only reads.

Nothing here logs a token, a password or a trust id.
"""

import collections
import threading
import time
from typing import Any

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1.identity import v3
from keystoneauth1 import loading as ks_loading
from keystoneauth1 import session as ks_session
from oslo_config import cfg
from oslo_log import log
from drs import exception
from drs.i18n import _

CONF = cfg.CONF
LOG = log.getLogger(__name__)

GROUP = 'service_auth'

class TrustError(exception.DrsException):
    msg_fmt = _('Keystone trust: %(detail)s')
    code = 'drs.trust.error'


def site_dict(site: Any) -> dict[str, Any]:
    """The plain-dict view of a site row the drivers take."""
    if isinstance(site, dict):
        return site
    return {'id': site.id, 'name': site.name,
            'region_name': site.region_name, 'auth_url': site.auth_url,
            'interface': site.interface,
            'verify_tls': bool(site.verify_tls),
            'endpoint_overrides': dict(site.endpoint_overrides or {})}


def service_auth_configured() -> bool:
    return bool(CONF[GROUP].auth_type)


def _load_auth(**overrides):
    if not service_auth_configured():
        raise TrustError(detail='[service_auth] is not configured: drs '
                         'has no credentials of its own')
    auth = ks_loading.load_auth_from_conf_options(CONF, GROUP, **overrides)
    if auth is None:
        raise TrustError(detail='[service_auth] could not be loaded')
    return auth


# Version discovery documents, shared by every session of the process:
# they describe the services (versions, microversion ranges), the same
# for every project, and hold nothing secret. A session of its own would
# discover each endpoint again for every plan's trust and after every
# ``trust_session_ttl``.
_DISCOVERY_CACHE: dict[str, Any] = {}


def _session(auth, site: dict | None = None) -> ks_session.Session:
    sess = ks_loading.load_session_from_conf_options(
        CONF, GROUP, auth=auth, discovery_cache=_DISCOVERY_CACHE)
    if site is not None and not site.get('verify_tls', True):
        sess.verify = False
    return sess


# Sessions are reused across tasks and sweeps of a process: each one
# keeps its token instead of authenticating again, for at most ``ttl``
# seconds when one is given (trust sessions: ``[engine]
# trust_session_ttl``), so that a revoked trust stops the engine within
# that bound instead of when the token expires.
_CACHE: collections.OrderedDict = collections.OrderedDict()
_CACHE_SIZE = 256
_CACHE_LOCK = threading.Lock()


def _cached(key: tuple, make, ttl: float | None = None
            ) -> ks_session.Session:
    now = time.monotonic()
    with _CACHE_LOCK:
        if key in _CACHE:
            sess, made_at = _CACHE[key]
            if ttl is None or now - made_at < ttl:
                _CACHE.move_to_end(key)
                return sess
            del _CACHE[key]
    sess = make()
    with _CACHE_LOCK:
        _CACHE[key] = (sess, now)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return sess


def forget_sessions() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()


def _site_key(site: dict | None) -> tuple:
    if site is None:
        return (None, None)
    return (site.get('auth_url'), bool(site.get('verify_tls', True)))


def service_session(site: dict | None = None) -> ks_session.Session:
    """drs's own session (its project in ``[service_auth]``)."""
    overrides = {}
    if site is not None and site.get('auth_url'):
        overrides['auth_url'] = site['auth_url']
    return _cached(('service',) + _site_key(site),
                   lambda: _session(_load_auth(**overrides), site))


def trust_session(site: dict, trust_id: str | None) -> ks_session.Session:
    """A session of trust-scoped tokens in the plan's project at ``site``.

    The trust is redeemed by drs's service user against the site's
    Keystone (one Keystone is shared by the sites of a pair).
    """
    if not trust_id:
        raise TrustError(detail='the plan has no trust: it was created '
                         'without Keystone authentication, so drs cannot '
                         'act in its project')
    # A trust-scoped token has no other scope: the project comes from
    # the trust.
    overrides: dict[str, Any] = {
        k: None for k in ('project_id', 'project_name', 'project_domain_id',
                          'project_domain_name', 'domain_id', 'domain_name',
                          'system_scope')}
    overrides['trust_id'] = trust_id
    if site.get('auth_url'):
        overrides['auth_url'] = site['auth_url']

    return _cached(('trust', trust_id) + _site_key(site),
                   lambda: _session(_load_auth(**overrides), site),
                   ttl=CONF.engine.trust_session_ttl)


TRUST_REVOKED = ('the plan\'s Keystone trust is no longer valid (deleted, '
                 'or its trustor lost the delegated roles in the project): '
                 'drs cannot act for the plan any more; re-create the plan '
                 'to delegate again')


def plan_session(site: dict, trust_id: str | None) -> ks_session.Session:
    """:func:`trust_session`, authenticated: a trust Keystone refuses
    (revoked) fails here with a clear, secret-free :class:`TrustError`
    rather than as a bare 401 in a driver's first call. Costs nothing
    while the session's token is cached (at most ``[engine]
    trust_session_ttl`` seconds)."""
    sess = trust_session(site, trust_id)
    _authenticate(sess, TRUST_REVOKED)
    return sess


def _authenticate(sess: ks_session.Session, refused: str) -> None:
    """Authenticate now, so that refused credentials fail here, with
    ``refused`` (secret-free) as the message, not in a driver's first
    call with a bare 401."""
    try:
        sess.get_token()
    except (ks_exc.Unauthorized, ks_exc.Forbidden, ks_exc.NotFound) as e:
        LOG.warning('Keystone refused drs\'s credentials: %s',
                    type(e).__name__)
        raise TrustError(detail=refused)


def token_session(site: dict, token: str | None,
                  project_id: str | None) -> ks_session.Session:
    """A session with the caller's own token, re-scoped to its project
    at ``site``'s Keystone (for the catalog). Never cached: it lives as
    long as the request it serves."""
    if not token:
        raise TrustError(detail='the request carries no token')
    auth = v3.Token(auth_url=str(site['auth_url']), token=token,
                    project_id=project_id)
    sess = _session(auth, site)
    _authenticate(sess, 'Keystone refused the caller\'s token')
    return sess


# --------------------------------------------------------------- trusts

def _identity_client(sess: ks_session.Session) -> Any:
    # Imported when a trust is made or deleted: keystoneclient's modules
    # (some 2 MiB) are not held by every drs process from its start.
    from keystoneclient.v3 import client as ks_client
    return ks_client.Client(session=sess,
                            interface=CONF.drivers.identity_interface)


def create_trust(user_auth, user_id: str, project_id: str,
                 roles: list[str]) -> str:
    """A trust from the caller to drs's service user; returns its id.

    ``user_auth`` is the caller's auth plugin (keystonemiddleware's
    ``keystone.token_auth``). The trust delegates the caller's roles in
    the project, with impersonation, and never expires on its own: it is
    deleted with the plan.
    """
    try:
        trustee = service_session().get_user_id()
        sess = ks_session.Session(auth=user_auth)
        trust = _identity_client(sess).trusts.create(
            trustor_user=user_id, trustee_user=trustee, project=project_id,
            role_names=sorted(set(roles)), impersonation=True)
    except ks_exc.ClientException as e:
        LOG.warning('Creating a trust for project %(project)s failed: '
                    '%(err)s', {'project': project_id,
                                'err': type(e).__name__})
        raise TrustError(detail='could not delegate the caller\'s roles to '
                         'drs (%s)' % type(e).__name__)
    return str(trust.id)


def delete_trust(trust_id: str | None, user_auth=None) -> bool:
    """Delete a trust: as its trustor if possible, else as drs.

    Returns whether it is gone. Failures are logged (without the id),
    never raised: a plan is deleted even when its trust cannot be.
    """
    if not trust_id:
        return True
    attempts = []
    if user_auth is not None:
        attempts.append(lambda: ks_session.Session(auth=user_auth))
    if service_auth_configured():
        attempts.append(service_session)
    for make_session in attempts:
        try:
            _identity_client(make_session()).trusts.delete(trust_id)
            return True
        except ks_exc.NotFound:
            return True
        except Exception as e:
            LOG.debug('Deleting a trust failed (%s); trying the next '
                      'credentials', type(e).__name__)
    LOG.warning('A trust of a deleted plan could not be deleted; it '
                'delegates nothing once its trustor loses the roles')
    return False
