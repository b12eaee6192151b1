"""Writing the package ZIP into a stream that cannot seek; CSV cells that cannot run formulas."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from datetime import UTC, datetime
from typing import Any

import pytest

from rightful.adapters.packaging.spool import csv_cell
from rightful.adapters.packaging.zipwriter import READ_AHEAD_FROM, PackageZip
from rightful.adapters.storage.encryption import (
    BackgroundWriter,
    DecryptingReader,
    EncryptingWriter,
    new_data_key,
)

AT = datetime(2026, 3, 2, tzinfo=UTC)


class OneWay(io.RawIOBase):
    """A sink that can only be appended to, like the encrypting writer."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        self.data += b
        return len(b)

    def tell(self) -> int:
        return len(self.data)


@pytest.mark.parametrize("size", [0, 100, READ_AHEAD_FROM - 1, READ_AHEAD_FROM + 12345])
def test_a_stream_is_stored_as_is_with_the_hash_of_its_bytes(size: int) -> None:
    """Small streams are copied inline, large ones read and hashed ahead by a thread."""
    data = os.urandom(size)
    sink = OneWay()
    archive = PackageZip(sink, AT)
    written = archive.add_stream("files/x/blob.wav", io.BytesIO(data), size)
    archive.add_bytes("index.html", b"<p>hi</p>")
    archive.close()
    assert written.sha256 == hashlib.sha256(data).hexdigest() and written.size == size
    with zipfile.ZipFile(io.BytesIO(bytes(sink.data))) as z:
        assert z.testzip() is None
        assert z.read("files/x/blob.wav") == data
        assert z.getinfo("files/x/blob.wav").compress_type == zipfile.ZIP_STORED
        assert z.getinfo("index.html").compress_type == zipfile.ZIP_DEFLATED


def test_the_zip_goes_through_encryption_and_comes_back_whole() -> None:
    key, raw = new_data_key(), io.BytesIO()
    sink = EncryptingWriter(raw, key, 4096)
    archive = PackageZip(sink, AT)
    big = os.urandom(READ_AHEAD_FROM + 1)
    archive.add_stream("files/big.bin", io.BytesIO(big), len(big))
    archive.close()
    sink.close()
    reader = DecryptingReader(io.BytesIO(raw.getvalue()), key, len(raw.getvalue()))
    with zipfile.ZipFile(io.BufferedReader(reader)) as z:
        assert z.read("files/big.bin") == big


def test_a_stream_shorter_than_announced_is_an_error() -> None:
    archive = PackageZip(OneWay(), AT)
    with pytest.raises(OSError, match="expected"):
        archive.add_stream("files/short.bin", io.BytesIO(b"abc"), 10)
    archive.abort()
    archive = PackageZip(OneWay(), AT)
    with pytest.raises(OSError, match="expected"):
        archive.add_stream(
            "files/short2.bin", io.BytesIO(b"a" * READ_AHEAD_FROM), 2 * READ_AHEAD_FROM
        )


def test_a_failing_read_ahead_source_raises_in_the_caller() -> None:
    class Broken(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, b: Any) -> int:
            raise OSError("disk gone")

    archive = PackageZip(OneWay(), AT)
    with pytest.raises(OSError, match="disk gone"):
        archive.add_stream("files/b.bin", Broken(), READ_AHEAD_FROM)  # type: ignore[arg-type]
    archive.abort()


@pytest.mark.parametrize("name", ["../x", "/abs", "a\\b", "dup"])
def test_unsafe_or_repeated_member_names_are_refused(name: str) -> None:
    archive = PackageZip(OneWay(), AT)
    archive.add_bytes("dup", b"1")
    with pytest.raises(ValueError, match="member name"):
        archive.add_bytes(name, b"2")
    archive.close()


def test_a_failed_background_write_surfaces() -> None:
    class Full:
        def write(self, data: bytes) -> int:
            raise OSError("no space left")

    writer = BackgroundWriter(Full())  # type: ignore[arg-type]
    writer.write(b"x")
    with pytest.raises(OSError, match="no space"):
        writer.close()


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "-2+3"),
        ("+4915123456789", "+4915123456789"),
        ("plain", "plain"),
        (None, ""),
        (42, "42"),
        (True, "true"),
    ],
)
def test_csv_cells_never_start_a_formula(value: Any, cell: str) -> None:
    assert csv_cell(value) == cell
