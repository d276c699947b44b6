"""``openstack dr`` v1 commands."""
