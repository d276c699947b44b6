from drs.common import resource_types


def test_builtin_types_are_registered_by_entry_point():
    registry = resource_types.registry()
    assert {'OS::Nova::Server', 'OS::Cinder::Volume',
            'OS::Swift::Container'} <= set(registry)
    assert registry['OS::Nova::Server'].is_storage is False
    assert registry['OS::Cinder::Volume'].is_storage is True
    for name, plugin in registry.items():
        assert plugin.name == name
