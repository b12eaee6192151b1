"""Restrictions of processing (Art. 18): recorded when granted, which closes the request and
tells the person; announced to the person before they lift (18(3)); lifted on or after the day
announced. The audit chain holds letters, counts, days and digests, never the words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from rightful.adapters.db.base import Store
from rightful.adapters.db.tables import RequestRow, RestrictionRow
from rightful.domain import deadlines as dl
from rightful.domain.clock import Clock
from rightful.domain.errors import ConflictError, NotFoundError
from rightful.domain.lifecycle import Role, Status
from rightful.domain.notices import remedies
from rightful.domain.requests import RequestType
from rightful.domain.restriction import (
    Restriction,
    check_can_lift,
    check_lift_day,
    lift_reason,
    lifting_text,
    restriction_text,
)
from rightful.domain.staff import Principal
from rightful.services.audit import AuditService, digest
from rightful.services.request_outcomes import check_gdpr_outcome
from rightful.services.requests import RequestService
from rightful.settings import Settings


@dataclass(frozen=True)
class RestrictionView:
    """A restriction as staff see it (no personal data: categories are names of kinds)."""

    request_id: str
    ground: str
    categories: tuple[str, ...]
    recipients_told: int
    placed_at: str
    lifts_on: date | None
    lifted_at: str | None

    @property
    def in_force(self) -> bool:
        return self.lifted_at is None

    def as_json(self) -> dict[str, object]:
        """The restriction as plain data (CLI --json and the API)."""
        return {
            "request_id": self.request_id, "ground": self.ground,
            "categories": list(self.categories), "recipients_told": self.recipients_told,
            "placed_at": self.placed_at, "lifts_on": self.lifts_on.isoformat() if self.lifts_on
            else None, "lifted_at": self.lifted_at, "in_force": self.in_force,
        }  # fmt: skip

    @classmethod
    def of(cls, row: RestrictionRow) -> RestrictionView:
        return cls(
            row.request_id, row.ground, tuple(row.categories), row.recipients_told,
            row.placed_at.isoformat(), row.lifts_on,
            row.lifted_at.isoformat() if row.lifted_at else None,
        )  # fmt: skip


class RestrictionService:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        audit: AuditService,
        settings: Settings,
        requests: RequestService,
    ) -> None:
        self.store, self.clock, self.audit = store, clock, audit
        self.settings, self.requests = settings, requests

    def place(self, request_id: str, placed: Restriction, by: Principal) -> RequestRow:
        """Record a restriction granted on a verified GDPR or UK GDPR restriction request; the
        request closes and the person is told what is restricted, and that they will be told
        before it lifts."""
        by.require(Role.DPO)
        with self.store.transaction() as session:
            row = self.requests.load(session, request_id)
            check_gdpr_outcome(row, RequestType.RESTRICTION, "a restriction")
            now = self.clock.now()
            session.add(RestrictionRow(
                request_id=row.id, ground=placed.ground.value, categories=list(placed.categories),
                recipients_told=placed.recipients_told, placed_at=now, placed_by=by.id,
            ))  # fmt: skip
            self.requests.move_in(session, row, Status.CLOSED, by, "processing restricted")
            self.audit.record(
                session, by.id, by.role_name, "request.restricted", row.id,
                ground=placed.ground.value, categories=len(placed.categories),
                recipients_told=placed.recipients_told,
            )  # fmt: skip
            law = dl.Jurisdiction(row.jurisdiction)
            text = restriction_text(
                placed, row.id, row.language, law.value, remedies(law, row.language)
            )
            self.requests.record_notice(session, row, "restriction", text, by)
            return row

    def announce_lifting(
        self, request_id: str, lifts_on: date, reason: str, by: Principal
    ) -> RestrictionView:
        """Tell the person the day their restriction will lift and why (Art. 18(3)); a later
        announcement replaces an earlier one, and is told again."""
        by.require(Role.DPO)
        words = lift_reason(reason)
        with self.store.transaction() as session:
            row, restricted = self._restricted(session, request_id)
            if restricted.lifted_at is not None:
                raise ConflictError("this restriction was lifted already")
            check_lift_day(lifts_on, self._today(), self.settings.restriction_notice_days)
            restricted.lift_announced_at, restricted.lifts_on = self.clock.now(), lifts_on
            self.audit.record(
                session, by.id, by.role_name, "request.restriction_lift_announced", row.id,
                lifts_on=lifts_on.isoformat(), reason_sha256=digest(words),
            )  # fmt: skip
            law = dl.Jurisdiction(row.jurisdiction)
            text = lifting_text(row.id, lifts_on, words, row.language, remedies(law, row.language))
            self.requests.record_notice(session, row, "restriction_lifting", text, by)
            session.flush()
            return RestrictionView.of(restricted)

    def lift(self, request_id: str, by: Principal) -> RestrictionView:
        """Lift a restriction on or after the day the person was told of."""
        by.require(Role.DPO)
        with self.store.transaction() as session:
            row, restricted = self._restricted(session, request_id)
            check_can_lift(restricted.lifts_on, self._today(), restricted.lifted_at is not None)
            restricted.lifted_at, restricted.lifted_by = self.clock.now(), by.id
            self.audit.record(session, by.id, by.role_name, "request.restriction_lifted", row.id)
            session.flush()
            return RestrictionView.of(restricted)

    def get(self, request_id: str) -> RestrictionView | None:
        with self.store.transaction() as session:
            restricted = session.get(RestrictionRow, request_id)
            return RestrictionView.of(restricted) if restricted else None

    def listed(self, *, in_force_only: bool = True) -> list[RestrictionView]:
        """Restrictions, oldest first: those in force (what your systems must keep to), or all."""
        query = select(RestrictionRow).order_by(RestrictionRow.placed_at)
        if in_force_only:
            query = query.where(RestrictionRow.lifted_at.is_(None))
        with self.store.transaction() as session:
            return [RestrictionView.of(r) for r in session.scalars(query)]

    def _today(self) -> date:
        return self.clock.now().astimezone(self.settings.zone).date()

    def _restricted(self, session: Session, request_id: str) -> tuple[RequestRow, RestrictionRow]:
        row = self.requests.load(session, request_id)
        restricted = session.get(RestrictionRow, row.id)
        if restricted is None:
            raise NotFoundError(
                f"request {row.id} has no restriction recorded (rightful requests restricted)"
            )
        return row, restricted
