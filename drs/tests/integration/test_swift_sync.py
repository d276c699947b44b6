"""An object written to a synced container at site A is readable at site B.

Container sync is configured by the test as a tenant would: the target
container at B gets the sync key, the source container at A gets
X-Container-Sync-To //<realm>/<cluster of B>/AUTH_<project>/<container> and
the same key; the container-sync daemon of A copies the object.
"""
import os

import pytest
from swiftclient import exceptions as swift_exc

from drs.tests.integration.conftest import unique, wait_until
from drs.tests.integration import recover_helpers as rh


@pytest.fixture
def synced_container(cloud):
    container = unique('it-sync')
    a = cloud.swift('tenant1-member', 'a')
    b = cloud.swift('tenant1-member', 'b')
    key = os.urandom(12).hex()
    account = 'AUTH_%s' % cloud.project_id('tenant1')
    b.put_container(container, headers={'X-Container-Sync-Key': key})
    sync_to = '%s/%s/%s' % (cloud.site('b')['swift']['sync_to_prefix'],
                            account, container)
    a.put_container(container, headers={'X-Container-Sync-To': sync_to,
                                        'X-Container-Sync-Key': key})
    try:
        yield container, a, b
    finally:
        rh.delete_container(a, container)
        rh.delete_container(b, container)


def test_realm_published(cloud):
    for site in ('a', 'b'):
        info = cloud.swift('tenant1-member', site).get_capabilities()
        realms = info['container_sync']['realms']
        realm = realms[cloud.site(site)['swift']['realm'].upper()]
        assert set(realm['clusters']) == {'SITE-A', 'SITE-B'}


def test_object_synced_to_peer(cloud, synced_container):
    container, a, b = synced_container
    headers = a.head_container(container)
    assert headers['x-container-sync-to'].startswith('//testcloud/site-b/')
    body = b'drs integration ' + os.urandom(32).hex().encode()
    a.put_object(container, 'obj1', body,
                 headers={'X-Object-Meta-Drs': 'yes'})
    with pytest.raises(swift_exc.ClientException) as e:
        b.get_object(container, 'obj1')
    assert e.value.http_status == 404         # not there before the sync

    interval = cloud.data['replication']['container_sync_interval_s']

    def at_b():
        try:
            return b.get_object(container, 'obj1')
        except swift_exc.ClientException as e:
            if e.http_status == 404:
                return None
            raise
    headers, got = wait_until('obj1 synced to B', at_b,
                              timeout=12 * interval + 20, interval=1)
    assert got == body
    assert headers['x-object-meta-drs'] == 'yes'
