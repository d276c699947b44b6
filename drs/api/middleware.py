"""WSGI middleware of the drs API.

* :class:`ErrorFormatter` turns every 4xx/5xx, whoever produced it
  (keystonemiddleware, sizelimit, Pecan's router, a bug), into the one
  error format, and never lets a traceback out.
* :class:`VersionNegotiation` negotiates the microversion of ``/v1``
  requests and puts the min/max headers on every response.
* :class:`MethodRouter` answers, from the route table of the OpenAPI
  document, the methods a route does not have (405 with ``Allow``),
  ``OPTIONS`` (``Allow``), and ``HEAD`` wherever ``GET`` is allowed.
* :class:`Mount` serves ``/healthcheck`` before authentication.
* :class:`AuthTokenMiddleware` is keystonemiddleware's auth_token with
  the version documents left public.
"""

import json
import re

from keystonemiddleware import auth_token
from oslo_log import log
import webob
import webob.dec

from drs.api import errors
from drs.api import microversion

LOG = log.getLogger(__name__)

API_VERSION_ENV = 'drs.api_version'

# Paths anyone may GET: the version documents and the OpenAPI document.
PUBLIC_PATHS = frozenset(['', '/', '/v1', '/v1/', '/v1/openapi.json'])


class ErrorFormatter:

    def __init__(self, app, max_url_length: int | None = None):
        self.app = app
        self.max_url_length = max_url_length

    @webob.dec.wsgify
    def __call__(self, req: webob.Request) -> webob.Response:
        request_id = req.environ.get(errors.REQUEST_ID_ENV)
        url_length = len(req.environ.get('PATH_INFO', '')) + len(
            req.environ.get('QUERY_STRING', ''))
        if self.max_url_length and url_length > self.max_url_length:
            return errors.error_response(
                414, 'The request URL is %d characters long; at most %d '
                'are accepted.' % (url_length, self.max_url_length),
                request_id=request_id)
        try:
            resp = req.get_response(self.app)
        except Exception:
            LOG.exception('Unexpected error handling %s %s',
                          req.method, req.path)
            return errors.error_response(
                500, 'The server has either erred or is incapable of '
                'performing the requested operation.',
                request_id=request_id)
        if resp.status_int < 400 or self._formatted(resp):
            return resp
        detail = self._detail(resp)
        # Keep the headers (WWW-Authenticate, Allow, versions...), not the
        # description of the body that is replaced.
        keep = [(k, v) for k, v in resp.headerlist
                if k.lower() not in ('content-type', 'content-length')]
        return errors.error_response(resp.status_int, detail,
                                     request_id=request_id, headers=keep)

    @staticmethod
    def _formatted(resp: webob.Response) -> bool:
        if resp.content_type != 'application/json':
            return False
        try:
            return 'errors' in json.loads(resp.body)
        except ValueError:
            return False

    @staticmethod
    def _detail(resp: webob.Response) -> str:
        """A useful message from another component's error body."""
        if resp.status_int >= 500:
            return ('The server has either erred or is incapable of '
                    'performing the requested operation.')
        try:
            body = json.loads(resp.body)
            error = body.get('error') or {}
            message = error.get('message') or body.get('message')
            if message:
                return str(message)
        except (ValueError, AttributeError):
            pass
        return resp.status.split(' ', 1)[-1]


class VersionNegotiation:

    def __init__(self, app):
        self.app = app

    @webob.dec.wsgify
    def __call__(self, req: webob.Request) -> webob.Response:
        versioned = req.path_info.startswith('/v1')
        if versioned:
            try:
                version = microversion.parse(req.headers)
            except microversion.InvalidVersion as e:
                resp = errors.error_response(
                    400, 'Invalid %s header value %r: expected "%s 1.N" '
                    'or "%s latest".' % (microversion.HEADER, str(e),
                                         microversion.SERVICE_TYPE,
                                         microversion.SERVICE_TYPE),
                    code='drs.microversion.invalid',
                    request_id=req.environ.get(errors.REQUEST_ID_ENV))
                return self._headers(resp, None)
            if not microversion.in_range(version):
                resp = errors.error_response(
                    406, 'Version %s is not supported by the API. Minimum '
                    'is %s and maximum is %s.' % (
                        microversion.to_str(version),
                        microversion.to_str(microversion.MIN_VERSION),
                        microversion.to_str(microversion.MAX_VERSION)),
                    code='drs.microversion.unsupported',
                    request_id=req.environ.get(errors.REQUEST_ID_ENV))
                return self._headers(resp, None)
            req.environ[API_VERSION_ENV] = version
        resp = req.get_response(self.app)
        return self._headers(resp, req.environ.get(API_VERSION_ENV))

    @staticmethod
    def _headers(resp: webob.Response,
                 version: tuple[int, int] | None) -> webob.Response:
        resp.headers[microversion.MIN_HEADER] = microversion.to_str(
            microversion.MIN_VERSION)
        resp.headers[microversion.MAX_HEADER] = microversion.to_str(
            microversion.MAX_VERSION)
        if version is not None:
            resp.headers[microversion.HEADER] = '%s %s' % (
                microversion.SERVICE_TYPE, microversion.to_str(version))
        vary = [v.strip() for v in resp.headers.get('Vary', '').split(',')
                if v.strip()]
        if microversion.HEADER not in vary:
            vary.append(microversion.HEADER)
        resp.headers['Vary'] = ', '.join(vary)
        return resp


class MethodRouter:
    """405, OPTIONS and HEAD from the documented routes.

    The OpenAPI document lists every (method, path) the controllers route
    (a unit test holds the two together). For a path that matches one of
    its templates:

    * ``OPTIONS`` answers 204 with the ``Allow`` header, no token needed
      (it tells nothing the public document does not);
    * ``HEAD`` is served as ``GET`` (authenticated and authorized like
      it) without the body;
    * another method the route does not have is a 405 with ``Allow``,
      before Pecan, which would answer 404 (``POST /v1/plans/{id}``) or
      route it elsewhere.

    Paths matching no template go on to Pecan (its 404).
    """

    def __init__(self, app, operations: set[tuple[str, str]] | None = None):
        self.app = app
        if operations is None:
            from drs.api import openapi
            operations = openapi.operations()
        methods: dict[str, set[str]] = {}
        for method, path in operations:
            methods.setdefault(path, set()).add(method)
        self._routes = []
        for path, allowed in methods.items():
            if 'GET' in allowed:
                allowed.add('HEAD')
            allowed.add('OPTIONS')
            regex = re.compile('^%s/?$' % re.sub(
                r'\\\{[^}]*\\\}', '[^/]+', re.escape(path.rstrip('/'))))
            order = ('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE',
                     'OPTIONS')
            self._routes.append((regex, ', '.join(
                m for m in order if m in allowed)))

    def allowed(self, path: str) -> str | None:
        """The Allow header of ``path``, None when no route matches."""
        for regex, allow in self._routes:
            if regex.match(path):
                return allow
        return None

    def __call__(self, environ, start_response):
        req = webob.Request(environ)
        allow = self.allowed(req.path_info or '/')
        method = req.method
        if allow is None:
            return self.app(environ, start_response)
        if method == 'OPTIONS':
            resp = webob.Response(status=204, headers=[('Allow', allow)])
            del resp.content_type
            return resp(environ, start_response)
        if method not in allow.split(', '):
            resp = errors.error_response(
                405, 'The method %s is not allowed on %s (allowed: %s).' % (
                    method, req.path_info, allow),
                request_id=environ.get(errors.REQUEST_ID_ENV),
                headers=[('Allow', allow)])
            return resp(environ, start_response)
        if method == 'HEAD':
            environ['REQUEST_METHOD'] = 'GET'
            resp = req.get_response(self.app)
            environ['REQUEST_METHOD'] = 'HEAD'
            # webob sends the headers (Content-Length included) of a
            # response to HEAD without its body.
            return resp(environ, start_response)
        return self.app(environ, start_response)


class Mount:
    """Send requests for one exact path to another WSGI app."""

    def __init__(self, app, path: str, mounted):
        self.app = app
        self.path = path
        self.mounted = mounted

    def __call__(self, environ, start_response):
        if environ.get('PATH_INFO', '') == self.path:
            return self.mounted(environ, start_response)
        return self.app(environ, start_response)


class AuthTokenMiddleware(auth_token.AuthProtocol):
    """auth_token that lets the version documents through."""

    def process_request(self, request):
        if request.path_info in PUBLIC_PATHS and request.method in (
                'GET', 'HEAD'):
            return None
        return super().process_request(request)
