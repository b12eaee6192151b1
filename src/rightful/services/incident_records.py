"""Writing incident records inside the caller's transaction: opening with containment (freeze the
packages, revoke their links), and every later change of a register field, each audited with the
digests of the new values so that the register cannot be edited behind the chain's back."""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from rightful.adapters.db.delivery import DownloadLinkRow
from rightful.adapters.db.incidents import IncidentRow, IncidentScopeRow
from rightful.adapters.db.packages import PackageRow
from rightful.domain.clock import Clock
from rightful.domain.errors import ConflictError, NotFoundError
from rightful.domain.incident_clocks import Regime
from rightful.domain.incident_register import changed, digests, encode
from rightful.domain.incident_scope import Scope, scope_json
from rightful.domain.incidents import (
    IncidentKind,
    IncidentSource,
    IncidentStatus,
    Nature,
    NewIncident,
    ReporterKind,
    check_incident_move,
    default_nature,
)
from rightful.domain.packages import PACKAGE_MOVES, PackageStatus
from rightful.domain.staff import Principal
from rightful.domain.words import counted
from rightful.services.audit import AuditService

T = TypeVar("T")

# The start of an incident id as people are shown it (INC-2934e53d): lowercase hex and dashes.
REFERENCE = re.compile(r"[0-9a-f-]+")


@dataclass(frozen=True)
class Target:
    """What a scope is computed for (a detached copy of the incident's fields)."""

    incident_id: str
    kind: IncidentKind
    request_id: str | None
    package_ids: tuple[str, ...]
    affected_items: frozenset[str]

    @classmethod
    def of(cls, row: IncidentRow) -> Target:
        packages = tuple(row.package_ids or ([row.package_id] if row.package_id else []))
        return cls(row.id, IncidentKind(row.kind), row.request_id, packages,
                   frozenset(row.affected_items or ()))  # fmt: skip


def open_incident(
    session: Session, audit: AuditService, clock: Clock, new: NewIncident, by: Principal
) -> IncidentRow:
    """Record an incident inside the caller's transaction, freeze its packages and revoke their
    links (containment, in the same transaction), audit it with the register's digests."""
    now = clock.now()
    new.check(now)
    row = IncidentRow(
        id=str(uuid.uuid4()), kind=new.kind.value, source=new.source.value,
        status=IncidentStatus.OPEN.value, opened_at=now, aware_at=new.aware_at,
        reporter=new.reporter.strip(), opened_by=by.id, request_id=new.request_id,
        package_id=new.package_id, affected_items=list(new.affected_items),
        affected_count=len(new.affected_items), description=new.description,
        reporter_kind=new.kind_of_reporter.value,
        nature=(new.nature or default_nature(new.kind)).value, package_ids=list(new.packages),
        links_revoked=0, packages_frozen=0, effects="", decision_reason="", remedial_action="",
    )  # fmt: skip
    session.add(row)
    session.flush()
    record_change(
        session, audit, row, by, "incident.opened", None,
        kind=row.kind, source=row.source, reporter_kind=row.reporter_kind,
        package_id=new.package_id, affected=row.affected_count,
        aware_at=row.aware_at.isoformat(timespec="seconds"),
    )  # fmt: skip
    if new.packages:
        contain(session, audit, clock, row, new.packages, by)
    return row


def contain(
    session: Session, audit: AuditService, clock: Clock, row: IncidentRow,
    package_ids: Iterable[str], by: Principal,
) -> tuple[int, int]:  # fmt: skip
    """Freeze packages and revoke every live link to them; (packages frozen, links revoked)."""
    ids = list(dict.fromkeys(package_ids))
    already = _revoked_before(session, ids)
    with tracked(session, audit, row, by, "incident.contained") as summary:
        frozen = sum(freeze_package(session, p) for p in ids)
        revoked = revoke_links(session, clock, ids, by)
        row.package_ids = list(dict.fromkeys([*row.package_ids, *ids]))
        row.packages_frozen += frozen
        row.links_revoked += revoked
        row.contained_at = row.contained_at or clock.now()
        if row.status == IncidentStatus.OPEN.value:
            row.status = IncidentStatus.CONTAINED.value
        summary.update(package_ids=ids, packages_frozen=frozen, links_revoked=revoked,
                       links_revoked_before=already)  # fmt: skip
    return frozen, revoked


def freeze_package(session: Session, package_id: str) -> bool:
    """Stop a package from going anywhere (True when it was not frozen or failed already)."""
    package = session.get(PackageRow, package_id, with_for_update=True)
    if package is None:
        return False
    current = PackageStatus(package.status)
    if PackageStatus.FROZEN not in PACKAGE_MOVES[current]:
        return False
    package.status = PackageStatus.FROZEN.value
    return True


def revoke_links(session: Session, clock: Clock, package_ids: list[str], by: Principal) -> int:
    """Revoke every live download link of the packages (delivery's table, cause `incident`)."""
    if not package_ids:
        return 0
    result = session.execute(
        update(DownloadLinkRow)
        .where(DownloadLinkRow.package_id.in_(package_ids), DownloadLinkRow.revoked_at.is_(None))
        .values(revoked_at=clock.now(), revoked_by=by.id, revoke_cause="incident")
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _revoked_before(session: Session, package_ids: list[str]) -> int:
    if not package_ids:
        return 0
    query = select(func.count()).where(
        DownloadLinkRow.package_id.in_(package_ids), DownloadLinkRow.revoked_at.is_not(None)
    )
    return int(session.scalar(query) or 0)


def record_change(
    session: Session, audit: AuditService, row: IncidentRow, by: Principal, action: str,
    before: dict[str, str] | None, **summary: object,
) -> None:  # fmt: skip
    """Audit a change of the register row with the digests of every field that changed."""
    session.flush()
    after = digests(row.register_record())
    audit.record(
        session, by.id, by.role_name, action, row.request_id, incident_id=row.id,
        digests=encode(changed(before or {}, after)), **summary,
    )  # fmt: skip


@contextmanager
def tracked(
    session: Session, audit: AuditService, row: IncidentRow, by: Principal, action: str
) -> Iterator[dict[str, object]]:
    """Change the row inside the block; on leaving, audit `action` with the changed digests
    and whatever the block put into the yielded summary."""
    before = digests(row.register_record())
    summary: dict[str, object] = {}
    yield summary
    record_change(session, audit, row, by, action, before, **summary)


def move(row: IncidentRow, target: IncidentStatus) -> None:
    """Change an incident's status if its life allows it."""
    check_incident_move(IncidentStatus(row.status), target)
    row.status = target.value


def load_incident(session: Session, incident_id: str, lock: bool = False) -> IncidentRow:
    """One incident by id, or by the reference people are shown (`INC-2934e53d`, or the
    first 8 or more characters of its id); NotFoundError when there is none."""
    row = session.get(IncidentRow, _full_id(session, incident_id), with_for_update=lock)
    if row is None:
        raise NotFoundError(f"no incident {incident_id}")
    return row


def by_reference(method: Callable[..., T]) -> Callable[..., T]:
    """Let a service method take an incident by its reference (`INC-2934e53d`, an id prefix):
    the full id is looked up once, so that everything the method writes names it exactly."""

    @functools.wraps(method)
    def resolved(self: Any, incident_id: str, *args: Any, **kwargs: Any) -> T:
        with self.store.transaction() as session:
            full = load_incident(session, incident_id).id
        return method(self, full, *args, **kwargs)

    return resolved


def _full_id(session: Session, reference: str) -> str:
    prefix = reference.strip().lower().removeprefix("inc-")
    if len(prefix) >= 36 or len(prefix) < 8 or not REFERENCE.fullmatch(prefix):
        return reference
    query = select(IncidentRow.id).where(IncidentRow.id.startswith(prefix)).limit(2)
    found = list(session.scalars(query))
    if len(found) > 1:
        raise ConflictError(f"{reference} names more than one incident; give more of its id")
    return found[0] if found else reference


def open_incident_about(
    session: Session, package_ids: Iterable[str], besides: str | None = None
) -> IncidentRow | None:
    """The open incident (not a near-miss, not `besides`) that already concerns one of the
    packages, if any: a breach of a package it concerns is that incident, with its one clock
    and register row."""
    wanted = set(package_ids)
    if not wanted:
        return None
    query = select(IncidentRow).where(
        IncidentRow.status != IncidentStatus.CLOSED.value,
        IncidentRow.kind != IncidentKind.NEAR_MISS.value,
        IncidentRow.id != (besides or ""),
    )
    for row in session.scalars(query.order_by(IncidentRow.opened_at)):
        if wanted & set(row.package_ids or []):
            return row
    return None


def incidents_of(session: Session, request_id: str) -> list[IncidentRow]:
    """Every incident about one request, oldest first."""
    query = select(IncidentRow).where(IncidentRow.request_id == request_id)
    return list(session.scalars(query.order_by(IncidentRow.opened_at)))


def get_incident(session: Session, incident_id: str) -> IncidentRow | None:
    """One incident by id."""
    return session.get(IncidentRow, incident_id)


@dataclass(frozen=True)
class IncidentPolicy:
    """What incident response reads from the settings (the container fills it, rightful/wiring)."""

    regimes: tuple[Regime, ...]
    controller: str
    dpo_contact: str
    dpo_email: str | None = None
    authority: str | None = None
    reminder_hours: tuple[int, ...] = (24, 6)
    acknowledgement_attempts: int = 24
    export_dir: Path = Path("var/incidents")
    language: str = "en"


@dataclass(frozen=True)
class IncidentReport:
    """An incident reported by staff or from outside. Contact details stay in the incident
    tables; the register and the chain hold the reporter's kind and a label."""

    kind: IncidentKind
    source: IncidentSource
    description: str
    aware_at: datetime | None = None
    reporter_kind: ReporterKind | None = None
    request_id: str | None = None
    package_ids: tuple[str, ...] = ()
    nature: Nature | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    organisation: str | None = None
    reference: str | None = None
    items: tuple[str, ...] = field(default=())


def effects_of(scope: Scope) -> str:
    d = scope.delivery
    went = (
        f"; {counted(d.downloads, 'successful download', 'successful downloads')} of "
        f"{counted(d.links, 'link', 'links')}"
        if d.links
        else "; nothing was delivered"
    )
    return (f"{scope.summary} of {counted(len(scope.subjects), 'person', 'people')}{went}; "
            f"deletion: {DELETION_WORDS.get(d.deletion, d.deletion)}")  # fmt: skip


# The recipient's answer to the deletion request (Delivery.deletion), as the register says it.
DELETION_WORDS = {
    "not_asked": "not asked for",
    "not_confirmed": "asked, not confirmed",
    "deleted": "the recipient confirmed it",
    "never_downloaded": "the recipient says they never downloaded it",
}


def scope_row(incident_id: str, scope: Scope, at: datetime, by: str) -> IncidentScopeRow:
    return IncidentScopeRow(
        incident_id=incident_id, computed_at=at, computed_by=by, basis=scope.basis.value,
        subjects=len(scope.subjects), records=scope.counts.records, files=scope.counts.files,
        downloads=scope.delivery.downloads, summary=scope.summary,
        datamap_sha256=scope.datamap_sha256, data=scope_json(scope),
    )  # fmt: skip
