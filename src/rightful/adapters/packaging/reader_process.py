"""The blob reader process: reads small blobs into shared memory and takes their sums.

A package build is one Python thread. A helper thread cannot take the reading and hashing of
small files off it: between its open, read, hash and close it needs the GIL back each time,
and those hand-offs cost more than the hashing saves (measured with bench/package.py). A
process has its own GIL. It reads each blob into a slot of memory shared with the build (a
memfd) and answers with its size, CRC-32 and SHA-256, so the build encrypts the bytes straight
from the slot and never reads or hashes them itself (readahead.py is the build's side).

Blobs are opened through the same FilesystemBlobStore as in the build, so a key that leaves
the store is refused the same way. Anything unusual (a missing file, one too large for a slot,
one that changed while read, any error) is answered "not read": the build then reads that
blob itself and meets the error, if there is one, exactly as it would without this process.

Requests (length-prefixed) and answers (fixed size) travel in order over two pipes. This
module imports little, so that the process is ready within a few tens of milliseconds.
"""

from __future__ import annotations

import hashlib
import mmap
import os
import struct
import sys
from typing import Final

from zlib_ng.zlib_ng import crc32

from rightful.adapters.sources.blobstore import FilesystemBlobStore

ANSWER: Final = struct.Struct("<IBQI32s")  # slot, what, size, CRC-32, SHA-256
NOT_READ: Final = 0
READ: Final = 1
READY: Final = 2
_LENGTH: Final = struct.Struct("<I")
READ_AT_ONCE: Final = 64 * 1024  # bytes of requests read from the pipe at a time


def request_bytes(slot: int, store: FilesystemBlobStore, uri: str) -> bytes:
    """One request: read blob `uri` of `store` into `slot`."""
    body = f"{slot}\0{store.name}\0{store.root}\0{uri}".encode()
    return _LENGTH.pack(len(body)) + body


def read_exactly(fd: int, size: int) -> bytes:
    """`size` bytes from a pipe; EOFError when it closes first."""
    data = os.read(fd, size)
    while len(data) < size:
        more = os.read(fd, size - len(data))
        if not more:
            raise EOFError("the pipe closed")
        data += more
    return data


def serve(memory: mmap.mmap, requests: int, answers: int, slot_size: int) -> None:
    """Read blobs into slots until the build closes the request pipe."""
    stores: dict[tuple[str, str], _Store] = {}
    waiting = _Requests(requests)
    with memoryview(memory) as view:
        try:
            os.write(answers, ANSWER.pack(0, READY, 0, 0, b""))
            while True:
                if not waiting.ready():  # about to wait: folders are opened afresh after it
                    for store in stores.values():
                        store.let_go()
                slot, name, root, uri = waiting.next()
                store = stores.get((name, root))
                if store is None:
                    store = stores[(name, root)] = _Store(FilesystemBlobStore(name, root))
                with view[slot * slot_size : (slot + 1) * slot_size] as room:
                    os.write(answers, _read(slot, store, uri, room))
        except (EOFError, BrokenPipeError):  # the build closed its end: done
            return


class _Requests:
    """Requests from the pipe, each (slot, store name, store root, URI): everything waiting in
    the pipe is read at once (the build writes several requests at a time)."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._waiting = bytearray()

    def ready(self) -> bool:
        """Whether a whole request has arrived already."""
        if len(self._waiting) < _LENGTH.size:
            return False
        (length,) = _LENGTH.unpack_from(self._waiting)
        return len(self._waiting) >= _LENGTH.size + length

    def next(self) -> tuple[int, str, str, str]:
        """The next request, waiting for it; EOFError once the pipe closes."""
        while not self.ready():
            more = os.read(self._fd, READ_AT_ONCE)
            if not more:
                raise EOFError("the pipe closed")
            self._waiting += more
        (length,) = _LENGTH.unpack_from(self._waiting)
        end = _LENGTH.size + length
        slot, name, root, uri = self._waiting[_LENGTH.size : end].decode().split("\0")
        del self._waiting[:end]
        return int(slot), name, root, uri


class _Store:
    """A blob store and the folders of it open now (FilesystemBlobStore.open_in). They are
    let go whenever no request is waiting, so a folder replaced between builds is opened
    again, never read through an old descriptor."""

    def __init__(self, store: FilesystemBlobStore) -> None:
        self.store = store
        self._folders: dict[str, int] = {}

    def open(self, uri: str) -> tuple[int, int]:
        return self.store.open_in(uri, self._folders)

    def let_go(self) -> None:
        for fd in self._folders.values():
            os.close(fd)
        self._folders.clear()


def _read(slot: int, store: _Store, uri: str, room: memoryview) -> bytes:
    not_read = ANSWER.pack(slot, NOT_READ, 0, 0, b"")
    try:
        fd, size = store.open(uri)
    except Exception:  # the build reads it again itself and sees what went wrong
        return not_read
    try:
        if size >= room.nbytes:
            return not_read
        filled = 0
        while filled <= size and (n := os.readv(fd, [room[filled : size + 1]])):
            filled += n
    except Exception:
        return not_read
    finally:
        os.close(fd)
    if filled != size:  # it changed while it was read
        return not_read
    data = room[:size]
    return ANSWER.pack(slot, READ, size, crc32(data), hashlib.sha256(data).digest())


def main(argv: list[str]) -> None:
    memory_fd, requests, answers, slot_size = map(int, argv)
    with mmap.mmap(memory_fd, 0) as memory:
        serve(memory, requests, answers, slot_size)


if __name__ == "__main__":
    main(sys.argv[1:])
    os._exit(0)  # nothing is left to flush; a full shutdown would keep the build waiting
