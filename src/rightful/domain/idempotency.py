"""A request sent twice is one request: the key a submission carries (the portal form's token,
an API client's `Idempotency-Key`), and what is kept of it to know a repeat when it comes.

Kept: a digest of the key, who sent it (the scope), a keyed digest of what was sent (so that
the same key with other details is told apart, and no address can be read back or confirmed
by hashing guesses without the key), the request it became, and when.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from rightful.domain.errors import ConflictError, InvalidInputError
from rightful.domain.key_ring import KeyRing

# How long a key is kept after its request was made: a repeat within this finds the first
# request; the daily job removes older keys, so a repeat later than that may make a new one.
KEPT_FOR: Final = timedelta(hours=24)
MAX_KEY: Final = 255  # characters, as Stripe takes them
KEY_FORMAT: Final = re.compile(rf"[\x21-\x7e]{{1,{MAX_KEY}}}")  # visible ASCII, no spaces
PORTAL: Final = "portal"  # the scope of the portal form's tokens


class IdempotencyKeyReusedError(ConflictError):
    """A key already made a request from other details: the key is not reused for another."""

    http_status = 422

    def __init__(self, request_id: str) -> None:
        self.request_id = request_id
        super().__init__(
            "this Idempotency-Key was already used for a request with other details; send a "
            "new key for a new request, or the same details to get the first answer again"
        )


@dataclass(frozen=True)
class Once:
    """A submission that is to be taken in once: the sender's scope (the portal, or the API
    principal), its key, and a digest of what it sent (under the current web secret; also
    under each previous one, so that a repeat across a rotation is still known)."""

    scope: str
    key_digest: str
    body_digest: str
    earlier_body_digests: tuple[str, ...] = ()

    def same_body(self, stored: str) -> bool:
        """Whether `stored` is this body's digest under the current or a previous secret."""
        digests = (self.body_digest, *self.earlier_body_digests)
        return any(hmac.compare_digest(stored, d) for d in digests)


def once(scope: str, key: str, body: dict[str, object], secrets: KeyRing) -> Once:
    """The `Once` of a submission of `body` under `key` (InvalidInputError for a key that is
    empty, too long or not visible ASCII)."""
    if not KEY_FORMAT.fullmatch(key):
        raise InvalidInputError(
            f"an Idempotency-Key is 1 to {MAX_KEY} visible ASCII characters (a UUID, say)"
        )
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    current, *earlier = (
        hmac.new(secret, canonical.encode(), hashlib.sha256).hexdigest() for secret in secrets.all
    )
    return Once(scope, hashlib.sha256(key.encode()).hexdigest(), current, tuple(earlier))
