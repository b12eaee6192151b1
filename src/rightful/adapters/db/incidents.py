"""Incident tables: the register row (Art. 33(5)), who reported it and how to reach them, each
computed scope, each assessment (computed or overridden), notices with their deliveries, and the
reminders sent. Only the register row is mirrored as digests in the audit chain."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from rightful.adapters.db.audit import ENTRIES
from rightful.adapters.db.base import Base, UTCDateTime
from rightful.domain.incident_register import REGISTER_FIELDS


class IncidentRow(Base):
    """One incident. `aware_at` (Art. 33(1) clock) is kept apart from `opened_at`; the affected
    items are manifest item ids, so the scope can be computed from the package, not typed."""

    __tablename__ = "incidents"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    source: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    aware_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reporter: Mapped[str] = mapped_column(String(200))
    opened_by: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(ForeignKey("requests.id"), index=True)
    package_id: Mapped[str | None] = mapped_column(ForeignKey("packages.id"), index=True)
    affected_items: Mapped[list[str]] = mapped_column(JSON, default=list)
    affected_count: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(Text, default="")
    # --- added by the incident-response module ---
    reporter_kind: Mapped[str] = mapped_column(String(16), default="staff")
    nature: Mapped[str] = mapped_column(String(24), default="known_recipient")
    package_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    contained_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    links_revoked: Mapped[int] = mapped_column(Integer, default=0)
    packages_frozen: Mapped[int] = mapped_column(Integer, default=0)
    effects: Mapped[str] = mapped_column(Text, default="")
    scope_id: Mapped[int | None] = mapped_column(Integer)
    assessment_id: Mapped[int | None] = mapped_column(Integer)
    level: Mapped[str | None] = mapped_column(String(12))
    score: Mapped[float | None] = mapped_column(Float)
    notify_authority: Mapped[bool | None] = mapped_column(Boolean)
    notify_subjects: Mapped[bool | None] = mapped_column(Boolean)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    remedial_action: Mapped[str] = mapped_column(Text, default="")
    authority_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    subjects_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def register_record(self) -> dict[str, Any]:
        """The register fields, as their digests are taken (see domain.incident_register)."""
        return {name: getattr(self, name) for name in REGISTER_FIELDS}


class IncidentReporterRow(Base):
    """How to reach whoever reported an incident from outside: personal data, kept here only."""

    __tablename__ = "incident_reporters"

    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(320))
    organisation: Mapped[str | None] = mapped_column(String(200))
    reference: Mapped[str | None] = mapped_column(String(200))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The acknowledgement's attempts the mail service refused, when the last was, and its kind
    # (an SMTP error's class, never an address); given up after the policy's last attempt.
    ack_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    ack_attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ack_failure: Mapped[str | None] = mapped_column(String(64))
    ack_given_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class IncidentScopeRow(Base):
    """One computation of an incident's scope (a rescope after a fix adds another)."""

    __tablename__ = "incident_scopes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    computed_by: Mapped[str] = mapped_column(String(64))
    basis: Mapped[str] = mapped_column(String(20))
    subjects: Mapped[int] = mapped_column(Integer)
    records: Mapped[int] = mapped_column(Integer)
    files: Mapped[int] = mapped_column(Integer)
    downloads: Mapped[int] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text)
    datamap_sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class IncidentAssessmentRow(Base):
    """One severity assessment: computed by the ENISA method, or a DPO's override with its
    justification. Earlier ones are kept; the incident points at the one in force."""

    __tablename__ = "incident_assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    by: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(12))  # computed, override
    scope_id: Mapped[int | None] = mapped_column(Integer)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dpc: Mapped[int | None] = mapped_column(Integer)
    ei: Mapped[float | None] = mapped_column(Float)
    cb: Mapped[float | None] = mapped_column(Float)
    score: Mapped[float | None] = mapped_column(Float)
    level: Mapped[str] = mapped_column(String(12))
    reasoning: Mapped[list[str]] = mapped_column(JSON, default=list)
    notify_authority: Mapped[bool | None] = mapped_column(Boolean)
    notify_subjects: Mapped[bool | None] = mapped_column(Boolean)
    justification: Mapped[str | None] = mapped_column(Text)
    replaces: Mapped[int | None] = mapped_column(Integer)


class IncidentAdjustmentRow(Base):
    """A contextual factor of the ENISA score that staff entered for an incident (REQUIREMENTS.md
    :37), with its reason; a later row for the same factor replaces it (step 0 withdraws it).
    Rows are only added, so every assessment's inputs can be traced to who entered them."""

    __tablename__ = "incident_adjustments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    by: Mapped[str] = mapped_column(String(64))
    factor: Mapped[str] = mapped_column(String(16))  # volume, vulnerable, controller, public, old
    step: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)


class IncidentNoticeRow(Base):
    """A notice to the authority or to the people concerned: draft, approved, then sent or
    exported. An edit after approval withdraws the approval."""

    __tablename__ = "incident_notices"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    audience: Mapped[str] = mapped_column(String(12))
    regime: Mapped[str] = mapped_column(String(24))
    language: Mapped[str] = mapped_column(String(5))
    status: Mapped[str] = mapped_column(String(12), index=True)  # draft, approved, sending, ...
    sections: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(64))
    edited: Mapped[bool] = mapped_column(Boolean, default=False)  # by staff, since drafted
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_sha256: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_by: Mapped[str | None] = mapped_column(String(64))
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    late_reason: Mapped[str | None] = mapped_column(Text)
    authority_reference: Mapped[str | None] = mapped_column(String(200))
    # SHA-256 of the pseudonyms of the people of the scope a sent notice had not told when the
    # DPO was last reminded of them: the incident job reminds again once they change.
    untold_reminded: Mapped[str | None] = mapped_column(String(64))


class IncidentNoticeDeliveryRow(Base):
    """One person a notice was sent to (by pseudonym) and whether the mail service took it."""

    __tablename__ = "incident_notice_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notice_id: Mapped[str] = mapped_column(ForeignKey("incident_notices.id"), index=True)
    subject: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    outcome: Mapped[str] = mapped_column(String(16))  # sent, failed, no_address


class IncidentUntoldExceptionRow(Base):
    """The DPO closed an incident with people of its scope never told, relying on an Art. 34(3)
    exception: which, the justification, how many people and which notices (no pseudonyms)."""

    __tablename__ = "incident_untold_exceptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    by: Mapped[str] = mapped_column(String(64))
    exception: Mapped[str] = mapped_column(String(24))  # unintelligible, risk_removed, ...
    justification: Mapped[str] = mapped_column(Text)
    untold: Mapped[int] = mapped_column(Integer)
    notice_ids: Mapped[list[str]] = mapped_column(JSON, default=list)


class IncidentReminderRow(Base):
    """A reminder sent before (or after) a notification deadline; sent once per mark."""

    __tablename__ = "incident_reminders"
    __table_args__ = (UniqueConstraint("incident_id", "regime", "audience", "hours_before"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    regime: Mapped[str] = mapped_column(String(24))
    audience: Mapped[str] = mapped_column(String(12))
    hours_before: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())


# --- the register's digests in the audit chain ----------------------------------------------


def register_entries(
    session: Session, action_prefix: str = "incident."
) -> Iterator[dict[str, Any]]:
    """Summaries of incident entries of the chain in order, each with `seq` and `action`
    added; the chain's own verification says whether these rows are authentic."""
    stmt = (select(ENTRIES.c.seq, ENTRIES.c.action, ENTRIES.c.summary)
            .where(ENTRIES.c.action.like(f"{action_prefix}%")).order_by(ENTRIES.c.seq))  # fmt: skip
    for seq, action, text in session.execute(stmt):
        try:
            summary = json.loads(text)
        except (TypeError, ValueError):
            continue
        if isinstance(summary, dict):
            yield {**summary, "seq": seq, "action": action}


def entries_mentioning(
    session: Session, needle: str, request_ids: list[str]
) -> Iterator[dict[str, Any]]:
    """Chain entries whose summary mentions `needle` (an id), or that belong to one of the
    requests; as plain dicts in seq order. Callers filter exactly; this only narrows the read."""
    mentions = ENTRIES.c.summary.like(f"%{needle}%")
    cond = or_(mentions, ENTRIES.c.request_id.in_(request_ids)) if request_ids else mentions
    stmt = select(ENTRIES).where(cond).order_by(ENTRIES.c.seq)
    for row in session.execute(stmt):
        try:
            summary = json.loads(row.summary)
        except (TypeError, ValueError):
            summary = {}
        yield {"seq": row.seq, "at": row.at, "actor": row.actor, "role": row.role,
               "action": row.action, "request_id": row.request_id,
               "summary": summary if isinstance(summary, dict) else {}}  # fmt: skip
