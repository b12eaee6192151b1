"""What an API write tells its client about the notices it sent: a decision recorded through
the API whose notice the mail relay refused stands, but the requester was not told (Art. 12(3),
12(4)), so the response names that notice, as the CLI's exit code and the console's message do."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Literal, TypeVar

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from rightful.bootstrap import Container
from rightful.domain.lifecycle import Role
from rightful.domain.staff import Principal
from rightful.entrypoints.api.deps import RowId, container, require
from rightful.entrypoints.api.schemas import RowView
from rightful.services.request_mail import Unsent

router = APIRouter(prefix="/api/v1/requests", tags=["requests"])
Staff = Annotated[Principal, Depends(require(Role.AGENT))]
Deps = Annotated[Container, Depends(container)]

T = TypeVar("T")

UNSENT_DESCRIPTION = (
    "notices this call recorded that reached nobody (the mail relay refused them, or the "
    "requester gave no e-mail address): the decision stands, but the requester was NOT told; "
    "`rightful jobs daily` tries refused ones again; tell them another way and record it. "
    "Empty when every notice went out (or none was due)."
)


class NoticeOut(RowView):
    id: int
    kind: str
    language: str
    channel: str
    sent_at: datetime
    body: str
    mail_state: str | None = Field(
        description="None when not mailed; pending, sending, sent, refused (the requester was "
        "not told; retried daily), no_address (not told: tell them by phone or letter) or "
        "told_otherwise (staff told them another way: told_way, told_how, told_by, told_at)"
    )
    mail_attempts: int
    mail_attempted_at: datetime | None
    told_way: str | None = None
    told_how: str | None = None
    told_by: str | None = None
    told_at: datetime | None = None


class ToldOtherwiseIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    way: Literal["phone", "letter", "in_person", "other"]
    how: str = Field(
        max_length=2000,
        description="when and how they were told, 10 characters or more; kept on the notice, "
        "never in the audit chain",
    )


UnsentState = Literal["refused", "no_address", "sending", "pending"]
UNSENT_STATES: dict[str, UnsentState] = {
    "no_address": "no_address", "sending": "sending", "pending": "pending",
}  # fmt: skip


class UnsentNoticeOut(BaseModel):
    request_id: str
    notice_id: int
    kind: str
    attempts: int
    last_attempt_at: datetime | None
    state: UnsentState = Field(
        description="refused by the mail relay (tried again daily), or no_address: nothing to "
        "mail to; either way tell them another way and record it (`.../told-otherwise`). "
        "sending: handed to the relay over ten minutes ago and its answer never recorded (the "
        "sender ended); the daily job sends it again, saying it may have arrived already. "
        "pending: recorded over ten minutes ago and never handed to the relay (its process "
        "ended first); the daily job sends it"
    )

    @classmethod
    def of(cls, unsent: Unsent) -> UnsentNoticeOut:
        return cls(
            request_id=unsent.request_id,
            notice_id=unsent.notice_id,
            kind=unsent.kind,
            attempts=unsent.attempts,
            last_attempt_at=unsent.attempted_at,
            state=UNSENT_STATES.get(unsent.state, "refused"),
        )


class Told(BaseModel):
    """Mixed into the answer of an API write that may send a notice."""

    unsent_notices: list[UnsentNoticeOut] = Field(
        default_factory=list, description=UNSENT_DESCRIPTION
    )


def untold(c: Container, write: Callable[[], T]) -> tuple[T, list[UnsentNoticeOut]]:
    """Run `write` and return its result with the notices it sent that the relay refused."""
    result, unsent = c.notice_mail.unsent_by(write)
    return result, [UnsentNoticeOut.of(u) for u in unsent]


@router.post("/{request_id}/notices/{notice_id}/told-otherwise", response_model=NoticeOut)
def told_otherwise(
    request_id: str, notice_id: RowId, body: ToldOtherwiseIn, c: Deps, who: Staff
) -> NoticeOut:
    """Record that the requester was told what a notice that reached nobody by mail (refused,
    or no e-mail address) says another way; it leaves `unsent-notices` and is never mailed.
    409 when the notice did not reach nobody (sent, pending, or already recorded)."""
    told = c.notice_mail.told_otherwise(request_id, notice_id, who, body.way, body.how)
    return NoticeOut.of(told)
