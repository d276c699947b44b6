"""Cinder volume driver (python-cinderclient)."""
