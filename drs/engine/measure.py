"""Replication lag and RPO of a plan: measured with list calls (one per
page or pool, never one per resource), written to the resources' rows, and
turned into degraded/protected with a notification on each change."""

from collections.abc import Mapping
from typing import Any

from oslo_config import cfg
from oslo_log import log

from drs.common import rpc
from drs.common import states
from drs.common import timeutils
from drs.db import api as db_api
from drs.drivers import base as drv_base
from drs.drivers.replication import base as repl_base
from drs import exception
from drs.engine import plans

CONF = cfg.CONF
LOG = log.getLogger(__name__)


# ------------------------------------------------------------ measurement

def _resource_lag(now: float, row, found: Mapping[str, Any] | None,
                  protected_at: float | None) -> float:
    """Lag of a replica: now - the time its data is as of.

    Before the first sync completes, the replica is as of nothing: the
    lag counts from protection.
    """
    if found and found.get('last_sync_at'):
        return max(0.0, now - float(found['last_sync_at']))
    return max(0.0, now - float(protected_at or now))


def _dated(found: Mapping[str, Any] | None,
           previous: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """The replica's status, dated by the last measurement when the
    storage cannot date it now (RBD journal mode: entries behind at
    rbd-mirror's last status refresh, e.g. during a burst of writes or
    with the source site gone): replication only moves forward, so the
    replica holds at least that. Not for a replica being re-made
    (syncing, error, split brain)."""
    if not found or found.get('last_sync_at') or not previous or \
            not previous.get('last_sync_at') or found.get('health') not in (
                repl_base.HEALTH_OK, repl_base.HEALTH_STOPPED):
        return found
    return dict(found, last_sync_at=previous['last_sync_at'])


def measure(context, plan_id: str, sweep: bool = False) -> dict[str, Any]:
    """Measure every resource's lag with list calls; update the rows.

    Volumes: the source's volume list (one call per page) for their
    replication status and, at the target, the replication backend's
    status of every replica (one call per pool: RBD's mirror pool
    status, the manageable-volume list of a Cinder-only site).
    Containers: both sites' account listings (one call per page) compare
    object count and bytes; an out-of-sync container's lag counts from
    the last time it was seen in sync. Servers: the worst of their
    volumes. Returns the plan's figures.

    With ``sweep`` (the periodic sweep, outside any operation), nothing
    is written to a resource an operation has unprotected meanwhile, nor
    to a plan that an operation holds or that left the protected states.
    """
    plan, c = plans.plan_clients(context, plan_id)
    now = plans._now()
    volume_ids = plans.plan_volume_ids(plan)
    source_vols: dict[str, dict] = {}
    replicas: dict[str, repl_base.ReplicaStatus] = {}
    if volume_ids:
        source_vols = {v['id']: v for v in
                       c.volume('source').list_volumes()}
        try:
            replicas = c.replication('target').status(
                [dict(source_vols.get(v) or {}, id=v) for v in volume_ids])
        except Exception as e:
            LOG.warning('Plan %(plan)s: replica list at the target failed: '
                        '%(err)s', {'plan': plan.id,
                                    'err': type(e).__name__})
    containers = [r.resource_id for r in plan.resources
                  if r.resource_type == plans.CONTAINER]
    cstatus: dict[str, dict] = {}
    if containers:
        source_os = c.object_storage('source')
        cstatus = source_os.replication_status(
            containers, c.object_storage('target'))

    rpo = plan.rpo_seconds
    worst: float | None = None
    per_resource = []
    for row in plan.resources:
        data = dict(row.protect_data or {})
        replica = dict(row.replica or {})
        if row.resource_type == plans.CONTAINER:
            st = cstatus.get(row.resource_id) or {}
            if st.get('in_sync'):
                replica['last_in_sync_at'] = now
                lag = 0.0
            else:
                since = replica.get('last_in_sync_at') or \
                    data.get('protected_at')
                lag = max(0.0, now - float(since or now))
            replica.update(source=st.get('source'), target=st.get('target'))
            state = _state(lag, rpo, st.get('in_sync'))
        else:
            lags = []
            errors = []
            vols = replica.get('volumes') or {}
            for vid in plans.row_volume_ids(row):
                vdata = (data.get('volumes') or {}).get(vid, data) \
                    if row.resource_type == plans.SERVER else data
                src = source_vols.get(vid) or {}
                found = _dated(replicas.get(vid), (
                    vols if row.resource_type == plans.SERVER
                    else {vid: replica}).get(vid))
                vlag = _resource_lag(now, row, found,
                                     vdata.get('protected_at'))
                lags.append(vlag)
                status = src.get('replication_status')
                if status in ('error', 'disabled', 'not-capable') or \
                        vid not in source_vols or (found or {}).get(
                            'health') in (repl_base.HEALTH_SPLIT_BRAIN,
                                          repl_base.HEALTH_ERROR):
                    errors.append(vid)
                vols[vid] = {'site': c.sites['target'].get('name'),
                             'reference': (found or {}).get('reference'),
                             'health': (found or {}).get('health'),
                             'replication_status': status,
                             'last_sync_at': (found or {}).get(
                                 'last_sync_at'),
                             'lag_seconds': round(vlag, 3)}
            if row.resource_type == plans.VOLUME:
                replica.update(vols.get(row.resource_id, {}))
            else:
                replica['volumes'] = vols
            lag = max(lags) if lags else 0.0
            state = (drv_base.STATE_ERROR if errors
                     else _state(lag, rpo, None))
        lag = round(lag, 3)
        worst = lag if worst is None else max(worst, lag)
        db_api.protected_resource_update(
            context, plan.id, row.resource_type, row.resource_id,
            {'replication_state': state, 'lag_seconds': lag,
             'replica': replica},
            unless_state=drv_base.STATE_UNPROTECTED if sweep else None)
        per_resource.append({'type': row.resource_type,
                             'id': row.resource_id, 'state': state,
                             'lag_seconds': lag})
    # ``rpo_seconds`` of an operation's result (and report) is what was
    # achieved, the age of the oldest replica's data: never the target,
    # which users took for it.
    figures = {'plan_id': plan.id, 'rpo_seconds': worst,
               'rpo_seconds_target': rpo,
               'rpo_seconds_achieved': worst, 'resources': per_resource,
               'measured_at': now}
    values = {'rpo_seconds_achieved': worst,
              'last_sync_at': timeutils.utcnow()}
    if not sweep:
        db_api.plan_update(context, plan.id, values, require_idle=False)
        return figures
    try:
        db_api.plan_update(context, plan.id, values, require_idle=True,
                           allowed_statuses=plans.SWEPT_STATES)
    except exception.Conflict:
        LOG.debug('Plan %s changed during the sweep: figures not kept',
                  plan.id)
    return figures


def _state(lag: float, rpo: int | None, in_sync: bool | None) -> str:
    if in_sync:
        return drv_base.STATE_IN_SYNC
    if rpo is not None and lag > rpo:
        return drv_base.STATE_LAGGING
    if in_sync is False:
        return drv_base.STATE_REPLICATING
    return drv_base.STATE_IN_SYNC


def apply_rpo(context, plan_id: str, figures: dict,
              operation_id: str | None = None) -> str:
    """Degrade or recover the plan by its achieved RPO; notify a change."""
    plan = db_api.plan_get(context, plan_id)
    before = plan.status
    achieved = figures.get('rpo_seconds_achieved')
    if plan.rpo_seconds is None or achieved is None:
        return before
    event = states.DEGRADE if achieved > plan.rpo_seconds \
        else states.RECOVER
    after = db_api.plan_replication_event(context, plan_id, event,
                                          operation_id=operation_id)
    if after != before:
        LOG.info('Plan %(plan)s: %(before)s -> %(after)s (RPO %(rpo)ss, '
                 'target %(target)ss)',
                 {'plan': plan_id, 'before': before, 'after': after,
                  'rpo': achieved, 'target': plan.rpo_seconds})
        notify(context, 'dr.plan.%s' % ('degraded' if after ==
                                        states.DEGRADED else 'recovered'),
               {'plan_id': plan_id, 'project_id': plan.project_id,
                'status': after, 'previous_status': before,
                'rpo_seconds': plan.rpo_seconds,
                'rpo_seconds_achieved': achieved})
    return after


def notify(context, event_type: str, payload: dict) -> None:
    try:
        rpc.get_notifier('drs-engine').info(context, event_type, payload)
    except Exception as e:
        LOG.warning('Notification %(type)s not sent: %(err)s',
                    {'type': event_type, 'err': type(e).__name__})
