"""Admin endpoints for staff API keys."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from rightful.bootstrap import Container
from rightful.domain.lifecycle import Role
from rightful.domain.staff import Principal
from rightful.entrypoints.api.deps import container, require
from rightful.entrypoints.api.schemas import RowView
from rightful.services import staff

router = APIRouter(prefix="/api/v1/staff/keys", tags=["staff"])
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
Deps = Annotated[Container, Depends(container)]


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    role: Role
    holder: str | None = Field(
        default=None, min_length=1, max_length=100,
        description="who holds it (required): a staff member's console user name; the user "
        "and all their keys are one person to the four-eyes rules",
    )  # fmt: skip


class KeyIssued(BaseModel):
    id: str
    role: Role
    key: str = Field(description="Shown once; only its hash is stored")


class KeyOut(RowView):
    id: str
    name: str
    holder: str | None
    role: Role
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


@router.post("", status_code=201, response_model=KeyIssued)
def issue(body: KeyIn, c: Deps, who: Admin) -> KeyIssued:
    with c.store.transaction() as session:
        issued = staff.issue_key_for(session, c.clock, c.audit, who, name=body.name,
                                     role=body.role, holder=body.holder)  # fmt: skip
    return KeyIssued(id=issued.id, role=issued.role, key=issued.secret)


@router.get("", response_model=list[KeyOut])
def list_keys(c: Deps, _who: Admin) -> list[KeyOut]:
    with c.store.transaction() as session:
        return [KeyOut.of(k) for k in staff.list_keys(session)]


@router.delete("/{key_id}", status_code=204)
def revoke(key_id: str, c: Deps, who: Admin) -> None:
    with c.store.transaction() as session:
        staff.revoke_key(session, c.clock, key_id)
        c.audit.record(session, who.id, who.role_name, "staff.key_revoked", None, key_id=key_id)
