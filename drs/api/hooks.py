"""Pecan hooks: request-scoped state on ``pecan.request``, and errors."""

import json

from oslo_db import exception as db_exc
from oslo_log import log
import pecan
from pecan import hooks
import webob.exc

from drs.api import errors
from drs.api import microversion
from drs.api import middleware
from drs import context as drs_context
from drs.db import api as db_api
from drs import exception

LOG = log.getLogger(__name__)


class ContextHook(hooks.PecanHook):
    """Builds the RequestContext from the headers auth_token set."""

    def before(self, state):
        state.request.context = drs_context.RequestContext.from_environ(
            state.request.environ)
        state.request.version = state.request.environ.get(
            middleware.API_VERSION_ENV, microversion.MIN_VERSION)


class NoAuthContextHook(hooks.PecanHook):
    """[api] auth_strategy = noauth: every caller is an admin of 'admin'.

    Unit tests only; drs refuses nothing in this mode.
    """

    def before(self, state):
        state.request.context = drs_context.RequestContext(
            user_id='noauth', project_id='admin', roles=['admin', 'member',
                                                          'reader'],
            is_admin=True,
            request_id=state.request.environ.get(errors.REQUEST_ID_ENV))
        state.request.version = state.request.environ.get(
            middleware.API_VERSION_ENV, microversion.MIN_VERSION)


class RPCHook(hooks.PecanHook):
    """Puts the engine's RPC client on the request, created on first use."""

    def __init__(self):
        self._rpcapi = None

    def before(self, state):
        if self._rpcapi is None:
            from drs.engine import rpcapi
            self._rpcapi = rpcapi.EngineAPI()
        state.request.rpcapi = self._rpcapi


_JSON_TYPES = ('application/json', 'application/javascript')
# Media types webob parses into form fields for Pecan's routing.
_FORM_TYPES = ('application/x-www-form-urlencoded',)


class RequestShapeHook(hooks.PecanHook):
    """Requests Pecan itself would mishandle, refused first (400/404).

    Routing reads a JSON body for keyword arguments and catches only
    ValueError (logging a traceback): a body nested deeper than Python's
    parser goes raises RecursionError, a 500. And an empty path segment
    (``/v1/plans//``, or an id of ``%2F``) reaches a controller method
    without its id, a TypeError. A form body (``multipart/form-data``,
    ``application/x-www-form-urlencoded``) is parsed by routing too, and
    one without a boundary raised ValueError: the API takes JSON only, so
    any other media type is a 415 before routing.
    """

    def on_route(self, state):
        request = state.request
        if '//' in request.path_info:
            raise webob.exc.HTTPNotFound()
        content_type = request.content_type
        if content_type and content_type not in _JSON_TYPES and (
                request.body or content_type in _FORM_TYPES or
                content_type.startswith('multipart/')):
            raise exception.UnsupportedMediaType(content_type=content_type)
        if request.content_type in ('application/json',
                                    'application/javascript') and \
                request.body:
            try:
                json.loads(request.body)
            except RecursionError:
                raise exception.Invalid(
                    detail='the body is not valid JSON: nested too deeply')
            except ValueError as e:
                # Before Pecan, which would log a traceback for it.
                raise exception.Invalid(
                    detail='the body is not valid JSON: %s' % e)


class NoContentHook(hooks.PecanHook):
    """A 204 has no body (the JSON renderer would write ``null``)."""

    def after(self, state):
        if state.response.status_int == 204:
            state.response.body = b''
            del state.response.content_type


class ExceptionHook(hooks.PecanHook):
    """drs exceptions and HTTP errors in the one error format."""

    def on_error(self, state, e):
        request_id = state.request.environ.get(errors.REQUEST_ID_ENV)
        if isinstance(e, exception.DrsException):
            if int(e.status) >= 500:
                LOG.error('Request %s failed: %s', request_id, e.message)
            return errors.from_exception(e, request_id)
        if isinstance(e, webob.exc.HTTPException):
            detail = e.detail or e.explanation
            if e.code == 404 and not e.detail:
                detail = 'The resource %s could not be found.' % (
                    state.request.path)
            return errors.error_response(e.code, detail,
                                         request_id=request_id,
                                         headers=_allow(e))
        db_error = _db_error(e)
        if db_error is not None:
            status, detail = db_error
            LOG.warning('Request %s: database refused the change: %s',
                        request_id, type(e).__name__)
            return errors.error_response(status, detail,
                                         request_id=request_id)
        LOG.exception('Unexpected error in request %s', request_id)
        return errors.error_response(
            500, 'The server has either erred or is incapable of '
            'performing the requested operation.', request_id=request_id)


def _db_error(e: Exception) -> tuple[int, str] | None:
    """A database refusal drs's own checks did not foresee, as a 4xx/503.

    The details (statement, values) stay in the server's log: they may
    hold another project's data.
    """
    if isinstance(e, db_exc.DBDuplicateEntry):
        return 409, 'The request conflicts with an existing resource.'
    if isinstance(e, db_exc.DBReferenceError):
        return 409, 'The request refers to a resource that does not exist.'
    if isinstance(e, db_exc.DBInvalidUnicodeParameter) or \
            db_api.is_data_error(e):
        return 400, 'A value of the request is too long or malformed.'
    if isinstance(e, db_exc.DBConnectionError):
        return 503, 'The database is unavailable; try again later.'
    return None


def _allow(e: webob.exc.HTTPException) -> list:
    allow = e.headers.get('Allow')
    return [('Allow', allow)] if allow else []


def request_version() -> tuple[int, int]:
    return pecan.request.version
