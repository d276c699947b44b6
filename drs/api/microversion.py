"""API microversions of the ``dr`` service.

History:

* 1.0 -- the first version: sites, protection plans, actions and
  operations.

Add a version by appending to ``HISTORY``; ``MAX_VERSION`` follows.
"""

import re

import microversion_parse

SERVICE_TYPE = 'dr'
HEADER = 'OpenStack-API-Version'
MIN_HEADER = 'OpenStack-API-Minimum-Version'
MAX_HEADER = 'OpenStack-API-Maximum-Version'

HISTORY: list[tuple[tuple[int, int], str]] = [
    ((1, 0), 'Sites, protection plans, actions and operations.'),
]

MIN_VERSION = HISTORY[0][0]
MAX_VERSION = HISTORY[-1][0]

_VERSION_RE = re.compile(r'^([1-9]\d*)\.(0|[1-9]\d*)$')


class InvalidVersion(ValueError):
    pass


def to_str(version: tuple[int, int]) -> str:
    return '%d.%d' % version


def parse(headers) -> tuple[int, int]:
    """The version a request asks for; the minimum when it asks none.

    Raises :class:`InvalidVersion` for a malformed header; the range is
    checked by the caller.
    """
    requested = microversion_parse.get_version(
        headers, service_type=SERVICE_TYPE)
    if requested is None:
        return MIN_VERSION
    requested = requested.strip()
    if requested == 'latest':
        return MAX_VERSION
    match = _VERSION_RE.match(requested)
    if not match:
        raise InvalidVersion(requested)
    return int(match.group(1)), int(match.group(2))


def in_range(version: tuple[int, int]) -> bool:
    return MIN_VERSION <= version <= MAX_VERSION
