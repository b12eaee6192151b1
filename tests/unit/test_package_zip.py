"""Writing the package ZIP into a stream that cannot seek, read back by zipfile and unzip; CSV
cells that cannot run formulas."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import struct
import subprocess
import tempfile
import threading
import zipfile
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rightful.adapters.packaging import spill_set
from rightful.adapters.packaging.blobreader import BlobReader, Fetched
from rightful.adapters.packaging.spool import csv_cell
from rightful.adapters.packaging.zipwriter import COPY_BUFFER, ZIP64_FROM, PackageZip
from rightful.adapters.storage.encryption import DecryptingReader, EncryptingWriter, new_data_key
from rightful.adapters.storage.write_behind import BackgroundWriter

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


def read_back(data: bytes) -> dict[str, bytes]:
    """Every member as the standard library reads it, CRC-32s checked."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        return {info.filename: z.read(info) for info in z.infolist()}


@pytest.mark.parametrize("size", [0, 100, COPY_BUFFER - 1, COPY_BUFFER + 12345])
def test_a_stream_is_stored_as_is_with_the_hash_of_its_bytes(size: int) -> None:
    data = os.urandom(size)
    sink = OneWay()
    archive = PackageZip(sink, AT)
    written = archive.add_stream("files/x/blob.wav", io.BytesIO(data), size)
    page = b"<p>hi</p>" * 1000
    archive.add_bytes("index.html", page)
    archive.close()
    assert written.sha256 == hashlib.sha256(data).hexdigest() and written.size == size
    assert read_back(bytes(sink.data)) == {"files/x/blob.wav": data, "index.html": page}
    with zipfile.ZipFile(io.BytesIO(bytes(sink.data))) as z:
        assert z.getinfo("files/x/blob.wav").compress_type == zipfile.ZIP_STORED
        assert z.getinfo("index.html").compress_type == zipfile.ZIP_DEFLATED
        assert z.getinfo("index.html").date_time == (2026, 3, 2, 0, 0, 0)


def test_a_document_smaller_than_4_kib_is_stored_not_deflated() -> None:
    """Deflating it saved a few hundred bytes for the cost of a fresh deflate state each."""
    sink = OneWay()
    archive = PackageZip(sink, AT)
    small, large = b'{"rows": []}' * 10, b'{"rows": []}' * 400
    archive.add_bytes("a.json", small)
    archive.add_stream("b.json", io.BytesIO(small), len(small), compress=True)
    archive.add_stream("c.json", io.BytesIO(large), len(large), compress=True)
    archive.close()
    assert read_back(bytes(sink.data)) == {"a.json": small, "b.json": small, "c.json": large}
    with zipfile.ZipFile(io.BytesIO(bytes(sink.data))) as z:
        assert [i.compress_type for i in z.infolist()] == [
            zipfile.ZIP_STORED,
            zipfile.ZIP_STORED,
            zipfile.ZIP_DEFLATED,
        ]


def fetched_blobs(blobs: list[bytes], block_size: int) -> Iterator[Fetched]:
    reader = BlobReader(block_size=block_size, blocks=2)
    try:
        for data in blobs:
            fetched = reader.read(lambda data=data: io.BytesIO(data))  # type: ignore[misc]
            assert fetched is not None
            yield fetched
            fetched.release()
    finally:
        reader.close()


def test_a_blob_read_whole_carries_its_crc_up_front_and_a_large_one_a_descriptor() -> None:
    small, large = os.urandom(1000), os.urandom(5000)
    sink = OneWay()
    archive = PackageZip(sink, AT)
    for n, fetched in enumerate(fetched_blobs([small, large], block_size=2048)):
        written = archive.add_fetched(f"files/{n}.wav", fetched)
        assert written.sha256 == hashlib.sha256([small, large][n]).hexdigest()
    archive.close()
    assert read_back(bytes(sink.data)) == {"files/0.wav": small, "files/1.wav": large}
    with zipfile.ZipFile(io.BytesIO(bytes(sink.data))) as z:
        whole, streamed = z.getinfo("files/0.wav"), z.getinfo("files/1.wav")
    assert not whole.flag_bits & 0x08 and zlib.crc32(small) == whole.CRC
    assert streamed.flag_bits & 0x08 and zlib.crc32(large) == streamed.CRC
    # the local header of the whole blob holds the real CRC-32 and sizes
    crc, compressed, size = struct.unpack("<3L", bytes(sink.data[14:26]))
    assert (crc, compressed, size) == (zlib.crc32(small), 1000, 1000)


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(0, 700), max_size=8),
    zip64_from=st.sampled_from([0, 1, 500, ZIP64_FROM]),
    names=st.sets(st.text("abcé_-", min_size=1, max_size=6), min_size=8, max_size=8),
)
def test_any_mix_of_members_reads_back_exactly(
    sizes: list[int], zip64_from: int, names: set[str]
) -> None:
    """Whole and streamed blobs, streams and documents, with and without ZIP64 records: the
    standard library and unzip read back exactly what went in."""
    blobs = [os.urandom(n) for n in sizes]
    sink = OneWay()
    archive = PackageZip(sink, AT, zip64_from=zip64_from)
    expected: dict[str, bytes] = {}
    for name, data, fetched in zip(sorted(names), blobs, fetched_blobs(blobs, 256), strict=False):
        archive.add_fetched(f"files/{name}.bin", fetched)
        expected[f"files/{name}.bin"] = data
    archive.add_stream("files/stream.bin", io.BytesIO(b"s" * 300), 300)
    archive.add_stream("doc.json", io.BytesIO(b"{}" * 200), 400, compress=True)
    archive.add_bytes("raw.txt", b"raw", compress=False)
    archive.add_bytes("index.html", b"<p>" * 50)
    archive.close()
    expected |= {"files/stream.bin": b"s" * 300, "doc.json": b"{}" * 200, "raw.txt": b"raw",
                 "index.html": b"<p>" * 50}  # fmt: skip
    assert read_back(bytes(sink.data)) == expected
    if shutil.which("unzip"):
        with tempfile.NamedTemporaryFile(suffix=".zip") as f:
            f.write(sink.data)
            f.flush()
            result = subprocess.run(["unzip", "-tq", f.name], capture_output=True, text=True)
            assert result.returncode == 0, result.stdout + result.stderr


def test_more_members_than_the_classic_end_record_counts() -> None:
    sink = OneWay()
    archive = PackageZip(sink, AT)
    for n in range(0xFFFF + 2):
        archive.add_bytes(f"f/{n}", b"", compress=False)
    archive.close()
    with zipfile.ZipFile(io.BytesIO(bytes(sink.data))) as z:
        assert len(z.infolist()) == 0xFFFF + 2


def test_the_zip_goes_through_encryption_and_comes_back_whole() -> None:
    key, raw = new_data_key(), io.BytesIO()
    sink = EncryptingWriter(raw, key, 4096)
    archive = PackageZip(sink, AT)
    big = os.urandom(COPY_BUFFER + 1)
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


def test_a_failing_source_raises_in_the_caller() -> None:
    class Broken(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, b: Any) -> int:
            raise OSError("disk gone")

    archive = PackageZip(OneWay(), AT)
    with pytest.raises(OSError, match="disk gone"):
        archive.add_stream("files/b.bin", Broken(), 10)  # type: ignore[arg-type]
    archive.abort()


@pytest.mark.parametrize("kept_in_memory", [20_000, 0], ids=["in-memory", "on-disk"])
@pytest.mark.parametrize("name", ["../x", "/abs", "a\\b", "dup"])
def test_unsafe_or_repeated_member_names_are_refused(
    name: str, kept_in_memory: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spill_set, "IN_MEMORY", kept_in_memory)
    archive = PackageZip(OneWay(), AT)
    archive.add_bytes("dup", b"1")
    with pytest.raises(ValueError, match="member name"):
        archive.add_bytes(name, b"2")
    archive.close()


class Full:
    def __init__(self) -> None:
        self.threads: set[str] = set()

    def write(self, data: bytes) -> int:
        self.threads.add(threading.current_thread().name)
        raise OSError("no space left")


def test_a_failed_background_write_surfaces() -> None:
    full = Full()
    writer = BackgroundWriter(full, inline=0)  # type: ignore[arg-type]
    writer.write(b"x")
    with pytest.raises(OSError, match="no space"):
        writer.close()
    assert full.threads == {"package-writer"}


def test_the_first_bytes_are_written_at_once_and_fail_at_once() -> None:
    """A small package starts no writer thread; its failed write is raised by write()."""
    full = Full()
    writer = BackgroundWriter(full, inline=4)  # type: ignore[arg-type]
    with pytest.raises(OSError, match="no space"):
        writer.write(b"1234")
    assert full.threads == {threading.current_thread().name}
    writer.close()


def test_writes_past_the_inline_bytes_go_to_the_thread_in_order() -> None:
    class Kept:
        def __init__(self) -> None:
            self.got: list[tuple[bytes, str]] = []

        def write(self, data: bytes) -> int:
            self.got.append((bytes(data), threading.current_thread().name))
            return len(data)

    kept = Kept()
    writer = BackgroundWriter(kept, inline=3)  # type: ignore[arg-type]
    for piece in (b"ab", b"c", b"d", b"ef"):
        writer.write(piece)
    writer.close()
    me = threading.current_thread().name
    assert kept.got == [(b"ab", me), (b"c", me), (b"d", "package-writer"),
                        (b"ef", "package-writer")]  # fmt: skip


@pytest.mark.parametrize("inline", [0, 10])
def test_the_sink_hears_of_bytes_to_be_read_soon_in_order_with_the_writes(inline: int) -> None:
    """read_soon() reaches the sink after every write before it and before every write after,
    on whichever thread writes (storage/package_file.py writes what follows through the page
    cache); a sink without read_soon() is not asked."""

    class Told:
        def __init__(self) -> None:
            self.got: list[str] = []

        def write(self, data: bytes) -> int:
            self.got.append(bytes(data).decode())
            return len(data)

        def read_soon(self) -> None:
            self.got.append("read soon")

    told = Told()
    writer = BackgroundWriter(told, inline=inline)  # type: ignore[arg-type]
    for piece in (b"a", b"b", b"c"):
        writer.write(piece)
    writer.read_soon()
    writer.write(b"d")
    writer.close()
    assert told.got == ["a", "b", "c", "read soon", "d"]
    quiet = BackgroundWriter(Full(), inline=0)  # type: ignore[arg-type]
    quiet.read_soon()
    quiet.close()


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "-2+3"),
        ("+4915123456789", "+4915123456789"),
        # a sign and a number first make a formula all the same, which may then call anything
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ('+1+HYPERLINK("http://x")', '\'+1+HYPERLINK("http://x")'),
        ("- 1+cmd|' /C calc'!A0", "'- 1+cmd|' /C calc'!A0"),
        ("+49 (0)151 234-5678", "+49 (0)151 234-5678"),
        ("-1.5", "-1.5"),
        ("00491512345", "00491512345"),
        ("plain", "plain"),
        (None, ""),
        (42, "42"),
        (True, "true"),
    ],
)
def test_csv_cells_never_start_a_formula(value: Any, cell: str) -> None:
    assert csv_cell(value) == cell


@given(st.one_of(st.integers(), st.booleans(), st.floats(allow_nan=False, allow_infinity=False)))
def test_a_number_in_the_csv_reads_as_in_the_json_file(value: int | bool | float) -> None:
    assert csv_cell(value) == json.dumps(value)
