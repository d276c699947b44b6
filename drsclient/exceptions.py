"""Errors of the drs client.

The API answers every error with the API-SIG document
``{"errors": [{"status", "code", "title", "detail", "request_id"}]}``;
:class:`ApiError` carries those fields.
"""

from __future__ import annotations

from typing import Any


class ClientError(Exception):
    """Base of every error the client raises."""


class UnsupportedVersion(ClientError):
    """The requested microversion is not one the server supports."""


class NotFound(ClientError):
    """No resource with the given name or id (found by the client)."""


class NoUniqueMatch(ClientError):
    """A name matched more than one resource."""


class EndpointNotFound(ClientError):
    """The catalog has no ``dr`` endpoint."""


class ApiError(ClientError):
    """An error answered by the API."""

    def __init__(self, detail: str, status: int, code: str | None = None,
                 title: str | None = None, request_id: str | None = None,
                 method: str | None = None, url: str | None = None):
        super().__init__(detail)
        self.detail = detail
        self.status = status
        self.code = code
        self.title = title
        self.request_id = request_id
        self.method = method
        self.url = url

    def __str__(self) -> str:
        return self.detail

    def describe(self) -> str:
        """The detail with its HTTP status, code and request id."""
        extra = ['HTTP %d' % self.status]
        if self.code:
            extra.append(self.code)
        if self.request_id:
            extra.append(self.request_id)
        return '%s (%s)' % (self.detail, ', '.join(extra))


class BadRequest(ApiError):
    pass


class Unauthorized(ApiError):
    pass


class Forbidden(ApiError):
    pass


class ApiNotFound(ApiError, NotFound):
    pass


class Conflict(ApiError):
    pass


class NotAcceptable(ApiError):
    pass


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequest, 401: Unauthorized, 403: Forbidden,
    404: ApiNotFound, 406: NotAcceptable, 409: Conflict,
}


def from_response(response: Any, method: str, url: str) -> ApiError:
    """The :class:`ApiError` of an HTTP error response."""
    status = response.status_code
    request_id = (response.headers.get('x-openstack-request-id')
                  or response.headers.get('x-compute-request-id'))
    detail = None
    code = title = None
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get('errors'), list) \
            and body['errors']:
        error = body['errors'][0]
        detail = error.get('detail')
        code = error.get('code')
        title = error.get('title')
        request_id = error.get('request_id') or request_id
    elif isinstance(body, dict):
        inner = body.get('error') or body
        if isinstance(inner, dict):
            detail = inner.get('message') or inner.get('detail')
    if not detail:
        detail = (response.text or '').strip()[:200] or (
            'HTTP %d from %s %s' % (status, method, url))
    cls = _BY_STATUS.get(status, ApiError)
    return cls(detail=str(detail), status=status, code=code, title=title,
               request_id=request_id, method=method, url=url)
