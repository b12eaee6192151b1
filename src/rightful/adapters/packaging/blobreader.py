"""Reading blobs for the package ZIP, with their SHA-256 and CRC-32.

A blob that fits one block is read and checksummed at once, so its ZIP member carries its
CRC-32 up front and needs no data descriptor. The rest of a larger blob is read and checksummed
by a helper thread while the caller encrypts and writes the blocks before it: hashing releases
the GIL, so both cores work. Small blobs stay on the caller's thread, because handing each one
over costs more in GIL hand-offs than the hashing saves (measured with bench/package.py).
Memory is bounded by the pool of blocks, whatever the number or size of blobs.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import BinaryIO, Final

from rightful.adapters.buffers import BUFFERS
from rightful.adapters.packaging.sums import Sums
from rightful.domain.errors import NotFoundError

BLOCK_SIZE: Final = 1024 * 1024
BLOCKS: Final = 6

Opener = Callable[[], BinaryIO]


@dataclass(frozen=True)
class _Part:
    block: bytearray
    size: int


@dataclass(frozen=True)
class _End:
    size: int
    sha256: str
    crc: int


@dataclass(frozen=True)
class _Failed:
    error: BaseException


@dataclass(frozen=True)
class _Stream:
    source: BinaryIO
    first: bytearray
    expected: int | None


class Fetched:
    """One blob: `whole` when it fit one block (sums known now), otherwise its blocks from
    `parts()`, after which the sums are known. `release()` hands the block(s) back."""

    def __init__(self, reader: BlobReader | None, expected: int | None) -> None:
        self._reader = reader
        self.expected = expected
        self.whole: memoryview | None = None
        self.size, self.sha256, self.crc = 0, "", 0
        self._give_back: Callable[[], None] | None = None
        self._streaming = False

    @classmethod
    def read_whole(
        cls, whole: memoryview, sha256: str, crc: int, give_back: Callable[[], None]
    ) -> Fetched:
        """A blob read whole elsewhere; `give_back` runs on release()."""
        fetched = cls(None, whole.nbytes)
        fetched.whole, fetched.size, fetched.sha256, fetched.crc = whole, whole.nbytes, sha256, crc
        fetched._give_back = give_back
        return fetched

    def parts(self) -> Iterator[memoryview]:
        """The blocks of a blob that did not fit one; each goes back to the pool once the
        caller asks for the next."""
        while self._streaming:
            assert self._reader is not None
            event = self._reader._events.get()
            if isinstance(event, _Failed):
                self._streaming = False
                raise event.error
            if isinstance(event, _End):
                self.size, self.sha256, self.crc = event.size, event.sha256, event.crc
                self._streaming = False
                return
            with memoryview(event.block)[: event.size] as view:
                yield view
            self._reader._free.put(event.block)

    def release(self) -> None:
        """Give a whole blob's block back, once its bytes are written or no longer needed."""
        if self.whole is not None:
            self.whole.release()
            self.whole = None
        if self._give_back is not None:
            self._give_back()
            self._give_back = None


class BlobReader:
    """Reads one blob at a time; `read()` returns None for a blob its opener cannot find."""

    def __init__(self, block_size: int = BLOCK_SIZE, blocks: int = BLOCKS) -> None:
        if blocks < 2 or block_size < 1:
            raise ValueError("a blob reader needs two blocks or more of one byte or more")
        self._block_size, self._blocks_left = block_size, blocks
        self._free: queue.SimpleQueue[bytearray] = queue.SimpleQueue()
        self._streams: queue.SimpleQueue[_Stream | None] = queue.SimpleQueue()
        self._events: queue.SimpleQueue[_Part | _End | _Failed] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def read(self, opener: Opener) -> Fetched | None:
        """Open and read a blob: whole when it fits one block, else streamed by the helper."""
        try:
            source = opener()
        except NotFoundError:
            return None
        block: bytearray | None = None
        try:
            expected = _size_of(source)
            block = self._take()
            n = _fill(source, block)
            if n == len(block):  # more to come: the helper reads on while the caller writes
                fetched = Fetched(self, expected)
                fetched._streaming = True
                self._start()
                self._streams.put(_Stream(source, block, expected))
                return fetched
            source.close()
            _check_size(expected, n)
        except BaseException:
            source.close()
            if block is not None:
                self._free.put(block)
            raise
        whole = memoryview(block)[:n]
        sums = Sums(whole)
        return Fetched.read_whole(whole, sums.hexdigest(), sums.crc, partial(self._free.put, block))

    def close(self) -> None:
        """Stop the helper thread (a stream it was reading is dropped); the free blocks go
        back to the pool."""
        if self._thread is not None:
            self._stop.set()
            self._streams.put(None)
            self._free.put(bytearray(1))  # wakes the helper waiting for a block
            self._thread.join()
            self._thread = None
        while not self._free.empty():
            if len(block := self._free.get()) == self._block_size:
                BUFFERS.give(block)

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="package-blob-reader")
            self._thread.daemon = True
            self._thread.start()

    def _take(self) -> bytearray:
        if self._blocks_left > 0 and self._free.empty():
            self._blocks_left -= 1
            return BUFFERS.take(self._block_size)
        block = self._free.get()
        if self._stop.is_set():
            raise _Stopped
        return block

    # --- the helper thread -------------------------------------------------------------------

    def _run(self) -> None:
        while (stream := self._streams.get()) is not None:
            try:
                with stream.source:
                    self._events.put(self._stream(stream))
            except _Stopped:
                return
            except BaseException as exc:  # raised by parts() in the caller's thread
                self._events.put(_Failed(exc))

    def _stream(self, stream: _Stream) -> _End:
        sums = Sums()
        block, n = stream.first, len(stream.first)
        while n:
            with memoryview(block)[:n] as view:
                sums.update(view)
            self._events.put(_Part(block, n))
            block = self._take()
            n = _fill(stream.source, block)
        self._free.put(block)
        _check_size(stream.expected, sums.size)
        return _End(sums.size, sums.hexdigest(), sums.crc)


class _Stopped(Exception):
    pass


def _fill(source: BinaryIO, block: bytearray) -> int:
    """Read into `block` until it is full or the stream ends; the bytes read."""
    filled = 0
    with memoryview(block) as view:
        while filled < len(block):
            n = source.readinto(view[filled:])  # type: ignore[attr-defined]
            if not n:
                break
            filled += n
    return filled


def _size_of(source: BinaryIO) -> int | None:
    try:
        return os.fstat(source.fileno()).st_size
    except (OSError, ValueError, AttributeError):
        return None


def _check_size(expected: int | None, read: int) -> None:
    if expected is not None and read != expected:
        raise OSError(f"a blob changed while it was read: expected {expected} bytes, read {read}")
