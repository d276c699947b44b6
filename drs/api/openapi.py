"""The OpenAPI 3.1 document of the drs API, built from its code.

Request bodies are the very JSON Schemas (draft 2020-12, the dialect of
OpenAPI 3.1) that :mod:`drs.api.validation` checks requests against;
query parameters come from the controllers' sort keys and filters;
response bodies are described here, next to the views that produce them,
and the API reference's recorded samples are checked against them by
the functional tests. ``GET /v1/openapi.json`` serves the document.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from drs.api.controllers.v1 import operations as operations_ctl
from drs.api.controllers.v1 import plans as plans_ctl
from drs.api.controllers.v1 import sites as sites_ctl
from drs.api import microversion
from drs.api.schemas.v1 import actions as actions_schema
from drs.api.schemas.v1 import plans as plans_schema
from drs.api.schemas.v1 import sites as sites_schema
from drs.common import states

OPENAPI_VERSION = '3.1.0'
JSON = 'application/json'

_NULLABLE_STRING = {'type': ['string', 'null']}
_TIME = {'type': ['string', 'null'], 'format': 'date-time'}
_UUID = {'type': 'string', 'format': 'uuid'}
_NULLABLE_UUID = {'type': ['string', 'null'], 'format': 'uuid'}
_LINK = {
    'type': 'object',
    'properties': {'rel': {'type': 'string'},
                   'href': {'type': 'string', 'format': 'uri'}},
    'required': ['rel', 'href'],
}
_LINKS = {'type': 'array', 'items': {'$ref': '#/components/schemas/Link'}}


def _obj(properties: dict, required: list[str] | None = None) -> dict:
    return {'type': 'object', 'properties': properties,
            'required': sorted(properties) if required is None
            else required}


def _response_schemas() -> dict[str, dict]:
    site = _obj({
        'id': _UUID, 'name': {'type': 'string'},
        'description': _NULLABLE_STRING,
        'region_name': {'type': 'string'}, 'auth_url': {'type': 'string'},
        'interface': {'enum': ['public', 'internal', 'admin']},
        'verify_tls': {'type': 'boolean'},
        'endpoint_overrides': {
            'type': 'object', 'additionalProperties': {'type': 'string'},
            'description': 'Shown to admins only.'},
        'created_at': _TIME, 'updated_at': _TIME, 'links': _LINKS,
    })
    site['required'].remove('endpoint_overrides')
    resource = _obj({
        'type': {'type': 'string'}, 'id': {'type': 'string'},
        'tier': {'type': 'integer'},
        'replication': _obj({
            'state': {'type': 'string'},
            'lag_seconds': {'type': ['number', 'null']},
            'replica': {'type': ['object', 'null']},
        }),
    })
    mappings = _obj({kind: {'type': 'object',
                            'additionalProperties': {'type': 'string'}}
                     for kind in plans_schema.MAPPING_KINDS}, required=[])
    plan = _obj({
        'id': _UUID, 'name': {'type': 'string'},
        'description': _NULLABLE_STRING,
        'project_id': {'type': 'string'}, 'user_id': _NULLABLE_STRING,
        'source_site': _UUID, 'target_site': _UUID,
        'status': {'enum': list(states.PLAN_STATES)},
        'reversed': {'type': 'boolean'},
        'test_active': {'type': 'boolean'},
        'rpo_seconds': {'type': ['integer', 'null']},
        'rpo_seconds_achieved': {'type': ['number', 'null']},
        'last_sync_at': _TIME,
        'current_operation': _NULLABLE_UUID,
        'resources': {'type': 'array',
                      'items': {'$ref': '#/components/schemas/Resource'}},
        'mappings': {'$ref': '#/components/schemas/Mappings'},
        'options': {'type': 'object'},
        'created_at': _TIME, 'updated_at': _TIME, 'links': _LINKS,
    })
    operation = _obj({
        'id': _UUID, 'plan_id': _UUID, 'project_id': {'type': 'string'},
        'action': {'enum': list(states.ACTIONS)},
        'status': {'enum': list(states.OP_STATES)},
        'parameters': {'type': 'object'},
        'progress': _obj({'done': {'type': ['integer', 'null']},
                          'total': {'type': ['integer', 'null']},
                          'current': _NULLABLE_STRING}),
        'error': {'type': ['object', 'null'],
                  'properties': {'step': _NULLABLE_STRING,
                                 'resource': {},
                                 'detail': {'type': 'string'}}},
        'created_at': _TIME, 'started_at': _TIME, 'finished_at': _TIME,
        'links': _LINKS,
    })
    event = _obj({
        'at': _TIME, 'step': _NULLABLE_STRING,
        'resource': {'type': ['object', 'null'],
                     'properties': {'type': _NULLABLE_STRING,
                                    'id': _NULLABLE_STRING}},
        'state': {'type': 'string'}, 'message': _NULLABLE_STRING,
    })
    report = _obj({
        'operation_id': {'type': 'string'}, 'plan_id': {'type': 'string'},
        'action': {'type': 'string'}, 'status': {'type': 'string'},
        'requested_at': _TIME, 'started_at': _TIME, 'finished_at': _TIME,
        'duration_seconds': {'type': ['number', 'null']},
        'rto_seconds': {'type': ['number', 'null']},
        'rpo_seconds': {'type': ['number', 'null']},
        'error': {'type': ['object', 'null']},
        'steps': {'type': 'array', 'items': _obj({
            'step': _NULLABLE_STRING,
            'resource': {'type': ['object', 'null']},
            'started_at': _TIME, 'ended_at': _TIME,
            'duration_seconds': {'type': ['number', 'null']},
            'outcome': _NULLABLE_STRING, 'message': _NULLABLE_STRING})},
        'findings': {'type': 'array', 'items': _obj({
            'resource': {'type': ['object', 'null']},
            'severity': {'type': 'string'},
            'code': {'type': 'string'}, 'detail': {'type': 'string'}},
            required=['severity', 'detail'])},
    }, required=['operation_id', 'plan_id', 'action', 'status',
                 'requested_at', 'started_at', 'finished_at',
                 'duration_seconds', 'rto_seconds', 'rpo_seconds', 'error',
                 'steps'])
    recipe = _obj({'resource_id': {'type': 'string'},
                   'captured_at': _TIME, 'recipe': {'type': 'object'}})
    version = _obj({
        'id': {'type': 'string'}, 'status': {'type': 'string'},
        'min_version': {'type': 'string'}, 'version': {'type': 'string'},
        'links': _LINKS,
        'media-types': {'type': 'array', 'items': {'type': 'object'}},
    })
    error = _obj({
        'errors': {'type': 'array', 'minItems': 1, 'items': _obj({
            'request_id': _NULLABLE_STRING,
            'status': {'type': 'integer'},
            'code': {'type': 'string'},
            'title': {'type': 'string'},
            'detail': {'type': 'string'},
        })},
    })
    return {'Link': _LINK, 'Site': site, 'Resource': resource,
            'Mappings': mappings, 'Plan': plan, 'Operation': operation,
            'Event': event, 'Report': report, 'Recipe': recipe,
            'Version': version,
            'Error': error}


def _ref(name: str) -> dict:
    return {'$ref': '#/components/schemas/%s' % name}


def _one(key: str, name: str) -> dict:
    return _obj({key: _ref(name)})


def _many(key: str, name: str, links: bool = True) -> dict:
    props: dict[str, Any] = {key: {'type': 'array', 'items': _ref(name)}}
    if links:
        props['links'] = _LINKS
    return _obj(props)


def _json(schema: dict) -> dict:
    return {JSON: {'schema': schema}}


def _ok(status: str, description: str, schema: dict | None) -> dict:
    response: dict[str, Any] = {'description': description}
    if schema is not None:
        response['content'] = _json(schema)
    return {status: response}


_ERROR_TEXT = {
    '400': 'Bad request: the body or a parameter is invalid.',
    '401': 'No valid token.',
    '403': 'Not allowed by policy.',
    '404': 'Not found (another project\'s resources are not found '
           'either).',
    '406': 'Microversion not supported.',
    '409': 'Conflict with the resource\'s state.',
}


def _errors(*codes: str) -> dict:
    return {code: {'$ref': '#/components/responses/Error%s' % code}
            for code in ('400', '401', '406') + codes}


def _path_param(name: str, description: str) -> dict:
    return {'name': name, 'in': 'path', 'required': True,
            'description': description, 'schema': {'type': 'string'}}


def _query(name: str, description: str, schema: dict | None = None
           ) -> dict:
    return {'name': name, 'in': 'query', 'required': False,
            'description': description,
            'schema': schema or {'type': 'string'}}


def _list_params(sort_keys: tuple[str, ...], filters: tuple[str, ...] = (),
                 all_projects: bool = False) -> list[dict]:
    params = [
        _query('limit', 'Items per page (capped by [api] max_limit).',
               {'type': 'integer', 'minimum': 1}),
        _query('marker', 'Id of the last item of the previous page.',
               {'type': 'string', 'format': 'uuid'}),
        _query('sort_key', 'Sort key (default %s).' % sort_keys[0],
               {'enum': list(sort_keys)}),
        _query('sort_dir', 'Sort direction.', {'enum': ['asc', 'desc']}),
    ]
    params += [_query(name, 'Only items whose %s is this.' % name)
               for name in filters]
    if all_projects:
        params.append(_query('all_projects',
                             'Items of every project (admin).',
                             {'type': 'boolean'}))
    return params


def _body(schema: dict) -> dict:
    return {'required': True, 'content': _json(copy.deepcopy(schema))}


def _paths() -> dict[str, dict]:
    site_id = _path_param('site_id', 'Site id or name.')
    plan_id = _path_param('plan_id', 'Plan id.')
    op_id = _path_param('operation_id', 'Operation id.')
    return {
        '/': {'get': {
            'operationId': 'listVersions', 'tags': ['versions'],
            'summary': 'API versions (no authentication).',
            'security': [],
            'responses': _ok('200', 'The versions.',
                             _many('versions', 'Version', links=False)),
        }},
        '/v1': {'get': {
            'operationId': 'showVersion', 'tags': ['versions'],
            'summary': 'Version 1 and its microversion range (no '
                       'authentication).',
            'security': [],
            'responses': _ok('200', 'The version.',
                             _one('version', 'Version')),
        }},
        '/v1/openapi.json': {'get': {
            'operationId': 'showOpenAPI', 'tags': ['versions'],
            'summary': 'This document (no authentication).',
            'security': [],
            'responses': _ok('200', 'The OpenAPI document.',
                             {'type': 'object'}),
        }},
        '/v1/sites': {
            'get': {'operationId': 'listSites', 'tags': ['sites'],
                    'summary': 'List sites.',
                    'parameters': _list_params(sites_ctl.SORT_KEYS,
                                               sites_ctl.FILTERS),
                    'responses': {**_ok('200', 'Sites.',
                                        _many('sites', 'Site')),
                                  **_errors('403')}},
            'post': {'operationId': 'createSite', 'tags': ['sites'],
                     'summary': 'Register a site (admin).',
                     'requestBody': _body(sites_schema.CREATE),
                     'responses': {**_ok('201', 'The site.',
                                         _one('site', 'Site')),
                                   **_errors('403', '409')}},
        },
        '/v1/sites/{site_id}': {
            'parameters': [site_id],
            'get': {'operationId': 'showSite', 'tags': ['sites'],
                    'summary': 'Show a site.',
                    'responses': {**_ok('200', 'The site.',
                                        _one('site', 'Site')),
                                  **_errors('403', '404')}},
            'patch': {'operationId': 'updateSite', 'tags': ['sites'],
                      'summary': 'Change a site (admin).',
                      'requestBody': _body(sites_schema.UPDATE),
                      'responses': {**_ok('200', 'The site.',
                                          _one('site', 'Site')),
                                    **_errors('403', '404', '409')}},
            'delete': {'operationId': 'deleteSite', 'tags': ['sites'],
                       'summary': 'Delete a site no plan uses (admin).',
                       'responses': {**_ok('204', 'Deleted.', None),
                                     **_errors('403', '404', '409')}},
        },
        '/v1/plans': {
            'get': {'operationId': 'listPlans', 'tags': ['plans'],
                    'summary': 'List the project\'s protection plans.',
                    'parameters': _list_params(plans_ctl.SORT_KEYS,
                                               plans_ctl.FILTERS, True),
                    'responses': {**_ok('200', 'Plans.',
                                        _many('plans', 'Plan')),
                                  **_errors('403')}},
            'post': {'operationId': 'createPlan', 'tags': ['plans'],
                     'summary': 'Create a protection plan.',
                     'requestBody': _body(plans_ctl._create_schema()),
                     'responses': {**_ok('201', 'The plan.',
                                         _one('plan', 'Plan')),
                                   **_errors('403')}},
        },
        '/v1/plans/{plan_id}': {
            'parameters': [plan_id],
            'get': {'operationId': 'showPlan', 'tags': ['plans'],
                    'summary': 'Show a plan, with its replication state.',
                    'responses': {**_ok('200', 'The plan.',
                                        _one('plan', 'Plan')),
                                  **_errors('403', '404')}},
            'patch': {'operationId': 'updatePlan', 'tags': ['plans'],
                      'summary': 'Change a plan. Resources and sites change '
                                 'only while it protects nothing.',
                      'requestBody': _body(plans_ctl._update_schema()),
                      'responses': {**_ok('200', 'The plan.',
                                          _one('plan', 'Plan')),
                                    **_errors('403', '404', '409')}},
            'delete': {'operationId': 'deletePlan', 'tags': ['plans'],
                       'summary': 'Delete a plan that protects nothing.',
                       'responses': {**_ok('204', 'Deleted.', None),
                                     **_errors('403', '404', '409')}},
        },
        '/v1/plans/{plan_id}/recipes': {
            'parameters': [plan_id],
            'get': {'operationId': 'listPlanRecipes', 'tags': ['plans'],
                    'summary': 'The captured server recipes.',
                    'responses': {**_ok('200', 'Recipes.',
                                        _many('recipes', 'Recipe',
                                              links=False)),
                                  **_errors('403', '404')}},
        },
        '/v1/plans/{plan_id}/actions': {
            'parameters': [plan_id],
            'post': {'operationId': 'runPlanAction', 'tags': ['actions'],
                     'summary': 'Start an action: the body\'s one key is '
                                'the action, its value the parameters.',
                     'requestBody': _body(actions_schema.ACTION),
                     'responses': {**_ok('202', 'The new operation.',
                                         _one('operation', 'Operation')),
                                   **_errors('403', '404', '409')}},
        },
        '/v1/operations': {
            'get': {'operationId': 'listOperations',
                    'tags': ['operations'],
                    'summary': 'List operations.',
                    'parameters': _list_params(
                        operations_ctl.SORT_KEYS, (), True) + [
                        _query('plan_id', 'Only this plan\'s.',
                               {'type': 'string', 'format': 'uuid'}),
                        _query('action', 'Only this action\'s.',
                               {'enum': list(states.ACTIONS)}),
                        _query('status', 'Only those in this status.',
                               {'enum': list(states.OP_STATES)})],
                    'responses': {**_ok('200', 'Operations.',
                                        _many('operations', 'Operation')),
                                  **_errors('403')}},
        },
        '/v1/operations/{operation_id}': {
            'parameters': [op_id],
            'get': {'operationId': 'showOperation', 'tags': ['operations'],
                    'summary': 'Show an operation and its progress.',
                    'responses': {**_ok('200', 'The operation.',
                                        _one('operation', 'Operation')),
                                  **_errors('403', '404')}},
        },
        '/v1/operations/{operation_id}/events': {
            'parameters': [op_id],
            'get': {'operationId': 'listOperationEvents',
                    'tags': ['operations'],
                    'summary': 'The operation\'s events, oldest first.',
                    'responses': {**_ok('200', 'Events.',
                                        _many('events', 'Event',
                                              links=False)),
                                  **_errors('403', '404')}},
        },
        '/v1/operations/{operation_id}/report': {
            'parameters': [op_id],
            'get': {'operationId': 'showOperationReport',
                    'tags': ['operations'],
                    'summary': 'Per step and resource: start, end, '
                               'outcome; the RTO and RPO achieved; '
                               'preflight findings.',
                    'responses': {**_ok('200', 'The report.',
                                        _one('report', 'Report')),
                                  **_errors('403', '404')}},
        },
        '/v1/operations/{operation_id}/cancel': {
            'parameters': [op_id],
            'post': {'operationId': 'cancelOperation',
                     'tags': ['operations'],
                     'summary': 'Cancel a pending or running operation.',
                     'responses': {**_ok('202', 'The operation.',
                                         _one('operation', 'Operation')),
                                   **_errors('403', '404', '409')}},
        },
    }


@functools.cache
def _document() -> dict:
    version_header = {
        'name': microversion.HEADER, 'in': 'header', 'required': False,
        'description': 'The microversion, "%s 1.N" or "%s latest" '
                       '(default: the minimum), possibly among other '
                       'services\' entries ("compute 2.90, %s 1.0"), '
                       'which are ignored. A version outside the range '
                       'is a 406; a malformed value a 400.' % (
                           microversion.SERVICE_TYPE,
                           microversion.SERVICE_TYPE,
                           microversion.SERVICE_TYPE),
        'schema': {'type': 'string',
                   'pattern': microversion.HEADER_PATTERN},
    }
    paths = _paths()
    for path, item in paths.items():
        if path.startswith('/v1/') and path != '/v1/openapi.json':
            item.setdefault('parameters', [])
            item['parameters'].insert(
                0, {'$ref': '#/components/parameters/Microversion'})
    history = '\n'.join('* %s: %s' % (microversion.to_str(v), text)
                        for v, text in microversion.HISTORY)
    return {
        'openapi': OPENAPI_VERSION,
        'jsonSchemaDialect': 'https://json-schema.org/draft/2020-12/schema',
        'info': {
            'title': 'drs: OpenStack Disaster Recovery Service',
            'version': microversion.to_str(microversion.MAX_VERSION),
            'summary': 'Protection plans, failover and failback between '
                       'OpenStack sites.',
            'description': 'Microversions (header %s):\n\n%s\n\nEvery '
                           'error is an API-SIG errors document.'
                           % (microversion.HEADER, history),
            'license': {'name': 'Apache-2.0',
                        'identifier': 'Apache-2.0'},
        },
        'servers': [{'url': '/'}],
        'security': [{'keystone': []}],
        'tags': [{'name': n} for n in ('versions', 'sites', 'plans',
                                        'actions', 'operations')],
        'paths': paths,
        'components': {
            'schemas': _response_schemas(),
            'parameters': {'Microversion': version_header},
            'responses': {
                'Error%s' % code: {'description': text,
                                   'content': _json(_ref('Error'))}
                for code, text in sorted(_ERROR_TEXT.items())},
            'securitySchemes': {'keystone': {
                'type': 'apiKey', 'in': 'header', 'name': 'X-Auth-Token',
                'description': 'A Keystone token.'}},
        },
    }


def document(server_url: str | None = None) -> dict:
    """The OpenAPI document (a fresh copy), for ``server_url``."""
    doc = copy.deepcopy(_document())
    if server_url:
        doc['servers'] = [{'url': server_url}]
    return doc


def operations() -> set[tuple[str, str]]:
    """Every (method, path) of the document, methods upper-case."""
    return {(method.upper(), path)
            for path, item in _document()['paths'].items()
            for method in item if method != 'parameters'}


def main() -> None:
    """Print the document (``python -m drs.api.openapi``)."""
    import json
    print(json.dumps(document(), indent=2, sort_keys=True))


if __name__ == '__main__':
    main()
