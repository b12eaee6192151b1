"""Notices of a breach: generated drafts, edits, approval by the DPO (bound to the exact words),
then the Art. 34 communication e-mailed to each person and the Art. 33 notification exported for
the authority (JSON and Markdown). A notice after its deadline must say why it is late."""

from __future__ import annotations

import json
import logging
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from rightful.adapters.db.incidents import (
    IncidentNoticeDeliveryRow,
    IncidentNoticeRow,
    IncidentRow,
    IncidentScopeRow,
)
from rightful.adapters.files import atomic_writer
from rightful.adapters.mail.rendering import MailTemplates
from rightful.domain.errors import ConflictError, InvalidInputError, NotFoundError, RightfulError
from rightful.domain.incident_clocks import Audience, Deadline, Regime
from rightful.domain.incident_notices import (
    LANGUAGES,
    NoticeFacts,
    as_markdown,
    check_sections,
    draft_sections,
    personal,
    regime_title,
    sections_sha256,
)
from rightful.domain.incident_scope import Scope, describe_person
from rightful.domain.incident_untold import Sent, Untold, joined, reached, untold_of
from rightful.domain.incidents import (
    IncidentKind,
    IncidentSource,
    IncidentStatus,
    Nature,
    ReporterKind,
    discovered_by,
)
from rightful.domain.lifecycle import Role
from rightful.domain.messaging import DeliveryError
from rightful.domain.severity import Level
from rightful.domain.staff import Principal
from rightful.domain.words import with_article
from rightful.services.audit import digest
from rightful.services.incident_assessment import current_assessment, deadlines_of
from rightful.services.incident_mail import reference, subject_notice
from rightful.services.incident_records import by_reference, load_incident, move, tracked
from rightful.services.staff import name_of

if TYPE_CHECKING:
    from rightful.services.incidents import IncidentService

log = logging.getLogger("rightful.incidents")
# A notice `sending` with no person's outcome recorded for this long lost its sender (a process
# that ended midway): it may then be sent again, to the people it had not reached.
LOST_AFTER: Final = timedelta(minutes=10)
# A notice to the people concerned that went out (`resending`: going again to the rest).
GIVEN: Final = ("sent", "resending")


# The words around a notice's sections, in the notice's language.
_WORDS: Final = {
    "en": {
        "to_authority": "Notification to {authority}",
        "to_people": "Communication to the people concerned",
        "title": "{who}: personal data breach {ref} ({regime})",
        "controller": "Controller: {controller}",
        "status": "Status: {status}; approved by {by}",
        "late": "Reasons for the delay: {reason}",
    },
    "de": {
        "to_authority": "Meldung an {authority}",
        "to_people": "Benachrichtigung der betroffenen Personen",
        "title": "{who}: Verletzung des Schutzes personenbezogener Daten {ref} ({regime})",
        "controller": "Verantwortlicher: {controller}",
        "status": "Status: {status}; freigegeben von {by}",
        "late": "Gründe für die Verzögerung: {reason}",
    },
}


@dataclass(frozen=True)
class ExportedNotice:
    notice: IncidentNoticeRow
    json_path: Path
    markdown_path: Path


MIN_LATE_REASON = 20  # characters: the reasons for a delay are stated, not waved at


class IncidentNotices:
    """Drafts, approval, sending and export of one service's incident notices."""

    def __init__(self, service: IncidentService) -> None:
        self.s = service
        self.store = service.store
        self.templates = MailTemplates()

    # --- drafts ------------------------------------------------------------------------------

    @by_reference
    def draft_owed(self, incident_id: str, by: Principal) -> list[IncidentNoticeRow]:
        """Draft every notice that is owed and has none yet; with an authority notice owed, the
        communication to the people concerned is drafted too, for the DPO to decide on."""
        with self.s.store.transaction() as session:
            row = load_incident(session, incident_id)
            owed = deadlines_of(session, row, self.s.policy.regimes, self.s.scope_of(session, row))
            have = {(n.regime, n.audience) for n in self._of(session, incident_id)}
        wanted = [(d.regime, d.audience) for d in owed if d.required]
        first = self.s.policy.regimes[0].name
        if (first, Audience.AUTHORITY) in wanted and (first, Audience.SUBJECTS) not in wanted:
            wanted.append((first, Audience.SUBJECTS))
        return [self.draft(incident_id, audience, by, regime=regime)
                for regime, audience in wanted if (regime, audience.value) not in have]  # fmt: skip

    @by_reference
    def refresh(self, incident_id: str, by: Principal) -> list[IncidentNoticeRow]:
        """Redraft generated drafts nobody has edited yet (after a rescope or a new level), and
        approved ones whose generated words the new facts change (their approval goes with
        them); then draft what is newly owed. Edited notices are left alone."""
        with self.s.store.transaction() as session:
            row = load_incident(session, incident_id)
            stale = [(n.audience, n.regime, n.language) for n in self._of(session, incident_id)
                     if not n.edited and (n.status == "draft" or (
                         n.status == "approved" and n.sections != draft_sections(
                             Audience(n.audience), self.facts(session, row, n.regime),
                             n.language)))]  # fmt: skip
        fresh = [self.draft(incident_id, Audience(a), by, regime=r, language=lang)
                 for a, r, lang in stale]  # fmt: skip
        return fresh + self.draft_owed(incident_id, by)

    @by_reference
    def draft(
        self, incident_id: str, audience: Audience, by: Principal, *, regime: str | None = None,
        language: str | None = None,
    ) -> IncidentNoticeRow:  # fmt: skip
        """A fresh generated draft; an earlier unsent draft of the same notice (audience, regime
        and language: a draft in the other language stands beside it) is superseded."""
        _require(by, Role.REVIEWER)
        regime_name = regime or self.s.policy.regimes[0].name
        lang = language or self.s.policy.language
        if lang not in LANGUAGES:
            raise InvalidInputError(f"notices are drafted in one of: {', '.join(LANGUAGES)}")
        now = self.s.clock.now()
        with self.s.store.transaction() as session:
            row = load_incident(session, incident_id)
            if row.status == IncidentStatus.CLOSED.value:
                raise ConflictError("the incident is closed; its notices are as they were sent")
            facts = self.facts(session, row, regime_name)
            for old in self._of(session, incident_id):
                same = (old.audience, old.regime, old.language) == (audience.value, regime_name,
                                                                    lang)  # fmt: skip
                if same and old.status in ("draft", "approved"):
                    old.status = "superseded"
            notice = IncidentNoticeRow(
                id=str(uuid.uuid4()), incident_id=incident_id, audience=audience.value,
                regime=regime_name, language=lang, status="draft",
                sections=draft_sections(audience, facts, lang), created_at=now, created_by=by.id,
                updated_at=now, updated_by=by.id, recipients=0, failures=0, edited=False,
            )  # fmt: skip
            session.add(notice)
            self._audit(session, row, notice, by, "incident.notice_drafted")
            return notice

    def _sent_to_authority(
        self, session: Session, incident_id: str, regime_name: str
    ) -> tuple[datetime, ...]:
        """When earlier notifications of this incident went to the authority of a regime."""
        return tuple(sorted(
            n.sent_at for n in self._of(session, incident_id)
            if n.audience == Audience.AUTHORITY.value and n.regime == regime_name
            and n.status in ("exported", "sent") and n.sent_at is not None
        ))  # fmt: skip

    def facts(self, session: Session, row: IncidentRow, regime_name: str) -> NoticeFacts:
        """What the drafts are written from, all read from the incident's records."""
        regime = self._regime(regime_name)
        scope = self.s.scope_of(session, row)
        a = current_assessment(session, row)
        due = self._deadline(session, row, regime_name, Audience.AUTHORITY)
        p = self.s.policy
        return NoticeFacts(
            reference=reference(row.id), controller=p.controller, kind=IncidentKind(row.kind),
            nature=Nature(row.nature), discovery=discovered_by(_source(row)),
            reporter_kind=ReporterKind(row.reporter_kind), aware_at=row.aware_at,
            opened_at=row.opened_at, contained_at=row.contained_at,
            links_revoked=row.links_revoked, packages_frozen=row.packages_frozen, scope=scope,
            level=Level(a.level) if a else None, reasoning=tuple(a.reasoning) if a else (),
            dpo_contact=p.dpo_contact, authority=p.authority or regime.authority,
            regime_title=regime.title, regime_name=regime.name, due_at=due.due_at if due else None,
            description=row.description if row.source in ("staff", "outside") else "",
            earlier=self._sent_to_authority(session, row.id, regime_name),
        )  # fmt: skip

    def edit(self, notice_id: str, by: Principal, sections: Mapping[str, str]) -> IncidentNoticeRow:
        """Change some sections; an approved notice goes back to draft (approval withdrawn)."""
        _require(by, Role.REVIEWER)
        with self.s.store.transaction() as session:
            notice = self._load(session, notice_id)
            if notice.status not in ("draft", "approved"):
                raise ConflictError(f"{with_article(notice.status)} notice cannot be edited")
            clean = check_sections(Audience(notice.audience), sections)
            notice.sections, notice.edited = {**notice.sections, **clean}, True
            notice.status, notice.approved_at, notice.approved_by = "draft", None, None
            notice.approved_sha256 = None
            notice.updated_at, notice.updated_by = self.s.clock.now(), by.id
            row = load_incident(session, notice.incident_id)
            self._audit(session, row, notice, by, "incident.notice_edited",
                        sections=sorted(clean))  # fmt: skip
            return notice

    def approve(self, notice_id: str, by: Principal) -> IncidentNoticeRow:
        """The DPO approves these exact words."""
        by.require(Role.DPO)
        with self.s.store.transaction() as session:
            notice = self._load(session, notice_id)
            if notice.status != "draft":
                raise ConflictError(f"only a draft can be approved; this one is {notice.status}")
            notice.status, notice.approved_by = "approved", by.id
            notice.approved_at = self.s.clock.now()
            notice.approved_sha256 = sections_sha256(notice.sections)
            self._audit(session, load_incident(session, notice.incident_id), notice, by,
                        "incident.notice_approved")  # fmt: skip
            return notice

    # --- sending and export -------------------------------------------------------------------

    def send(
        self, notice_id: str, by: Principal, late_reason: str | None = None
    ) -> IncidentNoticeRow:
        """E-mail an approved Art. 34 communication to every person concerned. A notice that
        reached nobody stays approved (DeliveryError): it was not given, its deadline still
        runs, and it can be sent again. Each person's outcome is recorded as it happens, so
        nobody gets it twice: a sent notice goes again to the people of the current scope it
        has not reached (whose attempt failed, and those the scope gained since it went out),
        and one whose sender ended midway (`sending`, no progress for LOST_AFTER) only to the
        people it had not reached yet."""
        by.require(Role.DPO)
        status = self.get(notice_id).status
        if status in ("sent", "sending", "resending"):
            return self._send_again(notice_id, by, late_reason)
        notice, keys = self._ready(notice_id, Audience.SUBJECTS, late_reason)
        if not keys:
            raise ConflictError("the scope names nobody to tell; use a public communication")
        return self._give(notice, by, late_reason, self._unreached(notice, keys))

    def _send_again(
        self, notice_id: str, by: Principal, late_reason: str | None
    ) -> IncidentNoticeRow:
        with self.s.store.transaction() as session:
            notice = self._load(session, notice_id)
            if notice.approved_sha256 != sections_sha256(notice.sections):
                raise ConflictError("the notice changed after approval; approve it again")
            scope = self.s.scope_of(session, load_incident(session, notice.incident_id))
            keys = _keys(scope, notice.language)
        if notice.status == "sending":  # its sender ended midway, or is still at work
            return self._give(notice, by, late_reason or notice.late_reason,
                              self._unreached(notice, keys))  # fmt: skip
        # Sent: it goes to everyone of the scope now in force it has not reached, those the
        # scope gained since included (Art. 34(1): each of them is told); nobody a rescope
        # removed. While it goes again it is `resending`, which still counts as given (it was).
        wanted = self._unreached(notice, keys)
        if not wanted and notice.status == "resending":  # ended after the last person
            self._move(notice.id, "resending", "sent")
            return self.get(notice_id)
        if not wanted:
            raise ConflictError("the notice is sent already and reached everyone the scope names")
        with self.s.store.transaction() as session:
            added = len(set(wanted) - set(self._latest(session, notice.id)))
        outcomes = self._send_all(notice, wanted, source=notice.status, working="resending")
        with self.s.store.transaction() as session:
            notice = self._load(session, notice_id, lock=True)
            notice.status = "sent"
            notice.recipients, notice.failures = self._counts(session, notice.id)
            reached = sum(1 for o in outcomes.values() if o == "sent")
            row = load_incident(session, notice.incident_id)
            self._audit(session, row, notice, by, "incident.notice_sent_again",
                        reached=reached, failed=len(outcomes) - reached,
                        added=added)  # fmt: skip
            return notice

    def _give(
        self, notice: IncidentNoticeRow, by: Principal, late_reason: str | None,
        wanted: Mapping[str, tuple[Any, str]],
    ) -> IncidentNoticeRow:  # fmt: skip
        """Send to `wanted`; given once anyone has it (DeliveryError when nobody has)."""
        outcomes = self._send_all(notice, wanted, source=notice.status)
        with self.s.store.transaction() as session:
            reached, _ = self._counts(session, notice.id)
        if not reached:
            self._undelivered(notice.id, by, outcomes)
        return self._mark_done(notice.id, by, late_reason)

    def _unreached(
        self, notice: IncidentNoticeRow, keys: Mapping[str, tuple[Any, str]]
    ) -> dict[str, tuple[Any, str]]:
        """The people of `keys` the notice has not reached: whose last attempt failed, and
        those never tried."""
        with self.s.store.transaction() as session:
            latest = self._latest(session, notice.id)
        return {p: k for p, k in keys.items() if latest.get(p) != "sent"}

    def _send_all(
        self, notice: IncidentNoticeRow, keys: Mapping[str, tuple[Any, str]], source: str,
        working: str = "sending",
    ) -> dict[str, str]:  # fmt: skip
        """Each person's outcome (sent, failed, no_address), recorded as it happens; the notice
        is `working` meanwhile, so that two DPOs clicking at once send once."""
        contacts = self.s.scopes().contacts(key for key, _ in keys.values())
        self._move(notice.id, source, working)
        outcomes: dict[str, str] = {}
        try:
            for person, (key, words) in keys.items():
                outcomes[person] = self._send_one(notice, contacts.get(str(key)), words)
                self._record(notice.id, person, outcomes[person])
        except BaseException:
            self._move(notice.id, working, "sent" if working == "resending" else "approved")
            raise
        return outcomes

    def _record(self, notice_id: str, person: str, outcome: str) -> None:
        """One person's outcome; the notice's `updated_at` shows its sender is at work."""
        now = self.s.clock.now()
        with self.s.store.transaction() as session:
            session.add(IncidentNoticeDeliveryRow(notice_id=notice_id, subject=person, at=now,
                                                  outcome=outcome))  # fmt: skip
            self._load(session, notice_id, lock=True).updated_at = now

    def _latest(self, session: Session, notice_id: str) -> dict[str, str]:
        """Each person's last outcome."""
        return {d.subject: d.outcome for d in self._deliveries(session, notice_id)}

    def _counts(self, session: Session, notice_id: str) -> tuple[int, int]:
        """People reached and not reached, by their last outcome."""
        latest = self._latest(session, notice_id).values()
        reached = sum(1 for o in latest if o == "sent")
        return reached, len(latest) - reached

    def _undelivered(self, notice_id: str, by: Principal, outcomes: Mapping[str, str]) -> None:
        """Nobody was reached: back to approved, the attempt audited, and DeliveryError."""
        with self.s.store.transaction() as session:
            notice = self._load(session, notice_id, lock=True)
            notice.status = "approved"
            counts = Counter(outcomes.values())
            row = load_incident(session, notice.incident_id)
            with tracked(session, self.s.audit, row, by, "incident.notice_undelivered") as summary:
                summary.update(notice_id=notice.id, failed=counts["failed"],
                               unreachable=counts["no_address"])  # fmt: skip
        raise DeliveryError(
            f"the notice reached nobody ({counts['failed']} not taken by the mail service, "
            f"{counts['no_address']} without an address); it is still approved: send it again "
            "once the mail service works, or use a public communication"
        )

    def _move(self, notice_id: str, source: str, target: str) -> None:
        """`source` to `target`; a notice left `sending` or `resending` moves only once its
        sender has made no progress for LOST_AFTER (it ended), so that two senders never work
        at once."""
        now = self.s.clock.now()
        with self.s.store.transaction() as session:
            notice = self._load(session, notice_id, lock=True)
            if notice.status != source:
                raise ConflictError(f"the notice is {notice.status}, not {source}")
            resumed = source == target  # `sending` or `resending` taken over from its sender
            if resumed and now - notice.updated_at < LOST_AFTER:
                raise ConflictError(
                    "the notice is being sent right now; if its sender ended, send it again "
                    f"after {(notice.updated_at + LOST_AFTER):%H:%M} UTC"
                )
            notice.status, notice.updated_at = target, now

    def _send_one(self, notice: IncidentNoticeRow, address: str | None, your_data: str) -> str:
        if not address:
            return "no_address"
        words = personal(notice.sections, your_data)
        message = subject_notice(self.templates, address, notice.language, notice.incident_id,
                                 self.s.policy.controller, words)  # fmt: skip
        try:
            self.s.mailer.send(message)
        except RightfulError as exc:
            log.warning("incident notice %s to one person failed: %s", notice.id, exc)
            return "failed"
        return "sent"

    def export(
        self, notice_id: str, by: Principal, directory: Path | None = None, *,
        late_reason: str | None = None, authority_reference: str | None = None,
    ) -> ExportedNotice:  # fmt: skip
        """Write the approved Art. 33 notification as JSON and Markdown for the authority, and
        record it as notified."""
        by.require(Role.DPO)
        self._ready(notice_id, Audience.AUTHORITY, late_reason)
        target = directory or self.s.policy.export_dir
        if target.exists() and not target.is_dir():
            raise InvalidInputError(f"{target} is not a folder; name the folder for the files")
        try:
            target.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # a file on the way, no such place, no permission
            raise InvalidInputError(
                f"cannot create the folder {target} ({exc.strerror}); name another"
            ) from None
        paths: list[Path] = []
        done = self._mark_done(notice_id, by, late_reason, reference=authority_reference,
                               write=lambda n: paths.extend(self._write(n, target)))  # fmt: skip
        return ExportedNotice(done, paths[0], paths[1])

    def _write(self, notice: IncidentNoticeRow, target: Path) -> tuple[Path, Path]:
        """The files for the authority (written inside the transaction that records them)."""
        base = target / f"{reference(notice.incident_id)}-{notice.regime}-authority-{notice.id[:8]}"
        json_path, md_path = base.with_suffix(".json"), base.with_suffix(".md")
        document = json.dumps(self.document(notice), indent=2, ensure_ascii=False) + "\n"
        # private as the register's export, and a link at the name is replaced, not followed
        for path, text in ((json_path, document), (md_path, self.markdown(notice))):
            with atomic_writer(path, binary=False, mode=0o600) as out:
                out.write(text)
        return json_path, md_path

    def _ready(
        self, notice_id: str, audience: Audience, late_reason: str | None
    ) -> tuple[IncidentNoticeRow, dict[str, tuple[Any, str]]]:
        with self.s.store.transaction() as session:
            notice = self._load(session, notice_id)
            if notice.audience != audience.value:
                verb = "send" if audience is Audience.SUBJECTS else "export"
                raise ConflictError(f"this is a notice to the {notice.audience}; {verb} is for "
                                    f"the {audience.value}")  # fmt: skip
            if notice.status in ("sending", "resending", "sent", "exported"):
                raise ConflictError(f"the notice is {notice.status} already; it goes out once")
            if notice.status == "superseded":
                raise ConflictError("a newer draft superseded this notice; send that one")
            if notice.status != "approved":
                raise ConflictError(f"the notice is {notice.status}; the DPO approves it first")
            if notice.approved_sha256 != sections_sha256(notice.sections):
                raise ConflictError("the notice changed after approval; approve it again")
            row = load_incident(session, notice.incident_id)
            deadline = self._deadline(session, row, notice.regime, audience)
            if (
                deadline
                and deadline.owes_reasons_for_delay(self.s.clock.now())
                and len((late_reason or "").strip()) < MIN_LATE_REASON
            ):
                raise InvalidInputError(
                    "the deadline has passed: state the reasons for the delay (Art. 33(1)), in "
                    f"at least {MIN_LATE_REASON} characters"
                )
            return notice, _keys(self.s.scope_of(session, row), notice.language)

    def _mark_done(
        self, notice_id: str, by: Principal, late_reason: str | None, *,
        reference: str | None = None, write: Callable[[IncidentNoticeRow], None] | None = None,
    ) -> IncidentNoticeRow:  # fmt: skip
        now = self.s.clock.now()
        with self.s.store.transaction() as session:
            notice = self._load(session, notice_id, lock=True)
            audience = Audience(notice.audience)
            expected = "sending" if audience is Audience.SUBJECTS else "approved"
            if notice.status != expected:
                raise ConflictError(f"the notice is {notice.status}")
            notice.status = "sent" if audience is Audience.SUBJECTS else "exported"
            notice.sent_at, notice.sent_by = now, by.id
            notice.late_reason = (late_reason or "").strip() or None
            notice.authority_reference = reference
            notice.recipients, notice.failures = self._counts(session, notice.id)
            row = load_incident(session, notice.incident_id, lock=True)
            self._notified(session, row, notice, by, audience)
            if write is not None:
                write(notice)
            return notice

    def _notified(
        self, session: Session, row: IncidentRow, notice: IncidentNoticeRow, by: Principal,
        audience: Audience,
    ) -> None:  # fmt: skip
        with tracked(session, self.s.audit, row, by, "incident.notified") as summary:
            if audience is Audience.AUTHORITY and row.authority_notified_at is None:
                row.authority_notified_at = notice.sent_at
            if audience is Audience.SUBJECTS and row.subjects_notified_at is None:
                row.subjects_notified_at = notice.sent_at
            if row.status == IncidentStatus.ASSESSED.value:
                move(row, IncidentStatus.NOTIFIED)
            summary.update(notice_id=notice.id, audience=audience.value, regime=notice.regime,
                           approved_sha256=notice.approved_sha256, recipients=notice.recipients,
                           failures=notice.failures, late=notice.late_reason is not None,
                           late_reason_sha256=digest(notice.late_reason)
                           if notice.late_reason else None)  # fmt: skip

    # --- reading -----------------------------------------------------------------------------

    @by_reference
    def of(self, incident_id: str) -> list[IncidentNoticeRow]:
        """Every notice of an incident, oldest first."""
        with self.s.store.transaction() as session:
            return self._of(session, incident_id)

    @by_reference
    def untold(self, incident_id: str) -> dict[str, int]:
        """For each notice to the people concerned that went out, how many people of the scope
        now in force it has not told: whose attempt failed, and those the scope gained since
        (a rescope, a second report). `send` mails them; a notice not given yet is absent."""
        return {nid: len(u.people) for nid, u in self.untold_due(incident_id).items()}

    @by_reference
    def untold_due(self, incident_id: str) -> dict[str, Untold]:
        """`untold`, naming each person (by pseudonym) with the time they are to be told by:
        their own clock (docs/incidents.md)."""
        with self.s.store.transaction() as session:
            return self.untold_in(session, load_incident(session, incident_id))

    def untold_in(self, session: Session, row: IncidentRow) -> dict[str, Untold]:
        """`untold_due` inside a transaction."""
        sent = sent_to_people(self._of(session, row.id), partial(self._deliveries, session))
        if not sent:
            return {}
        scope = self.s.scope_of(session, row)
        scopes = session.scalars(select(IncidentScopeRow).where(
            IncidentScopeRow.incident_id == row.id))  # fmt: skip
        return untold_of(sent, scope.subjects if scope else (), joined_at(scopes),
                         self.s.policy.regimes)  # fmt: skip

    def get(self, notice_id: str) -> IncidentNoticeRow:
        with self.s.store.transaction() as session:
            return self._load(session, notice_id)

    def deliveries(self, notice_id: str) -> list[IncidentNoticeDeliveryRow]:
        with self.s.store.transaction() as session:
            return self._deliveries(session, notice_id)

    def _deliveries(self, session: Session, notice_id: str) -> list[IncidentNoticeDeliveryRow]:
        """Each attempt to reach a person, oldest first (a later one tells how it ended)."""
        query = select(IncidentNoticeDeliveryRow).where(
            IncidentNoticeDeliveryRow.notice_id == notice_id)  # fmt: skip
        return list(session.scalars(query.order_by(IncidentNoticeDeliveryRow.id)))

    def title(self, notice: IncidentNoticeRow) -> str:
        regime = self._regime(notice.regime)
        words = _WORDS[notice.language]
        who = (
            words["to_authority"].format(authority=self.s.policy.authority or regime.authority)
            if notice.audience == Audience.AUTHORITY.value
            else words["to_people"]
        )
        title = regime_title(regime.name, regime.title, Audience(notice.audience), notice.language)
        return words["title"].format(who=who, ref=reference(notice.incident_id), regime=title)

    def markdown(self, notice: IncidentNoticeRow) -> str:
        """The notice as Markdown, with its state and the reasons for any delay."""
        words = _WORDS[notice.language]
        header = [
            words["controller"].format(controller=self.s.policy.controller),
            "",
            words["status"].format(status=notice.status, by=self.approver(notice) or "-"),
        ]
        if notice.late_reason:
            header += ["", words["late"].format(reason=notice.late_reason)]
        return as_markdown(self.title(notice), Audience(notice.audience), notice.sections, header,
                           notice.language)  # fmt: skip

    def document(self, notice: IncidentNoticeRow) -> dict[str, Any]:
        """The notice as JSON for the authority's records."""
        return {
            "format": "rightful-breach-notice/1", "incident": reference(notice.incident_id),
            "incident_id": notice.incident_id, "notice_id": notice.id, "regime": notice.regime,
            "audience": notice.audience, "language": notice.language, "title": self.title(notice),
            "controller": self.s.policy.controller, "status": notice.status,
            "approved_by": self.approver(notice), "approved_by_id": notice.approved_by,
            "approved_sha256": notice.approved_sha256,
            "notified_at": notice.sent_at.isoformat() if notice.sent_at else None,
            "late_reason": notice.late_reason, "authority_reference": notice.authority_reference,
            "sections": notice.sections,
        }  # fmt: skip

    def approver(self, notice: IncidentNoticeRow) -> str | None:
        """The name of who approved the notice's words (the audit chain keeps their id)."""
        if notice.approved_by is None:
            return None
        with self.s.store.transaction() as session:
            return name_of(session, notice.approved_by)

    def _of(self, session: Session, incident_id: str) -> list[IncidentNoticeRow]:
        query = select(IncidentNoticeRow).where(IncidentNoticeRow.incident_id == incident_id)
        order = (IncidentNoticeRow.created_at, IncidentNoticeRow.audience, IncidentNoticeRow.id)
        return list(session.scalars(query.order_by(*order)))

    def _load(self, session: Session, notice_id: str, lock: bool = False) -> IncidentNoticeRow:
        notice = session.get(IncidentNoticeRow, notice_id, with_for_update=lock)
        if notice is None:
            raise NotFoundError(f"no notice {notice_id}")
        return notice

    def _regime(self, name: str) -> Regime:
        for r in self.s.policy.regimes:
            if r.name == name:
                return r
        raise InvalidInputError(f"regime {name!r} is not in force")

    def _deadline(
        self, session: Session, row: IncidentRow, regime: str, audience: Audience
    ) -> Deadline | None:
        owed = deadlines_of(session, row, self.s.policy.regimes, self.s.scope_of(session, row))
        return next((d for d in owed if d.regime == regime and d.audience is audience), None)

    def _audit(
        self, session: Session, row: IncidentRow, notice: IncidentNoticeRow, by: Principal,
        action: str, **extra: object,
    ) -> None:  # fmt: skip
        self.s.audit.record(session, by.id, by.role_name, action, row.request_id,
                            incident_id=row.id, notice_id=notice.id, audience=notice.audience,
                            regime=notice.regime, sections_sha256=sections_sha256(notice.sections),
                            **extra)  # fmt: skip


def sent_to_people(
    notices: Iterable[IncidentNoticeRow],
    attempts: Callable[[str], Iterable[IncidentNoticeDeliveryRow]],
) -> list[Sent]:
    """The notices to the people concerned that went out, each with whom it reached (by
    `attempts` of a notice, oldest first)."""
    return [Sent(n.id, n.regime, n.sent_at, reached((a.subject, a.outcome) for a in attempts(n.id)))
            for n in notices if n.audience == Audience.SUBJECTS.value and n.status in GIVEN
            and n.sent_at is not None]  # fmt: skip


def joined_at(scopes: Iterable[IncidentScopeRow]) -> dict[str, datetime]:
    """When each person first came into the scope, from an incident's scopes as computed."""
    return joined((s.computed_at, s.data.get("subjects", ())) for s in scopes)


def _keys(scope: Scope | None, language: str) -> dict[str, tuple[Any, str]]:
    """Each person of the scope (by pseudonym): their subject key and what of theirs it was."""
    if scope is None:
        return {}
    pairs = zip(scope.subjects, scope.subject_keys, strict=True)
    return {p: (k, describe_person(scope, p, language)) for p, k in pairs}


def _require(by: Principal, role: Role) -> None:
    if by.role is not None:
        by.require(role)


def _source(row: IncidentRow) -> IncidentSource:
    return IncidentSource(row.source)
