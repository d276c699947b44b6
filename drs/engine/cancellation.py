"""Cancel requests this engine process has heard of (the fanout cast).

The database is the source of truth (the API moves the operation to
``cancelling`` before it casts); this registry only lets a task that
polls a long wait notice the request without a database read.
"""

import threading

_LOCK = threading.Lock()
_REQUESTED: set[str] = set()


def request(operation_id: str) -> None:
    with _LOCK:
        _REQUESTED.add(operation_id)


def requested(operation_id: str) -> bool:
    with _LOCK:
        return operation_id in _REQUESTED


def forget(operation_id: str) -> None:
    with _LOCK:
        _REQUESTED.discard(operation_id)
