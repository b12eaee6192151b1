"""What is due: open requests not yet answered by time left and urgency, their counts, and the
daily sweep that logs them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import case, func, select
from sqlalchemy.orm import load_only

from rightful.adapters.db.base import Store
from rightful.adapters.db.tables import RequestRow
from rightful.domain import deadlines as dl
from rightful.domain.clock import Clock
from rightful.domain.lifecycle import ANSWERED, OPEN, Status
from rightful.services.request_deadlines import CLOCK_COLUMNS, running_deadlines
from rightful.settings import Settings

log = logging.getLogger("rightful.requests")

MOST_LISTED = 100_000  # open requests a due list reads at once


@dataclass(frozen=True)
class DueItem:
    request_id: str
    status: Status
    jurisdiction: str
    respond_by: datetime
    time_left: timedelta
    urgency: dl.Urgency


# What a due item is made of, besides the clock of a request on hold (CLOCK_COLUMNS): no
# requester's name, e-mail, phone or claimed identities is read for a due list.
DUE_COLUMNS: Final = (RequestRow.id, RequestRow.status, RequestRow.respond_by, *CLOCK_COLUMNS)


def due(
    store: Store, clock: Clock, settings: Settings, *, within_days: int | None = None
) -> list[DueItem]:
    """Open requests not yet answered, by time left, most urgent first."""
    now = clock.now()
    soon = settings.due_soon_days
    waiting = [s.value for s in OPEN - ANSWERED]
    query = (select(RequestRow).options(load_only(*DUE_COLUMNS))
             .where(RequestRow.status.in_(waiting))
             .order_by(RequestRow.respond_by, RequestRow.id).limit(MOST_LISTED))  # fmt: skip
    with store.transaction() as session:
        rows = list(session.scalars(query))
    held = [r for r in rows if r.status == Status.ON_HOLD]
    running = running_deadlines(store, held, settings, clock)
    items = []
    for row in rows:
        respond_by = running.get(row.id, row.respond_by)
        items.append(DueItem(
            request_id=row.id, status=Status(row.status), jurisdiction=row.jurisdiction,
            respond_by=respond_by, time_left=respond_by - now,
            urgency=dl.urgency_at(respond_by, now, soon),
        ))  # fmt: skip
    if within_days is not None:
        items = [i for i in items if i.time_left <= timedelta(days=within_days)]
    return sorted(items, key=lambda i: i.time_left)


def due_counts(store: Store, clock: Clock, settings: Settings) -> dict[dl.Urgency, int]:
    """How many requests `due` lists at each urgency, counted in the store: one query for
    those whose stored deadline holds, and the running deadline of those on hold (two more:
    what their clock needs, and their pauses)."""
    now = clock.now()
    overdue_before, soon_until = dl.urgency_bounds(now, settings.due_soon_days)
    waiting = [s.value for s in OPEN - ANSWERED - {Status.ON_HOLD}]
    by = RequestRow.respond_by
    query = select(
        func.count(case((by < overdue_before, 1))),
        func.count(case(((by >= overdue_before) & (by <= soon_until), 1))),
        func.count(case((by > soon_until, 1))),
    ).where(RequestRow.status.in_(waiting))
    with store.transaction() as session:
        overdue, soon, ok = session.execute(query).one()
        held = list(session.scalars(
            select(RequestRow).options(load_only(*CLOCK_COLUMNS))
            .where(RequestRow.status == Status.ON_HOLD)))  # fmt: skip
    running = running_deadlines(store, held, settings, clock)
    counts = {dl.Urgency.OVERDUE: overdue, dl.Urgency.DUE_SOON: soon, dl.Urgency.OK: ok}
    for respond_by in running.values():
        counts[dl.urgency_at(respond_by, now, settings.due_soon_days)] += 1
    return counts


def sweep_due(items: list[DueItem], settings: Settings) -> tuple[int, int]:
    """Log one line with the overdue and due-soon counts and ids among `items` (never
    contents); how many of each."""
    overdue = [i.request_id for i in items if i.urgency is dl.Urgency.OVERDUE]
    soon = [i.request_id for i in items if i.urgency is dl.Urgency.DUE_SOON]
    level = logging.WARNING if overdue or soon else logging.INFO
    log.log(
        level,
        "deadline sweep: %d open, %d overdue %s, %d due within %d days %s",
        len(items),
        len(overdue),
        overdue,
        len(soon),
        settings.due_soon_days,
        soon,
    )
    return len(overdue), len(soon)
