"""A set that moves to disk once it is large, so that a build's memory stays flat in items.

A build remembers every row it has packaged (a row reached twice is packaged once) and every
member name (a duplicate is refused). Those are a few hundred bytes per item: nothing for most
packages, hundreds of megabytes for a subject with millions of rows. Up to IN_MEMORY keys are
kept in a Python set; past that they go into a private temporary SQLite database (SQLite keeps
about 2 MiB of its pages in memory and the rest in a file of the temporary folder, removed when
the set is closed or garbage collected).
"""

from __future__ import annotations

import sqlite3
from typing import Final, Generic, TypeVar

IN_MEMORY: Final = 20_000

K = TypeVar("K", str, bytes)


class SpillSet(Generic[K]):
    """Keys of one type (str or bytes): `add` says whether a key is new, `in` whether known."""

    def __init__(self, in_memory: int | None = None) -> None:
        self._limit = IN_MEMORY if in_memory is None else in_memory
        self._keys: set[K] = set()
        self._db: sqlite3.Connection | None = None

    def add(self, key: K) -> bool:
        """Add `key`; False when it was there already."""
        if self._db is not None:
            return self._db.execute("INSERT OR IGNORE INTO k VALUES (?)", (key,)).rowcount == 1
        if key in self._keys:
            return False
        self._keys.add(key)
        if len(self._keys) > self._limit:
            self._spill()
        return True

    def __contains__(self, key: object) -> bool:
        if self._db is None:
            return key in self._keys
        return self._db.execute("SELECT 1 FROM k WHERE key = ?", (key,)).fetchone() is not None

    def __len__(self) -> int:
        if self._db is None:
            return len(self._keys)
        return int(self._db.execute("SELECT count(*) FROM k").fetchone()[0])

    @property
    def spilled(self) -> bool:
        """Whether the keys are on disk now."""
        return self._db is not None

    def close(self) -> None:
        """Forget every key (and remove the file, if there is one)."""
        self._keys.clear()
        if self._db is not None:
            self._db.close()
            self._db = None

    def _spill(self) -> None:
        # "" opens a private temporary database, deleted when the connection closes; nothing
        # needs to survive a crash, so there is no journal and no fsync.
        db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        db.execute("CREATE TABLE k (key PRIMARY KEY) WITHOUT ROWID")
        db.execute("BEGIN")
        db.executemany("INSERT INTO k VALUES (?)", ((key,) for key in self._keys))
        self._db = db
        self._keys = set()
