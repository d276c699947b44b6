"""A member of tenant1 cannot see tenant2's volumes, servers or containers,
at either site (and a reader cannot create)."""
import pytest
from cinderclient import exceptions as cinder_exc
from novaclient import exceptions as nova_exc
from swiftclient import client as swift_client
from swiftclient import exceptions as swift_exc

from drs.tests.integration.conftest import unique, wait_until

SITES = ('a', 'b')


@pytest.fixture(scope='module')
def tenant2_resources(cloud):
    """Per site: a volume, a server (from image) and a container of tenant2."""
    made = {}
    try:
        for site in SITES:
            cinder = cloud.cinder('tenant2-member', site)
            nova = cloud.nova('tenant2-member', site)
            swift = cloud.swift('tenant2-member', site)
            r = made[site] = {}
            r['volume'] = cinder.volumes.create(1, name=unique('it-t2')).id
            r['server'] = nova.servers.create(
                unique('it-t2'), image=cloud.site(site)['image']['id'],
                flavor=cloud.site(site)['nova']['flavors']['m1.tiny'],
                nics=[{'net-id': cloud.site(site)['networks']['tenant2'][
                    'network_id']}]).id
            r['container'] = unique('it-t2')
            swift.put_container(r['container'])
            swift.put_object(r['container'], 'secret', b'tenant2 only')
        for site in SITES:
            cinder = cloud.cinder('tenant2-member', site)
            nova = cloud.nova('tenant2-member', site)
            r = made[site]
            wait_until('tenant2 volume', lambda c=cinder, r=r: c.volumes.get(
                r['volume']).status == 'available', 60)
            wait_until('tenant2 server', lambda n=nova, r=r: n.servers.get(
                r['server']).status == 'ACTIVE', 180, 1)
        yield made
    finally:
        for site, r in made.items():
            nova = cloud.nova('tenant2-member', site)
            cinder = cloud.cinder('tenant2-member', site)
            swift = cloud.swift('tenant2-member', site)
            if 'server' in r:
                nova.servers.delete(r['server'])
            if 'volume' in r:
                cinder.volumes.delete(r['volume'])
            if 'container' in r:
                swift.delete_object(r['container'], 'secret')
                swift.delete_container(r['container'])
        for site, r in made.items():
            nova = cloud.nova('tenant2-member', site)
            if 'server' in r:
                wait_until('tenant2 server deleted', lambda n=nova, r=r: not [
                s for s in n.servers.list() if s.id == r['server']], 90, 1)


@pytest.mark.parametrize('site', SITES)
def test_tenant2_sees_its_own(cloud, tenant2_resources, site):
    # Guards the negative tests below: the resources exist and are visible
    # to their owner.
    r = tenant2_resources[site]
    assert r['volume'] in [v.id for v in cloud.cinder(
        'tenant2-member', site).volumes.list()]
    assert r['server'] in [s.id for s in cloud.nova(
        'tenant2-member', site).servers.list()]
    assert cloud.swift('tenant2-member', site).get_object(
        r['container'], 'secret')[1] == b'tenant2 only'


@pytest.mark.parametrize('user', ['tenant1-member', 'tenant1-reader'])
@pytest.mark.parametrize('site', SITES)
def test_tenant1_cannot_see_tenant2(cloud, tenant2_resources, site, user):
    r = tenant2_resources[site]
    cinder = cloud.cinder(user, site)
    nova = cloud.nova(user, site)
    swift = cloud.swift(user, site)

    assert r['volume'] not in [v.id for v in cinder.volumes.list()]
    assert r['volume'] not in [v.id for v in cinder.volumes.list(
        search_opts={'all_tenants': 1})]
    with pytest.raises(cinder_exc.NotFound):
        cinder.volumes.get(r['volume'])

    assert r['server'] not in [s.id for s in nova.servers.list()]
    with pytest.raises((nova_exc.Forbidden, nova_exc.BadRequest)):
        nova.servers.list(search_opts={'all_tenants': 1})
    with pytest.raises(nova_exc.NotFound):
        nova.servers.get(r['server'])

    t2_url = '%s/AUTH_%s' % (cloud.site(site)['swift']['url'],
                             cloud.project_id('tenant2'))
    token = cloud.session(user).get_token()
    reads = (lambda: swift_client.get_account(t2_url, token),
             lambda: swift_client.get_container(t2_url, token, r['container']),
             lambda: swift_client.get_object(t2_url, token, r['container'],
                                             'secret'))
    for read in reads:
        with pytest.raises(swift_exc.ClientException) as e:
            read()
        assert e.value.http_status == 403
    names = [c['name'] for c in swift.get_account()[1]]
    assert r['container'] not in names


def test_reader_cannot_create(cloud):
    with pytest.raises(cinder_exc.Forbidden):
        cloud.cinder('tenant1-reader', 'a').volumes.create(1)
    with pytest.raises(swift_exc.ClientException) as e:
        cloud.swift('tenant1-reader', 'a').put_container(unique('it-ro'))
    assert e.value.http_status == 403

