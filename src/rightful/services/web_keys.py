"""The web secret and the keys derived from it, one per purpose, so that none is reused; and
the secrets it replaced (`web_previous_secrets`), whose keys still check what they made."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from pathlib import Path

from rightful.adapters.files import load_or_create_hex_secret
from rightful.domain.errors import ConfigurationError
from rightful.domain.key_ring import KeyRing

PURPOSES = frozenset({
    "cookie", "csrf", "download-code", "totp", "age", "portal", "console-flash", "not-mine-confirm",
    "idempotency",
})  # fmt: skip


def load_or_create_web_secret(configured: str | None, path: Path) -> bytes:
    """The configured secret, else a random one kept in `path` (created 0600 on first use)."""
    return load_or_create_hex_secret(configured, path, setting="web_secret")


def previous_web_secrets(configured: Iterable[str]) -> tuple[bytes, ...]:
    """The secrets `web_previous_secrets` lists, as a configured `web_secret` is read; one that
    is the hex a generated `data_dir/keys/web_secret` file holds is also tried as the bytes it
    spells, so that the file's line can be listed as it is."""
    found: list[bytes] = []
    for value in configured:
        found.append(value.encode())
        try:
            found.append(bytes.fromhex(value.strip()))
        except ValueError:
            continue
    return tuple(dict.fromkeys(found))


def subkey(secret: bytes, purpose: str) -> bytes:
    """A 32-byte key for one purpose (cookie signing, CSRF, code HMACs, TOTP sealing, age)."""
    if purpose not in PURPOSES:
        raise ConfigurationError(f"unknown key purpose {purpose!r}")
    return hmac.new(secret, b"rightful-web\x00" + purpose.encode(), hashlib.sha256).digest()


def subkeys(secret: bytes, previous: Iterable[bytes], purpose: str) -> KeyRing:
    """The key for `purpose` under the current secret, and those under the previous ones."""
    return KeyRing(subkey(secret, purpose), tuple(subkey(p, purpose) for p in previous))
