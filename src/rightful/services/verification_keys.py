"""The server secret that keys the HMACs of one-time codes: configured, or generated once."""

from __future__ import annotations

from pathlib import Path

from rightful.adapters.files import load_or_create_hex_secret


def load_or_create_code_key(secret: str | None, path: Path) -> bytes:
    """The HMAC key for codes: the configured secret, else a random one kept in `path` (0600)."""
    return load_or_create_hex_secret(secret, path, setting="verification_secret")
