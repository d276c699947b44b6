"""Request and response samples of the API reference, from real calls.

Every sample in ``api-ref/source/samples`` is a real request to, or
response from, drs. With ``DRS_WRITE_API_SAMPLES=1`` the tests that make
the calls (re)write them; otherwise they check that the committed
samples still have the live responses' shape (the same keys, the same
JSON types; ids, times and other values may differ), and that every
live response matches its OpenAPI schema.

Most samples come from the functional test against drs-all-in-one and
its test flows (``drs/tests/functional/cli/test_api_samples.py``); the
ones in :data:`CLOUD_SAMPLES` show what only a real protection and
failover produce (recipes, replication state, per-resource steps, RTO
and RPO) and come from the integration test on the two-site test cloud
(``drs/tests/integration/test_api_samples_cloud.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
import functools
import json
import os
import re
import time
from typing import Any

import jsonschema

from drs.api import openapi

CLOUD_SAMPLES = frozenset({
    'plan-show-resp', 'plan-recipes-resp', 'operation-show-resp',
    'operation-events-resp', 'operation-report-resp'})

SAMPLES = os.path.join(os.path.dirname(__file__), '..', '..', 'api-ref',
                       'source', 'samples')
WRITE = os.environ.get('DRS_WRITE_API_SAMPLES') == '1'
# Samples show this URL instead of the test server's.
PUBLIC_URL = 'http://drs.example.com:9779'
WAIT = 60


_ID = re.compile(r'^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$')


def shape(value: Any) -> Any:
    """The keys and JSON types of a document, without its values.

    The elements of a list are merged into one shape (a plan's resources
    are of several types, in no set order), and so are the values of a
    map keyed by ids (one ``<id>`` key).
    """
    if isinstance(value, dict):
        if value and all(_ID.match(k) for k in value):
            return {'<id>': _merged(shape(v) for v in value.values())}
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_merged(shape(v) for v in value)] if value else []
    if value is None:
        return None
    if isinstance(value, bool):
        return 'boolean'
    if isinstance(value, (int, float)):
        return 'number'
    return 'string'


def _merged(shapes: Iterable[Any]) -> Any:
    return functools.reduce(_merge, shapes, None)


def _merge(a: Any, b: Any) -> Any:
    if a is None or b is None:
        return b if a is None else a
    if isinstance(a, dict) and isinstance(b, dict):
        return {k: _merge(a.get(k), b.get(k)) for k in set(a) | set(b)}
    if isinstance(a, list) and isinstance(b, list):
        return [_merged(a + b)] if a or b else []
    return a if a == b else 'mixed'


def same_shape(committed: Any, live: Any, where: str = '') -> list[str]:
    """Where two shapes differ; None (null) matches any type, and so
    does a list's element of mixed types."""
    if committed is None or live is None or 'mixed' in (committed, live):
        return []
    if isinstance(committed, dict) and isinstance(live, dict):
        problems = []
        for key in sorted(set(committed) | set(live)):
            if key not in live:
                problems.append('%s.%s: gone from the live response'
                                % (where, key))
            elif key not in committed:
                problems.append('%s.%s: new in the live response'
                                % (where, key))
            else:
                problems += same_shape(committed[key], live[key],
                                       '%s.%s' % (where, key))
        return problems
    if isinstance(committed, list) and isinstance(live, list):
        if committed and live:
            return same_shape(committed[0], live[0], where + '[0]')
        return []
    if committed != live:
        return ['%s: %s, now %s' % (where or '.', committed, live)]
    return []


class Recorder:
    """Makes API calls and records or checks them as samples."""

    def __init__(self, url: str, new_session: Callable[[str], Any],
                 wait: int = WAIT, skip: frozenset = frozenset()):
        """``new_session(user)`` gives a keystoneauth session of a user;
        samples named in ``skip`` are another test's (the responses are
        still validated)."""
        self.url = url
        self.skip = skip
        self.new_session = new_session
        self.wait_timeout = wait
        self.sessions: dict[str, Any] = {}
        self.problems: list[str] = []
        self.recorded: list[str] = []
        self.doc = openapi.document()

    def session(self, user: str):
        if user not in self.sessions:
            self.sessions[user] = self.new_session(user)
        return self.sessions[user]

    def _public(self, text: str) -> str:
        return text.replace(self.url, PUBLIC_URL)

    def call(self, name: str | None, method: str, path: str,
             body: Any = None, user: str = 'alice', status: int = 200,
             template: str | None = None, request_sample: bool = True
             ) -> Any:
        """Call the API; record ``name``-req/-resp samples."""
        kwargs: dict[str, Any] = {'raise_exc': False, 'headers': {
            'OpenStack-API-Version': 'dr 1.0'}}
        if body is not None:
            kwargs['json'] = body
        if method != 'DELETE':
            kwargs['headers']['Accept'] = 'application/json'
        resp = self.session(user).request(self.url + path, method,
                                          **kwargs)
        assert resp.status_code == status, (method, path, resp.status_code,
                                            resp.text)
        data = resp.json() if resp.content else None
        if template:
            self._validate(template, method, status, data)
        if name:
            if body is not None and request_sample:
                self._sample(name + '-req', body)
            if data is not None:
                self._sample(name + '-resp', data)
        return data

    def _validate(self, template: str, method: str, status: int,
                  data: Any) -> None:
        op = self.doc['paths'][template][method.lower()]
        response = op['responses'][str(status)]
        if '$ref' in response:
            response = self.doc['components']['responses'][
                response['$ref'].rsplit('/', 1)[1]]
        # '#/components/...' resolves inside the schema validated.
        schema = dict(response['content']['application/json']['schema'],
                      components=self.doc['components'])
        validator = jsonschema.Draft202012Validator(schema)
        for error in validator.iter_errors(data):
            self.problems.append('%s %s %d: %s at %s' % (
                method, template, status, error.message,
                list(error.absolute_path)))

    def _sample(self, name: str, data: Any) -> None:
        if name in self.skip:
            return
        path = os.path.join(SAMPLES, name + '.json')
        text = self._public(json.dumps(data, indent=4, sort_keys=True))
        self.recorded.append(name)
        if WRITE:
            os.makedirs(SAMPLES, exist_ok=True)
            with open(path, 'w') as f:
                f.write(text + '\n')
            return
        try:
            with open(path) as f:
                committed = json.load(f)
        except FileNotFoundError:
            self.problems.append('%s: no committed sample (run with '
                                 'DRS_WRITE_API_SAMPLES=1)' % name)
            return
        self.problems += ['%s: %s' % (name, p) for p in same_shape(
            shape(committed), shape(json.loads(text)))]

    def wait(self, operation_id: str, user: str = 'alice') -> dict:
        deadline = time.monotonic() + self.wait_timeout
        while True:
            op = self.call(None, 'GET', '/v1/operations/' + operation_id,
                           user=user)['operation']
            if op['status'] in ('succeeded', 'failed', 'cancelled'):
                assert op['status'] == 'succeeded', op
                return op
            assert time.monotonic() < deadline, op
            time.sleep(0.2)

    def assert_clean(self) -> None:
        assert not self.problems, '\n'.join(self.problems)
