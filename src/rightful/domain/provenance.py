"""Provenance: each collected record carries the chain of links that ties it to the subject."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time
from typing import Any, NamedTuple


class SubjectKey(NamedTuple):
    """The primary key of one row of the subject collection: who a record belongs to."""

    collection: str
    value: Any

    def __str__(self) -> str:
        return f"{self.collection}#{self.value}"


class WindowCheck(NamedTuple):
    """A validity window that was checked, with the timestamp that was tested against it."""

    valid_from: datetime
    valid_until: datetime | None
    at: datetime


class Link(NamedTuple):
    """One step of a chain: the value of from.field equals the value of to.field."""

    from_collection: str
    from_field: str
    from_key: tuple[Any, ...] | None
    to_collection: str
    to_field: str
    value: Any
    window: WindowCheck | None = None

    def __repr__(self) -> str:
        where = f"{self.from_collection}.{self.from_field} -> {self.to_collection}.{self.to_field}"
        return f"Link({where}{', windowed' if self.window else ''})"


IDENTITY_PREFIX = "identity:"


class CollectedRecord(NamedTuple):
    """One record of the subject, as plain values, with the chain that proves whose it is."""

    source: str
    collection: str
    key: tuple[Any, ...]
    fields: tuple[str, ...]
    values: tuple[Any, ...]
    categories: tuple[str, ...]
    blobs: tuple[tuple[str, str], ...]
    chain: tuple[Link, ...]
    subject: SubjectKey

    def as_dict(self) -> dict[str, Any]:
        """Field name -> stored value."""
        return dict(zip(self.fields, self.values, strict=True))

    @property
    def blob_uri(self) -> str | None:
        """The URI of the record's first blob field, if it has one."""
        return self.blobs[0][1] if self.blobs else None

    @property
    def key_digest(self) -> str:
        """A short hash of the primary key, safe to log."""
        return hashlib.sha256(repr(self.key).encode()).hexdigest()[:8]

    def __repr__(self) -> str:
        return (
            f"CollectedRecord({self.collection}, key ***{self.key_digest}, {len(self.chain)} links)"
        )


def to_instant(value: object) -> datetime | None:
    """An aware datetime from what drivers return (datetime, date, ISO text, epoch); else None."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        return _parse_text(value)
    if isinstance(value, date):
        return datetime.combine(value, time(), UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):  # milliseconds, NaN, infinity: no instant
            return None
    return None


def _parse_text(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def check_window(valid_from: object, valid_until: object, at: object) -> WindowCheck | None:
    """The check that `at` lies in [valid_from, valid_until); None when it does not or cannot."""
    start = to_instant(valid_from)
    moment = to_instant(at)
    if start is None or moment is None or moment < start:
        return None
    if valid_until is None:
        return WindowCheck(start, None, moment)
    end = to_instant(valid_until)
    if end is None or moment >= end:
        return None
    return WindowCheck(start, end, moment)
