"""Atomic writes and private secret files: no half-written file, no file others may read."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from rightful.adapters.files import (
    atomic_writer,
    create_private_once,
    load_or_create_hex_secret,
    make_folder,
    read_private,
)
from rightful.adapters.storage.filesystem import FilesystemPackageStore
from rightful.domain.errors import ConfigurationError


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_atomic_writer_replaces_the_file_when_the_block_completes(tmp_path: Path) -> None:
    """The new content stands in place of the old, and no temporary file is left beside it."""
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with atomic_writer(target) as out:
        out.write(b"new")
        assert target.read_bytes() == b"old"
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_atomic_writer_leaves_nothing_behind_when_the_block_fails(tmp_path: Path) -> None:
    """A failure keeps the old file untouched and removes the half-written temporary file."""
    target = tmp_path / "out.txt"
    target.write_text("old")

    def interrupted_write() -> None:
        with atomic_writer(target, binary=False) as out:
            out.write("half")
            raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError, match="interrupted"):
        interrupted_write()
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_atomic_writer_is_private_unless_a_mode_is_asked(tmp_path: Path) -> None:
    """The file is 0600 by default and takes the requested mode otherwise."""
    with atomic_writer(tmp_path / "private", fsync=False) as out:
        out.write(b"x")
    with atomic_writer(tmp_path / "public", binary=False, mode=0o644) as out:
        out.write("x")
    assert _mode(tmp_path / "private") == 0o600
    assert _mode(tmp_path / "public") == 0o644


class DiskOrder:
    """What reached the disk, in order: fsyncs of files and folders (by path), the renames
    and links that name files, and new folders. A crash keeps a name only when its folder
    was synced after the name was made, and content only when it was synced before."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.events: list[tuple[str, str]] = []
        fsync, replace, link, mkdir = os.fsync, os.replace, os.link, os.mkdir

        def spied_fsync(fd: int) -> None:
            kind = "sync folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "sync file"
            self.events.append((kind, os.readlink(f"/proc/self/fd/{fd}")))
            fsync(fd)

        def naming(call: object) -> object:
            def spied(src: object, dst: object, *args: object, **kwargs: object) -> object:
                result = call(src, dst, *args, **kwargs)  # type: ignore[operator]
                self.events.append(("name", str(dst)))
                return result

            return spied

        def spied_mkdir(path: object, *args: object, **kwargs: object) -> None:
            mkdir(path, *args, **kwargs)  # type: ignore[arg-type]
            self.events.append(("mkdir", str(path)))

        monkeypatch.setattr(os, "fsync", spied_fsync)
        monkeypatch.setattr(os, "replace", naming(replace))
        monkeypatch.setattr(os, "link", naming(link))
        monkeypatch.setattr(os, "mkdir", spied_mkdir)

    def survives_a_crash(self, path: Path) -> bool:
        """`path` was named after a file beside it was synced, and its folder synced after."""
        named = [i for i, e in enumerate(self.events) if e == ("name", str(path))]
        if not named:
            return False
        before, after = self.events[: named[-1]], self.events[named[-1] :]
        return ("sync folder", str(path.parent)) in after and any(
            kind == "sync file" and target.startswith(f"{path.parent}/.") for kind, target in before
        )

    def folder_survives_a_crash(self, folder: Path) -> bool:
        made = [i for i, e in enumerate(self.events) if e == ("mkdir", str(folder))]
        return bool(made) and ("sync folder", str(folder.parent)) in self.events[made[-1] :]


def test_atomic_writer_with_fsync_puts_content_then_name_on_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With fsync the replacement survives a crash: its content is synced before the rename,
    and the folder holding the new name after it. Without fsync neither is paid for."""
    disk = DiskOrder(monkeypatch)
    with atomic_writer(tmp_path / "durable") as out:
        out.write(b"x")
    with atomic_writer(tmp_path / "scratch", fsync=False) as out:
        out.write(b"y")
    assert disk.survives_a_crash(tmp_path / "durable")
    assert [e for e in disk.events if e[0] != "name"] == [
        ("sync file", disk.events[0][1]),
        ("sync folder", str(tmp_path)),
    ]


def test_create_private_once_is_on_disk_with_its_new_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A secret created once survives a crash, and so do the folders made for it."""
    disk = DiskOrder(monkeypatch)
    target = tmp_path / "keys" / "inner" / "secret"
    assert create_private_once(target, b"first") is True
    assert disk.survives_a_crash(target)
    assert disk.folder_survives_a_crash(tmp_path / "keys")
    assert disk.folder_survives_a_crash(tmp_path / "keys" / "inner")


def test_make_folder_is_private_and_leaves_existing_folders_alone(tmp_path: Path) -> None:
    """New levels get the mode asked for; a folder that exists keeps its own."""
    (tmp_path / "open").mkdir(mode=0o755)
    make_folder(tmp_path / "open" / "a" / "b")
    assert _mode(tmp_path / "open") == 0o755
    assert _mode(tmp_path / "open" / "a") == 0o700
    assert _mode(tmp_path / "open" / "a" / "b") == 0o700
    make_folder(tmp_path / "open" / "a" / "b")  # again: nothing to do, no error


def test_a_stored_package_survives_a_crash_once_its_writer_returns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The package store's file, its name and its new folder are all on disk when the writer
    block ends: the database may then record it as written."""
    disk = DiskOrder(monkeypatch)
    store = FilesystemPackageStore(tmp_path / "store")
    with store.writer("packages/p1.rfpk") as out:
        out.write(b"z" * 10_000)
    assert disk.survives_a_crash(tmp_path / "store" / "packages" / "p1.rfpk")
    assert disk.folder_survives_a_crash(tmp_path / "store" / "packages")
    with store.open("packages/p1.rfpk") as stored:
        assert stored.read() == b"z" * 10_000


def test_create_private_once_first_writer_wins_with_a_0600_file(tmp_path: Path) -> None:
    """A second writer keeps the first one's content; the file and its new folder are private."""
    target = tmp_path / "keys" / "secret"
    assert create_private_once(target, b"first") is True
    assert create_private_once(target, b"second") is False
    assert target.read_bytes() == b"first"
    assert _mode(target) == 0o600
    assert _mode(target.parent) == 0o700
    assert [p.name for p in target.parent.iterdir()] == ["secret"]


def test_read_private_refuses_a_file_others_may_read(tmp_path: Path) -> None:
    """A 0644 secret is refused with the fix named; a 0600 one is read."""
    target = tmp_path / "secret"
    target.write_bytes(b"s3cret")
    target.chmod(0o644)
    with pytest.raises(ConfigurationError, match=r"test key .*readable by others.*chmod 600"):
        read_private(target, "test key")
    target.chmod(0o600)
    assert read_private(target, "test key") == b"s3cret"


def test_load_or_create_hex_secret_refuses_a_short_configured_secret(tmp_path: Path) -> None:
    """A configured secret under the minimum names its setting; a long enough one is used."""
    with pytest.raises(ConfigurationError, match="web_secret"):
        load_or_create_hex_secret("x" * 31, tmp_path / "s", setting="web_secret")
    assert load_or_create_hex_secret("y" * 32, tmp_path / "s", setting="web_secret") == b"y" * 32
    assert not (tmp_path / "s").exists()


def test_load_or_create_hex_secret_is_stable_across_calls(tmp_path: Path) -> None:
    """The generated 32-byte secret is kept in a 0600 file and returned again on later calls."""
    path = tmp_path / "keys" / "web_secret"
    first = load_or_create_hex_secret(None, path, setting="web_secret")
    assert len(first) == 32
    assert load_or_create_hex_secret(None, path, setting="web_secret") == first
    assert _mode(path) == 0o600
