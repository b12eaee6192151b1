"""OpenDSR (formerly OpenGDPR): the open format in which another system hands rightful a request.

rightful takes the processor's side of the exchange: a controller's system (a consent platform,
a group's request hub) posts a request, reads its status and may cancel it while it is pending.
What arrives is a claim like any other. The person is still verified by rightful itself, so an
identity must come in raw form, and an e-mail address or phone number is needed to reach them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from rightful.domain.deadlines import Jurisdiction
from rightful.domain.errors import InvalidInputError
from rightful.domain.identities import IdentityType
from rightful.domain.lifecycle import Status
from rightful.domain.requests import RequestType

API_VERSION: Final = "0.1"
REQUEST_TYPES: Final = {
    "access": RequestType.ACCESS,
    "portability": RequestType.PORTABILITY,
    "erasure": RequestType.ERASURE,
}
REGULATIONS: Final = {
    "gdpr": Jurisdiction.GDPR,
    "uk_gdpr": Jurisdiction.UK_GDPR,
    "ccpa": Jurisdiction.CCPA,
    "cpra": Jurisdiction.CCPA,
}
IDENTITY_TYPES: Final = {
    "email": IdentityType.EMAIL,
    "phone_number": IdentityType.PHONE,
    "controller_customer_id": IdentityType.CUSTOMER_ID,
}
MAX_IDENTITIES: Final = 20

_STATUS: Final = {
    Status.RECEIVED: "pending",
    Status.AWAITING_VERIFICATION: "pending",
    Status.VERIFIED: "in_progress",
    Status.COLLECTING: "in_progress",
    Status.IN_REVIEW: "in_progress",
    Status.APPROVED: "in_progress",
    Status.ON_HOLD: "in_progress",
    Status.DELIVERED: "completed",
    Status.CLOSED: "completed",
    Status.REJECTED: "cancelled",
    Status.CANCELLED: "cancelled",
    Status.EXPIRED: "cancelled",
}


@dataclass(frozen=True)
class SubjectIdentity:
    """One `subject_identities` entry as sent."""

    type: str
    value: str
    format: str = "raw"


@dataclass(frozen=True)
class Submission:
    """An OpenDSR request, checked and put in rightful's terms."""

    subject_request_id: str
    type: RequestType
    jurisdiction: Jurisdiction
    submitted_time: datetime
    email: str | None
    phone: str | None
    claims: tuple[tuple[str, str], ...]


def parse_submission(
    subject_request_id: str,
    request_type: str,
    identities: list[SubjectIdentity],
    submitted_time: datetime,
    regulation: str,
) -> Submission:
    """The submission in rightful's terms; InvalidInputError naming the first thing to fix."""
    srid = _uuid4(subject_request_id)
    kind = REQUEST_TYPES.get(request_type.strip().lower())
    if kind is None:
        raise InvalidInputError(
            f"subject_request_type {request_type!r} is not one of: {', '.join(REQUEST_TYPES)}"
        )
    jurisdiction = REGULATIONS.get(regulation.strip().lower())
    if jurisdiction is None:
        raise InvalidInputError(
            f"regulation {regulation!r} is not one of: {', '.join(REGULATIONS)}"
        )
    if submitted_time.utcoffset() is None:
        raise InvalidInputError("submitted_time needs a timezone (e.g. 2026-03-01T09:00:00Z)")
    typed = [_identity(i) for i in identities]
    if not typed or len(typed) > MAX_IDENTITIES:
        raise InvalidInputError(f"give 1 to {MAX_IDENTITIES} subject_identities")
    emails = [value for kind_, value in typed if kind_ is IdentityType.EMAIL]
    phones = [value for kind_, value in typed if kind_ is IdentityType.PHONE]
    if len(emails) > 1 or len(phones) > 1:
        raise InvalidInputError("give at most one email and one phone_number to reach the person")
    if not emails and not phones:
        raise InvalidInputError(
            "rightful verifies the person itself: give an email or phone_number (raw) to reach them"
        )
    claims = tuple(
        (kind_.value, value)
        for kind_, value in typed
        if kind_ not in (IdentityType.EMAIL, IdentityType.PHONE)
    )
    return Submission(
        srid, kind, jurisdiction, submitted_time,
        emails[0] if emails else None, phones[0] if phones else None, claims,
    )  # fmt: skip


def request_status(status: Status) -> str:
    """The OpenDSR status of a request: pending, in_progress, completed or cancelled."""
    return _STATUS[status]


def cancellable(status: Status) -> bool:
    """OpenDSR lets the sender cancel a request only while it is pending."""
    return _STATUS[status] == "pending"


def canonical_id(text: str) -> str:
    """A `subject_request_id` as stored (lower case, dashed), however the sender wrote the UUID;
    text that is no UUID stays as it is (and finds nothing)."""
    try:
        return str(uuid.UUID(text))
    except (ValueError, AttributeError, TypeError):
        return text


def _uuid4(text: str) -> str:
    try:
        value = uuid.UUID(text)
    except (ValueError, AttributeError, TypeError):
        raise InvalidInputError("subject_request_id must be a UUID (version 4)") from None
    if value.version != 4:
        raise InvalidInputError("subject_request_id must be a UUID (version 4)")
    return str(value)


def _identity(identity: SubjectIdentity) -> tuple[IdentityType, str]:
    kind = IDENTITY_TYPES.get(identity.type.strip().lower())
    if kind is None:
        raise InvalidInputError(
            f"identity_type {identity.type!r} is not supported; use one of: "
            f"{', '.join(IDENTITY_TYPES)}"
        )
    if identity.format.strip().lower() != "raw":
        raise InvalidInputError(
            f"identity_format {identity.format!r}: rightful needs raw identities, because it "
            "verifies the person itself and never matches on hashes"
        )
    value = identity.value.strip()
    if not value:
        raise InvalidInputError(f"identity_value for {identity.type} is empty")
    return kind, value
