from oslo_context import context as o_context
import pytest

from drs import policies
from drs import policy


def test_rules_are_unique_and_documented():
    rules = list(policies.list_rules())
    names = [r.name for r in rules]
    assert len(names) == len(set(names))
    for rule in rules:
        if rule.name.startswith('dr:'):
            assert rule.scope_types == ['project']
            assert rule.description


def _ctx(roles, project='p1'):
    return o_context.RequestContext(user_id='u', project_id=project,
                                    roles=roles)


@pytest.mark.parametrize('roles,rule,project,allowed', [
    (['reader'], 'dr:plan:get', 'p1', True),
    (['reader'], 'dr:plan:update', 'p1', False),
    (['member', 'reader'], 'dr:plan:update', 'p1', True),
    (['member', 'reader'], 'dr:plan:update', 'p2', False),
    (['admin', 'member', 'reader'], 'dr:plan:update', 'p2', True),
    (['member', 'reader'], 'dr:site:create', 'p1', False),
    (['admin'], 'dr:site:create', 'p1', True),
    (['reader'], 'dr:site:get_all', 'p1', True),
    (['member', 'reader'], 'dr:site:get:endpoint_overrides', 'p1', False),
])
def test_personas(conf, roles, rule, project, allowed):
    assert policy.check(rule, _ctx(roles),
                        {'project_id': project}) is allowed
