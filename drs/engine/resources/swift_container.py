"""``OS::Swift::Container``: container sync (or RGW multisite) to the
target site; the replica there is activated (failover), read (test) or
synced back (reprotect)."""

from typing import Any

from drs.db import api as db_api
from drs.drivers import base as drv_base
from drs.drivers import clients as drv_clients
from drs.engine import measure
from drs.engine import preflight
from drs.engine import resources
from drs.engine.tasks import protection as ptasks
from drs.engine.tasks import recovery as rtasks


class SwiftContainerSteps(resources.ResourceSteps):
    name = 'OS::Swift::Container'
    order = 30

    # ------------------------------------------------------------ protect

    def protect(self, ref: dict) -> list:
        return [ptasks.ProtectContainer(resource=ref)]

    # ----------------------------------------------------------- recovery

    def recover_storage(self, ref: dict, test: bool) -> resources.Step | None:
        # FinishRecovery takes nothing of it.
        return resources.keyed(
            rtasks.CheckTestContainer if test else rtasks.ActivateContainer,
            ref, 'container', required=False)

    def reverse(self, ref: dict) -> resources.Step | None:
        return resources.keyed(rtasks.ReverseContainer, ref, 'reversed')

    # --------------------------------------------------------- plan logic

    def check_owned(self, site: drv_clients.SiteDrivers, project_id: str,
                    rid: str) -> dict:
        cont = site.object_storage.get_owned_container(rid, project_id)
        return {'type': self.name, 'id': rid, 'count': cont['count']}

    def undo_protection(self, context: Any, c: drv_clients.PlanClients,
                        plan_id: str, rid: str, data: dict) -> None:
        if data:
            c.object_storage('source').unprotect_container(rid, data)

    def measure_batch(self, c: drv_clients.PlanClients, rows: list) -> Any:
        # Nothing is asked of containers of another project's account.
        source_os = c.object_storage('source')
        try:
            source_os.check_account(c.plan.project_id)
        except drv_base.ForeignResource as e:
            return {'foreign': str(e)}
        return {'status': source_os.replication_status(
            [r.resource_id for r in rows], c.object_storage('target'))}

    def problems(self, c: drv_clients.PlanClients, rows: list, batch: Any
                 ) -> dict[str, tuple[str, str]]:
        if batch.get('foreign'):
            return {r.resource_id: (measure.FOREIGN, batch['foreign'])
                    for r in rows}
        # The sync settings protect set (one HEAD per container), or an
        # RGW bucket no zone syncs.
        source_os = c.object_storage('source')
        out = {}
        for row in rows:
            problem = (batch['status'].get(row.resource_id) or {}).get(
                'problem') or source_os.replication_settings(
                row.resource_id, row.protect_data or {})
            if problem:
                out[row.resource_id] = (measure.REPLICATION_REMOVED, problem)
        return out

    def measure(self, m: measure.Measurement, row: Any, batch: Any
                ) -> tuple[float, str, dict]:
        return measure.container_figures(m, row, batch.get('status') or {})

    def preflight_findings(self, pf: preflight.Preflight) -> None:
        target_os = pf.c.object_storage('target')
        if not target_os.exists(pf.ref['id']):
            pf.findings.append(preflight._finding(
                'error', 'missing_replica',
                'container %s does not exist at the target' %
                pf.ref['id'], pf.ref))

    def cutoff_ages(self, now: float, row: Any) -> dict[str, float | None]:
        last = (row.replica or {}).get('last_in_sync_at')
        return {row.resource_id: (round(now - float(last), 3)
                                  if last else row.lag_seconds)}

    def behind(self, source: drv_clients.SiteDrivers,
               target: drv_clients.SiteDrivers, row: Any, seen: dict
               ) -> bool:
        name = row.resource_id
        lacking = source.object_storage.replica_behind(
            name, target.object_storage)
        if lacking:
            seen[name] = lacking
        return lacking is not None

    def caught_up(self, context: Any, plan_id: str, row: Any,
                  now: float) -> None:
        # Equal at both sites now: the replica is as of now (the cut-off
        # reads this).
        db_api.protected_resource_update(
            context, plan_id, row.resource_type, row.resource_id,
            {'replica': dict(row.replica or {}, last_in_sync_at=now)})
