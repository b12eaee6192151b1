"""A request's verified identity set: the proofs recorded for it, their versions, the approvals
still missing, and what all that means before anyone asks the estate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy.orm import Session

from rightful.adapters.db import verification_repo as repo
from rightful.adapters.db.by_id import ById
from rightful.adapters.db.tables import RequestRow
from rightful.adapters.db.verification import VerifiedIdentityRow
from rightful.domain.errors import NotFoundError
from rightful.domain.identities import Identity
from rightful.domain.lifecycle import TERMINAL, Status
from rightful.domain.provenance import SubjectKey
from rightful.domain.staff import Principal
from rightful.domain.subjects import Outcome
from rightful.domain.verification import Factor
from rightful.services.audit import AuditService

UNBOUND = (Status.RECEIVED, Status.AWAITING_VERIFICATION)
REQUEST_ROWS: Final = ById(RequestRow)


@dataclass(frozen=True)
class Proof:
    """An identity shown to be controlled by the requester, how, and with what evidence."""

    identity: Identity
    factor: Factor
    evidence: str  # a challenge id, a digest of an assertion's id, a staff check id
    at: datetime


@dataclass(frozen=True)
class Settlement:
    """Where a request stands after resolution: bound, no_subject, ambiguous, awaiting_approval,
    unverified, held (a status that resolution may not move), or a terminal status."""

    outcome: str
    status: Status
    subject: SubjectKey | None = None
    pending: tuple[str, ...] = ()


@dataclass(frozen=True)
class Snapshot:
    """The identity set of a request and what has been decided on it, read in one go."""

    status: Status
    held_from: Status | None
    version: int
    identities: tuple[Identity, ...]
    bound: SubjectKey | None
    unconfirmed: tuple[Identity, ...]
    review_version: int | None
    pending: tuple[str, ...]


def record_proof(
    session: Session,
    audit: AuditService,
    request_id: str,
    proof: Proof,
    by: Principal,
) -> None:
    """Add a verified identity to the request's set. Before binding (or review) the set is open;
    afterwards any new identity starts a new version of the set, which is audited."""
    rows = repo.identity_rows(session, request_id)
    version = max((r.set_version for r in rows), default=0)
    same = next((r for r in rows if repo.identity_of(r) == proof.identity), None)
    frozen = (
        repo.binding(session, request_id) is not None
        or repo.open_review(session, request_id) is not None
    )
    if same is not None:
        joins, supports = same.set_version, same.supports_binding
    else:
        joins, supports = (version + 1 if frozen else max(version, 1)), None
    session.add(
        VerifiedIdentityRow(
            request_id=request_id,
            identity_type=proof.identity.type.value,
            identity_value=proof.identity.value,
            factor=proof.factor.value,
            evidence=proof.evidence,
            verified_at=proof.at,
            set_version=joins,
            supports_binding=supports,
        )
    )
    audit.record(
        session,
        by.id,
        by.role_name,
        "verification.factor_verified",
        request_id,
        factor=proof.factor.value,
        identity_type=proof.identity.type.value,
        set_version=joins,
        set_changed=joins != version and version > 0,
    )


def pending_in(row: RequestRow, decided: repo.Decided) -> tuple[str, ...]:
    """Approvals still missing before the request may be bound (agents, staff-made requests),
    from what `repo.decided` read together with the binding."""
    pending = []
    if decided.has_authorities and not decided.authority_approved:
        pending.append("agent_authority")
    if row.channel == "staff" and not decided.staff_check_approved:
        pending.append("staff_check")
    return tuple(pending)


def request_row(session: Session, request_id: str) -> RequestRow | None:
    """`session.get(RequestRow, request_id)` for each settle, its statement built once."""
    return REQUEST_ROWS.get(session, request_id)


def load_request(session: Session, request_id: str) -> RequestRow:
    """The request row (request_row); NotFoundError when there is none."""
    row = request_row(session, request_id)
    if row is None:
        raise NotFoundError(f"no request {request_id}")
    return row


def snapshot(session: Session, request_id: str) -> Snapshot:
    """Read a request's identity set, binding, open review and pending approvals."""
    row = load_request(session, request_id)
    rows = repo.identity_rows(session, request_id)
    version = max((r.set_version for r in rows), default=0)
    decided = repo.decided(session, request_id)
    bound = decided.bound
    unconfirmed = tuple(
        dict.fromkeys(repo.identity_of(r) for r in rows if r.supports_binding is None)
    )
    return Snapshot(
        Status(row.status),
        Status(row.held_from) if row.held_from else None,
        version,
        repo.identities_at(rows, version),
        bound,
        unconfirmed if bound else (),
        decided.review_version,
        pending_in(row, decided),
    )


def standing(snap: Snapshot) -> Settlement | None:
    """What the set means without asking the estate; None when it must be resolved."""
    if snap.status in TERMINAL:
        return Settlement(snap.status.value, snap.status)
    if snap.version == 0:
        return Settlement("unverified", snap.status)
    if snap.pending:
        return Settlement("awaiting_approval", snap.status, pending=snap.pending)
    if snap.bound is not None and not snap.unconfirmed:
        return Settlement(Outcome.BOUND.value, snap.status, snap.bound)
    if snap.bound is None and snap.review_version == snap.version:
        return Settlement(Outcome.AMBIGUOUS.value, snap.status)
    if snap.bound is None and not may_bind(snap.status, snap.held_from):
        return Settlement("held", snap.status)
    return None


def may_bind(status: Status, held_from: Status | None) -> bool:
    """Resolution may move a request that waits for verification (also when held there)."""
    return status in UNBOUND or (status is Status.ON_HOLD and held_from in UNBOUND)
