"""Download links: issue one to the verified requester when a package is approved, open it,
list it, revoke it. Every attempt on a link is recorded and audited (attempt id and outcome)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from rightful.adapters.db import verification_repo
from rightful.adapters.db.base import Store
from rightful.adapters.db.delivery import DownloadAttemptRow, DownloadLinkRow
from rightful.adapters.db.tables import RequestRow
from rightful.domain.clock import Clock
from rightful.domain.delivery import (
    REFUSAL_OUTCOME,
    Client,
    HandOver,
    LinkPolicy,
    LinkRefusedError,
    LinkState,
    LinkUnknownError,
    Outcome,
    PackageSource,
    check_link,
    downloads_left,
    hand_over_note,
    looks_like_token,
    mask_email,
    mask_phone,
    new_token,
    token_digest,
)
from rightful.domain.errors import ConflictError, NotFoundError
from rightful.domain.lifecycle import Role, Status
from rightful.domain.staff import SYSTEM, Principal
from rightful.domain.verification import Factor
from rightful.services.audit import AuditService
from rightful.services.declarations import disclosure_wait
from rightful.services.identity_set import load_request
from rightful.services.notices import MailNotices
from rightful.services.requests import RequestService

EMAIL_FACTORS = {Factor.EMAIL_CODE.value, Factor.EMAIL_LINK.value}
SMS_FACTORS = {Factor.SMS_CODE.value, Factor.SMS_LINK.value}


@dataclass(frozen=True)
class IssuedLink:
    """A new link; the token exists in plain only here and in the e-mail."""

    link_id: str
    token: str
    expires_at: datetime


@dataclass(frozen=True)
class LinkView:
    """A link as the portal and the console show it (never its token)."""

    id: str
    request_id: str
    package_id: str
    language: str
    created_at: datetime
    expires_at: datetime
    downloads: int
    max_downloads: int
    downloads_left: int
    revoked_at: datetime | None
    revoke_cause: str | None
    protected: bool
    channel_hint: str
    expired: bool

    @property
    def state(self) -> str:
        """active, revoked, expired or exhausted (in that order of precedence after active)."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expired:
            return "expired"
        return "exhausted" if self.downloads_left == 0 else "active"


@dataclass(frozen=True)
class VerifiedChannel:
    """Where codes for a request may go: a contact detail proven by a code to it."""

    channel: str  # email or sms
    address: str

    def __repr__(self) -> str:
        return f"VerifiedChannel({self.channel}, ***)"

    @property
    def hint(self) -> str:
        return mask_email(self.address) if self.channel == "email" else mask_phone(self.address)


def verified_channel(session: Session, request_id: str) -> VerifiedChannel | None:
    """The e-mail (else phone) a code was confirmed at for this request, if any; proofs that
    did not lead to the bound subject do not count."""
    rows = [r for r in verification_repo.identity_rows(session, request_id)
            if r.supports_binding is not False]  # fmt: skip
    for row in rows:
        if row.factor in EMAIL_FACTORS:
            return VerifiedChannel("email", row.identity_value)
    for row in rows:
        if row.factor in SMS_FACTORS:
            return VerifiedChannel("sms", row.identity_value)
    return None


# Why a link waits for a request confirmed by text message alone (staff read it in English).
LINK_WAITS = (
    "the link waits for the requester to confirm an e-mail address by a code: they confirmed "
    "this request by text message alone, and a link goes only to an e-mail address proven by "
    "a code (a text message cannot carry the download). The portal's status page asks them for "
    "one; the link goes out by itself once they confirm it. Or give them the package another "
    "way and record that (`rightful package handed-over`)"
)

# The reason of the system's move to `delivered` when the waiting link went out.
CONFIRMED = "the requester confirmed an e-mail address by a code; the link that waited went out"


@dataclass(frozen=True)
class LinkWaits:
    """No link went out yet: it waits for the requester to confirm an e-mail address by a code,
    and goes out when they do (DeliveryService.deliver_confirmed)."""

    reason: str = LINK_WAITS


def delivery_address(session: Session, request: RequestRow) -> str | None:
    """Where the "ready" mail goes: the verified e-mail address; or, when only a signed-in
    account was proven, the request's address (the link then opens only with that account);
    None while a requester confirmed by text message alone has yet to confirm an e-mail address
    by a code (the portal asks them: a step-up). ConflictError when no channel was proven."""
    channel = verified_channel(session, request.id)
    if channel is not None and channel.channel == "email":
        return channel.address
    rows = verification_repo.identity_rows(session, request.id)
    account = any(r.factor == Factor.ACCOUNT_ASSERTION.value and r.supports_binding is not False
                  for r in rows)  # fmt: skip
    if account and request.requester_email:
        return request.requester_email
    if channel is not None:  # a phone: the requester signs in by text and steps up by e-mail
        return None
    raise ConflictError(
        "this request has no verified e-mail address to send a link to: ask the requester to "
        "confirm one by a code (a step-up), or export the package, give it to them another "
        "way and record that (`rightful package handed-over`)"
    )


def needs_email(session: Session, request: RequestRow) -> bool:
    """A link for this request could go nowhere yet: its requester, confirmed by text message
    alone, has yet to confirm an e-mail address by a code."""
    try:
        return delivery_address(session, request) is None
    except ConflictError:  # no channel at all: a hand-over, which staff start
        return False


def link_waits(session: Session, request: RequestRow) -> str | None:
    """Why no link went out yet to an approved request's requester (LINK_WAITS), or None."""
    waits = request.status == Status.APPROVED and needs_email(session, request)
    return LINK_WAITS if waits else None


def link_state(row: DownloadLinkRow) -> LinkState:
    return LinkState(row.expires_at, row.downloads, row.max_downloads, row.revoked_at)


def record_attempt(
    session: Session, audit: AuditService, clock: Clock, link: DownloadLinkRow | None,
    outcome: Outcome, client: Client, byte_range: str | None = None,
) -> int:  # fmt: skip
    """One row with IP and user agent; the chain gets the attempt's id and outcome only."""
    row = DownloadAttemptRow(
        link_id=link.id if link else None, at=clock.now(), ip=_clip(client.ip, 45),
        user_agent=_clip(client.user_agent, 400), outcome=outcome.value, byte_range=byte_range,
    )  # fmt: skip
    session.add(row)
    session.flush()
    audit.record(
        session, f"link:{link.id}" if link else "public", "public", "delivery.attempt",
        link.request_id if link else None, attempt_id=row.id, outcome=outcome.value,
        link_id=link.id if link else None,
    )  # fmt: skip
    return row.id


def _clip(value: str | None, size: int) -> str | None:
    return value[:size] if value else None


# A package goes out for a request that is approved, or delivered already (a new link).
ANSWERED_BY_PACKAGE = frozenset({Status.APPROVED.value, Status.DELIVERED.value})


class DeliveryService:
    """Issues, opens, lists and revokes links. Downloads themselves: see DownloadService."""

    def __init__(
        self, store: Store, clock: Clock, audit: AuditService, requests: RequestService,
        notices: MailNotices, packages: PackageSource, policy: LinkPolicy,
    ) -> None:  # fmt: skip
        self.store, self.clock, self.audit = store, clock, audit
        self.requests, self.notices, self.packages = requests, notices, packages
        self.policy = policy

    def deliver(self, request_id: str, package_id: str, by: Principal) -> IssuedLink | LinkWaits:
        """Issue a link to an approved package and mail it to the verified channel; the request
        becomes `delivered`. For a requester confirmed by text message alone, LinkWaits: the
        wait is audited and the link goes out once they confirm an e-mail address by a code."""
        self._may_go_out(request_id, package_id, by)
        with self.store.transaction() as session:
            request = self._ready_request(session, request_id)
            address = delivery_address(session, request)
            if address is None:
                self.audit.record(session, by.id, by.role_name, "delivery.link_waits",
                                  request_id, package_id=package_id,
                                  waits_for="email_confirmed")  # fmt: skip
                return LinkWaits()
            return self._send(session, request, package_id, address, by)

    def deliver_confirmed(self, request_id: str, package_id: str) -> IssuedLink | None:
        """The link of an approved package that waited for its requester to confirm an e-mail
        address by a code, sent by the system once they have (the approval asked for it); None
        when the request is not approved or still has no address a link may go to."""
        if self.packages.request_of(package_id) != request_id:
            return None
        self.packages.assert_deliverable(package_id)
        with self.store.transaction() as session:
            request = self._ready_request(session, request_id)
            approved = request.status == Status.APPROVED  # a delivered one had its link
            address = delivery_address(session, request) if approved else None
            if address is None:
                return None
            return self._send(session, request, package_id, address, SYSTEM, CONFIRMED)

    def _send(
        self, session: Session, request: RequestRow, package_id: str, address: str,
        by: Principal, reason: str = "",
    ) -> IssuedLink:  # fmt: skip
        # The package row first, then the audit chain's head (in _issue): the order in which
        # an incident freezing the package takes them.
        self.packages.mark_delivered(session, package_id)
        issued = self._issue(session, request, package_id, by)
        if request.status == Status.APPROVED:
            self.requests.move_in(session, request, Status.DELIVERED, by, reason)
        # Mailed before the transaction ends: a relay that refuses the mail (DeliveryError)
        # undoes the link and the delivery, and staff are told, instead of a request that
        # shows as answered while its link reached nobody.
        self.notices.ready(address, request.language, request.id, issued.token,
                           issued.expires_at, self.policy.max_downloads)  # fmt: skip
        return issued

    def link_waits(self, request_id: str) -> str | None:
        """Why no link went out yet to an approved request's requester (LINK_WAITS), or None."""
        with self.store.transaction() as session:
            return link_waits(session, load_request(session, request_id))

    def hand_over(
        self, request_id: str, package_id: str, how: HandOver, note: str, by: Principal
    ) -> None:
        """Record that staff gave an approved package to the requester another way than a
        link (its exported ZIP by post, in person): for requesters verified by letter, phone or
        in person, who have no verified channel a link could go to. The request becomes
        `delivered`; the note stays with its move, the audit chain holds its digest."""
        note = hand_over_note(note)
        self._may_go_out(request_id, package_id, by)
        with self.store.transaction() as session:
            request = self._ready_request(session, request_id)
            if request.status != Status.APPROVED:  # its note would have no move to stay with
                raise ConflictError(
                    f"request {request_id} is {request.status}: a hand-over answers an approved "
                    "request once"
                )
            self.packages.mark_delivered(session, package_id)
            self.audit.record(session, by.id, by.role_name, "delivery.handed_over", request_id,
                              package_id=package_id, how=how.value)  # fmt: skip
            self.requests.move_in(session, request, Status.DELIVERED, by,
                                  f"handed over ({how.value}): {note}")  # fmt: skip

    def _may_go_out(self, request_id: str, package_id: str, by: Principal) -> None:
        by.require(Role.REVIEWER)
        if self.packages.request_of(package_id) != request_id:
            raise ConflictError("this package answers another request; it cannot go out here")
        self.packages.assert_deliverable(package_id)

    def _ready_request(self, session: Session, request_id: str) -> RequestRow:
        request = load_request(session, request_id)
        if request.status not in ANSWERED_BY_PACKAGE:  # cancelled, refused, closed, on hold
            raise ConflictError(
                f"request {request_id} is {request.status}: its package does not go out"
            )
        waiting = disclosure_wait(session, request, account_holder=self.requests.account_holder)
        if waiting is not None:  # approved before §7061(b)'s or §7062's proof was asked for
            raise ConflictError(f"this package cannot go out yet: {waiting}")
        return request

    def _issue(
        self, session: Session, request: RequestRow, package_id: str, by: Principal
    ) -> IssuedLink:
        token, now = new_token(self.policy), self.clock.now()
        row = DownloadLinkRow(
            id=secrets.token_hex(16), request_id=request.id, package_id=package_id,
            token_hash=token_digest(token), created_at=now, created_by=by.id,
            expires_at=now + self.policy.ttl, max_downloads=self.policy.max_downloads,
            downloads=0,
        )  # fmt: skip
        session.add(row)
        session.flush()
        self.audit.record(session, by.id, by.role_name, "delivery.link_issued", request.id,
                          link_id=row.id, package_id=package_id,
                          max_downloads=row.max_downloads)  # fmt: skip
        return IssuedLink(row.id, token, row.expires_at)

    def open(self, token: str, client: Client) -> LinkView:
        """The link behind a token, if it may still open a download; every try is recorded."""
        with self.store.transaction() as session:
            row = self.by_token(session, token)
            failure = self._refusal(session, row, client)
            if failure is None:
                assert row is not None
                record_attempt(session, self.audit, self.clock, row, Outcome.OPENED, client)
                return self._view(session, row)
        raise failure

    def _refusal(
        self, session: Session, row: DownloadLinkRow | None, client: Client
    ) -> LinkRefusedError | None:
        try:
            if row is None:
                raise LinkUnknownError("this link is not valid; check that you copied all of it")
            check_link(link_state(row), self.clock.now())
        except LinkRefusedError as refused:
            outcome = REFUSAL_OUTCOME[refused.reason]
            record_attempt(session, self.audit, self.clock, row, outcome, client)
            return refused
        return None

    def by_token(self, session: Session, token: str) -> DownloadLinkRow | None:
        if not looks_like_token(token.strip()):
            return None
        query = select(DownloadLinkRow).where(DownloadLinkRow.token_hash == token_digest(token))
        return session.scalar(query)

    def view(self, link_id: str) -> LinkView:
        with self.store.transaction() as session:
            return self._view(session, _link(session, link_id))

    def links_of(self, request_id: str) -> list[LinkView]:
        """Every link of a request, newest first."""
        query = (select(DownloadLinkRow).where(DownloadLinkRow.request_id == request_id)
                 .order_by(DownloadLinkRow.created_at.desc()))  # fmt: skip
        with self.store.transaction() as session:
            return [self._view(session, row) for row in session.scalars(query)]

    def _view(self, session: Session, row: DownloadLinkRow) -> LinkView:
        request = load_request(session, row.request_id)
        channel = verified_channel(session, row.request_id)
        return LinkView(
            row.id, row.request_id, row.package_id, request.language, row.created_at,
            row.expires_at, row.downloads, row.max_downloads, downloads_left(link_state(row)),
            row.revoked_at, row.revoke_cause, row.age_header is not None,
            channel.hint if channel else "", self.clock.now() >= row.expires_at,
        )  # fmt: skip

    def revoke(self, link_id: str, by: Principal, cause: str = "staff") -> LinkView:
        """Stop one link at once (staff: agent role or above)."""
        by.require(Role.AGENT)
        with self.store.transaction() as session:
            row = _link(session, link_id)
            if row.revoked_at is None:
                row.revoked_at, row.revoked_by, row.revoke_cause = self.clock.now(), by.id, cause
                self.audit.record(session, by.id, by.role_name, "delivery.link_revoked",
                                  row.request_id, link_id=row.id, cause=cause)  # fmt: skip
            return self._view(session, row)

    def revoke_package(
        self, session: Session, package_id: str, by: Principal, cause: str,
        request_id: str | None = None,
    ) -> int:  # fmt: skip
        """Revoke every live link of a package inside the caller's transaction; how many."""
        result = session.execute(
            update(DownloadLinkRow)
            .where(DownloadLinkRow.package_id == package_id, DownloadLinkRow.revoked_at.is_(None))
            .values(revoked_at=self.clock.now(), revoked_by=by.id, revoke_cause=cause)
            .execution_options(synchronize_session=False)
        )
        count = int(getattr(result, "rowcount", 0) or 0)
        self.audit.record(session, by.id, by.role_name, "delivery.package_links_revoked",
                          request_id, package_id=package_id, links=count,
                          cause=cause)  # fmt: skip
        return count


def _link(session: Session, link_id: str) -> DownloadLinkRow:
    row = session.get(DownloadLinkRow, link_id)
    if row is None:
        raise NotFoundError("no such link")
    return row


def load_link(session: Session, link_id: str) -> DownloadLinkRow:
    """One link by id; NotFoundError when there is none."""
    return _link(session, link_id)
