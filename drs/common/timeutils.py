"""Time helpers: drs stores naive UTC and shows ISO 8601 with a Z."""

import datetime


def utcnow() -> datetime.datetime:
    """Now, naive UTC, as stored in the database."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def isotime(value: datetime.datetime | None) -> str | None:
    """ISO 8601 UTC with a ``Z``, to the microsecond; None stays None."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    return value.isoformat(timespec='microseconds') + 'Z'
