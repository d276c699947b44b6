"""The drs API client: endpoint discovery, microversions, HTTP.

:class:`Client` finds the ``dr`` endpoint in the service catalog of a
keystoneauth1 session (or takes ``endpoint_override``), negotiates the
microversion with the server's ``GET /`` on first use, and sends every
request with ``OpenStack-API-Version: dr 1.N``.
"""

from __future__ import annotations

import re
from typing import Any

from keystoneauth1 import adapter
from keystoneauth1 import exceptions as ks_exc

from drsclient import exceptions
from drsclient.v1 import operations
from drsclient.v1 import plans
from drsclient.v1 import sites

SERVICE_TYPE = 'dr'
HEADER = 'OpenStack-API-Version'
#: The newest microversion this client knows.
MAX_VERSION = (1, 0)
MIN_VERSION = (1, 0)

_VERSION_RE = re.compile(r'^([1-9]\d*)\.(0|[1-9]\d*)$')

Version = tuple[int, int]


def parse_version(text: str) -> Version:
    match = _VERSION_RE.match(text.strip())
    if not match:
        raise exceptions.UnsupportedVersion(
            'invalid API version %r: expected 1.N or "latest"' % text)
    return int(match.group(1)), int(match.group(2))


def version_str(version: Version) -> str:
    return '%d.%d' % version


class HTTPClient:
    """Sends requests to the drs API through a keystoneauth1 adapter."""

    def __init__(self, session: Any, endpoint_override: str | None = None,
                 region_name: str | None = None,
                 interface: str | None = None,
                 api_version: str = '1.0',
                 service_type: str = SERVICE_TYPE):
        self.adapter = adapter.Adapter(
            session, service_type=service_type,
            endpoint_override=endpoint_override, region_name=region_name,
            interface=interface)
        self.requested_version = api_version
        self._root: str | None = None
        self._version: Version | None = None
        self.server_versions: tuple[Version, Version] | None = None

    # ------------------------------------------------------------ endpoint

    @property
    def root(self) -> str:
        """The API's root URL, without ``/v1``."""
        if self._root is None:
            try:
                endpoint = self.adapter.get_endpoint()
            except ks_exc.EndpointNotFound:
                endpoint = None
            if not endpoint:
                raise exceptions.EndpointNotFound(
                    'no "%s" endpoint in the service catalog; is drs '
                    'registered in Keystone? Otherwise give its URL with '
                    '--os-dr-endpoint-override (or OS_DR_ENDPOINT_OVERRIDE)'
                    % self.adapter.service_type)
            endpoint = endpoint.rstrip('/')
            if endpoint.endswith('/v1'):
                endpoint = endpoint[:-3]
            self._root = endpoint
        return self._root

    def url(self, path: str) -> str:
        if path.startswith(('http://', 'https://')):
            return path
        return '%s/%s' % (self.root, path.lstrip('/'))

    # ---------------------------------------------------------- versions

    @property
    def api_version(self) -> Version:
        """The negotiated microversion (asks the server once)."""
        if self._version is None:
            self._version = self._negotiate()
        return self._version

    def _negotiate(self) -> Version:
        requested = self.requested_version
        if requested in ('1', ''):
            requested = 'latest'
        if requested != 'latest':
            version = parse_version(requested)
            if not MIN_VERSION <= version <= MAX_VERSION:
                raise exceptions.UnsupportedVersion(
                    'this client supports API versions %s to %s, not %s'
                    % (version_str(MIN_VERSION), version_str(MAX_VERSION),
                       requested))
        low, high = self.discover()
        if requested == 'latest':
            best = min(high, MAX_VERSION)
            if best < low:
                raise exceptions.UnsupportedVersion(
                    'the server supports API versions %s to %s; this '
                    'client %s to %s' % (
                        version_str(low), version_str(high),
                        version_str(MIN_VERSION), version_str(MAX_VERSION)))
            return best
        if not low <= version <= high:
            raise exceptions.UnsupportedVersion(
                'the server supports API versions %s to %s, not %s'
                % (version_str(low), version_str(high), requested))
        return version

    def discover(self) -> tuple[Version, Version]:
        """The (min, max) microversions of the server's v1 API."""
        if self.server_versions is None:
            body = self._send('GET', '/', versioned=False)
            for doc in body.get('versions', []):
                if doc.get('id') == 'v1':
                    self.server_versions = (
                        parse_version(doc['min_version']),
                        parse_version(doc['version']))
                    break
            else:
                raise exceptions.ClientError(
                    'the server at %s offers no v1 API' % self.root)
        return self.server_versions

    # ------------------------------------------------------------ requests

    def _send(self, method: str, path: str, versioned: bool = True,
              json: Any = None, params: dict | None = None) -> Any:
        url = self.url(path)
        headers = {}
        # The API's DELETE answers 204 with no body; asking it for JSON
        # gets a 406 from Pecan.
        if method != 'DELETE':
            headers['Accept'] = 'application/json'
        if versioned:
            headers[HEADER] = '%s %s' % (SERVICE_TYPE,
                                         version_str(self.api_version))
        kwargs: dict[str, Any] = {'headers': headers, 'raise_exc': False}
        if json is not None:
            kwargs['json'] = json
        if params:
            kwargs['params'] = params
        resp = self.adapter.request(url, method, **kwargs)
        if resp.status_code >= 400:
            raise exceptions.from_response(resp, method, url)
        if resp.status_code == 204 or not resp.content:
            return None
        return resp.json()

    def get(self, path: str, params: dict | None = None) -> Any:
        return self._send('GET', path, params=params)

    def post(self, path: str, body: Any) -> Any:
        return self._send('POST', path, json=body)

    def patch(self, path: str, body: Any) -> Any:
        return self._send('PATCH', path, json=body)

    def delete(self, path: str) -> None:
        self._send('DELETE', path)

    def list(self, path: str, key: str, params: dict | None = None,
             limit: int | None = None) -> list[dict]:
        """Every item of a collection, following the ``next`` links.

        ``limit`` caps the total number of items returned (the page size
        is the server's default, or ``limit`` when smaller).
        """
        params = {k: v for k, v in (params or {}).items() if v is not None}
        if limit is not None:
            params['limit'] = limit
        items: list[dict] = []
        url: str | None = path
        while url is not None:
            body = self.get(url, params=params)
            items.extend(body.get(key, []))
            if limit is not None and len(items) >= limit:
                return items[:limit]
            url = next((link['href'] for link in body.get('links', [])
                        if link.get('rel') == 'next'), None)
            # The next link carries the query string.
            params = {}
        return items


class Client:
    """The drs v1 API.

    :param session: a keystoneauth1 session.
    :param endpoint_override: the API's URL, instead of the catalog's.
    :param region_name: the region of the catalog endpoint.
    :param interface: the catalog interface (public, internal, admin).
    :param api_version: ``'1.N'``, or ``'latest'`` for the newest both
        sides support.
    """

    def __init__(self, session: Any, endpoint_override: str | None = None,
                 region_name: str | None = None,
                 interface: str | None = None,
                 api_version: str = '1.0', **kwargs: Any):
        self.http = HTTPClient(session, endpoint_override=endpoint_override,
                               region_name=region_name, interface=interface,
                               api_version=api_version)
        self.sites = sites.SiteManager(self.http)
        self.plans = plans.PlanManager(self.http)
        self.operations = operations.OperationManager(self.http)

    @property
    def api_version(self) -> str:
        return version_str(self.http.api_version)
