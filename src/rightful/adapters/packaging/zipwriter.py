"""Writing the package ZIP front to back into a stream that cannot seek (PKWARE APPNOTE 6.3.10).

The standard library's zipfile computes every member's CRC-32 itself, with zlib, in the thread
that writes, and can only stream a member through a data descriptor. Here the CRC-32 of a blob
is computed where it is read (see blobreader.py), so a blob that was read whole is written with
its CRC-32 and sizes in the local header, no descriptor, and no second pass over its bytes.
Streams whose sums are only known at the end (large blobs, attachments, deflated documents) get
a data descriptor, as zipfile would write them. ZIP64 records are added where sizes, offsets or
the number of members need them. What is written is read back by zipfile in the tests.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, BinaryIO, Final

from zlib_ng import zlib_ng

from rightful.adapters.buffers import BUFFERS
from rightful.adapters.packaging.blobreader import Fetched
from rightful.adapters.packaging.spill_set import SpillSet
from rightful.adapters.packaging.spool import Appended
from rightful.adapters.packaging.sums import Sums
from rightful.domain.packages import is_safe_member

COPY_BUFFER: Final = 1024 * 1024
ZIP64_FROM: Final = 2**31  # as zipfile: some readers take the 32-bit fields as signed
CENTRAL_IN_MEMORY: Final = 4 * 1024 * 1024

STORED: Final = 0
DEFLATED: Final = 8
DEFLATE_LEVEL: Final = 3  # for the documents (JSON, CSV, index.html, manifest); files are stored
# Smaller documents are stored as they are: deflating one saved a few hundred bytes and cost
# about 50 µs (a fresh deflate state each), a twentieth of a small package's build.
DEFLATE_FROM: Final = 4096
_DESCRIPTOR_FLAG: Final = 0x08
_UTF8_FLAG: Final = 0x800
_VERSION: Final = 20
_VERSION_ZIP64: Final = 45
_MADE_BY: Final = 3 << 8  # UNIX, so that the permissions in external_attr apply
_FILE_MODE: Final = 0o100644 << 16
_FULL32: Final = 0xFFFFFFFF
_FULL16: Final = 0xFFFF

_LOCAL: Final = struct.Struct("<4s5H3L2H")
_CENTRAL: Final = struct.Struct("<4s6H3L5H2L")
_DESCRIPTOR: Final = struct.Struct("<4s3L")
_DESCRIPTOR64: Final = struct.Struct("<4sL2Q")
_END: Final = struct.Struct("<4s4H2LH")
_END64: Final = struct.Struct("<4sQ2H2L4Q")
_LOCATOR64: Final = struct.Struct("<4sLQL")
_EXTRA_HEAD: Final = struct.Struct("<2H")
_ZIP64_EXTRA: Final = 0x0001


@dataclass(frozen=True)
class Written:
    """A member as written: its path, size and SHA-256 of its (uncompressed) bytes."""

    path: str
    size: int
    sha256: str


@dataclass
class _Member:
    name: bytes
    flags: int
    method: int
    offset: int
    zip64_local: bool = False
    crc: int = 0
    compressed: int = 0
    size: int = 0
    data_at: int = 0


class PackageZip:
    """A ZIP written member by member into a sink that only needs write(); blobs are stored as
    they are, documents deflated. Central directory records wait in a spooled temporary file,
    so memory stays flat however many members there are.
    """

    def __init__(
        self,
        sink: IO[bytes] | BinaryIO,
        at: datetime,
        *,
        spool_dir: Path | None = None,
        zip64_from: int = ZIP64_FROM,
    ) -> None:
        self._sink = sink
        self._offset = 0
        year = max(at.year, 1980)
        self._time = (at.hour << 11) | (at.minute << 5) | (at.second // 2)
        self._date = ((year - 1980) << 9) | (at.month << 5) | at.day
        self._names: SpillSet[str] = SpillSet()  # member names, to refuse a duplicate
        # closed by close() or abort()
        self._central = Appended(spool_dir, b"", CENTRAL_IN_MEMORY)
        self._members = 0
        self._zip64_from = zip64_from
        self._buffer: bytearray | None = BUFFERS.take(COPY_BUFFER)
        self._done = False

    # --- members ---------------------------------------------------------------------------

    def add_fetched(self, path: str, blob: Fetched) -> Written:
        """A blob from the blob reader: its sums go up front when it came whole."""
        if blob.whole is not None:
            self._known(path, STORED, blob.crc, blob.size, blob.whole)
            return Written(path, blob.size, blob.sha256)
        member = self._begin(path, STORED, streamed=True, expected=blob.expected)
        for part in blob.parts():
            self._write(part)
        self._end(member, blob.crc, blob.size)
        return Written(path, blob.size, blob.sha256)

    def add_stream(
        self, path: str, source: IO[bytes], size: int, *, compress: bool = False
    ) -> Written:
        """Copy a stream of `size` bytes into a new member; the sums are taken on the way."""
        compress = compress and size >= DEFLATE_FROM
        member = self._begin(path, DEFLATED if compress else STORED, streamed=True, expected=size)
        packer = _deflater() if compress else None
        sums = Sums()
        for block in self._blocks(source):
            sums.update(block)
            self._write(packer.compress(block) if packer else block)
        if packer:
            self._write(packer.flush())
        _check_size(path, size, sums.size)
        self._end(member, sums.crc, sums.size)
        return Written(path, sums.size, sums.hexdigest())

    def add_bytes(self, path: str, data: bytes, *, compress: bool = True) -> Written:
        """A small member from bytes in memory."""
        sums = Sums(data)
        if compress and len(data) >= DEFLATE_FROM:
            packer = _deflater()
            self._known(path, DEFLATED, sums.crc, sums.size, packer.compress(data) + packer.flush())
        else:
            self._known(path, STORED, sums.crc, sums.size, data)
        return Written(path, sums.size, sums.hexdigest())

    def close(self) -> None:
        """Write the central directory and the end records."""
        if self._done:
            return
        self._done = True
        start, count = self._offset, self._members
        central = self._central.file()
        central.seek(0)
        while chunk := central.read(COPY_BUFFER):
            self._write(chunk)
        self._central.close()
        self._names.close()
        size = self._offset - start
        if count >= _FULL16 or start >= self._zip64_from or size >= self._zip64_from:
            at = self._offset
            self._write(_END64.pack(b"PK\x06\x06", 44, _MADE_BY | _VERSION_ZIP64,
                                    _VERSION_ZIP64, 0, 0, count, count, size, start))  # fmt: skip
            self._write(_LOCATOR64.pack(b"PK\x06\x07", 0, at, 1))
        self._write(_END.pack(b"PK\x05\x06", 0, 0, min(count, _FULL16), min(count, _FULL16),
                              min(size, _FULL32), min(start, _FULL32), 0))  # fmt: skip
        self._give_back_buffer()

    def abort(self) -> None:
        """Give up a half-written archive: nothing more is written."""
        self._done = True
        self._central.close()
        self._names.close()
        self._give_back_buffer()

    def _give_back_buffer(self) -> None:
        """Once only: given back twice, it could be handed to two builds at once."""
        if self._buffer is not None:
            BUFFERS.give(self._buffer)
            self._buffer = None

    # --- the format --------------------------------------------------------------------------

    def _known(self, path: str, method: int, crc: int, size: int, body: bytes | memoryview) -> None:
        """A member whose CRC-32 and sizes are known before its (stored or deflated) body."""
        member = self._begin(path, method, crc=crc, size=size, compressed=len(body))
        self._write(body)
        self._end(member)

    def _begin(
        self,
        path: str,
        method: int,
        *,
        crc: int = 0,
        size: int = 0,
        compressed: int = 0,
        streamed: bool = False,
        expected: int | None = None,
    ) -> _Member:
        if self._done:
            raise ValueError("the archive is closed")
        if not is_safe_member(path) or not self._names.add(path):
            raise ValueError("unsafe or repeated member name")
        name = path.encode()
        flags = (_UTF8_FLAG if not path.isascii() else 0) | (_DESCRIPTOR_FLAG if streamed else 0)
        member = _Member(
            name, flags, method, self._offset, crc=crc, compressed=compressed, size=size
        )
        largest = size
        if streamed:  # deflate may grow what it cannot compress, by a little
            largest = self._zip64_from if expected is None else expected + (expected >> 10) + 64
        member.zip64_local = max(largest, compressed) >= self._zip64_from
        extra = b""
        if member.zip64_local:  # the sizes (or, when streamed, zeros) go into the extra field
            extra = _EXTRA_HEAD.pack(_ZIP64_EXTRA, 16) + struct.pack("<2Q", size, compressed)
            size32 = compressed32 = _FULL32
        else:
            size32, compressed32 = size, compressed
        version = _VERSION_ZIP64 if member.zip64_local else _VERSION
        header = _LOCAL.pack(b"PK\x03\x04", version, flags, method, self._time, self._date,
                             crc, compressed32, size32, len(name), len(extra))  # fmt: skip
        self._write(header + name + extra)
        member.data_at = self._offset
        return member

    def _end(self, member: _Member, crc: int | None = None, size: int | None = None) -> None:
        """Finish a member: its data descriptor (when streamed; the compressed size is what
        was written since the header), then its central record."""
        if member.flags & _DESCRIPTOR_FLAG:
            assert crc is not None and size is not None
            compressed = self._offset - member.data_at
            member.crc, member.compressed, member.size = crc, compressed, size
            if member.zip64_local:
                self._write(_DESCRIPTOR64.pack(b"PK\x07\x08", crc, compressed, size))
            elif max(compressed, size) >= self._zip64_from:
                raise OSError(f"{member.name!r} grew past {self._zip64_from} bytes while written")
            else:
                self._write(_DESCRIPTOR.pack(b"PK\x07\x08", crc, compressed, size))
        self._central.append(self._central_record(member))
        self._members += 1

    def _central_record(self, m: _Member) -> bytes:
        wide = [v for v in (m.size, m.compressed, m.offset) if v >= self._zip64_from]
        fields = [v if v < self._zip64_from else _FULL32 for v in (m.size, m.compressed, m.offset)]
        extra = b""
        if wide:
            extra = _EXTRA_HEAD.pack(_ZIP64_EXTRA, 8 * len(wide)) + struct.pack(
                f"<{len(wide)}Q", *wide
            )
        version = _VERSION_ZIP64 if wide or m.zip64_local else _VERSION
        size, compressed, offset = fields
        record = _CENTRAL.pack(
            b"PK\x01\x02", _MADE_BY | version, version, m.flags, m.method, self._time, self._date,
            m.crc, compressed, size, len(m.name), len(extra), 0, 0, 0, _FILE_MODE, offset,
        )  # fmt: skip
        return record + m.name + extra

    def _blocks(self, source: IO[bytes]) -> Iterable[memoryview]:
        assert self._buffer is not None, "the archive is closed"
        view = memoryview(self._buffer)
        while n := source.readinto(view):  # type: ignore[attr-defined]
            yield view[:n]

    def _write(self, data: bytes | bytearray | memoryview) -> None:
        if data:
            self._sink.write(data)
            self._offset += len(data)


def _deflater() -> zlib_ng._Compress:
    """Raw deflate, as ZIP wants it; zlib-ng's is about twice as fast as zlib's. At level 3 a
    manifest of 3,400 items came out 2 % larger than at the default level 6, in a third of the
    time (1.5 ms against 4.4 ms)."""
    return zlib_ng.compressobj(DEFLATE_LEVEL, zlib_ng.DEFLATED, -15)


def _check_size(path: str, expected: int, read: int) -> None:
    if read != expected:
        raise OSError(f"{path}: expected {expected} bytes, read {read}")
