"""Reading the exclusions of a request (Art. 15(4)): those in force, and whether they changed
after a build began."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from rightful.adapters.db.packages import ExclusionRow
from rightful.domain.exclusions import Exclusion, Exclusions

# Built once: every build reads the exclusions in force.
_ALL: Final = (
    select(ExclusionRow)
    .where(ExclusionRow.request_id == bindparam("request_id"))
    .order_by(ExclusionRow.created_at)
)
_IN_FORCE: Final = _ALL.where(ExclusionRow.removed_at.is_(None))


def list_of(session: Session, request_id: str, *, with_removed: bool = False) -> list[ExclusionRow]:
    query = _ALL if with_removed else _IN_FORCE
    return list(session.scalars(query, {"request_id": request_id}))


def in_force(session: Session, request_id: str) -> Exclusions:
    """What the next build of a request leaves out."""
    return Exclusions.of(
        Exclusion(r.collection, tuple(r.key), r.field, r.reason)
        for r in list_of(session, request_id)
    )


def changed_since(session: Session, request_id: str, since: datetime) -> bool:
    """Whether exclusions were made or taken back after a build began: it does not reflect them."""
    query = select(ExclusionRow.id).where(
        ExclusionRow.request_id == request_id,
        or_(ExclusionRow.created_at > since, ExclusionRow.removed_at > since),
    )
    return session.scalars(query.limit(1)).first() is not None
