"""The least the package's bytes cost: the work the issue requires of them, and nothing else.

Every blob of a package is read, hashed with SHA-256 (its manifest line), given its CRC-32 (its
ZIP member), sealed with AES-256-GCM in 64 KiB chunks (encryption at rest), written through the
page cache and made durable (flushed as it is written, then fsync), as a package's file is.
`time_bytes_floor` does exactly that in the leanest arrangement found for two cores: a forked
process reads each blob into memory shared with the parent and hashes two of every three, the
parent hashes the third, seals and writes (see docs/performance.md, "the bytes floor", for the
arrangements tried). No records, no manifest, no ZIP headers, no leak gate: `cat` / this time
is what the bytes alone reach. For large files it is no floor: each is read whole into a slot,
where the package streams them in blocks.
"""

from __future__ import annotations

import hashlib
import mmap
import os
import queue
import struct
import threading
import time
from pathlib import Path
from typing import Final

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from zlib_ng.zlib_ng import crc32

from rightful.adapters.storage.filesystem import SYNC_EVERY, fdatasync

CHUNK: Final = 64 * 1024
TAG: Final = 16
STAGE: Final = 4 * 1024 * 1024
ALIGN: Final = 4096
SLOTS: Final = 16
STAGES: Final = 6  # four waiting for the writer (16 MiB, as a package's), one written, one filled
# The parent hashes every third blob: sealing and writing leave it that much time beside the
# child's reading and hashing (every second or fourth blob was slower, 0.18-0.20 s against 0.16 s).
PARENT_HASHES_EVERY: Final = 3
_READ: Final = struct.Struct("<IQ")  # slot, size


def time_bytes_floor(files: list[Path], out: Path) -> float:
    """Seconds to read, hash, checksum, seal and durably write `files` into `out`."""
    started = time.perf_counter()
    slot_size = -(-max(f.stat().st_size for f in files) // ALIGN) * ALIGN or ALIGN
    with mmap.mmap(-1, SLOTS * slot_size) as shared:  # anonymous and shared with the child
        answers, answered = os.pipe()
        freed, free = os.pipe()
        pid = os.fork()
        if pid == 0:
            _child(files, shared, slot_size, answered, freed)
        os.close(answered)
        os.close(freed)
        try:
            _seal_all(len(files), shared, slot_size, answers, free, out)
        finally:
            os.close(answers)
            os.close(free)
            _, status = os.waitpid(pid, 0)
    if status != 0:
        raise RuntimeError("the floor's reading process failed")
    seconds = time.perf_counter() - started
    out.unlink()
    return seconds


def _child(files: list[Path], shared: mmap.mmap, slot_size: int, answer: int, freed: int) -> None:
    """Read and hash every blob into the next free slot; never returns."""
    code = 1
    try:
        with memoryview(shared) as view:
            for n, path in enumerate(files):
                slot = n % SLOTS
                if n >= SLOTS and not os.read(freed, 1):
                    break
                room = view[slot * slot_size : (slot + 1) * slot_size]
                fd = os.open(path, os.O_RDONLY)
                try:
                    size = os.readv(fd, [room])
                finally:
                    os.close(fd)
                if n % PARENT_HASHES_EVERY:
                    _sums(room[:size])
                room.release()
                os.write(answer, _READ.pack(slot, size))
            else:
                code = 0
    finally:
        os._exit(code)


def _seal_all(
    count: int, shared: mmap.mmap, slot_size: int, answers: int, free: int, out: Path
) -> None:
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        with _Writer(fd) as writer:
            sealer = _Sealer(writer)
            with memoryview(shared) as view:
                for n in range(count):
                    slot, size = _READ.unpack(_read_exactly(answers, _READ.size))
                    with view[slot * slot_size : slot * slot_size + size] as blob:
                        if n % PARENT_HASHES_EVERY == 0:
                            _sums(blob)
                        sealer.add(blob)
                    if n + SLOTS < count:  # the child waits for this slot again
                        os.write(free, b".")
            sealer.close()
        os.fsync(fd)
    finally:
        os.close(fd)


class _Writer:
    """Writes whole stages on a thread of its own and has the disk's cache flushed every
    SYNC_EVERY bytes on another, as a package's file is written (storage/write_behind.py,
    storage/filesystem.py): otherwise the last fsync waits for all of it."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self.free: queue.SimpleQueue[mmap.mmap] = queue.SimpleQueue()
        for _ in range(STAGES):
            self.free.put(mmap.mmap(-1, STAGE + CHUNK + TAG))
        self._full: queue.Queue[tuple[mmap.mmap, int] | None] = queue.Queue(STAGES - 2)
        self._flushes: queue.SimpleQueue[bool] = queue.SimpleQueue()
        self.error: OSError | None = None
        self._threads = [threading.Thread(target=self._write), threading.Thread(target=self._flush)]

    def __enter__(self) -> _Writer:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._full.put(None)
        self._threads[0].join()
        self._flushes.put(False)
        self._threads[1].join()
        if self.error is not None:
            raise self.error

    def put(self, stage: mmap.mmap, length: int) -> None:
        self._full.put((stage, length))

    def _write(self) -> None:
        unflushed = 0
        while (item := self._full.get()) is not None:
            stage, length = item
            try:
                if self.error is None:
                    with memoryview(stage) as view:
                        os.write(self._fd, view[:length])
            except OSError as exc:  # raised when the writer is left; the sealer goes on
                self.error = exc
            self.free.put(stage)
            unflushed += length
            if unflushed >= SYNC_EVERY:
                unflushed = 0
                self._flushes.put(True)

    def _flush(self) -> None:
        while self._flushes.get():
            fdatasync(self._fd)


def _sums(data: memoryview) -> None:
    """What the package takes of every blob: its SHA-256 and its CRC-32."""
    hashlib.sha256(data).digest()
    crc32(data)


def _read_exactly(fd: int, size: int) -> bytes:
    data = os.read(fd, size)
    while len(data) < size:
        if not (more := os.read(fd, size - len(data))):
            raise RuntimeError("the floor's reading process stopped early")
        data += more
    return data


class _Sealer:
    """Seals a stream in chunks into aligned stages, handed to the writer whole."""

    def __init__(self, writer: _Writer) -> None:
        self._writer = writer
        self._aead = AESGCM(AESGCM.generate_key(bit_length=256))
        self._chunk = bytearray(CHUNK)
        self._filled = 0
        self._index = 0
        self._stage = writer.free.get()
        self._staged = 0

    def add(self, data: memoryview) -> None:
        at = 0
        while at < len(data):
            if self._filled == 0 and len(data) - at >= CHUNK:  # a whole chunk, sealed in place
                self._seal(data[at : at + CHUNK])
                at += CHUNK
                continue
            n = min(CHUNK - self._filled, len(data) - at)
            self._chunk[self._filled : self._filled + n] = data[at : at + n]
            self._filled += n
            at += n
            if self._filled == CHUNK:
                self._seal(self._chunk)
                self._filled = 0

    def close(self) -> None:
        self._seal(memoryview(self._chunk)[: self._filled])
        self._writer.put(self._stage, self._staged)

    def _seal(self, plain: bytearray | memoryview) -> None:
        sealed = self._aead.encrypt(self._index.to_bytes(12, "big"), plain, None)
        self._index += 1
        self._stage[self._staged : self._staged + len(sealed)] = sealed
        self._staged += len(sealed)
        if self._staged >= STAGE:
            full, rest = self._stage, self._staged - STAGE
            self._stage = self._writer.free.get()
            self._stage[:rest] = full[STAGE : self._staged]
            self._writer.put(full, STAGE)
            self._staged = rest
