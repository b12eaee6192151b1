"""The server secret that keys the HMACs of one-time codes: configured, or generated once."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path

from rightful.domain.errors import ConfigurationError

MIN_SECRET_BYTES = 32


def load_or_create_code_key(secret: str | None, path: Path) -> bytes:
    """The HMAC key for codes: the configured secret, else a random one kept in `path` (0600)."""
    if secret is not None:
        if len(secret.encode()) < MIN_SECRET_BYTES:
            raise ConfigurationError("verification_secret must be at least 32 bytes")
        return secret.encode()
    if not path.exists():
        _create_key_file(path)
    if path.stat().st_mode & 0o077:
        raise ConfigurationError(f"{path} is readable by others; run chmod 600 {path}")
    return bytes.fromhex(path.read_text().strip())


def _create_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=".code-key-")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
        with contextlib.suppress(FileExistsError):  # another process won the race: its key stays
            os.link(name, path)
    finally:
        os.unlink(name)
