"""Rules of the staff console: passwords, sessions and their timeouts, one-time TOTP steps."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from rightful.domain.errors import AuthenticationError, InvalidInputError

MIN_PASSWORD = 12
SCRYPT_LOG_N = 15
_SCRYPT_R, _SCRYPT_P = 8, 1


class SignInError(AuthenticationError):
    """Sign-in refused; the message never says which of name, password or code was wrong."""


class SessionExpiredError(AuthenticationError):
    """The console session ended (signed out, idle too long, or past its limit)."""


@dataclass(frozen=True)
class SessionPolicy:
    """How long a console session may sit idle and how long it may last at most."""

    idle: timedelta = timedelta(minutes=30)
    max_age: timedelta = timedelta(hours=8)

    def __post_init__(self) -> None:
        if self.idle <= timedelta(0) or self.max_age < self.idle:
            raise InvalidInputError("session limits must be positive and max_age >= idle")


@dataclass(frozen=True)
class SessionState:
    last_seen_at: datetime
    expires_at: datetime
    ended_at: datetime | None = None


def check_session(state: SessionState, now: datetime, policy: SessionPolicy) -> None:
    """Raise SessionExpiredError unless the session is still alive at `now`."""
    if state.ended_at is not None:
        raise SessionExpiredError("you signed out; sign in again")
    if now >= state.expires_at:
        raise SessionExpiredError("your session reached its time limit; sign in again")
    if now - state.last_seen_at >= policy.idle:
        raise SessionExpiredError("your session timed out after inactivity; sign in again")


def check_password_strength(password: str) -> None:
    """At least 12 characters (NIST SP 800-63B favours length over composition rules)."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInputError(f"a console password has at least {MIN_PASSWORD} characters")


def hash_password(password: str, *, log_n: int = SCRYPT_LOG_N, salt: bytes | None = None) -> str:
    """scrypt$<log n>$<r>$<p>$<salt>$<hash>, salt and hash in base64."""
    salt = salt or os.urandom(16)
    digest = _scrypt(password, salt, log_n, _SCRYPT_R, _SCRYPT_P)
    return "$".join(
        ["scrypt", str(log_n), str(_SCRYPT_R), str(_SCRYPT_P), _b64(salt), _b64(digest)]
    )


def password_matches(stored: str, password: str) -> bool:
    """Recompute the hash with the stored parameters; compare in constant time."""
    try:
        scheme, log_n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        fresh = _scrypt(password, base64.b64decode(salt), int(log_n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(fresh, base64.b64decode(digest))


@cache
def dummy_hash() -> str:
    """A hash of nothing anyone knows, checked for unknown names so that timing tells nothing."""
    return hash_password("unknown-user-dummy-password", salt=b"\x00" * 16)


def _scrypt(password: str, salt: bytes, log_n: int, r: int, p: int) -> bytes:
    n = 1 << log_n
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=256 * n * r, dklen=32)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def totp_step(at: datetime, period: int = 30) -> int:
    """The TOTP time step (RFC 6238) that contains `at`."""
    return int(at.timestamp()) // period


def fresh_step(matched: int | None, last_used: int) -> int:
    """The step a code matched, if it is newer than the last one used (a code works once)."""
    if matched is None or matched <= last_used:
        raise SignInError("name, password or code is wrong")
    return matched
