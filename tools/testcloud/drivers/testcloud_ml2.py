"""Test-only ML2 mechanism driver: binds every port on every host.

The test cloud runs the Neutron API without any agent or dataplane, so no
stock mechanism driver would bind a port and Nova could not boot a server.
This driver binds each port to its first segment with an OVS VIF type and
marks it ACTIVE.  Fixed IPs, security groups and port security stay the real
Neutron (ML2) implementation.  Registered as ``testcloud_bind_all`` through
the entry point in testcloud_ml2-1.0.dist-info (found on PYTHONPATH).
"""
from neutron_lib.api.definitions import portbindings
from neutron_lib import constants
from neutron_lib.plugins.ml2 import api


class BindAllMechanismDriver(api.MechanismDriver):

    def initialize(self):
        pass

    def bind_port(self, context):
        for segment in context.segments_to_bind:
            context.set_binding(segment[api.ID], portbindings.VIF_TYPE_OVS,
                                {portbindings.CAP_PORT_FILTER: True},
                                status=constants.PORT_STATUS_ACTIVE)
            return
