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
    stores: dict[tuple[str, str], FilesystemBlobStore] = {}
    with memoryview(memory) as view:
        try:
            os.write(answers, ANSWER.pack(0, READY, 0, 0, b""))
            while True:
                (length,) = _LENGTH.unpack(read_exactly(requests, _LENGTH.size))
                slot_text, name, root, uri = read_exactly(requests, length).decode().split("\0")
                slot = int(slot_text)
                store = stores.get((name, root))
                if store is None:
                    store = stores[(name, root)] = FilesystemBlobStore(name, root)
                with view[slot * slot_size : (slot + 1) * slot_size] as room:
                    os.write(answers, _read(slot, store, uri, room))
        except (EOFError, BrokenPipeError):  # the build closed its end: done
            return


def _read(slot: int, store: FilesystemBlobStore, uri: str, room: memoryview) -> bytes:
    not_read = ANSWER.pack(slot, NOT_READ, 0, 0, b"")
    try:
        with store.open(uri) as source:
            size = os.fstat(source.fileno()).st_size
            if size >= room.nbytes:
                return not_read
            fd, filled = source.fileno(), 0
            while filled <= size and (n := os.readv(fd, [room[filled : size + 1]])):
                filled += n
    except Exception:  # the build reads it again itself and sees what went wrong
        return not_read
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
