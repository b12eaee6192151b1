"""The notification clocks of every open incident, read in five queries whatever the number of
incidents: each one's deadlines (`clocks_of`) and the people its sent notices have not told
(`untold_of`), from rows loaded for all at once. GET /metrics counts them; `rightful jobs
incidents` reminds the DPO of them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
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

OPEN: Final = IncidentRow.status != IncidentStatus.CLOSED.value


@dataclass(frozen=True)
class OpenClocks:
    """An open incident's deadlines; by sent notice, the people it has not told, and the mark
    of the untold people the DPO was last reminded of (None: never)."""

    incident_id: str
    deadlines: list[Deadline]
    untold: Mapping[str, Untold]
    reminded: Mapping[str, str | None]


def open_clocks(session: Session, regimes: Sequence[Regime]) -> list[OpenClocks]:
    """The clocks of every incident not closed, oldest first."""
    rows = list(session.scalars(select(IncidentRow).where(OPEN).options(load_only(
        IncidentRow.kind, IncidentRow.aware_at, IncidentRow.scope_id,
        IncidentRow.assessment_id)).order_by(IncidentRow.opened_at)))  # fmt: skip
    assessments = {a.id: a for a in session.scalars(_of_open(IncidentAssessmentRow).where(
        IncidentAssessmentRow.id == IncidentRow.assessment_id))}  # fmt: skip
    notices = _by_incident(session.scalars(_notices()))
    scope_rows = list(session.scalars(_of_open(IncidentScopeRow)))
    scopes, by_id = _by_incident(scope_rows), {s.id: s for s in scope_rows}
    attempts = _attempts(session)
    out: list[OpenClocks] = []
    for row in rows:
        stored = by_id.get(row.scope_id) if row.scope_id else None
        scope = scope_from_json(stored.data) if stored else None
        a = assessments.get(row.assessment_id) if row.assessment_id else None
        done = first_sent(notices[row.id]) if a else {}
        sent = sent_to_people(notices[row.id], attempts.__getitem__)
        people = scope.subjects if scope else ()
        untold = untold_of(sent, people, joined_at(scopes[row.id]), regimes) if sent else {}
        reminded = {n.id: n.untold_reminded for n in notices[row.id] if n.id in untold}
        out.append(OpenClocks(row.id, clocks_of(row, a, scope, regimes, done), untold, reminded))
    return out


T = TypeVar("T", IncidentAssessmentRow, IncidentScopeRow)
R = TypeVar("R", IncidentNoticeRow, IncidentScopeRow)


def _of_open(table: type[T]) -> Select[T]:
    """The rows of `table` that belong to an open incident."""
    return select(table).join(IncidentRow, IncidentRow.id == table.incident_id).where(OPEN)


def _notices() -> Select[IncidentNoticeRow]:
    """The notices of open incidents, in the order an incident's page lists them."""
    n = IncidentNoticeRow
    return (select(n).join(IncidentRow, IncidentRow.id == n.incident_id).where(OPEN)
            .options(load_only(n.incident_id, n.audience, n.regime, n.status, n.sent_at,
                               n.untold_reminded))
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
