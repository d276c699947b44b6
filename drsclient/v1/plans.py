"""/v1/plans: protection plans, and the actions that run on them."""

from __future__ import annotations

from drsclient.v1 import base

#: Actions of ``POST /v1/plans/{id}/actions``.
ACTIONS = ('protect', 'unprotect', 'sync', 'preflight', 'test_failover',
           'cleanup_test', 'planned_migration', 'failover', 'reprotect',
           'failback')

MAPPING_KINDS = ('networks', 'subnets', 'flavors', 'availability_zones',
                 'volume_types', 'security_groups')


def resource_refs(plan: dict) -> list[dict]:
    """The plan's resources as a request body lists them."""
    refs = []
    for res in plan.get('resources') or []:
        ref = {'type': res['type'], 'id': res['id']}
        if res.get('tier') is not None:
            ref['tier'] = res['tier']
        refs.append(ref)
    return refs


class PlanManager(base.Manager):
    collection = 'plans'
    key = 'plan'

    def action(self, plan_id: str, action: str,
               parameters: dict | None = None) -> dict:
        """Start ``action`` on the plan; returns the new operation."""
        if action not in ACTIONS:
            raise ValueError('%r is not an action (one of %s)'
                             % (action, ', '.join(ACTIONS)))
        body = self.http.post(self._path(plan_id, 'actions'),
                              {action: parameters or {}})
        return body['operation']

    def recipes(self, plan_id: str) -> list[dict]:
        return self.http.get(self._path(plan_id, 'recipes'))['recipes']

    def add_resources(self, plan_id: str, resources: list[dict]) -> dict:
        """Add resources (``{"type", "id"[, "tier"]}``) to the plan."""
        plan = self.get(plan_id)
        refs = resource_refs(plan)
        index = {(r['type'], r['id']): r for r in refs}
        for res in resources:
            key = (res['type'], res['id'])
            if key in index:
                if 'tier' in res:
                    index[key]['tier'] = res['tier']
                continue
            refs.append(dict(res))
            index[key] = refs[-1]
        return self.update(plan['id'], resources=refs)

    def remove_resources(self, plan_id: str, resources: list[dict]) -> dict:
        """Remove resources (``{"type"?, "id"}``) from the plan.

        A resource without a type matches the plan's resource of that id;
        one that the plan does not have raises ``KeyError``.
        """
        plan = self.get(plan_id)
        refs = resource_refs(plan)
        for res in resources:
            match = [r for r in refs if r['id'] == res['id']
                     and res.get('type') in (None, r['type'])]
            if not match:
                raise KeyError(res['id'])
            for r in match:
                refs.remove(r)
        return self.update(plan['id'], resources=refs)

    def set_mappings(self, plan_id: str, changes: dict[str, dict],
                     unset: dict[str, list[str]] | None = None) -> dict:
        """Change some mappings, keeping the others.

        ``changes`` is ``{kind: {source: target}}``; ``unset`` is
        ``{kind: [source, ...]}``. Unsetting a missing source raises
        ``KeyError``.
        """
        plan = self.get(plan_id)
        mappings = {kind: dict((plan.get('mappings') or {}).get(kind) or {})
                    for kind in MAPPING_KINDS}
        for kind, pairs in changes.items():
            mappings[kind].update(pairs)
        for kind, sources in (unset or {}).items():
            for source in sources:
                if source not in mappings[kind]:
                    raise KeyError('%s %s' % (kind, source))
                del mappings[kind][source]
        return self.update(plan['id'], mappings=mappings)
