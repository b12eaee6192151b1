"""Ports of package storage: where encrypted packages live, and who wraps their data keys."""

from __future__ import annotations

import mmap
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import BinaryIO, Protocol


@dataclass(frozen=True)
class WrappedKey:
    """A data key encrypted under the master key named by `key_id`."""

    key_id: str
    blob: bytes

    def __repr__(self) -> str:
        return f"WrappedKey({self.key_id}, {len(self.blob)} bytes)"


class KeyWrapper(Protocol):
    """Wraps and unwraps per-package data keys under master keys (locally or in a KMS).

    `current_key_id` names the key new data keys are wrapped with. `unwrap` accepts a key wrapped
    under any key the wrapper still knows (older keys stay readable during a rotation) and
    raises ConfigurationError for an unknown key id and TamperedError for a blob that fails
    authentication. Implementations never log key material.
    """

    @property
    def current_key_id(self) -> str: ...

    def wrap(self, data_key: bytes) -> WrappedKey:
        """The data key wrapped under the current master key."""
        ...

    def unwrap(self, wrapped: WrappedKey) -> bytes:
        """The plain data key."""
        ...

    def known_key_ids(self) -> tuple[str, ...]:
        """Every master key id this wrapper can unwrap with."""
        ...


class ObjectWriter(Protocol):
    """A new object being written (PackageStore.writer)."""

    def write(self, data: bytes | bytearray | memoryview | mmap.mmap, /) -> int: ...

    def read_soon(self) -> None:
        """The bytes written from now on will be read back soon: a store may keep them at hand
        (a file store writes them through the page cache)."""
        ...

    def read_back(self) -> BinaryIO:
        """End the writing and return the bytes written, seekable, to read before the object
        appears (the caller closes the stream); the store meanwhile makes them durable, so
        that reading them back overlaps with waiting for the disk."""
        ...


class PackageStore(Protocol):
    """Encrypted package objects by name (`packages/<id>.rfpk`, `attachments/<id>.rfpk`).

    Names are relative, '/'-separated, of letters, digits, '-', '_' and '.'; anything else
    raises InvalidInputError. `writer` yields a stream whose object becomes visible, and
    durable, only when the block ends without error (an interrupted write leaves nothing
    behind). `open` returns a seekable binary stream the caller closes; NotFoundError for a
    missing object.
    """

    def writer(self, name: str) -> AbstractContextManager[ObjectWriter]:
        """A stream to write a new object under `name` (replacing any older one)."""
        ...

    def open(self, name: str) -> BinaryIO:
        """The stored bytes, seekable."""
        ...

    def size(self, name: str) -> int:
        """The stored size in bytes."""
        ...

    def exists(self, name: str) -> bool:
        """Whether an object is stored under `name`."""
        ...

    def delete(self, name: str) -> None:
        """Remove an object; no error when it is already gone."""
        ...
