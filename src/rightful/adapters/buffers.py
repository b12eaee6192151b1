"""Large buffers kept from one package build to the next.

A build reads, copies and encrypts through buffers of about 1 MiB. A fresh one is zero-filled
page by page, which cost 0.3-0.4 ms each: about a tenth of a small package's build went into
the three or four a build takes. Buffers come back only once nothing looks at them any more.
Memory stays bounded: a few per size, and only of sizes that were taken from the pool.
BUFFERS holds bytearrays; ALIGNED holds page-aligned buffers of 4 MiB: the batches of sealed
bytes that a package file writes past the page cache as they are, and its staging buffer
(storage/package_file.py). A build has up to seven of them, four waiting to be written.
"""

from __future__ import annotations

import mmap
import threading
from collections.abc import Callable, Sized
from typing import Final, Generic, TypeVar

KEEP: Final = 8  # per size: what two builds at once take, about

B = TypeVar("B", bound=Sized)


class BufferPool(Generic[B]):
    """Buffers to take and give back; take() makes a fresh one when none is kept."""

    def __init__(self, make: Callable[[int], B], keep: int = KEEP) -> None:
        self._make, self._keep = make, keep
        self._kept: dict[int, list[B]] = {}
        self._lock = threading.Lock()

    def take(self, size: int) -> B:
        """A buffer of `size` bytes, with whatever a previous user left in it."""
        with self._lock:
            kept = self._kept.setdefault(size, [])
            if kept:
                return kept.pop()
        return self._make(size)

    def give(self, buffer: B) -> None:
        """Keep a buffer no one uses any more; one too many, or of a size never taken, is
        left to the garbage collector."""
        with self._lock:
            kept = self._kept.get(len(buffer))
            if (
                kept is not None
                and len(kept) < self._keep
                and all(k is not buffer for k in kept)  # `in` would compare contents
            ):
                kept.append(buffer)

    def kept(self) -> int:
        """How many buffers are kept now."""
        with self._lock:
            return sum(map(len, self._kept.values()))

    def sizes(self) -> list[int]:
        """The sizes taken so far."""
        with self._lock:
            return list(self._kept)


def _page_aligned(size: int) -> mmap.mmap:
    return mmap.mmap(-1, size)


BUFFERS: Final = BufferPool(bytearray)
# Anonymous mappings start on a page boundary, as writes that bypass the page cache require.
ALIGNED: Final = BufferPool(_page_aligned)
