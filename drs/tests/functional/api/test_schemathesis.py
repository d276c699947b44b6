"""schemathesis over ``/v1/openapi.json`` against a running drs.

``drs-all-in-one`` (the real API and engine, SQLite, the side-effect
test flows so that actions touch no cloud) behind the real Keystone,
called with a real token of a project member. Every documented
operation gets generated requests, bounded in examples and time; a test
fails on any 5xx and on a response the document does not describe
(status code, content type, headers, body schema).
"""

import time

from hypothesis import given
from hypothesis import HealthCheck
from hypothesis import settings
import pytest
import schemathesis
from schemathesis import checks

from drs.tests.functional.cli import conftest as cli_conftest

# Bounds: examples per operation, and the whole run.
MAX_EXAMPLES = 25
RUN_SECONDS = 240

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture(scope='module')
def fuzz_server(keystone, tmp_path_factory):
    server = cli_conftest.start_server(
        keystone, str(tmp_path_factory.mktemp('drs-fuzz')), test_flows=True)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope='module')
def fuzz_token(keystone, fuzz_server):
    # Sites so that plan bodies naming them can pass validation.
    admin = keystone.admin_session()
    for name, region in (('site-a', 'RegionOne'), ('site-b', 'RegionTwo')):
        admin.post(fuzz_server.url + '/v1/sites', raise_exc=False, json={
            'site': {'name': name, 'region_name': region,
                     'auth_url': keystone.url}})
    return keystone.token('alice')


@pytest.fixture(scope='module')
def api_schema(fuzz_server):
    return schemathesis.openapi.from_url(
        fuzz_server.url + '/v1/openapi.json', wait_for_schema=30)


def test_api_conforms_to_its_document(api_schema, fuzz_server, fuzz_token):
    """Every operation, MAX_EXAMPLES generated requests each.

    (schemathesis's own pytest plugin does not load with this pytest; its
    strategies are driven with hypothesis directly.)
    """
    headers = {'X-Auth-Token': fuzz_token}
    deadline = time.monotonic() + RUN_SECONDS
    failures, ran = [], []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if time.monotonic() > deadline:
            break

        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None,
                  derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            case.call_and_validate(base_url=fuzz_server.url,
                                   headers=headers, checks=CHECKS,
                                   timeout=30)

        ran.append(operation.label)
        try:
            run()
        except Exception as e:  # noqa: BLE001 - collected, reported below
            failures.append('%s: %s' % (operation.label, str(e)[:2000]))
    assert len(ran) >= 15, ran
    assert not failures, '\n\n'.join(failures)
