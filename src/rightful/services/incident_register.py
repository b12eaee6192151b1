"""The breach register (Art. 33(5)): every incident with facts, effects, decision and remedial
action, exported as CSV and JSON; each incident's timeline read from the audit chain; and the
check that no register row was edited behind the chain's back."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from rightful.adapters.db.delivery import DownloadLinkRow, NotMineReportRow
from rightful.adapters.db.incidents import (
    IncidentAssessmentRow,
    IncidentNoticeRow,
    IncidentReporterRow,
    IncidentRow,
    IncidentUntoldExceptionRow,
    entries_mentioning,
    register_entries,
)
from rightful.adapters.files import atomic_writer
from rightful.domain.delivery import Outcome
from rightful.domain.errors import InvalidInputError
from rightful.domain.incident_clocks import Deadline
from rightful.domain.incident_notices import sections_sha256
from rightful.domain.incident_register import Problem, compare, decode
from rightful.domain.incident_scope import Scope, scope_json
from rightful.domain.incident_untold import Untold
from rightful.domain.incidents import IncidentSource, discovered_by
from rightful.domain.lifecycle import Role
from rightful.domain.staff import Principal
from rightful.domain.words import counted
from rightful.services.incident_assessment import (
    NOTIFIED,
    assessments_of,
    deadlines_of,
    entered_of,
)
from rightful.services.incident_mail import reference
from rightful.services.incident_records import by_reference, load_incident

if TYPE_CHECKING:
    from rightful.services.incidents import IncidentService

COLUMNS: Final = (
    "reference", "id", "kind", "discovered_by", "reporter_kind", "nature", "status", "aware_at",
    "opened_at", "contained_at", "facts", "effects", "level", "score", "notify_authority",
    "notify_subjects", "decision", "remedial_action", "authority_notified_at",
    "subjects_notified_at", "closed_at", "request_id", "packages",
)  # fmt: skip
FIRST_REPORTS: Final = ("delivery.not_mine_reported", "package.gate_blocked", "incident.opened")
LABELS: Final = {
    "delivery.not_mine_reported": 'the recipient pressed "this is not my data"',
    "delivery.deletion_confirmed": "the recipient answered the deletion request",
    "delivery.link_issued": "download link issued",
    "delivery.attempt": "download attempt",
    "package.approved": "package approved for release",
    "package.gate_blocked": "the leak gate blocked the package",
    "incident.opened": "incident opened",
    "incident.contained": "contained: packages frozen, links revoked",
    "incident.scoped": "scope computed from the records",
    "incident.assessed": "severity assessed",
    "incident.assessment_computed": "severity computed (an override stays in force)",
    "incident.overridden": "the DPO overrode the assessment",
    "incident.nature_set": "circumstances of the breach set",
    "incident.adjusted": "a contextual factor of the severity entered, with its reason",
    "incident.facts_updated": "facts or remedial action recorded",
    "incident.reporter_acknowledged": "reporter acknowledged",
    "incident.reporter_ack_given_up": "reporter's acknowledgement given up: every attempt was "
    "refused by the mail service; reach them another way",
    "incident.notice_drafted": "notice drafted",
    "incident.notice_edited": "notice edited",
    "incident.notice_approved": "notice approved by the DPO",
    "incident.notified": "notice sent or exported",
    "incident.reminder_sent": "deadline reminder sent to the DPO",
    "incident.notice_undelivered": "notice reached nobody; still approved",
    "incident.notice_sent_again": "notice sent again to the people it had not reached",
    "incident.closed": "incident closed",
    "incident.reopened": "incident reopened by the DPO",
}
# The job's reminder of people of the scope a sent notice has not told (no deadline of theirs).
UNTOLD_REMINDER: Final = "reminder sent to the DPO: people of the scope not told by a sent notice"
CLOSED_UNTOLD: Final = "incident closed with people of the scope untold (Art. 34(3) exception)"
# Containment recorded by staff: nothing of rightful's was frozen or revoked by it.
CONTAINED_OUTSIDE: Final = "contained outside rightful (the measure is in the remedial action)"


@dataclass(frozen=True)
class TimelineEvent:
    """One entry of the chain about an incident, labelled for people; ids and counts only."""

    seq: int
    at: datetime
    actor: str
    role: str
    action: str
    label: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RegisterVerification:
    chain_ok: bool
    chain: str
    incidents: int
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return self.chain_ok and not self.problems

    def describe(self) -> str:
        if self.ok:
            return (
                f"register intact: the audit chain matches "
                f"{counted(self.incidents, 'incident', 'incidents')}; {self.chain}"
            )
        lines = [self.chain] if not self.chain_ok else []
        return "; ".join([*lines, *map(str, self.problems)]) or "register does not verify"


def register_row(row: IncidentRow) -> dict[str, Any]:
    """One register line; discovery is derived from who opened the incident, never typed."""
    return {
        "reference": reference(row.id), "id": row.id, "kind": row.kind,
        "discovered_by": discovered_by(IncidentSource(row.source)).value,
        "reporter_kind": row.reporter_kind, "nature": row.nature, "status": row.status,
        "aware_at": _iso(row.aware_at), "opened_at": _iso(row.opened_at),
        "contained_at": _iso(row.contained_at), "facts": row.description, "effects": row.effects,
        "level": row.level, "score": row.score, "notify_authority": row.notify_authority,
        "notify_subjects": row.notify_subjects, "decision": row.decision_reason,
        "remedial_action": row.remedial_action,
        "authority_notified_at": _iso(row.authority_notified_at),
        "subjects_notified_at": _iso(row.subjects_notified_at), "closed_at": _iso(row.closed_at),
        "request_id": row.request_id, "packages": list(row.package_ids or []),
    }  # fmt: skip


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


class IncidentRegister:
    """The register of one service's store."""

    def __init__(self, service: IncidentService) -> None:
        self.s = service
        self.store = service.store

    def rows(self) -> list[dict[str, Any]]:
        """Every incident, near-misses and those not notifiable included, oldest first."""
        with self.s.store.transaction() as session:
            query = select(IncidentRow).order_by(IncidentRow.opened_at, IncidentRow.id)
            return [register_row(r) for r in session.scalars(query)]

    def export(self, path: Path, by: Principal, fmt: str | None = None) -> int:
        """Write the register as CSV or JSON (by `fmt` or the file's suffix); audited."""
        by.require(Role.REVIEWER)
        kind = (fmt or path.suffix.lstrip(".")).lower()
        if kind not in ("csv", "json"):
            raise InvalidInputError("export the register as csv or json")
        rows = self.rows()
        path.parent.mkdir(parents=True, exist_ok=True)
        # a new file that replaces the name (a link there is replaced, never written through)
        with atomic_writer(path, binary=False, mode=0o600) as out:
            if kind == "json":
                json.dump({"format": "rightful-breach-register/1", "incidents": rows}, out,
                          indent=2, ensure_ascii=False)  # fmt: skip
            else:
                _write_csv(out, rows)
        with self.s.store.transaction() as session:
            self.s.audit.record(session, by.id, by.role_name, "incident.register_exported", None,
                                incidents=len(rows), format=kind)  # fmt: skip
        return len(rows)

    @by_reference
    def timeline(self, incident_id: str) -> list[TimelineEvent]:
        """What the audit chain says about an incident: the first report and by whom, the
        containment, each decision and notice (and what led to it on the request)."""
        with self.s.store.transaction() as session:
            row = load_incident(session, incident_id)
            related = _related_ids(session, row)
            requests = [row.request_id] if row.request_id else []
            entries = [e for e in entries_mentioning(session, incident_id, requests)
                       if _about(e, incident_id, related)]  # fmt: skip
        return [_event(e) for e in entries]

    def verify(self) -> RegisterVerification:
        """Verify the chain, then recompute every register row's digests and compare them with
        the latest the chain holds; any edit made outside rightful shows up here."""
        result = self.s.audit.verify()
        with self.s.store.transaction() as session:
            entries = list(register_entries(session))
            recorded = _chain_digests(entries)
            rows = {r.id: r.register_record() for r in session.scalars(select(IncidentRow))}
            notices = list(session.scalars(select(IncidentNoticeRow)))
            problems = [*compare(recorded, rows), *_notice_problems(entries, notices)]
        return RegisterVerification(result.ok, result.describe(), len(rows), tuple(problems))


def _write_csv(out: Any, rows: list[dict[str, Any]]) -> None:
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS))
    writer.writeheader()
    for r in rows:
        writer.writerow({k: _cell(";".join(v) if isinstance(v, list) else v)
                         for k, v in r.items()})  # fmt: skip


def _cell(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula (=, +, -, @) is written with a leading
    apostrophe (OWASP's advice for CSV injection); staff open the register in one."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _chain_digests(entries: Iterable[dict[str, Any]]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for e in entries:
        incident_id, values = e.get("incident_id"), e.get("digests")
        if isinstance(incident_id, str) and isinstance(values, list):
            out.setdefault(incident_id, {}).update(decode(values))
    return out


def _notice_problems(
    entries: Iterable[dict[str, Any]], notices: Iterable[IncidentNoticeRow]
) -> list[Problem]:
    """Notices whose words are not the ones the chain last recorded for them (every draft,
    edit and approval records the SHA-256 of the words), notices the chain recorded as given
    that are no longer (a notification deleted, or moved back to draft or superseded, would
    leave its deadline open again, unseen), and notices the chain recorded that are gone."""
    latest: dict[str, tuple[str, str]] = {}
    given: set[str] = set()
    for e in entries:
        notice_id, words = e.get("notice_id"), e.get("sections_sha256")
        if isinstance(notice_id, str) and isinstance(words, str):
            latest[notice_id] = (str(e.get("incident_id")), words)
        if isinstance(notice_id, str) and e.get("action") == "incident.notified":
            given.add(notice_id)
    problems = []
    stored: set[str] = set()
    for n in notices:
        stored.add(n.id)
        where = f"notice {n.id} words"
        if n.id not in latest:
            problems.append(Problem(n.incident_id, where, "not_in_chain"))
        elif latest[n.id][1] != sections_sha256(n.sections):
            problems.append(Problem(n.incident_id, where, "differs"))
        if n.id in given and n.status not in NOTIFIED:
            problems.append(Problem(n.incident_id, f"notice {n.id} status", "differs"))
    for notice_id in sorted(set(latest) - stored):
        problems.append(Problem(latest[notice_id][0], f"notice {notice_id}", "row_missing"))
    return problems


def _related_ids(session: Session, row: IncidentRow) -> set[str]:
    packages = set(row.package_ids or []) | ({row.package_id} if row.package_id else set())
    if not packages:
        return set()
    links = session.scalars(select(DownloadLinkRow.id)
                            .where(DownloadLinkRow.package_id.in_(packages)))  # fmt: skip
    reports = session.scalars(select(NotMineReportRow.id)
                              .where(NotMineReportRow.package_id.in_(packages)))  # fmt: skip
    return packages | set(links) | set(reports)


def _about(entry: dict[str, Any], incident_id: str, related: set[str]) -> bool:
    s = entry["summary"]
    if s.get("incident_id") == incident_id:
        return True
    if entry["action"].startswith("attachment."):
        return True
    ids = {s.get(k) for k in ("package_id", "link_id", "report_id")}
    return bool(ids & related)


def _event(e: dict[str, Any]) -> TimelineEvent:
    details = {k: v for k, v in e["summary"].items() if k not in ("digests", "incident_id")}
    label = LABELS.get(e["action"], e["action"])
    if e["action"] == "delivery.attempt" and (outcome := _outcome(details.get("outcome"))):
        label = f"{label}: {outcome.words}"
    if e["action"] == "incident.contained" and details.get("outside_rightful"):
        label = CONTAINED_OUTSIDE
    if e["action"] == "incident.reminder_sent" and "untold" in details:
        label = UNTOLD_REMINDER
    if e["action"] == "incident.closed" and "untold_exception" in details:
        label = CLOSED_UNTOLD
    return TimelineEvent(e["seq"], e["at"], e["actor"], e["role"], e["action"], label, details)


def _outcome(value: object) -> Outcome | None:
    try:
        return Outcome(value)
    except ValueError:  # an entry from a version with other outcomes keeps the bare label
        return None


def first_report(events: list[TimelineEvent]) -> TimelineEvent | None:
    """The earliest report of the incident: a button press, a gate block or the opening."""
    return next((e for e in events if e.action in FIRST_REPORTS), None)


def _assessment(a: IncidentAssessmentRow, in_force: int | None) -> dict[str, Any]:
    return {
        "id": a.id, "method": a.method, "at": _iso(a.at), "by": a.by, "level": a.level,
        "score": a.score, "dpc": a.dpc, "ei": a.ei, "cb": a.cb, "reasoning": a.reasoning,
        "notify_authority": a.notify_authority, "notify_subjects": a.notify_subjects,
        "justification": a.justification, "replaces": a.replaces, "in_force": a.id == in_force,
    }  # fmt: skip


def _deadline(d: Deadline, now: datetime) -> dict[str, Any]:
    left = d.left(now)
    return {
        "regime": d.regime, "audience": d.audience.value, "required": d.required,
        "due_at": _iso(d.due_at), "state": d.state(now), "reason": d.reason,
        "done_at": _iso(d.done_at), "hours_left": None if left is None or d.done_at else
        round(left.total_seconds() / 3600, 1),
    }  # fmt: skip


def _notice(n: IncidentNoticeRow, untold: Untold | None, now: datetime) -> dict[str, Any]:
    """`untold`: people of the current scope a sent notice to them has not told (None before
    it went out, and for the authority's); `untold_due_at`: when the first of them is to be
    told by; `untold_overdue`: how many of them are past their own due time."""
    return {
        "id": n.id, "audience": n.audience, "regime": n.regime, "language": n.language,
        "status": n.status, "approved_by": n.approved_by, "approved_at": _iso(n.approved_at),
        "sent_at": _iso(n.sent_at), "recipients": n.recipients, "failures": n.failures,
        "untold": len(untold.people) if untold else None,
        "untold_due_at": _iso(untold.due_at) if untold else None,
        "untold_overdue": len(untold.overdue(now)) if untold else None,
        "late_reason": n.late_reason, "sections": n.sections,
    }  # fmt: skip


def _scope_view(scope: Scope | None, with_contact: bool) -> dict[str, Any] | None:
    if scope is None:
        return None
    data = scope_json(scope)
    data.pop("subject_keys", None)  # pseudonyms travel; keys stay in the incident tables
    if not with_contact:  # where the downloads came from is personal data: the DPO's view
        data["delivery"]["sources"] = [{"downloads": s["downloads"]}
                                       for s in data["delivery"]["sources"]]  # fmt: skip
    return data


def details(
    service: IncidentService, incident_id: str, with_contact: bool = False
) -> dict[str, Any]:
    """Everything staff see about one incident, as plain data (API, CLI --json, console)."""
    now = service.clock.now()
    with service.store.transaction() as session:
        row = load_incident(session, incident_id)
        scope = service.scope_of(session, row)
        owed = deadlines_of(session, row, service.policy.regimes, scope)
        assessments = [_assessment(a, row.assessment_id) for a in assessments_of(session, row.id)]
        reporter = session.get(IncidentReporterRow, row.id)
        entered = [{"factor": a.factor.value, "step": a.step, "delta": a.delta,
                    "reason": a.reason} for a in entered_of(session, row.id)]  # fmt: skip
        excepted = [_excepted(e) for e in session.scalars(select(IncidentUntoldExceptionRow).where(
            IncidentUntoldExceptionRow.incident_id == row.id).order_by(
            IncidentUntoldExceptionRow.id))]  # fmt: skip
    events = service.register.timeline(incident_id)
    first = first_report(events)
    untold = service.notices.untold_due(incident_id)
    return {
        **register_row(row),
        "reporter": _reporter(row, reporter, with_contact),
        "first_report": None if first is None else _event_json(first),
        "scope": _scope_view(scope, with_contact),
        "assessments": assessments,
        "adjustments": entered,
        "deadlines": [_deadline(d, now) for d in owed],
        "notices": [_notice(n, untold.get(n.id), now) for n in service.notices.of(incident_id)],
        "untold_exceptions": excepted,
        "timeline": [_event_json(e) for e in events],
    }


def _excepted(e: IncidentUntoldExceptionRow) -> dict[str, Any]:
    """A close with people of the scope never told, on an Art. 34(3) exception."""
    return {"at": _iso(e.at), "by": e.by, "exception": e.exception,
            "justification": e.justification, "untold": e.untold,
            "notice_ids": list(e.notice_ids)}  # fmt: skip


def _reporter(
    row: IncidentRow, reporter: IncidentReporterRow | None, with_contact: bool
) -> dict[str, Any]:
    acknowledged = _iso(reporter.acknowledged_at) if reporter else None
    out: dict[str, Any] = {"kind": row.reporter_kind, "label": row.reporter,
                           "acknowledged_at": acknowledged,
                           "acknowledgement": _acknowledgement(reporter)}  # fmt: skip
    if with_contact and reporter is not None:
        out.update(name=reporter.contact_name, email=reporter.contact_email,
                   organisation=reporter.organisation, reference=reporter.reference)  # fmt: skip
    return out


def _acknowledgement(reporter: IncidentReporterRow | None) -> dict[str, Any] | None:
    """The mail service's refusals of an outside reporter's acknowledgement (kinds, no
    addresses); `given_up_at` once the last attempt allowed failed: staff reach them otherwise."""
    if reporter is None or not reporter.contact_email:
        return None
    return {"attempts": reporter.ack_attempts or 0, "attempted_at": _iso(reporter.ack_attempted_at),
            "last_failure": reporter.ack_failure,
            "given_up_at": _iso(reporter.ack_given_up_at)}  # fmt: skip


def _event_json(e: TimelineEvent) -> dict[str, Any]:
    return {"seq": e.seq, "at": _iso(e.at), "actor": e.actor, "role": e.role,
            "action": e.action, "label": e.label, "details": e.details}  # fmt: skip
