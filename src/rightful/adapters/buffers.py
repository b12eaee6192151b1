"""Large buffers kept from one package build to the next.

A build reads, copies and encrypts through buffers of about 1 MiB. A fresh one is zero-filled
page by page, which cost 0.3-0.4 ms each: about a tenth of a small package's build went into
the three or four a build takes. Buffers come back only once nothing looks at them any more.
Memory stays bounded: a few per size, and only of sizes that were taken from the pool.
"""

from __future__ import annotations

import threading
from typing import Final

KEEP: Final = 8  # per size: what two builds at once take, about


class BufferPool:
    """bytearrays to take and give back; take() hands out a fresh one when none is kept."""

    def __init__(self, keep: int = KEEP) -> None:
        self._keep = keep
        self._kept: dict[int, list[bytearray]] = {}
        self._lock = threading.Lock()

    def take(self, size: int) -> bytearray:
        """A buffer of `size` bytes, with whatever a previous user left in it."""
        with self._lock:
            kept = self._kept.setdefault(size, [])
            if kept:
                return kept.pop()
        return bytearray(size)

    def give(self, buffer: bytearray) -> None:
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


BUFFERS: Final = BufferPool()
