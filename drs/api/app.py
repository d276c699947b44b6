"""The drs API as a WSGI application, built in code (no paste.ini).

From the outside in::

    CORS -> HTTPProxyToWSGI -> RequestId -> ErrorFormatter -> sizelimit
         -> VersionNegotiation -> Healthcheck (/healthcheck, no auth)
         -> MethodRouter (405, OPTIONS, HEAD) -> auth_token -> Pecan
"""

from oslo_config import cfg
from oslo_middleware import cors
from oslo_middleware import healthcheck
from oslo_middleware import http_proxy_to_wsgi
from oslo_middleware import request_id
from oslo_middleware import sizelimit
import pecan

from drs.api.controllers import root
from drs.api import hooks
from drs.api import middleware
from drs.api import pecan_argspec
# Registers [api] and the other drs options.
import drs.conf  # noqa: F401

CONF = cfg.CONF


def _pecan_app(conf: cfg.ConfigOpts):
    pecan_argspec.install()
    app_hooks = [hooks.RequestShapeHook(), hooks.RPCHook(),
                 hooks.NoContentHook(), hooks.ExceptionHook()]
    if conf.api.auth_strategy == 'noauth':
        app_hooks.insert(0, hooks.NoAuthContextHook())
    else:
        app_hooks.insert(0, hooks.ContextHook())
    return pecan.make_app(
        root.RootController(),
        hooks=app_hooks,
        force_canonical=False,
        guess_content_type_from_ext=False,
        debug=False,
    )


def setup_app(conf: cfg.ConfigOpts = CONF):
    app = _pecan_app(conf)
    if conf.api.auth_strategy == 'keystone':
        app = middleware.AuthTokenMiddleware(
            app, {'oslo_config_config': conf})
    app = middleware.MethodRouter(app)
    # oslo.middleware's Healthcheck answers every path it is given.
    app = middleware.Mount(app, '/healthcheck', healthcheck.Healthcheck(
        None, {'oslo_config_config': conf}))
    app = middleware.VersionNegotiation(app)
    app = sizelimit.RequestBodySizeLimiter(app, conf)
    app = middleware.ErrorFormatter(app, conf.api.max_url_length)
    app = request_id.RequestId(app)
    app = http_proxy_to_wsgi.HTTPProxyToWSGI(app, conf)
    return cors.CORS(app, conf)
