"""One resource in at most one plan, plan names unique in a project,
resource ids compared exactly and as long as the schema allows: on
SQLite, MariaDB and PostgreSQL, through the real API."""

from drs.db import api as db_api
from drs.tests.functional.api.test_plans import create
from drs.tests.functional.api.test_plans import plan_body
from drs.tests.functional.conftest import error_of


def _container(*names):
    return [{'type': 'OS::Swift::Container', 'id': n} for n in names]


def test_ids_differing_in_case_are_two_resources(api, sites):
    # Two Swift containers: MariaDB's default collation made them one (500).
    plan = create(api, resources=_container('Logs', 'logs'))
    assert [r['id'] for r in plan['resources']] == ['Logs', 'logs']
    other = create(api, name='other', resources=_container('LOGS'))
    updated = api.patch('/v1/plans/' + other['id'], status=200, body={
        'plan': {'resources': _container('LOGS', 'lOgs')}}).json['plan']
    assert [r['id'] for r in updated['resources']] == ['LOGS', 'lOgs']
    # Names too compare exactly.
    create(api, name='Billing', resources=[])


def test_a_256_character_container_fits_and_257_is_400(api, sites):
    name = 'c' * 256
    plan = create(api, resources=_container(name))
    shown = api.get('/v1/plans/' + plan['id'], status=200).json['plan']
    assert shown['resources'][0]['id'] == name
    resp = api.post('/v1/plans', status=400, body=plan_body(
        name='long', resources=_container('c' * 257)))
    assert error_of(resp)['code'] == 'drs.validation_error'


def test_a_resource_in_another_plan_is_409_naming_it(api, sites):
    first = create(api, resources=_container('invoices'))
    resp = api.post('/v1/plans', status=409, body=plan_body(
        name='second', resources=_container('archive', 'invoices')))
    error = error_of(resp)
    assert error['code'] == 'drs.plan.resource_in_other_plan'
    assert first['id'] in error['detail']
    assert 'billing' in error['detail']
    assert [p['id'] for p in api.get('/v1/plans').json['plans']] == [
        first['id']]
    # At update as well.
    second = create(api, name='second', resources=_container('archive'))
    resp = api.patch('/v1/plans/' + second['id'], status=409, body={
        'plan': {'resources': _container('archive', 'invoices')}})
    assert first['id'] in error_of(resp)['detail']
    # Another project's plan is not named (its id would confirm it).
    resp = api.post('/v1/plans', user='bob', status=409, body=plan_body(
        name='theirs', resources=_container('invoices')))
    error = error_of(resp)
    assert first['id'] not in error['detail']
    assert 'another project' in error['detail']
    # Once released by its plan, the resource can move.
    api.patch('/v1/plans/' + first['id'], status=200,
              body={'plan': {'resources': []}})
    api.patch('/v1/plans/' + second['id'], status=200, body={
        'plan': {'resources': _container('archive', 'invoices')}})


def test_the_same_resource_from_another_source_site_is_another(api, sites):
    create(api, resources=_container('invoices'))
    create(api, name='reverse', source_site='site-b', target_site='site-a',
           resources=_container('invoices'))


def test_plan_names_are_unique_in_a_project(api, sites):
    first = create(api, resources=[])
    resp = api.post('/v1/plans', status=409,
                    body=plan_body(resources=[]))
    error = error_of(resp)
    assert error['code'] == 'drs.plan.exists'
    assert first['id'] in error['detail']
    second = create(api, name='other', resources=[])
    resp = api.patch('/v1/plans/' + second['id'], status=409,
                     body={'plan': {'name': 'billing'}})
    assert error_of(resp)['code'] == 'drs.plan.exists'
    # Keeping one's own name is no conflict; another project may use it.
    api.patch('/v1/plans/' + first['id'], status=200,
              body={'plan': {'name': 'billing', 'rpo_seconds': 60}})
    create(api, user='bob', resources=[])


def test_the_database_refuses_what_a_race_would_slip_through(
        api, sites, monkeypatch):
    """Without the API's own check, the unique constraints still hold."""
    first = create(api, resources=_container('invoices'))
    monkeypatch.setattr(db_api, '_check_plan_unique_now',
                        lambda *a, **kw: None)
    resp = api.post('/v1/plans', status=409, body=plan_body(
        name='racer', resources=_container('invoices')))
    assert error_of(resp)['status'] == 409
    resp = api.post('/v1/plans', status=409, body=plan_body(resources=[]))
    assert error_of(resp)['code'] == 'drs.plan.exists'
    assert [p['id'] for p in api.get('/v1/plans').json['plans']] == [
        first['id']]


def test_a_value_the_column_cannot_hold_is_400_never_500(
        api, sites, database, monkeypatch):
    """Past the schema (as a future schema bug would let it), the
    database's refusal is a 400, not a 500 DBDataError."""
    from drs.api.controllers.v1 import plans
    from drs.api.schemas.v1 import plans as schema
    loose = schema.create()
    loose['properties']['plan']['properties']['resources']['items'] = {
        'type': 'object'}
    monkeypatch.setattr(plans, '_create_schema', lambda: loose)
    resp = api.post('/v1/plans', body=plan_body(
        resources=_container('c' * 300)))
    if database.dialect.name == 'sqlite':
        # SQLite keeps any length: nothing to refuse.
        assert resp.status_int == 201, resp.text
    else:
        assert resp.status_int == 400, resp.text
        assert 'too long' in error_of(resp)['detail']
