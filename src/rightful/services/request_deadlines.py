"""A request's deadlines as of now, from its receipt, its pauses and its extension; and the law
they follow."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from rightful.adapters.db.base import Store
from rightful.adapters.db.tables import PauseRow, RequestRow
from rightful.domain import deadlines as dl
from rightful.domain.clock import Clock
from rightful.domain.lifecycle import Status
from rightful.domain.requests import RequestType
from rightful.settings import Settings


def law_of(row: RequestRow) -> dl.Jurisdiction:
    return dl.Jurisdiction(row.jurisdiction)


def extension_of(row: RequestRow) -> dl.Extension | None:
    if row.extended_at is None:
        return None
    return dl.Extension(
        decided_at=row.extended_at,
        reason=row.extension_reason or "",
        months=row.extension_months,
        days=row.extension_days,
        notice_sent_at=row.extended_at,
    )


def pauses(session: Session, request_id: str) -> list[PauseRow]:
    query = select(PauseRow).where(PauseRow.request_id == request_id).order_by(PauseRow.id)
    return list(session.scalars(query))


def deadlines(
    session: Session,
    row: RequestRow,
    settings: Settings,
    clock: Clock,
    *,
    new: bool = False,
    extending: bool = False,
) -> dl.Deadlines:
    """The deadlines as of now; an extension is checked when it is granted (`extending`),
    and afterwards counts as the decision it was."""
    # A new request has no pauses yet, and where pauses do not count they are not read.
    counted = not new and dl.pauses_count(law_of(row), _pause_policy(row, settings))
    held = pauses(session, row.id) if counted else []
    return clock_of(row, held, settings, clock, extending=extending)


# What a request's deadlines are computed from (`clock_of`), besides its pauses.
CLOCK_COLUMNS: Final = (
    RequestRow.jurisdiction, RequestRow.received_at, RequestRow.type, RequestRow.extended_at,
    RequestRow.extension_reason, RequestRow.extension_months, RequestRow.extension_days,
)  # fmt: skip


def clock_of(
    row: RequestRow,
    held: Sequence[PauseRow],
    settings: Settings,
    clock: Clock,
    *,
    extending: bool = False,
) -> dl.Deadlines:
    """The deadlines as of now, from the columns of CLOCK_COLUMNS and the pauses `held`."""
    return dl.compute_deadlines(
        law_of(row),
        row.received_at,
        kind=RequestType(row.type),
        tz=settings.zone,
        extension=extension_of(row),
        pauses=[dl.Pause(p.started_at, p.ended_at) for p in held],
        pause_policy=_pause_policy(row, settings),
        now=clock.now(),
        extension_decided=not extending,
    )


def _pause_policy(row: RequestRow, settings: Settings) -> bool:
    """Whether the controller stops the request's clock while identity is awaited."""
    return settings.pause_clock_awaiting_identity.get(row.jurisdiction, False)


def store_deadlines(row: RequestRow, result: dl.Deadlines) -> None:
    """Keep `result` on `row`, where the store indexes and sorts by them."""
    row.respond_by = result.respond_by
    row.acknowledge_by = result.acknowledge_by


def running_deadlines(
    store: Store, held: Sequence[RequestRow], settings: Settings, clock: Clock
) -> dict[str, datetime]:
    """The deadlines of requests on hold as of now: where the law stops the clock while the
    requester is awaited, each day of the hold moves the deadline on, though the stored one
    was computed when the hold began. The pauses of all of them are read in one query."""
    if not held:
        return {}
    by_request: dict[str, list[PauseRow]] = {row.id: [] for row in held}
    query = select(PauseRow).join(RequestRow, RequestRow.id == PauseRow.request_id).where(
        RequestRow.status == Status.ON_HOLD)  # fmt: skip
    with store.transaction() as session:
        for p in session.scalars(query.order_by(PauseRow.id)):
            by_request.setdefault(p.request_id, []).append(p)
    return {row.id: clock_of(row, by_request[row.id], settings, clock).respond_by for row in held}
