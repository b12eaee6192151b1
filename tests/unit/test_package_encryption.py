"""Encryption at rest: chunked AES-256-GCM that detects every change and decrypts by range."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rightful.adapters.storage import package_file
from rightful.adapters.storage.encryption import (
    HEADER_SIZE,
    TAG_SIZE,
    DecryptingReader,
    EncryptingWriter,
    TamperedError,
    new_data_key,
    sealed,
    unsealed,
)
from rightful.adapters.storage.keys import (
    KeyFolder,
    LocalKeyWrapper,
    master_key_id,
    parse_master_key,
)
from rightful.adapters.storage.package_file import PackageFile
from rightful.adapters.storage.write_behind import written_behind
from rightful.domain.errors import ConfigurationError
from rightful.domain.package_ports import WrappedKey

from .staged import count_staged

CHUNK = 4096


def encrypt(data: bytes, key: bytes, chunk: int = CHUNK, piece: int = 1000) -> bytes:
    sink = io.BytesIO()
    writer = EncryptingWriter(sink, key, chunk)
    for start in range(0, len(data), piece):
        writer.write(data[start : start + piece])
    writer.close()
    return sink.getvalue()


def reader(raw: bytes, key: bytes) -> DecryptingReader:
    return DecryptingReader(io.BytesIO(raw), key, len(raw))


@settings(max_examples=60, deadline=None)
@given(size=st.integers(0, 5 * CHUNK + 3), piece=st.integers(1, 3 * CHUNK))
def test_what_is_written_is_read_back_whatever_the_write_sizes(size: int, piece: int) -> None:
    key, data = new_data_key(), os.urandom(size)
    raw = encrypt(data, key, piece=piece)
    assert reader(raw, key).read() == data
    assert reader(raw, key).size == size


class CountingSink(io.BytesIO):
    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, data: Any) -> int:
        self.writes += 1
        return super().write(data)


@settings(max_examples=60, deadline=None)
@given(size=st.integers(0, 9 * CHUNK), piece=st.integers(1, 2 * CHUNK), chunks=st.integers(1, 4))
def test_sealed_chunks_reach_the_sink_a_batch_at_a_time(size: int, piece: int, chunks: int) -> None:
    """However small the caller's writes, the sink sees one write per batch of sealed chunks
    (plus the header and the last chunk), and every byte decrypts."""
    key, data, sink = new_data_key(), os.urandom(size), CountingSink()
    writer = EncryptingWriter(sink, key, CHUNK, batch=chunks * (CHUNK + TAG_SIZE))
    for start in range(0, size, piece):
        writer.write(data[start : start + piece])
    writer.close()
    sealed_before_last = max(0, -(-size // CHUNK) - 1)
    assert sink.writes <= 2 + -(-sealed_before_last // chunks)
    assert reader(sink.getvalue(), key).read() == data


class Lengths(io.BytesIO):
    def __init__(self) -> None:
        super().__init__()
        self.lengths: list[int] = []

    def write(self, data: Any) -> int:
        self.lengths.append(len(data))
        return super().write(data)


@settings(max_examples=60, deadline=None)
@given(
    size=st.integers(0, 9 * CHUNK), piece=st.integers(1, 2 * CHUNK), batch=st.integers(1, 10_000)
)
def test_every_batch_but_the_last_is_exactly_batch_bytes_of_the_stream(
    size: int, piece: int, batch: int
) -> None:
    """Batch n starts at byte n * batch of the stream, the header included, so that a package
    file can write each one past the page cache as it is; a chunk that straddles two batches
    is split between them and decrypts all the same."""
    key, data, sink = new_data_key(), os.urandom(size), Lengths()
    writer = EncryptingWriter(sink, key, CHUNK, batch=batch)
    for start in range(0, size, piece):
        writer.write(data[start : start + piece])
    writer.close()
    assert all(n == batch for n in sink.lengths[:-1])
    assert writer.stored == len(sink.getvalue())
    assert reader(sink.getvalue(), key).read() == data


def test_a_package_file_takes_the_sealed_batches_without_copying_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Written behind into a package file that bypasses the page cache, the sealed bytes come
    in the file's own page-aligned batches and reach the disk as they are: only the last,
    partly filled batch goes through the staging buffer."""
    stage = 3 * package_file.ALIGN
    monkeypatch.setattr(package_file, "STAGE", stage)
    staged = count_staged(monkeypatch)
    data, key, path = os.urandom(20 * CHUNK + 5), new_data_key(), tmp_path / "package"
    with path.open("wb") as raw, PackageFile(raw.fileno()) as out, written_behind(out) as behind:
        if not out.direct:
            pytest.skip("this filesystem refuses O_DIRECT")
        assert behind.batch == stage
        writer = EncryptingWriter(behind, key, CHUNK, behind.buffer, behind.batch, behind.reuse)
        writer.write(data)
        writer.close()
    stored = path.read_bytes()
    assert staged == [len(stored) % stage]
    assert reader(stored, key).read() == data


@settings(max_examples=60, deadline=None)
@given(size=st.integers(1, 4 * CHUNK), data=st.data())
def test_any_byte_range_decrypts_alone(size: int, data: st.DataObject) -> None:
    """An HTTP range is served by decrypting only the chunks it touches."""
    key, plain = new_data_key(), os.urandom(size)
    raw = encrypt(plain, key)
    start = data.draw(st.integers(0, size - 1))
    end = data.draw(st.integers(start, size))
    assert b"".join(reader(raw, key).iter_range(start, end)) == plain[start:end]
    r = reader(raw, key)
    r.seek(start)
    assert r.read(end - start) == plain[start:end]


@settings(max_examples=20, deadline=None)
@given(piece=st.integers(1, 3 * CHUNK))
def test_reused_buffers_and_early_writeback_keep_every_byte(
    piece: int, tmp_path_factory: Any
) -> None:
    """Sealed chunks written behind, into recycled buffers (the last, partly filled batch given
    back, and the buffers kept for the next stream), into a file on either of its paths: past
    the page cache, or through it with the kernel told to write back every few chunks. They
    decrypt to exactly what went in, stream after stream."""
    folder = tmp_path_factory.mktemp("behind")
    for n in range(4):
        data, key = os.urandom(40 * CHUNK + 17 * n), new_data_key()
        path = folder / f"package{n}"
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(package_file, "WRITEBACK_EVERY", 3 * CHUNK)
            with (
                path.open("wb") as raw,
                PackageFile(raw.fileno(), direct=n % 2 == 0) as out,
                written_behind(out) as behind,
            ):
                writer = EncryptingWriter(
                    behind, key, CHUNK, behind.buffer, batch=7 * (CHUNK + 16), reuse=behind.reuse
                )
                for start in range(0, len(data), piece):
                    writer.write(data[start : start + piece])
                writer.close()
        assert reader(path.read_bytes(), key).read() == data


def test_ciphertext_reveals_nothing_of_repeated_plaintext() -> None:
    key = new_data_key()
    raw = encrypt(b"A" * (4 * CHUNK), key)
    body = raw[HEADER_SIZE:]
    blocks = [body[i : i + CHUNK] for i in range(0, len(body), CHUNK + TAG_SIZE)]
    assert len(set(blocks)) == len(blocks)


@pytest.mark.parametrize("where", [0, 5, HEADER_SIZE, HEADER_SIZE + 100, -1])
def test_a_changed_byte_anywhere_is_detected(where: int) -> None:
    key = new_data_key()
    raw = bytearray(encrypt(os.urandom(3 * CHUNK), key))
    raw[where] ^= 0x01
    with pytest.raises(TamperedError):
        reader(bytes(raw), key).read()


def test_truncation_at_a_chunk_boundary_is_detected() -> None:
    """The last chunk carries a flag; a file cut after a full chunk lacks it."""
    key = new_data_key()
    raw = encrypt(os.urandom(3 * CHUNK + 10), key)
    cut = raw[: HEADER_SIZE + 2 * (CHUNK + TAG_SIZE)]
    with pytest.raises(TamperedError):
        reader(cut, key).read()


def test_reordered_chunks_are_detected() -> None:
    key = new_data_key()
    raw = encrypt(os.urandom(3 * CHUNK + 10), key)
    step = CHUNK + TAG_SIZE
    first, second = (
        raw[HEADER_SIZE : HEADER_SIZE + step],
        raw[HEADER_SIZE + step : HEADER_SIZE + 2 * step],
    )
    swapped = raw[:HEADER_SIZE] + second + first + raw[HEADER_SIZE + 2 * step :]
    with pytest.raises(TamperedError):
        reader(swapped, key).read()


def test_an_appended_chunk_is_detected() -> None:
    key = new_data_key()
    raw = encrypt(os.urandom(2 * CHUNK), key)
    step = CHUNK + TAG_SIZE
    extended = raw + raw[HEADER_SIZE : HEADER_SIZE + step]
    with pytest.raises(TamperedError):
        reader(extended, key).read()


def test_another_key_opens_nothing() -> None:
    raw = encrypt(b"personal data", new_data_key())
    with pytest.raises(TamperedError):
        reader(raw, new_data_key()).read()


@settings(max_examples=25, deadline=None)
@given(st.binary(max_size=3 * CHUNK + 5))
def test_small_files_sealed_whole_open_whole_and_any_change_is_refused(data: bytes) -> None:
    key = new_data_key()
    stored = sealed(data, key, CHUNK)
    assert unsealed(stored, key) == data
    assert len(stored) == HEADER_SIZE + len(data) + TAG_SIZE * (len(data) // CHUNK + 1)
    changed = bytearray(stored)
    changed[-1] ^= 1
    with pytest.raises(TamperedError):
        unsealed(bytes(changed), key)
    with pytest.raises(TamperedError):
        unsealed(stored[:-1], key)


def test_data_keys_are_wrapped_and_unwrapped_under_the_master_key() -> None:
    old, new = os.urandom(32), os.urandom(32)
    wrapper = LocalKeyWrapper([old], new)
    data_key = new_data_key()
    wrapped = wrapper.wrap(data_key)
    assert wrapped.key_id == master_key_id(new) and data_key not in wrapped.blob
    assert wrapper.unwrap(wrapped) == data_key
    under_old = LocalKeyWrapper([], old).wrap(data_key)
    assert wrapper.unwrap(under_old) == data_key, "older keys stay readable"


def test_an_unknown_master_key_is_a_configuration_error_and_a_forged_wrap_is_tampering() -> None:
    wrapper = LocalKeyWrapper([], os.urandom(32))
    with pytest.raises(ConfigurationError):
        wrapper.unwrap(WrappedKey("0123456789abcdef", b"x" * 40))
    with pytest.raises(TamperedError):
        wrapper.unwrap(WrappedKey(wrapper.current_key_id, b"x" * 40))


def test_master_keys_parse_from_base64_or_hex_and_nothing_else() -> None:
    key = os.urandom(32)
    import base64

    assert parse_master_key(base64.b64encode(key).decode()) == key
    assert parse_master_key(key.hex()) == key
    for bad in ("short", base64.b64encode(b"x" * 16).decode(), "zz" * 32):
        with pytest.raises(ConfigurationError):
            parse_master_key(bad)


def test_a_generated_master_key_is_private_to_its_owner(tmp_path: Path) -> None:
    folder = KeyFolder(tmp_path / "keys")
    key = folder.current()
    files = list((tmp_path / "keys").glob("*.key"))
    assert len(files) == 1 and stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert folder.current() == key, "the same key on every later use"
    files[0].chmod(0o644)
    with pytest.raises(ConfigurationError):
        folder.current()


def test_a_key_stopped_being_current_when_its_successor_was_made(tmp_path: Path) -> None:
    """What retirement's grace period counts from; a newer key the pointer does not name (it was
    pointed back by hand) counts from its own creation, never from the epoch."""
    folder = KeyFolder(tmp_path / "keys")
    ids = [master_key_id(folder.add_new()) for _ in range(3)]
    for n, key_id in enumerate(ids):
        os.utime(folder.folder / f"{key_id}.key", (1000.0 + n, 1000.0 + n))
    assert folder.superseded_at() == {ids[0]: 1001.0, ids[1]: 1002.0}
    (folder.folder / "current").write_text(ids[0] + "\n")
    assert folder.superseded_at() == {ids[1]: 1002.0, ids[2]: 1002.0}
