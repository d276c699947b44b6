"""Validation of request bodies (JSON Schema) and query strings."""

import json
import uuid

import jsonschema
from oslo_config import cfg
import pecan

from drs import exception

CONF = cfg.CONF

_VALIDATOR = jsonschema.Draft202012Validator


def _path(error: jsonschema.ValidationError) -> str:
    path = ''
    for part in error.absolute_path:
        path += '[%d]' % part if isinstance(part, int) else (
            '.%s' % part if path else str(part))
    return path


def _message(error: jsonschema.ValidationError) -> str:
    if error.validator == 'additionalProperties':
        return error.message
    if error.validator == 'pattern':
        return '%r does not match the expected format' % (error.instance,)
    return error.message


def validate(schema: dict, data) -> None:
    """Raise ValidationError (400) naming the field that is wrong."""
    validator = _VALIDATOR(schema, format_checker=_VALIDATOR.FORMAT_CHECKER)
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is None:
        return
    field = _path(error)
    if field:
        detail = "Invalid input for field '%s': %s" % (field, _message(error))
    else:
        detail = 'Invalid input: %s' % _message(error)
    raise exception.ValidationError(detail=detail, field=field)


def body(schema: dict) -> dict:
    """The request's JSON body, validated against ``schema``."""
    request = pecan.request
    if request.content_type not in ('application/json', ''):
        raise exception.Invalid(
            detail='the body must be JSON (Content-Type: application/json), '
            'not %s' % request.content_type)
    try:
        data = json.loads(request.body or b'null')
    except (ValueError, RecursionError) as e:
        raise exception.Invalid(detail='the body is not valid JSON: %s' % e)
    validate(schema, data)
    return data


# ------------------------------------------------------------ query strings

def query(allowed: set[str]) -> dict[str, str]:
    """The query parameters; unknown or repeated ones are a 400."""
    params: dict[str, str] = {}
    for key, value in pecan.request.GET.items():
        if key not in allowed:
            raise exception.InvalidParameter(
                name=key, detail='unknown query parameter (allowed: %s)'
                % ', '.join(sorted(allowed)))
        if key in params:
            raise exception.InvalidParameter(
                name=key, detail='given more than once')
        params[key] = value
    return params


def boolean(params: dict, name: str, default: bool = False) -> bool:
    value = params.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in ('1', 'true', 'yes', 'on'):
        return True
    if lowered in ('0', 'false', 'no', 'off'):
        return False
    raise exception.InvalidParameter(name=name,
                                     detail='%r is not a boolean' % value)


def uuid_param(params: dict, name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise exception.InvalidParameter(name=name,
                                         detail='%r is not a UUID' % value)


PAGINATION_PARAMS = {'limit', 'marker', 'sort_key', 'sort_dir'}


def pagination(params: dict, sort_keys: tuple[str, ...]) -> dict:
    """limit, marker, sort_key and sort_dir, checked.

    ``sort_keys[0]`` is the default key. A limit above ``[api] max_limit``
    is capped to it.
    """
    limit = CONF.api.default_limit
    if 'limit' in params:
        try:
            limit = int(params['limit'])
        except ValueError:
            limit = 0
        if limit < 1:
            raise exception.InvalidParameter(
                name='limit', detail='%r is not a positive integer'
                % params['limit'])
    limit = min(limit, CONF.api.max_limit)
    sort_key = params.get('sort_key', sort_keys[0])
    if sort_key not in sort_keys:
        raise exception.InvalidParameter(
            name='sort_key', detail='%r is not one of %s'
            % (sort_key, ', '.join(sort_keys)))
    sort_dir = params.get('sort_dir', 'asc')
    if sort_dir not in ('asc', 'desc'):
        raise exception.InvalidParameter(
            name='sort_dir', detail="%r is not 'asc' or 'desc'" % sort_dir)
    return {'limit': limit, 'marker': uuid_param(params, 'marker'),
            'sort_key': sort_key, 'sort_dir': sort_dir}
