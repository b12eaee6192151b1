"""The web secret and the keys derived from it, one per purpose, so that none is reused."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from rightful.adapters.files import load_or_create_hex_secret
from rightful.domain.errors import ConfigurationError

PURPOSES = frozenset({
    "cookie", "csrf", "download-code", "totp", "age", "portal", "console-flash", "not-mine-confirm",
    "idempotency",
})  # fmt: skip


def load_or_create_web_secret(configured: str | None, path: Path) -> bytes:
    """The configured secret, else a random one kept in `path` (created 0600 on first use)."""
    return load_or_create_hex_secret(configured, path, setting="web_secret")


def subkey(secret: bytes, purpose: str) -> bytes:
    """A 32-byte key for one purpose (cookie signing, CSRF, code HMACs, TOTP sealing, age)."""
    if purpose not in PURPOSES:
        raise ConfigurationError(f"unknown key purpose {purpose!r}")
    return hmac.new(secret, b"rightful-web\x00" + purpose.encode(), hashlib.sha256).digest()
