"""The drs test cloud: two OpenStack sites of real services on 127.0.0.1.

Stdlib only: this package runs with the system python3 before any venv exists.
"""
