"""The periodic incident job: triage incidents opened by the gate or the button (scope, score,
drafts), and remind the DPO before each notification deadline (a log line and an e-mail)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from rightful.adapters.db.incidents import IncidentNoticeRow, IncidentReminderRow, IncidentRow
from rightful.domain.errors import RightfulError
from rightful.domain.incident_clocks import Audience, Deadline, reminders_due
from rightful.domain.incident_untold import Untold
from rightful.domain.incidents import IncidentStatus
from rightful.domain.messaging import MailMessage
from rightful.domain.staff import SYSTEM
from rightful.services import incident_acknowledgements as acks
from rightful.services.incident_assessment import deadlines_of
from rightful.services.incident_mail import reminder, untold_reminder

if TYPE_CHECKING:
    from rightful.services.incidents import IncidentService

log = logging.getLogger("rightful.incidents")


@dataclass(frozen=True)
class JobReport:
    triaged: int
    postponed: int
    reminders: int
    acknowledged: int = 0  # outside reporters whose acknowledgement the mail service refused
    given_up: int = 0  # acknowledgements refused for the last attempt allowed


def run_incident_jobs(service: IncidentService) -> JobReport:
    """Triage what waits, send the reminders that are due, and the acknowledgements to outside
    reporters that did not go out when they reported (until the last attempt allowed)."""
    triaged = postponed = 0
    for incident_id in service.pending():
        try:
            service.triage(incident_id)
            triaged += 1
        except RightfulError as exc:
            postponed += 1
            log.warning("triage of incident %s postponed: %s", incident_id, exc)
    reminders = send_reminders(service) + remind_untold(service)
    outcomes = [acks.acknowledge(service, i, to) for i, to in service.unacknowledged()]
    return JobReport(triaged, postponed, reminders, outcomes.count(acks.SENT),
                     outcomes.count(acks.GIVEN_UP))  # fmt: skip


def send_reminders(service: IncidentService) -> int:
    """One reminder per deadline mark reached (hours before; 0 = overdue); how many were sent."""
    now, sent = service.clock.now(), 0
    for incident_id, deadline in open_deadlines(service):
        with service.store.transaction() as session:
            done = {r.hours_before for r in session.scalars(select(IncidentReminderRow).where(
                IncidentReminderRow.incident_id == incident_id,
                IncidentReminderRow.regime == deadline.regime,
                IncidentReminderRow.audience == deadline.audience.value))}  # fmt: skip
        try:
            marks = reminders_due(deadline, now, service.policy.reminder_hours, done)
        except OverflowError:  # a deadline at the edge of the calendar: the others still run
            log.warning("incident %s: its %s deadline cannot be reminded of", incident_id,
                        deadline.audience.value)  # fmt: skip
            continue
        for mark in marks:
            if not _claim(service, incident_id, deadline, mark):
                continue
            if _remind(service, incident_id, deadline, mark):
                _record(service, incident_id, deadline, mark)
                sent += 1
            else:  # the mail service refused it: the next run sends it again
                _release(service, incident_id, deadline, mark)
    return sent


def remind_untold(service: IncidentService) -> int:
    """Remind the DPO of the people of the current scope a sent notice to them has not told
    (not reached, or come into the scope since it went out), each with a due time of their own
    (Art. 34(1): without undue delay from when they could be told); once each time they change
    or one of them reaches a reminder mark (as before a deadline, and once overdue); how many
    reminders went out."""
    sent, now = 0, service.clock.now()
    for incident_id in open_incidents(service):
        for notice_id, untold in service.notices.untold_due(incident_id).items():
            mark = untold.mark(now, service.policy.reminder_hours)
            claimed, before = _mark_untold(service, notice_id, mark)
            if not claimed or not untold.people:
                continue
            if _remind_untold(service, incident_id, untold, now):
                sent += 1
            else:  # the mail service refused it: the next run sends it again
                _mark_untold(service, notice_id, before)
    return sent


def open_incidents(service: IncidentService) -> list[str]:
    """The ids of incidents not closed, oldest first."""
    with service.store.transaction() as session:
        query = select(IncidentRow.id).where(IncidentRow.status != IncidentStatus.CLOSED.value)
        return list(session.scalars(query.order_by(IncidentRow.opened_at)))


def _mark_untold(
    service: IncidentService, notice_id: str, mark: str | None
) -> tuple[bool, str | None]:
    """Record that the DPO is reminded of these untold people (True), unless they were already
    (False; of two jobs running at once, one sends it); and the mark it replaced."""
    with service.store.transaction() as session:
        notice = session.get(IncidentNoticeRow, notice_id, with_for_update=True)
        if notice is None or notice.untold_reminded == mark:
            return False, None
        before, notice.untold_reminded = notice.untold_reminded, mark
        return True, before


def _remind_untold(
    service: IncidentService, incident_id: str, untold: Untold, now: datetime
) -> bool:
    n, overdue, notice_id = len(untold.people), len(untold.overdue(now)), untold.notice_id
    log.warning("incident %s: %d people of the current scope not told by notice %s (%d "
                "overdue); send it again", incident_id, n, notice_id, overdue)  # fmt: skip
    if not _mail_dpo(service, incident_id, lambda to: untold_reminder(
            to, incident_id, untold, now, service.policy)):  # fmt: skip
        return False
    with service.store.transaction() as session:
        row = session.get(IncidentRow, incident_id)
        service.audit.record(
            session, SYSTEM.id, SYSTEM.role_name, "incident.reminder_sent",
            row.request_id if row else None, incident_id=incident_id, notice_id=notice_id,
            regime=untold.regime, audience=Audience.SUBJECTS.value, untold=n, overdue=overdue,
            due_at=untold.due_at.isoformat() if untold.due_at else None,
        )  # fmt: skip
    return True


def open_deadlines(service: IncidentService) -> list[tuple[str, Deadline]]:
    """Every deadline of every incident not closed, with the incident's id."""
    out: list[tuple[str, Deadline]] = []
    with service.store.transaction() as session:
        query = select(IncidentRow).where(IncidentRow.status != IncidentStatus.CLOSED.value)
        for row in session.scalars(query):
            scope = service.scope_of(session, row)
            out += [(row.id, d) for d in deadlines_of(session, row, service.policy.regimes, scope)]
    return out


def _claim(service: IncidentService, incident_id: str, d: Deadline, mark: int) -> bool:
    """Take the reminder first: of two jobs running at once, one sends it."""
    try:
        with service.store.transaction() as session:
            session.add(IncidentReminderRow(
                incident_id=incident_id, regime=d.regime, audience=d.audience.value,
                hours_before=mark, sent_at=service.clock.now(),
            ))  # fmt: skip
    except IntegrityError:
        return False
    return True


def _record(service: IncidentService, incident_id: str, d: Deadline, mark: int) -> None:
    """The reminder went out (or to the log, with no DPO address): the chain says so."""
    with service.store.transaction() as session:
        row = session.get(IncidentRow, incident_id)
        service.audit.record(
            session, SYSTEM.id, SYSTEM.role_name, "incident.reminder_sent",
            row.request_id if row else None, incident_id=incident_id, regime=d.regime,
            audience=d.audience.value, hours_before=mark,
        )  # fmt: skip


def _release(service: IncidentService, incident_id: str, d: Deadline, mark: int) -> None:
    with service.store.transaction() as session:
        session.execute(delete(IncidentReminderRow).where(
            IncidentReminderRow.incident_id == incident_id,
            IncidentReminderRow.regime == d.regime,
            IncidentReminderRow.audience == d.audience.value,
            IncidentReminderRow.hours_before == mark,
        ))  # fmt: skip


def _remind(service: IncidentService, incident_id: str, d: Deadline, mark: int) -> bool:
    """Mail the DPO (or, with no address configured, log it); whether it went out."""
    when = "overdue" if mark == 0 else f"due within {mark} h"
    log.warning("incident %s: %s notice to the %s is %s (deadline %s)", incident_id, d.regime,
                d.audience.value, when, d.due_at.isoformat() if d.due_at else "-")  # fmt: skip
    now = service.clock.now()
    return _mail_dpo(service, incident_id, lambda to: reminder(
        to, incident_id, d, mark, now, service.policy))  # fmt: skip


def _mail_dpo(
    service: IncidentService, incident_id: str, message: Callable[[str], MailMessage]
) -> bool:
    """Mail the DPO `message(address)`, or with no address configured only log it; whether it
    went out."""
    to = service.policy.dpo_email
    if not to:
        log.warning("no dpo_email configured: the reminder for incident %s went to the log only",
                    incident_id)  # fmt: skip
        return True
    try:
        service.mailer.send(message(to))
    except RightfulError as exc:
        log.warning("reminder e-mail for incident %s failed: %s", incident_id, exc)
        return False
    return True
