"""What the requester's portal shows and how a requester signs in to it again: a one-time code
to the request's verified channel. Answers are the same whether or not a request exists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from rightful.adapters.db.base import Store
from rightful.adapters.db.tables import RequestRow
from rightful.domain.clock import Clock
from rightful.domain.deadlines import Urgency, urgency_at
from rightful.domain.errors import NotFoundError, RightfulError
from rightful.domain.lifecycle import Status
from rightful.services.audit import AuditService
from rightful.services.codes import CodeBook
from rightful.services.delivery import DeliveryService, LinkView, verified_channel
from rightful.services.notices import MailNotices

PORTAL = "portal"


@dataclass(frozen=True)
class PortalStatus:
    """A request as its requester sees it: no contact details, no internal notes."""

    id: str
    type: str
    jurisdiction: str
    status: Status
    language: str
    received_at: datetime
    respond_by: datetime
    time_left: timedelta
    urgency: Urgency
    extended: bool
    extension_reason: str | None
    refusal_reasons: list[str]
    links: list[LinkView]


class PortalService:
    """Status for a signed-in requester; sign-in codes for a requester coming back."""

    def __init__(
        self, store: Store, clock: Clock, audit: AuditService, delivery: DeliveryService,
        notices: MailNotices, codes: CodeBook, due_soon_days: int = 7,
    ) -> None:  # fmt: skip
        self.store, self.clock, self.audit = store, clock, audit
        self.delivery, self.notices, self.codes = delivery, notices, codes
        self.due_soon_days = due_soon_days

    def status(self, request_id: str) -> PortalStatus:
        with self.store.transaction() as session:
            row = session.get(RequestRow, request_id)
            if row is None:
                raise NotFoundError("no such request")
        now = self.clock.now()
        return PortalStatus(
            row.id, row.type, row.jurisdiction, Status(row.status), row.language,
            row.received_at, row.respond_by, row.respond_by - now,
            urgency_at(row.respond_by, now, self.due_soon_days), row.extended_at is not None,
            row.extension_reason, list(row.refusal_reasons or []),
            self.delivery.links_of(request_id),
        )  # fmt: skip

    def request_of(self, reference: str) -> str | None:
        """The request whose id begins with a short reference as the mails give it (8 hex
        characters); None when no request, or more than one, does. It only leads to the sign-in,
        whose code goes to the contact the requester confirmed."""
        query = (
            select(RequestRow.id)
            .where(RequestRow.id >= reference, RequestRow.id < reference + "~")
            .limit(2)
        )
        with self.store.transaction() as session:
            found = list(session.scalars(query))
        return found[0] if len(found) == 1 else None

    def send_sign_in_code(self, request_id: str) -> None:
        """Send a sign-in code to the verified channel; silently nothing when there is none, so
        that the answer says nothing about the request."""
        with self.store.transaction() as session:
            row = session.get(RequestRow, request_id)
            channel = verified_channel(session, request_id) if row else None
            if row is None or channel is None:
                return
            self.notices.check_channel(channel.channel)
            sent = self.codes.issue(session, request_id, PORTAL, channel.channel)
            self.audit.record(session, f"requester:{request_id}", "public",
                              "portal.sign_in_code_sent", request_id,
                              code_id=sent.row.id)  # fmt: skip
            language = row.language
        self.notices.portal_code(channel.channel, channel.address, language, request_id,
                                 sent.code, sent.minutes)  # fmt: skip

    def confirm_sign_in(self, request_id: str, code: str) -> None:
        """Pass when the code is right; raise the code's error otherwise (attempts are counted)."""
        failure: RightfulError | None = None
        with self.store.transaction() as session:
            try:
                used = self.codes.redeem(session, request_id, PORTAL, code)
            except RightfulError as refused:
                failure = refused
                self.audit.record(session, f"requester:{request_id}", "public",
                                  "portal.sign_in_failed", None)  # fmt: skip
            else:
                self.audit.record(session, f"requester:{request_id}", "public",
                                  "portal.signed_in", request_id, code_id=used.id)  # fmt: skip
        if failure is not None:
            raise failure
