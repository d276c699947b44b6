"""Lookups shared by the v1 controllers."""

from drs.db import api as db_api
from drs import policy


def scope(context) -> str | None:
    """The project a caller's plan lookups are confined to (admins: none)."""
    if policy.check('context_is_admin', context):
        return None
    return context.project_id


def get_plan(context, plan_id: str, rule: str):
    """The plan, authorized for ``rule``.

    A plan of another project is not found, never forbidden: a 403 would
    confirm that it exists.
    """
    plan = db_api.plan_get(context, plan_id, project_id=scope(context))
    policy.authorize(rule, context, {'project_id': plan.project_id})
    return plan


def get_operation(context, operation_id: str, rule: str):
    """The operation, authorized; another project's is not found."""
    op = db_api.operation_get(context, operation_id,
                              project_id=scope(context))
    policy.authorize(rule, context, {'project_id': op.project_id})
    return op
