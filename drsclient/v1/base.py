"""What the v1 managers share: paths, lookup by name or id."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
import urllib.parse

from drsclient import exceptions

if TYPE_CHECKING:
    from drsclient.client import HTTPClient

_UUID_RE = re.compile(r'^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$')
#: The shortest id prefix looked up: the progress line shows 8 characters.
MIN_PREFIX = 4
_PREFIX_RE = re.compile(r'^[0-9a-fA-F][0-9a-fA-F-]{%d,34}$' % (MIN_PREFIX - 1))


def is_uuid_like(value: str) -> bool:
    return bool(_UUID_RE.match(value))


def is_id_prefix(value: str) -> bool:
    """Whether ``value`` may be the start of an id (``3f2a9c1e``)."""
    return bool(_PREFIX_RE.match(value)) and not is_uuid_like(value)


class Manager:
    """A collection under ``/v1/<collection>``."""

    collection = ''
    key = ''
    #: Whether the server resolves names itself in ``GET /v1/<c>/<ref>``.
    server_resolves_names = False

    def __init__(self, http: HTTPClient):
        self.http = http

    def _path(self, *parts: str) -> str:
        return '/'.join(('v1', self.collection)
                        + tuple(urllib.parse.quote(p, safe='')
                                for p in parts))

    def list(self, limit: int | None = None, **filters: object) -> list[dict]:
        """Every item (following ``next`` links), filtered."""
        return self.http.list(self._path(), self.collection,
                              params=dict(filters), limit=limit)

    def get(self, ident: str) -> dict:
        """The item with this id."""
        return self.http.get(self._path(ident))[self.key]

    def find(self, name_or_id: str) -> dict:
        """The item with this id, the only one with this name, or the only
        one whose id starts with it (``3f2a9c1e``, as progress shows ids).

        Raises :class:`~drsclient.exceptions.NotFound` when there is none
        and :class:`~drsclient.exceptions.NoUniqueMatch` when the name or
        the prefix is not unique.
        """
        if is_uuid_like(name_or_id) or self.server_resolves_names:
            try:
                return self.get(name_or_id)
            except exceptions.ApiNotFound:
                if is_uuid_like(name_or_id):
                    raise self._not_found(name_or_id)
        if not self.server_resolves_names:
            found = self.list(name=name_or_id)
            if len(found) > 1:
                raise exceptions.NoUniqueMatch(
                    '%d %ss are named %r; use the id (%s)' % (
                        len(found), self.key, name_or_id,
                        ', '.join(item['id'] for item in found)))
            if found:
                return found[0]
        if is_id_prefix(name_or_id):
            return self.find_prefix(name_or_id)
        raise self._not_found(name_or_id)

    def find_prefix(self, prefix: str) -> dict:
        """The only item whose id starts with ``prefix``."""
        wanted = prefix.lower()
        found = [item for item in self.list()
                 if str(item.get('id', '')).lower().startswith(wanted)]
        if len(found) > 1:
            raise exceptions.NoUniqueMatch(
                'the ids of %d %ss start with %r; give more of the id (%s)'
                % (len(found), self.key, prefix,
                   ', '.join(item['id'] for item in found)))
        if not found:
            raise self._not_found(prefix)
        return found[0]

    def _not_found(self, ref: str) -> exceptions.NotFound:
        return exceptions.NotFound('no %s with a name or id of %r exists'
                                   % (self.key, ref))

    def create(self, **fields: object) -> dict:
        return self.http.post(self._path(), {self.key: fields})[self.key]

    def update(self, ident: str, **fields: object) -> dict:
        return self.http.patch(self._path(ident),
                               {self.key: fields})[self.key]

    def delete(self, ident: str) -> None:
        self.http.delete(self._path(ident))
