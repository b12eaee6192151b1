"""`session.get` by primary key, with its SELECT built once.

Whenever `session.get` misses the identity map it builds `select(mapper)` anew and computes
the statement's cache key (about 0.4 M instructions a read); a build reads its request and
package rows so. ById keeps get for a row the session holds (no statement then; and a locked
read of a held row checks its version, as get does) and otherwise runs the same SELECT, built
once with a bound id.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from sqlalchemy import bindparam, inspect, select
from sqlalchemy.orm import Session

Row = TypeVar("Row")


class ById(Generic[Row]):
    """Reads rows of one mapped class (with a single-column primary key) by that key."""

    def __init__(self, row_type: type[Row]) -> None:
        (key,) = inspect(row_type).primary_key
        self.row_type = row_type
        self._read = select(row_type).where(key == bindparam("id"))
        self._locked = self._read.with_for_update()

    def get(self, session: Session, id_: Any, lock: bool = False) -> Row | None:
        """`session.get(row_type, id_, with_for_update=lock)`."""
        if session.identity_key(self.row_type, id_) in session.identity_map:
            return session.get(self.row_type, id_, with_for_update=lock)
        return session.scalars(self._locked if lock else self._read, {"id": id_}).first()
