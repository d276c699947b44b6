"""Tasks of the protect, unprotect, sync and preflight flows.

Each task acts on one resource of the plan (``resource``) or on the
plan; it re-reads the plan from the database and builds its drivers from
the plan's trust (:mod:`drs.engine.replication`), so the flow store holds
only ids and plain dicts. Every ``run`` is idempotent: protecting what is
protected already changes nothing.
"""

from typing import Any

from oslo_log import log

from drs.db import api as db_api
from drs.drivers import base as drv_base
from drs.engine import listings
from drs.engine import measure
from drs.engine import plans
from drs.engine import preflight
from drs.engine import protect
from drs.engine import resources
from drs.engine.tasks import base

LOG = log.getLogger(__name__)


class CheckResource(base.OperationTask):
    """The resource exists in the plan's project at the source site."""

    step = 'check'
    side_effects = False

    def run(self, context, plan_id: str,  # type: ignore[override]
            operation_id: str) -> dict:
        assert self.resource is not None  # noqa: S101
        return protect.check_exists(context, plan_id, self.resource,
                                    share=operation_id)


class ProtectVolume(base.OperationTask):
    """A replicated type (or a retype into the mapped one)."""

    step = 'protect-volume'

    def run(self, context, plan_id: str,  # type: ignore[override]
            operation_id: str) -> dict:
        assert self.resource is not None  # noqa: S101
        plan, c = plans.plan_clients(context, plan_id)
        rid = self.resource['id']
        row = plans.resource_row(plan, plans.VOLUME, rid)
        data = dict(row.protect_data or {})
        if not data.get('mode'):
            data = protect.protect_volume(c, plan, rid,
                                          'volume %s' % rid,
                                          listings.of(operation_id))
        db_api.protected_resource_update(
            context, plan_id, plans.VOLUME, rid,
            {'protect_data': data,
             'replication_state': drv_base.STATE_REPLICATING,
             'replica': {'site': c.sites['target'].get('name'),
                         'kind': 'cinder-%s' % data['mode']}})
        return data

    def undo(self, context, result: Any, plan_id: str) -> None:  # type: ignore[override]
        assert self.resource is not None  # noqa: S101
        _plan, c = plans.plan_clients(context, plan_id)
        protect.unprotect_volume(c, self.resource['id'], result or {})
        plans.mark_unprotected(context, plan_id, plans.VOLUME,
                                     self.resource['id'])


class CaptureRecipe(base.OperationTask):
    """The server's recovery recipe, saved in the plan."""

    step = 'capture-recipe'
    keep_on_revert = ('the recipe is drs\'s own record of the server, '
                      'refreshed by the next protect or sync')

    def run(self, context, plan_id: str,  # type: ignore[override]
            operation_id: str) -> dict:
        assert self.resource is not None  # noqa: S101
        recipe = protect.capture_recipe(context, plan_id,
                                        self.resource['id'],
                                        share=operation_id)
        return {'server_id': self.resource['id'],
                'volume_ids': plans.recipe_volume_ids(recipe)}


class ProtectServerVolumes(base.OperationTask):
    """The server's boot and data volumes, protected with it."""

    step = 'protect-server-volumes'

    def run(self, context, plan_id: str, recipe: dict,  # type: ignore[override]
            operation_id: str) -> dict:
        assert self.resource is not None  # noqa: S101
        plan, c = plans.plan_clients(context, plan_id)
        shared = listings.of(operation_id)
        sid = self.resource['id']
        row = plans.resource_row(plan, plans.SERVER, sid)
        data = dict(row.protect_data or {})
        volumes = dict(data.get('volumes') or {})
        for vid in recipe['volume_ids']:
            if vid not in volumes:
                volumes[vid] = protect.protect_volume(
                    c, plan, vid, 'server %s' % sid, shared)
                # Saved after each volume: a resumed run does not retype
                # twice, an undo restores exactly what was changed.
                data['volumes'] = volumes
                db_api.protected_resource_update(
                    context, plan_id, plans.SERVER, sid,
                    {'protect_data': data})
        data['volumes'] = volumes
        db_api.protected_resource_update(
            context, plan_id, plans.SERVER, sid,
            {'protect_data': data,
             'replication_state': drv_base.STATE_REPLICATING,
             'replica': {'site': c.sites['target'].get('name'),
                         'kind': 'recipe+volumes',
                         'volumes': {v: {} for v in volumes}}})
        return data

    def undo(self, context, result: Any, plan_id: str) -> None:  # type: ignore[override]
        assert self.resource is not None  # noqa: S101
        _plan, c = plans.plan_clients(context, plan_id)
        for vid, vdata in ((result or {}).get('volumes') or {}).items():
            protect.unprotect_volume(c, vid, vdata)
        plans.mark_unprotected(context, plan_id, plans.SERVER,
                                     self.resource['id'])
        db_api.recipe_delete(context, plan_id, self.resource['id'])


def kept_protection(before: dict, now: dict) -> dict:
    """A container's protect data after a protect that ran again (a flow
    resumed after its engine died with the step's result unsaved, or a
    protect retried): what the first run recorded of the container as
    drs found it (the sync target it had, whether drs created the
    target's container, when protection began) is kept, not replaced by
    what the second run sees, which is drs's own doing. Containers the
    first run did not record (a segments container made since) are
    added."""
    if not before:
        return now
    out = dict(now)
    for key, value in before.items():
        if key == 'containers' and isinstance(value, dict):
            out[key] = dict(now.get(key) or {}, **value)
        else:
            out[key] = value
    return out


class ProtectContainer(base.OperationTask):
    """Container sync (or RGW multisite) to the target site."""

    step = 'protect-container'

    def run(self, context, plan_id: str) -> dict:  # type: ignore[override]
        assert self.resource is not None  # noqa: S101
        plan, c = plans.plan_clients(context, plan_id)
        name = self.resource['id']
        before = plans.resource_row(plan, plans.CONTAINER,
                                    name).protect_data or {}
        out = c.object_storage('source').protect_container(
            name, c.object_storage('target'))
        data = kept_protection(before, dict(out['protect_data'],
                                            protected_at=plans._now()))
        db_api.protected_resource_update(
            context, plan_id, plans.CONTAINER, name,
            {'protect_data': data, 'replica': out['replica'],
             'replication_state': drv_base.STATE_REPLICATING})
        return data

    def undo(self, context, result: Any, plan_id: str) -> None:  # type: ignore[override]
        assert self.resource is not None  # noqa: S101
        _plan, c = plans.plan_clients(context, plan_id)
        c.object_storage('source').unprotect_container(
            self.resource['id'], result or {})
        plans.mark_unprotected(context, plan_id, plans.CONTAINER,
                                     self.resource['id'])


class ProtectGroup(base.OperationTask):
    """Tiramisu group replication over the plan's volumes, if asked."""

    step = 'protect-group'

    def run(self, context, plan_id: str) -> dict | None:  # type: ignore[override]
        return protect.protect_group(context, plan_id)

    def undo(self, context, result: Any, plan_id: str) -> None:  # type: ignore[override]
        if result:
            _plan, c = plans.plan_clients(context, plan_id)
            c.volume('source').disable_group_replication(
                result['id'])


class RefreshRecipe(CaptureRecipe):
    """Re-capture a protected server's recipe (the sync's step); one of
    another project is dropped, not captured, and the measurement marks
    it (the sync degrades the plan rather than fail)."""

    step = 'refresh-recipe'

    def run(self, context, plan_id: str,  # type: ignore[override]
            operation_id: str) -> dict:
        assert self.resource is not None  # noqa: S101
        return protect.refresh_recipe(context, plan_id, self.resource['id'],
                                      share=operation_id)


class MeasureReplication(base.OperationTask):
    """Every resource's lag and the plan's RPO, from list calls."""

    step = 'measure-replication'
    side_effects = False

    def run(self, context, plan_id: str) -> dict:  # type: ignore[override]
        return measure.measure(context, plan_id)


class ApplyRpo(base.OperationTask):
    """protected <-> degraded by the achieved RPO; the operation result."""

    step = 'apply-rpo'
    keep_on_revert = ('the plan\'s state follows its measured RPO, whatever '
                      'the operation\'s outcome')

    def run(self, context, plan_id: str, operation_id: str,  # type: ignore[override]
            replication_figures: dict) -> dict:
        status = measure.apply_rpo(context, plan_id,
                                       replication_figures,
                                       operation_id=operation_id)
        result = dict(replication_figures, plan_status=status)
        db_api.operation_update(context, operation_id, {'result': result})
        return result


class RecordProtection(base.OperationTask):
    """The protect operation's result: what was protected and the lag."""

    step = 'record-protection'
    side_effects = False

    def run(self, context, plan_id: str, operation_id: str,  # type: ignore[override]
            replication_figures: dict) -> dict:
        db_api.operation_update(context, operation_id,
                                {'result': replication_figures})
        return replication_figures


class PreflightResource(base.OperationTask):
    """Read-only checks of one resource at the target site."""

    step = 'preflight'
    side_effects = False

    def run(self, context, plan_id: str) -> dict:  # type: ignore[override]
        assert self.resource is not None  # noqa: S101
        return preflight.preflight_resource(context, plan_id,
                                              self.resource)


class PreflightReport(base.OperationTask):
    """Quota shortfalls for the whole plan, and the findings report."""

    step = 'preflight-report'
    side_effects = False

    def run(self, context, plan_id: str, operation_id: str,  # type: ignore[override]
            **checks: Any) -> dict:
        findings: list[dict] = []
        needs: dict[str, int] = {}
        for name in sorted(checks):
            if not name.startswith('preflight_'):
                continue
            check = checks[name] or {}
            findings.extend(check.get('findings') or [])
            for key, value in (check.get('needs') or {}).items():
                needs[key] = needs.get(key, 0) + int(value)
        findings.extend(preflight.preflight_quotas(context, plan_id,
                                                     needs))
        result = {'findings': findings, 'needs': needs,
                  'ok': not any(f['severity'] == 'error'
                                for f in findings)}
        db_api.operation_update(context, operation_id, {'result': result})
        return result


class UnprotectResource(base.OperationTask):
    """Undo what protect set up for one resource; delete no data."""

    step = 'unprotect'
    keep_on_revert = ('unprotect only removes replication settings, never '
                      'data; protecting again is protect\'s job, not a '
                      'revert\'s')

    def run(self, context, plan_id: str) -> dict:  # type: ignore[override]
        assert self.resource is not None  # noqa: S101
        plan, c = plans.plan_clients(context, plan_id)
        rtype, rid = self.resource['type'], self.resource['id']
        row = plans.resource_row(plan, rtype, rid)
        data = dict(row.protect_data or {})
        group = data.get('group') or {}
        if group.get('id'):
            c.volume('source').disable_group_replication(
                group['id'])
        resources.steps_for(rtype).undo_protection(context, c, plan_id, rid,
                                                   data)
        plans.mark_unprotected(context, plan_id, rtype, rid)
        return {'type': rtype, 'id': rid, 'undone': sorted(data)}


class ClearPlanReplication(base.OperationTask):
    """The plan's replication figures, cleared once unprotected."""

    step = 'clear-replication'
    keep_on_revert = ('unprotect only removes replication settings, never '
                      'data; protecting again is protect\'s job, not a '
                      'revert\'s')

    def run(self, context, plan_id: str) -> None:  # type: ignore[override]
        db_api.plan_update(context, plan_id,
                           {'rpo_seconds_achieved': None},
                           require_idle=False)
