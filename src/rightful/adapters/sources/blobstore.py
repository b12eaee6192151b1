"""FilesystemBlobStore: a directory laid out like a bucket, addressed by blob://<store>/<key>."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from rightful.domain.errors import InvalidInputError, NotFoundError

SCHEME = "blob://"


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
    """Objects are files under `root`; a key never resolves outside it (symlinks included)."""

    def __init__(self, name: str, root: Path | str) -> None:
        self.name = name
        self.root = Path(root).resolve()

    def open(self, uri: str) -> BinaryIO:
        """The file opened for binary reading; the caller closes it."""
        path = self._path(uri)
        try:
            return path.open("rb")
        except FileNotFoundError:
            raise NotFoundError("no such blob") from None

    def size(self, uri: str) -> int:
        """The file's size in bytes."""
        try:
            return self._path(uri).stat().st_size
        except FileNotFoundError:
            raise NotFoundError("no such blob") from None

    def exists(self, uri: str) -> bool:
        """Whether the file exists (False for a URI that is malformed or of another store)."""
        try:
            return self._path(uri).is_file()
        except InvalidInputError:
            return False

    def _path(self, uri: str) -> Path:
        path = self.root.joinpath(*parse_blob_uri(uri, self.name)).resolve()
        if not path.is_relative_to(self.root):
            raise InvalidInputError("the blob key leaves the store")
        return path
