"""API documents as the objects Horizon's tables expect."""

from __future__ import annotations

from typing import Any


class Row:
    """A dict with attribute access (``row.id``), the document in ``raw``."""

    def __init__(self, raw: dict, **extra: Any):
        self.raw = raw
        self.__dict__.update(raw)
        self.__dict__.update(extra)

    def __getattr__(self, name: str) -> Any:
        # A field the API did not send reads as None, as Horizon's
        # tables expect of API objects.
        if name.startswith('__'):
            raise AttributeError(name)
        return None
