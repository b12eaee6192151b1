"""What an operator alerts on, counted when asked (GET /metrics): requests by status and by
urgency, packages and builds, incidents and their notification clocks, notices that reached
nobody, the audit chain's length. Counts only: never an id, a name or an address.

Each figure comes from the rule its own command applies: urgency from `RequestService.due_counts`
(`rightful requests due`), lost builds from `still_building` (`rightful jobs builds`), notices
that reached nobody from `RequestNoticeMail.unsent_counts` (`rightful jobs daily`), incident
clocks from `clocks_of` and `untold_of` (`rightful jobs incidents`), read for every open
incident at once (`read_clocks`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rightful.adapters.db.base import Store
from rightful.adapters.db.incidents import IncidentRow
from rightful.adapters.db.packages import PackageRow
from rightful.adapters.db.tables import RequestRow
from rightful.domain.clock import Clock
from rightful.domain.deadlines import Urgency
from rightful.domain.incidents import IncidentStatus
from rightful.domain.lifecycle import ANSWERED, OPEN, Status
from rightful.domain.packages import PackageStatus
from rightful.domain.requests import ANSWERED_WITH_PACKAGE
from rightful.services.build_heartbeat import still_building
from rightful.services.incident_figures import IncidentClocks, read_clocks

if TYPE_CHECKING:
    from rightful.services.audit import AuditService
    from rightful.services.incidents import IncidentService
    from rightful.services.request_mail import RequestNoticeMail
    from rightful.services.requests import RequestService


@dataclass(frozen=True)
class Figures:
    requests_open: Mapping[tuple[str, str], int]  # (status, type) of requests not final
    requests_urgency: Mapping[Urgency, int]  # those still to be answered, as `requests due`
    oldest_waiting_days: float  # the oldest of those, from receipt; 0 with none
    packages: Mapping[str, int]  # by status
    builds_waiting: Mapping[str, int]  # verified, answered with a package, no build yet
    builds_running: int
    builds_lost: int
    incidents_open: Mapping[str, int]  # by kind
    incident_clocks: IncidentClocks
    notices_unsent: Mapping[str, int]  # request notices that reached nobody, by mail state
    audit_entries: int


class FigureReader:
    """Reads the figures with a fixed number of queries, however many requests and incidents
    there are."""

    def __init__(
        self, store: Store, clock: Clock, requests: RequestService, incidents: IncidentService,
        notices: RequestNoticeMail, audit: AuditService, build_lost_after: timedelta,
    ) -> None:  # fmt: skip
        self.store, self.clock, self.requests, self.incidents = store, clock, requests, incidents
        self.notices, self.audit, self.build_lost_after = notices, audit, build_lost_after

    def read(self) -> Figures:
        now = self.clock.now()
        with self.store.transaction() as session:
            requests_open, oldest, waiting = _requests(session)
            packages, building = _packages(session)
            incidents = _counts(session.execute(
                select(IncidentRow.kind, func.count())
                .where(IncidentRow.status != IncidentStatus.CLOSED.value)
                .group_by(IncidentRow.kind)))  # fmt: skip
            clocks = read_clocks(session, self.incidents.policy.regimes, now)
        running = sum(still_building(b, now, self.build_lost_after) for b in building)
        return Figures(
            requests_open=requests_open, requests_urgency=self.requests.due_counts(),
            oldest_waiting_days=_days(now - oldest) if oldest else 0.0,
            packages=packages, builds_waiting=waiting, builds_running=running,
            builds_lost=len(building) - running, incidents_open=incidents,
            incident_clocks=clocks,
            notices_unsent=self.notices.unsent_counts(), audit_entries=self.audit.head().last_seq,
        )  # fmt: skip


def _requests(session: Session) -> tuple[dict[Any, int], datetime | None, dict[Any, int]]:
    """Requests not final by (status, type); the receipt of the oldest still to be answered;
    verified ones answered with a package, none built yet, by jurisdiction."""
    by_kind = _counts(session.execute(
        select(RequestRow.status, RequestRow.type, func.count())
        .where(RequestRow.status.in_([s.value for s in OPEN]))
        .group_by(RequestRow.status, RequestRow.type)))  # fmt: skip
    oldest = session.scalar(select(func.min(RequestRow.received_at)).where(
        RequestRow.status.in_([s.value for s in OPEN - ANSWERED])))  # fmt: skip
    waiting = _counts(session.execute(
        select(RequestRow.jurisdiction, func.count())
        .where(RequestRow.status == Status.VERIFIED.value,
               RequestRow.type.in_([t.value for t in ANSWERED_WITH_PACKAGE]))
        .group_by(RequestRow.jurisdiction)))  # fmt: skip
    return by_kind, oldest, waiting


def _packages(session: Session) -> tuple[dict[Any, int], list[Any]]:
    """Packages by status, and what tells each build still `building` running or lost."""
    by_status = _counts(session.execute(
        select(PackageRow.status, func.count()).group_by(PackageRow.status)))  # fmt: skip
    building = list(session.execute(
        select(PackageRow.status, PackageRow.created_at, PackageRow.heartbeat_at)
        .where(PackageRow.status == PackageStatus.BUILDING.value)))  # fmt: skip
    return by_status, building


def _counts(rows: Iterable[Sequence[Any]]) -> dict[Any, int]:
    """{key: count} from rows of key columns and a count (one key column: the key alone)."""
    out: dict[Any, int] = {}
    for *key, n in rows:
        out[key[0] if len(key) == 1 else tuple(key)] = n
    return out


def _days(age: timedelta) -> float:
    return age.total_seconds() / 86400
