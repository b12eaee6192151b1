"""The notification clocks of every open incident for GET /metrics, read in five queries
whatever the number of incidents: the same deadlines and untold people `rightful jobs
incidents` reminds the DPO of (`clocks_of`, `untold_of`), from rows loaded for all at once."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, load_only

from rightful.adapters.db.incidents import (
    IncidentAssessmentRow,
    IncidentNoticeDeliveryRow,
    IncidentNoticeRow,
    IncidentRow,
    IncidentScopeRow,
)
from rightful.domain.incident_clocks import Audience, Deadline, Regime
from rightful.domain.incident_scope import scope_from_json
from rightful.domain.incident_untold import Untold, untold_of
from rightful.domain.incidents import IncidentStatus
from rightful.services.incident_assessment import clocks_of, first_sent
from rightful.services.incident_notices import GIVEN, joined_at, sent_to_people

# An incident notice due within this long is "due soon" (the first reminder's distance).
INCIDENT_SOON: Final = timedelta(hours=24)

OPEN: Final = IncidentRow.status != IncidentStatus.CLOSED.value


@dataclass(frozen=True)
class IncidentClocks:
    """Notices owed by (regime, audience): still to go, overdue, due within INCIDENT_SOON; and
    people a sent notice has not told, by regime: all, and overdue."""

    regimes: tuple[str, ...]  # in force
    owed: Mapping[tuple[str, str], int]
    overdue: Mapping[tuple[str, str], int]
    due_soon: Mapping[tuple[str, str], int]
    untold: Mapping[str, int]
    untold_overdue: Mapping[str, int]


def read_clocks(session: Session, regimes: Sequence[Regime], now: datetime) -> IncidentClocks:
    """The clocks of the incidents not closed, counted as of `now`."""
    deadlines, untold = _open_clocks(session, regimes)
    owed: Counter[tuple[str, str]] = Counter()
    overdue: Counter[tuple[str, str]] = Counter()
    soon: Counter[tuple[str, str]] = Counter()
    for d in deadlines:
        key, state, left = (d.regime, d.audience.value), d.state(now), d.left(now)
        owed[key] += state in ("open", "overdue")
        overdue[key] += state == "overdue"
        soon[key] += state == "open" and left is not None and left <= INCIDENT_SOON
    told: Counter[str] = Counter()
    told_overdue: Counter[str] = Counter()
    for u in untold:
        told[u.regime] += len(u.people)
        told_overdue[u.regime] += len(u.overdue(now))
    names = tuple(r.name for r in regimes)
    return IncidentClocks(names, owed, overdue, soon, told, told_overdue)


def _open_clocks(
    session: Session, regimes: Sequence[Regime]
) -> tuple[list[Deadline], list[Untold]]:
    """Every deadline of every open incident, and every sent notice's untold people."""
    rows = list(session.scalars(select(IncidentRow).where(OPEN).options(load_only(
        IncidentRow.kind, IncidentRow.aware_at, IncidentRow.scope_id,
        IncidentRow.assessment_id))))  # fmt: skip
    assessments = {a.id: a for a in session.scalars(_of_open(IncidentAssessmentRow).where(
        IncidentAssessmentRow.id == IncidentRow.assessment_id))}  # fmt: skip
    notices = _by_incident(session.scalars(_notices()))
    scope_rows = list(session.scalars(_of_open(IncidentScopeRow)))
    scopes, by_id = _by_incident(scope_rows), {s.id: s for s in scope_rows}
    attempts = _attempts(session)
    deadlines: list[Deadline] = []
    untold: list[Untold] = []
    for row in rows:
        stored = by_id.get(row.scope_id) if row.scope_id else None
        scope = scope_from_json(stored.data) if stored else None
        a = assessments.get(row.assessment_id) if row.assessment_id else None
        done = first_sent(notices[row.id]) if a else {}
        deadlines += clocks_of(row, a, scope, regimes, done)
        sent = sent_to_people(notices[row.id], attempts.__getitem__)
        if sent:
            people = scope.subjects if scope else ()
            untold += untold_of(sent, people, joined_at(scopes[row.id]), regimes).values()
    return deadlines, untold


T = TypeVar("T", IncidentAssessmentRow, IncidentScopeRow)
R = TypeVar("R", IncidentNoticeRow, IncidentScopeRow)


def _of_open(table: type[T]) -> Select[T]:
    """The rows of `table` that belong to an open incident."""
    return select(table).join(IncidentRow, IncidentRow.id == table.incident_id).where(OPEN)


def _notices() -> Select[IncidentNoticeRow]:
    """The notices of open incidents, in the order an incident's page lists them."""
    n = IncidentNoticeRow
    return (select(n).join(IncidentRow, IncidentRow.id == n.incident_id).where(OPEN)
            .options(load_only(n.incident_id, n.audience, n.regime, n.status, n.sent_at))
            .order_by(n.created_at, n.audience, n.id))  # fmt: skip


def _attempts(session: Session) -> defaultdict[str, list[IncidentNoticeDeliveryRow]]:
    """Each attempt of a sent notice to the people of an open incident, by notice, oldest
    first."""
    d, n = IncidentNoticeDeliveryRow, IncidentNoticeRow
    query = (select(d).join(n, n.id == d.notice_id)
             .join(IncidentRow, IncidentRow.id == n.incident_id)
             .where(OPEN, n.audience == Audience.SUBJECTS.value, n.status.in_(GIVEN))
             .options(load_only(d.notice_id, d.subject, d.outcome)).order_by(d.id))  # fmt: skip
    out: defaultdict[str, list[IncidentNoticeDeliveryRow]] = defaultdict(list)
    for a in session.scalars(query):
        out[a.notice_id].append(a)
    return out


def _by_incident(rows: Iterable[R]) -> defaultdict[str, list[R]]:
    out: defaultdict[str, list[R]] = defaultdict(list)
    for r in rows:
        out[r.incident_id].append(r)
    return out
