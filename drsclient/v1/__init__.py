"""Managers of the drs v1 resources."""
