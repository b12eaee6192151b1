"""A request's deadlines as of now, from its receipt, its pauses and its extension; and the law
they follow."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from rightful.adapters.db.base import Store
from rightful.adapters.db.tables import PauseRow, RequestRow
from rightful.domain import deadlines as dl
from rightful.domain.clock import Clock
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
    jurisdiction = law_of(row)
    policy = settings.pause_clock_awaiting_identity.get(jurisdiction.value, False)
    # A new request has no pauses yet, and where pauses do not count they are not read.
    counted = not new and dl.pauses_count(jurisdiction, policy)
    held = pauses(session, row.id) if counted else []
    return dl.compute_deadlines(
        jurisdiction,
        row.received_at,
        kind=RequestType(row.type),
        tz=settings.zone,
        extension=extension_of(row),
        pauses=[dl.Pause(p.started_at, p.ended_at) for p in held],
        pause_policy=policy,
        now=clock.now(),
        extension_decided=not extending,
    )


def store_deadlines(row: RequestRow, result: dl.Deadlines) -> None:
    """Keep `result` on `row`, where the store indexes and sorts by them."""
    row.respond_by = result.respond_by
    row.acknowledge_by = result.acknowledge_by


def running_deadlines(
    store: Store, held: Sequence[RequestRow], settings: Settings, clock: Clock
) -> dict[str, datetime]:
    """The deadlines of requests on hold as of now: where the law stops the clock while the
    requester is awaited, each day of the hold moves the deadline on, though the stored one
    was computed when the hold began."""
    with store.transaction() as session:
        return {row.id: deadlines(session, row, settings, clock).respond_by for row in held}
