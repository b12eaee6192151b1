"""Package stores: a directory on disk (data_dir/packages) and an in-memory one for tests."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, cast

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
    """Objects are files under `root` (mode 0600, folders 0700), written by temp file + rename."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    @contextmanager
    def writer(self, name: str) -> Iterator[BinaryIO]:
        """A stream into a temporary file, written past the page cache where the filesystem
        allows it (package_file.py), fsynced and renamed into place on success; the new name
        is on disk too before the block returns, so a package recorded as written survives a
        crash."""
        path = self._path(name)
        make_folder(path.parent)
        with atomic_fd(path, durable=True) as fd:
            out = PackageFile(fd)
            try:
                yield cast(BinaryIO, out)
                out.close()
                os.fsync(fd)
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


class MemoryPackageStore:
    """Objects held as bytes; for unit tests and the in-process demo."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    @contextmanager
    def writer(self, name: str) -> Iterator[BinaryIO]:
        """Collect the bytes; store them only when the block ends without error."""
        buffer = io.BytesIO()
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
