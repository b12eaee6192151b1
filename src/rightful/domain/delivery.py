"""Handing a package to the one verified requester: link tokens, their limits, byte ranges.

A link alone opens nothing. It names a package; the download itself needs a fresh proof of
identity (a one-time code to the verified channel, or a signed-in account assertion), and each
proof opens one download session that counts against the link's limit.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final, Protocol

from rightful.domain.errors import ConflictError, InvalidInputError, RightfulError
from rightful.domain.words import written

MIN_TOKEN_BYTES = 16  # 128 bits
TOKEN_BYTES = 32


@dataclass(frozen=True)
class LinkPolicy:
    """How long a link lives, how many downloads it allows, how long one proof lasts."""

    ttl: timedelta = timedelta(days=14)
    max_downloads: int = 3
    session: timedelta = timedelta(hours=4)
    token_bytes: int = TOKEN_BYTES

    def __post_init__(self) -> None:
        if self.token_bytes < MIN_TOKEN_BYTES:
            raise InvalidInputError("link tokens need at least 128 bits")
        if self.ttl <= timedelta(0) or self.session <= timedelta(0):
            raise InvalidInputError("links and download sessions need a positive lifetime")
        if self.max_downloads < 1:
            raise InvalidInputError("a link must allow at least one download")


def new_token(policy: LinkPolicy) -> str:
    """A random URL-safe token of `policy.token_bytes` bytes."""
    return secrets.token_urlsafe(policy.token_bytes)


def token_digest(token: str) -> str:
    """SHA-256 of a token: tokens carry 128+ random bits, so a plain hash cannot be reversed."""
    return hashlib.sha256(token.strip().encode()).hexdigest()


def digests_equal(stored: str, presented: str) -> bool:
    """Constant-time comparison of two hex digests."""
    return hmac.compare_digest(stored.encode(), presented.encode())


def looks_like_token(token: str) -> bool:
    """Cheap shape check before any lookup: URL-safe base64 of at least 128 bits."""
    allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    return 22 <= len(token) <= 128 and set(token) <= allowed


# --- why a link refuses -----------------------------------------------------------------------


class LinkRefusedError(RightfulError):
    """A link that cannot be used; `reason` is shown to whoever holds it."""

    http_status = 410
    reason = "refused"


class LinkUnknownError(LinkRefusedError):
    """No link has this token (or the token was mistyped)."""

    http_status = 404
    reason = "unknown"


class LinkExpiredError(LinkRefusedError):
    """The link's lifetime is over."""

    reason = "expired"


class LinkRevokedError(LinkRefusedError):
    """Staff, an incident or a "not my data" report revoked the link."""

    reason = "revoked"


class LinkExhaustedError(LinkRefusedError):
    """Every download the link allows was used."""

    reason = "exhausted"


class DownloadSessionError(RightfulError):
    """The download was not opened by a fresh proof of identity, or that proof has expired."""

    http_status = 403


@dataclass(frozen=True)
class LinkState:
    """What decides whether a link may still open a download."""

    expires_at: datetime
    downloads: int
    max_downloads: int
    revoked_at: datetime | None = None


def check_link(state: LinkState, now: datetime, *, new_download: bool = True) -> None:
    """Raise the error that says why a link refuses; `new_download=False` checks a resume."""
    if state.revoked_at is not None:
        raise LinkRevokedError("this link was revoked")
    if now >= state.expires_at:
        raise LinkExpiredError("this link has expired")
    if new_download and state.downloads >= state.max_downloads:
        raise LinkExhaustedError("this link has been used for every download it allows")


def downloads_left(state: LinkState) -> int:
    """Downloads the link still allows."""
    return max(state.max_downloads - state.downloads, 0)


class Outcome(StrEnum):
    """What happened at one attempt on a link; every attempt is recorded with one of these."""

    UNKNOWN = "unknown"
    EXPIRED = "expired"
    REVOKED = "revoked"
    EXHAUSTED = "exhausted"
    OPENED = "opened"
    CODE_SENT = "code_sent"
    CODE_REFUSED = "code_refused"
    CODE_WRONG = "code_wrong"
    CODE_LOCKED = "code_locked"
    CODE_EXPIRED = "code_expired"
    ASSERTION_REJECTED = "assertion_rejected"
    VERIFIED = "verified"
    NO_SESSION = "no_session"
    NOT_DELIVERABLE = "not_deliverable"
    RANGE_REFUSED = "range_refused"
    STARTED = "started"
    RESUMED = "resumed"
    CHECKED = "checked"
    PROTECTED = "protected"
    NOT_MINE = "not_mine"
    STOPPED = "stopped"  # the requester stopped the link from the mail with a download code

    @property
    def succeeded(self) -> bool:
        return self in {Outcome.VERIFIED, Outcome.STARTED, Outcome.RESUMED}

    @property
    def words(self) -> str:
        """What happened, for a timeline: whether bytes left, and if not, why."""
        return _OUTCOME_WORDS[self]


_OUTCOME_WORDS: Final = {
    Outcome.UNKNOWN: "refused, no such link",
    Outcome.EXPIRED: "refused, the link had expired",
    Outcome.REVOKED: "refused, the link was revoked",
    Outcome.EXHAUSTED: "refused, no downloads left on the link",
    Outcome.OPENED: "link opened, nothing downloaded yet",
    Outcome.CODE_SENT: "a verification code was sent",
    Outcome.CODE_REFUSED: "refused, no code could be sent",
    Outcome.CODE_WRONG: "refused, wrong code",
    Outcome.CODE_LOCKED: "refused, too many wrong codes",
    Outcome.CODE_EXPIRED: "refused, the code had expired",
    Outcome.ASSERTION_REJECTED: "refused, the account sign-in did not match",
    Outcome.VERIFIED: "the requester was verified again",
    Outcome.NO_SESSION: "refused, not verified in this browser",
    Outcome.NOT_DELIVERABLE: "refused, the package may not be delivered",
    Outcome.RANGE_REFUSED: "refused, a byte range outside the file",
    Outcome.STARTED: "download started",
    Outcome.RESUMED: "download resumed (a byte range)",
    Outcome.CHECKED: "the file's size and type were asked (HEAD), nothing downloaded",
    Outcome.PROTECTED: "the requester set a passphrase for the downloads",
    Outcome.NOT_MINE: 'the recipient pressed "this is not my data"',
    Outcome.STOPPED: "the requester stopped the link from the mail with a download code",
}


REFUSAL_OUTCOME: dict[str, Outcome] = {
    "unknown": Outcome.UNKNOWN,
    "expired": Outcome.EXPIRED,
    "revoked": Outcome.REVOKED,
    "exhausted": Outcome.EXHAUSTED,
}


# --- HTTP byte ranges (RFC 9110 §14) ----------------------------------------------------------


class RangeNotSatisfiableError(RightfulError):
    """The requested range lies outside the file (HTTP 416)."""

    http_status = 416

    def __init__(self, size: int) -> None:
        super().__init__(f"the range lies outside the file of {size} bytes")
        self.size = size


@dataclass(frozen=True)
class ByteRange:
    """Bytes `start` to `end` inclusive of a file of `size` bytes."""

    start: int
    end: int
    size: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    @property
    def partial(self) -> bool:
        return self.start != 0 or self.end != self.size - 1

    @property
    def content_range(self) -> str:
        return f"bytes {self.start}-{self.end}/{self.size}"


def whole(size: int) -> ByteRange:
    """The whole file (an empty file has no satisfiable range; callers send it as is)."""
    return ByteRange(0, max(size - 1, 0), size)


def parse_range(header: str | None, size: int) -> ByteRange:
    """The one range a `Range` header asks for; the whole file when there is none or it is not
    a single bytes range (servers may ignore such headers); 416 when it lies outside the file."""
    if not header or size <= 0:
        return whole(size)
    unit, _, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return whole(size)
    first, dash, last = spec.strip().partition("-")
    if not dash or not (first.isdigit() or last.isdigit()):
        return whole(size)
    if not first:
        return _suffix(int(last), size)
    start = int(first)
    if start >= size:
        raise RangeNotSatisfiableError(size)
    end = min(int(last), size - 1) if last.isdigit() else size - 1
    if end < start:
        return whole(size)
    return ByteRange(start, end, size)


def _suffix(length: int, size: int) -> ByteRange:
    if length == 0:
        raise RangeNotSatisfiableError(size)
    return ByteRange(max(size - length, 0), size - 1, size)


# --- what the holder of a link is told about the channel -----------------------------------


def mask_email(address: str) -> str:
    """Enough of an address to recognise one's own: j***@e***.org."""
    local, _, domain = address.partition("@")
    host, dot, tld = domain.rpartition(".")
    if not host:
        host, tld, dot = domain, "", ""
    return f"{local[:1]}***@{host[:1]}***{dot}{tld}"


def mask_phone(number: str) -> str:
    """The last two digits of a number: +** *** **42."""
    return f"+** *** **{number[-2:]}" if len(number) > 2 else "***"


class HandOver(StrEnum):
    """How staff gave a package to a requester who cannot take a download link (verified by
    letter, phone or in person): its exported ZIP by post, in person, or another way."""

    POST = "post"
    IN_PERSON = "in_person"
    OTHER = "other"


HAND_OVER_NOTE: Final = (10, 2000)  # characters: what was given, how, to whom, when


def hand_over_note(note: str) -> str:
    """The note that says how a package was handed over, checked: one is always written, as
    plain text (it is shown again in terminals and the console)."""
    shortest, longest = HAND_OVER_NOTE
    return written(
        note, "say how the package was handed over (what was sent or given, how, when)",
        shortest, longest,
    )  # fmt: skip


class NotDeliverableError(ConflictError):
    """The package may not be handed out (frozen, changed since approval, or not approved)."""


class ProtectedBeforeRotationError(ConflictError):
    """The download's passphrase protection was made under a web secret that is no longer
    listed: served now, the file would not open with its passphrase. Protecting it again
    makes a new passphrase under the current secret."""

    def __init__(self) -> None:
        super().__init__(
            "this download was protected with a passphrase before our keys were changed: "
            "protect it again for a new passphrase"
        )


@dataclass(frozen=True)
class Client:
    """Who is at the other end of an attempt, as the web server sees it; repr hides both."""

    ip: str | None
    user_agent: str | None

    def __repr__(self) -> str:
        return "Client(***)"

    __str__ = __repr__


NOBODY = Client(None, None)


class PackageSource(Protocol):
    """The packages that links hand out: approved, encrypted at rest, readable by byte range."""

    def assert_deliverable(self, package_id: str) -> None:
        """Pass when the package may go out now; raise NotDeliverableError (or the package
        service's own ConflictError) when it is frozen, not approved, or changed since approval."""
        ...

    def plaintext_size(self, package_id: str) -> int:
        """Bytes of the package's ZIP file."""
        ...

    def request_of(self, package_id: str) -> str:
        """The id of the request the package answers (NotFoundError when there is none)."""
        ...

    def mark_delivered(self, transaction: Any, package_id: str) -> None:
        """Record, in the transaction that issues its link, that the package went out (an
        approved package becomes delivered; a delivered one stays so); NotDeliverableError
        when it may no longer go out (frozen since it was checked)."""
        ...

    def read_range(self, package_id: str, start: int, end: int) -> Iterator[bytes]:
        """Plaintext bytes `start`..`end` inclusive, decrypted chunk by chunk; the caller closes
        the iterator (a generator) when it stops early."""
        ...


# No l, o, 0 or 1, so that the passphrase can be read aloud and typed without doubt.
PASSPHRASE_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # noqa: S105 - an alphabet, not a secret
PASSPHRASE_GROUPS = 5
PASSPHRASE_GROUP = 5


def new_passphrase() -> str:
    """25 characters from a 32-letter alphabet in groups of five: 125 random bits."""
    groups = (
        "".join(secrets.choice(PASSPHRASE_ALPHABET) for _ in range(PASSPHRASE_GROUP))
        for _ in range(PASSPHRASE_GROUPS)
    )
    return "-".join(groups)
