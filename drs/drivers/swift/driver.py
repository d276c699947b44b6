"""Swift container sync between the two sites' clusters.

The realm and cluster names come from each cluster's ``GET /info``
(``container_sync.realms``). Protecting a container creates it at the
target with a generated sync key (the data is never touched), then sets
``X-Container-Sync-To`` and the key on the source. The segments
container of large objects (``<name>_segments`` as python-swiftclient
writes it, ``<name>+segments`` as s3api does) is protected the same way.
"""

import secrets
from typing import Any

from oslo_config import cfg
from oslo_log import log
from swiftclient import client as swift_client
from swiftclient import exceptions as swift_exc

from drs.drivers import base

CONF = cfg.CONF
LOG = log.getLogger(__name__)

SEGMENT_SUFFIXES = ('_segments', '+segments')
SYNC_KEY_HEADER = 'x-container-sync-key'

# python-swiftclient logs requests (curl lines) at debug level, with only
# the token redacted, and only partly: the container-sync key drs sets is
# a secret too, and neither is revealed at all.
if SYNC_KEY_HEADER not in swift_client.LOGGER_SENSITIVE_HEADERS:
    swift_client.LOGGER_SENSITIVE_HEADERS.append(SYNC_KEY_HEADER)
swift_client.logger_settings['redact_sensitive_headers'] = True
swift_client.logger_settings['reveal_sensitive_prefix'] = 0


class SwiftObjectStorageDriver(base.ObjectStorageDriver):

    def __init__(self, site, session, service_session=None):
        super().__init__(site, session, service_session)
        self._conn: swift_client.Connection | None = None

    def _connection(self) -> swift_client.Connection:
        if self._conn is None:
            os_options = {'region_name': self.site.get('region_name'),
                          'service_type': 'object-store',
                          'endpoint_type': self.site.get('interface')
                          or 'public'}
            override = self.endpoint_override('object-store')
            if override:
                os_options['object_storage_url'] = self._substituted(
                    override)
            self._conn = swift_client.Connection(
                session=self.session, os_options=os_options, retries=2)
        return self._conn

    def _substituted(self, url: str) -> str:
        """An endpoint override naming the account as Keystone catalog
        templates do (``.../AUTH_%(project_id)s``, also ``tenant_id``):
        the session's project put in."""
        if '%(' not in url:
            return url
        project = self.session.get_project_id() or ''
        for key in ('project_id', 'tenant_id'):
            url = url.replace('%%(%s)s' % key, project)
        return url

    # ------------------------------------------------------------ reading

    def account_path(self) -> str:
        """``AUTH_<project>``: the last element of the storage URL."""
        url, _token = self._connection().get_auth()
        return url.rstrip('/').rsplit('/', 1)[-1]

    def account_project(self) -> str | None:
        """The project of the account the driver reaches: what follows
        the reseller prefix (``AUTH_``) in the storage URL's account, or
        None where the URL names no account."""
        account = self.account_path()
        prefix, sep, project = account.partition('_')
        if not sep or not prefix or not project:
            return None
        return project

    def check_account(self, project_id: str) -> None:
        """The containers reached live in ``project_id``'s account.

        By the storage URL's account (``AUTH_<project>``): the session's
        catalog, or a site's endpoint override, could point elsewhere.
        Where the URL names no account (RGW without
        ``rgw_swift_account_in_url``), the service uses the token's
        project, which must then be ``project_id``.
        """
        project = self.account_project()
        if project is None:
            project = self.session_project()
        if project != project_id:
            raise base.ForeignResource(type='object storage account',
                                       id=self.account_path(),
                                       project=project_id,
                                       site=self.site_name)

    def info(self) -> dict[str, Any]:
        return dict(self._connection().get_capabilities())

    def realms(self) -> dict[str, str | None]:
        """``{realm: this cluster's name}`` published by ``/info``.

        Swift marks its own cluster ``current``; None where it does not.
        """
        sync = self.info().get('container_sync') or {}
        out: dict[str, str | None] = {}
        for realm, spec in (sync.get('realms') or {}).items():
            current = [name for name, c in (spec.get('clusters') or {})
                       .items() if (c or {}).get('current')]
            out[realm.lower()] = current[0].lower() if current else None
        return out

    def get_container(self, name: str) -> dict[str, Any]:
        try:
            headers = self._connection().head_container(name)
        except swift_exc.ClientException as e:
            if e.http_status == 404:
                raise self.not_found('OS::Swift::Container', name)
            raise
        return {'name': name,
                'count': int(headers.get('x-container-object-count', 0)),
                'bytes': int(headers.get('x-container-bytes-used', 0)),
                'sync_to': headers.get('x-container-sync-to'),
                'has_sync_key': 'x-container-sync-key' in headers}

    def exists(self, name: str) -> bool:
        try:
            self.get_container(name)
        except base.ResourceNotFound:
            return False
        return True

    def list_containers(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict] = {}
        marker = ''
        while True:
            _headers, page = self._connection().get_account(
                marker=marker, limit=CONF.drivers.page_size)
            for c in page:
                out[c['name']] = {'count': c.get('count', 0),
                                  'bytes': c.get('bytes', 0),
                                  'last_modified': c.get('last_modified')}
            if len(page) < CONF.drivers.page_size:
                return out
            marker = page[-1]['name']

    def segments_containers(self, name: str) -> list[str]:
        return [name + suffix for suffix in SEGMENT_SUFFIXES
                if self.exists(name + suffix)]

    # ------------------------------------------------------------ protect

    def sync_to(self, target: 'SwiftObjectStorageDriver',
                name: str) -> str:
        """``//realm/cluster/account/container`` of the target container,
        in a realm both clusters publish."""
        mine = self.realms()
        theirs = target.realms()
        for realm in sorted(set(mine) & set(theirs)):
            cluster = theirs[realm]
            if cluster and cluster != mine[realm]:
                return '//%s/%s/%s/%s' % (realm, cluster,
                                          target.account_path(), name)
        raise base.DriverError(
            detail='sites %s and %s share no container-sync realm in '
            'their /info' % (self.site_name, target.site_name))

    def protect_container(self, name: str, target: base.ObjectStorageDriver
                          ) -> dict[str, Any]:
        if not isinstance(target, SwiftObjectStorageDriver):
            raise base.DriverError(detail='container sync needs Swift at '
                                   'both sites')
        current = self.get_container(name)
        names = [name] + self.segments_containers(name)
        synced = []
        for cname in names:
            synced.append(self._protect_one(cname, target))
        return {'replica': {'site': target.site_name,
                            'account': target.account_path(),
                            'containers': [s['target'] for s in synced]},
                'protect_data': {
                    'containers': {s['name']: {
                        'created_at_target': s['created_at_target'],
                        'previous_sync_to': s['previous_sync_to']}
                        for s in synced}},
                'count': current['count'], 'bytes': current['bytes']}

    def _protect_one(self, name: str,
                     target: 'SwiftObjectStorageDriver') -> dict[str, Any]:
        conn = self._connection()
        headers = conn.head_container(name)
        sync_to = self.sync_to(target, name)
        previous = headers.get('x-container-sync-to')
        if previous == sync_to and 'x-container-sync-key' in headers:
            key = headers['x-container-sync-key']
        else:
            key = CONF.drivers.swift_sync_key_prefix + secrets.token_hex(16)
        created = not target.exists(name)
        # The target gets the key first, so that nothing synced arrives
        # at a container that would refuse it.
        target._connection().put_container(
            name, headers={'X-Container-Sync-Key': key})
        if previous != sync_to or 'x-container-sync-key' not in headers:
            conn.post_container(name, headers={
                'X-Container-Sync-To': sync_to,
                'X-Container-Sync-Key': key})
        return {'name': name, 'target': name, 'created_at_target': created,
                'previous_sync_to': previous if previous != sync_to
                else None}

    def unprotect_container(self, name: str, protect_data: dict) -> None:
        conn = self._connection()
        containers = (protect_data.get('containers') or {name: {}})
        for cname, data in containers.items():
            previous = (data or {}).get('previous_sync_to')
            try:
                if previous:
                    conn.post_container(cname, headers={
                        'X-Container-Sync-To': previous})
                else:
                    conn.post_container(cname, headers={
                        'X-Remove-Container-Sync-To': 'x',
                        'X-Remove-Container-Sync-Key': 'x'})
            except swift_exc.ClientException as e:
                if e.http_status != 404:
                    raise

    # ------------------------------------------------------------ status

    def replication_settings(self, name: str,
                             protect_data: dict) -> str | None:
        """One HEAD per container protect set up (the container and its
        segments containers): its ``X-Container-Sync-To`` must still
        point at a container of that name, with a sync key."""
        names = list((protect_data or {}).get('containers') or [name])
        for cname in names:
            try:
                current = self.get_container(cname)
            except base.ResourceNotFound:
                return 'container %s is gone at site %s' % (
                    cname, self.site_name)
            sync_to = current['sync_to'] or ''
            if not sync_to:
                return ('container %s no longer syncs to the target site '
                        '(its X-Container-Sync-To was removed outside '
                        'drs)' % cname)
            if not sync_to.startswith('//') or \
                    not sync_to.rstrip('/').endswith('/' + cname):
                return ('container %s syncs somewhere else than drs set up '
                        '(its X-Container-Sync-To was changed outside '
                        'drs)' % cname)
            if not current['has_sync_key']:
                return ('container %s has no sync key any more (removed '
                        'outside drs): nothing is synced' % cname)
        return None

    def replication_status(self, names: list[str],
                           target: base.ObjectStorageDriver
                           ) -> dict[str, dict[str, Any]]:
        mine = self.list_containers()
        theirs = target.list_containers()
        out = {}
        for name in names:
            src = mine.get(name)
            dst = theirs.get(name)
            in_sync = (src is not None and dst is not None
                       and src['count'] == dst['count']
                       and src['bytes'] == dst['bytes'])
            out[name] = {'in_sync': in_sync, 'source': src, 'target': dst}
        return out
