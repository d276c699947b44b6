"""Fixtures of every engine unit test."""

import pytest

from drs.engine import listings


@pytest.fixture(autouse=True)
def _no_listings_left():
    """The unit tests reuse operation ids: no test sees the list calls
    shared by another's (the runner releases them in production)."""
    yield
    for key in listings.held():
        listings.release(key)
