"""RequestService, the one place that changes a request: intake, reading, moves along the
lifecycle and the notices they tell; it hands the due list, expiry, extensions, refusals and
recorded outcomes to the `request_*` modules beside it, which use its moves and notices."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from rightful.adapters.db.base import Store
from rightful.adapters.db.tables import NoticeRow, PauseRow, RequestRow, TransitionRow
from rightful.domain import deadline_texts
from rightful.domain import deadlines as dl
from rightful.domain.clock import Clock
from rightful.domain.datamap import DataMap
from rightful.domain.erasure import ErasureOutcome
from rightful.domain.errors import ConflictError, InvalidInputError, NotFoundError
from rightful.domain.identities import IdentityType, normalise
from rightful.domain.intake import NewRequest
from rightful.domain.lifecycle import IDENTITY_WAIT, OPEN, Status, check_manual_move, transition
from rightful.domain.notices import OptOutOffer, Practices, no_data_text, withdrawn_text
from rightful.domain.rectification import Rectified
from rightful.domain.requests import RequestType
from rightful.domain.staff import Principal
from rightful.domain.unfounded import Manifestly
from rightful.services import (
    request_due,
    request_expiry,
    request_extensions,
    request_outcomes,
    request_refusals,
)
from rightful.services.audit import AuditService, digest
from rightful.services.declarations import AccountHolder
from rightful.services.deletions import no_deletion_rule
from rightful.services.request_deadlines import deadlines, law_of, pauses, store_deadlines
from rightful.services.request_queries import RequestFilter, matching
from rightful.settings import Settings

if TYPE_CHECKING:
    from rightful.services.request_mail import RequestNoticeMail

EARLIEST_RECEIPT = timedelta(days=5 * 366)  # a receipt entered late, but not from another era


class RequestService:
    """The one place that changes a request; every change is audited in the same transaction."""

    def __init__(
        self, store: Store, clock: Clock, audit: AuditService, settings: Settings,
        mail: RequestNoticeMail | None = None,
        practices: Callable[[str], Practices | None] | None = None,
        deletion_wait: Callable[[Session, RequestRow], str | None] = no_deletion_rule,
        opt_out: Callable[[str], OptOutOffer | None] | None = None,
        account_holder: AccountHolder | None = None,
    ) -> None:  # fmt: skip
        self.store = store
        self.clock = clock
        self.audit = audit
        self.settings = settings
        self.mail = mail
        # The business's general practices in a language, for CCPA requests to know closed
        # unverified; None where no data map says them.
        self.practices = practices or (lambda language: None)
        # Why a CCPA deletion may not be carried out yet (§7061(b), §7062(d)), or None; it
        # raises SourceUnavailableError when that cannot be read now, so nothing is decided on
        # a guess.
        self.deletion_wait = deletion_wait
        # How to opt out of sale or sharing in a language, offered with a CCPA deletion denied
        # unverified (§7062(f)); None where the data map declares no sale or sharing.
        self.opt_out = opt_out or (lambda language: None)
        # Whether a bound subject holds an account to sign in with, which a CCPA disclosure then
        # needs (§7061(b)); None where nobody can sign in here.
        self.account_holder = account_holder

    # --- intake ------------------------------------------------------------------------------

    def _received(self, new: NewRequest, by: Principal, now: datetime) -> datetime:
        if new.received_at is None:
            return now
        if by.role is None:
            raise InvalidInputError("only staff may record an earlier receipt time")
        if new.received_at > now:
            raise InvalidInputError("the receipt time is in the future; give when it arrived")
        if new.received_at < now - EARLIEST_RECEIPT:
            raise InvalidInputError(
                "the receipt time is more than five years back; give when it arrived"
            )
        return new.received_at

    def submit(
        self,
        new: NewRequest,
        by: Principal,
        also: Callable[[Session, RequestRow], None] | None = None,
    ) -> RequestRow:
        """Record a new request, its deadline and its receipt acknowledgement; `also` records
        more about it in the same transaction (an OpenDSR sender's id, say)."""
        email, phone = self.contact(new)
        now = self.clock.now()
        received = self._received(new, by, now)
        row = RequestRow(
            id=str(uuid.uuid4()),
            type=new.type.value,
            jurisdiction=new.jurisdiction.value,
            status=Status.RECEIVED.value,
            channel=new.channel,
            language=new.language,
            received_at=received,
            requester_email=email,
            requester_phone=phone,
            requester_name=(new.name or "").strip() or None,
            claimed_identities=[{"type": t, "value": v} for t, v in new.claimed_identities],
            details=new.details,
            direct_marketing=new.direct_marketing,
            created_by=by.id,
            acknowledged_at=now,  # the acknowledgement is recorded in the same transaction
        )
        with self.store.transaction() as session:
            store_deadlines(row, deadlines(session, row, self.settings, self.clock, new=True))
            session.add(row)
            session.flush()
            self.audit.record(
                session,
                by.id,
                by.role_name,
                "request.submitted",
                row.id,
                type=row.type,
                jurisdiction=row.jurisdiction,
                channel=row.channel,
                claimed_identities=len(new.claimed_identities),
                **({"received_at": received.isoformat()} if new.received_at else {}),
                **({"direct_marketing": True} if new.direct_marketing else {}),
            )
            self._acknowledge(session, row, by)
            if also is not None:
                also(session, row)
        return row

    def contact(self, new: NewRequest) -> tuple[str | None, str | None]:
        """The e-mail address and phone number a new request is answered at, normalised as
        stored."""
        if not new.email and not new.phone:
            raise InvalidInputError("a request needs an e-mail address or a phone number to answer")
        email = self._normalise(IdentityType.EMAIL, new.email) if new.email else None
        phone = self._normalise(IdentityType.PHONE, new.phone) if new.phone else None
        return email, phone

    def _normalise(self, kind: IdentityType, raw: str) -> str:
        return normalise(
            kind,
            raw,
            email_local_case_sensitive=self.settings.email_local_part_case_sensitive,
            default_region=self.settings.default_phone_region,
        ).value

    def _acknowledge(self, session: Session, row: RequestRow, by: Principal) -> None:
        body = deadline_texts.acknowledgement_text(
            dl.Jurisdiction(row.jurisdiction),
            row.id,
            row.respond_by,
            row.language,
            tz=self.settings.zone,
            kind=RequestType(row.type),
        )
        self.record_notice(session, row, "acknowledgement", body, by)

    # --- reading -----------------------------------------------------------------------------

    def get(self, request_id: str) -> RequestRow:
        with self.store.transaction() as session:
            return self.load(session, request_id)

    def list(self, flt: RequestFilter) -> list[RequestRow]:
        return matching(self.store, flt)

    def notices(self, request_id: str) -> list[NoticeRow]:
        with self.store.transaction() as session:
            self.load(session, request_id)
            query = select(NoticeRow).where(NoticeRow.request_id == request_id)
            return list(session.scalars(query.order_by(NoticeRow.id)))

    def due(self, *, within_days: int | None = None) -> list[request_due.DueItem]:
        """Open requests not yet answered, by time left, most urgent first."""
        return request_due.due(self.store, self.clock, self.settings, within_days=within_days)

    def due_counts(self) -> dict[dl.Urgency, int]:
        """How many requests `due` lists at each urgency."""
        return request_due.due_counts(self.store, self.clock, self.settings)

    def sweep_due(self) -> tuple[int, int]:
        """The daily job: log one line with overdue and due-soon counts and ids (never contents)."""
        return request_due.sweep_due(self.due(), self.settings)

    # --- changes -----------------------------------------------------------------------------

    def move(
        self,
        request_id: str,
        target: Status,
        by: Principal,
        reason: str = "",
        only_from: frozenset[Status] | None = None,
        by_hand: bool = False,
    ) -> RequestRow:
        """Move a request along its lifecycle; illegal moves raise IllegalTransitionError, and
        with `only_from` a request in another status is left alone (ConflictError)."""
        with self.store.transaction() as session:
            row = self.load(session, request_id)
            if by_hand:
                held = Status(row.held_from) if row.held_from else None
                check_manual_move(target, Status(row.status), held)
            if only_from is not None and Status(row.status) not in only_from:
                raise ConflictError(f"request {row.id} is {row.status}; it is left as it is")
            if target is Status.EXPIRED and row.status == Status.VERIFIED:
                request_expiry.check_unverified(self, session, row)
            self._move(session, row, target, by, reason)
            if target is Status.EXPIRED:  # Art. 12(4): no action is told too, with the remedies
                text = request_expiry.expiry_notice(self, row)
                self.record_notice(session, row, "expiry", text, by)
            if target is Status.CANCELLED:
                text = withdrawn_text(row.id, row.language, law_of(row))
                self.record_notice(session, row, "withdrawn", text, by)
            return row

    def close_unverified_at_deadline(self) -> list[str]:
        """The daily job: CCPA requests still unverified on their deadline's last day are closed
        unanswered and told so that day (§7021); ids of those closed."""
        return request_expiry.close_unverified_at_deadline(self)

    def move_by_hand(
        self, request_id: str, target: Status, by: Principal, reason: str = ""
    ) -> RequestRow:
        """A staff member's manual move; statuses that need evidence are refused (except back
        from hold into the status the request was held in)."""
        return self.move(request_id, target, by, reason, by_hand=True)

    def close_no_data(self, session: Session, row: RequestRow, by: Principal, reason: str) -> None:
        """Close a verified request that leads to nobody, and record the answer told."""
        self._move(session, row, Status.CLOSED, by, reason)
        self.record_notice(
            session, row, "no_data", no_data_text(row.id, row.language, law_of(row)), by
        )

    def move_in(
        self, session: Session, row: RequestRow, target: Status, by: Principal, reason: str = ""
    ) -> None:
        """`move` inside the caller's transaction, for use cases that change more with it."""
        self._move(session, row, target, by, reason)

    def _move(
        self, session: Session, row: RequestRow, target: Status, by: Principal, reason: str
    ) -> None:
        current = Status(row.status)
        held_from = Status(row.held_from) if row.held_from else None
        step = transition(
            current, target, held_from=held_from, actor=by.id, role=by.role, reason=reason
        )
        now = self.clock.now()
        self._track_pause(session, row, step.source, step.target, held_from, reason, now)
        row.status = step.target.value
        row.held_from = step.held_from.value if step.held_from else None
        if step.target not in OPEN:
            row.closed_at = now
        store_deadlines(row, deadlines(session, row, self.settings, self.clock))
        session.add(
            TransitionRow(
                request_id=row.id,
                at=now,
                source=step.source.value,
                target=step.target.value,
                actor=by.id,
                role=step.role,
                reason=step.reason,
            )
        )
        self.audit.record(
            session,
            by.id,
            step.role,
            "request.transitioned",
            row.id,
            source=step.source.value,
            target=step.target.value,
            reason_sha256=digest(step.reason),
        )

    def _track_pause(
        self,
        session: Session,
        row: RequestRow,
        source: Status,
        target: Status,
        held_from: Status | None,
        reason: str,
        now: datetime,
    ) -> None:
        # On hold while waiting for the requester's identity: a pause of the clock.
        if target is Status.ON_HOLD and source in IDENTITY_WAIT:
            session.add(PauseRow(request_id=row.id, started_at=now, reason=reason))
        elif source is Status.ON_HOLD and held_from in IDENTITY_WAIT:
            for pause in pauses(session, row.id):
                if pause.ended_at is None:
                    pause.ended_at = now
        session.flush()

    def extend(
        self,
        request_id: str,
        by: Principal,
        *,
        reason: str,
        months: int | None = None,
        days: int | None = None,
    ) -> RequestRow:
        """Extend once, with a reason, in the first period; the notice to the requester is kept."""
        return request_extensions.extend(
            self, request_id, by, reason=reason, months=months, days=days
        )

    def refuse(
        self,
        request_id: str,
        by: Principal,
        reasons: Sequence[str],
        manifestly: Manifestly | None = None,
        unverified: bool = False,
    ) -> RequestRow:
        """Reject with recorded reasons; the notice states them and the right to complain."""
        return request_refusals.refuse(self, request_id, by, reasons, manifestly, unverified)

    def cancel(self, request_id: str, by: Principal, reason: str) -> RequestRow:
        return self.move(request_id, Status.CANCELLED, by, reason)

    def answer(self, request_id: str, what_we_did: str, by: Principal) -> RequestRow:
        """Close a verified request by telling the requester what was done (Art. 12(3))."""
        return request_outcomes.answer(self, request_id, what_we_did, by)

    def record_erasure(self, request_id: str, outcome: ErasureOutcome, by: Principal) -> RequestRow:
        """Close a verified GDPR or UK GDPR erasure request with what staff did (Art. 17, 19)."""
        return request_outcomes.record_erasure(self, request_id, outcome, by)

    def record_rectification(
        self, request_id: str, step: Rectified, datamap: DataMap, by: Principal
    ) -> RequestRow:
        """Record the fields staff corrected for a verified GDPR or UK GDPR rectification
        request, and the places also holding that data kept with a reason (Art. 16, 19); it
        closes once no such place is left open."""
        return request_outcomes.record_rectification(self, request_id, step, datamap, by)

    # --- internals ---------------------------------------------------------------------------

    def load(self, session: Session, request_id: str) -> RequestRow:
        """The request in `session`; NotFoundError when there is none."""
        row = session.get(RequestRow, request_id)
        if row is None:
            raise NotFoundError(f"no request {request_id}")
        return row

    def record_notice(
        self, session: Session, row: RequestRow, kind: str, body: str, by: Principal
    ) -> None:
        notice = NoticeRow(
            request_id=row.id,
            kind=kind,
            language=row.language,
            channel=row.channel,
            body=body,
            sent_at=self.clock.now(),
            sent_by=by.id,
        )
        session.add(notice)
        if self.mail is not None:
            self.mail.after_commit(session, row, notice)
        self.audit.record(
            session, by.id, by.role_name, "notice.recorded", row.id, kind=kind,
            wording_sha256=digest(body),
        )  # fmt: skip
