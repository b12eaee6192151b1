"""HTTP routes for restrictions of processing (Art. 18): record one on a verified request, tell
the person the day it lifts (18(3)), lift it, and list those in force."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from rightful.bootstrap import Container
from rightful.domain.errors import NotFoundError
from rightful.domain.lifecycle import Role
from rightful.domain.restriction import MAX_REASON, restriction
from rightful.domain.staff import Principal
from rightful.entrypoints.api.deps import container, require
from rightful.entrypoints.api.notice_mail import Told, untold
from rightful.entrypoints.api.requests import RequestChanged, Strict
from rightful.services.restrictions import RestrictionView

router = APIRouter(prefix="/api/v1", tags=["restrictions"])

Staff = Annotated[Principal, Depends(require(Role.AGENT))]
Dpo = Annotated[Principal, Depends(require(Role.DPO))]
Deps = Annotated[Container, Depends(container)]


class RestrictionIn(Strict):
    ground: str = Field(max_length=2, description="the letter of Art. 18(1): a to d")
    categories: list[str] = Field(max_length=100, description="data categories restricted")
    recipients_told: int = Field(default=0, ge=0, description="Art. 19: recipients informed")


class LiftNoticeIn(Strict):
    lifts_on: date = Field(description="the day it lifts; restriction_notice_days ahead or later")
    reason: str = Field(max_length=MAX_REASON, description="why it ends, as the person reads it")


class RestrictionOut(BaseModel):
    request_id: str
    ground: str
    categories: list[str]
    recipients_told: int
    placed_at: str
    lifts_on: date | None
    lifted_at: str | None
    in_force: bool

    @classmethod
    def of(cls, view: RestrictionView) -> RestrictionOut:
        return cls.model_validate(view.as_json())


class RestrictionChanged(RestrictionOut, Told):
    """A restriction after a write that mailed its requester a notice."""


@router.post("/requests/{request_id}/restriction", response_model=RequestChanged)
def place(request_id: str, body: RestrictionIn, c: Deps, who: Dpo) -> RequestChanged:
    """Record the restriction granted on a verified GDPR or UK GDPR restriction request; the
    request closes and the requester is told what is restricted, and that they will be told
    before it lifts."""
    placed = restriction(body.ground, body.categories, body.recipients_told, c.datamap)
    return RequestChanged.after(c, lambda: c.restrictions.place(request_id, placed, who))


@router.get("/requests/{request_id}/restriction", response_model=RestrictionOut)
def show(request_id: str, c: Deps, who: Staff) -> RestrictionOut:
    view = c.restrictions.get(request_id)
    if view is None:
        raise NotFoundError(f"request {request_id} has no restriction recorded")
    return RestrictionOut.of(view)


@router.post("/requests/{request_id}/restriction/lift-notice", response_model=RestrictionChanged)
def lift_notice(request_id: str, body: LiftNoticeIn, c: Deps, who: Dpo) -> RestrictionChanged:
    """Tell the requester the day their restriction lifts and why (Art. 18(3))."""
    view, unsent = untold(
        c, lambda: c.restrictions.announce_lifting(request_id, body.lifts_on, body.reason, who)
    )
    return RestrictionChanged(**RestrictionOut.of(view).model_dump(), unsent_notices=unsent)


@router.post("/requests/{request_id}/restriction/lift", response_model=RestrictionOut)
def lift(request_id: str, c: Deps, who: Dpo) -> RestrictionOut:
    """Lift a restriction on or after the day the requester was told of."""
    return RestrictionOut.of(c.restrictions.lift(request_id, who))


@router.get("/restrictions", response_model=list[RestrictionOut])
def listed(
    c: Deps, who: Staff, all_: Annotated[bool, Query(alias="all")] = False
) -> list[RestrictionOut]:
    """Restrictions in force, oldest first (`?all=true`: lifted ones too)."""
    return [RestrictionOut.of(v) for v in c.restrictions.listed(in_force_only=not all_)]
