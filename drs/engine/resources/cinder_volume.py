"""``OS::Cinder::Volume``: a volume of the plan's own (not a server's),
replicated by a replicated volume type (or a retype into the mapped one),
promoted or copied at the target."""

import time
from typing import Any

from drs.drivers import clients as drv_clients
from drs.engine import measure
from drs.engine import preflight
from drs.engine import protect
from drs.engine import resources
from drs.engine.tasks import protection as ptasks
from drs.engine.tasks import recovery as rtasks


class CinderVolumeSteps(resources.ResourceSteps):
    name = 'OS::Cinder::Volume'
    order = 20
    has_volumes = True

    # ------------------------------------------------------------ protect

    def protect(self, ref: dict) -> list:
        return [ptasks.ProtectVolume(resource=ref)]

    # ----------------------------------------------------------- recovery

    def recover_storage(self, ref: dict, test: bool) -> resources.Step | None:
        return resources.keyed(
            rtasks.CopyVolume if test else rtasks.ImportVolume, ref,
            'volumes')

    def cleanup_test(self, ref: dict) -> resources.Step | None:
        return resources.keyed(rtasks.CleanupTestVolume, ref, 'gone')

    def reverse(self, ref: dict) -> resources.Step | None:
        return resources.keyed(rtasks.ReverseVolume, ref, 'reversed_volumes')

    # --------------------------------------------------------- plan logic

    def check_owned(self, site: drv_clients.SiteDrivers, project_id: str,
                    rid: str) -> dict:
        return self._checked(rid, site.volume.get_owned_volume(rid,
                                                               project_id))

    def check_listed(self, c: drv_clients.PlanClients, rid: str,
                     shared: Any) -> dict:
        # The listing is the plan's project's own (its trust is scoped
        # to it): a volume in it is the project's. Any other is read and
        # its owner checked.
        vol = protect.source_volumes(c, shared).get(rid)
        return self.check_exists(c, rid) if vol is None \
            else self._checked(rid, vol)

    def _checked(self, rid: str, vol: dict) -> dict:
        return {'type': self.name, 'id': rid, 'size': vol['size'],
                'volume_type': vol['volume_type']}

    def undo_protection(self, context: Any, c: drv_clients.PlanClients,
                        plan_id: str, rid: str, data: dict) -> None:
        protect.unprotect_volume(c, rid, data)

    def volume_ids(self, row: Any) -> list[str]:
        return [row.resource_id]

    def recovery_volumes(self, context: Any, plan: Any, row: Any
                         ) -> list[dict]:
        return [{'id': row.resource_id,
                 'volume_type': rtasks._own_volume_type(row)}]

    def measure(self, m: measure.Measurement, row: Any, batch: Any
                ) -> tuple[float, str, dict]:
        lag, state, vols, replica = measure.volume_figures(
            m, row, lambda data, vid: data)
        replica.update(vols.get(row.resource_id, {}))
        return lag, state, replica

    def preflight_findings(self, pf: preflight.Preflight) -> None:
        data = pf.row.protect_data or {}
        pf.check_volume_type(
            data.get('retyped_to') or data.get('volume_type'),
            'volume %s' % pf.ref['id'])
        pf.needs['volumes'] += 1
        pf.needs['gigabytes'] += int(data.get('size') or 0)

    def recovered(self, row: Any, results: dict[str, Any]) -> dict:
        return {'volumes': (results.get('volumes_%s' % row.resource_id)
                            or {}).get('volumes')}

    def swapped(self, context: Any, plan_id: str, row: Any,
                results: dict) -> tuple[str, dict]:
        vols = (rtasks._recovered(context, plan_id, row.resource_type,
                                  row.resource_id).get('volumes') or {})
        new = (vols.get(row.resource_id) or {}).get('id') or row.resource_id
        return new, {'protect_data': {'mode': 'volume-type',
                                      'protected_at': time.time()},
                     'replica': {}}
