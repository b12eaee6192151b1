"""Which subject a request is about: resolved from verified identities only, bound to exactly one.

Source lookups run outside the store's transactions; each write re-checks that the identity
set it was computed from is still the newest, so a concurrent proof cannot slip past a binding.
A request left verified and bound, or given a further proof while its package is in review, is
handed to `on_bound` once that has committed (the container starts or redoes its collection).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy.orm import Session

from rightful.adapters.db import verification_repo as repo
from rightful.adapters.db.base import Store
from rightful.adapters.db.tables import RequestRow
from rightful.adapters.db.verification import (
    SubjectBindingRow,
    SubjectCandidateRow,
    SubjectReviewRow,
)
from rightful.domain.clock import Clock
from rightful.domain.errors import ConflictError, NotFoundError
from rightful.domain.identities import Identity
from rightful.domain.lifecycle import Role, Status
from rightful.domain.provenance import SubjectKey
from rightful.domain.sensitivity import Sensitivity
from rightful.domain.staff import SYSTEM, Principal
from rightful.domain.subjects import (
    NO_DATA_REASON,
    Outcome,
    check_pick,
    decide,
    mask,
)
from rightful.domain.verification import Assurance, Factor, assurance_reached, max_sensitivity
from rightful.services.audit import AuditService, digest
from rightful.services.declarations import disclosure_wait
from rightful.services.identity_set import (
    Settlement,
    Snapshot,
    load_request,
    pending_in,
    snapshot,
    standing,
)
from rightful.services.requests import RequestService

Finder = Callable[[Sequence[Identity]], list[SubjectKey]]
Holders = dict[Identity, set[SubjectKey]]
_SETTLE_ROUNDS = 3
log = logging.getLogger(__name__)


# Settled in these, a bound request is handed on: verified starts collecting, in review may be
# built again with what a further proof releases.
HANDED_ON: Final = (Status.VERIFIED, Status.IN_REVIEW)


@dataclass(frozen=True)
class CollectionSeed:
    """What collection may start from: the bound subject and the identities that lead to it."""

    subject: SubjectKey
    identities: tuple[Identity, ...]
    assurance: Assurance
    max_sensitivity: Sensitivity


@dataclass(frozen=True)
class CandidateView:
    id: int
    position: int
    subject: SubjectKey
    matched_by: list[dict[str, str]]


@dataclass(frozen=True)
class ReviewView:
    """Candidates of an ambiguous match, side by side, for a person to choose from."""

    review_id: int
    request_id: str
    opened_at: datetime
    identity_set_version: int
    candidates: list[CandidateView]


class SubjectService:
    """Resolution, binding and the review queue; the one writer of subject bindings."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        audit: AuditService,
        requests: RequestService,
        finder: Finder,
        pseudonym: Callable[[SubjectKey], str],
        on_bound: Callable[[str], None] | None = None,
        on_approved: Callable[[str], None] | None = None,
    ) -> None:
        self.store, self.clock, self.audit, self.requests = store, clock, audit, requests
        self._finder = finder
        self._on_bound = on_bound
        # A further proof on an approved request may let its waiting link go out.
        self._on_approved = on_approved
        # Keyed (HMAC) so that the chain's reference to a subject cannot be reversed by hashing
        # guessed customer ids; the package manifest names the subject the same way.
        self._pseudonym = pseudonym
        self._lock = threading.Lock()  # a source may be used by one thread at a time

    def holders(self, identities: Sequence[Identity]) -> list[SubjectKey]:
        """The subjects these identities lead to in the estate."""
        if not identities:
            return []
        with self._lock:
            return self._finder(list(identities))

    def _each(
        self, identities: Sequence[Identity], all_of_them: Sequence[SubjectKey] = ()
    ) -> Holders:
        """Who each identity leads to; with one identity that is `all_of_them`, when known."""
        if len(identities) == 1 and all_of_them:
            return {identities[0]: set(all_of_them)}
        return {i: set(self.holders([i])) for i in identities}

    # --- settling a request ----------------------------------------------------------------

    def standing(self, request_id: str) -> Settlement:
        """Where the request stands, without resolving anything (read-only)."""
        snap = self._read(request_id)
        return standing(snap) or Settlement("unsettled", snap.status)

    def settle(self, request_id: str) -> Settlement:
        """Resolve the verified identities and act: bind one, close on none, queue several."""
        for _ in range(_SETTLE_ROUNDS):
            snap = self._read(request_id)
            early = standing(snap)
            if early is not None:
                return early
            done = (
                self._reconfirm(request_id, snap) if snap.bound else self._resolve(request_id, snap)
            )
            if done is not None:
                return self._settled(request_id, done)
        raise ConflictError("the request changed while it was being resolved; try again")

    def _read(self, request_id: str) -> Snapshot:
        with self.store.transaction() as session:
            return snapshot(session, request_id)

    def _changed(self, session: Session, row_id: str, snap: Snapshot) -> bool:
        now = repo.decided(session, row_id)
        return (
            now.version != snap.version
            or (now.bound is not None) != (snap.bound is not None)
            or now.review_version != snap.review_version
        )

    def _resolve(self, request_id: str, snap: Snapshot) -> Settlement | None:
        found = self.holders(snap.identities)
        decision = decide(found)
        each = {} if decision.outcome is Outcome.NO_SUBJECT else self._each(snap.identities, found)
        with self.store.transaction() as session:
            if self._changed(session, request_id, snap):
                return None
            row = load_request(session, request_id)
            self._to_awaiting(session, row)
            if decision.outcome is Outcome.BOUND:
                assert decision.subject is not None
                self._bind(
                    session,
                    row,
                    decision.subject,
                    snap.version,
                    each,
                    SYSTEM,
                    "automatic",
                    "identity verified and bound to one subject",
                )
            elif decision.outcome is Outcome.NO_SUBJECT:
                self._close_empty(session, row, snap)
            else:
                self._open_review(session, row, decision.candidates, each, snap)
            return Settlement(decision.outcome.value, Status(row.status), decision.subject)

    def _to_awaiting(self, session: Session, row: RequestRow) -> None:
        if row.status == Status.ON_HOLD and row.held_from:
            self.requests.move_in(session, row, Status(row.held_from), SYSTEM)
        if row.status == Status.RECEIVED:
            self.requests.move_in(session, row, Status.AWAITING_VERIFICATION, SYSTEM)

    def _bind(
        self,
        session: Session,
        row: RequestRow,
        subject: SubjectKey,
        version: int,
        each: Holders,
        by: Principal,
        method: str,
        reason: str,
    ) -> None:
        session.add(
            SubjectBindingRow(
                request_id=row.id,
                subject_collection=subject.collection,
                subject_value=subject.value,
                bound_at=self.clock.now(),
                bound_by=by.id,
                method=method,
                identity_set_version=version,
            )
        )
        supporting = 0
        for proof in repo.identity_rows(session, row.id):
            proof.supports_binding = subject in each.get(repo.identity_of(proof), set())
            supporting += proof.supports_binding
        self.audit.record(
            session,
            by.id,
            by.role_name,
            "subject.bound",
            row.id,
            method=method,
            identity_set_version=version,
            proofs=supporting,
            subject_pseudonym=self._pseudonym(subject),
        )
        self.requests.move_in(session, row, Status.VERIFIED, by, reason)

    def _close_empty(self, session: Session, row: RequestRow, snap: Snapshot) -> None:
        self.audit.record(
            session,
            SYSTEM.id,
            SYSTEM.role_name,
            "subject.none_found",
            row.id,
            identities=len(snap.identities),
            identity_set_version=snap.version,
        )
        self.requests.move_in(session, row, Status.VERIFIED, SYSTEM, "identity verified")
        self.requests.close_no_data(session, row, SYSTEM, NO_DATA_REASON)

    def _open_review(
        self,
        session: Session,
        row: RequestRow,
        found: tuple[SubjectKey, ...],
        each: Holders,
        snap: Snapshot,
    ) -> None:
        old = repo.open_review(session, row.id)
        if old is not None:
            old.state = "superseded"
        review = SubjectReviewRow(
            request_id=row.id,
            identity_set_version=snap.version,
            opened_at=self.clock.now(),
            state=repo.OPEN,
        )
        session.add(review)
        session.flush()
        for position, subject in enumerate(found, start=1):
            matched = [
                {"type": i.type.value, "masked": mask(i)}
                for i in snap.identities
                if subject in each.get(i, set())
            ]
            session.add(
                SubjectCandidateRow(
                    review_id=review.id,
                    position=position,
                    subject_collection=subject.collection,
                    subject_value=subject.value,
                    matched_by=matched,
                )
            )
        self.audit.record(
            session,
            SYSTEM.id,
            SYSTEM.role_name,
            "subject.review_opened",
            row.id,
            review_id=review.id,
            candidates=len(found),
            identity_set_version=snap.version,
            superseded_review_id=old.id if old else None,
        )

    def _reconfirm(self, request_id: str, snap: Snapshot) -> Settlement | None:
        """A proof added after binding joins the seed only if it leads to the bound subject."""
        each = self._each(snap.unconfirmed)
        with self.store.transaction() as session:
            if self._changed(session, request_id, snap):
                return None
            bound = repo.binding(session, request_id)
            assert bound is not None and snap.bound is not None
            leading = 0
            for proof in repo.identity_rows(session, request_id):
                if proof.supports_binding is None:
                    proof.supports_binding = snap.bound in each.get(repo.identity_of(proof), set())
                    leading += proof.supports_binding
            self.audit.record(
                session,
                SYSTEM.id,
                SYSTEM.role_name,
                "subject.identity_set_changed",
                request_id,
                from_version=bound.identity_set_version,
                to_version=snap.version,
                leading_to_subject=leading,
                not_leading=len(snap.unconfirmed) - leading,
            )
            bound.identity_set_version = snap.version
        return Settlement(Outcome.BOUND.value, snap.status, snap.bound)

    # --- staff review ----------------------------------------------------------------------

    def reviews(self) -> list[ReviewView]:
        """Open reviews, oldest first."""
        with self.store.transaction() as session:
            return [_view(session, r) for r in repo.open_reviews(session)]

    def review(self, request_id: str) -> ReviewView:
        with self.store.transaction() as session:
            found = repo.open_review(session, request_id)
            if found is None:
                raise NotFoundError("this request has no open candidate review")
            return _view(session, found)

    def pick(
        self, request_id: str, candidate_id: int, by: Principal, reason: str = ""
    ) -> Settlement:
        """Bind to one candidate, after checking that the verified identities still lead to it."""
        by.require(Role.REVIEWER)
        view = self.review(request_id)
        chosen = next((c for c in view.candidates if c.id == candidate_id), None)
        if chosen is None:
            raise NotFoundError("no such candidate in this request's open review")
        with self.store.transaction() as session:
            identities = repo.identities_at(
                repo.identity_rows(session, request_id), view.identity_set_version
            )
        check_pick(chosen.subject, self.holders(identities))
        each = self._each(identities)
        with self.store.transaction() as session:
            review = repo.open_review(session, request_id)
            current = repo.current_version(session, request_id)
            if (
                review is None
                or review.id != view.review_id
                or current != view.identity_set_version
            ):
                raise ConflictError("the candidates changed meanwhile; reload them")
            row = load_request(session, request_id)
            review.state, review.resolved_by = "resolved", by.id
            review.resolved_at, review.chosen_candidate_id = self.clock.now(), chosen.id
            self.audit.record(
                session,
                by.id,
                by.role_name,
                "subject.picked",
                request_id,
                review_id=review.id,
                candidate_id=chosen.id,
                candidates=len(view.candidates),
                reason_sha256=digest(reason.strip()),
            )
            self._bind(
                session,
                row,
                chosen.subject,
                view.identity_set_version,
                each,
                by,
                "staff_pick",
                reason.strip() or "bound by staff after review",
            )
            settled = Settlement(Outcome.BOUND.value, Status(row.status), chosen.subject)
        return self._settled(request_id, settled)

    def _settled(self, request_id: str, settled: Settlement) -> Settlement:
        """Hand a request bound and verified, or in review after a further proof, on to
        collection; an approved one after a further proof, to the link that may wait for it
        (what it was settled with has committed)."""
        bound = settled.outcome == Outcome.BOUND.value
        if bound and settled.status in HANDED_ON:
            _hand_on(self._on_bound, request_id)
        elif bound and settled.status is Status.APPROVED:
            _hand_on(self._on_approved, request_id)
        return settled

    # --- what collection may use -----------------------------------------------------------

    def seed(self, request_id: str) -> CollectionSeed:
        """The bound subject and its leading identities; ConflictError when not ready (unbound,
        an approval missing, or a CCPA request to know short of §7062's proof)."""
        with self.store.transaction() as session:
            return self.seed_in(session, load_request(session, request_id))

    def seed_in(self, session: Session, row: RequestRow) -> CollectionSeed:
        """seed() in the caller's transaction, for a request row it has read (a build reads
        it locked, so that the binding it collects for cannot change before it starts)."""
        decided = repo.decided(session, row.id)
        if decided.bound is None:
            raise ConflictError("the request is not bound to a verified subject yet")
        pending = pending_in(row, decided)
        if pending:
            raise ConflictError(f"approval still needed: {', '.join(pending)}")
        waiting = disclosure_wait(session, row, account_holder=self.requests.account_holder)
        if waiting is not None:
            raise ConflictError(waiting)
        proofs = [r for r in repo.identity_rows(session, row.id) if r.supports_binding]
        reached = assurance_reached(Factor(p.factor) for p in proofs)
        identities = tuple(dict.fromkeys(repo.identity_of(p) for p in proofs))
        return CollectionSeed(decided.bound, identities, reached, max_sensitivity(reached))

    def bound_subject(self, request_id: str) -> SubjectKey | None:
        """The subject the request is bound to, if it is."""
        with self.store.transaction() as session:
            bound = repo.binding(session, request_id)
            return repo.subject_of(bound) if bound else None

    def assurance(self, request_id: str) -> Assurance:
        """The level reached: by the proofs leading to the bound subject, or all before binding."""
        with self.store.transaction() as session:
            rows = repo.identity_rows(session, request_id)
            bound = repo.binding(session, request_id) is not None
        return assurance_reached(Factor(r.factor) for r in rows if not bound or r.supports_binding)


def _view(session: Session, review: SubjectReviewRow) -> ReviewView:
    return ReviewView(
        review.id,
        review.request_id,
        review.opened_at,
        review.identity_set_version,
        [
            CandidateView(c.id, c.position, repo.subject_of(c), list(c.matched_by))
            for c in repo.candidates(session, review.id)
        ],
    )


def _hand_on(callback: Callable[[str], None] | None, request_id: str) -> None:
    """Call `callback` with the request, if there is one; the verification stands whatever
    follows it."""
    if callback is None:
        return
    try:
        callback(request_id)
    except Exception as exc:
        log.warning("request %s was not handed on (%s)", request_id, type(exc).__name__)
