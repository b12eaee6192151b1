"""Declarations under penalty of perjury for CCPA requests to know specific pieces (§7062(c)),
and the rule that such a request's package waits until the requester has proven enough: a
signed-in account, which an account holder must use (§7061(b)), or three matching data points
and a declaration (signed on the portal, or on paper and approved by staff:
`services.paper_declarations`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from rightful.adapters.db import verification_repo as repo
from rightful.adapters.db.base import Store
from rightful.adapters.db.tables import RequestRow
from rightful.adapters.db.verification import DeclarationRow, PaperDeclarationRow
from rightful.domain import declarations as rule
from rightful.domain.clock import Clock
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.errors import ConflictError, SourceUnavailableError
from rightful.domain.identities import IdentityType
from rightful.domain.lifecycle import OPEN, TERMINAL, Status
from rightful.domain.provenance import SubjectKey
from rightful.domain.requests import RequestType
from rightful.domain.staff import requester
from rightful.domain.subjects import ApprovalState
from rightful.domain.verification import Factor
from rightful.services.audit import AuditService
from rightful.services.identity_set import load_request

log = logging.getLogger("rightful.declarations")

# Once a package is on its way, a declaration changes nothing.
SIGNABLE = frozenset(OPEN - {Status.APPROVED, Status.DELIVERED})


@dataclass(frozen=True)
class Declared:
    """What the requester signed, as they may see it back (the name stays in its row)."""

    request_id: str
    statement: str
    signed_at: datetime
    waiting_for: str | None


def applies(row: RequestRow) -> bool:
    """Whether the request is a CCPA request to know answered with its specific pieces."""
    return rule.applies(Jurisdiction(row.jurisdiction), RequestType(row.type))


# Whether a subject holds an account this installation can re-authenticate (§7061(b)); it
# raises SourceUnavailableError when that cannot be read now. None: nobody can sign in here.
AccountHolder = Callable[[SubjectKey], bool]


@dataclass(frozen=True)
class Waiting:
    """Why a CCPA request to know may not be answered yet (None: it may), and whether what it
    waits for is an account holder's sign-in (§7061(b)), which no declaration replaces."""

    reason: str | None
    sign_in: bool = False


def disclosure_wait(
    session: Session, row: RequestRow, language: str = "en",
    account_holder: AccountHolder | None = None,
) -> str | None:  # fmt: skip
    """Why this request's package may not be built yet under §7061(b) and §7062, or None: in
    English for staff, or in the requester's `language`. A request that has ended waits for
    nothing. SourceUnavailableError when whether the bound subject holds an account cannot be
    read now: nothing is disclosed on a guess."""
    return disclosure_waiting(session, row, language, account_holder).reason


def disclosure_waiting(
    session: Session, row: RequestRow, language: str, account_holder: AccountHolder | None
) -> Waiting:
    """`disclosure_wait`, and whether it waits for an account holder's sign-in."""
    if _waits_for_nothing(row):
        return Waiting(None)
    return _waiting(session, row, proven_points(session, row), language, account_holder)


def _waits_for_nothing(row: RequestRow) -> bool:
    """No CCPA request to know, or one that has ended."""
    return not applies(row) or Status(row.status) in TERMINAL


def _waiting(
    session: Session, row: RequestRow, points: list[rule.DataPoint], language: str,
    account_holder: AccountHolder | None,
) -> Waiting:  # fmt: skip
    holder = _holds_account(session, row, points, account_holder)
    said = rule.disclosure_wait(points, declared(session, row.id), language, account_holder=holder)
    return Waiting(said, holder)


def shown_waiting(
    session: Session, row: RequestRow, language: str | None = None,
    account_holder: AccountHolder | None = None,
) -> Waiting:  # fmt: skip
    """`disclosure_wait` as a request is shown: for staff (no `language`) in English, or for
    the requester in their `language`; when the account check cannot be read, it waits and
    says so (staff read which source, the requester nothing of it), and asks no sign-in."""
    try:
        return disclosure_waiting(session, row, language or "en", account_holder)
    except SourceUnavailableError as exc:
        log.warning("CCPA request %s: the account check could not be read: %s", row.id, exc)
        return Waiting(rule.disclosure_unread(str(exc) if language is None else None,
                                              language or "en"))  # fmt: skip


def shown_wait(
    session: Session, row: RequestRow, language: str | None = None,
    account_holder: AccountHolder | None = None,
) -> str | None:  # fmt: skip
    """Why the request waits, as `shown_waiting` says it."""
    return shown_waiting(session, row, language, account_holder).reason


def _holds_account(
    session: Session, row: RequestRow, points: list[rule.DataPoint],
    account_holder: AccountHolder | None,
) -> bool:  # fmt: skip
    """Whether the bound subject holds an account (read only when it can matter: someone can
    sign in here, and the requester has not for this request)."""
    if account_holder is None or rule.signed_in(points):
        return False
    bound = repo.binding(session, row.id)
    return bound is not None and account_holder(repo.subject_of(bound))


def answered_with_categories(
    session: Session, row: RequestRow, account_holder: AccountHolder | None = None
) -> bool:
    """A request to know short of the proof for the specific pieces, whose requester is verified
    for the categories (§7062(b)): staff may answer it with the categories in words (§7024(c))."""
    return not_in_words(session, row, account_holder) is None


def not_in_words(
    session: Session, row: RequestRow, account_holder: AccountHolder | None = None
) -> str | None:
    """Why staff may not answer this request with the categories in words, or None when they
    may: it is answered with its package (its proof is there, it is no CCPA request to know, or
    its requester is not verified for the categories), or an account holder signs in first
    (§7061(b)). SourceUnavailableError when the account check cannot be read now."""
    package = "is answered with its package (rightful package …)"
    if _waits_for_nothing(row):
        return package
    points = proven_points(session, row)  # read once: the wait and the categories both need them
    waiting = _waiting(session, row, points, "en", account_holder)
    if waiting.sign_in:
        return f"may not be answered yet: {waiting.reason}"
    if waiting.reason is None or not rule.categories_verified(points):
        return package
    return None


def unverified_for_categories(
    session: Session, row: RequestRow, account_holder: AccountHolder | None = None
) -> bool:
    """A request to know whose requester is not verified even for the categories (§7062(b);
    an account holder who has not signed in, §7061(b)): at its deadline it closes as
    unverified, with the general practices (§7024(e)). SourceUnavailableError when whether
    the requester holds an account cannot be read now: nobody is denied on a guess."""
    if not applies(row):
        return False
    points = proven_points(session, row)
    if not rule.categories_verified(points):
        return True  # short of them whether or not they hold an account: nothing to read
    holder = _holds_account(session, row, points, account_holder)
    return not rule.categories_verified(points, account_holder=holder)


def proven_points(session: Session, row: RequestRow) -> list[rule.DataPoint]:
    """The data points proven for the bound subject."""
    return [
        rule.DataPoint(IdentityType(r.identity_type), Factor(r.factor))
        for r in repo.identity_rows(session, row.id)
        if r.supports_binding
    ]


def declared(session: Session, request_id: str) -> bool:
    """Whether the requester has declared: signed themselves, or on paper that staff recorded
    and another staff member approved (a pending or rejected paper declaration counts not)."""
    if latest(session, request_id) is not None:
        return True
    query = select(PaperDeclarationRow.id).where(
        PaperDeclarationRow.request_id == request_id,
        PaperDeclarationRow.state == ApprovalState.APPROVED.value,
    )
    return session.scalars(query.limit(1)).first() is not None


def paper_pending(session: Session, request_id: str) -> bool:
    """Whether a paper declaration of the request awaits a second staff member's approval."""
    return bool(_pending_paper(session, request_id))


def _pending_paper(session: Session, request_id: str) -> list[int]:
    query = select(PaperDeclarationRow.id).where(
        PaperDeclarationRow.request_id == request_id,
        PaperDeclarationRow.state == ApprovalState.PENDING.value,
    )
    return list(session.scalars(query.order_by(PaperDeclarationRow.id)))


def latest(session: Session, request_id: str) -> DeclarationRow | None:
    """The newest declaration of a request, which is the one that counts."""
    query = select(DeclarationRow).where(DeclarationRow.request_id == request_id)
    return session.scalars(query.order_by(DeclarationRow.id.desc()).limit(1)).first()


class DeclarationService:
    """Takes the requester's declaration; hands the request on once it is enough."""

    def __init__(
        self, store: Store, clock: Clock, audit: AuditService,
        on_ready: Callable[[str], None] | None = None,
        deletion_wait: Callable[[Session, RequestRow], str | None] | None = None,
        account_holder: AccountHolder | None = None,
    ) -> None:  # fmt: skip
        self.store, self.clock, self.audit, self.on_ready = store, clock, audit, on_ready
        # Why a CCPA deletion may not be carried out yet (§7061(b), §7062(d)): staff read it
        # where they read why a package waits.
        self.deletion_wait = deletion_wait
        self.account_holder = account_holder

    def statement(self, request_id: str) -> str | None:
        """The words to declare, in the request's language; None when none is asked."""
        with self.store.transaction() as session:
            row = load_request(session, request_id)
            return rule.statement(row.language) if applies(row) else None

    def waiting_for(self, request_id: str) -> str | None:
        """Why the request's package (§7062), or its deletion (§7061(b), §7062(d)), waits for
        more proof, or None; for staff, who also read which paper declarations await a second
        staff member's approval."""
        with self.store.transaction() as session:
            row = load_request(session, request_id)
            waiting = shown_wait(session, row, None, self.account_holder)
            if waiting is None and self.deletion_wait is not None:
                return self.deletion_wait(session, row)
            pending = _pending_paper(session, request_id) if waiting else []
        if not pending:
            return waiting
        ids = ", ".join(str(i) for i in pending)
        return f"{waiting}; paper declaration {ids} awaits approval by a second staff member"

    def categories_only(self, request_id: str) -> bool:
        """Whether staff answer the request with the categories in words (§7062(b))."""
        with self.store.transaction() as session:
            row = load_request(session, request_id)
            try:
                return answered_with_categories(session, row, self.account_holder)
            except SourceUnavailableError:  # the package waits; nothing is answered on a guess
                return False

    def sign(self, request_id: str, full_name: str) -> Declared:
        """Record the requester's declaration of the statement shown, signed with their name."""
        name, now = rule.signed_name(full_name), self.clock.now()
        with self.store.transaction() as session:
            row = signable(session, request_id)
            text = rule.statement(row.language)
            digest = rule.statement_digest(text)
            declared = DeclarationRow(request_id=row.id, full_name=name, statement_sha256=digest,
                                      language=row.language, signed_at=now)  # fmt: skip
            session.add(declared)
            session.flush()
            who = requester(row.id)
            self.audit.record(session, who.id, who.role_name, "verification.declaration_signed",
                              row.id, declaration_id=declared.id,
                              statement_sha256=digest)  # fmt: skip
            waiting = shown_wait(session, row, row.language, self.account_holder)
            status = Status(row.status)
        if waiting is None and status is Status.VERIFIED and self.on_ready is not None:
            self.on_ready(request_id)
        return Declared(request_id, text, now, waiting)


def signable(session: Session, request_id: str) -> RequestRow:
    """The request, if it takes a declaration now (signed or on paper); ConflictError if not."""
    row = load_request(session, request_id)
    if not applies(row):
        raise ConflictError("only a CCPA request to know specific pieces takes a declaration")
    if Status(row.status) not in SIGNABLE:
        raise ConflictError(f"this request is {row.status}; it takes no declaration")
    return row
