"""Sign-in codes for a request that is over: closed, or answered with a package. Its requester
comes back for the outcome and the download while those last, seldom more than a few times;
after that a sign-in serves nobody, and a code mailed or texted to them serves only whoever holds
the request's id (it is no secret) to pester them with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from rightful.domain.errors import InvalidInputError


@dataclass(frozen=True)
class AfterClosing:
    """How long after a request was closed or answered sign-in codes still go out (`period`),
    and how many at most in one code window (`codes`, fewer than an open request's)."""

    period: timedelta = timedelta(days=30)
    codes: int = 3

    def __post_init__(self) -> None:
        if self.period < timedelta(0) or self.codes < 1:
            raise InvalidInputError("sign-in after closing needs a period and at least one code")


class Withheld(StrEnum):
    """Why a sign-in code for a request that is over goes nowhere."""

    OVER = "period_over"  # closed or answered longer ago than anything there can be used
    CAPPED = "closed_cap"  # the window's codes for a request that is over went out already


def withheld(
    ended: datetime | None, usable_until: datetime | None, sent: int, now: datetime,
    rule: AfterClosing,
) -> Withheld | None:  # fmt: skip
    """Whether a sign-in code for a request that ended at `ended` (None: it has not) is withheld
    `now`, after `sent` codes went out in the current window. It goes out for `rule.period`
    after the end, or while a download link of the request still works (`usable_until`), and
    then only `rule.codes` times a window."""
    if ended is None:
        return None
    until = max(ended + rule.period, usable_until or ended)
    if now >= until:
        return Withheld.OVER
    return Withheld.CAPPED if sent >= rule.codes else None
