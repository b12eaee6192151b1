"""Identities of data subjects, normalised in one place and redacted whenever printed."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers

from rightful.domain.errors import InvalidInputError

MAX_EMAIL_LENGTH = 254
MAX_LOCAL_PART_LENGTH = 64
MAX_LABEL_LENGTH = 63
MAX_TEXT_IDENTITY_LENGTH = 256


class IdentityType(StrEnum):
    """The kinds of identifier a data map can mark as an identity."""

    EMAIL = "email"
    PHONE = "phone"
    CUSTOMER_ID = "customer_id"
    DEVICE_SERIAL = "device_serial"
    ACCOUNT_ID = "account_id"


@dataclass(frozen=True, slots=True)
class Identity:
    """One normalised identifier; its value never appears in repr, str or logs."""

    type: IdentityType
    value: str

    @property
    def fingerprint(self) -> str:
        """A short, stable hash of type and value, safe to log."""
        digest = hashlib.sha256(f"{self.type}\x00{self.value}".encode()).hexdigest()
        return digest[:8]

    def __repr__(self) -> str:
        return f"Identity({self.type.value}, ***{self.fingerprint})"

    __str__ = __repr__


def normalise(
    type: IdentityType | str,
    raw: str,
    *,
    email_local_case_sensitive: bool = False,
    default_region: str = "DE",
) -> Identity:
    """Normalise a raw identifier; raises InvalidInputError saying what is wrong with it."""
    kind = _identity_type(type)
    if not isinstance(raw, str):
        raise InvalidInputError(f"{kind.value}: a text value is required")
    if kind is IdentityType.EMAIL:
        return Identity(kind, normalise_email(raw, local_case_sensitive=email_local_case_sensitive))
    if kind is IdentityType.PHONE:
        return Identity(kind, normalise_phone(raw, default_region))
    return Identity(kind, _normalise_text(kind, raw))


def _identity_type(value: IdentityType | str) -> IdentityType:
    try:
        return IdentityType(value)
    except ValueError:
        known = ", ".join(t.value for t in IdentityType)
        raise InvalidInputError(f"unknown identity type; expected one of {known}") from None


def normalise_email(raw: str, *, local_case_sensitive: bool = False) -> str:
    """Trim, NFC, lower-case the domain and (by default) the local part; validate the shape."""
    text = unicodedata.normalize("NFC", raw.strip())
    _reject_controls_and_spaces(text, "email")
    if len(text) > MAX_EMAIL_LENGTH:
        raise InvalidInputError("email: longer than 254 characters")
    if text.count("@") != 1:
        raise InvalidInputError("email: must contain exactly one '@'")
    if any(not c.isascii() and unicodedata.normalize("NFC", c.lower()).isascii() for c in raw):
        # The Kelvin sign lowers to a plain "k": "\u212aarl@" would become someone's "karl@"
        # on databases whose lower() folds it and stay apart on others.
        raise InvalidInputError(
            "email: contains a sign that stands in for a plain letter (such as the Kelvin sign "
            "for K); type the letter itself"
        )
    local, domain = text.split("@")
    _check_local_part(local)
    domain = domain.lower()
    _check_domain(domain)
    return f"{local if local_case_sensitive else local.lower()}@{domain}"


def _check_local_part(local: str) -> None:
    if not local:
        raise InvalidInputError("email: the part before '@' is empty")
    if len(local) > MAX_LOCAL_PART_LENGTH:
        raise InvalidInputError("email: the part before '@' is longer than 64 characters")
    if local.startswith(".") or local.endswith(".") or ".." in local:
        raise InvalidInputError("email: dots must not start, end or repeat in the local part")
    if any(c in '"(),:;<>[\\]' for c in local):
        raise InvalidInputError("email: the local part contains a character that needs quoting")


def _check_domain(domain: str) -> None:
    labels = domain.split(".")
    if len(labels) < 2 or any(not label for label in labels):
        raise InvalidInputError("email: the domain needs at least two non-empty labels")
    for label in labels:
        if len(label) > MAX_LABEL_LENGTH:
            raise InvalidInputError("email: a domain label is longer than 63 characters")
        if label.startswith("-") or label.endswith("-"):
            raise InvalidInputError("email: a domain label starts or ends with '-'")
        if not all(c.isalnum() or c == "-" for c in label):
            raise InvalidInputError("email: the domain may hold only letters, digits and '-'")


def normalise_phone(raw: str, default_region: str = "DE") -> str:
    """A phone number in E.164 form; numbers without a country code use default_region."""
    text = unicodedata.normalize("NFC", raw.strip())
    if not text:
        raise InvalidInputError("phone: empty")
    try:
        number = phonenumbers.parse(text, default_region.upper())
    except phonenumbers.NumberParseException:
        raise InvalidInputError("phone: not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidInputError("phone: not a valid number for its country")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _normalise_text(kind: IdentityType, raw: str) -> str:
    text = unicodedata.normalize("NFC", raw.strip())
    if not text:
        raise InvalidInputError(f"{kind.value}: empty")
    if len(text) > MAX_TEXT_IDENTITY_LENGTH:
        raise InvalidInputError(f"{kind.value}: longer than {MAX_TEXT_IDENTITY_LENGTH} characters")
    if any(unicodedata.category(c) == "Cc" for c in text):
        raise InvalidInputError(f"{kind.value}: contains control characters")
    return text


def _reject_controls_and_spaces(text: str, label: str) -> None:
    if not text:
        raise InvalidInputError(f"{label}: empty")
    if any(c.isspace() or unicodedata.category(c) in {"Cc", "Cf"} for c in text):
        raise InvalidInputError(f"{label}: contains spaces or control characters")


def fold(value: object) -> object:
    """The case- and space-insensitive form used where stored values are not normalised."""
    return value.strip(" ").lower() if isinstance(value, str) else value


@dataclass(frozen=True, slots=True)
class IdentityPolicy:
    """The normalisation settings in force (Settings.email_local_part_case_sensitive, region)."""

    email_local_case_sensitive: bool = False
    default_region: str = "DE"

    def normalise(self, type: IdentityType | str, raw: str) -> Identity:
        """normalise() with this policy's settings."""
        return normalise(
            type,
            raw,
            email_local_case_sensitive=self.email_local_case_sensitive,
            default_region=self.default_region,
        )

    def matches(self, stored: object, identity: Identity) -> bool:
        """Whether a stored value, normalised by the same rules, is exactly this identity."""
        if stored is None:
            return False
        try:
            return self.normalise(identity.type, str(stored)).value == identity.value
        except InvalidInputError:
            return False
