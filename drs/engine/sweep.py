"""The engine's periodic replication sweep: recipes refreshed and lag
measured for every protected plan that no operation holds."""

from typing import Any

from oslo_config import cfg
from oslo_log import log

from drs.db import api as db_api
from drs.engine import listings
from drs.engine import measure
from drs.engine import plans
from drs.engine import resources

CONF = cfg.CONF
LOG = log.getLogger(__name__)


class Fenced(Exception):
    """An operation took the plan during its sweep: the sweep stops."""


def _fence(context, plan_id: str) -> None:
    """Stop sweeping a plan an operation holds now (a failover that
    started during the sweep must not race it at the source site)."""
    plan = db_api.plan_get(context, plan_id)
    if plan.current_operation_id or plan.status not in plans.SWEPT_STATES:
        raise Fenced(plan_id)


def sweep_plan(context, plan_id: str) -> dict[str, Any] | None:
    """Refresh recipes, measure, degrade/recover: one plan, no operation.

    Between two steps the plan is read again; once an operation holds it
    the sweep stops (None) and leaves the plan to that operation.
    """
    try:
        return _sweep_plan(context, plan_id)
    except Fenced:
        LOG.info('Plan %s: an operation started, sweep stopped', plan_id)
        return None


def _sweep_plan(context, plan_id: str) -> dict[str, Any]:
    plan = db_api.plan_get(context, plan_id)
    share = 'sweep-%s' % plan_id
    try:
        _refresh(context, plan, share)
    finally:
        listings.release(share)
    _fence(context, plan_id)
    figures = measure.measure(context, plan_id, sweep=True)
    figures['plan_status'] = measure.apply_rpo(context, plan_id, figures)
    return figures


def _refresh(context, plan, share: str) -> None:
    """Every swept resource refreshed, from list calls shared by the
    pass (``share``)."""
    plan_id = plan.id
    for row in plan.resources:
        steps = resources.steps_for(row.resource_type)
        if steps.swept:
            _fence(context, plan_id)
            try:
                steps.refresh_listed(context, plan_id, row.resource_id,
                                     share)
            except Exception as e:
                LOG.warning('Plan %(plan)s: %(type)s %(id)s not refreshed: '
                            '%(err)s',
                            {'plan': plan_id, 'type': row.resource_type,
                             'id': row.resource_id,
                             'err': type(e).__name__})


def sweep(context) -> int:
    """The periodic sweep over every protected plan that runs nothing.

    A plan's failure is logged and the sweep goes on. Returns how many
    plans were measured.
    """
    done = 0
    swept = [plan for status in plans.SWEPT_STATES
             for plan in db_api.plan_list(context, filters={'status': status})]
    for plan in swept:
        if plan.current_operation_id or not plan.trust_id:
            continue
        try:
            if sweep_plan(context, plan.id) is not None:
                done += 1
        except Exception as e:
            LOG.warning('Plan %(plan)s: replication sweep failed: '
                        '%(err)s', {'plan': plan.id,
                                    'err': type(e).__name__})
    return done
