"""Personas shared by every resource's policies.

drs uses project scope with the admin / member / reader roles that
Keystone's bootstrap creates (admin implies member implies reader).
"""

from oslo_policy import policy

ADMIN = 'role:admin'
PROJECT_MEMBER = 'role:member and project_id:%(project_id)s'
PROJECT_READER = 'role:reader and project_id:%(project_id)s'

RULE_ADMIN = 'rule:context_is_admin'
RULE_ADMIN_OR_MEMBER = 'rule:admin_or_project_member'
RULE_ADMIN_OR_READER = 'rule:admin_or_project_reader'
RULE_ANY_READER = 'rule:any_reader'

rules = [
    policy.RuleDefault(
        name='context_is_admin', check_str=ADMIN,
        description='Administrators of the cloud.'),
    policy.RuleDefault(
        name='admin_or_project_member',
        check_str='rule:context_is_admin or (%s)' % PROJECT_MEMBER,
        description='An administrator, or a member of the owning project.'),
    policy.RuleDefault(
        name='admin_or_project_reader',
        check_str='rule:context_is_admin or (%s)' % PROJECT_READER,
        description='An administrator, or a reader of the owning project.'),
    policy.RuleDefault(
        name='any_reader', check_str='role:reader or role:admin',
        description='Any authenticated user with a role in a project.'),
]


def list_rules():
    return rules
