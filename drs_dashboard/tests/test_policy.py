"""The policy files the dashboard ships are drs's policy-in-code."""

import os

from drs_dashboard.conf import generate_policy


def test_policy_files_are_generated_from_drs_policies():
    for path, render in ((generate_policy.PATH, generate_policy.render),
                         (generate_policy.DEFAULTS_PATH,
                          generate_policy.render_defaults)):
        with open(path) as f:
            assert f.read() == render(), (
                '%s is stale: run python -m '
                'drs_dashboard.conf.generate_policy' % os.path.basename(path))


def test_every_action_has_its_rule_member_or_admin_by_default():
    text = generate_policy.render()
    for action in ('protect', 'test_failover', 'failover', 'failback'):
        assert '"dr:plan:action:%s": "rule:admin_or_project_member"' % (
            action) in text
