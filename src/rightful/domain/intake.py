"""What a new request carries before anything about it is proven."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from rightful.domain.deadlines import Jurisdiction
from rightful.domain.errors import InvalidInputError
from rightful.domain.requests import CHANNELS, RequestType
from rightful.domain.words import written

LANGUAGES = ("en", "de")
MAX_NAME = 200  # characters, as every way in (API, CLI, portal) takes them
MAX_DETAILS = 5000


@dataclass(frozen=True)
class NewRequest:
    """A request as submitted. Claimed identities are only claims: none of them seeds a search."""

    type: RequestType
    jurisdiction: Jurisdiction
    email: str | None = None
    phone: str | None = None
    name: str | None = None
    claimed_identities: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    details: str | None = None
    language: str = "en"
    channel: str = "web"
    # When it reached the controller, if earlier than its recording (a letter opened today);
    # the deadline runs from receipt (Art. 12(3)). Only staff may give it.
    received_at: datetime | None = None
    # An objection to direct marketing (Art. 21(2)), which is absolute: it cannot be refused.
    direct_marketing: bool = False

    def __post_init__(self) -> None:
        if self.direct_marketing and self.type is not RequestType.OBJECTION:
            raise InvalidInputError(
                "direct marketing applies to an objection (Art. 21(2)), not to a request of type "
                f"{self.type}"
            )
        if self.received_at is not None and self.received_at.utcoffset() is None:
            raise InvalidInputError(
                "the receipt time needs a timezone (e.g. 2026-03-01T09:00+01:00)"
            )
        if self.channel not in CHANNELS:
            raise InvalidInputError(f"channel must be one of: {', '.join(CHANNELS)}")
        if self.language not in LANGUAGES:
            raise InvalidInputError(f"language must be one of: {', '.join(LANGUAGES)}")
        for what, words, most in (("name", self.name, MAX_NAME),
                                  ("details", self.details, MAX_DETAILS)):  # fmt: skip
            if words is not None:
                written(words, what, 0, most)  # no NUL bytes or reversed text in what staff read
