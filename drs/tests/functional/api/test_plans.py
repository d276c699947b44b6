"""/v1/plans against a real Keystone: project isolation, roles,
validation and pagination."""

import urllib.parse

import pytest

from drs.tests.functional.conftest import error_of

SERVER = '3f0c8b39-6d3e-4c43-8a5a-0c2b6c1c4d11'
VOLUME = '8e5d2f5c-0a7b-4f0e-9a55-6a1b1f0f2a10'


def plan_body(**changes) -> dict:
    plan = {
        'name': 'billing', 'description': 'billing tier',
        'source_site': 'site-a', 'target_site': 'site-b',
        'rpo_seconds': 300,
        'resources': [
            {'type': 'OS::Nova::Server', 'id': SERVER, 'tier': 2},
            {'type': 'OS::Cinder::Volume', 'id': VOLUME},
            {'type': 'OS::Swift::Container', 'id': 'invoices'}],
        'mappings': {'networks': {'net-a': 'net-b'},
                     'flavors': {'m1.small': 'm1.small'}},
        'options': {'volume_replication': 'group'},
    }
    plan.update(changes)
    return {'plan': plan}


def create(api, user='alice', **changes) -> dict:
    return api.post('/v1/plans', user=user, body=plan_body(**changes),
                    status=201).json['plan']


def test_member_creates_and_reads_back(api, sites):
    resp = api.post('/v1/plans', body=plan_body(), status=201)
    plan = resp.json['plan']
    assert resp.headers['Location'].endswith('/v1/plans/' + plan['id'])
    assert plan['status'] == 'available'
    assert plan['project_id'] == api.keystone.project_ids['project-a']
    assert plan['source_site'] == sites['site-a']['id']
    assert plan['target_site'] == sites['site-b']['id']
    assert [(r['type'], r['id'], r['tier']) for r in plan['resources']] == [
        ('OS::Nova::Server', SERVER, 2), ('OS::Cinder::Volume', VOLUME, 1),
        ('OS::Swift::Container', 'invoices', 1)]
    assert plan['resources'][0]['replication'] == {
        'state': 'unprotected', 'lag_seconds': None, 'replica': None}
    assert plan['mappings']['networks'] == {'net-a': 'net-b'}
    assert plan['mappings']['subnets'] == {}
    assert plan['options'] == {'volume_replication': 'group',
                               'test_network_isolation': True}
    assert 'trust_id' not in plan
    shown = api.get('/v1/plans/' + plan['id'], status=200).json['plan']
    assert shown == plan
    assert api.get('/v1/plans/%s/recipes' % plan['id'],
                   status=200).json == {'recipes': []}


def test_member_updates_and_deletes(api, sites):
    plan = create(api)
    updated = api.patch('/v1/plans/' + plan['id'], status=200, body={
        'plan': {'name': 'billing-2', 'rpo_seconds': 60,
                 'resources': [{'type': 'OS::Cinder::Volume', 'id': VOLUME,
                                'tier': 3}],
                 'mappings': {'subnets': {'s1': 's2'}},
                 'options': {'test_network_isolation': False}}}).json['plan']
    assert updated['name'] == 'billing-2'
    assert updated['rpo_seconds'] == 60
    assert [(r['id'], r['tier']) for r in updated['resources']] == [
        (VOLUME, 3)]
    assert updated['mappings']['subnets'] == {'s1': 's2'}
    assert updated['mappings']['networks'] == {}
    assert updated['options'] == {'volume_replication': 'group',
                                  'test_network_isolation': False}
    deleted = api.delete('/v1/plans/' + plan['id'], status=204,
                         headers={'Accept': 'application/json'})
    assert deleted.body == b''
    api.get('/v1/plans/' + plan['id'], status=404)


def test_another_project_gets_404_never_403(api, sites):
    plan = create(api)
    path = '/v1/plans/' + plan['id']
    for resp in (api.get(path, user='bob'),
                 api.patch(path, user='bob', body={'plan': {'name': 'x'}}),
                 api.delete(path, user='bob'),
                 api.get(path + '/recipes', user='bob'),
                 api.post(path + '/actions', user='bob',
                          body={'protect': {}})):
        assert resp.status_int == 404, resp.text
        assert error_of(resp)['code'] == 'drs.plan.not_found'
    assert api.get('/v1/plans', user='bob').json['plans'] == []
    # Nothing changed.
    assert api.get(path).json['plan']['name'] == 'billing'
    assert api.get(path).json['plan']['status'] == 'available'


def test_reader_reads_but_cannot_write(api, sites):
    plan = create(api)
    path = '/v1/plans/' + plan['id']
    assert api.get(path, user='rita', status=200).json['plan']['id'] == \
        plan['id']
    listed = api.get('/v1/plans', user='rita', status=200).json['plans']
    assert [p['id'] for p in listed] == [plan['id']]
    for resp in (api.post('/v1/plans', user='rita', body=plan_body()),
                 api.patch(path, user='rita', body={'plan': {'name': 'x'}}),
                 api.delete(path, user='rita'),
                 api.post(path + '/actions', user='rita',
                          body={'protect': {}})):
        assert resp.status_int == 403, resp.text
        assert error_of(resp)['code'] == 'drs.forbidden'
    assert len(api.get('/v1/plans').json['plans']) == 1
    assert api.get(path).json['plan']['name'] == 'billing'


def test_admin_lists_all_projects_and_members_cannot(api, sites):
    mine = create(api)
    theirs = create(api, user='bob', resources=[])
    listed = api.get('/v1/plans?all_projects=true', user='admin',
                     status=200).json['plans']
    assert {p['id'] for p in listed} == {mine['id'], theirs['id']}
    api.get('/v1/plans?all_projects=true', user='alice', status=403)
    api.get('/v1/plans/' + theirs['id'], user='admin', status=200)


@pytest.mark.parametrize('changes,field', [
    ({'name': ''}, 'plan.name'),
    ({'rpo_seconds': 0}, 'plan.rpo_seconds'),
    ({'resources': [{'type': 'OS::Heat::Stack', 'id': SERVER}]},
     'plan.resources[0].type'),
    ({'resources': [{'type': 'OS::Nova::Server', 'id': 'web-1'}]},
     'plan.resources[0].id'),
    ({'resources': [{'type': 'OS::Swift::Container', 'id': 'a/b'}]},
     'plan.resources[0].id'),
    ({'resources': [{'type': 'OS::Nova::Server', 'id': SERVER,
                     'tier': 0}]}, 'plan.resources[0].tier'),
    ({'mappings': {'routers': {}}}, 'plan.mappings'),
    ({'mappings': {'networks': {'a': 5}}}, 'plan.mappings.networks.a'),
    ({'options': {'volume_replication': 'magic'}},
     'plan.options.volume_replication'),
    ({'status': 'protected'}, 'plan'),
])
def test_invalid_plan_is_400_naming_the_field(api, sites, changes, field):
    resp = api.post('/v1/plans', body=plan_body(**changes), status=400)
    error = error_of(resp)
    assert error['code'] == 'drs.validation_error'
    assert "field '%s'" % field in error['detail']
    assert api.get('/v1/plans').json['plans'] == []


@pytest.mark.parametrize('changes,name', [
    ({'source_site': 'nowhere'}, 'plan.source_site'),
    ({'target_site': 'site-a'}, 'plan.target_site'),
    ({'resources': [{'type': 'OS::Cinder::Volume', 'id': VOLUME},
                    {'type': 'OS::Cinder::Volume', 'id': VOLUME}]},
     'plan.resources[1]'),
])
def test_inconsistent_plan_is_400_naming_the_field(api, sites, changes,
                                                   name):
    resp = api.post('/v1/plans', body=plan_body(**changes), status=400)
    error = error_of(resp)
    assert error['code'] == 'drs.invalid_parameter'
    assert "'%s'" % name in error['detail']
    assert api.get('/v1/plans').json['plans'] == []


def test_missing_body_parts_are_400(api, sites):
    resp = api.post('/v1/plans', body={'plan': {'name': 'x'}}, status=400)
    assert 'required' in error_of(resp)['detail']
    resp = api.patch('/v1/plans/' + create(api)['id'], body={'plan': {}},
                     status=400)
    assert error_of(resp)['code'] == 'drs.validation_error'


def test_pagination_follows_next_links(api, sites):
    ids = [create(api, name='plan-%d' % i, resources=[])['id']
           for i in range(5)]
    seen, path, pages = [], '/v1/plans?limit=2', 0
    while path:
        body = api.get(path, status=200).json
        seen += [p['id'] for p in body['plans']]
        pages += 1
        nxt = [link['href'] for link in body['links']
               if link['rel'] == 'next']
        path = None
        if nxt:
            parsed = urllib.parse.urlsplit(nxt[0])
            path = '%s?%s' % (parsed.path, parsed.query)
        assert pages <= 4
    assert seen == ids
    desc = api.get('/v1/plans?sort_key=name&sort_dir=desc',
                   status=200).json['plans']
    assert [p['name'] for p in desc] == ['plan-%d' % i
                                         for i in (4, 3, 2, 1, 0)]
    filtered = api.get('/v1/plans?name=plan-3', status=200).json['plans']
    assert [p['id'] for p in filtered] == [ids[3]]
    assert api.get('/v1/plans?status=protected').json['plans'] == []


@pytest.mark.parametrize('query,name', [
    ('limit=0', 'limit'), ('limit=abc', 'limit'),
    ('sort_key=trust_id', 'sort_key'), ('sort_dir=up', 'sort_dir'),
    ('marker=not-a-uuid', 'marker'),
    ('marker=00000000-0000-0000-0000-000000000000', 'marker'),
    ('colour=blue', 'colour'), ('limit=1&limit=2', 'limit'),
])
def test_bad_list_parameters_are_400(api, sites, query, name):
    create(api)
    resp = api.get('/v1/plans?' + query, status=400)
    assert "'%s'" % name in error_of(resp)['detail']


def test_another_projects_marker_is_refused(api, sites):
    theirs = create(api, user='bob')
    resp = api.get('/v1/plans?marker=' + theirs['id'], status=400)
    assert 'marker' in error_of(resp)['detail']


def _set_plan(database, plan_id, **values):
    import sqlalchemy as sa
    from drs.db import models
    with database.begin() as conn:
        conn.execute(sa.update(models.Plan).where(
            models.Plan.id == plan_id).values(**values))


def test_a_failed_over_plan_can_be_deleted(api, sites, database):
    # After a real failover a tenant who will not reprotect must not be
    # stuck with the plan (it once was a 409); the target keeps what was
    # recovered: drs only forgets the plan.
    plan = create(api)
    _set_plan(database, plan['id'], status='failed_over')
    api.delete('/v1/plans/' + plan['id'], status=204)
    api.get('/v1/plans/' + plan['id'], status=404)
    # The same resources may be protected again by a new plan.
    create(api)


@pytest.mark.parametrize('status', ['protected', 'degraded',
                                    'failover_error'])
def test_a_protecting_plan_cannot_be_deleted(api, sites, database, status):
    plan = create(api)
    _set_plan(database, plan['id'], status=status)
    resp = api.delete('/v1/plans/' + plan['id'], status=409)
    error = error_of(resp)
    assert error['code'] == 'drs.plan.invalid_state'
    assert 'failed_over' in error['detail']
    if status != 'failover_error':
        assert 'unprotect it first' in error['detail']


def test_a_plan_with_an_active_test_cannot_be_deleted(api, sites, database):
    plan = create(api)
    _set_plan(database, plan['id'], test_active=True)
    resp = api.delete('/v1/plans/' + plan['id'], status=409)
    assert 'cleanup_test' in error_of(resp)['detail']
