"""The request lifecycle as an explicit state machine: which status may follow which, and who."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from rightful.domain.errors import IllegalTransitionError, InvalidInputError, PermissionDeniedError
from rightful.domain.words import written


class Status(StrEnum):
    RECEIVED = "received"
    AWAITING_VERIFICATION = "awaiting_verification"
    VERIFIED = "verified"
    COLLECTING = "collecting"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    DELIVERED = "delivered"
    CLOSED = "closed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    ON_HOLD = "on_hold"


class Role(StrEnum):
    """Staff roles, each including the powers of the ones before it."""

    AGENT = "agent"
    REVIEWER = "reviewer"
    DPO = "dpo"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


TERMINAL: frozenset[Status] = frozenset(
    {Status.CLOSED, Status.REJECTED, Status.CANCELLED, Status.EXPIRED}
)
OPEN: frozenset[Status] = frozenset(Status) - TERMINAL
# A delivered request has been answered: its deadline was met, though it stays open until closed.
ANSWERED: frozenset[Status] = frozenset({Status.DELIVERED})

_WITHDRAWALS = {Status.REJECTED, Status.CANCELLED}
# Before the requester is verified: the only statuses from which a request may expire.
IDENTITY_WAIT: frozenset[Status] = frozenset({Status.RECEIVED, Status.AWAITING_VERIFICATION})

ALLOWED: dict[Status, frozenset[Status]] = {
    # A request that needs no verification (a CCPA opt-out or limit) closes with its answer.
    Status.RECEIVED: frozenset(
        {Status.AWAITING_VERIFICATION, Status.CLOSED, Status.ON_HOLD, *_WITHDRAWALS}
    ),
    Status.AWAITING_VERIFICATION: frozenset(
        {Status.VERIFIED, Status.CLOSED, Status.ON_HOLD, Status.EXPIRED, *_WITHDRAWALS}
    ),
    # A verified request that resolves to no subject closes as "no personal data found". One
    # verified for too little to be answered at all (a CCPA request to know short of two data
    # points, §7062(b)) expires at its deadline; the service checks which (requests.move).
    Status.VERIFIED: frozenset(
        {Status.COLLECTING, Status.CLOSED, Status.ON_HOLD, Status.EXPIRED, *_WITHDRAWALS}
    ),
    Status.COLLECTING: frozenset({Status.IN_REVIEW, Status.ON_HOLD, *_WITHDRAWALS}),
    # A reviewer may send a package back to be collected again.
    Status.IN_REVIEW: frozenset(
        {Status.APPROVED, Status.COLLECTING, Status.ON_HOLD, *_WITHDRAWALS}
    ),
    # An approval can be withdrawn (e.g. an incident froze the package) before delivery.
    Status.APPROVED: frozenset({Status.DELIVERED, Status.IN_REVIEW, Status.CANCELLED}),
    # A delivered package reported as "not my data" answered nobody: the request is collected
    # again (its deadline counts on), once staff know why.
    Status.DELIVERED: frozenset({Status.CLOSED, Status.COLLECTING}),
    # on_hold returns only to the status it was entered from (checked in `check_transition`).
    Status.ON_HOLD: frozenset(
        {
            Status.RECEIVED,
            Status.AWAITING_VERIFICATION,
            Status.VERIFIED,
            Status.COLLECTING,
            Status.IN_REVIEW,
            Status.EXPIRED,
            *_WITHDRAWALS,
        }
    ),
    Status.CLOSED: frozenset(),
    Status.REJECTED: frozenset(),
    Status.CANCELLED: frozenset(),
    Status.EXPIRED: frozenset(),
}

# Moving into these statuses is a decision that needs at least this role.
REQUIRED_ROLE: dict[Status, Role] = {
    Status.APPROVED: Role.REVIEWER,
    Status.REJECTED: Role.DPO,
    Status.EXPIRED: Role.DPO,
}

# Moving into these statuses needs a written reason.
NEEDS_REASON: frozenset[Status] = frozenset(
    {Status.REJECTED, Status.CANCELLED, Status.EXPIRED, Status.ON_HOLD}
)


# Moves into these statuses carry evidence (a verified identity, a collected package, an approved
# manifest, a download) and are made only by the use case that produces it, never by a bare
# "move" from staff.
EVIDENCED: frozenset[Status] = frozenset(
    {Status.VERIFIED, Status.COLLECTING, Status.IN_REVIEW, Status.APPROVED, Status.DELIVERED}
)

# From these statuses a request is closed only by the use case that tells the requester.
CLOSED_BY_OUTCOME: frozenset[Status] = frozenset({Status.VERIFIED, *IDENTITY_WAIT})


def check_manual_move(
    target: Status, current: Status | None = None, held_from: Status | None = None
) -> None:
    """Raise unless staff may move a request to `target` by hand. Resuming a request from hold
    into the status it was held in is allowed: its evidence was produced before the hold."""
    resuming = current is Status.ON_HOLD and target is held_from
    if target in EVIDENCED and not resuming:
        raise IllegalTransitionError(
            f"a request reaches {target} through its own step (verification, collection, "
            "review or delivery), not by a manual move"
        )
    if target is Status.CLOSED and current in CLOSED_BY_OUTCOME:  # the outcome's own step
        raise IllegalTransitionError(
            "a request is closed by its outcome, which tells the requester: `rightful requests "
            "answer|erased|rectified|restricted` (or the package's delivery); only a delivered "
            "request is closed by hand"
        )
    if target is Status.REJECTED:
        raise IllegalTransitionError(
            "a request is rejected by refusing it, which records the reasons and tells the "
            "requester of their right to complain: use `rightful requests refuse` (API: POST "
            "/api/v1/requests/{id}/refuse), not a manual move"
        )


@dataclass(frozen=True)
class Transition:
    """One accepted move of a request, as it is recorded in the audit chain."""

    source: Status
    target: Status
    actor: str
    role: str
    reason: str
    held_from: Status | None


def check_transition(
    current: Status,
    target: Status,
    *,
    held_from: Status | None,
    role: Role | None,
    reason: str,
) -> None:
    """Raise unless `current` may move to `target` by someone holding `role` (None = the system)."""
    if current is target:
        raise IllegalTransitionError(f"the request is {current} already")
    if target not in ALLOWED[current]:
        raise IllegalTransitionError(f"a request cannot move from {current} to {target}")
    if current is Status.ON_HOLD and target in OPEN and target is not held_from:
        raise IllegalTransitionError(
            f"a request on hold returns to {held_from}, the status it was held in, not {target}"
        )
    if target is Status.EXPIRED and current is Status.ON_HOLD and held_from not in IDENTITY_WAIT:
        raise IllegalTransitionError(
            f"only a request still waiting for the requester's identity expires; this one was "
            f"held in {held_from}: resume it, or cancel or refuse it"
        )
    needed = REQUIRED_ROLE.get(target)
    waiting = current in IDENTITY_WAIT or held_from in IDENTITY_WAIT
    if target is Status.CANCELLED and not waiting:
        # Ending a request whose requester proved who they are, unanswered, is a decision; an
        # agent (or a system sending OpenDSR requests) cancels only one still unverified.
        needed = Role.REVIEWER
    if needed is not None and role is not None and not role.at_least(needed):
        raise PermissionDeniedError(
            f"moving a request to {target} needs the {needed} role"
            + (" once its requester is verified" if target is Status.CANCELLED else "")
        )
    if target in NEEDS_REASON and not written(reason, "the reason", 0):
        raise InvalidInputError(f"moving a request to {target} needs a reason")
    if target in NEEDS_REASON:
        written(reason, f"the reason for moving a request to {target}")


def transition(
    current: Status,
    target: Status,
    *,
    held_from: Status | None,
    actor: str,
    role: Role | None,
    reason: str = "",
) -> Transition:
    """Check a move and describe it; the caller persists the new status and records the move."""
    check_transition(current, target, held_from=held_from, role=role, reason=reason)
    new_held_from = current if target is Status.ON_HOLD else None
    return Transition(
        source=current,
        target=target,
        actor=actor,
        role=role.value if role else "system",
        reason=reason.strip(),
        held_from=new_held_from,
    )


def is_open(status: Status) -> bool:
    return status in OPEN
