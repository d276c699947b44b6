"""The one error format of the API (API-SIG "errors" document)."""

from http import HTTPStatus
import json

import webob

from drs import exception

REQUEST_ID_ENV = 'openstack.request_id'

# Codes for errors raised outside drs's own code (routing, middleware).
_GENERIC_CODES = {
    400: 'drs.bad_request',
    401: 'drs.unauthorized',
    403: 'drs.forbidden',
    404: 'drs.not_found',
    405: 'drs.method_not_allowed',
    406: 'drs.not_acceptable',
    409: 'drs.conflict',
    413: 'drs.request_too_large',
    414: 'drs.uri_too_long',
    415: 'drs.unsupported_media_type',
    500: 'drs.internal_error',
    503: 'drs.service_unavailable',
}


def error_body(status: int, detail: str, code: str | None = None,
               request_id: str | None = None) -> dict:
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = 'Error'
    return {'errors': [{
        'request_id': request_id,
        'status': status,
        'code': code or _GENERIC_CODES.get(status, 'drs.error'),
        'title': title,
        'detail': detail,
    }]}


def error_response(status: int, detail: str, code: str | None = None,
                   request_id: str | None = None,
                   headers: list | None = None) -> webob.Response:
    resp = webob.Response(status=status, content_type='application/json',
                          charset='UTF-8')
    resp.text = json.dumps(error_body(status, detail, code, request_id))
    for name, value in headers or ():
        resp.headers[name] = value
    return resp


def from_exception(e: exception.DrsException,
                   request_id: str | None) -> webob.Response:
    return error_response(int(e.status), e.message, e.code, request_id)
