"""A package file on disk is made durable while it is written (storage/filesystem.py): flushed
every SYNC_EVERY bytes on a thread of its own, its last fsync started when it is read back, and
named only once that fsync has returned. A flush or fsync that fails fails the write and keeps
nothing."""

from __future__ import annotations

import errno
import os
import stat
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from rightful.adapters.storage import filesystem
from rightful.adapters.storage.filesystem import FilesystemPackageStore

NAME = "packages/p.rfpk"
PIECE = 64 * 1024


@pytest.fixture(params=[False, True], ids=["through the cache", "past the cache"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> FilesystemPackageStore:
    return FilesystemPackageStore(tmp_path / "packages", past_cache=request.param)


def final_path(store: FilesystemPackageStore) -> Path:
    return store.root / NAME


def is_file(fd: int) -> bool:
    return stat.S_ISREG(os.fstat(fd).st_mode)


def watch(
    monkeypatch: pytest.MonkeyPatch,
    owner: object,
    call: str,
    then: Callable[[int], None] | None = None,
) -> list[tuple[str, int]]:
    """Calls of `owner.call` (the store's flush, or os.fsync) on regular files, by thread name
    and the file's size on disk then; `then` runs instead of the real call when given."""
    real = getattr(owner, call)
    calls: list[tuple[str, int]] = []

    def watched(fd: int) -> None:
        if not is_file(fd):
            real(fd)
            return
        calls.append((threading.current_thread().name, os.fstat(fd).st_size))
        (then or real)(fd)

    monkeypatch.setattr(owner, call, watched)
    return calls


def wait_for(calls: list[tuple[str, int]], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not calls and time.monotonic() < deadline:
        time.sleep(0.005)


def sync_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "package-sync"]


def fail(fd: int) -> None:
    raise OSError(errno.EIO, "Input/output error")


def test_a_large_package_is_flushed_to_disk_while_it_is_still_written(
    store: FilesystemPackageStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(filesystem, "SYNC_EVERY", 4 * PIECE)
    flushes = watch(monkeypatch, filesystem, "fdatasync")
    fsyncs = watch(monkeypatch, os, "fsync")
    with store.writer(NAME) as out:
        for _ in range(16):
            out.write(os.urandom(PIECE))
        wait_for(flushes)  # nobody has asked for durability yet
        assert flushes and all(name == "package-sync" for name, _ in flushes)
        assert fsyncs == []
    assert fsyncs == [("package-sync", 16 * PIECE)]
    assert final_path(store).stat().st_size == 16 * PIECE
    assert sync_threads() == []


@pytest.mark.parametrize("read_back", [True, False])
def test_the_object_is_named_only_after_its_last_fsync_returned(
    store: FilesystemPackageStore, monkeypatch: pytest.MonkeyPatch, read_back: bool
) -> None:
    """Read back, the last fsync runs on the sync thread while the reader reads; otherwise the
    writer's own thread takes it when the block ends. Either way the name comes after."""
    named_before: list[bool] = []
    real = os.fsync

    def then(fd: int) -> None:
        named_before.append(final_path(store).exists())
        real(fd)

    fsyncs = watch(monkeypatch, os, "fsync", then)
    with store.writer(NAME) as out:
        out.write(b"a small package")
        if read_back:
            with out.read_back() as back:
                assert back.read() == b"a small package"
    assert named_before == [False]
    assert [name for name, _ in fsyncs] == [
        "package-sync" if read_back else threading.current_thread().name
    ]
    assert final_path(store).read_bytes() == b"a small package"


@pytest.mark.parametrize("read_back", [True, False])
def test_a_last_fsync_that_fails_fails_the_write_and_keeps_nothing(
    store: FilesystemPackageStore, monkeypatch: pytest.MonkeyPatch, read_back: bool
) -> None:
    watch(monkeypatch, os, "fsync", fail)

    def write() -> None:
        with store.writer(NAME) as out:
            out.write(b"never durable")
            if read_back:
                out.read_back().close()

    with pytest.raises(OSError, match="Input/output error"):
        write()
    assert not store.exists(NAME)
    assert list(final_path(store).parent.iterdir()) == []
    assert sync_threads() == []


def test_a_flush_that_fails_while_writing_fails_the_write_and_keeps_nothing(
    store: FilesystemPackageStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(filesystem, "SYNC_EVERY", PIECE)
    flushes = watch(monkeypatch, filesystem, "fdatasync", fail)
    fsyncs = watch(monkeypatch, os, "fsync")

    def write() -> None:
        with store.writer(NAME) as out:
            for _ in range(4):
                out.write(os.urandom(PIECE))
            wait_for(flushes)
            out.read_back().close()

    with pytest.raises(OSError, match="Input/output error"):
        write()
    assert len(flushes) == 1  # the thread stops at the first failure
    assert fsyncs == []
    assert not store.exists(NAME)
    assert list(final_path(store).parent.iterdir()) == []


def test_a_write_abandoned_during_a_flush_waits_for_it_and_syncs_no_more(
    store: FilesystemPackageStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The descriptor is closed only once the thread is done with it, and a file about to be
    deleted gets no last fsync."""
    monkeypatch.setattr(filesystem, "SYNC_EVERY", PIECE)
    finished: list[int] = []

    def slow(fd: int) -> None:
        time.sleep(0.2)
        finished.append(fd)

    flushes = watch(monkeypatch, filesystem, "fdatasync", slow)
    fsyncs = watch(monkeypatch, os, "fsync")

    def write_half() -> None:
        with store.writer(NAME) as out:
            out.write(os.urandom(PIECE))
            wait_for(flushes)
            raise RuntimeError("source went away")

    with pytest.raises(RuntimeError, match="source went away"):
        write_half()
    assert len(finished) == 1
    assert fsyncs == []
    assert sync_threads() == []
    assert list(final_path(store).parent.iterdir()) == []
