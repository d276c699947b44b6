"""JSON Schemas of /v1/sites request bodies."""

import copy

from drs.api.schemas import common

_SITE_PROPERTIES = {
    'name': common.NAME,
    'description': common.DESCRIPTION,
    'region_name': {'type': 'string', 'minLength': 1, 'maxLength': 255},
    'auth_url': {'type': 'string', 'maxLength': 1024,
                 'pattern': '^https?://[^\\s/]+(/\\S*)?$'},
    'interface': {'enum': ['public', 'internal', 'admin']},
    'verify_tls': {'type': 'boolean'},
    'endpoint_overrides': {
        'type': 'object',
        'description': 'Endpoint URLs by service type, used instead of '
                       'the catalog (admins only).',
        'propertyNames': {'type': 'string',
                          'pattern': '^[a-z][a-z0-9-]*$'},
        'additionalProperties': {
            'type': 'string', 'maxLength': 1024,
            'pattern': '^https?://[^\\s/]+(/\\S*)?$'},
    },
}



def _body(site: dict) -> dict:
    return {'type': 'object', 'properties': {'site': site},
            'required': ['site'], 'additionalProperties': False}


CREATE = _body({
    'type': 'object',
    'properties': _SITE_PROPERTIES,
    'required': ['name', 'region_name', 'auth_url'],
    'additionalProperties': False,
})

UPDATE = _body({
    'type': 'object',
    'properties': copy.deepcopy(_SITE_PROPERTIES),
    'minProperties': 1,
    'additionalProperties': False,
})
