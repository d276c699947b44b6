"""JSON Schemas of /v1/plans request bodies."""

import copy

from drs.api.schemas import common
from drs.common import resource_types

MAPPING_KINDS = ('networks', 'subnets', 'flavors', 'availability_zones',
                 'volume_types', 'security_groups')


def _resource_schema() -> dict:
    """One item of ``resources``: its id is checked by its type."""
    types = resource_types.registry()
    return {
        'type': 'object',
        'properties': {
            'type': {'enum': sorted(types)},
            'id': {'type': 'string'},
            'tier': {'type': 'integer', 'minimum': 1, 'maximum': 100},
        },
        'required': ['type', 'id'],
        'additionalProperties': False,
        'allOf': [
            {'if': {'properties': {'type': {'const': name}}},
             'then': {'properties': {'id': plugin.id_schema}}}
            for name, plugin in sorted(types.items())],
    }


def _plan_properties() -> dict:
    return {
        'name': common.NAME,
        'description': common.DESCRIPTION,
        'source_site': common.SITE_REF,
        'target_site': common.SITE_REF,
        'rpo_seconds': {'type': ['integer', 'null'], 'minimum': 1,
                        'maximum': 31536000},
        'resources': {'type': 'array', 'items': _resource_schema(),
                      'maxItems': 1000},
        'mappings': {
            'type': 'object',
            'properties': {kind: common.STRING_MAP
                           for kind in MAPPING_KINDS},
            'additionalProperties': False,
        },
        'options': {
            'type': 'object',
            'properties': {
                'volume_replication': {'enum': ['volume-type', 'group']},
                'test_network_isolation': {'type': 'boolean'},
            },
            'additionalProperties': False,
        },
    }


def create() -> dict:
    return {
        'type': 'object',
        'properties': {
            'plan': {
                'type': 'object',
                'properties': _plan_properties(),
                'required': ['name', 'source_site', 'target_site'],
                'additionalProperties': False,
            },
        },
        'required': ['plan'],
        'additionalProperties': False,
    }


def update() -> dict:
    schema = copy.deepcopy(create())
    del schema['properties']['plan']['required']
    schema['properties']['plan']['minProperties'] = 1
    return schema
