"""A package's file: written past the page cache where the filesystem allows it, through the cache
where it does not, and byte for byte what was written either way (nothing of the padding that
aligned writes need is ever left in the file)."""

from __future__ import annotations

import errno
import fcntl
import mmap
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rightful.adapters.buffers import ALIGNED
from rightful.adapters.storage import package_file
from rightful.adapters.storage.package_file import ALIGN, PackageFile

from .staged import count_staged

SMALL_STAGE = 3 * ALIGN
O_DIRECT = getattr(os, "O_DIRECT", 0)

sizes = st.one_of(
    st.sampled_from([0, 1, ALIGN - 1, ALIGN, ALIGN + 1, SMALL_STAGE - 1, SMALL_STAGE]),
    st.integers(0, 4 * SMALL_STAGE),
)
steps = st.lists(st.tuples(sizes, st.booleans()), max_size=12)  # (bytes to write, flush after)


@contextmanager
def small_stage_patched() -> Iterator[None]:
    """A stage of three blocks and writeback every two, so that few bytes cross every edge."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(package_file, "STAGE", SMALL_STAGE)
        patch.setattr(package_file, "WRITEBACK_EVERY", 2 * ALIGN)
        yield


@pytest.fixture
def small_stage() -> Iterator[None]:
    with small_stage_patched():
        yield


def write_through(path: Path, plan: list[tuple[int, bool]], direct: bool) -> tuple[bytes, bool]:
    """Write random bytes as planned; after every flush the file holds exactly what was
    written so far. Returns everything written, and whether the cache was still bypassed."""
    written = bytearray()
    with path.open("wb") as raw, PackageFile(raw.fileno(), direct=direct) as out:
        for size, flush in plan:
            piece = os.urandom(size)
            assert out.write(piece) == size
            written += piece
            if flush:
                out.flush()
                assert path.read_bytes() == written
        assert out.tell() == len(written)
        still_direct = out.direct
    return bytes(written), still_direct


@settings(max_examples=60, deadline=None)
@given(plan=steps, direct=st.booleans())
def test_the_file_holds_exactly_the_bytes_written(
    plan: list[tuple[int, bool]], direct: bool, tmp_path_factory: Any
) -> None:
    path = tmp_path_factory.mktemp("package") / "p"
    with small_stage_patched():
        written, _ = write_through(path, plan, direct)
    assert path.read_bytes() == written


aligned_pieces = st.lists(
    st.tuples(st.one_of(sizes, st.sampled_from([ALIGN, 2 * ALIGN, SMALL_STAGE])), st.booleans()),
    max_size=12,
)  # (bytes to write, written from a page-aligned buffer)


@settings(max_examples=60, deadline=None)
@given(plan=aligned_pieces, direct=st.booleans())
def test_page_aligned_buffers_among_other_writes_keep_every_byte(
    plan: list[tuple[int, bool]], direct: bool, tmp_path_factory: Any
) -> None:
    """Whole blocks in a page-aligned buffer may go to the disk as they are; mixed with other
    writes, partial blocks and flushes, the file still holds exactly what was written."""
    path = tmp_path_factory.mktemp("package") / "p"
    written = bytearray()
    with (
        small_stage_patched(),
        path.open("wb") as raw,
        PackageFile(raw.fileno(), direct=direct) as out,
    ):
        for n, (size, aligned) in enumerate(plan):
            piece = os.urandom(size)
            out.write(page_aligned(piece) if aligned and size else piece)
            written += piece
            if n % 3 == 2:
                out.flush()
                assert path.read_bytes() == written
    assert path.read_bytes() == written


def test_a_whole_aligned_batch_is_not_copied_through_the_stage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_stage: None
) -> None:
    """The batches a package file asks for (`batch` bytes from `buffers`) reach the disk
    without a copy; only what is not one (here the last few bytes) is staged."""
    if not bypass_allowed(tmp_path):
        pytest.skip("this filesystem refuses O_DIRECT")
    staged = count_staged(monkeypatch)
    pieces = [os.urandom(SMALL_STAGE) for _ in range(3)]
    with (tmp_path / "p").open("wb") as raw, PackageFile(raw.fileno()) as out:
        assert out.batch == SMALL_STAGE and out.buffers is ALIGNED
        for piece in pieces:
            batch = out.buffers.take(SMALL_STAGE)
            batch[:] = piece
            out.write(batch)
        out.write(b"tail")
    assert staged == [4]
    assert (tmp_path / "p").read_bytes() == b"".join(pieces) + b"tail"


def page_aligned(data: bytes) -> mmap.mmap:
    buffer = mmap.mmap(-1, len(data))
    buffer[:] = data
    return buffer


def test_where_the_filesystem_allows_it_the_page_cache_is_bypassed(tmp_path: Path) -> None:
    if not bypass_allowed(tmp_path):
        pytest.skip("this filesystem refuses O_DIRECT")
    with (tmp_path / "p").open("wb") as raw, PackageFile(raw.fileno()) as out:
        assert out.direct
        assert fcntl.fcntl(raw.fileno(), fcntl.F_GETFL) & O_DIRECT
        out.write(b"x" * (ALIGN + 5))
    assert (tmp_path / "p").read_bytes() == b"x" * (ALIGN + 5)


def test_the_first_block_goes_through_the_cache_where_every_reader_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_stage: None
) -> None:
    """The stream's header is in the first block: read back while the disk flushes the file,
    it is found in the page cache; every other whole block still bypasses it."""
    if not bypass_allowed(tmp_path):
        pytest.skip("this filesystem refuses O_DIRECT")
    real, writes = os.pwrite, []

    def watched(fd: int, data: Any, offset: int) -> int:
        writes.append((offset, bool(fcntl.fcntl(fd, fcntl.F_GETFL) & O_DIRECT)))
        return real(fd, data, offset)

    monkeypatch.setattr(package_file.os, "pwrite", watched)
    written, still_direct = write_through(tmp_path / "p", [(3 * SMALL_STAGE + 5, True)], True)
    assert (tmp_path / "p").read_bytes() == written and still_direct
    assert writes[0] == (0, False)
    assert all(direct for offset, direct in writes if offset > 0)
    assert {offset for offset, _ in writes} >= {ALIGN, SMALL_STAGE, 2 * SMALL_STAGE}


@pytest.mark.skipif(not hasattr(os, "posix_fadvise"), reason="no posix_fadvise here")
def test_through_the_cache_written_pages_are_dropped_but_the_header_and_what_is_read_soon(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_stage: None
) -> None:
    """A package's pages are dropped once written back, except the first block and those
    written after read_soon(): the leak gate reads them while the disk is still flushing."""
    real, dropped = os.posix_fadvise, []

    def watched(fd: int, offset: int, length: int, advice: int) -> None:
        if advice == os.POSIX_FADV_DONTNEED:
            dropped.append((offset, offset + length))
        real(fd, offset, length, advice)

    monkeypatch.setattr(package_file.os, "posix_fadvise", watched)
    fd = os.open(tmp_path / "p", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        out = PackageFile(fd, direct=False)
        for _ in range(10):
            out.write(os.urandom(ALIGN))
        out.read_soon()
        for _ in range(10):
            out.write(os.urandom(ALIGN))
        out.close()
    finally:
        os.close(fd)
    assert dropped  # written back and dropped as it went
    assert all(start >= ALIGN and end <= 10 * ALIGN for start, end in dropped)


def test_a_filesystem_refusing_the_flag_is_written_through_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_stage: None
) -> None:
    real = fcntl.fcntl

    def refuse_direct(fd: int, cmd: int, arg: int = 0) -> int:
        if cmd == fcntl.F_SETFL and arg & O_DIRECT:
            raise OSError(errno.EINVAL, "Invalid argument")
        return real(fd, cmd, arg)

    monkeypatch.setattr(package_file.fcntl, "fcntl", refuse_direct)
    plan = [(ALIGN + 3, False), (5 * SMALL_STAGE, True), (7, False)]
    with (tmp_path / "p").open("wb") as raw, PackageFile(raw.fileno()) as out:
        assert not out.direct
    written, still_direct = write_through(tmp_path / "q", plan, direct=True)
    assert (tmp_path / "q").read_bytes() == written and not still_direct


@pytest.mark.parametrize("refused_at", [0, 1, 2])
def test_aligned_writes_refused_midway_go_on_through_the_cache(
    refused_at: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_stage: None
) -> None:
    """Some filesystems take the flag and then refuse the writes: the bytes staged and those
    still to come reach the file all the same, and the staging buffer goes back to the pool."""
    if not bypass_allowed(tmp_path):
        pytest.skip("this filesystem refuses O_DIRECT")
    real, direct_writes = os.pwrite, iter(range(100))

    def refuse_after(fd: int, data: Any, offset: int) -> int:
        if fcntl.fcntl(fd, fcntl.F_GETFL) & O_DIRECT and next(direct_writes) >= refused_at:
            raise OSError(errno.EINVAL, "Invalid argument")
        return real(fd, data, offset)

    monkeypatch.setattr(package_file.os, "pwrite", refuse_after)
    plan = [(SMALL_STAGE + 10, False), (ALIGN, True), (2 * SMALL_STAGE + 1, True), (3, False)]
    path = tmp_path / "p"
    written, still_direct = write_through(path, plan, direct=True)
    assert path.read_bytes() == written and not still_direct


@settings(max_examples=60, deadline=None)
@given(plan=steps, soon_at=st.integers(0, 12), direct=st.booleans())
def test_bytes_to_be_read_soon_go_through_the_cache_and_are_read_back_whole(
    plan: list[tuple[int, bool]], soon_at: int, direct: bool, tmp_path_factory: Any
) -> None:
    """From read_soon() on the file is written through the page cache (past it, a read would
    wait behind the disk's flush of everything before); read_back() then reads every byte
    written, before and after, on a descriptor of its own."""
    path = tmp_path_factory.mktemp("package") / "p"
    written = bytearray()
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)  # as the store's temporary file is
    try:
        with small_stage_patched():
            out = PackageFile(fd, direct=direct)
            for n, (size, flush) in enumerate([*plan, (0, False)]):
                if n == soon_at:
                    out.read_soon()
                    assert not out.direct
                    assert not fcntl.fcntl(fd, fcntl.F_GETFL) & O_DIRECT
                piece = os.urandom(size)
                out.write(piece)
                written += piece
                if flush:
                    out.flush()
            with out.read_back() as back:
                assert out.closed
                assert back.read() == written
                back.seek(len(written) // 2)
                assert back.read() == written[len(written) // 2 :]
    finally:
        os.close(fd)
    assert path.read_bytes() == written


def test_files_one_after_another_share_one_staging_buffer(tmp_path: Path) -> None:
    write_through(tmp_path / "p", [(10, True)], direct=True)
    kept = ALIGNED.kept()
    for _ in range(5):
        write_through(tmp_path / "p", [(10, True)], direct=True)
    assert ALIGNED.kept() == kept


def bypass_allowed(folder: Path) -> bool:
    if not O_DIRECT:
        return False
    try:
        fd = os.open(folder / ".probe", os.O_WRONLY | os.O_CREAT | O_DIRECT, 0o600)
    except OSError:
        return False
    os.close(fd)
    os.unlink(folder / ".probe")
    return True
