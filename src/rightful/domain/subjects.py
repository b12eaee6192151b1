"""Binding a request to exactly one subject, and the people who must agree before data moves."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from rightful.domain.errors import ConflictError, InvalidInputError, PermissionDeniedError
from rightful.domain.identities import Identity, IdentityType

K = TypeVar("K")

NO_DATA_REASON = "no personal data found"


class Outcome(StrEnum):
    """What the verified identities resolved to."""

    BOUND = "bound"  # exactly one subject
    NO_SUBJECT = "no_subject"  # nobody: the request closes as "no personal data found"
    AMBIGUOUS = "ambiguous"  # several: a person must choose; never merged


@dataclass(frozen=True)
class Decision(Generic[K]):
    """The outcome and, when bound, the one subject; when ambiguous, the candidates in order."""

    outcome: Outcome
    subject: K | None
    candidates: tuple[K, ...]


def decide(candidates: Iterable[K]) -> Decision[K]:
    """Exactly one distinct candidate binds; none closes; two or more wait for a person."""
    unique = tuple(dict.fromkeys(candidates))
    if len(unique) == 1:
        return Decision(Outcome.BOUND, unique[0], unique)
    if not unique:
        return Decision(Outcome.NO_SUBJECT, None, ())
    return Decision(Outcome.AMBIGUOUS, None, unique)


def check_pick(chosen: K, resolved_now: Iterable[K]) -> None:
    """A person may only pick a subject the verified identities still resolve to."""
    if chosen not in set(resolved_now):
        raise ConflictError(
            "the verified identities no longer lead to this candidate; reload the candidates"
        )


def check_second_person(first: str, second: str, what: str) -> None:
    """Four eyes: the approver must be another principal than the one who acted first."""
    if first == second:
        raise PermissionDeniedError(f"{what} needs a second staff member, not the one who made it")


# --- showing identities to staff ---------------------------------------------------------------


def mask(identity: Identity) -> str:
    """As much of an identity as staff need to tell candidates apart, no more."""
    if identity.type is IdentityType.EMAIL:
        local, _, domain = identity.value.partition("@")
        return f"{local[:1]}***@{domain}"
    if identity.type is IdentityType.PHONE:
        return f"{identity.value[:3]}***{identity.value[-2:]}"
    value = identity.value
    return f"{value[:2]}***{value[-2:]}" if len(value) > 6 else "***"


# --- staff-made requests and agents --------------------------------------------------------------


class StaffCheckMethod(StrEnum):
    """How a staff member checked the identity of someone who called or wrote."""

    CALLBACK_TO_PHONE_ON_FILE = "callback_to_phone_on_file"
    LETTER_TO_ADDRESS_ON_FILE = "letter_to_address_on_file"
    CODE_TO_CONTACT_ON_FILE = "code_to_contact_on_file"
    DOCUMENT_SEEN_NOT_COPIED = "document_seen_not_copied"


class AuthorityKind(StrEnum):
    """What makes someone else entitled to act for the subject."""

    AUTHORISED_AGENT = "authorised_agent"  # CCPA §7063
    POWER_OF_ATTORNEY = "power_of_attorney"
    PARENTAL_RESPONSIBILITY = "parental_responsibility"
    OTHER = "other"


class ApprovalState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


def check_pending(state: ApprovalState, what: str) -> None:
    """Decisions are final: an approved or rejected item cannot be decided again."""
    if state is not ApprovalState.PENDING:
        raise ConflictError(f"{what} was {state.value} already")


def parse_method(name: str) -> StaffCheckMethod:
    """A staff check method by name; the error lists the choices."""
    try:
        return StaffCheckMethod(name.strip().lower())
    except ValueError:
        choices = ", ".join(StaffCheckMethod)
        raise InvalidInputError(f"unknown check method; use one of: {choices}") from None


def parse_authority_kind(name: str) -> AuthorityKind:
    """An authority kind by name; the error lists the choices."""
    try:
        return AuthorityKind(name.strip().lower())
    except ValueError:
        choices = ", ".join(AuthorityKind)
        raise InvalidInputError(f"unknown authority kind; use one of: {choices}") from None
