"""What an API write tells its client about the notices it sent: a decision recorded through
the API whose notice the mail relay refused stands, but the requester was not told (Art. 12(3),
12(4)), so the response names that notice, as the CLI's exit code and the console's message do."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from pydantic import BaseModel, Field

from rightful.bootstrap import Container
from rightful.services.request_mail import Unsent

T = TypeVar("T")

UNSENT_DESCRIPTION = (
    "notices this call recorded that the mail relay refused: the decision stands, but the "
    "requester was NOT told; `rightful jobs daily` tries again, or tell them another way. "
    "Empty when every notice went out (or none was due)."
)


class UnsentNoticeOut(BaseModel):
    request_id: str
    notice_id: int
    kind: str
    attempts: int
    last_attempt_at: datetime | None

    @classmethod
    def of(cls, unsent: Unsent) -> UnsentNoticeOut:
        return cls(
            request_id=unsent.request_id,
            notice_id=unsent.notice_id,
            kind=unsent.kind,
            attempts=unsent.attempts,
            last_attempt_at=unsent.attempted_at,
        )


class Told(BaseModel):
    """Mixed into the answer of an API write that may send a notice."""

    unsent_notices: list[UnsentNoticeOut] = Field(
        default_factory=list, description=UNSENT_DESCRIPTION
    )


def untold(c: Container, write: Callable[[], T]) -> tuple[T, list[UnsentNoticeOut]]:
    """Run `write` and return its result with the notices it sent that the relay refused."""
    c.notice_mail.take_refused()  # what this worker thread met before is not this call's
    result = write()
    return result, [UnsentNoticeOut.of(u) for u in c.notice_mail.take_refused()]
