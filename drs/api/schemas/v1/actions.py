"""JSON Schemas of POST /v1/plans/{plan_id}/actions.

The body has exactly one key, the action, whose value holds the action's
parameters (an empty object, or null, when it has none).
"""

from drs.common import states


def _params(properties: dict | None = None) -> dict:
    return {'type': ['object', 'null'],
            'properties': properties or {},
            'additionalProperties': False}


PARAMETERS: dict[str, dict] = {name: _params() for name in states.ACTIONS}
PARAMETERS['failover'] = _params({
    'cutoff': {'enum': ['latest'],
               'description': 'Which replica point to recover: the latest '
                              'replicated data.'},
})
PARAMETERS['planned_migration'] = _params({
    'sync_timeout': {'type': 'integer', 'minimum': 1, 'maximum': 86400,
                     'description': 'Seconds to wait for the replicas to '
                                    'catch up after the source stops.'},
})

ACTION = {
    'type': 'object',
    'properties': PARAMETERS,
    'minProperties': 1,
    'maxProperties': 1,
    'additionalProperties': False,
}
