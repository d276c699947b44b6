"""Ceph RGW multisite object-storage driver."""
