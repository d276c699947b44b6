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


def test_one_rule_per_action_defaulting_to_members():
    from drs.common import states
    names = {r.name: r for r in policies.list_rules()}
    assert 'dr:plan:action' not in names
    for action in states.ACTIONS:
        rule = names['dr:plan:action:%s' % action]
        assert rule.check_str == 'rule:admin_or_project_member'
        assert rule.deprecated_rule.name == 'dr:plan:action'
        assert action in rule.description


def _policy_file(conf, tmp_path, rules: dict):
    import json
    path = tmp_path / 'policy.json'
    path.write_text(json.dumps(rules))
    conf.config(group='oslo_policy', policy_file=str(path))
    policy.reset()


MEMBER = ['member', 'reader']


def test_operators_split_test_from_recovery(conf, tmp_path):
    _policy_file(conf, tmp_path, {
        'dr:plan:action:failover': 'rule:context_is_admin',
        'dr:plan:action:planned_migration': 'rule:context_is_admin',
        'dr:plan:action:failback': 'rule:context_is_admin',
        'dr:plan:action:preflight': 'rule:admin_or_project_reader',
    })
    target = {'project_id': 'p1'}
    assert policy.check('dr:plan:action:test_failover', _ctx(MEMBER), target)
    assert policy.check('dr:plan:action:preflight', _ctx(['reader']), target)
    for action in ('failover', 'planned_migration', 'failback'):
        assert not policy.check('dr:plan:action:' + action, _ctx(MEMBER),
                                target)
        assert policy.check('dr:plan:action:' + action,
                            _ctx(['admin'] + MEMBER), target)


def test_an_override_of_the_old_rule_still_applies(conf, tmp_path):
    # An operator who had made every action admin-only keeps that.
    _policy_file(conf, tmp_path, {'dr:plan:action': 'rule:context_is_admin'})
    from drs.common import states
    for action in states.ACTIONS:
        assert not policy.check('dr:plan:action:' + action, _ctx(MEMBER),
                                {'project_id': 'p1'}), action
        assert policy.check('dr:plan:action:' + action,
                            _ctx(['admin'] + MEMBER), {'project_id': 'p1'})


def test_first_checks_from_many_threads_all_see_the_rules(conf):
    # A threaded WSGI server's first requests arrive together: each must
    # see the whole enforcer (it once was shared before its defaults were
    # registered, and an allowed request got a 403).
    import time
    from unittest import mock
    ctx = _ctx(['reader'])
    register = policy.policy.Enforcer.register_defaults

    def slow_register(self, rules):
        time.sleep(0.05)      # a thread switch here, as under load
        register(self, rules)
    with mock.patch.object(policy.policy.Enforcer, 'register_defaults',
                           slow_register):
        _ask_together(ctx)


def _ask_together(ctx):
    import threading
    for _round in range(3):
        policy.reset()
        start = threading.Barrier(8)
        answers: list = []

        def ask(start=start, answers=answers):
            start.wait()
            answers.append(policy.check('dr:site:get_all', ctx))
        threads = [threading.Thread(target=ask) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert answers == [True] * 8
