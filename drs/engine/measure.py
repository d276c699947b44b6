"""Replication lag and RPO of a plan: measured with list calls (one per
page or pool, never one per resource), written to the resources' rows, and
turned into degraded/protected with a notification on each change."""

from collections.abc import Mapping
import dataclasses
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
from drs.engine import resources

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


# Codes of a sync's findings (a preflight's have their own).
FOREIGN = 'foreign_resource'
REPLICATION_REMOVED = 'replication_removed'


def _finding(rtype: str, rid: str, code: str,
             detail: str) -> dict[str, Any]:
    return {'resource': {'type': rtype, 'id': rid}, 'severity': 'error',
            'code': code, 'detail': detail}


def volume_problems(c, plan, volume_ids: list[str],
                    source_vols: dict[str, dict]
                    ) -> dict[str, tuple[str, str]]:
    """``{volume id: (code, detail)}`` of the plan's volumes (its own
    and its servers') that are not its project's at the source, by the
    owner the listing shows or, for one the project's listing lacks, by
    reading it (one call each, only for those); and of those whose
    replication was removed outside drs: retyped to a type that does not
    replicate, or shown disabled (one list of the volume types). A
    foreign volume is dropped from ``source_vols``."""
    volumes = c.volume('source')
    out: dict[str, tuple[str, str]] = {}
    for vid in volume_ids:
        vol = source_vols.get(vid)
        try:
            if vol is None:
                source_vols[vid] = volumes.get_owned_volume(
                    vid, plan.project_id)
            else:
                volumes.check_owner(plans.VOLUME, vid, vol.get('project_id'),
                                    plan.project_id)
        except drv_base.ForeignResource as e:
            out[vid] = (FOREIGN, str(e))
            source_vols.pop(vid, None)
        except drv_base.ResourceNotFound:
            pass  # gone: an error of the volume (volume_figures)
    try:
        types = {}
        for t in volumes.list_volume_types():
            types[t['name']] = types[t['id']] = t
    except Exception as e:
        LOG.warning('Volume types not listed (%s): replication settings '
                    'of volumes not checked', type(e).__name__)
        types = {}
    for vid in volume_ids:
        vol = source_vols.get(vid)
        if vol is None or vid in out:
            continue
        vtype = types.get(vol.get('volume_type'))
        if vtype is not None and not vtype['replicated']:
            out[vid] = (REPLICATION_REMOVED, (
                'volume %s is now of type %s, which does not replicate: its '
                'replication was removed outside drs (protect it again)'
                % (vid, vol['volume_type'])))
        elif vol.get('replication_status') in ('disabled', 'not-capable'):
            out[vid] = (REPLICATION_REMOVED,
                        'replication of volume %s is %s at the source' % (
                            vid, vol['replication_status']))
    return out


@dataclasses.dataclass
class Measurement:
    """What a measurement read once for the whole plan: the time, the
    plan's RPO target, its sites, the source's volumes and the replicas
    of the plan's volumes at the target (by volume id)."""

    now: float
    rpo: int | None
    sites: Mapping[str, dict]
    source_vols: dict[str, dict]
    replicas: Mapping[str, Any]


def container_figures(m: Measurement, row, cstatus: Mapping[str, dict]
                      ) -> tuple[float, str, dict]:
    """Lag, state and replica record of a synced container, from the
    driver's ``replication_status`` (``cstatus``): an out-of-sync
    container's lag counts from what its replica is as of
    (``synced_until``) where the driver knows it, else from the last time
    it was seen in sync."""
    data = dict(row.protect_data or {})
    replica = dict(row.replica or {})
    st = cstatus.get(row.resource_id) or {}
    if st.get('in_sync'):
        replica['last_in_sync_at'] = m.now
        lag = 0.0
    else:
        # A driver that can tell what the replica is as of (RGW: the
        # oldest write the target zone has not synced) says so.
        until = st.get('synced_until')
        if until is not None:
            replica['last_in_sync_at'] = max(
                float(until), float(replica.get('last_in_sync_at') or 0))
        since = replica.get('last_in_sync_at') or \
            data.get('protected_at')
        lag = max(0.0, m.now - float(since or m.now))
    replica.update(source=st.get('source'), target=st.get('target'))
    return lag, _state(lag, m.rpo, st.get('in_sync')), replica


def volume_figures(m: Measurement, row, data_of
                   ) -> tuple[float, str, dict, dict]:
    """Lag, state, per-volume records and replica record of a resource
    whose data is on replicated volumes (:func:`plans.row_volume_ids`):
    the worst of its volumes. ``data_of(protect_data, volume_id)`` is the
    protect data of one of its volumes."""
    data = dict(row.protect_data or {})
    replica = dict(row.replica or {})
    lags = []
    errors = []
    vols = replica.get('volumes') or {}
    for vid in plans.row_volume_ids(row):
        vdata = data_of(data, vid)
        src = m.source_vols.get(vid) or {}
        # The last measurement of this volume: in the resource's own
        # record for a volume, in its per-volume records for a server.
        found = _dated(m.replicas.get(vid), vols.get(vid) or (
            replica if vid == row.resource_id else None))
        vlag = _resource_lag(m.now, row, found, vdata.get('protected_at'))
        lags.append(vlag)
        status = src.get('replication_status')
        if status in ('error', 'disabled', 'not-capable') or \
                vid not in m.source_vols or (found or {}).get(
                    'health') in (repl_base.HEALTH_SPLIT_BRAIN,
                                  repl_base.HEALTH_ERROR):
            errors.append(vid)
        vols[vid] = {'site': m.sites['target'].get('name'),
                     'reference': (found or {}).get('reference'),
                     'health': (found or {}).get('health'),
                     'replication_status': status,
                     'last_sync_at': (found or {}).get('last_sync_at'),
                     'lag_seconds': round(vlag, 3)}
    lag = max(lags) if lags else 0.0
    state = drv_base.STATE_ERROR if errors else _state(lag, m.rpo, None)
    return lag, state, vols, replica


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

    Each resource must still be the plan's project's at the source (by
    its owner, not by what the session sees) and still be replicated as
    protect left it (:func:`volume_problems` for every volume; each
    type's ``problems``: servers' owners, containers' account and sync
    settings, one HEAD per container). A resource that is not gets the
    ``error`` state and a ``finding`` (in its replica and in the
    figures' ``findings``); one of another project is never measured (no
    replica status is asked for it, what drs knew of its replica is
    dropped), and :func:`apply_rpo` degrades the plan.

    With ``sweep`` (the periodic sweep, outside any operation), nothing
    is written to a resource an operation has unprotected meanwhile, nor
    to a plan that an operation holds or that left the protected states.
    """
    plan, c = plans.plan_clients(context, plan_id)
    now = plans._now()
    volume_ids = plans.plan_volume_ids(plan)
    source_vols: dict[str, dict] = {}
    replicas: dict[str, repl_base.ReplicaStatus] = {}
    problems: dict[str, tuple[str, str]] = {}
    if volume_ids:
        source_vols = {v['id']: v for v in
                       c.volume('source').list_volumes()}
        problems.update(volume_problems(c, plan, volume_ids, source_vols))
        try:
            replicas = c.replication('target').status(
                [dict(source_vols.get(v) or {}, id=v) for v in volume_ids
                 if (problems.get(v) or ('',))[0] != FOREIGN])
        except Exception as e:
            LOG.warning('Plan %(plan)s: replica list at the target failed: '
                        '%(err)s', {'plan': plan.id,
                                    'err': type(e).__name__})
    m = Measurement(now=now, rpo=plan.rpo_seconds, sites=c.sites,
                    source_vols=source_vols, replicas=replicas)
    rows_by_type: dict[str, list] = {}
    for row in plan.resources:
        rows_by_type.setdefault(row.resource_type, []).append(row)
    batches = {rtype: resources.steps_for(rtype).measure_batch(c, rows)
               for rtype, rows in rows_by_type.items()}
    row_problems: dict[tuple[str, str], tuple[str, str]] = {}
    for rtype, rows in rows_by_type.items():
        found = resources.steps_for(rtype).problems(c, rows, batches[rtype])
        row_problems.update({(rtype, rid): p for rid, p in found.items()})

    worst: float | None = None
    per_resource = []
    findings: list[dict] = []
    unless = drv_base.STATE_UNPROTECTED if sweep else None
    for row in plan.resources:
        entry: dict[str, Any] = {'type': row.resource_type,
                                 'id': row.resource_id}
        mine = [p for p in [row_problems.get((row.resource_type,
                                              row.resource_id))]
                + [problems.get(v) for v in plans.row_volume_ids(row)] if p]
        foreign = [detail for code, detail in mine if code == FOREIGN]
        if foreign:
            # Another project's: nothing of it is measured or kept.
            findings.append(_finding(row.resource_type, row.resource_id,
                                     FOREIGN, foreign[0]))
            db_api.protected_resource_update(
                context, plan.id, row.resource_type, row.resource_id,
                {'replication_state': drv_base.STATE_ERROR,
                 'lag_seconds': None, 'replica': {'finding': foreign[0]}},
                unless_state=unless)
            per_resource.append(dict(entry, state=drv_base.STATE_ERROR,
                                     lag_seconds=None, finding=foreign[0]))
            continue
        lag, state, replica = resources.steps_for(row.resource_type).measure(
            m, row, batches[row.resource_type])
        lag = round(lag, 3)
        worst = lag if worst is None else max(worst, lag)
        replica.pop('finding', None)
        if mine:
            state = drv_base.STATE_ERROR
            replica['finding'] = entry['finding'] = '; '.join(
                detail for _code, detail in mine)
            findings.append(_finding(row.resource_type, row.resource_id,
                                     REPLICATION_REMOVED,
                                     replica['finding']))
        db_api.protected_resource_update(
            context, plan.id, row.resource_type, row.resource_id,
            {'replication_state': state, 'lag_seconds': lag,
             'replica': replica},
            unless_state=unless)
        per_resource.append(dict(entry, state=state, lag_seconds=lag))
    # ``rpo_seconds`` of an operation's result (and report) is what was
    # achieved, the age of the oldest replica's data: never the target,
    # which users took for it.
    figures = {'plan_id': plan.id, 'rpo_seconds': worst,
               'rpo_seconds_target': plan.rpo_seconds,
               'rpo_seconds_achieved': worst, 'resources': per_resource,
               'findings': findings, 'measured_at': now}
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
    """Degrade or recover the plan; notify a change.

    Degraded while a resource is in ``error`` (its replication removed or
    broken, another project's resource, a volume gone) or the achieved
    RPO exceeds the plan's; protected again once neither holds. (A sync
    can only move a plan between protected and degraded: API.md.)
    """
    plan = db_api.plan_get(context, plan_id)
    before = plan.status
    achieved = figures.get('rpo_seconds_achieved')
    errors = [r for r in figures.get('resources') or []
              if r.get('state') == drv_base.STATE_ERROR]
    if errors:
        event = states.DEGRADE
    elif plan.rpo_seconds is None or achieved is None:
        event = states.RECOVER
    else:
        event = states.DEGRADE if achieved > plan.rpo_seconds \
            else states.RECOVER
    after = db_api.plan_replication_event(context, plan_id, event,
                                          operation_id=operation_id)
    if after != before:
        LOG.info('Plan %(plan)s: %(before)s -> %(after)s (RPO %(rpo)ss, '
                 'target %(target)ss, %(errors)d resource(s) in error)',
                 {'plan': plan_id, 'before': before, 'after': after,
                  'rpo': achieved, 'target': plan.rpo_seconds,
                  'errors': len(errors)})
        notify(context, 'dr.plan.%s' % ('degraded' if after ==
                                        states.DEGRADED else 'recovered'),
               {'plan_id': plan_id, 'project_id': plan.project_id,
                'status': after, 'previous_status': before,
                'rpo_seconds': plan.rpo_seconds,
                'rpo_seconds_achieved': achieved,
                'findings': list(figures.get('findings') or [])})
    return after


def notify(context, event_type: str, payload: dict) -> None:
    try:
        rpc.get_notifier('drs-engine').info(context, event_type, payload)
    except Exception as e:
        LOG.warning('Notification %(type)s not sent: %(err)s',
                    {'type': event_type, 'err': type(e).__name__})
