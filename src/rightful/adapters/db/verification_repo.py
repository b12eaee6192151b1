"""Queries over the verification tables, always inside the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import bindparam, func, select, true, update
from sqlalchemy.orm import Session

from rightful.adapters.db.by_id import ById
from rightful.adapters.db.verification import (
    AgentAuthorityRow,
    ChallengeRow,
    StaffCheckRow,
    SubjectBindingRow,
    SubjectCandidateRow,
    SubjectReviewRow,
    VerifiedIdentityRow,
)
from rightful.domain.identities import Identity, IdentityType
from rightful.domain.provenance import SubjectKey
from rightful.domain.subjects import ApprovalState

OPEN = "open"

# The per-request reads, built once: building a statement anew and computing its cache key cost
# more than running it, and they run several times per request.
_REQUEST: Final = bindparam("request_id")
_IDENTITY_ROWS: Final = (
    select(VerifiedIdentityRow)
    .where(VerifiedIdentityRow.request_id == _REQUEST)
    .order_by(VerifiedIdentityRow.id)
)
_CURRENT_VERSION: Final = select(func.max(VerifiedIdentityRow.set_version)).where(
    VerifiedIdentityRow.request_id == _REQUEST
)
_OPEN_REVIEW: Final = (
    select(SubjectReviewRow)
    .where(SubjectReviewRow.request_id == _REQUEST, SubjectReviewRow.state == OPEN)
    .order_by(SubjectReviewRow.id.desc())
)
_AUTHORITIES: Final = (
    select(AgentAuthorityRow)
    .where(AgentAuthorityRow.request_id == _REQUEST)
    .order_by(AgentAuthorityRow.id)
)
_STAFF_CHECKS: Final = (
    select(StaffCheckRow).where(StaffCheckRow.request_id == _REQUEST).order_by(StaffCheckRow.id)
)
_BINDING_ROW: Final = ById(SubjectBindingRow)


def _one(column: Any, *where: Any) -> Any:
    return select(column).where(*where).limit(1).scalar_subquery()


_AUTHORITY: Final = AgentAuthorityRow.request_id == _REQUEST
_BOUND: Final = SubjectBindingRow.request_id == _REQUEST
# What has been decided on a request's identity set, in one statement (it was five).
_DECIDED: Final = select(
    _CURRENT_VERSION.scalar_subquery(),
    _one(SubjectBindingRow.subject_collection, _BOUND),
    _one(SubjectBindingRow.subject_value, _BOUND),
    _OPEN_REVIEW.with_only_columns(SubjectReviewRow.identity_set_version)
    .limit(1)
    .scalar_subquery(),
    _one(AgentAuthorityRow.id, _AUTHORITY),
    _one(AgentAuthorityRow.id, _AUTHORITY, AgentAuthorityRow.state == ApprovalState.APPROVED.value),
    _one(
        StaffCheckRow.id,
        StaffCheckRow.request_id == _REQUEST,
        StaffCheckRow.state == ApprovalState.APPROVED.value,
    ),
)


@dataclass(frozen=True)
class Decided:
    """A request's identity set version, binding, open review and approvals, read together."""

    version: int  # the newest version of the identity set (0 = nothing verified)
    bound: SubjectKey | None
    review_version: int | None  # that of the newest open review
    has_authorities: bool  # an agent's authority documents were filed
    authority_approved: bool  # one of them is approved
    staff_check_approved: bool


def decided(session: Session, request_id: str) -> Decided:
    """What `current_version`, `binding`, `open_review`, `authorities` and `staff_checks` tell
    about the request's set, in one statement."""
    row = session.execute(_DECIDED, {"request_id": request_id}).one()
    version, collection, value, review, authority, approved, checked = row
    bound = None if collection is None else SubjectKey(collection, value)
    return Decided(
        int(version or 0), bound, review, authority is not None, approved is not None,
        checked is not None,
    )  # fmt: skip


def identity_rows(session: Session, request_id: str) -> list[VerifiedIdentityRow]:
    """Every proof recorded for a request, oldest first."""
    return list(session.scalars(_IDENTITY_ROWS, {"request_id": request_id}))


def current_version(session: Session, request_id: str) -> int:
    """The newest version of the request's identity set (0 = nothing verified)."""
    return int(session.scalar(_CURRENT_VERSION, {"request_id": request_id}) or 0)


def identity_of(row: VerifiedIdentityRow) -> Identity:
    return Identity(IdentityType(row.identity_type), row.identity_value)


def identities_at(rows: list[VerifiedIdentityRow], version: int) -> tuple[Identity, ...]:
    """The distinct identities of the set as it stood at `version`, in the order proven."""
    found = dict.fromkeys(identity_of(r) for r in rows if r.set_version <= version)
    return tuple(found)


def binding(session: Session, request_id: str) -> SubjectBindingRow | None:
    return _BINDING_ROW.get(session, request_id)


def subject_of(row: SubjectBindingRow | SubjectCandidateRow) -> SubjectKey:
    return SubjectKey(row.subject_collection, row.subject_value)


def open_review(session: Session, request_id: str) -> SubjectReviewRow | None:
    return session.scalars(_OPEN_REVIEW, {"request_id": request_id}).first()


def open_reviews(session: Session) -> list[SubjectReviewRow]:
    query = select(SubjectReviewRow).where(SubjectReviewRow.state == OPEN)
    return list(session.scalars(query.order_by(SubjectReviewRow.opened_at, SubjectReviewRow.id)))


def candidates(session: Session, review_id: int) -> list[SubjectCandidateRow]:
    query = select(SubjectCandidateRow).where(SubjectCandidateRow.review_id == review_id)
    return list(session.scalars(query.order_by(SubjectCandidateRow.position)))


def challenges(session: Session, request_id: str) -> list[ChallengeRow]:
    query = select(ChallengeRow).where(ChallengeRow.request_id == request_id)
    return list(session.scalars(query.order_by(ChallengeRow.created_at)))


def reserve_attempt(session: Session, challenge_id: str, *, counting_used: bool = False) -> bool:
    """Count one guess atomically, so that parallel guesses cannot exceed the limit; with
    `counting_used`, at a used challenge too (which answers as if unused, and never matches)."""
    unused = ChallengeRow.used_at.is_(None)
    result = session.execute(
        update(ChallengeRow)
        .where(
            ChallengeRow.id == challenge_id,
            ChallengeRow.attempts < ChallengeRow.max_attempts,
            true() if counting_used else unused,
            ChallengeRow.locked_at.is_(None),
        )
        .values(attempts=ChallengeRow.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def claim(session: Session, challenge_id: str, now: datetime, factor: str) -> bool:
    """Mark a challenge used atomically: of two answers at once, only one is accepted."""
    result = session.execute(
        update(ChallengeRow)
        .where(ChallengeRow.id == challenge_id, ChallengeRow.used_at.is_(None))
        .values(used_at=now, used_factor=factor)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def authorities(session: Session, request_id: str) -> list[AgentAuthorityRow]:
    return list(session.scalars(_AUTHORITIES, {"request_id": request_id}))


def staff_checks(session: Session, request_id: str) -> list[StaffCheckRow]:
    return list(session.scalars(_STAFF_CHECKS, {"request_id": request_id}))
