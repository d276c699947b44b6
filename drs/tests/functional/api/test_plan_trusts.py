"""A plan's Keystone trust: created with the plan, never shown, deleted
with it (real Keystone)."""

from drs.db import api as db_api
from drs import context as drs_context
from drs.tests.functional.api.test_plans import create


def _trusts(api) -> list[dict]:
    admin = api.keystone.admin_session()
    return admin.get(api.keystone.url + '/OS-TRUST/trusts').json()['trusts']


def test_trust_created_hidden_and_deleted(api, sites):
    plan = create(api)
    row = db_api.plan_get(drs_context.get_admin_context(), plan['id'])
    assert row.trust_id
    assert row.trust_id not in str(plan)
    trust = [t for t in _trusts(api) if t['id'] == row.trust_id]
    assert len(trust) == 1
    assert trust[0]['impersonation'] is True
    assert trust[0]['project_id'] == api.keystone.project_ids['project-a']
    shown = api.get('/v1/plans/' + plan['id'], status=200).text
    assert row.trust_id not in shown
    api.delete('/v1/plans/' + plan['id'], status=204)
    assert row.trust_id not in [t['id'] for t in _trusts(api)]
