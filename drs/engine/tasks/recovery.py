"""Tasks of test_failover, cleanup_test, planned_migration and failover.

Each task acts on one resource of the plan (a server, a volume, a
container) or on the plan, re-reads the plan and its recipes from drs's
database and acts at the TARGET site through the plan's drivers there
(:class:`drs.drivers.clients.SiteDrivers`) and its storage-side
replication backend (:mod:`drs.drivers.replication`). Only
:class:`StopSourceServer`, :class:`WaitCaughtUp` and a non-forced promote
(planned migration, failback) and the reprotect steps contact the source
site; nothing in an unplanned failover does.

Idempotency: everything a task creates carries a deterministic name or
metadata (plan id, source resource id, kind), and ``run`` first looks
for it, so a retry of the action or a flow resumed after its engine died
adopts what exists. Recovery tasks undo nothing on failure: a failover
keeps what it imported (undoing it would delete promoted data) and a
retry continues from there; a failed test failover is removed by
``cleanup_test``.
"""

import concurrent.futures
import time
from typing import Any

from oslo_log import log

from drs.common import waiter
from drs.db import api as db_api
from drs.drivers import base as drv_base
from drs.drivers import clients as drv_clients
from drs.engine import listings
from drs.engine import measure
from drs.engine import naming
from drs.engine import plans
from drs.engine import resources
from drs.engine.tasks import base

LOG = log.getLogger(__name__)

FAILOVER = naming.KIND_FAILOVER
TEST = naming.KIND_TEST

KEEP_TEST = ('what a test failover makes is removed by cleanup_test, found by'
             ' its names and metadata (also after a failure, a cancel or a '
             'killed engine)')
KEEP_FAILOVER = ('a retry of the failover adopts it (found by name and '
                 'metadata); deleting it would only slow the recovery down')


def op_created_at(context, operation_id: str) -> float:
    op = db_api.operation_get(context, operation_id)
    created = op.created_at
    import datetime
    if created.tzinfo is None:
        created = created.replace(tzinfo=datetime.UTC)
    return created.timestamp()


port_name = naming.port_name
port_prefix = naming.port_prefix
test_name_prefix = naming.test_name_prefix
test_network_name = naming.test_network_name


def server_meta(kind: str, plan_id: str, source_id: str | None) -> dict:
    return naming.meta(kind, plan_id, source_id)


def _recipe(context, plan_id: str, server_id: str) -> dict:
    for row in db_api.recipe_list(context, plan_id):
        if row.resource_id == server_id:
            return dict(row.recipe)
    raise drv_base.DriverError(
        detail='server %s has no recovery recipe in plan %s: protect or '
        'sync the plan first' % (server_id, plan_id))


def _recipe_volumes(recipe: dict) -> list[dict]:
    return ([recipe['boot_volume']] if recipe.get('boot_volume') else []) \
        + list(recipe.get('data_volumes') or [])


def _sub_event(context, operation_id: str, step: str, state: str,
               rtype: str, rid: str, message: str | None = None) -> None:
    try:
        db_api.event_add(context, operation_id, step, state,
                         resource_type=rtype, resource_id=rid,
                         message=message)
    except Exception as e:
        LOG.warning('Operation %s: event not recorded: %s', operation_id,
                    type(e).__name__)


plan_mappings = plans.plan_mappings


def _target(context, plan_id: str, operation_id: str | None = None
            ) -> tuple[Any, drv_clients.SiteDrivers]:
    """The plan and its drivers at the target; with ``operation_id``
    the drivers share the operation's listings and polls
    (:mod:`drs.engine.listings`)."""
    plan, c = plans.plan_clients(
        context, plan_id,
        shared=listings.of(operation_id) if operation_id else None)
    return plan, c.at('target')


def _imported_before(site: drv_clients.SiteDrivers, shared, kind: str,
                     plan_id: str) -> set[str]:
    """The source volumes of the plan that a run of this operation
    which died imported already, in the project or still in drs's own
    project between manage and transfer (the replica is no longer
    manageable then), from their metadata: two listings for the whole
    operation, made by the first import that asks."""
    def fetch() -> set[str]:
        meta = naming.meta(kind, plan_id)
        return {str((v.get('metadata') or {}).get(naming.META_SOURCE))
                for service in (False, True)
                for v in site.volume.find_volumes(meta, service=service)}
    return shared.get(('imported', site.name, kind, plan_id), fetch)


def _plan_volumes(context, plan) -> list[dict]:
    """``id`` and ``volume_type`` of every volume of the plan: its
    servers' (from their recipes) and its own, each once. The type lets
    a site with several storage backends route each volume to its own
    (``[replication] backends`` by ``site/volume type``)."""
    out: dict[str, dict] = {}
    for row in plan.resources:
        for v in resources.steps_for(row.resource_type).recovery_volumes(
                context, plan, row):
            out.setdefault(v['id'], v)
    return list(out.values())


def _own_volume_type(row) -> str | None:
    data = row.protect_data or {}
    return data.get('retyped_to') or data.get('volume_type')


# ------------------------------------------------------------------ cut-off

def _measured_syncs(plan) -> dict[str, float]:
    """Volume id -> the replica's ``last_sync_at`` the last measurement
    (sync, sweep) recorded on the plan's resources."""
    out: dict[str, float] = {}
    for row in plan.resources:
        replica = row.replica or {}
        if row.resource_type == plans.SERVER:
            per_volume = replica.get('volumes') or {}
        elif row.resource_type == plans.VOLUME:
            per_volume = {row.resource_id: replica}
        else:
            continue
        for vid, rep in per_volume.items():
            if (rep or {}).get('last_sync_at'):
                out[vid] = float(rep['last_sync_at'])
    return out


class RecordCutoff(base.OperationTask):
    """The recovery point: age of the newest replicated data, per replica,
    read at the target only; recipes checked before anything is made."""

    step = 'cutoff'
    side_effects = False

    def run(self, context, plan_id: str, operation_id: str  # type: ignore[override]
            ) -> dict:
        # Shared: the imports take the replicas' listing from here.
        plan, site = _target(context, plan_id, operation_id)
        op = db_api.operation_get(context, operation_id)
        if op.result and op.result.get('cutoff'):
            return op.result['cutoff']
        now = time.time()
        volumes = _plan_volumes(context, plan)
        volume_ids = [v['id'] for v in volumes]
        found = site.replication.status(volumes) if volumes else {}
        measured = _measured_syncs(plan)
        ages: dict[str, float | None] = {}
        for vid in volume_ids:
            # The storage cannot always date a replica now (RBD's journal
            # status with entries behind, refreshed ~30 s); it holds at
            # least what the last measurement found, replication only
            # moving forward.
            last = (found.get(vid) or {}).get('last_sync_at') or \
                measured.get(vid)
            ages[vid] = round(now - float(last), 3) if last else None
        for row in plan.resources:
            ages.update(resources.steps_for(row.resource_type).cutoff_ages(
                now, row))
        known = [a for a in ages.values() if a is not None]
        cutoff = {'at': now, 'requested_at': op_created_at(context,
                                                           operation_id),
                  'replica_age_seconds': ages,
                  'rpo_seconds': max(known) if known else None,
                  'replicas_found': sorted(
                      v for v, st in found.items() if st.get('present'))}
        result = dict(op.result or {}, cutoff=cutoff)
        db_api.operation_update(context, operation_id, {'result': result})
        return cutoff


# ------------------------------------------------------------------ storage

class ImportServerVolumes(base.OperationTask):
    """Promote the replicas of a server's volumes into the target Cinder
    (failover) or import copies of them (test); boot volume first.

    The storage-side backend makes each replica (or a point-in-time copy
    of it) something Cinder can manage; the target's Cinder then manages
    it and transfers it to the plan's project. An unplanned failover
    promotes by force, contacting nothing at the source; a planned
    migration (and a failback) lets the backend demote the source first.
    """

    step = 'import-volumes'
    keep_on_revert = ('a promoted replica holds the only writable copy of the'
                      ' data: un-promoting it would lose writes; the '
                      'operation cannot be cancelled once a promote started, '
                      'and a retry adopts what was imported')
    kind = FAILOVER

    def _volumes(self, context, plan_id: str) -> list[dict]:
        assert self.resource is not None  # noqa: S101
        return _recipe_volumes(_recipe(context, plan_id,
                                       self.resource['id']))

    @staticmethod
    def _point_of_no_return(context, operation_id: str,
                            site: drv_clients.SiteDrivers) -> None:
        """A promoted replica cannot be un-promoted by a revert: from the
        first promote on, the operation refuses to be cancelled (409);
        if a cancel came first, stop here instead."""
        if not db_api.operation_mark_irreversible(
                context, operation_id,
                'replicas are being promoted at site %s' % site.name):
            raise base.OperationCancelled(operation_id)

    def _forced(self, context, operation_id: str) -> bool:
        op = db_api.operation_get(context, operation_id)
        return op.action == 'failover'

    def run(self, context, plan_id: str, operation_id: str  # type: ignore[override]
            ) -> dict:
        """Every volume of the server at once (one thread each where
        there are several): the promotes and imports are the backends'
        and Cinder's work, and a server's volumes do not wait for each
        other. The operation's database work (events, the point of no
        return) stays in this thread, before and after."""
        shared = listings.of(operation_id)
        plan, site = _target(context, plan_id, operation_id)
        mapping = plan_mappings(plan).get('volume_types') or {}
        volumes = self._volumes(context, plan_id)
        force = self.kind == FAILOVER and self._forced(context, operation_id)
        step = '%s-volume' % ('copy' if self.kind == TEST else 'import')
        for vol in volumes:
            _sub_event(context, operation_id, step, base.EVENT_STARTED,
                       plans.VOLUME, vol['id'])
        try:
            # Imported already, by a run that died (the operation's
            # listing of what carries its metadata).
            before = _imported_before(site, shared, self.kind, plan_id)
            if self.kind == FAILOVER and any(v['id'] not in before
                                             for v in volumes):
                self._point_of_no_return(context, operation_id, site)
        except Exception as e:
            for vol in volumes:
                self._failed(context, operation_id, step, vol['id'], e)
            raise

        def one(vol: dict) -> dict:
            vid = vol['id']
            meta = naming.meta(self.kind, plan_id, vid)
            name = naming.volume_name(self.kind, vid)
            if vid in before:
                return site.volume.import_volume('', {}, name, None, False,
                                                 meta)
            if self.kind == TEST:
                replica = site.replication.copy(
                    vol, naming.copy_id(plan_id, vid))
            else:
                replica = site.replication.promote(vol, force=force)
            if replica.get('safe_to_manage') is False:
                raise drv_base.DriverError(
                    detail='the replica of volume %s at site %s cannot be '
                    'imported: %s' % (vid, site.name, replica.get('detail')
                                      or 'not safe to manage'))
            vtype = vol.get('volume_type')
            return site.volume.import_volume(
                replica['host'] or '', replica['reference'], name=name,
                volume_type=mapping.get(vtype or '', vtype),
                bootable=bool(vol.get('bootable')), metadata=meta,
                fresh=True)

        out: dict[str, dict] = {}
        errors: dict[str, Exception] = {}
        for vol, result in _each_at_once(one, volumes):
            vid = vol['id']
            if isinstance(result, Exception):
                errors[vid] = result
                self._failed(context, operation_id, step, vid, result)
                continue
            _sub_event(context, operation_id, step, base.EVENT_SUCCEEDED,
                       plans.VOLUME, vid,
                       'volume %s at the target' % result['id'])
            out[vid] = result
        if errors:
            # What this run did before failing is not in the operation's
            # listings: a step run again lists afresh. The first
            # volume's error (the boot volume's) is the step's.
            shared.drop(('imported', site.name, self.kind, plan_id))
            shared.drop(site.volume.shared_key('manageable'))
            raise next(errors[v['id']] for v in volumes
                       if v['id'] in errors)
        return {'volumes': out, 'order': [v['id'] for v in volumes]}

    @staticmethod
    def _failed(context, operation_id: str, step: str, vid: str,
                error: Exception) -> None:
        _sub_event(context, operation_id, step, base.EVENT_FAILED,
                   plans.VOLUME, vid, base.safe_message(error))


def _each_at_once(fn, items: list):
    """Yield ``(item, fn(item) or the exception it raised)`` as each call
    ends, the calls made at once (one thread each; a single item is
    called in this thread). Every call has ended when the generator
    is exhausted."""
    def call(item):
        try:
            return fn(item)
        except Exception as e:  # yielded, for the caller to record
            return e
    if len(items) <= 1:
        for item in items:
            yield item, call(item)
        return
    with concurrent.futures.ThreadPoolExecutor(
            len(items), thread_name_prefix='drs-import') as pool:
        futures = {pool.submit(call, item): item for item in items}
        for done in concurrent.futures.as_completed(futures):
            yield futures[done], done.result()


class CopyServerVolumes(ImportServerVolumes):
    step = 'copy-volumes'
    keep_on_revert = KEEP_TEST
    kind = TEST


class ImportVolume(ImportServerVolumes):
    """A protected volume of the plan (not a server's)."""

    step = 'import-volume'

    def _volumes(self, context, plan_id: str) -> list[dict]:
        assert self.resource is not None  # noqa: S101
        plan = db_api.plan_get(context, plan_id)
        row = plans.resource_row(plan, plans.VOLUME,
                                       self.resource['id'])
        data = row.protect_data or {}
        return [{'id': self.resource['id'],
                 'volume_type': data.get('retyped_to')
                 or data.get('volume_type'), 'bootable': False}]


class CopyVolume(ImportVolume):
    step = 'copy-volume'
    keep_on_revert = KEEP_TEST
    kind = TEST


class ActivateContainer(base.OperationTask):
    """The target container, with what it holds, becomes the live one
    (failover); a test only reads it."""

    step = 'activate-container'
    side_effects = False

    def run(self, context, plan_id: str) -> dict:  # type: ignore[override]
        assert self.resource is not None  # noqa: S101
        _plan, site = _target(context, plan_id)
        cont = site.object_storage.get_container(self.resource['id'])
        return {'name': cont['name'], 'count': cont['count'],
                'bytes': cont['bytes'], 'site': site.name}


class CheckTestContainer(ActivateContainer):
    step = 'check-container'


# ----------------------------------------------------------------- network

class CreateTestNetworks(base.OperationTask):
    """Isolated copies of the mapped networks (same CIDRs, a router with
    no external gateway) for the test servers."""

    step = 'test-networks'
    keep_on_revert = KEEP_TEST

    def run(self, context, plan_id: str) -> dict:  # type: ignore[override]
        plan, site = _target(context, plan_id)
        mapping = plan_mappings(plan).get('networks') or {}
        sources: list[str] = []
        for row in db_api.recipe_list(context, plan_id):
            for port in row.recipe.get('ports') or []:
                if port['network_id'] not in sources:
                    sources.append(port['network_id'])
        out = {}
        for src in sources:
            mapped = mapping.get(src)
            if not mapped:
                raise drv_base.DriverError(
                    detail='network %s has no mapping to a network of '
                    'site %s' % (src, site.name))
            out[src] = site.network.ensure_isolated_network(
                test_network_name(plan_id, src),
                site.network.subnets_of(mapped))
        return out


# ----------------------------------------------------------------- servers

class PrepareServer(base.OperationTask):
    """Key pair, security groups and ports (recorded fixed IPs) at the
    target, for one server."""

    step = 'ports'
    keep_on_revert = KEEP_FAILOVER
    kind = FAILOVER

    def run(self, context, plan_id: str, operation_id: str,  # type: ignore[override]
            test_networks: dict | None = None) -> dict:
        assert self.resource is not None  # noqa: S101
        plan, site = _target(context, plan_id, operation_id)
        sid = self.resource['id']
        recipe = _recipe(context, plan_id, sid)
        mappings = plan_mappings(plan)
        test_prefix = test_name_prefix(plan_id) if self.kind == TEST \
            else None
        key_name, created = site.compute.ensure_keypair(
            recipe.get('key_pair'), test_prefix=test_prefix)
        if created and key_name:
            _sub_event(context, operation_id, 'created-keypair',
                       base.EVENT_SUCCEEDED, 'OS::Nova::KeyPair', key_name,
                       'key pair %s created at %s' % (key_name, site.name))
        groups = site.network.ensure_security_groups(
            recipe.get('security_groups') or [],
            mappings.get('security_groups') or {}, test_prefix=test_prefix)
        ports = []
        for port in recipe.get('ports') or []:
            if self.kind == TEST:
                test = (test_networks or {}).get(port['network_id'])
                if not test:
                    raise drv_base.DriverError(
                        detail='no test network for network %s'
                        % port['network_id'])
                network_id = test['network_id']
                fixed = [{'ip_address': ip['ip_address'],
                          'subnet_id': site.network.subnet_for(
                              ip['ip_address'], test['subnets'])}
                         for ip in port.get('fixed_ips') or []]
            else:
                network_id = (mappings.get('networks') or {}).get(
                    port['network_id'])
                if not network_id:
                    raise drv_base.DriverError(
                        detail='network %s of port %s has no mapping' % (
                            port['network_id'], port['id']))
                subnets = site.network.subnets_of(network_id)
                fixed = [{'ip_address': ip['ip_address'],
                          'subnet_id': site.network.subnet_for(
                              ip['ip_address'], subnets)}
                         for ip in port.get('fixed_ips') or []]
            try:
                ports.append(site.network.ensure_port(
                    port_name(self.kind, plan_id, port['id']), network_id,
                    fixed, groups, 'drs plan %s, %s of server %s port %s' % (
                        plan_id, self.kind, sid, port['id']),
                    recorded=port))
            except Exception:
                # The port may exist all the same: a step run again in
                # this operation lists the ports afresh.
                site.network.forget('ports')
                raise
        return {'key_name': key_name, 'ports': ports,
                'security_groups': groups}


class PrepareTestServer(PrepareServer):
    step = 'test-ports'
    keep_on_revert = KEEP_TEST
    kind = TEST


class CreateServer(base.OperationTask):
    """The server re-created from its recipe: booting from its imported
    volume, data volumes in their recorded order, on its ports."""

    step = 'create-server'
    keep_on_revert = KEEP_FAILOVER
    kind = FAILOVER

    def run(self, context, plan_id: str, operation_id: str,  # type: ignore[override]
            volumes: dict, prepared: dict) -> dict:
        assert self.resource is not None  # noqa: S101
        shared = listings.of(operation_id)
        plan, site = _target(context, plan_id, operation_id)
        sid = self.resource['id']
        recipe = _recipe(context, plan_id, sid)
        meta = server_meta(self.kind, plan_id, sid)
        name = recipe['server']['name']
        if self.kind == TEST:
            name = 'drs-test-%s' % name
        # What a run that died created: one listing of the servers that
        # carry the plan's metadata for the whole operation (the first
        # create asks); each create then adds its own server.
        made = shared.get(('servers', site.name, self.kind, plan_id),
                          lambda: site.compute.find_servers(
                              server_meta(self.kind, plan_id, None)))
        for server in [s for s in made
                       if s['metadata'].get(naming.META_SOURCE) == sid]:
            if server['status'] != 'ERROR':
                return {'id': server['id'], 'name': server['name'],
                        'adopted': True}
            # A failed attempt: replaced, not kept beside the new one.
            site.compute.delete_server(server['id'])
        mappings = plan_mappings(plan)
        flavor_name = recipe['flavor']['name']
        flavor_name = (mappings.get('flavors') or {}).get(flavor_name,
                                                          flavor_name)
        flavor = shared.get(('flavor', site.name, flavor_name),
                            lambda: site.compute.find_flavor(flavor_name))
        if flavor is None:
            raise drv_base.DriverError(
                detail='flavor %s does not exist at site %s' % (
                    flavor_name, site.name))
        imported = volumes['volumes']
        bdm = []
        boot = recipe.get('boot_volume')
        image_id = None
        if boot:
            bdm.append({'boot_index': 0, 'uuid': imported[boot['id']]['id'],
                        'source_type': 'volume',
                        'destination_type': 'volume',
                        'delete_on_termination': False})
        elif recipe.get('image'):
            image_id = recipe['image'].get('id')
        for vol in recipe.get('data_volumes') or []:
            bdm.append({'boot_index': -1,
                        'uuid': imported[vol['id']]['id'],
                        'source_type': 'volume',
                        'destination_type': 'volume',
                        'delete_on_termination': False})
        az = (recipe.get('server') or {}).get('availability_zone')
        if az:
            az = (mappings.get('availability_zones') or {}).get(az, az)
        metadata = dict(recipe.get('metadata') or {}, **meta)
        try:
            created = site.compute.create_server(
                name, flavor['id'], image_id, prepared.get('key_name'),
                [p['id'] for p in prepared['ports']], bdm, metadata, az)
        except Exception:
            # The server may exist all the same (an answer lost): a step
            # run again in this operation lists the servers afresh.
            shared.drop(('servers', site.name, self.kind, plan_id))
            raise
        return dict(created, adopted=False)


class CreateTestServer(CreateServer):
    step = 'create-test-server'
    keep_on_revert = KEEP_TEST
    kind = TEST


class WaitServerActive(base.OperationTask):
    """The re-created server is ACTIVE (the end of its recovery)."""

    step = 'wait-active'
    side_effects = False

    def run(self, context, plan_id: str, operation_id: str,  # type: ignore[override]
            server: dict) -> dict:
        # The waits of a tier share one listing of the servers per poll.
        _plan, site = _target(context, plan_id, operation_id)
        out = site.compute.wait_server(server['id'], server['name'])
        return dict(out, name=server['name'], active_at=time.time())


# ---------------------------------------------------------------- finish

class FinishRecovery(base.OperationTask):
    """RTO and RPO of the operation and where everything now is."""

    step = 'finish'
    side_effects = False
    kind = FAILOVER

    def run(self, context, plan_id: str, operation_id: str,  # type: ignore[override]
            cutoff: dict, **results: Any) -> dict:
        servers = {k[len('server_active_'):]: v for k, v in results.items()
                   if k.startswith('server_active_')}
        volumes = {k[len('volumes_'):]: v for k, v in results.items()
                   if k.startswith('volumes_')}
        ports = {k[len('prepared_'):]: v for k, v in results.items()
                 if k.startswith('prepared_')}
        last_active = max([s['active_at'] for s in servers.values()],
                          default=time.time())
        rto = round(last_active - cutoff['requested_at'], 3)
        op = db_api.operation_get(context, operation_id)
        result = dict(op.result or {}, rto_seconds=rto,
                      rpo_seconds=cutoff.get('rpo_seconds'),
                      servers=servers,
                      volumes={k: v.get('volumes') for k, v in
                               volumes.items()},
                      ports={k: v.get('ports') for k, v in ports.items()})
        db_api.operation_update(context, operation_id, {'result': result})
        if self.kind == FAILOVER:
            plan = db_api.plan_get(context, plan_id)
            for row in plan.resources:
                replica = dict(row.replica or {})
                recovered: dict[str, Any] = {'operation_id': operation_id}
                recovered.update(resources.steps_for(
                    row.resource_type).recovered(row, results))
                replica['recovered'] = recovered
                db_api.protected_resource_update(
                    context, plan_id, row.resource_type, row.resource_id,
                    {'replica': replica})
        return result


class FinishTest(FinishRecovery):
    step = 'finish-test'
    kind = TEST


# ------------------------------------------------------- planned migration

class StopSourceServer(base.OperationTask):
    """Planned migration: the source server stopped (not deleted)."""

    step = 'stop-source'
    keep_on_revert = ('starting the source server again after a failed '
                      'migration could run it beside a promoted copy at the '
                      'target: the owner restarts it once they know which '
                      'copy is live')

    def run(self, context, plan_id: str) -> dict:  # type: ignore[override]
        assert self.resource is not None  # noqa: S101
        _plan, c = plans.plan_clients(context, plan_id)
        status = c.compute('source').stop_server(self.resource['id'])
        return {'id': self.resource['id'], 'status': status,
                'stopped_at': time.time()}


class WaitCaughtUp(base.OperationTask):
    """Planned migration: every replica holds what the source held when
    its servers stopped (volumes synced after the stop, containers equal
    at both sites)."""

    step = 'wait-caught-up'
    side_effects = False

    def run(self, context, plan_id: str, parameters: dict,  # type: ignore[override]
            **stopped: Any) -> dict:
        from oslo_config import cfg
        plan, c = plans.plan_clients(context, plan_id)
        since = max([s['stopped_at'] for k, s in stopped.items()
                     if k.startswith('stopped_')], default=time.time())
        timeout = (parameters or {}).get('sync_timeout') or \
            cfg.CONF.recovery.catch_up_timeout
        volumes = _plan_volumes(context, plan)
        volume_ids = [v['id'] for v in volumes]
        source, target = c.at('source'), c.at('target')
        seen: dict[str, str] = {}

        def behind() -> list[str]:
            found = target.replication.status(volumes) if volumes else {}
            late = [v for v in volume_ids
                    if (found.get(v) or {}).get('last_sync_at') is None
                    or float(found[v].get('last_sync_at') or 0) < since]
            # What else replicates (containers) compares itself.
            for row in plan.resources:
                if resources.steps_for(row.resource_type).behind(
                        source, target, row, seen):
                    late.append(row.resource_id)
            return late

        waiter.wait_for(
            behind, lambda late: not late,
            what='replicas to catch up after the source stopped',
            timeout=timeout, interval=2,
            describe=lambda late: 'behind: ' + ', '.join(
                seen.get(b, b) for b in late))
        now = time.time()
        for row in plan.resources:
            resources.steps_for(row.resource_type).caught_up(
                context, plan_id, row, now)
        return {'caught_up_at': now, 'since': since}


# ------------------------------------------------------------ cleanup_test

class CleanupTestServer(base.OperationTask):
    """One server's test copy: server, ports, volumes and replica copies."""

    step = 'cleanup-server'
    keep_on_revert = ('cleanup only deletes what a test made; a revert never '
                      're-creates it')

    def run(self, context, plan_id: str) -> dict:  # type: ignore[override]
        assert self.resource is not None  # noqa: S101
        _plan, site = _target(context, plan_id)
        sid = self.resource['id']
        gone: dict[str, list] = {'servers': [], 'ports': [], 'volumes': []}
        for server in site.compute.find_servers(
                server_meta(TEST, plan_id, sid)):
            site.compute.delete_server(server['id'])
            gone['servers'].append(server['id'])
        try:
            recipe = _recipe(context, plan_id, sid)
        except drv_base.DriverError:
            recipe = {}
        for port in recipe.get('ports') or []:
            found = site.network.find_port(
                port_name(TEST, plan_id, port['id']))
            if found is not None:
                site.network.delete_port(found['id'])
                gone['ports'].append(found['id'])
        for vol in _recipe_volumes(recipe):
            gone['volumes'] += _delete_test_volume(site, plan_id, vol)
        return gone


def _delete_test_volume(site: drv_clients.SiteDrivers, plan_id: str,
                        volume: dict) -> list[str]:
    """The test's volume of ``volume`` (in the project or still drs's)
    and the storage-side copy it was made from, if Cinder never managed
    it."""
    vid = volume['id']
    meta = naming.meta(TEST, plan_id, vid)
    gone = []
    for service in (False, True):
        for vol in site.volume.find_volumes(meta, service=service):
            site.volume.delete_volume(vol['id'], service=service)
            gone.append(vol['id'])
    site.replication.delete_copy(volume, naming.copy_id(plan_id, vid))
    return gone


class CleanupTestVolume(base.OperationTask):
    step = 'cleanup-volume'
    keep_on_revert = ('cleanup only deletes what a test made; a revert never '
                      're-creates it')

    def run(self, context, plan_id: str) -> dict:  # type: ignore[override]
        assert self.resource is not None  # noqa: S101
        plan, site = _target(context, plan_id)
        row = plans.resource_row(plan, plans.VOLUME, self.resource['id'])
        return {'volumes': _delete_test_volume(
            site, plan_id, {'id': self.resource['id'],
                            'volume_type': _own_volume_type(row)})}


class CleanupTestLeftovers(base.OperationTask):
    """Anything else a test of this plan made at the target, found by its
    metadata and names: servers, ports, volumes, the isolated networks,
    security groups and the key pairs it created."""

    step = 'cleanup-leftovers'
    keep_on_revert = ('cleanup only deletes what a test made; a revert never '
                      're-creates it')

    def run(self, context, plan_id: str) -> dict:  # type: ignore[override]
        plan, site = _target(context, plan_id)
        meta = naming.meta(TEST, plan_id)
        gone: dict[str, list] = {'servers': [], 'ports': [], 'volumes': [],
                                 'networks': []}
        for server in site.compute.find_servers(meta):
            site.compute.delete_server(server['id'])
            gone['servers'].append(server['id'])
        for port in site.network.ports_named(port_prefix(TEST, plan_id)):
            site.network.delete_port(port['id'])
            gone['ports'].append(port['id'])
        for service in (False, True):
            for vol in site.volume.find_volumes(meta, service=service):
                site.volume.delete_volume(vol['id'], service=service)
                gone['volumes'].append(vol['id'])
        sources = set()
        for row in db_api.recipe_list(context, plan_id):
            for port in row.recipe.get('ports') or []:
                sources.add(port['network_id'])
        for src in sorted(sources):
            gone['networks'] += site.network.delete_isolated_network(
                test_network_name(plan_id, src))
        gone['security_groups'] = site.network.delete_security_groups(
            test_name_prefix(plan_id))
        gone['keypairs'] = site.compute.delete_keypairs(
            test_name_prefix(plan_id))
        return gone


class ClearTestActive(base.OperationTask):
    step = 'clear-test-active'
    side_effects = False

    def run(self, context, plan_id: str, operation_id: str,  # type: ignore[override]
            **gone: Any) -> dict:
        db_api.plan_update(context, plan_id, {'test_active': False},
                           require_idle=False)
        result = {'removed': gone}
        db_api.operation_update(context, operation_id, {'result': result})
        return result


# ------------------------------------------------- reprotect and failback

def _recovered(context, plan_id: str, rtype: str, rid: str) -> dict:
    plan = db_api.plan_get(context, plan_id)
    row = plans.resource_row(plan, rtype, rid)
    recovered = (row.replica or {}).get('recovered')
    if not recovered:
        raise drv_base.DriverError(
            detail='%s %s was not recovered at the target site: fail over '
            'first' % (rtype, rid))
    return recovered


class CaptureRecoveredRecipe(base.OperationTask):
    """The recipe of the server a failover re-created at the target: it
    is the one protected from now on (in the other direction)."""

    step = 'capture-recovered-recipe'
    side_effects = False

    def run(self, context, plan_id: str) -> dict:  # type: ignore[override]
        assert self.resource is not None  # noqa: S101
        sid = self.resource['id']
        recovered = _recovered(context, plan_id, plans.SERVER, sid)
        new_sid = (recovered.get('server') or {}).get('id')
        if not new_sid:
            raise drv_base.DriverError(
                detail='no recovered server is recorded for server %s'
                % sid)
        _plan, c = plans.plan_clients(context, plan_id)
        recipe = c.compute('target').capture_recipe(new_sid,
                                                    c.network('target'))
        volumes = c.volume('target')
        for entry in _recipe_volumes(recipe):
            vol = volumes.get_volume(entry['id'])
            entry.update(size=vol['size'], volume_type=vol['volume_type'],
                         bootable=vol['bootable'])
        db_api.recipe_save(context, plan_id, new_sid, recipe)
        return {'old': sid, 'new': new_sid,
                'volume_ids': [v['id'] for v in _recipe_volumes(recipe)]}


class ReverseServerVolumes(base.OperationTask):
    """Storage-side replication reversed for a recovered server's volumes:
    each old source volume becomes a replica of the volume the failover
    imported at the target (with Ceph: demoted and resynced, a split
    brain resolved towards the target's newer data)."""

    step = 'reverse-volumes'
    keep_on_revert = ('the old source is a replica of the recovered volume '
                      'now; a retry of reprotect continues from there, and '
                      'undoing it would need a second resync')

    def _pairs(self, context, plan_id: str) -> list[tuple[dict, dict]]:
        """(old source volume, recovered volume) with their types: the
        old one's from the recipe (its type at the old source), the
        recovered one's from the import."""
        assert self.resource is not None  # noqa: S101
        recovered = _recovered(context, plan_id, self.resource['type'],
                               self.resource['id'])
        try:
            old_types = {v['id']: v.get('volume_type') for v in
                         _recipe_volumes(_recipe(context, plan_id,
                                                 self.resource['id']))}
        except drv_base.DriverError:
            old_types = {}
        return [({'id': old, 'volume_type': old_types.get(old)
                  or (new or {}).get('volume_type')},
                 {'id': (new or {}).get('id') or old,
                  'volume_type': (new or {}).get('volume_type')})
                for old, new in (recovered.get('volumes') or {}).items()]

    def run(self, context, plan_id: str, operation_id: str  # type: ignore[override]
            ) -> dict:
        _plan, c = plans.plan_clients(context, plan_id)
        backend = c.replication('source')
        out = {}
        for old_vol, new_vol in self._pairs(context, plan_id):
            old, new = old_vol['id'], new_vol['id']
            st = backend.reverse(old_vol, new_vol)
            _sub_event(context, operation_id, self.step, base.EVENT_SUCCEEDED,
                       plans.VOLUME, old,
                       'replica of %s at %s: %s' % (
                           new, c.site_name('source'),
                           st.get('health') or 'unknown'))
            out[old] = {'primary': new, 'health': st.get('health'),
                        'present': st.get('present')}
        return out


class ReverseVolume(ReverseServerVolumes):
    step = 'reverse-volume'


class RemoveOldSourceServer(base.OperationTask):
    """The stale server at the old source site (stopped, or left by the
    disaster) and its ports, so that its fixed IPs are free for a later
    failback. Its volumes are kept."""

    step = 'remove-old-source'
    keep_on_revert = ('the stale server at the old source cannot run again '
                      'without risking two live copies; its volumes are kept')

    def run(self, context, plan_id: str) -> dict:  # type: ignore[override]
        assert self.resource is not None  # noqa: S101
        sid = self.resource['id']
        _plan, c = plans.plan_clients(context, plan_id)
        source = c.at('source')
        try:
            recipe = _recipe(context, plan_id, sid)
        except drv_base.DriverError:
            recipe = {}
        try:
            source.compute.get_server(sid)
            source.compute.delete_server(sid)
            deleted = True
        except drv_base.ResourceNotFound:
            deleted = False
        for port in recipe.get('ports') or []:
            source.network.delete_port(port['id'])
        return {'server': sid, 'deleted': deleted}


class ReverseContainer(base.OperationTask):
    """Container sync from the (old) target to the (old) source."""

    step = 'reverse-container'
    keep_on_revert = ('a retry of reprotect sets the same sync again; turning'
                      ' it back would push the old source\'s stale objects '
                      'over the recovered ones')

    def run(self, context, plan_id: str) -> dict:  # type: ignore[override]
        assert self.resource is not None  # noqa: S101
        name = self.resource['id']
        plan, c = plans.plan_clients(context, plan_id)
        row = plans.resource_row(plan, plans.CONTAINER, name)
        old_source = c.object_storage('source')
        new_source = c.object_storage('target')
        # The old direction first, so that the old source takes the new
        # key rather than keep pushing to the new source.
        old_source.unprotect_container(name, row.protect_data or {})
        out = new_source.protect_container(name, old_source)
        return {'protect_data': dict(out['protect_data'],
                                     protected_at=time.time()),
                'replica': out['replica']}


class SwapDirection(base.OperationTask):
    """The plan now protects what runs at the old target, into the old
    source: resources replaced by the recovered ones, direction swapped,
    replication measured in the new direction.

    :param reversed_from: the plan's direction when the operation was
        posted (its flow's snapshot). A run that finds the plan in the
        other one already is a run again after the swap (its engine died
        before TaskFlow saved the result): it measures and reports, it
        does not swap back.
    """

    step = 'swap-direction'
    side_effects = False

    def __init__(self, *args: Any, reversed_from: bool | None = None,
                 **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.reversed_from = reversed_from

    def run(self, context, plan_id: str, operation_id: str,  # type: ignore[override]
            **results: Any) -> dict:
        plan = db_api.plan_get(context, plan_id)
        if self.reversed_from is not None and \
                bool(plan.reversed) != self.reversed_from:
            swapped = [{'type': r.resource_type, 'id': r.resource_id,
                        'tier': r.tier} for r in plan.resources]
            reversed_now = bool(plan.reversed)
        else:
            swapped = []
            for row in plan.resources:
                rtype = row.resource_type
                new, values = resources.steps_for(rtype).swapped(
                    context, plan_id, row, results)
                swapped.append({'type': rtype, 'id': new, 'tier': row.tier,
                                'values': dict(
                                    values, replication_state=drv_base
                                    .STATE_REPLICATING)})
            for row in plan.resources:
                resources.steps_for(row.resource_type).swapped_out(
                    context, plan_id, row)
            reversed_now = not plan.reversed
            # The direction and the new resources with their values in
            # one transaction: a run that dies finds either nothing or
            # all of it done.
            db_api.plan_update(context, plan_id, {'reversed': reversed_now},
                               resources=swapped, require_idle=False)
            swapped = [{k: r[k] for k in ('type', 'id', 'tier')}
                       for r in swapped]
        try:
            figures = measure.measure(context, plan_id)
        except Exception as e:
            figures = {'error': base.safe_message(e)}
        op = db_api.operation_get(context, operation_id)
        result = dict(op.result or {}, reversed=reversed_now,
                      resources=swapped, replication=figures)
        db_api.operation_update(context, operation_id, {'result': result})
        return result
