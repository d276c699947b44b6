"""Drivers of the cloud services drs orchestrates.

One sub-package per service (cinder, swift, rgw, nova, neutron), each
implementing an abstract base of :mod:`drs.drivers.base` and registered in
a stevedore entry-point namespace, so that an operator adds a backend by
installing a package, without touching the engine.
"""
