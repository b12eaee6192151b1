"""What the requester's portal shows and how a requester signs in to it again: a one-time code
and link to the request's verified channel. Answers are the same whether or not a request
exists, and whether or not it is over."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from rightful.adapters.db.base import Store
from rightful.adapters.db.delivery import DownloadLinkRow, UnknownSignInAskRow
from rightful.adapters.db.tables import RequestRow, TransitionRow
from rightful.domain.clock import Clock
from rightful.domain.deadlines import Urgency, urgency_at
from rightful.domain.errors import InvalidInputError, NotFoundError, RightfulError
from rightful.domain.lifecycle import OPEN, Status
from rightful.domain.requests import ANSWERED_WITH_PACKAGE, RequestType
from rightful.domain.sign_in import AfterClosing, Withheld, withheld
from rightful.domain.verification import CodePolicy
from rightful.services.audit import AuditService
from rightful.services.codes import DECOY, CodeBook, SentCode
from rightful.services.delivery import DeliveryService, LinkView, needs_email, verified_channel
from rightful.services.notices import MailNotices

PORTAL = "portal"
# Where a download link is still to come: the data is being gathered, reviewed or approved.
LINK_TO_COME = frozenset({Status.VERIFIED, Status.COLLECTING, Status.IN_REVIEW, Status.APPROVED})
REFUSED = (
    "this code is not right, or no longer works; type the code of a mail we sent in the last "
    "{minutes} minutes, or ask for a new one"
)


class SignInRefusedError(RightfulError):
    """A sign-in code did not sign in. One answer whether it was wrong, locked, used or
    expired, or no code was ever sent: whoever holds a request id must not learn from it
    whether the request was verified (only then do codes go out)."""

    http_status = 400

    def __init__(self, minutes: int) -> None:
        super().__init__(REFUSED.format(minutes=minutes))
        self.minutes = minutes


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
    refused_unverified: bool
    links: list[LinkView]
    # whether the request holds an e-mail address (which, never shown): a step-up by e-mail
    # code goes there, or, for one that holds none, to an address the requester types
    has_email: bool
    # confirmed by text message alone: a link can go out only once an e-mail address is
    # confirmed by a code (services.delivery.needs_email), which the status page asks for
    needs_email: bool


class PortalService:
    """Status for a signed-in requester; sign-in codes for a requester coming back."""

    def __init__(
        self, store: Store, clock: Clock, audit: AuditService, delivery: DeliveryService,
        notices: MailNotices, codes: CodeBook, due_soon_days: int = 7,
        after_closing: AfterClosing | None = None,
    ) -> None:  # fmt: skip
        self.store, self.clock, self.audit = store, clock, audit
        self.delivery, self.notices, self.codes = delivery, notices, codes
        self.due_soon_days = due_soon_days
        self.after_closing = after_closing or AfterClosing()

    def status(self, request_id: str) -> PortalStatus:
        with self.store.transaction() as session:
            row = session.get(RequestRow, request_id)
            if row is None:
                raise NotFoundError("no such request")
            packaged = RequestType(row.type) in ANSWERED_WITH_PACKAGE
            needs = packaged and row.status in LINK_TO_COME and needs_email(session, row)
        now = self.clock.now()
        return PortalStatus(
            row.id, row.type, row.jurisdiction, Status(row.status), row.language,
            row.received_at, row.respond_by, row.respond_by - now,
            urgency_at(row.respond_by, now, self.due_soon_days), row.extended_at is not None,
            row.extension_reason, list(row.refusal_reasons or []), bool(row.refused_unverified),
            self.delivery.links_of(request_id), bool(row.requester_email), needs,
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
        """Send a sign-in code and its link (by e-mail or text) to the verified channel. A
        request with none gets a decoy that goes nowhere, under the same limits (a resend too
        soon, the window's cap), so that the answer says nothing about the request; so does an
        id no request has (`_asked_unknown`). One that is over (closed, or answered) gets fewer
        codes a window, and none once nothing there can be used any more (`AfterClosing`): the
        rest are decoys, answered alike."""
        with self.store.transaction() as session:
            row = session.get(RequestRow, request_id)
            if row is None:
                self._asked_unknown(session, request_id)
                return
            channel = verified_channel(session, request_id)
            if channel is not None:
                self.notices.check_channel(channel.channel)
            held = self._withheld(session, row) if channel is not None else None
            goes = None if held else channel
            sent = self.codes.issue(session, request_id, PORTAL,
                                    goes.channel if goes else DECOY, with_link=True)  # fmt: skip
            self._audit_sent(session, request_id, sent, held)
            language = row.language
        if goes is not None:
            link = sent.link and sign_in_link_path(request_id, sent.link)
            self.notices.portal_code(goes.channel, goes.address, language, request_id,
                                     sent.code, sent.minutes, link,
                                     self.codes.policy.window_hours)  # fmt: skip

    def _asked_unknown(self, session: Session, request_id: str) -> None:
        """An ask for an id no request has meets the limits of a decoy (the same resend wait,
        cap, errors and Retry-After), counted on its own table since no code can name a
        request that does not exist. Nothing is audited: there is no request to record it
        for, and made-up ids must not grow the chain, which is kept for good."""
        asked = session.scalars(
            select(UnknownSignInAskRow.asked_at).where(UnknownSignInAskRow.request_id == request_id)
        )  # fmt: skip
        self.codes.admit(list(asked))
        session.add(UnknownSignInAskRow(request_id=request_id, asked_at=self.clock.now()))

    def forget_unknown_asks(self) -> int:
        """Remove the asks for unknown ids that no longer count for any limit; how many."""
        return forget_unknown_asks(self.store, self.clock.now(), self.codes.policy)

    def _withheld(self, session: Session, row: RequestRow) -> Withheld | None:
        """Why no sign-in code goes out for a request that is over, if none does."""
        links_until = session.scalar(
            select(func.max(DownloadLinkRow.expires_at))
            .where(DownloadLinkRow.request_id == row.id, DownloadLinkRow.revoked_at.is_(None))
        )  # fmt: skip
        sent = self.codes.sent_in_window(session, row.id, PORTAL)
        return withheld(_ended(session, row), links_until, sent, self.clock.now(),
                        self.after_closing)  # fmt: skip

    def _audit_sent(
        self, session: Session, request_id: str, sent: SentCode, held: Withheld | None
    ) -> None:
        """The code (ids only), why it was withheld, and the caps it reached (counts)."""
        actor = f"requester:{request_id}"
        if held is not None:
            rule = self.after_closing
            counts = ({"codes": rule.codes, "window_hours": self.codes.policy.window_hours}
                      if held is Withheld.CAPPED else {"days": rule.period.days})  # fmt: skip
            self.audit.record(session, actor, "public", "portal.sign_in_code_withheld",
                              request_id, code_id=sent.row.id, reason=held.value,
                              **counts)  # fmt: skip
        else:
            action = "portal.sign_in_code_not_due" if sent.decoy else "portal.sign_in_code_sent"
            self.audit.record(session, actor, "public", action, request_id, code_id=sent.row.id)
        if sent.cap_reached:
            policy = self.codes.policy
            self.audit.record(session, actor, "public", "portal.code_cap_reached", request_id,
                              code_id=sent.row.id, codes=policy.max_challenges_per_request,
                              window_hours=policy.window_hours)  # fmt: skip
        if sent.last_with_digits:
            policy = self.codes.policy
            self.audit.record(session, actor, "public", "portal.sign_in_codes_used_up",
                              request_id, code_id=sent.row.id,
                              codes=policy.max_challenges_per_request,
                              guesses=policy.most_guesses)  # fmt: skip

    def confirm_sign_in_link(self, request_id: str, token: str) -> None:
        """Pass when the token is the link of a sign-in mail of this request that still works
        (wrong codes that locked its code leave it working); its error otherwise."""
        with self.store.transaction() as session:
            used = self.codes.redeem_link(session, request_id, PORTAL, token)
            self.audit.record(session, f"requester:{request_id}", "public", "portal.signed_in",
                              request_id, code_id=used.id, by="link")  # fmt: skip

    def confirm_sign_in(self, request_id: str, code: str) -> None:
        """Pass when the code is right; SignInRefusedError otherwise, alike for every reason
        (InvalidInputError for what cannot be a code). Each guess costs every live code one
        attempt."""
        failure: RightfulError | None = None
        with self.store.transaction() as session:
            try:
                used = self.codes.redeem(session, request_id, PORTAL, code)
            except InvalidInputError as malformed:  # not a code at all: tells nothing
                failure = malformed
            except RightfulError:
                failure = SignInRefusedError(self.codes.minutes)
                self.audit.record(session, f"requester:{request_id}", "public",
                                  "portal.sign_in_failed", None)  # fmt: skip
            else:
                self.audit.record(session, f"requester:{request_id}", "public",
                                  "portal.signed_in", request_id, code_id=used.id)  # fmt: skip
        if failure is not None:
            raise failure


def sign_in_link_path(request_id: str, token: str) -> str:
    """The page of a sign-in message's link (`token`: `<code id>.<secret>`)."""
    return f"/portal/requests/{request_id}/sign-in/link?token={token}"


def _ended(session: Session, row: RequestRow) -> datetime | None:
    """When a request was closed, or answered with a package (it stays open until closed);
    None while neither."""
    status = Status(row.status)
    if status not in OPEN:
        return row.closed_at
    if status is not Status.DELIVERED:
        return None
    return session.scalar(
        select(func.max(TransitionRow.at))
        .where(TransitionRow.request_id == row.id, TransitionRow.target == Status.DELIVERED.value)
    )  # fmt: skip


def forget_unknown_asks(store: Store, now: datetime, policy: CodePolicy) -> int:
    """Remove the asks for sign-in codes for ids no request has that count for no limit any
    more (the daily job, which needs no web keys for it); how many."""
    before = now - policy.counts_for
    with store.transaction() as session:
        gone = session.execute(
            delete(UnknownSignInAskRow).where(UnknownSignInAskRow.asked_at <= before)
        )
        return int(gone.rowcount)  # type: ignore[attr-defined]  # a CursorResult's count
