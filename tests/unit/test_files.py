"""Atomic writes and private secret files: no half-written file, no file others may read."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from rightful.adapters.files import (
    atomic_writer,
    create_private_once,
    load_or_create_hex_secret,
    read_private,
)
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
