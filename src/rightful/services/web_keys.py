"""The web secret and the keys derived from it, one per purpose, so that none is reused."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import tempfile
from pathlib import Path

from rightful.domain.errors import ConfigurationError

MIN_SECRET_BYTES = 32
PURPOSES = frozenset({"cookie", "csrf", "download-code", "totp", "age", "portal"})


def load_or_create_web_secret(configured: str | None, path: Path) -> bytes:
    """The configured secret, else a random one kept in `path` (created 0600 on first use)."""
    if configured is not None:
        if len(configured.encode()) < MIN_SECRET_BYTES:
            raise ConfigurationError("web_secret must be at least 32 bytes")
        return configured.encode()
    if not path.exists():
        _create(path)
    if path.stat().st_mode & 0o077:
        raise ConfigurationError(f"{path} is readable by others; run chmod 600 {path}")
    return bytes.fromhex(path.read_text().strip())


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=".web-secret-")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
        with contextlib.suppress(FileExistsError):  # another process won the race: its key stays
            os.link(name, path)
    finally:
        os.unlink(name)


def subkey(secret: bytes, purpose: str) -> bytes:
    """A 32-byte key for one purpose (cookie signing, CSRF, code HMACs, TOTP sealing, age)."""
    if purpose not in PURPOSES:
        raise ConfigurationError(f"unknown key purpose {purpose!r}")
    return hmac.new(secret, b"rightful-web\x00" + purpose.encode(), hashlib.sha256).digest()
