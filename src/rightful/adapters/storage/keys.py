"""Master keys that wrap package data keys: from settings or a key folder under data_dir/keys.

A key id is derived from the key itself (never the key), so a stored wrapped key names the
master key it needs. Data keys are wrapped with AES key wrap (RFC 3394).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
from collections.abc import Iterable
from pathlib import Path

from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from rightful.adapters.files import (
    atomic_writer,
    load_or_create_hex_secret,
    make_folder,
    read_private,
)
from rightful.adapters.storage.encryption import KEY_SIZE, TamperedError
from rightful.domain.errors import ConfigurationError
from rightful.domain.package_ports import WrappedKey

log = logging.getLogger(__name__)
CURRENT = "current"


def master_key_id(key: bytes) -> str:
    """A public name for a master key: 16 hex characters of a domain-separated hash."""
    return hashlib.sha256(b"rightful:package-master-key:" + key).hexdigest()[:16]


def parse_master_key(text: str) -> bytes:
    """A 256-bit key from base64 (or 64 hex digits); ConfigurationError otherwise."""
    raw = text.strip()
    try:
        key = bytes.fromhex(raw) if len(raw) == 64 else base64.b64decode(raw, validate=True)
    except (ValueError, binascii.Error):
        raise ConfigurationError("package_master_key must be 32 bytes in base64 or hex") from None
    if len(key) != KEY_SIZE:
        raise ConfigurationError("package_master_key must be 32 bytes in base64 or hex")
    return key


class LocalKeyWrapper:
    """Master keys held in this process; `current` wraps, all of them unwrap."""

    def __init__(self, keys: Iterable[bytes], current: bytes) -> None:
        self._keys = {master_key_id(k): k for k in (*keys, current)}
        self._current = master_key_id(current)

    @property
    def current_key_id(self) -> str:
        return self._current

    def wrap(self, data_key: bytes) -> WrappedKey:
        """The data key wrapped under the current master key."""
        return WrappedKey(self._current, aes_key_wrap(self._keys[self._current], data_key))

    def unwrap(self, wrapped: WrappedKey) -> bytes:
        """The data key; ConfigurationError when its master key is not configured."""
        master = self._keys.get(wrapped.key_id)
        if master is None:
            raise ConfigurationError(
                f"package master key {wrapped.key_id} is not configured (was it retired?)"
            )
        try:
            return aes_key_unwrap(master, wrapped.blob)
        except InvalidUnwrap:
            raise TamperedError("a wrapped package key failed authentication") from None

    def known_key_ids(self) -> tuple[str, ...]:
        return tuple(self._keys)


class KeyFolder:
    """Master keys generated on first use: one file per key (mode 0600), `current` names one."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def keys(self) -> dict[str, bytes]:
        """Every key in the folder by id."""
        if not self.folder.is_dir():
            return {}
        found = {}
        for path in sorted(self.folder.glob("*.key")):
            key = parse_master_key(_read_private(path))
            found[master_key_id(key)] = key
        return found

    def current(self) -> bytes:
        """The current key, created on first use."""
        keys = self.keys()
        pointer = self.folder / CURRENT
        if pointer.exists() and pointer.read_text().strip() in keys:
            return keys[pointer.read_text().strip()]
        if keys:
            raise ConfigurationError(f"{pointer} does not name a key of {self.folder}")
        return self.add_new()

    def add_new(self) -> bytes:
        """Generate a key, store it, and make it current."""
        key = os.urandom(KEY_SIZE)
        key_id = master_key_id(key)
        _write_private(self.folder / f"{key_id}.key", base64.b64encode(key).decode() + "\n")
        _write_private(self.folder / CURRENT, key_id + "\n")
        log.info("created package master key %s", key_id)
        return key

    def retire(self, key_ids: Iterable[str]) -> list[str]:
        """Delete keys that nothing uses any more (never the current one)."""
        current = (self.folder / CURRENT).read_text().strip()
        gone = []
        for key_id in key_ids:
            path = self.folder / f"{key_id}.key"
            if key_id != current and path.exists():
                path.unlink()
                gone.append(key_id)
        return gone


def key_wrapper(
    configured: str | None, previous: Iterable[str], folder: Path
) -> tuple[LocalKeyWrapper, KeyFolder | None]:
    """The wrapper from settings (a configured key wins) plus every key the folder holds."""
    older = [parse_master_key(k) for k in previous]
    store = KeyFolder(folder)
    if configured:
        return LocalKeyWrapper([*older, *store.keys().values()], parse_master_key(configured)), None
    current = store.current()
    return LocalKeyWrapper([*older, *store.keys().values()], current), store


def load_or_create_secret(path: Path) -> bytes:
    """A random 256-bit secret kept in `path` (mode 0600), created on first use."""
    return load_or_create_hex_secret(None, path, setting=path.name)


def _read_private(path: Path) -> str:
    return read_private(path, "key file").decode()


def _write_private(path: Path, text: str) -> None:
    make_folder(path.parent)
    with atomic_writer(path, binary=False, prefix=".key-", mode=0o600) as out:
        out.write(text)
