"""drs's API for the dashboard: drsclient with the logged-in user's token.

Every call goes through :func:`drsclient` (a keystoneauth1 token session
built from ``request.user``, and the catalog's ``dr`` endpoint in the
user's region). What the views need beyond the raw API documents (site
names, the timeline of a report) is computed here, so views stay thin.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from horizon.utils import memoized
from keystoneauth1.identity import v3 as ks_v3
from keystoneauth1 import session as ks_session
from openstack_dashboard.api import base

from drsclient import client as drs_client
from drsclient import exceptions as drs_exc
from drsclient.v1 import base as drs_base
from drsclient.v1 import operations as drs_operations

SERVICE_TYPE = 'dr'
TERMINAL = drs_operations.TERMINAL
ReportNotAvailable = drs_operations.ReportNotAvailable

#: The actions that change where the workload runs or stop protecting
#: it: the confirmation asks for the plan's name.
DANGEROUS = ('failover', 'planned_migration', 'failback', 'unprotect')

#: Which plan statuses each action is offered in (the API's state
#: machine; what it refuses is not offered). ``None`` means "test_active".
ACTION_STATES: dict[str, tuple[str, ...]] = {
    'protect': ('available', 'error'),
    'unprotect': ('protected', 'degraded', 'available', 'error'),
    'sync': ('protected', 'degraded'),
    'preflight': ('protected', 'degraded'),
    'test_failover': ('protected', 'degraded'),
    'planned_migration': ('protected', 'degraded'),
    'failover': ('protected', 'degraded', 'failover_error'),
    'reprotect': ('failed_over',),
    'failback': ('protected',),
}
ACTIONS_ALL = tuple(ACTION_STATES) + ('cleanup_test',)

#: What ``PATCH /v1/plans/{id}`` accepts (the API controller's rules):
#: name, description and RPO target at any time; mappings while no
#: operation runs; resources (and sites) only while the plan protects
#: nothing, in these states.
RESOURCES_EDITABLE = ('available', 'error')


def session(request: Any) -> ks_session.Session:
    """A keystoneauth1 session authenticated by the user's token."""
    user = request.user
    auth_url = (getattr(user, 'endpoint', None)
                or settings.OPENSTACK_KEYSTONE_URL)
    auth = ks_v3.Token(auth_url=auth_url, token=user.token.id,
                       project_id=user.project_id)
    verify = not getattr(settings, 'OPENSTACK_SSL_NO_VERIFY', False)
    cacert = getattr(settings, 'OPENSTACK_SSL_CACERT', None)
    return ks_session.Session(auth=auth, verify=cacert or verify)


def endpoint(request: Any) -> str:
    """The catalog's ``dr`` endpoint in the user's region, unless the
    ``DRS_ENDPOINT_OVERRIDE`` setting names another."""
    override = getattr(settings, 'DRS_ENDPOINT_OVERRIDE', None)
    return override or base.url_for(request, SERVICE_TYPE)


@memoized.memoized
def drsclient(request: Any) -> drs_client.Client:
    return drs_client.Client(session(request),
                             endpoint_override=endpoint(request),
                             api_version='latest')


def error_detail(exc: BaseException) -> str:
    """What to show the user: the API's ``detail``, never a traceback."""
    if isinstance(exc, drs_exc.ApiError):
        return exc.detail
    return str(exc)


# ----------------------------------------------------------------- sites

def site_list(request: Any) -> list[dict]:
    return drsclient(request).sites.list()


def site_names(request: Any) -> dict[str, str]:
    """Site id -> name (readers may list sites)."""
    return {s['id']: s['name'] for s in site_list(request)}


def site_get(request: Any, site_id: str) -> dict:
    return drsclient(request).sites.get(site_id)


def site_create(request: Any, **fields: Any) -> dict:
    return drsclient(request).sites.create(**fields)


def site_delete(request: Any, site_id: str) -> None:
    drsclient(request).sites.delete(site_id)


# ----------------------------------------------------------------- plans

def plan_list(request: Any) -> list[dict]:
    return drsclient(request).plans.list()


def plan_get(request: Any, plan_id: str) -> dict:
    return drsclient(request).plans.get(plan_id)


def plan_create(request: Any, **fields: Any) -> dict:
    return drsclient(request).plans.create(**fields)


def plan_update(request: Any, plan_id: str, **fields: Any) -> dict:
    return drsclient(request).plans.update(plan_id, **fields)


def plan_delete(request: Any, plan_id: str) -> None:
    drsclient(request).plans.delete(plan_id)


def plan_action(request: Any, plan_id: str, action: str,
                parameters: dict | None = None) -> dict:
    return drsclient(request).plans.action(plan_id, action, parameters)


def plan_recipes(request: Any, plan_id: str) -> list[dict]:
    return drsclient(request).plans.recipes(plan_id)


def actions_allowed(plan: dict) -> list[str]:
    """The actions the plan's state allows (one operation at a time)."""
    if plan.get('current_operation'):
        return []
    status = plan.get('status')
    allowed = [a for a, states in ACTION_STATES.items() if status in states]
    if not plan.get('reversed'):
        # Failback returns a reprotected (reversed) plan home.
        allowed = [a for a in allowed if a != 'failback']
    if plan.get('test_active'):
        allowed = [a for a in allowed if a != 'test_failover']
        allowed.append('cleanup_test')
    return allowed


def edit_allowed(plan: dict) -> bool:
    """Whether the Edit Plan workflow is offered: while an operation
    runs the API refuses a change of mappings or resources."""
    return not plan.get('current_operation')


def resources_editable(plan: dict) -> bool:
    return (edit_allowed(plan)
            and plan.get('status') in RESOURCES_EDITABLE)


# ------------------------------------------------------------ operations

def operation_list(request: Any, **filters: Any) -> list[dict]:
    return drsclient(request).operations.list(**filters)


def operation_get(request: Any, op_id: str) -> dict:
    return drsclient(request).operations.get(op_id)


def operation_events(request: Any, op_id: str) -> list[dict]:
    return drsclient(request).operations.events(op_id)


def operation_report(request: Any, op_id: str) -> dict | None:
    try:
        return drsclient(request).operations.report(op_id)
    except ReportNotAvailable:
        return None


def operation_cancel(request: Any, op_id: str) -> dict:
    return drsclient(request).operations.cancel(op_id)


def last_operations(request: Any) -> dict[str, dict]:
    """plan id -> its newest operation."""
    newest: dict[str, dict] = {}
    ops = drsclient(request).operations.list(sort_key='created_at',
                                             sort_dir='desc', limit=200)
    for op in ops:
        newest.setdefault(op['plan_id'], op)
    return newest


# --------------------------------------------------------------- timeline

def parse_time(text: str | None) -> datetime.datetime | None:
    if not text:
        return None
    return datetime.datetime.fromisoformat(text.replace('Z', '+00:00'))


def _at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace('Z', '+00:00'))


def resource_tiers(plan: dict | None) -> dict[str, int]:
    """Resource id -> tier, the volumes of a server in its tier."""
    tiers: dict[str, int] = {}
    for res in (plan or {}).get('resources') or []:
        tier = res.get('tier') or 1
        tiers[res['id']] = tier
        replica = (res.get('replication') or {}).get('replica') or {}
        for vid in replica.get('volumes') or {}:
            tiers.setdefault(vid, tier)
    return tiers


def critical_path(bars: list[dict], slack: float = 0.05) -> set[int]:
    """Indexes of the bars on the critical path.

    From the bar that ends last, walk back to the bar that ended last
    before it started (within ``slack`` seconds): the chain of waits that
    made the run as long as it was.
    """
    if not bars:
        return set()
    path = set()
    current = max(range(len(bars)), key=lambda i: bars[i]['end'])
    while True:
        path.add(current)
        start = bars[current]['start']
        before = [i for i in range(len(bars)) if i not in path
                  and bars[i]['end'] <= start + slack]
        if not before:
            return path
        current = max(before, key=lambda i: bars[i]['end'])


def timeline(report: dict | None, plan: dict | None = None,
             width: int = 900, row: int = 22) -> dict | None:
    """The report laid out as an SVG timeline.

    One bar per step and resource, grouped by tier (steps of no resource,
    such as the cut-off, first), the critical path flagged, RTO and RPO
    as marks. Coordinates are computed here; the template only draws.
    """
    if not report or not report.get('steps'):
        return None
    steps = [s for s in report['steps'] if s.get('started_at')]
    if not steps:
        return None
    t0 = parse_time(report.get('started_at')) or min(
        _at(s['started_at']) for s in steps)
    tiers = resource_tiers(plan)
    bars = []
    for s in steps:
        start = (_at(s['started_at']) - t0).total_seconds()
        end_t = parse_time(s.get('ended_at'))
        end = ((end_t - t0).total_seconds() if end_t
               else start + (s.get('duration_seconds') or 0))
        res = s.get('resource') or {}
        tier = tiers.get(str(res.get('id'))) if res else None
        if res and tier is None and res.get('type') in (
                'OS::Swift::Container',):
            tier = 0
        bars.append({'step': s['step'], 'resource': res,
                     'outcome': s.get('outcome'), 'message': s.get('message'),
                     'start': max(start, 0.0), 'end': max(end, start),
                     'tier': tier})
    crit = critical_path(bars)
    for i, bar in enumerate(bars):
        bar['critical'] = i in crit

    def group_key(bar: dict) -> tuple[int, float]:
        t = bar['tier']
        return (-1 if t is None else t, bar['start'])
    order = sorted(range(len(bars)), key=lambda i: group_key(bars[i]))
    total = max([b['end'] for b in bars]
                + [report.get('rto_seconds') or 0,
                   report.get('duration_seconds') or 0]) or 1.0
    label_w = 260
    plot_w = width - label_w - 20
    scale = plot_w / total
    rows = []
    groups = []
    y = 30
    current_group = object()
    for i in order:
        bar = bars[i]
        if bar['tier'] != current_group:
            current_group = bar['tier']
            groups.append({'y': y, 'label': _group_label(bar['tier'])})
            y += row
        res = bar['resource']
        label = bar['step']
        if res and res.get('id'):
            # Steps named for a resource carry its id: the first 8
            # characters of a UUID tell them apart (the full id is in the
            # tooltip); a name (a container's) is kept whole.
            short = (res['id'][:8] if drs_base.is_uuid_like(res['id'])
                     else res['id'])
            label = (label.replace(res['id'], short) if res['id'] in label
                     else '%s %s' % (label, short))
        rows.append(dict(bar, y=y, x=label_w + bar['start'] * scale,
                         w=max((bar['end'] - bar['start']) * scale, 2.0),
                         label=label,
                         duration='%.1f' % (bar['end'] - bar['start'])))
        y += row
    marks = []
    for key, name in (('rto_seconds', 'RTO'), ('rpo_seconds', 'RPO')):
        value = report.get(key)
        if value is None:
            continue
        x = label_w + min(value, total) * scale if key == 'rto_seconds' \
            else label_w
        marks.append({'name': name, 'value': '%.1f' % value, 'x': x})
    ticks = []
    step = _tick_step(total)
    t = 0.0
    while t <= total + 1e-9:
        ticks.append({'x': label_w + t * scale, 'label': '%gs' % t})
        t += step
    return {'width': width, 'height': y + 30, 'label_w': label_w,
            'rows': rows, 'groups': groups, 'marks': marks, 'ticks': ticks,
            'axis_y': y + 5, 'total': '%.1f' % total,
            'critical_count': len(crit)}


def _group_label(tier: int | None) -> str:
    from django.utils.translation import gettext as _
    if tier is None:
        return _('Plan steps')
    if tier == 0:
        return _('Containers')
    return _('Tier %d') % tier


def _tick_step(total: float) -> float:
    for step in (0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600):
        if total / step <= 10:
            return step
    return total / 10


# ------------------------------------------------------------ table rows

def plan_row(request: Any, plan: dict, names: dict[str, str] | None = None,
             last: dict | None = None) -> Any:
    """A plan as a table row: site names, its newest operation."""
    from drs_dashboard.api.rows import Row
    if names is None:
        names = site_names(request)
    if last is None:
        ops = operation_list(request, plan_id=plan['id'],
                             sort_key='created_at', sort_dir='desc', limit=1)
        last = ops[0] if ops else None
    return Row(plan,
               source_name=names.get(str(plan.get('source_site')),
                                     plan.get('source_site')),
               target_name=names.get(str(plan.get('target_site')),
                                     plan.get('target_site')),
               last_operation=last)


def plan_rows(request: Any) -> list[Any]:
    names = site_names(request)
    last = last_operations(request)
    return [plan_row(request, p, names, last.get(p['id']))
            for p in plan_list(request)]


def recipe_row(recipe: dict) -> Any:
    from drs_dashboard.api.rows import Row
    r = recipe.get('recipe') or {}
    server = r.get('server') or {}
    ports = []
    for port in r.get('ports') or []:
        ips = ', '.join(ip['ip_address'] for ip in port.get('fixed_ips') or [])
        ports.append('%s (%s)' % (ips or '-', port.get('mac_address') or ''))
    vols = [v for v in [r.get('boot_volume')] + (r.get('data_volumes') or [])
            if v]
    return Row({'id': recipe.get('resource_id')},
               server_name=server.get('name') or recipe.get('resource_id'),
               flavor_name=(r.get('flavor') or {}).get('name'),
               image_name=(r.get('image') or {}).get('name') or '-',
               ports_text='; '.join(ports) or '-',
               volumes_text=', '.join('%s %s GiB' % (v.get('device') or '?',
                                                     v.get('size'))
                                      for v in vols) or '-',
               groups_text=', '.join(g.get('name') or g.get('id')
                                     for g in r.get('security_groups') or [])
               or '-',
               captured=recipe.get('captured_at'))


def show_error(request: Any, exc: BaseException, prefix: str = '') -> None:
    """The API's ``detail`` as a Horizon error message (no traceback)."""
    from horizon import messages
    import logging
    logging.getLogger(__name__).info('drs API error: %s', error_detail(exc))
    detail = error_detail(exc)
    messages.error(request, '%s%s' % (prefix, detail) if prefix else detail)
