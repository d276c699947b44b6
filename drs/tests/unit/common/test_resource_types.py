from drs.common import resource_types


def test_builtin_types_are_registered_by_entry_point():
    registry = resource_types.registry()
    assert {'OS::Nova::Server', 'OS::Cinder::Volume',
            'OS::Swift::Container'} <= set(registry)
    assert registry['OS::Nova::Server'].is_storage is False
    assert registry['OS::Cinder::Volume'].is_storage is True
    for name, plugin in registry.items():
        assert plugin.name == name


def test_every_id_schema_fits_the_database_column():
    from drs.db import models
    for name, plugin in resource_types.registry().items():
        schema = plugin.id_schema
        if 'pattern' in schema and 'maxLength' not in schema:
            # A UUID pattern: 36 characters.
            assert schema['pattern'] == resource_types.UUID_PATTERN, name
            continue
        assert schema['maxLength'] <= models.RESOURCE_ID_LENGTH, name
