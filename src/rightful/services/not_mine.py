""" "This is not my data": one click, no sign-in. In one transaction every link of the package is
revoked, the report is recorded and an incident is opened with the report as its first event;
then the reporter is acknowledged by e-mail and may confirm that they deleted any copy."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rightful.adapters.db.base import Store
from rightful.adapters.db.delivery import DownloadLinkRow, NotMineReportRow
from rightful.adapters.db.tables import RequestRow
from rightful.domain.clock import Clock
from rightful.domain.delivery import Client, LinkUnknownError, Outcome
from rightful.domain.errors import ConflictError, InvalidInputError, NotFoundError
from rightful.domain.incidents import IncidentKind, IncidentSource, NewIncident
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
from rightful.services.incidents import open_incident
from rightful.services.notices import MailNotices

DELETION_ANSWERS = ("deleted", "never_downloaded")


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
    mailed: bool = False  # the acknowledgement (with the confirmation link) goes by e-mail


class NotMineService:
    """Reports of data that reached the wrong person."""

    def __init__(
        self, store: Store, clock: Clock, audit: AuditService, delivery: DeliveryService,
        notices: MailNotices, triage: Callable[[str], object] | None = None,
    ) -> None:  # fmt: skip
        self.store, self.clock, self.audit = store, clock, audit
        self.delivery, self.notices = delivery, notices
        # Scope, score and draft right after the click, so the 72-hour clock starts with facts.
        self.triage = triage

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
        if address is not None and receipt.confirm_token and not receipt.repeated:
            self.notices.not_mine_ack(
                address, receipt.language, link.request_id,
                receipt.incident_id or receipt.report_id, receipt.reported_at,
                f"/not-mine/{receipt.confirm_token}",
            )  # fmt: skip
        if self.triage is not None and receipt.incident_id and not receipt.repeated:
            self.triage(receipt.incident_id)
        return receipt

    def _record(
        self, session: Session, link: DownloadLinkRow, client: Client, *, mailed: bool
    ) -> NotMineReceipt:
        now, report_id, confirm = self.clock.now(), secrets.token_hex(16), secrets.token_urlsafe(24)
        language = _language(session, link.request_id)
        attempt = record_attempt(session, self.audit, self.clock, link, Outcome.NOT_MINE, client)
        earlier = self._earlier(session, link.package_id)
        if earlier is not None:
            return self._repeat(session, earlier, link, language, mailed=mailed)
        by = Principal(id=f"not_mine:{report_id}", role=None)
        self.audit.record(session, by.id, "public", "delivery.not_mine_reported", link.request_id,
                          report_id=report_id, link_id=link.id, attempt_id=attempt,
                          package_id=link.package_id)  # fmt: skip
        downloads = self._downloads(session, link.package_id)
        revoked = self.delivery.revoke_package(
            session, link.package_id, by, "not_mine", link.request_id
        )
        incident = open_incident(session, self.audit, self.clock, NewIncident(
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
        return NotMineReceipt(
            report_id, incident.id, revoked, now, confirm, language, False, mailed
        )

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


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _language(session: Session, request_id: str) -> str:
    row = session.get(RequestRow, request_id)
    return row.language if row else "en"
