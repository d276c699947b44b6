"""A member of tenant1 cannot see tenant2's volumes, servers or containers,
at either site (and a reader cannot create); and neither tenant1 nor the
admin project can put tenant2's resources into a plan of theirs."""
import pytest
from cinderclient import exceptions as cinder_exc
from novaclient import exceptions as nova_exc
from swiftclient import client as swift_client
from swiftclient import exceptions as swift_exc

from drs.tests.integration.conftest import unique, wait_until
from drs.tests.integration import recover_helpers as rh

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



# ------------------------------------------ plans naming tenant2's resources
#
# Issue 13: protect checked only that the caller's token could see a
# resource, so an admin-scoped token (admin project) could put another
# project's server and volume into its own plan, retype the volume,
# read the server's recipe and copy the replicas. Each resource must be
# the plan's project's by its owner attribute.

@pytest.fixture(scope='module')
def drs(cloud, tmp_path_factory):
    with rh.running_drs(cloud, tmp_path_factory, 'drs-isolation') as service:
        yield service


@pytest.fixture(scope='module')
def drs_unchecked(cloud, tmp_path_factory):
    """drs whose API does not ask the engine (as when the engine or the
    source site did not answer at create): the engine's own check at
    protect is what stands."""
    with rh.running_drs(cloud, tmp_path_factory, 'drs-isolation-unchecked',
                        extra_conf='\n[api]\nresource_check_timeout = 0\n'
                        ) as service:
        yield service


def _t2_refs(r, kinds=('volume', 'server', 'container')):
    types = {'volume': 'OS::Cinder::Volume', 'server': 'OS::Nova::Server',
             'container': 'OS::Swift::Container'}
    return [{'type': types[k], 'id': r[k]} for k in kinds]


def _plan_body(drs, resources):
    return {'plan': {
        'name': unique('it-foreign'), 'source_site': drs.sites['a']['id'],
        'target_site': drs.sites['b']['id'], 'rpo_seconds': 300,
        'resources': resources,
        'mappings': {'volume_types': {'standard': 'replicated'}}}}


def _assert_t2_untouched(cloud, r):
    vol = cloud.cinder('tenant2-member', 'a').volumes.get(r['volume'])
    assert vol.volume_type == 'standard'
    headers = cloud.swift('tenant2-member', 'a').head_container(
        r['container'])
    assert 'x-container-sync-to' not in headers
    assert 'x-container-sync-key' not in headers


@pytest.mark.parametrize('user', ['admin', 'tenant1-member'])
def test_plan_with_another_projects_resources_is_refused(
        cloud, tenant2_resources, drs, user):
    r = tenant2_resources['a']
    body = _plan_body(drs, _t2_refs(r))
    resp = drs.post('/v1/plans', body, user=user, expect=400)
    [error] = resp.json()['errors']
    assert error['code'] == 'drs.plan.resource_not_in_project'
    for rid in (r['volume'], r['server'], r['container']):
        assert rid in error['detail']
    project = cloud.user(user)['project_id']
    assert project in error['detail']
    # The owner is never named to the caller.
    assert cloud.project_id('tenant2') not in error['detail']
    names = [p['name'] for p in drs.get('/v1/plans', user=user)['plans']]
    assert body['plan']['name'] not in names
    _assert_t2_untouched(cloud, r)


def test_adding_another_projects_server_by_update_is_refused(
        cloud, tenant2_resources, drs):
    body = _plan_body(drs, [])
    plan = drs.post('/v1/plans', body, user='admin',
                    expect=201).json()['plan']
    try:
        resp = drs.request('PATCH', '/v1/plans/%s' % plan['id'], 'admin',
                           body={'plan': {'resources': _t2_refs(
                               tenant2_resources['a'], ('server',))}},
                           expect=400)
        [error] = resp.json()['errors']
        assert error['code'] == 'drs.plan.resource_not_in_project'
        assert tenant2_resources['a']['server'] in error['detail']
        assert drs.plan(plan['id'], user='admin')['resources'] == []
    finally:
        drs.request('DELETE', '/v1/plans/%s' % plan['id'], 'admin',
                    expect=204)


@pytest.mark.parametrize('kind', ['volume', 'server'])
def test_protect_of_another_projects_resource_fails_and_changes_nothing(
        cloud, tenant2_resources, drs_unchecked, kind):
    # The admin's token sees tenant2's volume and server: stored
    # unchecked, protect must still refuse them before any change.
    drs = drs_unchecked
    r = tenant2_resources['a']
    plan = drs.post('/v1/plans', _plan_body(drs, _t2_refs(r, (kind,))),
                    user='admin', expect=201).json()['plan']
    try:
        op = drs.action(plan['id'], 'protect', user='admin')
        op = drs.wait_operation(op['id'], timeout=120, user='admin')
        assert op['status'] == 'failed', op
        assert op['error']['resource']['id'] == r[kind]
        assert 'does not belong to project %s' % cloud.project_id(
            'admin') in op['error']['detail']
        assert drs.plan(plan['id'], user='admin')['status'] == 'error'
        assert drs.get('/v1/plans/%s/recipes' % plan['id'],
                       user='admin')['recipes'] == []
        _assert_t2_untouched(cloud, r)
    finally:
        drs.request('DELETE', '/v1/plans/%s' % plan['id'], 'admin',
                    expect=204)
