from oslo_policy import policy

from drs.policies import base

SITE = 'dr:site:%s'

rules = [
    policy.DocumentedRuleDefault(
        name=SITE % 'get_all', check_str=base.RULE_ANY_READER,
        scope_types=['project'], description='List sites.',
        operations=[{'path': '/v1/sites', 'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name=SITE % 'get', check_str=base.RULE_ANY_READER,
        scope_types=['project'], description='Show a site.',
        operations=[{'path': '/v1/sites/{site_id}', 'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name=SITE % 'get:endpoint_overrides', check_str=base.RULE_ADMIN,
        scope_types=['project'],
        description='See the endpoint overrides of sites.',
        operations=[{'path': '/v1/sites', 'method': 'GET'},
                    {'path': '/v1/sites/{site_id}', 'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name=SITE % 'create', check_str=base.RULE_ADMIN,
        scope_types=['project'], description='Register a site.',
        operations=[{'path': '/v1/sites', 'method': 'POST'}]),
    policy.DocumentedRuleDefault(
        name=SITE % 'update', check_str=base.RULE_ADMIN,
        scope_types=['project'], description='Update a site.',
        operations=[{'path': '/v1/sites/{site_id}', 'method': 'PATCH'}]),
    policy.DocumentedRuleDefault(
        name=SITE % 'delete', check_str=base.RULE_ADMIN,
        scope_types=['project'], description='Delete a site.',
        operations=[{'path': '/v1/sites/{site_id}', 'method': 'DELETE'}]),
]


def list_rules():
    return rules
