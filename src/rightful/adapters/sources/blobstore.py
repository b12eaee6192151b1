"""FilesystemBlobStore: a directory laid out like a bucket, addressed by blob://<store>/<key>."""

from __future__ import annotations

import errno
import io
import os
import stat
from pathlib import Path
from typing import BinaryIO, Final

from rightful.domain.errors import InvalidInputError, NotFoundError

SCHEME = "blob://"
# Where Linux shows the path an open file descriptor really points to. Paths are joined as
# text: a pathlib join and its str() cost more than the open they lead to (a package opens
# each of its blobs, in the blob reader process or in the build).
_FD_PATHS: Final = "/proc/self/fd"
_OPEN_FLAGS: Final = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
_FOLDER_FLAGS: Final = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_DIRECTORY", 0)
_NO_LINK: Final = getattr(os, "O_NOFOLLOW", 0)


def parse_blob_uri(uri: str, store: str) -> list[str]:
    """The key's path segments; InvalidInputError for another store or an escaping key."""
    if not isinstance(uri, str) or not uri.startswith(SCHEME):
        raise InvalidInputError("not a blob:// URI")
    name, sep, key = uri[len(SCHEME) :].partition("/")
    if name != store:
        raise InvalidInputError("the URI names another blob store")
    segments = key.split("/")
    if not sep or not key or any(s in {"", ".", ".."} for s in segments):
        raise InvalidInputError("the blob key is empty or leaves the store")
    if any("\\" in s or "\x00" in s or ":" in s for s in segments):
        raise InvalidInputError("the blob key holds a forbidden character")
    return segments


class FilesystemBlobStore:
    """Objects are regular files under `root`; a key never reaches outside it (symlinks
    included): the file is opened first and the path it really is checked afterwards, so a
    link swapped in between cannot lead out either."""

    def __init__(self, name: str, root: Path | str) -> None:
        self.name = name
        self.root = Path(root).resolve()
        self._root = os.fspath(self.root)
        self._prefix = os.path.join(self._root, "")
        self._fd_paths = os.path.isdir(_FD_PATHS)

    def open(self, uri: str) -> BinaryIO:
        """The file opened for binary reading; the caller closes it."""
        path = os.path.join(self._root, *parse_blob_uri(uri, self.name))
        try:
            fd = os.open(path, _OPEN_FLAGS)
        except (FileNotFoundError, NotADirectoryError):
            raise NotFoundError("no such blob") from None
        try:
            self._check_opened(fd, path)
            return io.FileIO(fd, "rb")  # unbuffered: readers here read large blocks
        except BaseException:
            os.close(fd)
            raise

    def open_in(self, uri: str, folders: dict[str, int]) -> tuple[int, int]:
        """The blob's file descriptor (the caller closes it) and size, opened relative to its
        folder's descriptor, kept in `folders` (the caller closes those): each folder is opened
        and checked once, and a file in it is opened without following a link, so it lies in
        the store as surely as through open(), with one system call less per file. A file that
        is a link is refused here (InvalidInputError); open() follows it if it stays inside."""
        *folder, name = parse_blob_uri(uri, self.name)
        path = "/".join(folder)
        folder_fd = folders.get(path)
        if folder_fd is None:
            folder_fd = folders[path] = self._open_folder(folder)
        try:
            fd = os.open(name, _OPEN_FLAGS | _NO_LINK, dir_fd=folder_fd)
        except (FileNotFoundError, NotADirectoryError):
            raise NotFoundError("no such blob") from None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise InvalidInputError("the blob is a link") from None
            raise
        try:
            found = os.fstat(fd)
            if not stat.S_ISREG(found.st_mode):
                raise NotFoundError("no such blob")
            if not _NO_LINK:  # no O_NOFOLLOW here: the file's own path is checked instead
                self._check_inside(fd, os.path.join(self._root, path, name))
        except BaseException:
            os.close(fd)
            raise
        return fd, found.st_size

    def _open_folder(self, segments: list[str]) -> int:
        path = os.path.join(self._root, *segments)
        try:
            fd = os.open(path, _FOLDER_FLAGS)
        except (FileNotFoundError, NotADirectoryError):
            raise NotFoundError("no such blob") from None
        try:
            self._check_inside(fd, path, folder=True)
        except BaseException:
            os.close(fd)
            raise
        return fd

    def size(self, uri: str) -> int:
        """The file's size in bytes."""
        with self.open(uri) as opened:
            return os.fstat(opened.fileno()).st_size

    def exists(self, uri: str) -> bool:
        """Whether the file exists (False for a URI that is malformed or of another store)."""
        try:
            self.open(uri).close()
        except (InvalidInputError, NotFoundError):
            return False
        return True

    def _check_opened(self, fd: int, path: str) -> None:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotFoundError("no such blob")  # a folder, a pipe or a device is no object
        self._check_inside(fd, path)

    def _check_inside(self, fd: int, path: str, *, folder: bool = False) -> None:
        """The path `fd` really has lies in the store (a folder may be the store's own)."""
        # One readlink of the descriptor instead of an lstat per path segment; where /proc is
        # missing, the path is resolved instead.
        real = os.readlink(f"{_FD_PATHS}/{fd}") if self._fd_paths else os.path.realpath(path)
        if not real.startswith(self._prefix) and not (folder and real == self._root):
            raise InvalidInputError("the blob key leaves the store")
