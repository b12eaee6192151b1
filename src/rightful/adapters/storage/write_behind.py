"""Writing behind: a package's sealed bytes go to the disk on a thread of their own, so that
disk writes overlap with hashing and encryption (the encrypting writer is in encryption.py)."""

from __future__ import annotations

import mmap
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any, Final

from rightful.adapters.buffers import BUFFERS, BufferPool
from rightful.adapters.storage.encryption import WRITE_BATCH, Buffer, Writable

# Sealed bytes waiting for the writer thread. Written buffers are kept for the next batches: as
# many as can wait, plus the one being filled and the one being written. With fewer kept, most
# batches of a large package took a fresh buffer, whose page faults cost about 5 % of the
# 1,700-recording build.
WRITE_AHEAD: Final = 16 * 1024 * 1024


class BackgroundWriter:
    """Hands writes to a thread so that disk writes overlap with hashing and encryption.

    A written buffer must not change until it is written: the encrypting writer's sealed chunks
    don't, and a buffer from `buffer()` comes back for reuse only after its write. At most
    WRITE_AHEAD bytes of writes wait in memory. `close()` waits for every write and re-raises a
    failed one; it does not close the underlying stream.

    A sink may name the batches it writes best (`batch`) and the pool their buffers come from
    (`buffers`): a package file written past the page cache takes whole page-aligned stages
    without copying them (storage/package_file.py).

    The first `inline` bytes are written at once, on the caller's thread: a small package
    never needs the thread, whose start and join cost a small request more than its writes.
    """

    def __init__(self, sink: Writable, inline: int = WRITE_BATCH) -> None:
        self._sink = sink
        self._inline = inline
        self.batch: int = getattr(sink, "batch", None) or WRITE_BATCH
        self._pool: BufferPool[Any] = getattr(sink, "buffers", None) or BUFFERS
        depth = max(2, WRITE_AHEAD // self.batch)
        self._reused = depth + 2  # as many as can wait, plus the one filled and the one written
        self._queue: queue.Queue[bytes | Buffer | Callable[[], None] | None] = queue.Queue(
            maxsize=depth
        )
        self._written: queue.SimpleQueue[Buffer] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def buffer(self, size: int) -> Buffer:
        """A buffer of `size` bytes, reusing one already written: fresh large buffers cost as
        much in page faults as the encryption itself."""
        while not self._written.empty():
            reused = self._written.get()
            if len(reused) == size:
                return reused
        buffer: Buffer = self._pool.take(size)
        return buffer

    def reuse(self, buffer: Buffer) -> None:
        """Take back a buffer from `buffer()` that was never handed to write()."""
        if self._written.qsize() < self._reused:
            self._written.put(buffer)
        else:
            self._pool.give(buffer)

    def write(self, data: bytes | Buffer) -> int:
        if self._error is not None:
            raise self._error
        if self._thread is None and len(data) <= self._inline:
            self._inline -= len(data)
            self._write_now(data)
            return len(data)
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="package-writer", daemon=True)
            self._thread.start()
        self._queue.put(data)
        return len(data)

    def read_soon(self) -> None:
        """Tell the sink, in order with the writes before, that the bytes after will be read
        back soon (ObjectWriter.read_soon)."""
        read_soon = getattr(self._sink, "read_soon", None)
        if read_soon is None:
            return
        if self._thread is None:
            read_soon()
        else:
            self._queue.put(read_soon)

    def _write_now(self, data: bytes | Buffer) -> None:
        self._sink.write(data)
        if isinstance(data, bytearray | mmap.mmap) and self._written.qsize() < self._reused:
            self._written.put(data)

    def _run(self) -> None:
        while (data := self._queue.get()) is not None:
            if self._error is None:
                try:
                    if callable(data):
                        data()
                    else:
                        self._write_now(data)
                except BaseException as exc:  # handed to the producer by write() and close()
                    self._error = exc

    def close(self) -> None:
        """Wait until everything is written; raise the first error of the writer thread."""
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        while not self._written.empty():
            self._pool.give(self._written.get())
        if self._error is not None:
            raise self._error


@contextmanager
def written_behind(sink: Writable) -> Iterator[BackgroundWriter]:
    """A background writer into `sink`, drained when the block ends (errors of the block win)."""
    writer = BackgroundWriter(sink)
    try:
        yield writer
    except BaseException:
        with suppress(BaseException):
            writer.close()
        raise
    writer.close()
