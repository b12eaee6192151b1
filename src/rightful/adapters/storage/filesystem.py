"""Package stores: a directory on disk (data_dir/packages) and an in-memory one for tests."""

from __future__ import annotations

import io
import mmap
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Final

from rightful.adapters.files import atomic_fd, make_folder
from rightful.adapters.storage.package_file import PackageFile
from rightful.domain.errors import InvalidInputError, NotFoundError

_NAME = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}(/[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}){0,3}$")


def check_name(name: str) -> str:
    """The name if it is a safe relative object name; InvalidInputError otherwise."""
    if not isinstance(name, str) or not _NAME.match(name) or ".." in name:
        raise InvalidInputError("not a valid package object name")
    return name


class FilesystemPackageStore:
    """Objects are files under `root` (mode 0600, folders 0700), written by temp file + rename;
    through the page cache, or past it (`past_cache`) where the filesystem allows it."""

    def __init__(self, root: Path | str, *, past_cache: bool = False) -> None:
        self.root = Path(root)
        self.past_cache = past_cache

    @contextmanager
    def writer(self, name: str) -> Iterator[NewObject]:
        """A stream into a temporary file (package_file.py), made durable as it is written
        (NewObject) and renamed into place on success; the new name is on disk too before the
        block returns, so a package recorded as written survives a crash."""
        path = self._path(name)
        make_folder(path.parent)
        with atomic_fd(path, durable=True) as fd:
            out = NewObject(fd, direct=self.past_cache)
            try:
                yield out
                out.make_durable()
            except BaseException:
                out.abandon()  # a failed write's own error is the one raised, not a flush's
                raise

    def open(self, name: str) -> BinaryIO:
        """The file opened for reading; NotFoundError when missing."""
        try:
            return self._path(name).open("rb")
        except FileNotFoundError:
            raise NotFoundError("no such package object") from None

    def size(self, name: str) -> int:
        try:
            return self._path(name).stat().st_size
        except FileNotFoundError:
            raise NotFoundError("no such package object") from None

    def exists(self, name: str) -> bool:
        return self._path(name).is_file()

    def delete(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)

    def _path(self, name: str) -> Path:
        return self.root.joinpath(*check_name(name).split("/"))


# A new package file is flushed to stable storage every this many bytes as it is written.
SYNC_EVERY: Final = 32 * 1024 * 1024
fdatasync: Final = getattr(os, "fdatasync", os.fsync)  # not on macOS


class NewObject(PackageFile):
    """A package file made durable while it is written. A disk with a volatile write cache
    takes a large package's bytes quickly and spends most of its time in the flush that fsync
    asks for (on the machine behind bench/package.py: 175 ms of a 0.56 s build of 162 MiB, with
    both cores idle). So a thread of its own asks for that flush every SYNC_EVERY bytes while
    the package is still being built, and starts the last fsync when the bytes are read back
    (read_back), so that reading them overlaps with it. The object is named only once that
    fsync has returned (make_durable)."""

    def __init__(self, fd: int, *, direct: bool = False) -> None:
        super().__init__(fd, direct=direct)
        self._unsynced = 0
        self._asked = threading.Event()
        self._then: str | None = None  # "last": the final fsync; "stop": none, the file goes
        self._syncer: threading.Thread | None = None
        self._error: OSError | None = None

    def write(self, data: bytes | bytearray | memoryview | mmap.mmap) -> int:  # type: ignore[override]
        written = super().write(data)
        self._unsynced += written
        if self._unsynced >= SYNC_EVERY:
            self._unsynced = 0
            self._ask()
        return written

    def read_back(self) -> BinaryIO:
        reader = super().read_back()
        self._ask("last")
        return reader

    def make_durable(self) -> None:
        """Write what is staged and wait until every byte is on disk."""
        self.close()
        if self._syncer is None:
            os.fsync(self.fileno())
            return
        self._ask("last")
        self._syncer.join()
        if self._error is not None:
            raise self._error

    def abandon(self) -> None:
        if self._syncer is not None:
            self._ask("stop")
            self._syncer.join()  # the descriptor stays open until the thread is done with it
        super().abandon()

    def _ask(self, then: str | None = None) -> None:
        if then is not None and self._then is None:
            self._then = then
        if self._syncer is None:
            self._syncer = threading.Thread(target=self._sync, name="package-sync", daemon=True)
            self._syncer.start()
        self._asked.set()

    def _sync(self) -> None:
        """Flush when asked; the last time with the file's metadata too (fsync)."""
        while True:
            self._asked.wait()
            self._asked.clear()
            then = self._then
            if then == "stop":
                return
            try:
                (os.fsync if then == "last" else fdatasync)(self.fileno())
            except OSError as exc:  # raised by make_durable(), on the writer's thread
                self._error = exc
                return
            if then == "last":
                return


class MemoryPackageStore:
    """Objects held as bytes; for unit tests and the in-process demo."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    @contextmanager
    def writer(self, name: str) -> Iterator[_MemoryObject]:
        """Collect the bytes; store them only when the block ends without error."""
        buffer = _MemoryObject()
        yield buffer
        self.objects[check_name(name)] = buffer.getvalue()

    def open(self, name: str) -> BinaryIO:
        if check_name(name) not in self.objects:
            raise NotFoundError("no such package object")
        return io.BytesIO(self.objects[name])

    def size(self, name: str) -> int:
        if check_name(name) not in self.objects:
            raise NotFoundError("no such package object")
        return len(self.objects[name])

    def exists(self, name: str) -> bool:
        return check_name(name) in self.objects

    def delete(self, name: str) -> None:
        self.objects.pop(check_name(name), None)


class _MemoryObject(io.BytesIO):
    def read_soon(self) -> None:
        pass  # held in memory anyway

    def read_back(self) -> BinaryIO:
        return io.BytesIO(self.getvalue())
