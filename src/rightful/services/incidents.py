"""Incident response: open (and contain at once), scope from the records, assess severity, decide,
notify within the clocks, close, and keep a register that the audit chain can vouch for.

`open_incident` is what other modules call inside their own transaction (the leak gate, the
"this is not my data" button); `IncidentService` is everything after it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from rightful.adapters.db.base import Store
from rightful.adapters.db.incidents import (
    IncidentAssessmentRow,
    IncidentReporterRow,
    IncidentRow,
    IncidentScopeRow,
    IncidentUntoldExceptionRow,
)
from rightful.adapters.db.packages import PackageRow
from rightful.adapters.db.tables import RequestRow
from rightful.domain.clock import Clock
from rightful.domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    RightfulError,
)
from rightful.domain.identities import normalise_email
from rightful.domain.incident_clocks import Audience
from rightful.domain.incident_scope import Scope, scope_from_json
from rightful.domain.incident_untold import (
    ClosingException,
    check_closing,
    closing_exception,
    never_told,
)
from rightful.domain.incidents import (
    OUTSIDE_NAMES,
    IncidentKind,
    IncidentSource,
    IncidentStatus,
    Nature,
    NewIncident,
    check_awareness,
)
from rightful.domain.lifecycle import Role
from rightful.domain.messaging import Mailer
from rightful.domain.severity import Adjustment, Level
from rightful.domain.staff import SYSTEM, Principal
from rightful.domain.words import written
from rightful.services import incident_acknowledgements as acks
from rightful.services.audit import AuditService, digest
from rightful.services.incident_assessment import (
    apply,
    compute,
    computed_row,
    current_assessment,
    deadlines_of,
    entered_of,
    record_adjustments,
)
from rightful.services.incident_mail import reference
from rightful.services.incident_records import (
    IncidentPolicy,
    IncidentReport,
    Target,
    by_reference,
    contain,
    effects_of,
    freeze_package,
    get_incident,
    incidents_of,
    load_incident,
    move,
    open_incident,
    open_incident_about,
    scope_row,
    tracked,
)

if TYPE_CHECKING:
    from rightful.services.incident_register import RegisterVerification
    from rightful.services.incident_scope import ScopeCalculator

__all__ = [
    "IncidentPolicy",
    "IncidentReport",
    "IncidentService",
    "freeze_package",
    "get_incident",
    "incidents_of",
    "open_incident",
]

log = logging.getLogger("rightful.incidents")
MIN_JUSTIFICATION = 20
EXPOSABLE = ("ready", "approved", "delivered", "sent_back", "frozen")


MIN_REOPEN_REASON: Final = 20
NO_SCOPE: Final = "the incident has no scope yet; compute it first"
NOTHING_TO_SCORE: Final = (
    "the incident concerns no package of rightful's, so there is no scope to score: give its "
    "nature, and the DPO assesses it by override, with a justification"
)

ScopeFactory = Callable[[], "ScopeCalculator"]


class IncidentService:
    """Opening by staff or outsiders, triage (scope, assessment, drafts), decisions, closing."""

    def __init__(
        self, store: Store, clock: Clock, audit: AuditService, policy: IncidentPolicy,
        mailer: Mailer, scopes: ScopeFactory,
    ) -> None:  # fmt: skip
        from rightful.services.incident_notices import IncidentNotices
        from rightful.services.incident_register import IncidentRegister

        self.store, self.clock, self.audit, self.policy = store, clock, audit, policy
        self.mailer, self.scopes = mailer, scopes
        self.notices = IncidentNotices(self)
        self.register = IncidentRegister(self)

    # --- opening ---------------------------------------------------------------------------

    def open(self, report: IncidentReport, by: Principal) -> IncidentRow:
        """Open, contain and triage an incident reported by staff or from outside."""
        by.require(Role.AGENT)
        if report.source not in (IncidentSource.STAFF, IncidentSource.OUTSIDE):
            raise InvalidInputError("staff open incidents as staff or for an outside reporter")
        if len(report.description.strip()) < 10:
            raise InvalidInputError("describe what happened (at least 10 characters)")
        _check_contact(report)
        with self.store.transaction() as session:
            new = self._new(session, report, by)
            row = open_incident(session, self.audit, self.clock, new, by)
            # Again now that this transaction holds the chain's turn: an incident another one
            # opened for the package since the first look is visible, and this one rolls back.
            _not_open_already(session, new.packages, besides=row.id)
            if report.contact_email or report.contact_name or report.organisation:
                session.add(IncidentReporterRow(
                    incident_id=row.id, contact_name=report.contact_name,
                    contact_email=report.contact_email, organisation=report.organisation,
                    reference=report.reference,
                ))  # fmt: skip
        self._acknowledge(row.id, report)
        return self.triage_quietly(row.id)

    def _new(self, session: Session, report: IncidentReport, by: Principal) -> NewIncident:
        _check_named(session, report)
        packages = report.package_ids or self._packages_of(session, report.request_id)
        _not_open_already(session, packages)
        label = by.id if report.source is IncidentSource.STAFF else "outside-report"
        return NewIncident(
            kind=report.kind, source=report.source, reporter=label,
            aware_at=report.aware_at or self.clock.now(),
            request_id=report.request_id or _misdelivered_request(session, report),
            package_id=packages[0] if packages else None, more_packages=tuple(packages[1:]),
            affected_items=report.items, description=report.description.strip(),
            reporter_kind=report.reporter_kind, nature=report.nature,
        )  # fmt: skip

    def _packages_of(self, session: Session, request_id: str | None) -> tuple[str, ...]:
        if request_id is None:
            return ()
        query = select(PackageRow.id).where(
            PackageRow.request_id == request_id, PackageRow.status.in_(EXPOSABLE)
        )
        return tuple(session.scalars(query.order_by(PackageRow.created_at)))

    def _acknowledge(self, incident_id: str, report: IncidentReport) -> None:
        if report.contact_email:
            self.acknowledge(incident_id, report.contact_email)

    def acknowledge(self, incident_id: str, address: str) -> bool:
        """Thank an outside reporter with the reference; whether the mail service took it (a
        refusal is counted, and the periodic job tries again up to the policy's attempts)."""
        return acks.acknowledge(self, incident_id, address) == acks.SENT

    def unacknowledged(self) -> list[tuple[str, str]]:
        """(incident id, address) of every outside reporter not acknowledged yet, nor given up."""
        return acks.unacknowledged(self)

    # --- triage: scope, assessment, drafts -----------------------------------------------------

    @by_reference
    def triage(self, incident_id: str, by: Principal = SYSTEM) -> IncidentRow:
        """Scope, assess and draft what is still missing (idempotent; the periodic job calls it
        for incidents opened by the gate or the button)."""
        row = self.get(incident_id)
        if row.status == IncidentStatus.CLOSED.value or not (row.package_ids or row.package_id):
            return row  # nothing of rightful's own to scope: the DPO assesses by override
        if row.scope_id is None:
            self.rescope(incident_id, by)
        elif row.assessment_id is None:
            self.assess(incident_id, by)
        else:
            self.notices.draft_owed(incident_id, by)
        return self.get(incident_id)

    @by_reference
    def triage_quietly(self, incident_id: str) -> IncidentRow:
        """`triage`, but a failure is logged and left for the periodic job to retry."""
        try:
            return self.triage(incident_id)
        except RightfulError as exc:
            log.warning("triage of incident %s postponed: %s", incident_id, exc)
            return self.get(incident_id)

    @by_reference
    def rescope(self, incident_id: str, by: Principal = SYSTEM) -> Scope:
        """Compute the scope again from the records (e.g. after the data map was corrected) and
        assess it, unless a DPO's override is in force."""
        _require(by, Role.REVIEWER)
        with self.store.transaction() as session:
            target = Target.of(_open(load_incident(session, incident_id)))
        if not target.package_ids:
            raise ConflictError("the incident concerns no package of rightful's, so its scope "
                                "cannot be computed from the records; the DPO assesses it by "
                                "override, with a justification")  # fmt: skip
        calc = self.scopes()
        scope = calc.compute(target)
        with self.store.transaction() as session:
            row = load_incident(session, incident_id, lock=True)
            stored = scope_row(row.id, scope, self.clock.now(), by.id)
            session.add(stored)
            session.flush()
            with tracked(session, self.audit, row, by, "incident.scoped") as summary:
                row.scope_id, row.effects = stored.id, effects_of(scope)
                summary.update(scope_id=stored.id, basis=scope.basis.value,
                               people=len(scope.subjects), records=scope.counts.records,
                               files=scope.counts.files, downloads=scope.delivery.downloads,
                               datamap_sha256=scope.datamap_sha256)  # fmt: skip
            self._assess(session, row, scope, calc, by)
        self.notices.refresh(incident_id, by)
        return scope

    @by_reference
    def rescope_quietly(self, incident_id: str) -> None:
        """`rescope` by the system when the delivery records change (the recipient answered the
        deletion request), so that the register says so at once; a closed incident stays as it
        was closed, and a failure is logged for staff to rescope by hand."""
        try:
            if self.get(incident_id).status != IncidentStatus.CLOSED.value:
                self.rescope(incident_id)
        except RightfulError as exc:
            log.warning("rescope of incident %s postponed: %s", incident_id, exc)

    @by_reference
    def assess(
        self, incident_id: str, by: Principal, nature: Nature | None = None,
        adjustments: Sequence[Adjustment] = (),
    ) -> IncidentRow:  # fmt: skip
        """Score the incident again from its current scope (optionally with another nature, and
        with the contextual factors staff enter, each with its reason: REQUIREMENTS.md:37).
        A DPO's override stays in force unless a DPO assesses: the computed assessment of
        anyone else is stored beside it. An incident about no package of rightful's has no
        scope to score: its nature and factors are recorded, and the DPO assesses it by
        override."""
        _require(by, Role.REVIEWER)
        calc = self.scopes()
        with self.store.transaction() as session:
            row = _open(load_incident(session, incident_id, lock=True))
            scope = self.scope_of(session, row)
            packaged = bool(Target.of(row).package_ids)
            if scope is None and (packaged or (nature is None and not adjustments)):
                raise ConflictError(NO_SCOPE if packaged else NOTHING_TO_SCORE)
            if nature is not None and nature.value != row.nature:
                self._set_nature(session, row, nature, by)
            record_adjustments(session, self.audit, row, by, adjustments, self.clock.now())
            if scope is not None:
                dpo = by.role is not None and by.role.at_least(Role.DPO)
                self._assess(session, row, scope, calc, by, force=dpo)
        self.notices.refresh(incident_id, by)
        return row

    def _set_nature(
        self, session: Session, row: IncidentRow, nature: Nature, by: Principal
    ) -> None:
        if row.kind == IncidentKind.NEAR_MISS.value:
            raise InvalidInputError("a near-miss keeps its nature")
        if Nature(nature) is Nature.NEAR_MISS:
            raise InvalidInputError(
                "a breach cannot be given the nature near_miss; if nothing reached "
                "anyone, the DPO overrides the assessment with a justification"
            )
        with tracked(session, self.audit, row, by, "incident.nature_set") as summary:
            row.nature = nature.value
            summary.update(nature=nature.value)

    def _assess(
        self, session: Session, row: IncidentRow, scope: Scope, calc: ScopeCalculator,
        by: Principal, force: bool = False,
    ) -> None:  # fmt: skip
        declared = calc.datamap.declared_sensitivity
        result, inputs, reasons = compute(row, scope, declared, entered_of(session, row.id))
        current = current_assessment(session, row)
        a = computed_row(row, row.scope_id, result, inputs, reasons, self.clock.now(), by.id)
        session.add(a)
        session.flush()
        if current is not None and current.method == "override" and not force:
            self.audit.record(session, by.id, by.role_name, "incident.assessment_computed",
                              row.request_id, incident_id=row.id, assessment_id=a.id,
                              level=a.level, in_force=False)  # fmt: skip
            return
        self._put_in_force(session, row, a, scope, by, "incident.assessed")

    def _put_in_force(
        self, session: Session, row: IncidentRow, a: IncidentAssessmentRow, scope: Scope | None,
        by: Principal, action: str, **extra: object,
    ) -> None:  # fmt: skip
        with tracked(session, self.audit, row, by, action) as summary:
            row.assessment_id = a.id
            apply(row, a, deadlines_of(session, row, self.policy.regimes, scope))
            if row.status in (IncidentStatus.OPEN.value, IncidentStatus.CONTAINED.value):
                move(row, IncidentStatus.ASSESSED)
            summary.update(assessment_id=a.id, method=a.method, level=a.level,
                           notify_authority=row.notify_authority,
                           notify_subjects=row.notify_subjects, **extra)  # fmt: skip

    @by_reference
    def override(
        self, incident_id: str, by: Principal, level: Level, justification: str, *,
        notify_authority: bool | None = None, notify_subjects: bool | None = None,
    ) -> IncidentAssessmentRow:  # fmt: skip
        """The DPO sets another level (and may decide notification either way) with a written
        justification; the computed assessment stays on record."""
        by.require(Role.DPO)
        text = written(justification, "the justification")
        if len(text) < MIN_JUSTIFICATION:
            raise InvalidInputError(f"an override needs a justification of at least "
                                    f"{MIN_JUSTIFICATION} characters")  # fmt: skip
        with self.store.transaction() as session:
            row = _open(load_incident(session, incident_id, lock=True))
            current = current_assessment(session, row)
            a = IncidentAssessmentRow(
                incident_id=row.id, at=self.clock.now(), by=by.id, method="override",
                scope_id=row.scope_id, inputs=current.inputs if current else {},
                level=Level(level).value,
                reasoning=[f"Override by the DPO: {text}", *(current.reasoning if current else [])],
                notify_authority=notify_authority, notify_subjects=notify_subjects,
                justification=text, replaces=current.id if current else None,
            )  # fmt: skip
            session.add(a)
            session.flush()
            self._put_in_force(session, row, a, self.scope_of(session, row), by,
                               "incident.overridden", from_level=current.level if current else None,
                               replaces=a.replaces, justification_sha256=digest(text))  # fmt: skip
        self.notices.refresh(incident_id, by)
        return a

    # --- facts, containment, closing ----------------------------------------------------------

    @by_reference
    def update_facts(
        self, incident_id: str, by: Principal, *, description: str | None = None,
        remedial_action: str | None = None, aware_at: datetime | None = None,
    ) -> IncidentRow:  # fmt: skip
        """Correct the facts, record remedial action, or move the time of awareness earlier
        (learnt later: the authority's clock runs from it); register fields, audited."""
        _require(by, Role.REVIEWER)
        if (
            not (description or "").strip()
            and not (remedial_action or "").strip()
            and (aware_at is None)
        ):
            raise InvalidInputError(
                "give the corrected facts, the remedial action, the time of awareness, or more"
            )
        # 10 characters at least, as when an incident is opened or closed; a blank one is kept
        facts = written(description, "the facts", 10) if (description or "").strip() else None
        action = (
            written(remedial_action, "the remedial action", 10)
            if (remedial_action or "").strip()
            else None
        )
        with self.store.transaction() as session:
            row = load_incident(session, incident_id, lock=True)
            _open(row)
            if aware_at is not None:
                _check_earlier(aware_at, row)
            with tracked(session, self.audit, row, by, "incident.facts_updated") as summary:
                if facts is not None:
                    row.description = facts
                if action is not None:
                    row.remedial_action = action
                if aware_at is not None and aware_at != row.aware_at:
                    row.aware_at = aware_at
                    summary.update(aware_at=aware_at.isoformat(timespec="seconds"))
        if aware_at is not None:  # the drafts' timing and deadlines follow
            self.notices.refresh(incident_id, by)
        return self.get(incident_id)

    @by_reference
    def contain_more(
        self, incident_id: str, by: Principal, package_ids: tuple[str, ...]
    ) -> IncidentRow:
        """Freeze further packages and revoke their links (e.g. found while scoping)."""
        by.require(Role.AGENT)
        with self.store.transaction() as session:
            row = load_incident(session, incident_id, lock=True)
            _open(row)
            contain(session, self.audit, self.clock, row, package_ids, by)
            return row

    @by_reference
    def record_containment(self, incident_id: str, by: Principal, measure: str) -> IncidentRow:
        """Containment outside rightful (a bucket closed, a laptop wiped): when, and how."""
        by.require(Role.AGENT)
        if len(written(measure, "the measure")) < 10:
            raise InvalidInputError("say how it was contained (at least 10 characters)")
        with self.store.transaction() as session:
            row = _open(load_incident(session, incident_id, lock=True))
            with tracked(session, self.audit, row, by, "incident.contained") as summary:
                row.contained_at = row.contained_at or self.clock.now()
                row.remedial_action = with_action(row.remedial_action, measure)
                if row.status == IncidentStatus.OPEN.value:
                    move(row, IncidentStatus.CONTAINED)
                summary.update(outside_rightful=True)
            return row

    @by_reference
    def close(
        self, incident_id: str, by: Principal, remedial_action: str, *,
        untold_exception: str | None = None, justification: str | None = None,
    ) -> IncidentRow:  # fmt: skip
        """Close an assessed incident whose owed notices went out, with the remedial action.
        People of the scope who must be told and never were (Art. 34(1)) keep it open unless
        the DPO relies on an Art. 34(3) exception with a justification, recorded and shown."""
        by.require(Role.DPO)
        if len(written(remedial_action, "the remedial action")) < 10:
            raise InvalidInputError("record the remedial action (at least 10 characters)")
        given = closing_exception(untold_exception, justification)
        with self.store.transaction() as session:
            row = load_incident(session, incident_id, lock=True)
            every = deadlines_of(session, row, self.policy.regimes, self.scope_of(session, row))
            owed = [d for d in every if d.required and d.done_at is None]
            if row.assessment_id is None:
                raise ConflictError("assess the incident before closing it")
            if row.contained_at is None:
                raise ConflictError(
                    "record how it was contained first (rightful incidents contained …)"
                )
            if owed:
                names = ", ".join(f"{d.regime} {d.audience.value}" for d in owed)
                raise ConflictError(f"notices still owed: {names}; send them or override")
            untold = list(self.notices.untold_in(session, row).values())
            must = {d.regime for d in every if d.audience is Audience.SUBJECTS and d.required}
            people = never_told(untold, must)
            n = check_closing(people, given)
            with tracked(session, self.audit, row, by, "incident.closed") as summary:
                move(row, IncidentStatus.CLOSED)
                # added to what is on record (containment outside rightful, earlier closes)
                row.closed_at = self.clock.now()
                row.remedial_action = with_action(row.remedial_action, remedial_action)
                if given is not None:
                    notices = sorted(u.notice_id for u in untold
                                     if set(u.people) & people.get(u.regime, set()))  # fmt: skip
                    summary.update(self._except(session, row, by, given, n, notices))
            return row

    def _except(
        self, session: Session, row: IncidentRow, by: Principal, given: ClosingException,
        n: int, notices: list[str],
    ) -> dict[str, object]:  # fmt: skip
        """Record the Art. 34(3) exception the DPO closes on; what the chain says of it (ids,
        the count and the code; the justification as a digest)."""
        session.add(IncidentUntoldExceptionRow(
            incident_id=row.id, at=self.clock.now(), by=by.id, exception=given.exception.value,
            justification=given.justification, untold=n, notice_ids=notices,
        ))  # fmt: skip
        return {
            "untold": n,
            "untold_exception": given.exception.value,
            "notice_ids": notices,
            "justification_sha256": digest(given.justification),
        }

    @by_reference
    def reopen(self, incident_id: str, by: Principal, reason: str) -> IncidentRow:
        """The DPO reopens a closed incident when facts come to light after closing: it goes
        back to notified (or assessed, when nothing was notified), its notices can be drafted
        again in phases, and it must be closed again."""
        by.require(Role.DPO)
        text = written(reason, "the reason", MIN_REOPEN_REASON)
        with self.store.transaction() as session:
            row = load_incident(session, incident_id, lock=True)
            if row.status != IncidentStatus.CLOSED.value:
                raise ConflictError(f"only a closed incident is reopened; this one is {row.status}")
            notified = row.authority_notified_at or row.subjects_notified_at
            with tracked(session, self.audit, row, by, "incident.reopened") as summary:
                move(row, IncidentStatus.NOTIFIED if notified else IncidentStatus.ASSESSED)
                row.closed_at = None
                summary.update(reason_sha256=digest(text))
            return row

    # --- reading -----------------------------------------------------------------------------

    @by_reference
    def get(self, incident_id: str) -> IncidentRow:
        """One incident; NotFoundError when there is none."""
        with self.store.transaction() as session:
            return load_incident(session, incident_id)

    def all(self) -> list[IncidentRow]:
        """Every incident, newest first."""
        with self.store.transaction() as session:
            return list(session.scalars(select(IncidentRow).order_by(IncidentRow.opened_at.desc())))

    def pending(self) -> list[str]:
        """Incidents about packages, not closed and not yet assessed (the job triages them)."""
        query = select(IncidentRow).where(
            IncidentRow.assessment_id.is_(None), IncidentRow.status != IncidentStatus.CLOSED.value
        )
        with self.store.transaction() as session:
            rows = session.scalars(query.order_by(IncidentRow.opened_at))
            return [r.id for r in rows if r.package_ids or r.package_id]

    def verify_register(self) -> RegisterVerification:
        """Verify the audit chain and that every register row matches the digests it holds."""
        return self.register.verify()

    def scope_of(self, session: Session, row: IncidentRow) -> Scope | None:
        """The scope in force (the latest computed)."""
        stored = session.get(IncidentScopeRow, row.scope_id) if row.scope_id else None
        return scope_from_json(stored.data) if stored else None


def _not_open_already(
    session: Session, packages: Sequence[str], besides: str | None = None
) -> None:
    """A breach of a package that an open incident (other than `besides`) already concerns is
    that incident: a second would count it twice in the register, each with its own 72-hour
    clock."""
    row = open_incident_about(session, packages, besides)
    if row is not None:
        shared = set(packages) & set(row.package_ids or [])
        raise ConflictError(
            f"incident {reference(row.id)} is open for package {sorted(shared)[0]}: record "
            "what you learnt there (rightful incidents facts / contained) instead of a "
            "second incident, which would count the breach twice"
        )


def with_action(recorded: str, action: str) -> str:
    """The register's remedial action with one more step; a step on record already is kept
    once."""
    new = action.strip()
    if not recorded:
        return new
    return recorded if f"; {new}; " in f"; {recorded}; " else f"{recorded}; {new}"


def _check_earlier(aware_at: datetime, row: IncidentRow) -> None:
    """Awareness moves only earlier: what the controller knew then, it still knew (a later
    time would shorten the record of a late notification)."""
    check_awareness(aware_at, row.opened_at)
    if aware_at > row.aware_at:
        raise InvalidInputError(
            f"the time of awareness can only move earlier than the one recorded "
            f"({row.aware_at:%Y-%m-%d %H:%M} UTC)"
        )


def _check_contact(report: IncidentReport) -> None:
    """Contact details are kept and acknowledged as an outside reporter's: staff have none.
    An address that is none is refused before anything is recorded: the acknowledgement
    would fail, and the reporter would never hear of the incident."""
    contact = (report.contact_name, report.contact_email, report.organisation, report.reference)
    if report.source is not IncidentSource.OUTSIDE and any(contact):
        raise InvalidInputError(
            "a contact is for an outside reporter; say who reported it from outside "
            f"({', '.join(OUTSIDE_NAMES)}), or give no contact"
        )
    if report.contact_email:
        try:
            normalise_email(report.contact_email, local_case_sensitive=True)
        except InvalidInputError as exc:
            raise InvalidInputError(f"the reporter's {exc}") from None


def _require(by: Principal, role: Role) -> None:
    if by.role is not None:  # the system itself triages
        by.require(role)


def _open(row: IncidentRow) -> IncidentRow:
    if row.status == IncidentStatus.CLOSED.value:
        raise ConflictError("the incident is closed")
    return row


def _misdelivered_request(session: Session, report: IncidentReport) -> str | None:
    """The request whose packages a misdelivery names: its requester received them, so the
    scope counts what in them was not theirs (without it, the whole package counted, the
    recipient among the people concerned)."""
    if report.kind is not IncidentKind.MISDELIVERY or not report.package_ids:
        return None
    query = select(PackageRow.request_id).where(PackageRow.id.in_(report.package_ids))
    requests = set(session.scalars(query))
    return requests.pop() if len(requests) == 1 else None


def _check_named(session: Session, report: IncidentReport) -> None:
    """The request and packages a report names exist, and the packages are that request's."""
    if report.request_id is not None and session.get(RequestRow, report.request_id) is None:
        raise NotFoundError(f"no request {report.request_id}")
    for package_id in report.package_ids:
        package = session.get(PackageRow, package_id)
        if package is None:
            raise NotFoundError(f"no package {package_id}")
        if report.request_id is not None and package.request_id != report.request_id:
            raise InvalidInputError(
                f"package {package_id} belongs to request {package.request_id}, not to "
                f"{report.request_id}; name the right request, or only the package"
            )
