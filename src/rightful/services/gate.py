"""The leak gate as a use case: check a built package, record the verdict, open a near-miss.

There is no setting and no parameter that turns the gate off. `record_verdict` is the only
code that marks a package `ready` (reviewable), and it does so only for a report that passed;
review and delivery check for that verdict again, bound to the manifest hash it was given for.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from rightful.adapters.db.incidents import IncidentRow
from rightful.adapters.db.packages import GateFindingRow, GateRunRow, PackageRow
from rightful.adapters.packaging.encoding import canonical_row
from rightful.domain.clock import Clock
from rightful.domain.datamap import DataMap
from rightful.domain.datamap_graph import TraversalPlan
from rightful.domain.gate import Check, GateItem, GateReport, LeakGate
from rightful.domain.incidents import IncidentKind, IncidentSource, NewIncident
from rightful.domain.packages import PackageStatus, check_package_move
from rightful.domain.provenance import SubjectKey
from rightful.domain.sensitivity import Sensitivity
from rightful.domain.sources import RecordSource
from rightful.domain.staff import SYSTEM
from rightful.domain.words import counted
from rightful.services.audit import AuditService
from rightful.services.incident_records import open_incident

log = logging.getLogger("rightful.gate")
AUDIT_ITEM_IDS: Final = 200  # the audit entry names at most this many offending items


@dataclass(frozen=True)
class TimedReport:
    report: GateReport
    seconds: float


def run_gate(
    datamap: DataMap,
    plan: TraversalPlan,
    sources: Mapping[str, RecordSource],
    subject: SubjectKey,
    items: Iterable[GateItem],
    max_sensitivity: Sensitivity | None,
    never_disclosed: Mapping[str, Mapping[str, tuple[str, ...]]] | None = None,
) -> TimedReport:
    """Run every check over every item, reading the sources afresh."""
    started = time.perf_counter()
    # orjson writes a row's canonical bytes about ten times faster (adapters.packaging.encoding)
    gate = LeakGate(
        datamap, plan, sources, subject, max_sensitivity, never_disclosed, encode_row=canonical_row
    )
    report = gate.run(items)
    return TimedReport(report, time.perf_counter() - started)


def record_verdict(
    session: Session,
    audit: AuditService,
    clock: Clock,
    package: PackageRow,
    manifest_sha256: str,
    timed: TimedReport,
) -> GateRunRow:
    """Store the verdict and findings; a failure blocks the package and opens a near-miss."""
    report = timed.report
    target = PackageStatus.READY if report.passed else PackageStatus.BLOCKED
    check_package_move(PackageStatus(package.status), target)
    package.status = target.value
    run = GateRunRow(
        package_id=package.id, manifest_sha256=manifest_sha256, ran_at=clock.now(),
        passed=report.passed, items_checked=report.items,
        checked={c.value: n for c, n in report.checked.items()},
        failures={c.value: report.failures(c) for c in Check if report.failures(c)},
        offending_items=len(report.offending_items), seconds=round(timed.seconds, 3),
    )  # fmt: skip
    session.add(run)
    session.flush()
    session.add_all(
        GateFindingRow(gate_run_id=run.id, item_id=f.item, check=f.check.value, reason=f.reason,
                       collection=f.collection, item_key=_key(f.key))
        for f in report.findings
    )  # fmt: skip
    if not report.passed:
        run.incident_id = _near_miss(session, audit, clock, package, report).id
    _audit(session, audit, package, run, report)
    return run


def _near_miss(
    session: Session, audit: AuditService, clock: Clock, package: PackageRow, report: GateReport
) -> IncidentRow:
    offending = counted(len(report.offending_items), "offending item", "offending items")
    log.warning("leak gate blocked package %s: %s", package.id, offending)
    new = NewIncident(
        IncidentKind.NEAR_MISS, IncidentSource.GATE, reporter="gate", aware_at=clock.now(),
        request_id=package.request_id, package_id=package.id,
        affected_items=tuple(report.offending_items),
        description="The leak gate blocked the package: "
        + ", ".join(f"{c.value} {report.failures(c)}" for c in Check if report.failures(c)),
    )  # fmt: skip
    return open_incident(session, audit, clock, new, SYSTEM)


def _audit(
    session: Session,
    audit: AuditService,
    package: PackageRow,
    run: GateRunRow,
    report: GateReport,
) -> None:
    offending = report.offending_items
    audit.record(
        session, SYSTEM.id, SYSTEM.role_name,
        "package.gate_passed" if report.passed else "package.gate_blocked", package.request_id,
        package_id=package.id, gate_run=run.id, manifest_sha256=run.manifest_sha256,
        items=report.items, offending=len(offending), item_ids=offending[:AUDIT_ITEM_IDS],
        derivation_failures=report.failures(Check.DERIVATION),
        identifier_failures=report.failures(Check.FOREIGN_IDENTIFIER),
        footprint_failures=report.failures(Check.FOOTPRINT),
        assurance_failures=report.failures(Check.ASSURANCE),
        never_disclosed_failures=report.failures(Check.NEVER_DISCLOSED),
        incident_id=run.incident_id,
    )  # fmt: skip


def latest_run(session: Session, package_id: str) -> GateRunRow | None:
    """The newest gate run of a package."""
    query = select(GateRunRow).where(GateRunRow.package_id == package_id)
    return session.scalars(query.order_by(GateRunRow.id.desc()).limit(1)).first()


def findings_of(session: Session, run_id: int, limit: int = 1000) -> list[GateFindingRow]:
    """The findings of one gate run."""
    query = select(GateFindingRow).where(GateFindingRow.gate_run_id == run_id)
    return list(session.scalars(query.order_by(GateFindingRow.id).limit(limit)))


def _key(key: tuple[object, ...] | None) -> list[object] | None:
    if key is None:
        return None
    return [k if isinstance(k, str | int | float | bool) or k is None else str(k) for k in key]
