"""A package's file on disk, written past the page cache (`direct`) where the filesystem allows
it, or through it.

A package is written once, whole, and read again only when it is downloaded, so caching its
pages helps no one, and each of them must first be allocated. On a virtual machine whose host
takes back guest memory left idle (virtio-balloon free page reporting) the first write into
such a page is slow: 170 MB written through the cache took 0.42 s of CPU with cold memory and
0.03 s with warm. With O_DIRECT the bytes go from one aligned staging buffer to the disk:
0.07 s and 13 ms of CPU for the same 170 MB, whatever the state of memory. On a disk that stalls
writes past the cache while it flushes its own cache, the page cache is faster: the package
store writes through it unless told otherwise (storage/filesystem.py, `package_write_past_cache`).

Through the cache (also where the filesystem refuses O_DIRECT: tmpfs on older kernels, some
network filesystems; there is none on macOS), every WRITEBACK_EVERY bytes the kernel is told to
start writing them and to drop the pages already written.
"""

from __future__ import annotations

import errno
import fcntl
import io
import mmap
import os
from contextlib import suppress
from typing import BinaryIO, Final

from rightful.adapters.buffers import ALIGNED, BufferPool

ALIGN: Final = 4096  # a multiple of every common logical block size (512 and 4096)
STAGE: Final = 4 * 1024 * 1024
WRITEBACK_EVERY: Final = 32 * 1024 * 1024
_O_DIRECT: Final = getattr(os, "O_DIRECT", 0)


class PackageFile(io.RawIOBase):
    """Appends to the open file `fd`, which the caller owns and closes.

    flush() puts every byte written so far into the file (fsync is the caller's); close()
    flushes and gives the staging buffer back; read_back() closes and reads the bytes again.
    """

    def __init__(self, fd: int, *, direct: bool = True) -> None:
        super().__init__()
        self._fd = fd
        # Bytes go past the cache exactly while there is a staging buffer.
        self._stage = ALIGNED.take(STAGE) if direct and _bypass_cache(fd) else None
        self._base = 0  # the file offset of the stage's first byte: a multiple of ALIGN
        self._filled = 0  # bytes in the stage
        self._size = 0  # bytes written
        self._flushed = 0  # ... of which in the file
        self._end = 0  # through the cache: where the next bytes go
        self._kicked = 0
        self._kept_from: int | None = None  # cached pages from here on are kept (read_soon)

    @property
    def direct(self) -> bool:
        """Whether the bytes bypass the page cache (until the file is closed)."""
        return self._stage is not None

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def tell(self) -> int:
        return self._size

    @property
    def batch(self) -> int | None:
        """The writes this file takes best: whole stages, while it bypasses the cache."""
        return STAGE if self.direct else None

    @property
    def buffers(self) -> BufferPool[mmap.mmap] | None:
        """Where buffers for such writes come from: page-aligned ones."""
        return ALIGNED if self.direct else None

    def write(self, data: bytes | bytearray | memoryview | mmap.mmap) -> int:  # type: ignore[override]
        view = memoryview(data).cast("B")
        size = view.nbytes
        if self._stage is None:
            self._write_cached(view)
        elif not self._filled and _aligned(data, size):
            self._put_as_is(view)
        else:
            self._stage_bytes(view)
        self._size += size
        return size

    def flush(self) -> None:
        """Write what is staged: the last, partial block is written padded, the file is cut
        back to its true size, and the block stays staged so that later writes complete it."""
        stage = self._stage
        if stage is None or self._flushed == self._size:
            return
        self._flushed = self._size
        padded = -(-self._filled // ALIGN) * ALIGN
        stage[self._filled : padded] = bytes(padded - self._filled)
        self._put(padded)
        if self._stage is None:  # the write above fell back to the cache
            return
        os.ftruncate(self._fd, self._base + self._filled)
        whole = self._filled // ALIGN * ALIGN
        stage[: self._filled - whole] = stage[whole : self._filled]
        self._base += whole
        self._filled -= whole

    def close(self) -> None:
        if not self.closed:
            try:
                self.flush()
            finally:
                self._give_back_stage()
        super().close()

    def read_soon(self) -> None:
        """Write the bytes from here on through the page cache and keep them there, where
        reading them back finds them: from the disk, a read waits behind its flush of
        everything before."""
        if self._stage is not None:
            with memoryview(self._stage) as whole:
                self._fall_back(whole[: self._filled])
        if self._kept_from is None:
            self._kept_from = self._size

    def read_back(self) -> BinaryIO:
        """Close for writing and return the bytes written, on a descriptor of its own that reads
        through the page cache (the caller closes it); `fd` must be open for reading too."""
        self.close()
        _use_cache(self._fd)  # reads need no aligned buffers
        return os.fdopen(os.dup(self._fd), "rb")

    def abandon(self) -> None:
        """Close without writing what is staged (the file is being thrown away)."""
        self._give_back_stage()
        super().close()

    # --- past the cache ------------------------------------------------------------------

    def _stage_bytes(self, view: memoryview) -> None:
        while view.nbytes and self._stage is not None:
            take = min(STAGE - self._filled, view.nbytes)
            self._stage[self._filled : self._filled + take] = view[:take]
            self._filled += take
            view = view[take:]
            if self._filled == STAGE:
                self._put(STAGE)
                if self._stage is not None:
                    self._base += STAGE
                    self._filled = 0
        if view.nbytes:  # fell back to the cache on the way
            self._write_cached(view)

    def _put_as_is(self, view: memoryview) -> None:
        """Write whole blocks straight from the caller's page-aligned buffer, at the stage's
        offset (nothing is staged): no copy through the stage."""
        if self._past_cache(view, view):
            self._base += view.nbytes

    def _put(self, length: int) -> None:
        """Write the first `length` bytes of the stage at its offset."""
        assert self._stage is not None
        with memoryview(self._stage) as whole:
            self._past_cache(whole[:length], whole[: self._filled])

    def _past_cache(self, blocks: memoryview, unwritten: memoryview) -> bool:
        """Write `blocks` at the stage's offset past the cache; where the filesystem turns out
        to refuse the aligned write after all, write `unwritten` through the cache instead and
        go on that way (False). The file's first block goes through the cache all the same:
        every reader reads the header there first, and past the cache that read would wait
        behind the disk's flush of the whole file (read_back)."""
        offset = self._base
        if offset == 0:
            _use_cache(self._fd)
            _write_all(self._fd, blocks[:ALIGN], 0)
            _bypass_cache(self._fd)
            blocks, offset = blocks[ALIGN:], ALIGN
        try:
            _write_all(self._fd, blocks, offset)
        except OSError as exc:
            if exc.errno != errno.EINVAL:
                raise
            self._fall_back(unwritten)
            return False
        return True

    def _fall_back(self, staged: memoryview) -> None:
        _use_cache(self._fd)
        _write_all(self._fd, staged, self._base)
        self._end = self._kicked = self._base + staged.nbytes
        os.ftruncate(self._fd, self._end)  # a padded block may have reached the disk before
        staged.release()
        self._give_back_stage()

    def _give_back_stage(self) -> None:
        if self._stage is not None:
            ALIGNED.give(self._stage)
            self._stage = None

    # --- through the cache ---------------------------------------------------------------

    def _write_cached(self, view: memoryview) -> None:
        _write_all(self._fd, view, self._end)
        self._end += view.nbytes
        if self._end - self._kicked >= WRITEBACK_EVERY:
            self._start_writeback()

    def _start_writeback(self) -> None:
        """Have the kernel start writing what is cached, without waiting: the final fsync then
        finds little left to do. The window before is named again to drop its pages, clean
        by now; not the first block (the header every reader reads first) nor what is to be
        read soon."""
        start, end = max(ALIGN, self._kicked - WRITEBACK_EVERY), self._end
        if self._kept_from is not None:
            end = min(end, self._kept_from)
        self._kicked = self._end
        advise = getattr(os, "posix_fadvise", None)  # Linux and most Unixes, not macOS
        if advise is not None and end > start:
            with suppress(OSError):  # advice only
                advise(self._fd, start, end - start, os.POSIX_FADV_DONTNEED)


def _bypass_cache(fd: int) -> bool:
    """Turn on O_DIRECT for `fd`; False where the platform or the filesystem refuses."""
    if not _O_DIRECT:
        return False
    try:
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | _O_DIRECT)
    except OSError:
        return False
    return True


def _aligned(data: object, size: int) -> bool:
    """Whether `data` can be written past the cache as it is: an anonymous mapping (which
    starts on a page boundary) of whole blocks."""
    return isinstance(data, mmap.mmap) and size > 0 and size % ALIGN == 0


def _use_cache(fd: int) -> None:
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~_O_DIRECT)


def _write_all(fd: int, view: memoryview, offset: int) -> None:
    while view.nbytes:
        written = os.pwrite(fd, view, offset)
        view, offset = view[written:], offset + written
