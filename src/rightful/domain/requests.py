"""Kinds of data subject request and how each regime's names map onto them."""

from __future__ import annotations

from enum import StrEnum

from rightful.domain.errors import InvalidInputError


class RequestType(StrEnum):
    ACCESS = "access"  # GDPR Art. 15
    PORTABILITY = "portability"  # Art. 20
    ERASURE = "erasure"  # Art. 17
    RECTIFICATION = "rectification"  # Art. 16
    RESTRICTION = "restriction"  # Art. 18
    OBJECTION = "objection"  # Art. 21


# Requests answered with a copy of the data: a verified one starts collecting at once.
ANSWERED_WITH_PACKAGE: frozenset[RequestType] = frozenset(
    {RequestType.ACCESS, RequestType.PORTABILITY}
)

ARTICLE: dict[RequestType, str] = {
    RequestType.ACCESS: "GDPR Art. 15",
    RequestType.PORTABILITY: "GDPR Art. 20",
    RequestType.ERASURE: "GDPR Art. 17",
    RequestType.RECTIFICATION: "GDPR Art. 16",
    RequestType.RESTRICTION: "GDPR Art. 18",
    RequestType.OBJECTION: "GDPR Art. 21",
}

# CCPA/CPRA rights (Cal. Civ. Code §1798.100-.125) expressed as the GDPR request they carry out.
CCPA_ALIASES: dict[str, RequestType] = {
    "know": RequestType.ACCESS,
    "delete": RequestType.ERASURE,
    "correct": RequestType.RECTIFICATION,
    "opt_out": RequestType.OBJECTION,
    "opt-out": RequestType.OBJECTION,
    "limit": RequestType.RESTRICTION,
}

CHANNELS = ("web", "api", "staff", "opendsr")


def parse_request_type(name: str) -> RequestType:
    """Accept a GDPR type or a CCPA/CPRA right's name; anything else is refused with the choices."""
    key = name.strip().lower()
    if key in RequestType.__members__.values():
        return RequestType(key)
    if key in CCPA_ALIASES:
        return CCPA_ALIASES[key]
    choices = ", ".join([*RequestType, *sorted(CCPA_ALIASES)])
    raise InvalidInputError(f"unknown request type {name!r}; use one of: {choices}")
