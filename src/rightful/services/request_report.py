"""`rightful report requests` and GET /api/v1/reports/requests: the yearly figures on requests
(domain/request_report.py defines each), read as columns of the requests received in the
period and streamed into counts: a million requests are a million tuples read in batches, never
a million objects held. Each request's outcome is read from its moves and audit entries up to
the report's moment, never from its current status, so a report as of a past moment is the
same whenever it is made."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, tzinfo
from typing import Any, Final

from sqlalchemy import ColumnElement, Select, exists, func, select
from sqlalchemy.orm import Session

from rightful.adapters.db.audit import AuditEntryRow
from rightful.adapters.db.base import Store
from rightful.adapters.db.tables import RequestRow, TransitionRow
from rightful.domain.clock import Clock
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.lifecycle import TERMINAL, Status
from rightful.domain.request_report import JURISDICTIONS, Facts, Period, RequestReport, tally
from rightful.domain.unfounded import REFUSED_MANIFESTLY

BATCH: Final = 2000  # rows fetched at a time (a server-side cursor on PostgreSQL)
FINAL: Final = frozenset(s.value for s in TERMINAL)


class RequestReporter:
    """Counts the requests received in a period, by jurisdiction and kind."""

    def __init__(self, store: Store, clock: Clock, zone: tzinfo) -> None:
        self.store, self.clock, self.zone = store, clock, zone

    def report(
        self,
        period: Period,
        jurisdiction: Jurisdiction | None = None,
        as_of: datetime | None = None,
    ) -> RequestReport:
        """The figures for `period` (days in the controller's zone), of one jurisdiction or
        all three, as they stood at `as_of` (default: now)."""
        computed_at = self.clock.now()
        moment = computed_at if as_of is None else as_of
        laws = (jurisdiction.value,) if jurisdiction else JURISDICTIONS
        with self.store.transaction() as session:
            lines = tally(self._facts(session, period, laws, moment), laws, self.zone)
        return RequestReport(period, str(self.zone), moment, computed_at, lines)

    def _facts(
        self, session: Session, period: Period, laws: tuple[str, ...], as_of: datetime
    ) -> Iterator[Facts]:
        query = _query(*period.bounds(self.zone), laws, as_of).execution_options(yield_per=BATCH)
        for row in session.execute(query):
            status = row.status or Status.RECEIVED.value  # no move yet: as submitted
            extended = row.extended_at is not None and row.extended_at <= as_of
            closed_at = row.moved_at if status in FINAL else None
            yield Facts(
                row.jurisdiction, row.type, status, row.received_at, row.respond_by, extended,
                closed_at, row.delivered_at, bool(row.refused_unverified), bool(row.manifestly),
            )  # fmt: skip


def _query(
    start: datetime, end: datetime, laws: tuple[str, ...], as_of: datetime
) -> Select[*tuple[Any, ...]]:
    """One row of columns per request received in [start, end) under `laws` and entered in the
    store by `as_of`, with its last move, its last delivery and any Art. 12(5) refusal by then."""
    r, t = RequestRow, TransitionRow
    moves = (t.request_id == r.id, t.at <= as_of)
    last = select(t.target).where(*moves).order_by(t.at.desc(), t.id.desc()).limit(1)
    moved_at = select(func.max(t.at)).where(*moves)
    delivered = select(func.max(t.at)).where(*moves, t.target == Status.DELIVERED.value)
    return select(
        r.jurisdiction, r.type, last.scalar_subquery().label("status"), r.received_at,
        r.respond_by, r.extended_at, moved_at.scalar_subquery().label("moved_at"),
        delivered.scalar_subquery().label("delivered_at"), r.refused_unverified,
        _audited(REFUSED_MANIFESTLY, as_of).label("manifestly"),
    ).where(
        r.received_at >= start, r.received_at < end, r.received_at <= as_of,
        r.jurisdiction.in_(laws), _audited("request.submitted", as_of),
    )  # fmt: skip


def _audited(action: str, by: datetime) -> ColumnElement[bool]:
    """Whether the request has an audit entry of `action` made by `by`."""
    a = AuditEntryRow
    return exists().where(a.request_id == RequestRow.id, a.action == action, a.at <= by)
