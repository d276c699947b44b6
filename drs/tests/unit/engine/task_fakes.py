"""A plan, its database and its drivers for unit tests of engine tasks.

The drivers are autospecs of the driver interfaces
(:mod:`drs.drivers.base`, :mod:`drs.drivers.replication.base`): a task
calling a method an interface lacks, or calling one with arguments its
signature refuses, fails the test. The plan's clients are an autospec of
:class:`drs.drivers.clients.PlanClients` returning them, with the real
:class:`drs.drivers.clients.SiteDrivers` on top. The database API is an
autospec of :mod:`drs.db.api`, patched into every engine module a task
reaches.
"""

import datetime
import functools
import types
from unittest import mock

from drs.common import states
from drs.db import api as real_db_api
from drs.drivers import base as drv_base
from drs.drivers import clients as drv_clients
from drs.drivers.replication import base as repl_base
from drs.engine import measure
from drs.engine import plans
from drs.engine import preflight
from drs.engine import protect
from drs.engine.resources import nova_server
from drs.engine.resources import swift_container
from drs.engine.tasks import base as tasks_base
from drs.engine.tasks import protection
from drs.engine.tasks import recovery

PLAN = 'plan-1'
OP = 'op-1'
CTX = {'user_id': 'u', 'project_id': 'p', 'request_id': 'req-1'}
SITE_A = {'name': 'site-a', 'region_name': 'RegionOne'}
SITE_B = {'name': 'site-b', 'region_name': 'RegionTwo'}

INTERFACES = {
    'volume': drv_base.VolumeDriver,
    'compute': drv_base.ComputeDriver,
    'network': drv_base.NetworkDriver,
    'object_storage': drv_base.ObjectStorageDriver,
}

_DB_MODULES = (tasks_base, protection, recovery, plans, protect, measure,
               preflight, nova_server, swift_container)


def row(rtype, rid, protect_data=None, replica=None, tier=1,
        state=drv_base.STATE_REPLICATING, lag=None):
    """A protected-resource row of a plan."""
    return types.SimpleNamespace(
        resource_type=rtype, resource_id=rid,
        protect_data=protect_data or {}, replica=replica or {}, tier=tier,
        replication_state=state, lag_seconds=lag)


def make_plan(rows=(), mappings=None, reversed_=False, options=None,
              rpo=60, status=states.PROTECTED):
    return types.SimpleNamespace(
        id=PLAN, resources=list(rows), mappings=mappings or {},
        reversed=reversed_, options=options or {}, rpo_seconds=rpo,
        status=status, project_id='p', trust_id='trust-1',
        source_site_id='a', target_site_id='b')


def recipe_row(server_id, recipe):
    return types.SimpleNamespace(resource_id=server_id, recipe=recipe)


def operation(action='failover', status=states.OP_RUNNING, result=None,
              created_at=None):
    return types.SimpleNamespace(
        id=OP, action=action, status=status, result=result or {},
        created_at=created_at or datetime.datetime(2026, 1, 1, 12, 0, 0))


class Cloud:
    """Two sites' autospec'd drivers behind a PlanClients autospec."""

    def __init__(self, plan, reversed_sites=False):
        self.plan = plan
        source, target = (SITE_B, SITE_A) if reversed_sites \
            else (SITE_A, SITE_B)
        self.sites = {'source': dict(source), 'target': dict(target)}
        self.drivers = {}
        for where in ('source', 'target'):
            for kind, cls in INTERFACES.items():
                drv = mock.create_autospec(cls, instance=True)
                drv.site = self.sites[where]
                drv.site_name = self.sites[where]['name']
                self.drivers[(kind, where)] = drv
            self.drivers[('replication', where)] = mock.create_autospec(
                repl_base.ReplicationBackend, instance=True)
        # The interface's own pure helper, not a cloud call.
        for where in ('source', 'target'):
            self.net(where).subnet_for.side_effect = \
                drv_base.NetworkDriver.subnet_for
            self._owned(where)
        c = mock.create_autospec(drv_clients.PlanClients, instance=True)
        c.plan = plan
        c.sites = self.sites
        for kind in INTERFACES:
            getattr(c, kind).side_effect = (
                lambda where, kind=kind: self.drivers[(kind, where)])
        c.replication.side_effect = (
            lambda where: self.drivers[('replication', where)])
        c.site_name.side_effect = lambda where: self.sites[where]['name']
        c.at.side_effect = lambda where: drv_clients.SiteDrivers(c, where)
        self.clients = c

    def _owned(self, where):
        """The ownership checks as the interface makes them, on top of the
        getters' mocks: a getter's answer with another ``project_id`` is
        foreign; sessions are scoped to the plan's project ``p``."""
        vol, nova, swift = (self.vol(where), self.nova(where),
                            self.swift(where))
        for drv in (vol, nova, swift):
            drv.session_project.return_value = 'p'
            drv.check_owner.side_effect = functools.partial(
                drv_base.SiteDriver.check_owner, drv)

        def owned_volume(volume_id, project_id):
            answer = vol.get_volume(volume_id)
            vol.check_owner('OS::Cinder::Volume', volume_id,
                            answer.get('project_id'), project_id)
            return answer

        vol.get_owned_volume.side_effect = owned_volume
        nova.get_owned_server.side_effect = functools.partial(
            drv_base.ComputeDriver.get_owned_server, nova)
        swift.get_owned_container.side_effect = functools.partial(
            drv_base.ObjectStorageDriver.get_owned_container, swift)

    def vol(self, where='target'):
        return self.drivers[('volume', where)]

    def nova(self, where='target'):
        return self.drivers[('compute', where)]

    def net(self, where='target'):
        return self.drivers[('network', where)]

    def swift(self, where='target'):
        return self.drivers[('object_storage', where)]

    def repl(self, where='target'):
        return self.drivers[('replication', where)]

    def calls(self):
        """Every driver call made, as ``(kind, where, method)``."""
        out = []
        for (kind, where), drv in self.drivers.items():
            for name, _args, _kwargs in drv.mock_calls:
                out.append((kind, where, name.split('.')[0]))
        return out


def make_db(plan, op=None, recipes=()):
    """An autospec of drs.db.api reading ``plan``, ``op`` and recipes."""
    db = mock.create_autospec(real_db_api)
    db.plan_get.return_value = plan
    db.operation_get.return_value = op or operation()
    db.recipe_list.return_value = list(recipes)
    db.operation_mark_irreversible.return_value = True
    db.plan_replication_event.side_effect = (
        lambda ctx, plan_id, event, operation_id=None:
        states.DEGRADED if event == states.DEGRADE else states.PROTECTED)
    return db


def patch_all(db, cloud):
    """Patch ``db`` into every engine module and plans.plan_clients."""
    patches = [mock.patch.object(m, 'db_api', db) for m in _DB_MODULES]
    patches.append(mock.patch.object(
        plans, 'plan_clients',
        side_effect=lambda ctx, plan_id, shared=None: (cloud.plan,
                                                        cloud.clients)))
    return patches


def events(db):
    """``(step, state, resource_id, message)`` of every recorded event."""
    return [(c.args[2], c.args[3], c.kwargs.get('resource_id'),
             c.kwargs.get('message'))
            for c in db.event_add.call_args_list]
