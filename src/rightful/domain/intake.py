"""What a new request carries before anything about it is proven."""

from __future__ import annotations

from dataclasses import dataclass, field

from rightful.domain.deadlines import Jurisdiction
from rightful.domain.errors import InvalidInputError
from rightful.domain.requests import CHANNELS, RequestType

LANGUAGES = ("en", "de")


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

    def __post_init__(self) -> None:
        if self.channel not in CHANNELS:
            raise InvalidInputError(f"channel must be one of: {', '.join(CHANNELS)}")
        if self.language not in LANGUAGES:
            raise InvalidInputError(f"language must be one of: {', '.join(LANGUAGES)}")
