"""`rightful report requests` and GET /api/v1/reports/requests: the yearly figures on requests
(domain/request_report.py defines each), read as columns of the requests received in the
period and streamed into counts: a million requests are a million tuples read in batches, never
a million objects held."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, tzinfo
from typing import Any, Final

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session

from rightful.adapters.db.audit import AuditEntryRow
from rightful.adapters.db.base import Store
from rightful.adapters.db.tables import RequestRow, TransitionRow
from rightful.domain.clock import Clock
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.lifecycle import Status
from rightful.domain.request_report import JURISDICTIONS, Facts, Period, RequestReport, tally
from rightful.domain.unfounded import REFUSED_MANIFESTLY

BATCH: Final = 2000  # rows fetched at a time (a server-side cursor on PostgreSQL)


class RequestReporter:
    """Counts the requests received in a period, by jurisdiction and kind."""

    def __init__(self, store: Store, clock: Clock, zone: tzinfo) -> None:
        self.store, self.clock, self.zone = store, clock, zone

    def report(self, period: Period, jurisdiction: Jurisdiction | None = None) -> RequestReport:
        """The figures for `period` (days in the controller's zone), of one jurisdiction or
        all three, as they stand now."""
        made_at = self.clock.now()
        laws = (jurisdiction.value,) if jurisdiction else JURISDICTIONS
        with self.store.transaction() as session:
            lines = tally(self._facts(session, period, laws), laws, self.zone)
        return RequestReport(period, str(self.zone), made_at, lines)

    def _facts(self, session: Session, period: Period, laws: tuple[str, ...]) -> Iterator[Facts]:
        query = _query(*period.bounds(self.zone), laws).execution_options(yield_per=BATCH)
        for row in session.execute(query):
            yield Facts(
                row.jurisdiction, row.type, row.status, row.received_at, row.respond_by,
                row.extended_at is not None, row.closed_at, row.delivered_at,
                bool(row.refused_unverified), bool(row.manifestly),
            )  # fmt: skip


def _query(start: datetime, end: datetime, laws: tuple[str, ...]) -> Select[*tuple[Any, ...]]:
    """One row of columns per request received in [start, end) under `laws`."""
    r = RequestRow
    delivered = (
        select(func.max(TransitionRow.at))
        .where(TransitionRow.request_id == r.id, TransitionRow.target == Status.DELIVERED.value)
        .scalar_subquery()
        .label("delivered_at")
    )
    manifestly = (
        exists()
        .where(AuditEntryRow.request_id == r.id, AuditEntryRow.action == REFUSED_MANIFESTLY)
        .label("manifestly")
    )
    return select(
        r.jurisdiction, r.type, r.status, r.received_at, r.respond_by, r.extended_at,
        r.closed_at, delivered, r.refused_unverified, manifestly,
    ).where(r.received_at >= start, r.received_at < end, r.jurisdiction.in_(laws))  # fmt: skip
