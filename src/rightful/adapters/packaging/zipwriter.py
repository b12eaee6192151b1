"""Writing the package ZIP into a stream that cannot seek, member by member, hashing as it goes."""

from __future__ import annotations

import hashlib
import io
import queue
import threading
import zipfile
from collections.abc import Generator, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, BinaryIO, Final, cast

from rightful.domain.packages import is_safe_member

COPY_BUFFER: Final = 1024 * 1024
ZIP64_FROM: Final = 2**31
READ_AHEAD_FROM: Final = 4 * COPY_BUFFER
READ_AHEAD_BLOCKS: Final = 4


@dataclass(frozen=True)
class Written:
    """A member as written: its path, size and SHA-256 of its (uncompressed) bytes."""

    path: str
    size: int
    sha256: str


class Sums:
    """The SHA-256 of a member, taken block by block (zipfile takes the CRC-32 itself)."""

    def __init__(self) -> None:
        self.sha256 = hashlib.sha256()

    def update(self, block: memoryview) -> None:
        self.sha256.update(block)


class PackageZip:
    """A ZIP written front to back: blobs stored as they are (ZIP_STORED), documents deflated.

    The sink only needs write() and tell(); zipfile then writes data descriptors instead of
    seeking back, so the archive can go straight through an encrypting stream to storage.
    """

    def __init__(self, sink: IO[bytes] | io.RawIOBase, at: datetime) -> None:
        self._zip = zipfile.ZipFile(cast(IO[bytes], sink), mode="w", allowZip64=True)
        self._stamp = (max(at.year, 1980), at.month, at.day, at.hour, at.minute, at.second)
        self._names: set[str] = set()
        self._buffer = bytearray(COPY_BUFFER)
        self._blocks: list[bytearray] = []  # read-ahead blocks, reused: fresh ones cost page faults

    def _info(self, path: str, size: int, compress: bool) -> zipfile.ZipInfo:
        if not is_safe_member(path) or path in self._names:
            raise ValueError("unsafe or repeated member name")
        self._names.add(path)
        info = zipfile.ZipInfo(path, date_time=self._stamp)
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.file_size = size
        info.external_attr = 0o644 << 16
        return info

    def add_stream(
        self, path: str, source: BinaryIO, size: int, *, compress: bool = False
    ) -> Written:
        """Copy a stream of `size` bytes into a new member; the SHA-256 is taken on the way."""
        sums, info = Sums(), self._info(path, size, compress)
        ahead = size >= READ_AHEAD_FROM
        blocks = read_ahead(source, sums, self._pool()) if ahead else self._inline(source, sums)
        with closing(blocks), self._zip.open(info, "w", force_zip64=size >= ZIP64_FROM) as out:
            copied = _copy(out, blocks)
        if copied != size:
            raise OSError(f"{path}: expected {size} bytes, read {copied}")
        return Written(path, copied, sums.sha256.hexdigest())

    def _pool(self) -> list[bytearray]:
        if not self._blocks:
            self._blocks = [bytearray(COPY_BUFFER) for _ in range(READ_AHEAD_BLOCKS + 1)]
        return self._blocks

    def _inline(self, source: BinaryIO, sums: Sums) -> Generator[memoryview, None, None]:
        view = memoryview(self._buffer)
        while n := source.readinto(view):  # type: ignore[attr-defined]
            sums.update(view[:n])
            yield view[:n]

    def add_file(self, path: str, file: Path, *, compress: bool = True) -> Written:
        """Copy a file from disk into a new member."""
        with file.open("rb") as source:
            return self.add_stream(path, source, file.stat().st_size, compress=compress)

    def add_bytes(self, path: str, data: bytes, *, compress: bool = True) -> Written:
        """A small member from bytes in memory."""
        info = self._info(path, len(data), compress)
        with self._zip.open(info, "w") as out:
            out.write(data)
        return Written(path, len(data), hashlib.sha256(data).hexdigest())

    def close(self) -> None:
        """Write the central directory."""
        self._zip.close()

    def abort(self) -> None:
        """Give up a half-written archive: nothing more is written, not even at garbage
        collection (the stream underneath is being thrown away)."""
        self._zip.fp = None


def _copy(out: IO[bytes], blocks: Iterator[memoryview]) -> int:
    copied = 0
    for block in blocks:
        copied += out.write(block)
    return copied


def read_ahead(
    source: BinaryIO, sums: Sums, pool: list[bytearray]
) -> Generator[memoryview, None, None]:
    """Blocks of a large stream, read and checksummed by a thread while the caller writes the
    previous ones (hashing releases the GIL, so both cores work). The blocks of `pool` (two or
    more) are reused; they are free again once the generator is closed."""
    free: queue.Queue[bytearray] = queue.Queue()
    for block in pool[:-1]:
        free.put(block)
    ready: queue.Queue[tuple[bytearray, int] | BaseException | None] = queue.Queue()
    stop = threading.Event()

    def produce() -> None:
        try:
            while not stop.is_set():
                block = free.get()
                n = source.readinto(block)  # type: ignore[attr-defined]
                if not n:
                    break
                sums.update(memoryview(block)[:n])
                ready.put((block, n))
            ready.put(None)
        except BaseException as exc:  # re-raised in the caller's thread
            ready.put(exc)

    thread = threading.Thread(target=produce, name="package-read-ahead", daemon=True)
    thread.start()
    try:
        while (item := ready.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            block, n = item
            yield memoryview(block)[:n]
            free.put(block)
    finally:
        stop.set()
        free.put(pool[-1])  # unblock a producer waiting for a free block
        thread.join()
