"""Nova compute driver (python-novaclient)."""
