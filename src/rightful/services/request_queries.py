"""Reading requests without changing them: those matching a filter, and a request's
transitions."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from rightful.adapters.db.base import Store
from rightful.adapters.db.tables import RequestRow, TransitionRow
from rightful.domain import deadlines as dl
from rightful.domain.lifecycle import OPEN, Status
from rightful.domain.requests import RequestType


@dataclass(frozen=True)
class RequestFilter:
    status: Status | None = None
    type: RequestType | None = None
    jurisdiction: dl.Jurisdiction | None = None
    open_only: bool = False
    limit: int = 100
    offset: int = 0


def matching(store: Store, flt: RequestFilter) -> list[RequestRow]:
    """The requests `flt` selects, soonest deadline first."""
    query = select(RequestRow).order_by(RequestRow.respond_by, RequestRow.id)
    if flt.status is not None:
        query = query.where(RequestRow.status == flt.status.value)
    if flt.open_only:
        query = query.where(RequestRow.status.in_([s.value for s in OPEN]))
    if flt.type is not None:
        query = query.where(RequestRow.type == flt.type.value)
    if flt.jurisdiction is not None:
        query = query.where(RequestRow.jurisdiction == flt.jurisdiction.value)
    with store.transaction() as session:
        return list(session.scalars(query.limit(flt.limit).offset(flt.offset)))


def transitions(store: Store, request_id: str) -> list[TransitionRow]:
    with store.transaction() as session:
        query = select(TransitionRow).where(TransitionRow.request_id == request_id)
        return list(session.scalars(query.order_by(TransitionRow.id)))
