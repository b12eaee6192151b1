"""Writing files so that no reader sees half of one, and keeping secrets in private files."""

from __future__ import annotations

import fcntl
import os
import secrets
import stat
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import IO, Any, BinaryIO, Literal, TextIO, overload

from rightful.domain.errors import ConfigurationError

SECRET_BYTES = 32


@overload
def atomic_writer(
    path: Path,
    *,
    binary: Literal[True] = ...,
    prefix: str = ...,
    fsync: bool = ...,
    mode: int | None = ...,
    buffering: int = ...,
) -> AbstractContextManager[BinaryIO]: ...


@overload
def atomic_writer(
    path: Path,
    *,
    binary: Literal[False],
    prefix: str = ...,
    fsync: bool = ...,
    mode: int | None = ...,
    buffering: int = ...,
) -> AbstractContextManager[TextIO]: ...


def atomic_writer(
    path: Path,
    *,
    binary: bool = True,
    prefix: str = ".partial-",
    fsync: bool = True,
    mode: int | None = None,
    buffering: int = -1,
) -> AbstractContextManager[Any]:
    """A handle on a temporary file beside `path` (0600) that replaces it when the block ends;
    with `fsync` the content and then the new name are on disk before the block returns."""
    return _replacing(path, binary, prefix, fsync, mode, buffering)


@contextmanager
def _replacing(
    path: Path, binary: bool, prefix: str, fsync: bool, mode: int | None, buffering: int
) -> Iterator[IO[Any]]:
    with atomic_fd(path, prefix=prefix, mode=mode, durable=fsync) as fd:
        if binary:
            handle: IO[Any] = os.fdopen(fd, "wb", buffering=buffering, closefd=False)
        else:
            handle = os.fdopen(fd, "w", buffering=buffering, encoding="utf-8", closefd=False)
        with handle:
            yield handle
            if fsync:
                handle.flush()
                os.fsync(fd)


@contextmanager
def atomic_fd(
    path: Path, *, prefix: str = ".partial-", mode: int | None = None, durable: bool = False
) -> Iterator[int]:
    """The descriptor of a temporary file beside `path` (0600) that replaces it when the block
    ends; closed either way, and gone when the block fails. The content's fsync is the
    caller's; `durable` makes the new name survive a crash too, once the content has."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=prefix)
    try:
        try:
            yield fd
        finally:
            os.close(fd)
        if mode is not None:
            os.chmod(name, mode)
        os.replace(name, path)
        if durable:
            fsync_folder(path.parent)
    finally:
        Path(name).unlink(missing_ok=True)


def make_folder(folder: Path, mode: int = 0o700) -> None:
    """Create `folder` and any missing parents (with `mode`), each new name put on disk."""
    if folder.is_dir():
        return
    make_folder(folder.parent, mode)
    try:
        folder.mkdir(mode=mode)
    except FileExistsError:
        if folder.is_dir():
            return  # another writer made it, and put it on disk
        raise
    fsync_folder(folder.parent)


@contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on file `path` (created 0600 and kept) while the block runs: other
    holders of the same path, in this process or another on this machine, wait their turn. The
    lock goes with the process, so a writer killed mid-way leaves none behind."""
    make_folder(path.parent)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # which releases the lock


def fsync_folder(folder: Path) -> None:
    """Put `folder`'s entries on disk: a name made by rename or link lives in the folder, and
    the file's own fsync does not write it."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def create_private_once(path: Path, content: bytes) -> bool:
    """Create `path` (0600) whole or not at all, durably; False when another writer created it
    first."""
    make_folder(path.parent)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=".new-")  # mkstemp: mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(name, path)  # unlike a rename, fails when the file exists: theirs stays
        except FileExistsError:
            return False
        fsync_folder(path.parent)
        return True
    finally:
        os.unlink(name)


def read_private(path: Path, what: str) -> bytes:
    """The bytes of `path`; ConfigurationError when its group or others may read it."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise ConfigurationError(f"{what} {path} is not a file; point the setting at one")
        mode = stat.S_IMODE(info.st_mode)
        if mode & 0o077:
            raise ConfigurationError(
                f"{what} {path} is readable by others (mode {mode:o}); run chmod 600 {path}"
            )
        return path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"cannot read {what} {path}: {exc.strerror or exc}") from None


def load_or_create_hex_secret(
    configured: str | None, path: Path, *, setting: str, min_bytes: int = SECRET_BYTES
) -> bytes:
    """The configured secret, else a random one kept in `path` (hex, created 0600 once)."""
    if configured is not None:
        if len(configured.encode()) < min_bytes:
            raise ConfigurationError(f"{setting} must be at least {min_bytes} bytes")
        return configured.encode()
    if not path.exists():
        create_private_once(path, (secrets.token_hex(SECRET_BYTES) + "\n").encode())
    try:
        return bytes.fromhex(read_private(path, f"{setting} file").decode().strip())
    except ValueError:  # UnicodeDecodeError included
        raise ConfigurationError(
            f"{setting} file {path} does not hold a hex secret; restore it from a backup (a new "
            "one changes what it keys)"
        ) from None
