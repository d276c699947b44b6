"""Types of resources a plan can protect, extensible by plugins.

A type is a class registered in the ``drs.resource_types`` entry-point
namespace under its Heat-style name. It says how the resource's id is
validated and whether the resource is re-created at the target (servers)
or replicated (storage). Drivers for each type are loaded by the engine.
"""

import functools

import stevedore

NAMESPACE = 'drs.resource_types'

UUID_PATTERN = ('^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-'
                '[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')


class ResourceType:
    """Base of the resource types."""

    #: Heat-style type name, e.g. ``OS::Nova::Server``.
    name: str = ''
    #: JSON Schema of the resource's id.
    id_schema: dict = {'type': 'string', 'minLength': 1, 'maxLength': 255}
    #: Storage is replicated and must be recovered before the servers.
    is_storage: bool = True


class NovaServer(ResourceType):
    name = 'OS::Nova::Server'
    id_schema = {'type': 'string', 'pattern': UUID_PATTERN}
    is_storage = False


class CinderVolume(ResourceType):
    name = 'OS::Cinder::Volume'
    id_schema = {'type': 'string', 'pattern': UUID_PATTERN}


class SwiftContainer(ResourceType):
    name = 'OS::Swift::Container'
    # Swift's own rules: at most 256 bytes and no '/'.
    id_schema = {'type': 'string', 'minLength': 1, 'maxLength': 256,
                 'pattern': '^[^/]+$'}


@functools.cache
def registry() -> dict[str, type[ResourceType]]:
    """Every installed resource type, by name."""
    manager: stevedore.ExtensionManager = stevedore.ExtensionManager(
        NAMESPACE, invoke_on_load=False)
    return {ext.name: ext.plugin for ext in manager}
