"""Proof of identity: assurance levels, factors, one-time codes and the rules that govern them."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final, Protocol

from rightful.domain.datamap import DataMap
from rightful.domain.deadlines import Jurisdiction, prompt_ccpa
from rightful.domain.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    RightfulError,
)
from rightful.domain.identities import Identity, IdentityType
from rightful.domain.requests import RequestType
from rightful.domain.sensitivity import Sensitivity, highest

MIN_CODE_DIGITS = 6
MIN_LINK_BYTES = 16  # 128 bits


class Assurance(StrEnum):
    """How sure we are that the requester is the person: none < standard < high."""

    NONE = "none"
    STANDARD = "standard"
    HIGH = "high"

    @property
    def rank(self) -> int:
        """Position in the order none < standard < high."""
        return list(Assurance).index(self)

    def at_least(self, other: Assurance) -> bool:
        """True when this level meets `other`."""
        return self.rank >= other.rank


class Factor(StrEnum):
    """A way of proving control of an identity."""

    EMAIL_CODE = "email_code"
    EMAIL_LINK = "email_link"
    SMS_CODE = "sms_code"
    SMS_LINK = "sms_link"
    ACCOUNT_ASSERTION = "account_assertion"
    STAFF_CHECK = "staff_check"


class Channel(StrEnum):
    """Where a one-time code is sent."""

    EMAIL = "email"
    SMS = "sms"


# What a challenge is for: to verify a request, or to add a factor to a verified one.
VERIFY: Final = "verify"
STEP_UP: Final = "step_up"


# Code and link of one e-mail prove the same thing: control of one mailbox; of one text, one phone.
FACTOR_GROUP: dict[Factor, str] = {
    Factor.EMAIL_CODE: "mailbox",
    Factor.EMAIL_LINK: "mailbox",
    Factor.SMS_CODE: "phone",
    Factor.SMS_LINK: "phone",
    Factor.ACCOUNT_ASSERTION: "account",
    Factor.STAFF_CHECK: "staff",
}

CHANNEL_IDENTITY: dict[Channel, IdentityType] = {
    Channel.EMAIL: IdentityType.EMAIL,
    Channel.SMS: IdentityType.PHONE,
}


def needs_verification(jurisdiction: Jurisdiction, kind: RequestType) -> bool:
    """False for a CCPA opt-out of sale/sharing or limit of sensitive use: a business may not
    require a verifiable consumer request for them (Cal. Code Regs. tit. 11 §7026(c), §7027),
    only what it needs to find the person's records."""
    return not prompt_ccpa(jurisdiction, kind)


def assurance_reached(factors: Iterable[Factor]) -> Assurance:
    """Two independent factors or a signed-in account give high; one factor gives standard."""
    used = set(factors)
    if Factor.ACCOUNT_ASSERTION in used:
        return Assurance.HIGH
    groups = {FACTOR_GROUP[f] for f in used}
    if len(groups) >= 2:
        return Assurance.HIGH
    return Assurance.STANDARD if groups else Assurance.NONE


def step_up_options(factors: Iterable[Factor], offered: Iterable[Factor]) -> tuple[Factor, ...]:
    """Offered factors that would add an independent proof to those already used."""
    groups = {FACTOR_GROUP[f] for f in factors}
    return tuple(f for f in offered if FACTOR_GROUP[f] not in groups)


def required_assurance(levels: Iterable[Sensitivity]) -> Assurance:
    """The level needed to see data of the given sensitivities (EDPB 01/2022: proportionate)."""
    return Assurance.HIGH if highest(levels) is Sensitivity.HIGH else Assurance.STANDARD


def required_for(datamap: DataMap) -> Assurance:
    """The level needed to collect everything the data map holds about a subject."""
    return required_assurance(datamap.sensitivity_of(c.address) for c in datamap.collections())


def max_sensitivity(reached: Assurance) -> Sensitivity:
    """The most sensitive data a request verified to `reached` may collect."""
    if reached is Assurance.NONE:
        raise ConflictError("the requester is not verified yet; nothing may be collected")
    return Sensitivity.HIGH if reached is Assurance.HIGH else Sensitivity.STANDARD


# --- one-time codes and links ------------------------------------------------------------------


@dataclass(frozen=True)
class CodePolicy:
    """Strength, lifetime and limits of one-time codes."""

    digits: int = MIN_CODE_DIGITS
    link_bytes: int = MIN_LINK_BYTES
    ttl: timedelta = timedelta(minutes=15)
    max_attempts: int = 5
    resend_interval: timedelta = timedelta(seconds=60)
    max_challenges_per_request: int = 10
    # Verification codes: at most `max_challenges_per_request` on one channel in any `window`,
    # and each mail's link works for as long as the window, so that whenever the cap refuses a
    # new code, the mails already sent still hold a working link (whoever asked for them).
    window: timedelta = timedelta(hours=24)

    def __post_init__(self) -> None:
        if self.digits < MIN_CODE_DIGITS:
            raise InvalidInputError(f"codes need at least {MIN_CODE_DIGITS} digits")
        if self.link_bytes < MIN_LINK_BYTES:
            raise InvalidInputError("link tokens need at least 128 bits")
        if self.ttl <= timedelta(0) or self.max_attempts < 1:
            raise InvalidInputError("codes need a positive lifetime and at least one attempt")
        if self.max_challenges_per_request < 1 or self.resend_interval < timedelta(0):
            raise InvalidInputError("resend limits must be positive")
        if self.window < self.ttl:
            raise InvalidInputError("the window of codes must be at least a code's lifetime")

    @property
    def window_hours(self) -> int:
        """The window of codes in whole hours, as requesters and the audit are told it."""
        return int(self.window.total_seconds() // 3600)

    @property
    def ttl_minutes(self) -> int:
        """A code's lifetime in whole minutes, as its message tells it."""
        return int(self.ttl.total_seconds() // 60)

    @property
    def counts_for(self) -> timedelta:
        """How long a code sent counts for the limits of later ones: the window, or the resend
        interval where that is longer."""
        return max(self.window, self.resend_interval)

    @property
    def most_guesses(self) -> int:
        """Wrong codes a request can be tried with in its whole life: the first
        `max_challenges_per_request` codes carry digits, later mails only a link."""
        return self.max_challenges_per_request * self.max_attempts


def new_code(policy: CodePolicy) -> str:
    """A uniformly random code of `policy.digits` digits (leading zeros kept)."""
    return f"{secrets.randbelow(10**policy.digits):0{policy.digits}d}"


def new_link_secret(policy: CodePolicy) -> str:
    """A random URL-safe secret of at least 128 bits."""
    return secrets.token_urlsafe(policy.link_bytes)


def short_link_token(token: str) -> str:
    """The form of a link token `<id>.<secret>` (a 32-hex id) that a text message carries: the id
    as 22 URL-safe base64 characters, then the secret, so that a text with a code and its link
    stays one message."""
    cid, _, secret = token.partition(".")
    return base64.urlsafe_b64encode(bytes.fromhex(cid)).decode().rstrip("=") + secret


def full_link_token(short: str) -> str | None:
    """The `<id>.<secret>` a short token stands for; None when it cannot be one."""
    head, secret = short[:_SHORT_ID], short[_SHORT_ID:]
    try:
        raw = base64.urlsafe_b64decode(head + "==")
    except (binascii.Error, ValueError):
        return None
    if len(raw) != _ID_BYTES or not secret or short_link_token(f"{raw.hex()}.") != head:
        return None
    return f"{raw.hex()}.{secret}"


_ID_BYTES, _SHORT_ID = 16, 22  # a code's or challenge's id: 128 bits, 32 hex digits


def secret_digest(key: bytes, challenge_id: str, kind: str, secret: str) -> str:
    """HMAC-SHA256 of a code or link secret, bound to its challenge; a stolen table cannot be
    brute-forced offline without the server key."""
    message = f"{kind}\x00{challenge_id}\x00{secret.strip()}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def digests_match(stored: str, presented: str) -> bool:
    """Constant-time comparison of two digests."""
    return hmac.compare_digest(stored.encode(), presented.encode())


def clean_code(raw: str, policy: CodePolicy) -> str:
    """The code without spaces or dashes; InvalidInputError when it cannot be a code."""
    code = "".join(c for c in raw if c not in " -")
    if len(code) != policy.digits or not code.isdecimal() or not code.isascii():
        raise InvalidInputError(f"a code has {policy.digits} digits")
    return code


# --- the life of one challenge -----------------------------------------------------------------


class WrongCodeError(RightfulError):
    """The code does not match; the requester may try again `attempts_left` times."""

    http_status = 400

    def __init__(self, attempts_left: int) -> None:
        super().__init__(f"wrong code; {attempts_left} attempt(s) left")
        self.attempts_left = attempts_left


class CodeLockedError(RightfulError):
    """Too many wrong attempts: this code no longer works."""

    http_status = 423


class CodeExpiredError(RightfulError):
    """The code or link has expired or was replaced by a newer one."""

    http_status = 410


class CodeUsedError(ConflictError):
    """The code or link was used already; each works once."""


class NoContactError(InvalidInputError):
    """A step-up code has nowhere to go: the request holds no contact detail of the channel's
    kind and none was given. The message names the API's field (`address`); the portal names
    its own field by `channel`."""

    def __init__(self, channel: Channel) -> None:
        kind = "mobile number" if channel is Channel.SMS else "e-mail address"
        super().__init__(
            f"address: give the {kind} you use with us; this request has none to send the code to"
        )
        self.channel = channel


class ResendTooSoonError(RightfulError):
    """A new code was asked for too soon after the last one."""

    http_status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"a code was sent moments ago; ask again in {retry_after} seconds")
        self.retry_after = retry_after


class TooManyChallengesError(RightfulError):
    """This request has used up its codes for now; `retry_after` says for how long (None: for
    good, staff can help verify another way)."""

    http_status = 429

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class ChallengeState:
    """What decides whether a challenge still accepts a guess."""

    expires_at: datetime
    attempts: int
    max_attempts: int
    used_at: datetime | None = None
    locked_at: datetime | None = None
    superseded_at: datetime | None = None
    link_expires_at: datetime | None = None  # None: the link expires with the code


def check_usable(state: ChallengeState, now: datetime) -> None:
    """Raise the error that says why a challenge accepts no more guesses; pass when it does."""
    if state.used_at is not None:
        raise CodeUsedError("this code was used already; each code works once")
    if state.locked_at is not None or state.attempts >= state.max_attempts:
        raise CodeLockedError("too many wrong attempts; this code is locked, ask for a new one")
    if state.superseded_at is not None:
        raise CodeExpiredError("a newer code was sent; use the newest one")
    if now >= state.expires_at:
        raise CodeExpiredError("this code has expired; ask for a new one")


def check_link_usable(state: ChallengeState, now: datetime) -> None:
    """As `check_usable`, for the link of a challenge: a link's 128-bit secret cannot be guessed,
    so wrong codes (which lock the code) leave it working, until it is used or expires."""
    if state.used_at is not None:
        raise CodeUsedError("this link was used already; each link works once")
    if state.superseded_at is not None:
        raise CodeExpiredError("a newer code was sent; use the newest one")
    if now >= (state.link_expires_at or state.expires_at):
        raise CodeExpiredError("this link has expired; ask for a new code")


def window_wait(sent: Iterable[datetime], now: datetime, policy: CodePolicy) -> int:
    """Seconds until another code may go out on a channel that was sent codes at `sent`
    (0 = now): at most `max_challenges_per_request` in any `policy.window`."""
    recent = sorted(t for t in sent if t > now - policy.window)
    if len(recent) < policy.max_challenges_per_request:
        return 0
    frees = recent[-policy.max_challenges_per_request] + policy.window
    return max(int((frees - now).total_seconds() + 0.999), 1)


def fills_window(sent: Iterable[datetime], now: datetime, policy: CodePolicy) -> bool:
    """Whether a code going out `now`, after codes at `sent`, is the last the window allows
    (the moment to audit the cap, ids and counts only)."""
    recent = sum(1 for t in sent if t > now - policy.window)
    return recent + 1 == policy.max_challenges_per_request


def digits_left(with_digits: int, policy: CodePolicy) -> bool:
    """Whether another code may carry digits after `with_digits` codes that did: only the first
    `max_challenges_per_request` do, later mails carry a link only, so that guesses stay within
    `most_guesses` for good."""
    return with_digits < policy.max_challenges_per_request


def attempts_left(state: ChallengeState) -> int:
    """Guesses remaining after those already made."""
    return max(state.max_attempts - state.attempts, 0)


def resend_wait(last_sent: datetime | None, now: datetime, policy: CodePolicy) -> int:
    """Seconds to wait before another code may be sent (0 = now)."""
    if last_sent is None:
        return 0
    remaining = (last_sent + policy.resend_interval - now).total_seconds()
    return max(int(remaining + 0.999), 0)


# --- account assertions ------------------------------------------------------------------------


class AssertionRejectedError(AuthenticationError):
    """A signed account assertion failed a check; the message names which."""


@dataclass(frozen=True)
class AccountClaims:
    """What a controller's app vouches for: one logged-in account, once, until `expires_at`."""

    issuer: str
    subject: str
    token_id: str
    expires_at: datetime


class AccountAssertionChecker(Protocol):
    """Checks a signed assertion's signature, issuer, audience and lifetime (not its reuse)."""

    def check(self, token: str, now: datetime) -> AccountClaims:
        """The vouched-for claims; raises AssertionRejectedError naming the failed check."""
        ...


def account_identity(claims: AccountClaims, kind: IdentityType) -> Identity:
    """The identity an accepted assertion proves."""
    value = claims.subject.strip()
    if not value:
        raise AssertionRejectedError("the assertion names no account")
    return Identity(kind, value)
