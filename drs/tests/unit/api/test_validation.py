import pytest

from drs.api.schemas.v1 import plans
from drs.api.schemas.v1 import sites
from drs.api import validation
from drs import exception


def test_error_names_the_nested_field():
    body = {'plan': {'name': 'x', 'source_site': 'a', 'target_site': 'b',
                     'resources': [{'type': 'OS::Nova::Server',
                                    'id': 'not-a-uuid'}]}}
    with pytest.raises(exception.ValidationError) as e:
        validation.validate(plans.create(), body)
    assert e.value.kwargs['field'] == 'plan.resources[0].id'


def test_valid_bodies_pass():
    validation.validate(sites.CREATE, {'site': {
        'name': 'a', 'region_name': 'r', 'auth_url': 'http://k:5000/v3'}})
    validation.validate(sites.UPDATE, {'site': {'description': None}})


def test_update_needs_something():
    with pytest.raises(exception.ValidationError):
        validation.validate(sites.UPDATE, {'site': {}})


def test_pagination_defaults_and_cap(conf):
    conf.config(group='api', max_limit=50, default_limit=20)
    assert validation.pagination({}, ('created_at', 'name')) == {
        'limit': 20, 'marker': None, 'sort_key': 'created_at',
        'sort_dir': 'asc'}
    assert validation.pagination({'limit': '500'}, ('name',))['limit'] == 50


@pytest.mark.parametrize('value,expected', [
    ('1', True), ('true', True), ('Yes', True), ('0', False), ('off', False)])
def test_boolean(value, expected):
    assert validation.boolean({'x': value}, 'x') is expected


def test_boolean_rejects_garbage():
    with pytest.raises(exception.InvalidParameter):
        validation.boolean({'x': 'maybe'}, 'x')
