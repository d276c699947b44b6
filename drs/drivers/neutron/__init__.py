"""Neutron network driver (openstacksdk)."""
