"""The ``openstack dr`` commands (an OpenStackClient plugin)."""
