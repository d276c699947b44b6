"""List calls shared by the tasks of one operation (or one plan's sweep).

A sync refreshes every server's recipe and a protect checks and protects
every resource, each in its own task; made one resource at a time, the
reads grow with the plan (a GET per server, per port, per volume, per
security group). Instead, the first task that needs a listing (the
project's volumes, the plan's recipes captured from list calls) makes it
and the other tasks of the same operation take their part from it, so
the calls grow with the pages of the listings, not with the resources.

A :class:`Listings` lives in the engine process that runs the
operation, for that run only: :func:`release` drops it when the flow
stops (the runner and the jobboard conductor call it), and one left
behind (a run that died without reaching its ``finally``) is dropped
once unused for :data:`IDLE_SECONDS`. A flow resumed elsewhere lists
afresh. Nothing here holds credentials: only the drivers' plain dicts.
"""

from collections.abc import Callable, Hashable
import threading
import time
from typing import Any

#: A listing unused this long is dropped (its operation's run ended
#: without releasing it).
IDLE_SECONDS = 900.0


class Listings:
    """One operation's listings, each fetched once by the first task
    that asks (the others wait for it), thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._locks: dict[Hashable, threading.Lock] = {}
        self._values: dict[Hashable, Any] = {}
        self.used = time.monotonic()

    def get(self, name: Hashable, fetch: Callable[[], Any]) -> Any:
        """The listing ``name``, fetched by ``fetch()`` the first time.

        A ``fetch`` that raises caches nothing: the next caller tries
        again.
        """
        with self._lock:
            self.used = time.monotonic()
            if name in self._values:
                return self._values[name]
            lock = self._locks.setdefault(name, threading.Lock())
        with lock:
            with self._lock:
                if name in self._values:
                    return self._values[name]
            value = fetch()
            with self._lock:
                self._values[name] = value
            return value

    def recent(self, name: Hashable, fetch: Callable[[], Any],
               max_age: float, not_before: float | None = None
               ) -> tuple[Any, float]:
        """A poll shared by the tasks that wait at the same time: the
        value of ``fetch()`` and when it was fetched (``time.monotonic``),
        fetched again once the last one is ``max_age`` seconds old or was
        fetched before ``not_before`` (a wait takes no listing older than
        itself, which could show the state before what it waits for);
        the callers of that moment wait for the one fetch."""
        key = ('recent', name)
        with self._lock:
            self.used = time.monotonic()
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            with self._lock:
                found = self._values.get(key)
            if found is not None and \
                    time.monotonic() - found[1] < max_age and \
                    (not_before is None or found[1] >= not_before):
                return found
            fetched_at = time.monotonic()
            found = (fetch(), fetched_at)
            with self._lock:
                self._values[key] = found
            return found

    def peek(self, name: Hashable) -> Any | None:
        """The listing ``name`` if it was fetched, else None."""
        with self._lock:
            return self._values.get(name)

    def drop(self, name: Hashable) -> None:
        """Forget ``name``: the next :meth:`get` fetches it again."""
        with self._lock:
            self._values.pop(name, None)


_lock = threading.Lock()
_by_key: dict[str, Listings] = {}


def of(key: str) -> Listings:
    """The listings of the operation (or sweep pass) ``key``."""
    now = time.monotonic()
    with _lock:
        for stale in [k for k, v in _by_key.items()
                      if now - v.used > IDLE_SECONDS]:
            del _by_key[stale]
        found = _by_key.get(key)
        if found is None:
            found = _by_key[key] = Listings()
        return found


def release(key: str) -> None:
    """Drop the listings of ``key`` (its run is over)."""
    with _lock:
        _by_key.pop(key, None)


def held() -> list[str]:
    """The keys that hold listings now (for tests and debugging)."""
    with _lock:
        return sorted(_by_key)
