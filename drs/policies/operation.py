from oslo_policy import policy

from drs.policies import base

OPERATION = 'dr:operation:%s'

rules = [
    policy.DocumentedRuleDefault(
        name=OPERATION % 'get_all', check_str=base.RULE_ADMIN_OR_READER,
        scope_types=['project'],
        description="List the operations of the caller's project.",
        operations=[{'path': '/v1/operations', 'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name=OPERATION % 'get', check_str=base.RULE_ADMIN_OR_READER,
        scope_types=['project'],
        description='Show an operation, its events and its report.',
        operations=[{'path': '/v1/operations/{operation_id}',
                     'method': 'GET'},
                    {'path': '/v1/operations/{operation_id}/events',
                     'method': 'GET'},
                    {'path': '/v1/operations/{operation_id}/report',
                     'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name=OPERATION % 'cancel', check_str=base.RULE_ADMIN_OR_MEMBER,
        scope_types=['project'], description='Cancel an operation.',
        operations=[{'path': '/v1/operations/{operation_id}/cancel',
                     'method': 'POST'}]),
]


def list_rules():
    return rules
