"""Severity and decision: the ENISA score derived from the computed scope and the nature of the
breach, the DPO's override (the computed assessment is kept), and the notification deadlines
that follow from the decision under each regime in force."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rightful.adapters.db.incidents import (
    IncidentAdjustmentRow,
    IncidentAssessmentRow,
    IncidentNoticeRow,
    IncidentRow,
)
from rightful.domain.incident_clocks import Audience, Deadline, Decision, Regime, deadlines
from rightful.domain.incident_scope import Scope, exposed_of
from rightful.domain.incidents import IncidentKind, Nature, circumstances_of
from rightful.domain.sensitivity import Sensitivity
from rightful.domain.severity import Adjustment, Assessment, Factor, Level, assess
from rightful.domain.staff import Principal
from rightful.services.audit import AuditService, digest

# A notice given: sent, exported, or being sent again to the people it did not reach (it went
# out before, so it still counts as given meanwhile).
NOTIFIED = ("sent", "exported", "resending")


def compute(
    row: IncidentRow, scope: Scope, declared: Mapping[str, Sensitivity],
    entered: Sequence[Adjustment] = (),
) -> tuple[Assessment, dict[str, Any], tuple[str, ...]]:  # fmt: skip
    """The ENISA assessment of a scope with the factors staff entered, its inputs (to be
    stored) and the full reasoning."""
    downloads = scope.delivery.downloads if scope.delivery.links else None
    circumstances, why = circumstances_of(Nature(row.nature), downloads)
    exposed = exposed_of(scope, declared)
    result = assess(exposed, circumstances, entered)
    reasons = [f"Circumstances: {why}.", f"Scope: {scope.summary}."]
    if IncidentKind(row.kind) is IncidentKind.NEAR_MISS:
        reasons.append("Near-miss: nothing left the controller, so no notification is owed; the "
                       "score shows what release would have meant.")  # fmt: skip
    inputs = {"exposed": _plain(asdict(exposed)), "circumstances": _plain(asdict(circumstances)),
              "nature": row.nature, "scope_basis": scope.basis.value,
              "adjustments": [_plain(asdict(a)) for a in entered]}  # fmt: skip
    return result, inputs, (*reasons, *result.reasoning)


def entered_of(session: Session, incident_id: str) -> list[Adjustment]:
    """The factors staff entered for an incident and did not withdraw, the latest of each."""
    query = select(IncidentAdjustmentRow).where(IncidentAdjustmentRow.incident_id == incident_id)
    latest = {r.factor: r for r in session.scalars(query.order_by(IncidentAdjustmentRow.id))}
    return [Adjustment(Factor(r.factor), r.step, r.reason) for r in latest.values() if r.step]


def record_adjustments(
    session: Session, audit: AuditService, row: IncidentRow, by: Principal,
    given: Sequence[Adjustment], at: datetime,
) -> int:  # fmt: skip
    """Add the factors staff entered (one given again replaces it, step 0 withdraws it); each
    change is audited by factor, step and the reason's digest. How many changed."""
    now = {a.factor: a for a in entered_of(session, row.id)}
    changed = 0
    for a in {a.factor: a for a in given}.values():
        before = now.get(a.factor, Adjustment(a.factor, 0))
        if (before.step, before.reason) == (a.step, a.reason):
            continue
        session.add(
            IncidentAdjustmentRow(
                incident_id=row.id,
                at=at,
                by=by.id,
                factor=a.factor.value,
                step=a.step,
                reason=a.reason,
            )
        )
        audit.record(session, by.id, by.role_name, "incident.adjusted", row.request_id,
                     incident_id=row.id, factor=a.factor.value, step=a.step,
                     reason_sha256=digest(a.reason) if a.reason else None)  # fmt: skip
        changed += 1
    return changed


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value.value if hasattr(value, "value") else value


def computed_row(
    row: IncidentRow, scope_id: int | None, result: Assessment, inputs: dict[str, Any],
    reasoning: Sequence[str], at: datetime, by: str,
) -> IncidentAssessmentRow:  # fmt: skip
    """An assessment row for a computed score."""
    return IncidentAssessmentRow(
        incident_id=row.id, at=at, by=by, method="computed", scope_id=scope_id, inputs=inputs,
        dpc=result.dpc, ei=result.ei, cb=result.cb, score=round(result.score, 4),
        level=result.level.value, reasoning=list(reasoning), replaces=row.assessment_id,
    )  # fmt: skip


def decision_of(row: IncidentRow, a: IncidentAssessmentRow, scope: Scope | None) -> Decision:
    """The decision an assessment row stands for."""
    return Decision(
        level=Level(a.level), near_miss=IncidentKind(row.kind) is IncidentKind.NEAR_MISS,
        unintelligible=bool(a.inputs.get("exposed", {}).get("unintelligible", False)),
        subjects=max(1, len(scope.subjects)) if scope else 1,
        notify_authority=a.notify_authority, notify_subjects=a.notify_subjects,
    )  # fmt: skip


def apply(row: IncidentRow, a: IncidentAssessmentRow, owed: list[Deadline]) -> None:
    """Put an assessment in force on the register row (level, score, decision)."""
    row.assessment_id, row.level, row.score = a.id, a.level, a.score
    row.notify_authority = any(d.required for d in owed if d.audience is Audience.AUTHORITY)
    row.notify_subjects = any(d.required for d in owed if d.audience is Audience.SUBJECTS)
    row.decision_reason = "; ".join(
        f"{d.regime} {d.audience.value}: {'owed' if d.required else 'not owed'} ({d.reason})"
        for d in owed
    )


def current_assessment(session: Session, row: IncidentRow) -> IncidentAssessmentRow | None:
    """The assessment in force."""
    return session.get(IncidentAssessmentRow, row.assessment_id) if row.assessment_id else None


def assessments_of(session: Session, incident_id: str) -> list[IncidentAssessmentRow]:
    """Every assessment of an incident, oldest first (overrides keep what they replaced)."""
    query = select(IncidentAssessmentRow).where(IncidentAssessmentRow.incident_id == incident_id)
    return list(session.scalars(query.order_by(IncidentAssessmentRow.id)))


def done_notices(session: Session, incident_id: str) -> dict[tuple[str, Audience], datetime]:
    """When each (regime, audience) notice first went out."""
    query = select(IncidentNoticeRow).where(
        IncidentNoticeRow.incident_id == incident_id, IncidentNoticeRow.status.in_(NOTIFIED)
    )
    return first_sent(session.scalars(query))


def first_sent(notices: Iterable[IncidentNoticeRow]) -> dict[tuple[str, Audience], datetime]:
    """When each (regime, audience) notice of `notices` that was given first went out."""
    done: dict[tuple[str, Audience], datetime] = {}
    for n in notices:
        if n.status not in NOTIFIED or n.sent_at is None:
            continue
        key = (n.regime, Audience(n.audience))
        if key not in done or n.sent_at < done[key]:
            done[key] = n.sent_at
    return done


def deadlines_of(
    session: Session, row: IncidentRow, regimes: Sequence[Regime], scope: Scope | None
) -> list[Deadline]:
    """The incident's deadlines under every regime, read from the store."""
    a = current_assessment(session, row)
    done = done_notices(session, row.id) if a else {}
    return clocks_of(row, a, scope, regimes, done)


def clocks_of(
    row: IncidentRow, a: IncidentAssessmentRow | None, scope: Scope | None,
    regimes: Sequence[Regime], done: Mapping[tuple[str, Audience], datetime],
) -> list[Deadline]:  # fmt: skip
    """The incident's deadlines under every regime, from its assessment in force, its scope
    and when its notices first went out; until it is assessed, the authority's notice counts
    as owed (the clock runs from awareness whatever the assessment says)."""
    if a is None:
        return _provisional(row, regimes)
    return deadlines(row.aware_at, decision_of(row, a, scope), regimes, done)


def _provisional(row: IncidentRow, regimes: Sequence[Regime]) -> list[Deadline]:
    if IncidentKind(row.kind) is IncidentKind.NEAR_MISS:
        return []
    reason = "not assessed yet: owed until the assessment or the DPO decides otherwise"
    return [Deadline(r.name, Audience.AUTHORITY, True, _due(row.aware_at, r.authority_hours),
                     reason) for r in regimes]  # fmt: skip


def _due(aware_at: datetime, hours: int | None) -> datetime | None:
    return aware_at + timedelta(hours=hours) if hours else None
