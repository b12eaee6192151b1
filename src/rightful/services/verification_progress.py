"""Where a request's verification stands, as the requester may see it: its status and outcome,
the assurance reached and needed, the factors that would step it up, and what a bound CCPA
request still waits for."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from rightful.adapters.db import verification_repo as repo
from rightful.adapters.db.base import Store
from rightful.adapters.db.tables import RequestRow
from rightful.domain.clock import Clock
from rightful.domain.declarations import statement as declaration_statement
from rightful.domain.lifecycle import OPEN, Status
from rightful.domain.verification import (
    VERIFY,
    Assurance,
    Channel,
    Factor,
    assurance_reached,
    step_up_options,
)
from rightful.services.declarations import Waiting, paper_pending, shown_waiting
from rightful.services.declarations import applies as declares
from rightful.services.declarations import declared as has_declared
from rightful.services.deletions import DeletionProof
from rightful.services.identity_set import Settlement, load_request
from rightful.services.subjects import SubjectService


@dataclass(frozen=True)
class Progress:
    """Where a request's verification stands, as the requester may see it."""

    request_id: str
    status: Status
    outcome: str
    assurance: Assurance
    required: Assurance
    step_up_options: tuple[Factor, ...]
    # CCPA requests to know (§7062(c)): why the package waits, the statement to declare (None
    # when none is asked), and whether it was declared; CCPA requests to delete (§7061(b),
    # §7062(d)): why the deletion waits.
    waiting_for: str | None = None
    declaration: str | None = None
    declared: bool = False
    # a declaration received on paper is recorded and waits for a second staff member's approval
    checking_paper: bool = False
    # a CCPA request to know of an account holder waits for their sign-in with the account
    # (§7061(b)): no declaration is asked of them, since none would replace it
    sign_in: bool = False

    @property
    def step_up_offered(self) -> bool:
        return bool(self.step_up_options)

    @property
    def told(self) -> str:
        """What the requester is told, by name: the outcome, except that a bound request still
        waiting for proof (CCPA §7061(b), §7062) says it waits, and one answered already says
        so, not that its answer is coming."""
        if self.outcome == "bound" and self.status is Status.DELIVERED:
            return "answered"
        if self.outcome == "bound" and self.waiting_for is not None:
            return "bound_waiting"
        return self.outcome


class VerificationStanding:
    """Reads where requests stand; `offered` are the factors this installation can take."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        subjects: SubjectService,
        required: Assurance,
        offered: tuple[Factor, ...],
        deletions: DeletionProof | None,
    ) -> None:
        self.store, self.clock, self.subjects = store, clock, subjects
        self.required, self.offered, self.deletions = required, offered, deletions

    def of(self, request_id: str, settled: Settlement | None = None) -> Progress:
        """Status, level reached and needed, and the independent factors that would step up."""
        settled = settled or self.subjects.standing(request_id)
        with self.store.transaction() as session:
            rows = repo.identity_rows(session, request_id)
            bound = repo.binding(session, request_id) is not None
            row = load_request(session, request_id)
            waiting = self._waiting(session, row) if bound else Waiting(None)
            asked = declares(row) and not waiting.sign_in
            statement = declaration_statement(row.language) if asked else None
            declared = statement is not None and has_declared(session, row.id)
            checking = statement is not None and not declared and paper_pending(session, row.id)
        factors = [Factor(r.factor) for r in rows if not bound or r.supports_binding]
        reached = assurance_reached(factors)
        options: tuple[Factor, ...] = ()
        short = not reached.at_least(self.required) or waiting.reason is not None
        if bound and short and settled.status in OPEN:
            options = step_up_options(factors, self.offered)
        return Progress(
            request_id, settled.status, settled.outcome, reached, self.required, options,
            waiting.reason, statement, declared, checking, waiting.sign_in,
        )  # fmt: skip

    def waiting_code(self, request_id: str) -> str | None:
        """The challenge id of the newest e-mail code that still waits to confirm the request
        (not used, replaced, locked or expired), or None."""
        now = self.clock.now()
        with self.store.transaction() as session:
            for ch in reversed(repo.challenges(session, request_id)):
                if (ch.purpose, ch.channel) != (VERIFY, Channel.EMAIL.value):
                    continue
                if ch.used_at or ch.superseded_at or ch.locked_at or ch.expires_at <= now:
                    continue
                return ch.id
        return None

    def _waiting(self, session: Session, row: RequestRow) -> Waiting:
        """What a bound request waits for, in its language: the proof a CCPA request to know
        (§7061(b), §7062) or to delete (§7061(b), §7062(d)) still needs."""
        holder = self.subjects.requests.account_holder
        waiting = shown_waiting(session, row, row.language, holder)
        if waiting.reason is None and self.deletions is not None:
            return Waiting(self.deletions.wait(session, row, row.language))
        return waiting
