"""The cross-project and persona matrix, generated from the policy rules.

Every operation of every ``dr:`` rule (route x method, each action on its
own) is called through the real Keystone by four personas: the cloud
admin, a member and a reader of the owning project, and a member of
another project. What each must get is computed from the same rule
(oslo.policy, with the persona's roles and project):

* allowed: anything but 401/403/404 (a 409 of a busy plan is fine);
* refused, on another project's plan or operation: 404 (never a 403
  that would confirm it exists);
* refused otherwise: 403;
* and another project's persona never sees the owning project's ids
  (other than one it gave in the URL).
"""

from oslo_context import context as o_context
import pytest

from drs import policies
from drs import policy
from drs.tests.functional.api.test_plans import plan_body

PERSONAS = {
    # user: (project, roles as Keystone's implied roles expand them)
    'admin': ('admin', ['admin', 'member', 'reader']),
    'alice': ('project-a', ['member', 'reader']),
    'rita': ('project-a', ['reader']),
    'bob': ('project-b', ['member', 'reader']),
}


def _cases():
    cases = []
    for rule in policies.list_rules():
        if not rule.name.startswith('dr:'):
            continue
        for op in rule.operations:
            for user in PERSONAS:
                cases.append(pytest.param(
                    rule.name, op['method'], op['path'], user,
                    id='%s-%s-%s-%s' % (rule.name, op['method'], op['path'],
                                        user)))
    return cases


def _body(method: str, path: str):
    if ' (' in path:  # an action: "/v1/plans/{plan_id}/actions (failover)"
        return {path.split(' (')[1].rstrip(')'): {}}
    if method == 'POST' and path == '/v1/plans':
        return plan_body(name='matrix-plan', resources=[])
    if method == 'POST' and path == '/v1/sites':
        return {'site': {'name': 'matrix-site', 'region_name': 'R3',
                         'auth_url': 'http://127.0.0.1:5000/v3'}}
    if method == 'PATCH' and '/plans/' in path:
        return {'plan': {'name': 'renamed'}}
    if method == 'PATCH' and '/sites/' in path:
        return {'site': {'description': 'changed'}}
    return None


# Policy does not depend on the database; the other API tests cover the
# three. On SQLite only, the matrix runs in about two minutes.
@pytest.mark.parametrize('database', ['sqlite'], indirect=True)
@pytest.mark.parametrize('rule,method,path,user', _cases())
def test_persona_matrix(api, sites, rule, method, path, user):
    owner = api.keystone.project_ids['project-a']
    plan = api.post('/v1/plans', status=201,
                    body=plan_body(resources=[])).json['plan']
    op = api.post('/v1/plans/%s/actions' % plan['id'], status=202,
                  body={'protect': {}}).json['operation']
    url = path.split(' (')[0].format(
        plan_id=plan['id'], operation_id=op['id'],
        site_id=sites['site-a']['id'])

    project, roles = PERSONAS[user]
    project_id = api.keystone.project_ids[project]
    owned_item = '{plan_id}' in path or '{operation_id}' in path
    ctx = o_context.RequestContext(user_id=user, project_id=project_id,
                                   roles=roles)
    policy.reset()
    allowed = policy.check(rule, ctx, {
        'project_id': owner if owned_item else project_id})

    resp = api.request(method, url, user=user, body=_body(method, path))
    label = '%s %s as %s (%s): %s %s' % (method, path, user, rule,
                                        resp.status, resp.text[:300])
    if rule == 'dr:site:get:endpoint_overrides':
        # A field, not a route: shown to those the rule allows.
        assert resp.status_int == 200, label
        shown = resp.json.get('site') or resp.json['sites'][0]
        assert ('endpoint_overrides' in shown) is allowed, label
    elif allowed:
        assert resp.status_int not in (401, 403, 404), label
        assert resp.status_int < 500, label
    elif owned_item and project != 'project-a' and user != 'admin':
        assert resp.status_int == 404, label
    else:
        assert resp.status_int == 403, label
    if project not in ('project-a', 'admin'):
        # (An id the caller gave in the URL may be echoed in a 404.)
        for own_id in (plan['id'], op['id']):
            if own_id not in url:
                assert own_id not in resp.text, label
