from oslo_policy import policy

from drs.common import states
from drs.policies import base

PLAN = 'dr:plan:%s'
ACTION = 'dr:plan:action:%s'

# Until 2026.1 one rule covered every action. An operator's override of
# it still applies to each per-action rule (oslo.policy's deprecated
# rules: the override is used, with a deprecation warning, while the
# per-action rule is not set itself).
_DEPRECATED_ACTION = policy.DeprecatedRule(
    name=PLAN % 'action', check_str=base.RULE_ADMIN_OR_MEMBER,
    deprecated_reason='One rule per action (dr:plan:action:<action>) lets '
    'operators split test and recovery permissions, e.g. members may run '
    'test_failover and preflight while failover stays with admins.',
    deprecated_since='2026.1')

_ACTION_DESCRIPTIONS = {
    'protect': 'Start replicating the resources of a plan.',
    'unprotect': 'Stop replicating the resources of a plan.',
    'sync': 'Refresh the recipes and measure the replication lag.',
    'preflight': 'Check, touching nothing, what a recovery would need.',
    'test_failover': 'Bring copies up at the target, isolated '
                     '(a drill; production untouched).',
    'cleanup_test': 'Remove what a test failover created.',
    'planned_migration': 'Move the workload to the target, in order, with '
                         'the source still up.',
    'failover': 'Recover the workload at the target (unplanned; the '
                'source is not contacted).',
    'reprotect': 'Replicate back from the target after a failover.',
    'failback': 'Move the workload back to the original source.',
}

rules = [
    policy.DocumentedRuleDefault(
        name=PLAN % 'get_all', check_str=base.RULE_ADMIN_OR_READER,
        scope_types=['project'],
        description="List the protection plans of the caller's project.",
        operations=[{'path': '/v1/plans', 'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name=PLAN % 'get_all:all_projects', check_str=base.RULE_ADMIN,
        scope_types=['project'],
        description='List the protection plans of every project.',
        operations=[{'path': '/v1/plans?all_projects=1', 'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name=PLAN % 'get', check_str=base.RULE_ADMIN_OR_READER,
        scope_types=['project'],
        description='Show a protection plan and its recipes.',
        operations=[{'path': '/v1/plans/{plan_id}', 'method': 'GET'},
                    {'path': '/v1/plans/{plan_id}/recipes',
                     'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name=PLAN % 'create', check_str=base.RULE_ADMIN_OR_MEMBER,
        scope_types=['project'], description='Create a protection plan.',
        operations=[{'path': '/v1/plans', 'method': 'POST'}]),
    policy.DocumentedRuleDefault(
        name=PLAN % 'update', check_str=base.RULE_ADMIN_OR_MEMBER,
        scope_types=['project'], description='Update a protection plan.',
        operations=[{'path': '/v1/plans/{plan_id}', 'method': 'PATCH'}]),
    policy.DocumentedRuleDefault(
        name=PLAN % 'delete', check_str=base.RULE_ADMIN_OR_MEMBER,
        scope_types=['project'], description='Delete a protection plan.',
        operations=[{'path': '/v1/plans/{plan_id}', 'method': 'DELETE'}]),
    *[policy.DocumentedRuleDefault(
        name=ACTION % action, check_str=base.RULE_ADMIN_OR_MEMBER,
        scope_types=['project'],
        description='Run the %s action on a plan: %s' % (
            action, _ACTION_DESCRIPTIONS[action]),
        operations=[{'path': '/v1/plans/{plan_id}/actions (%s)' % action,
                     'method': 'POST'}],
        deprecated_rule=_DEPRECATED_ACTION)
      for action in states.ACTIONS],
]


def list_rules():
    return rules
