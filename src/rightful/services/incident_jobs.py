"""The periodic incident job: triage incidents opened by the gate or the button (scope, score,
drafts), and remind the DPO before each notification deadline (a log line and an e-mail) and of
the people a sent notice has not told."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rightful.adapters.db.incidents import IncidentNoticeRow, IncidentReminderRow, IncidentRow
from rightful.domain.errors import RightfulError
from rightful.domain.incident_clocks import Audience, Deadline, reminders_due
from rightful.domain.incident_untold import Untold
from rightful.domain.messaging import MailMessage
from rightful.domain.staff import SYSTEM
from rightful.services import incident_acknowledgements as acks
from rightful.services.incident_mail import reminder, untold_reminder
from rightful.services.incident_open_clocks import OPEN, OpenClocks, open_clocks

if TYPE_CHECKING:
    from rightful.services.incidents import IncidentService

log = logging.getLogger("rightful.incidents")

# The reminder marks (hours before; 0 = overdue) already sent, by (incident id, regime, audience).
Marks = Mapping[tuple[str, str, str], Collection[int]]


@dataclass(frozen=True)
class JobReport:
    triaged: int
    postponed: int
    reminders: int
    acknowledged: int = 0  # outside reporters whose acknowledgement the mail service refused
    given_up: int = 0  # acknowledgements refused for the last attempt allowed


def run_incident_jobs(service: IncidentService) -> JobReport:
    """Triage what waits, send the reminders that are due, and the acknowledgements to outside
    reporters that did not go out when they reported (until the last attempt allowed). The
    clocks of the open incidents and the reminders sent are read for all at once: only a
    reminder that is due costs statements of its own."""
    triaged = postponed = 0
    for incident_id in service.pending():
        try:
            service.triage(incident_id)
            triaged += 1
        except RightfulError as exc:
            postponed += 1
            log.warning("triage of incident %s postponed: %s", incident_id, exc)
    with service.store.transaction() as session:
        clocks = open_clocks(session, service.policy.regimes)
        done = _reminders_sent(session)
    reminders = send_reminders(service, clocks, done) + remind_untold(service, clocks)
    outcomes = [acks.acknowledge(service, i, to) for i, to in service.unacknowledged()]
    return JobReport(triaged, postponed, reminders, outcomes.count(acks.SENT),
                     outcomes.count(acks.GIVEN_UP))  # fmt: skip


def send_reminders(service: IncidentService, clocks: Iterable[OpenClocks], done: Marks) -> int:
    """One reminder per deadline mark reached (hours before; 0 = overdue) and not `done`; how
    many were sent."""
    now, sent = service.clock.now(), 0
    for incident_id, deadline in ((c.incident_id, d) for c in clocks for d in c.deadlines):
        key = (incident_id, deadline.regime, deadline.audience.value)
        try:
            marks = reminders_due(deadline, now, service.policy.reminder_hours, done.get(key, ()))
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


def remind_untold(service: IncidentService, clocks: Iterable[OpenClocks]) -> int:
    """Remind the DPO of the people of the current scope a sent notice to them has not told
    (not reached, or come into the scope since it went out), each with a due time of their own
    (Art. 34(1): without undue delay from when they could be told); once each time they change
    or one of them reaches a reminder mark (as before a deadline, and once overdue); how many
    reminders went out."""
    sent, now = 0, service.clock.now()
    for c in clocks:
        for notice_id, untold in c.untold.items():
            mark = untold.mark(now, service.policy.reminder_hours)
            if mark == c.reminded[notice_id]:  # reminded of these already, as read
                continue
            claimed, before = _mark_untold(service, notice_id, mark)
            if not claimed or not untold.people:
                continue
            if _remind_untold(service, c.incident_id, untold, now):
                sent += 1
            else:  # the mail service refused it: the next run sends it again
                _mark_untold(service, notice_id, before)
    return sent


def _reminders_sent(session: Session) -> Marks:
    """The marks each deadline of an open incident was reminded of, for all in one query."""
    r = IncidentReminderRow
    query = (select(r.incident_id, r.regime, r.audience, r.hours_before)
             .join(IncidentRow, IncidentRow.id == r.incident_id).where(OPEN))  # fmt: skip
    out: defaultdict[tuple[str, str, str], set[int]] = defaultdict(set)
    for incident_id, regime, audience, hours_before in session.execute(query):
        out[(incident_id, regime, audience)].add(hours_before)
    return out


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
