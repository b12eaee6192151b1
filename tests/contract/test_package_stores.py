"""The PackageStore contract, run against every implementation."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from rightful.adapters.buffers import ALIGNED
from rightful.adapters.storage import package_file
from rightful.adapters.storage.filesystem import FilesystemPackageStore, MemoryPackageStore
from rightful.domain.errors import InvalidInputError, NotFoundError
from rightful.domain.package_ports import PackageStore


@pytest.fixture(params=["filesystem", "filesystem past the cache", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> PackageStore:
    if request.param == "memory":
        return MemoryPackageStore()
    return FilesystemPackageStore(tmp_path / "packages", past_cache="past" in request.param)


def test_an_object_written_is_read_back_seekable(store: PackageStore) -> None:
    with store.writer("packages/p1.rfpk") as out:
        out.write(b"hello ")
        out.write(b"world")
    assert store.exists("packages/p1.rfpk") and store.size("packages/p1.rfpk") == 11
    with store.open("packages/p1.rfpk") as stream:
        stream.seek(6)
        assert stream.read() == b"world"


def test_an_interrupted_write_leaves_nothing_behind(store: PackageStore) -> None:
    def write_half() -> None:
        with store.writer("packages/p2.rfpk") as out:
            out.write(b"half a package")
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_half()
    assert not store.exists("packages/p2.rfpk")
    with pytest.raises(NotFoundError):
        store.open("packages/p2.rfpk")


def test_a_rewrite_replaces_the_object_and_delete_is_idempotent(store: PackageStore) -> None:
    for content in (b"first", b"second"):
        with store.writer("attachments/a.rfpk") as out:
            out.write(content)
    with store.open("attachments/a.rfpk") as stream:
        assert stream.read() == b"second"
    store.delete("attachments/a.rfpk")
    store.delete("attachments/a.rfpk")
    assert not store.exists("attachments/a.rfpk")


def test_bytes_read_back_while_written_are_all_of_them_and_appear_only_after(
    store: PackageStore,
) -> None:
    """What a build's leak gate relies on: it reads the package back before the package
    exists under its name, and what it reads is what is then stored."""
    content = os.urandom(300_000)
    with store.writer("packages/p3.rfpk") as out:
        out.write(content[:1000])
        out.read_soon()
        out.write(content[1000:])
        with out.read_back() as back:
            back.seek(299_000)
            assert back.read() == content[299_000:]
            back.seek(0)
            assert back.read() == content
        assert not store.exists("packages/p3.rfpk")
    with store.open("packages/p3.rfpk") as stream:
        assert stream.read() == content


def test_a_write_that_fails_after_reading_back_leaves_nothing_behind(store: PackageStore) -> None:
    def gate_blocks() -> None:
        with store.writer("packages/p4.rfpk") as out:
            out.write(b"a package the gate blocks")
            out.read_back().close()
            raise RuntimeError("blocked")

    with pytest.raises(RuntimeError):
        gate_blocks()
    assert not store.exists("packages/p4.rfpk")


@pytest.mark.parametrize("name", ["../escape", "/abs/path", "a/../../b", "a\\b", "", "x/" * 9])
def test_names_that_could_leave_the_store_are_refused(store: PackageStore, name: str) -> None:
    with pytest.raises(InvalidInputError):
        store.exists(name)
    with pytest.raises(InvalidInputError), store.writer(name):
        pass


def test_files_on_disk_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    store = FilesystemPackageStore(tmp_path / "packages")
    with store.writer("packages/p.rfpk") as out:
        out.write(b"x")
    path = tmp_path / "packages" / "packages" / "p.rfpk"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".partial-")]


def test_a_failed_write_reports_its_own_error_and_writes_nothing_more(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What is still staged when the block fails is not written: a disk that is full by then
    does not hide the block's own error, and the staging buffer goes back to its pool."""
    store = FilesystemPackageStore(tmp_path / "packages", past_cache=True)
    kept = ALIGNED.kept()

    def disk_full(*args: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    def write_then_fail() -> None:
        with store.writer("p/x.rfpk") as out:
            out.write(b"staged, never written")
            raise RuntimeError("source went away")

    monkeypatch.setattr(package_file.os, "pwrite", disk_full)
    with pytest.raises(RuntimeError, match="source went away"):
        write_then_fail()
    assert not store.exists("p/x.rfpk")
    assert ALIGNED.kept() == max(kept, 1)
