"""E-mails of incident response: the acknowledgement to an outside reporter, reminders to the
DPO before each deadline, and the Art. 34 communication (issue 6's `incident_notice` template)."""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from rightful.adapters.mail.rendering import MailTemplates
from rightful.domain.incident_clocks import Deadline
from rightful.domain.incident_notices import when
from rightful.domain.incident_untold import Untold
from rightful.domain.messaging import MailMessage

if TYPE_CHECKING:
    from rightful.services.incidents import IncidentPolicy


def reference(incident_id: str) -> str:
    """The short reference people see."""
    return f"INC-{incident_id[:8]}"


def _message(to: str, subject: str, text: str) -> MailMessage:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n\n"))
    return MailMessage(to=to, subject=subject, text=text.strip() + "\n", html=body)


def acknowledgement(to: str, incident_id: str, policy: IncidentPolicy) -> MailMessage:
    """Thanks to whoever reported an incident from outside, with the reference to quote."""
    text = (
        f"Thank you for your report to {policy.controller}. We recorded it as incident "
        f"{reference(incident_id)} and are looking into it now.\n\n"
        "If data reached you that is not yours, please do not pass it on and delete every copy.\n\n"
        f"Our data protection officer: {policy.dpo_contact}"
    )
    return _message(to, f"Your report {reference(incident_id)} was received", text)


def reminder(
    to: str, incident_id: str, deadline: Deadline, hours_before: int, now: datetime,
    policy: IncidentPolicy,
) -> MailMessage:  # fmt: skip
    """A reminder to the DPO: which notice is due when (or overdue)."""
    what = f"{deadline.regime} notice to the {deadline.audience.value}"
    state = ("is OVERDUE" if hours_before == 0
             else f"is due within {hours_before} hours")  # fmt: skip
    text = (
        f"Incident {reference(incident_id)}: the {what} {state} "
        f"(deadline {when(deadline.due_at)}; now {when(now)}).\n\n"
        f"Reason it is owed: {deadline.reason}.\n\n"
        f"See: rightful incidents show {incident_id}"
    )
    return _message(to, f"[{policy.controller}] {what} {state}: {reference(incident_id)}", text)


def untold_reminder(
    to: str, incident_id: str, untold: Untold, now: datetime, policy: IncidentPolicy
) -> MailMessage:
    """A reminder to the DPO: people of the current scope a sent notice has not told, when
    the first of them is to be told by, and how many are overdue."""
    n, notice_id = len(untold.people), untold.notice_id
    people, verb = ("1 person", "has") if n == 1 else (f"{n} people", "have")
    overdue = len(untold.overdue(now))
    due = (f" The first of them is to be told by {when(untold.due_at)} (now {when(now)}); "
           f"{overdue} overdue." if untold.due_at else "")  # fmt: skip
    text = (
        f"Incident {reference(incident_id)}: {people} of the current scope {verb} not been told "
        f"by the communication {notice_id} to the people concerned, which went out before: "
        "the mail service did not take it for them, or they came into the scope since "
        "(a rescope, a package found later, a second report). Art. 34(1): each of them is "
        f"told without undue delay.{due}\n\n"
        f"Send it again to them (and to nobody else): rightful incidents send {notice_id}"
    )
    late = " (OVERDUE)" if overdue else ""
    subject = f"[{policy.controller}] {people} not told of incident {reference(incident_id)}{late}"
    return _message(to, subject, text)


def subject_notice(
    templates: MailTemplates, to: str, language: str, incident_id: str, controller: str,
    sections: Mapping[str, str],
) -> MailMessage:  # fmt: skip
    """The approved Art. 34(2) communication to one person."""
    return templates.render(
        "incident_notice", language, to, controller=controller, ref=reference(incident_id),
        nature=sections["nature"], consequences=sections["consequences"],
        measures=sections["measures"], dpo_contact=sections["dpo_contact"],
    )  # fmt: skip
