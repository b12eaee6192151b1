"""Queries over the verification tables, always inside the caller's transaction."""

from __future__ import annotations

from typing import Final

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

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
    return session.get(SubjectBindingRow, request_id)


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


def reserve_attempt(session: Session, challenge_id: str) -> bool:
    """Count one guess atomically, so that parallel guesses cannot exceed the limit."""
    result = session.execute(
        update(ChallengeRow)
        .where(
            ChallengeRow.id == challenge_id,
            ChallengeRow.attempts < ChallengeRow.max_attempts,
            ChallengeRow.used_at.is_(None),
            ChallengeRow.locked_at.is_(None),
        )
        .values(attempts=ChallengeRow.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def authorities(session: Session, request_id: str) -> list[AgentAuthorityRow]:
    return list(session.scalars(_AUTHORITIES, {"request_id": request_id}))


def staff_checks(session: Session, request_id: str) -> list[StaffCheckRow]:
    return list(session.scalars(_STAFF_CHECKS, {"request_id": request_id}))
