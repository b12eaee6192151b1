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
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from rightful.adapters.files import (
    atomic_writer,
    exclusive_lock,
    load_or_create_hex_secret,
    make_folder,
    read_private,
)
from rightful.adapters.storage.encryption import KEY_SIZE, TamperedError
from rightful.domain.errors import ConfigurationError
from rightful.domain.package_ports import WrappedKey

log = logging.getLogger(__name__)
CURRENT = "current"
ROTATING = "rotating"  # names the key a rotation made, until that rotation has run to its end
ROTATION_LOCK = ".rotation.lock"


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
        return _unwrap(self._keys.get(wrapped.key_id), wrapped)

    def known_key_ids(self) -> tuple[str, ...]:
        return tuple(self._keys)


class FolderKeyWrapper:
    """Master keys in a key folder (plus older ones from settings). The folder's `current` key
    is looked up at every wrap, so a rotation by another process takes effect here at once and
    a key it retires is never used again; a key id not seen yet is looked for in the folder."""

    def __init__(self, folder: KeyFolder, older: Iterable[bytes] = ()) -> None:
        self._folder = folder
        self._older = {master_key_id(k): k for k in older}
        self._keys = {**self._older, **folder.keys()}
        self._pointer: tuple[tuple[int, int], str] | None = None

    @property
    def current_key_id(self) -> str:
        return master_key_id(self._current())

    def wrap(self, data_key: bytes) -> WrappedKey:
        """The data key wrapped under the folder's current master key."""
        master = self._current()
        return WrappedKey(master_key_id(master), aes_key_wrap(master, data_key))

    def unwrap(self, wrapped: WrappedKey) -> bytes:
        """The data key; ConfigurationError when its master key is nowhere to be found."""
        if wrapped.key_id not in self._keys:
            self._reload()
        return _unwrap(self._keys.get(wrapped.key_id), wrapped)

    def known_key_ids(self) -> tuple[str, ...]:
        self._reload()
        return tuple(self._keys)

    def _reload(self) -> None:
        self._keys = {**self._older, **self._folder.keys()}

    def _current(self) -> bytes:
        # The pointer file is rewritten (renamed into place) on rotation: its inode and
        # mtime say whether to read it again.
        stamp = self._folder.pointer_stamp()
        if self._pointer is None or self._pointer[0] != stamp:
            key = self._folder.current()
            self._keys.setdefault(master_key_id(key), key)
            self._pointer = (stamp, master_key_id(key))
        return self._keys[self._pointer[1]]


class KeyFolder:
    """Master keys generated on first use: one file per key (mode 0600), `current` names one."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def pointer_stamp(self) -> tuple[int, int]:
        """Changes whenever `current` is rewritten ((0, 0) before the first key)."""
        try:
            stat = (self.folder / CURRENT).stat()
        except FileNotFoundError:
            return 0, 0
        return stat.st_ino, stat.st_mtime_ns

    def superseded_at(self) -> dict[str, float]:
        """When each key stopped being current: its successor's creation, or (for a newer key
        the pointer does not name) its own. The current key is not in it."""
        current = self.current_id()
        made = sorted((path.stat().st_mtime, path.stem) for path in self.folder.glob("*.key"))
        ends = [after for after, _ in made[1:]] + [made[-1][0]] if made else []
        return {
            key_id: end for (_, key_id), end in zip(made, ends, strict=True) if key_id != current
        }

    def current_id(self) -> str | None:
        """The id the pointer names, or None before the first key."""
        pointer = self.folder / CURRENT
        return pointer.read_text().strip() if pointer.exists() else None

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
        key_id, key = self._store_new()
        self._make_current(key_id)
        return key

    @contextmanager
    def rotation(self) -> Iterator[str | None]:
        """Held while a rotation runs; rotations take turns. A new key is made current first,
        but when the last rotation was cut short, the key it made is kept (made current, should
        it have stopped before that) and its id given: the rotation resumes; None otherwise. A
        block that ends without an exception has run the rotation to its end: the next one
        makes a new key."""
        marker = self.folder / ROTATING
        with exclusive_lock(self.folder / ROTATION_LOCK):
            begun = marker.read_text().strip() if marker.exists() else None
            resumed = begun if begun is not None and begun in self.keys() else None
            if resumed is None:
                # The marker names the key before it is current: a rotation stopped in between
                # resumes with that key instead of making another.
                made, _ = self._store_new()
                _write_private(marker, made + "\n")
                self._make_current(made)
            elif resumed != self.current_id():
                self._make_current(resumed)
            yield resumed
            marker.unlink(missing_ok=True)

    def _store_new(self) -> tuple[str, bytes]:
        """Generate a key and store it (not current yet)."""
        key = os.urandom(KEY_SIZE)
        key_id = master_key_id(key)
        _write_private(self.folder / f"{key_id}.key", base64.b64encode(key).decode() + "\n")
        log.info("created package master key %s", key_id)
        return key_id, key

    def _make_current(self, key_id: str) -> None:
        _write_private(self.folder / CURRENT, key_id + "\n")

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
) -> tuple[LocalKeyWrapper | FolderKeyWrapper, KeyFolder | None]:
    """The wrapper from settings (a configured key wins) plus every key the folder holds."""
    older = [parse_master_key(k) for k in previous]
    store = KeyFolder(folder)
    if configured:
        return LocalKeyWrapper([*older, *store.keys().values()], parse_master_key(configured)), None
    return FolderKeyWrapper(store, older), store


def _unwrap(master: bytes | None, wrapped: WrappedKey) -> bytes:
    if master is None:
        raise ConfigurationError(
            f"package master key {wrapped.key_id} is not configured (was it retired?)"
        )
    try:
        return aes_key_unwrap(master, wrapped.blob)
    except InvalidUnwrap:
        raise TamperedError("a wrapped package key failed authentication") from None


def load_or_create_secret(path: Path) -> bytes:
    """A random 256-bit secret kept in `path` (mode 0600), created on first use."""
    return load_or_create_hex_secret(None, path, setting=path.name)


def _read_private(path: Path) -> str:
    return read_private(path, "key file").decode()


def _write_private(path: Path, text: str) -> None:
    make_folder(path.parent)
    with atomic_writer(path, binary=False, prefix=".key-", mode=0o600) as out:
        out.write(text)
