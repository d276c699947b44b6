"""``OS::Nova::Server``: a recovery recipe captured at the source, its
boot and data volumes replicated, the server re-created at the target in
its tier from the recipe."""

import time
from typing import Any

from taskflow.patterns import linear_flow

from drs.db import api as db_api
from drs.drivers import base as drv_base
from drs.drivers import clients as drv_clients
from drs.engine import measure
from drs.engine import preflight
from drs.engine import protect
from drs.engine import resources
from drs.engine.tasks import protection as ptasks
from drs.engine.tasks import recovery as rtasks

#: Result of the test networks step, which the test servers' ports take.
TEST_NETWORKS = 'test_networks'


def recipe_key(server_id: str) -> str:
    return 'recipe_%s' % server_id


class NovaServerSteps(resources.ResourceSteps):
    name = 'OS::Nova::Server'
    order = 10
    has_volumes = True
    tiered = True
    swept = True

    # ------------------------------------------------------------ protect

    def protect(self, ref: dict) -> list:
        key = recipe_key(ref['id'])
        return [ptasks.CaptureRecipe(resource=ref, provides=key),
                ptasks.ProtectServerVolumes(resource=ref,
                                            rebind={'recipe': key})]

    def sync(self, ref: dict) -> list:
        return [ptasks.RefreshRecipe(resource=ref)]

    # ----------------------------------------------------------- recovery

    def stop_source(self, ref: dict) -> resources.Step | None:
        return resources.keyed(rtasks.StopSourceServer, ref, 'stopped')

    def recovery_setup(self, refs: list[dict], test: bool) -> list:
        if not test:
            return []
        return [rtasks.CreateTestNetworks(provides=TEST_NETWORKS)]

    def recover_storage(self, ref: dict, test: bool) -> resources.Step | None:
        return resources.keyed(
            rtasks.CopyServerVolumes if test else rtasks.ImportServerVolumes,
            ref, 'volumes')

    def recover_in_tier(self, ref: dict, test: bool
                        ) -> resources.TierStep | None:
        sid = ref['id']
        prepare_cls = rtasks.PrepareTestServer if test \
            else rtasks.PrepareServer
        create_cls = rtasks.CreateTestServer if test else rtasks.CreateServer
        inject = None if test else {TEST_NETWORKS: None}
        create = linear_flow.Flow('server-%s' % sid).add(
            prepare_cls(resource=ref, provides='prepared_%s' % sid,
                        inject=inject),
            create_cls(resource=ref, provides='server_%s' % sid,
                       rebind=dict(volumes='volumes_%s' % sid,
                                   prepared='prepared_%s' % sid)))
        wait = rtasks.WaitServerActive(
            resource=ref, provides='server_active_%s' % sid,
            rebind={'server': 'server_%s' % sid})
        return resources.TierStep(create, wait, [
            'prepared_%s' % sid, 'server_active_%s' % sid])

    def cleanup_test(self, ref: dict) -> resources.Step | None:
        return resources.keyed(rtasks.CleanupTestServer, ref, 'gone')

    def reverse(self, ref: dict) -> resources.Step | None:
        key = recipe_key(ref['id'])
        piece = linear_flow.Flow('reverse-%s' % ref['id']).add(
            rtasks.CaptureRecoveredRecipe(resource=ref, provides=key),
            rtasks.ReverseServerVolumes(
                resource=ref, provides='reversed_volumes_%s' % ref['id']),
            rtasks.RemoveOldSourceServer(resource=ref))
        return resources.Step(piece, [key], stage=resources.REVERSE_WORKLOADS)

    # --------------------------------------------------------- plan logic

    def check_owned(self, site: drv_clients.SiteDrivers, project_id: str,
                    rid: str) -> dict:
        # Its attached volumes must be the project's too.
        server = site.compute.get_owned_server(rid, project_id)
        for vid in server.get('volumes_attached') or []:
            site.volume.get_owned_volume(vid, project_id)
        return {'type': self.name, 'id': rid, 'name': server['name']}

    def problems(self, c: drv_clients.PlanClients, rows: list, batch: Any
                 ) -> dict[str, tuple[str, str]]:
        # Owners from one listing; a read for a server it lacks.
        compute = c.compute('source')
        listed = compute.list_servers()
        project = c.plan.project_id
        out = {}
        for row in rows:
            sid = row.resource_id
            try:
                if sid in listed:
                    compute.check_owner(self.name, sid,
                                        listed[sid].get('project_id'),
                                        project)
                else:
                    compute.get_owned_server(sid, project)
            except drv_base.ForeignResource as e:
                out[sid] = (measure.FOREIGN, str(e))
            except drv_base.ResourceNotFound:
                pass  # gone: its volumes say so
        return out

    def check_listed(self, c: drv_clients.PlanClients, rid: str,
                     shared: Any) -> dict:
        # The listings are the plan's project's own (its trust is scoped
        # to it): what they hold is the project's. Anything else is read
        # and its owner checked (check_owned's errors).
        listed = shared.get(('servers', 'source'),
                            c.compute('source').list_servers)
        if rid not in listed:
            return self.check_exists(c, rid)
        volumes = protect.source_volumes(c, shared)
        for vid in listed[rid].get('volumes_attached') or []:
            if vid not in volumes:
                c.volume('source').get_owned_volume(vid, c.plan.project_id)
        return {'type': self.name, 'id': rid, 'name': listed[rid]['name']}

    def undo_protection(self, context: Any, c: drv_clients.PlanClients,
                        plan_id: str, rid: str, data: dict) -> None:
        for vid, vdata in (data.get('volumes') or {}).items():
            protect.unprotect_volume(c, vid, vdata)
        db_api.recipe_delete(context, plan_id, rid)

    def volume_ids(self, row: Any) -> list[str]:
        return list(((row.protect_data or {}).get('volumes') or {}).keys())

    def recovery_volumes(self, context: Any, plan: Any, row: Any
                         ) -> list[dict]:
        return [{'id': v['id'], 'volume_type': v.get('volume_type')}
                for v in rtasks._recipe_volumes(rtasks._recipe(
                    context, plan.id, row.resource_id))]

    def measure(self, m: measure.Measurement, row: Any, batch: Any
                ) -> tuple[float, str, dict]:
        lag, state, vols, replica = measure.volume_figures(
            m, row, lambda data, vid: (data.get('volumes') or {}).get(
                vid, data))
        replica['volumes'] = vols
        return lag, state, replica

    def preflight_findings(self, pf: preflight.Preflight) -> None:
        preflight.server_findings(pf)

    def recovered(self, row: Any, results: dict[str, Any]) -> dict:
        rid = row.resource_id
        return {'server': results.get('server_active_%s' % rid),
                'volumes': (results.get('volumes_%s' % rid)
                            or {}).get('volumes'),
                'ports': (results.get('prepared_%s' % rid)
                          or {}).get('ports')}

    def swapped(self, context: Any, plan_id: str, row: Any,
                results: dict) -> tuple[str, dict]:
        rec = results.get(recipe_key(row.resource_id)) or {}
        return rec['new'], {
            'protect_data': {
                'volumes': {v: {'mode': 'volume-type',
                                'protected_at': time.time()}
                            for v in rec['volume_ids']}},
            'replica': {'kind': 'recipe+volumes',
                        'volumes': {v: {} for v in rec['volume_ids']}}}

    def swapped_out(self, context: Any, plan_id: str, row: Any) -> None:
        db_api.recipe_delete(context, plan_id, row.resource_id)

    def refresh(self, context: Any, plan_id: str, rid: str) -> None:
        # Another project's server is dropped, not captured.
        protect.refresh_recipe(context, plan_id, rid)

    def refresh_listed(self, context: Any, plan_id: str, rid: str,
                       share: str) -> None:
        protect.refresh_recipe(context, plan_id, rid, share=share)
