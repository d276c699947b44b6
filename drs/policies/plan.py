from oslo_policy import policy

from drs.policies import base

PLAN = 'dr:plan:%s'

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
    policy.DocumentedRuleDefault(
        name=PLAN % 'action', check_str=base.RULE_ADMIN_OR_MEMBER,
        scope_types=['project'],
        description='Run an action (protect, failover, ...) on a plan.',
        operations=[{'path': '/v1/plans/{plan_id}/actions',
                     'method': 'POST'}]),
]


def list_rules():
    return rules
