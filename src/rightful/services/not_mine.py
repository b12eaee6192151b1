""" "This is not my data": one click, no sign-in. In one transaction every link of the package is
revoked, the report is recorded and an incident is opened with the report as its first event;
then the reporter is acknowledged by e-mail and may confirm that they deleted any copy. The
acknowledgement is a notice on the request (`not_mine_ack`), mailed after the commit, its fate
recorded and retried as every other notice's (services/request_mail.py)."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rightful.adapters.db.base import Store
from rightful.adapters.db.delivery import DownloadLinkRow, NotMineReportRow
from rightful.adapters.db.tables import NoticeRow, RequestRow
from rightful.domain.clock import Clock
from rightful.domain.delivery import Client, LinkUnknownError, Outcome
from rightful.domain.errors import ConflictError, InvalidInputError, NotFoundError
from rightful.domain.incidents import IncidentKind, IncidentSource, NewIncident
from rightful.domain.key_ring import KeyRing
from rightful.domain.lifecycle import Status
from rightful.domain.staff import SYSTEM, Principal
from rightful.domain.words import counted
from rightful.services.audit import AuditService
from rightful.services.delivery import (
    DeliveryService,
    load_link,
    record_attempt,
    verified_channel,
)
from rightful.services.incident_mail import reference as incident_reference
from rightful.services.incident_records import open_incident_about
from rightful.services.incidents import open_incident
from rightful.services.notices import MailNotices
from rightful.services.request_mail import Composer

DELETION_ANSWERS = ("deleted", "never_downloaded")
ACK = "not_mine_ack"
# The words recorded for staff and the audit digest; the mail itself is its own template.
_ACK_WORDS = {
    "en": "You told us that the data behind a download link we sent to this address is not "
    "yours. We stopped every link to that data and opened an incident ({ref}). Please delete any "
    "copy; the e-mail's link lets you tell us that you did.",
    "de": "Sie haben uns mitgeteilt, dass die Daten hinter einem Download-Link, den wir an diese "
    "Adresse geschickt haben, nicht Ihre sind. Wir haben jeden Link zu diesen Daten gesperrt und "
    "einen Vorfall eröffnet ({ref}). Bitte löschen Sie jede Kopie; über den Link in der E-Mail "
    "können Sie uns das mitteilen.",
}


@dataclass(frozen=True)
class NotMineReceipt:
    """What the reporter sees: the links are stopped, an incident is open."""

    report_id: str
    incident_id: str | None
    links_revoked: int
    reported_at: datetime
    confirm_token: str | None  # for the optional deletion confirmation; None once confirmed
    language: str
    repeated: bool
    mailed: bool = False  # the mail relay took the acknowledgement (with the confirmation link)
    joined: bool = False  # the report joined an incident open for the package already


class NotMineService:
    """Reports of data that reached the wrong person."""

    def __init__(
        self, store: Store, clock: Clock, audit: AuditService, delivery: DeliveryService,
        notices: MailNotices, confirm_key: KeyRing, triage: Callable[[str], object] | None = None,
        rescope: Callable[[str], object] | None = None,
    ) -> None:  # fmt: skip
        self.store, self.clock, self.audit = store, clock, audit
        self.delivery, self.notices = delivery, notices
        self.confirm_key = confirm_key
        # Scope, score and draft right after the click, so the 72-hour clock starts with facts.
        self.triage = triage
        # The recipient's answer changes the scope's delivery facts: the register says it at once.
        self.rescope = rescope

    def may_stop(self, link_id: str, token: str) -> bool:
        """Whether `token` is the one of `link_id`'s stop page (see stop_path)."""
        return any(hmac.compare_digest(_token(k, b"link-stop", link_id), token)
                   for k in self.confirm_key.all)  # fmt: skip

    def stop(self, link_id: str, token: str, client: Client) -> int:
        """The requester stops the links of a package someone else asked a download code for:
        every link of the package is revoked, the attempt and the stop recorded; how many.
        No incident: the code went to the requester, so nothing reached anyone else (unlike a
        report that data reached the wrong person). NotFoundError for a wrong token."""
        if not self.may_stop(link_id, token):
            raise NotFoundError("no such link")
        with self.store.transaction() as session:
            link = load_link(session, link_id)
            by = Principal(id=f"requester:{link.request_id}", role=None)
            attempt = record_attempt(session, self.audit, self.clock, link, Outcome.STOPPED,
                                     client)  # fmt: skip
            stopped = self.delivery.revoke_package(
                session, link.package_id, by, "stopped_by_requester", link.request_id
            )
            self.audit.record(session, by.id, "public", "delivery.link_stopped",
                              link.request_id, link_id=link.id, attempt_id=attempt,
                              links=stopped)  # fmt: skip
        return stopped

    def report_token(self, token: str, client: Client) -> NotMineReceipt:
        """A report from the link in an e-mail: works even on an expired or revoked link."""
        with self.store.transaction() as session:
            link = self.delivery.by_token(session, token)
            if link is None:
                record_attempt(session, self.audit, self.clock, None, Outcome.UNKNOWN, client)
                link_id = None
            else:
                link_id = link.id
        if link_id is None:
            raise LinkUnknownError("this link is not valid; check that you copied all of it")
        return self.report(link_id, client)

    def report(self, link_id: str, client: Client) -> NotMineReceipt:
        """Revoke all links of the package, record the report, open the incident; acknowledge."""
        with self.store.transaction() as session:
            link = load_link(session, link_id)
            channel = verified_channel(session, link.request_id)
            address = channel.address if channel and channel.channel == "email" else None
            receipt = self._record(session, link, client, mailed=address is not None)
        if receipt.mailed and not receipt.repeated:  # its notice was handed over at the commit
            receipt = dataclasses.replace(receipt, mailed=self._ack_sent(link.request_id))
        if receipt.repeated or not receipt.incident_id:
            return receipt
        if receipt.joined and self.rescope is not None:  # the delivery facts changed
            self.rescope(receipt.incident_id)
        elif not receipt.joined and self.triage is not None:
            self.triage(receipt.incident_id)
        return receipt

    def _record(
        self, session: Session, link: DownloadLinkRow, client: Client, *, mailed: bool
    ) -> NotMineReceipt:
        now, report_id = self.clock.now(), secrets.token_hex(16)
        confirm = confirm_token(self.confirm_key.current, report_id)
        language = _language(session, link.request_id)
        attempt = record_attempt(session, self.audit, self.clock, link, Outcome.NOT_MINE, client)
        earlier = self._earlier(session, link.package_id)
        if earlier is not None:
            return self._repeat(session, earlier, link, language, mailed=mailed)
        by = Principal(id=f"not_mine:{report_id}", role=None)
        # Staff may have opened the incident already: the report is one more fact of it, not a
        # second breach with a second register row and 72-hour clock.
        known = open_incident_about(session, [link.package_id])
        self.audit.record(session, by.id, "public", "delivery.not_mine_reported", link.request_id,
                          report_id=report_id, link_id=link.id, attempt_id=attempt,
                          package_id=link.package_id,
                          **({"incident_id": known.id} if known else {}))  # fmt: skip
        downloads = self._downloads(session, link.package_id)
        revoked = self.delivery.revoke_package(
            session, link.package_id, by, "not_mine", link.request_id
        )
        incident = known or open_incident(session, self.audit, self.clock, NewIncident(
            kind=IncidentKind.MISDELIVERY, source=IncidentSource.BUTTON, reporter=by.id,
            aware_at=now, request_id=link.request_id, package_id=link.package_id,
            description=f"not-my-data report {report_id} on link {link.id}: "
            f"{counted(revoked, 'link', 'links')} revoked, "
            f"{counted(downloads, 'download', 'downloads')} counted before",
        ), by)  # fmt: skip
        self._reopen(session, link.request_id, incident.id)
        session.add(NotMineReportRow(
            id=report_id, link_id=link.id, request_id=link.request_id,
            package_id=link.package_id, reported_at=now, attempt_id=attempt,
            incident_id=incident.id, links_revoked=revoked, downloads_before=downloads,
            confirm_hash=_digest(confirm),
        ))  # fmt: skip
        if mailed:
            self._acknowledge(session, link.request_id, incident.id, by)
        return NotMineReceipt(
            report_id,
            incident.id,
            revoked,
            now,
            confirm,
            language,
            False,
            mailed,
            joined=known is not None,
        )

    def _acknowledge(
        self, session: Session, request_id: str, incident_id: str, by: Principal
    ) -> None:
        """Record the acknowledgement as a notice on the request: mailed once this commits, and
        when the relay refuses it, shown to staff and sent again by the daily job."""
        request = session.get(RequestRow, request_id)
        assert request is not None  # a link's request is never deleted
        words = _ACK_WORDS.get(request.language, _ACK_WORDS["en"])
        self.delivery.requests.record_notice(
            session, request, ACK, words.format(ref=incident_reference(incident_id)), by
        )

    def _ack_sent(self, request_id: str) -> bool:
        """Whether the mail relay took the acknowledgement just recorded for `request_id`."""
        with self.store.transaction() as session:
            state = session.scalar(
                select(NoticeRow.mail_state)
                .where(NoticeRow.request_id == request_id, NoticeRow.kind == ACK)
                .order_by(NoticeRow.id.desc()).limit(1)
            )  # fmt: skip
        return state == "sent"

    def _reopen(self, session: Session, request_id: str, incident_id: str) -> None:
        """A delivered request whose package is reported as not the recipient's was not
        answered: it returns to collecting, by the system, and its deadline counts again
        (Art. 12(3)). A new build waits for staff, who first learn from the incident why."""
        request = session.get(RequestRow, request_id)
        if request is not None and Status(request.status) is Status.DELIVERED:
            reason = f"its package was reported as not my data: incident INC-{incident_id[:8]}"
            self.delivery.requests.move_in(session, request, Status.COLLECTING, SYSTEM, reason)

    def _repeat(
        self, session: Session, earlier: NotMineReportRow, link: DownloadLinkRow, language: str,
        *, mailed: bool,
    ) -> NotMineReceipt:  # fmt: skip
        """A second click: nothing new to revoke or open. The confirmation link that was mailed
        stays the one that works (the page points to it); without a mail, the first page's
        form was the only way, so a fresh token replaces it."""
        confirm = None
        if earlier.deletion_confirmed_at is None and not mailed:
            confirm = secrets.token_urlsafe(24)
            earlier.confirm_hash = _digest(confirm)
        revoked = self.delivery.revoke_package(session, link.package_id,
                                               Principal(f"not_mine:{earlier.id}", None),
                                               "not_mine", link.request_id)  # fmt: skip
        return NotMineReceipt(earlier.id, earlier.incident_id, earlier.links_revoked + revoked,
                              earlier.reported_at, confirm, language, True, mailed)  # fmt: skip

    def _earlier(self, session: Session, package_id: str) -> NotMineReportRow | None:
        query = (select(NotMineReportRow).where(NotMineReportRow.package_id == package_id)
                 .order_by(NotMineReportRow.reported_at))  # fmt: skip
        return session.scalars(query).first()

    def _downloads(self, session: Session, package_id: str) -> int:
        total = session.scalar(
            select(func.coalesce(func.sum(DownloadLinkRow.downloads), 0))
            .where(DownloadLinkRow.package_id == package_id)
        )  # fmt: skip
        return int(total or 0)

    def confirm_deletion(self, confirm_token: str, answer: str) -> NotMineReportRow:
        """Record that the reporter deleted every copy (or never downloaded one)."""
        if answer not in DELETION_ANSWERS:
            raise InvalidInputError(f"answer one of: {', '.join(DELETION_ANSWERS)}")
        with self.store.transaction() as session:
            report = session.scalar(select(NotMineReportRow).where(
                NotMineReportRow.confirm_hash == _digest(confirm_token.strip())))  # fmt: skip
            if report is None:
                raise NotFoundError("this confirmation link is not valid")
            if report.deletion_confirmed_at is not None:
                raise ConflictError("you confirmed this already; thank you")
            report.deletion_confirmed_at, report.deletion_answer = self.clock.now(), answer
            self.audit.record(session, f"not_mine:{report.id}", "public",
                              "delivery.deletion_confirmed", report.request_id,
                              report_id=report.id, answer=answer)  # fmt: skip
        if self.rescope is not None and report.incident_id:
            self.rescope(report.incident_id)
        return report

    def reports_of(self, request_id: str) -> list[NotMineReportRow]:
        with self.store.transaction() as session:
            query = select(NotMineReportRow).where(NotMineReportRow.request_id == request_id)
            return list(session.scalars(query.order_by(NotMineReportRow.reported_at)))

    def by_confirm_token(self, confirm_token: str) -> NotMineReportRow | None:
        """The report a confirmation token belongs to (confirmed or not); None for a token
        that was never handed out."""
        with self.store.transaction() as session:
            return session.scalar(select(NotMineReportRow).where(
                NotMineReportRow.confirm_hash == _digest(confirm_token.strip())))  # fmt: skip


def confirm_token(key: bytes, report_id: str) -> str:
    """The deletion confirmation token of a report: derived, so that the page and every copy of
    the acknowledgement (a retry) carry the same link; only its digest is stored."""
    return _token(key, b"not-mine-confirm", report_id)


def stop_path(key: bytes, link_id: str) -> str:
    """The page, linked from a download-code mail, where its reader stops the link: the mail
    goes to the requester's verified channel, while the browser that asked for the code may be
    someone else's, so the reader need not hold the link (its token stands in for it)."""
    return f"/download/{link_id}/stop?token={_token(key, b'link-stop', link_id)}"


def _token(key: bytes, purpose: bytes, value: str) -> str:
    mac = hmac.new(key, purpose + b"\x00" + value.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def acknowledgement(confirm_key: Callable[[], KeyRing]) -> Composer:
    """What a `not_mine_ack` notice's mail needs besides its words: the report it answers (the
    request's latest one recorded by the notice's time), its incident, time and link (a mail
    sent again after web_secret was rotated carries the link made under the previous one, the
    link whose digest is stored)."""

    def compose(session: Session, notice: NoticeRow) -> Mapping[str, object]:
        report = session.scalars(
            select(NotMineReportRow)
            .where(NotMineReportRow.request_id == notice.request_id,
                   NotMineReportRow.reported_at <= notice.sent_at)
            .order_by(NotMineReportRow.reported_at.desc())
        ).first()  # fmt: skip
        assert report is not None  # recorded in the transaction that recorded the notice
        return {
            "incident_id": report.incident_id or report.id,
            "reported_at": report.reported_at,
            "confirm_path": f"/not-mine/{_stored_token(confirm_key(), report)}",
        }

    return compose


def _stored_token(keys: KeyRing, report: NotMineReportRow) -> str:
    """The confirmation token of `report` whose digest is stored, under whichever key made it."""
    tokens = [confirm_token(k, report.id) for k in keys.all]
    return next((t for t in tokens if _digest(t) == report.confirm_hash), tokens[0])


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _language(session: Session, request_id: str) -> str:
    row = session.get(RequestRow, request_id)
    return row.language if row else "en"
