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

# One version: "latest" or MAJOR.MINOR in decimal digits. Leading zeros
# are accepted and ignored ("1.01" is 1.1), as microversion_parse and the
# other OpenStack services read them; "0.9" is well formed (and outside the
# range: a 406, not a 400).
VERSION_PATTERN = r'(latest|[0-9]+\.[0-9]+)'
# The whole header: comma-separated "<service type> <version>" entries;
# other services' entries are allowed (and ignored), drs's own must hold a
# well-formed version. The OpenAPI document publishes this same pattern.
_ENTRY = (r'([dD][rR] +%s|(?![dD][rR] )[A-Za-z0-9_-]+ +[^ ,]+)'
          % VERSION_PATTERN)
HEADER_PATTERN = r'^ *%s *(, *%s *)*$' % (_ENTRY, _ENTRY)

_VERSION_RE = re.compile(r'^([0-9]+)\.([0-9]+)$')
_HEADER_RE = re.compile(HEADER_PATTERN)


class InvalidVersion(ValueError):
    pass


def to_str(version: tuple[int, int]) -> str:
    return '%d.%d' % version


def parse(headers) -> tuple[int, int]:
    """The version a request asks for; the minimum when it asks none.

    Raises :class:`InvalidVersion` for a malformed header; the range is
    checked by the caller.
    """
    raw = headers.get(HEADER)
    if raw is not None and not _HEADER_RE.match(raw):
        # An empty value or one without a service type ("T"): malformed,
        # not "no version asked".
        raise InvalidVersion(raw)
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
