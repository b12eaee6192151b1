"""A stored package seen as a ZIP that lists only some of its members.

Python's zipfile keeps an entry (about 0.25 KiB) for every member of an archive it opens, and a
package can have millions of files. The leak gate, the review and the incident scope read the
manifest, the collection files and staff uploads, not the subject's recordings. ZipView walks
the central directory once and hands zipfile an archive whose central directory holds only the
members asked for: the bytes before it are the stored ones, so zipfile reads, inflates and
checks (CRC-32, local header) those members exactly as it would have.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from typing import BinaryIO, Final

from rightful.adapters.packaging.zipwriter import (
    _CENTRAL,
    _END,
    _END64,
    _FULL16,
    _FULL32,
    _LOCATOR64,
    _MADE_BY,
    _VERSION_ZIP64,
)
from rightful.adapters.streams import SeekableReader

_TAIL: Final = _END.size + 0xFFFF  # the end record and the longest comment


class ZipView(SeekableReader):
    """`source` (a seekable stored ZIP) with a central directory of the members `keep` wants,
    for zipfile.ZipFile to open. A source without a readable central directory is passed on as
    it is, for zipfile to refuse as it would."""

    def __init__(self, source: BinaryIO, keep: Callable[[str], bool]) -> None:
        super().__init__()
        self._source = source
        self._pos = 0
        self._cd_start, self._tail = _filtered(source, keep)
        self.size = self._cd_start + len(self._tail)

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        done = 0
        while done < view.nbytes:
            if self._pos < self._cd_start:
                want = min(view.nbytes - done, self._cd_start - self._pos)
                self._source.seek(self._pos)
                got = self._source.readinto(view[done : done + want])  # type: ignore[attr-defined]
            else:
                start = self._pos - self._cd_start
                piece = self._tail[start : start + view.nbytes - done]
                got = len(piece)
                view[done : done + got] = piece
            if not got:
                break
            done += got
            self._pos += got
        return done


def _filtered(source: BinaryIO, keep: Callable[[str], bool]) -> tuple[int, bytes]:
    """(where the central directory starts, the new central directory and end records)."""
    end = _end_of(source)
    if end is None:  # not a ZIP: zipfile will say so
        source.seek(0, os.SEEK_END)
        return source.tell(), b""
    cd_start, cd_size = end
    kept, count = bytearray(), 0
    stream = io.BufferedReader(_Window(source, cd_start, cd_size), 1024 * 1024)
    while fixed := stream.read(_CENTRAL.size):
        if len(fixed) < _CENTRAL.size or fixed[:4] != b"PK\x01\x02":
            return _unchanged(source, cd_start)
        fields = _CENTRAL.unpack(fixed)
        name_len, extra_len, comment_len = fields[10], fields[11], fields[12]
        rest = stream.read(name_len + extra_len + comment_len)
        name = rest[:name_len].decode("utf-8" if fields[3] & 0x800 else "cp437")
        if keep(name):
            kept += fixed + rest
            count += 1
    return cd_start, bytes(kept) + _end_records(cd_start, len(kept), count)


def _unchanged(source: BinaryIO, cd_start: int) -> tuple[int, bytes]:
    source.seek(cd_start)
    return cd_start, source.read()


def _end_of(source: BinaryIO) -> tuple[int, int] | None:
    """(offset, size) of the central directory, from the end records; None if there are none."""
    size = source.seek(0, os.SEEK_END)
    start = max(0, size - _TAIL)
    source.seek(start)
    tail = source.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _END.size:
        return None
    _, _, _, _, _, cd_size, cd_start, _ = _END.unpack(tail[at : at + _END.size])
    locator_at = start + at - _LOCATOR64.size
    if locator_at >= 0:
        source.seek(locator_at)
        locator = source.read(_LOCATOR64.size)
        if locator[:4] == b"PK\x06\x07":
            source.seek(_LOCATOR64.unpack(locator)[2])
            end64 = _END64.unpack(source.read(_END64.size))
            if end64[0] == b"PK\x06\x06":
                cd_size, cd_start = end64[8], end64[9]
    return cd_start, cd_size


def _end_records(cd_start: int, cd_size: int, count: int) -> bytes:
    records = b""
    if count >= _FULL16 or cd_start >= _FULL32 or cd_size >= _FULL32:
        at = cd_start + cd_size
        records += _END64.pack(b"PK\x06\x06", 44, _MADE_BY | _VERSION_ZIP64, _VERSION_ZIP64,
                               0, 0, count, count, cd_size, cd_start)  # fmt: skip
        records += _LOCATOR64.pack(b"PK\x06\x07", 0, at, 1)
    return records + _END.pack(b"PK\x05\x06", 0, 0, min(count, _FULL16), min(count, _FULL16),
                               min(cd_size, _FULL32), min(cd_start, _FULL32), 0)  # fmt: skip


class _Window(io.RawIOBase):
    """`size` bytes of `source` from `start`, read in order."""

    def __init__(self, source: BinaryIO, start: int, size: int) -> None:
        super().__init__()
        self._source, self._at, self._left = source, start, size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")[: self._left]
        if not view.nbytes:
            return 0
        self._source.seek(self._at)
        got = self._source.readinto(view)  # type: ignore[attr-defined]
        self._at += got
        self._left -= got
        return int(got)
