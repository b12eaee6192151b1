"""Connectors to where personal data lives, chosen by the scheme of their DSN."""

from __future__ import annotations

import os
import stat
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from rightful.domain.errors import ConfigurationError, SourceUnavailableError
from rightful.domain.sources import BlobStore, RecordSource

if TYPE_CHECKING:  # not at run time: the blob reader process imports this package, and fast
    from pydantic import SecretStr

BLOB_SCHEMES = ("file", "blob")
SQLITE_MAGIC = b"SQLite format 3\x00"

Schema = Mapping[str, Collection[str]]


def scheme_of(dsn: str) -> str:
    """The DSN's scheme without a SQLAlchemy driver suffix (postgresql+psycopg -> postgresql)."""
    return dsn.split("://", 1)[0].split("+", 1)[0].lower() if "://" in dsn else ""


def open_source(name: str, dsn: str, *, schema: Schema | None = None) -> RecordSource:
    """A record source for sqlite:///, postgresql://, mysql:// (or mariadb://) DSNs."""
    scheme = scheme_of(dsn)
    if scheme == "sqlite":
        from rightful.adapters.sources.sqlite import SqliteSource

        return SqliteSource(name, sqlite_path(dsn), schema)
    if scheme in {"postgresql", "postgres"}:
        from rightful.adapters.sources.postgres import PostgresSource

        return PostgresSource(name, "postgresql://" + dsn.split("://", 1)[1], schema)
    if scheme in {"mysql", "mariadb"}:
        from rightful.adapters.sources.mysql import MysqlSource

        return MysqlSource(name, dsn, schema)
    raise ConfigurationError(f"source {name}: unsupported DSN scheme {scheme or '(none)'}")


def open_blob_store(name: str, dsn: str) -> BlobStore:
    """A blob store for file:///dir (or blob:///dir) DSNs: a directory laid out like a bucket."""
    from rightful.adapters.sources.blobstore import FilesystemBlobStore

    if scheme_of(dsn) not in BLOB_SCHEMES:
        raise ConfigurationError(f"blob store {name}: DSN must be file:///<directory>")
    root = Path(unquote(urlsplit(dsn).path))
    if (why := _unusable(root, folder=True)) is not None:
        raise ConfigurationError(f"blob store {name}: {why}")
    return FilesystemBlobStore(name, root)


def sqlite_path(dsn: str) -> str:
    """sqlite:///relative/file.db or sqlite:////absolute/file.db -> the file path."""
    rest = dsn.split("://", 1)[1]
    if not rest.startswith("/"):
        raise ConfigurationError("a SQLite DSN looks like sqlite:///path/to/file.db")
    return unquote(rest[1:].split("?", 1)[0])


def readable_sqlite_file(name: str, path: Path | str) -> Path:
    """The resolved file of SQLite source `name`; SourceUnavailableError when it is missing, a
    folder, or cannot be read by this process (in WAL mode, with its -wal and -shm files, which
    a read-only connection must find readable or create). Connecting to a missing one would
    create it empty: a collection would find nothing in it, and the package would look
    complete."""
    target = Path(path).resolve()
    if (why := _unusable(target, folder=False)) is not None:
        raise SourceUnavailableError(f"source {name}: {why}")
    return target


def _unusable(path: Path, *, folder: bool) -> str | None:
    """Why this process cannot read `path` as a SQLite file (as a blob store's folder, with
    `folder`), in words naming it; None when it can."""
    what, owner = ("folder", "store") if folder else ("SQLite file", "source")
    unreadable = f"the {what} cannot be read ({path}); let the user rightful runs as read it"
    try:
        mode = path.stat().st_mode
    except PermissionError:  # a folder on the way hides it
        return unreadable
    except OSError:
        return f"the {what} does not exist ({path}); restore it or correct the {owner}'s DSN"
    if stat.S_ISDIR(mode) != folder:
        return f"{path} is {'a file, not a folder' if folder else 'a folder, not a SQLite file'}"
    if not os.access(path, (os.R_OK | os.X_OK) if folder else os.R_OK):
        return unreadable
    return None if folder or not _in_wal_mode(path) else _unusable_wal_files(path)


def _in_wal_mode(path: Path) -> bool:
    """Whether the SQLite file's header asks its readers for the write-ahead log (its read
    version, byte 19, is 2)."""
    try:
        with path.open("rb") as file:
            header = file.read(20)
    except OSError:
        return False
    return header.startswith(SQLITE_MAGIC) and header[19:20] == b"\x02"


def _unusable_wal_files(path: Path) -> str | None:
    """Why SQLite, opening the file read-only, could not read it in WAL mode; None when it can.
    As tried on SQLite 3.40: it reads the -wal and -shm files next to it, which need only be
    readable, and creates each one missing (and keeps it); one it cannot read, or cannot
    create, fails the first query, whatever the permissions of the file itself."""
    missing = []
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if not companion.exists():
            missing.append(companion.name)
        elif not os.access(companion, os.R_OK):
            return (
                f"the SQLite file is in WAL mode and its {suffix} file cannot be read "
                f"({companion}); let the user rightful runs as read it"
            )
    if missing and not os.access(path.parent, os.W_OK | os.X_OK):
        return (
            f"the SQLite file is in WAL mode and {' and '.join(missing)} cannot be created next "
            f"to it ({path.parent}); let the user rightful runs as write in that folder"
        )
    return None


def unreadable_file(name: str, dsn: str) -> str | None:
    """Why a SQLite source's file or a blob store's folder cannot be read, in one line; None
    when it can, and for a database server (which only a connection would tell)."""
    scheme = scheme_of(dsn)
    try:
        if scheme in BLOB_SCHEMES:
            open_blob_store(name, dsn)
        elif scheme == "sqlite":
            readable_sqlite_file(name, sqlite_path(dsn))
    except (ConfigurationError, SourceUnavailableError) as exc:
        return str(exc)
    return None


def plain_dsns(dsns: Mapping[str, SecretStr | str]) -> dict[str, str]:
    """Each source's DSN as text (settings hold them as secrets)."""
    return {n: d if isinstance(d, str) else d.get_secret_value() for n, d in dsns.items()}


def record_sources(dsns: Mapping[str, str], schemas: Mapping[str, Schema] | None) -> list[str]:
    """The names of the record sources to open: with `schemas` (the data map's), only those it
    uses. One it does not use is never opened: nothing would read it, and a file it lacks
    must not fail every request."""
    return [
        name
        for name, dsn in dsns.items()
        if scheme_of(dsn) not in BLOB_SCHEMES and (schemas is None or name in schemas)
    ]


class BlobStores(Mapping[str, BlobStore]):
    """The configured blob stores (file:// DSNs) by name, each opened when first looked up:
    one the data map does not use is never opened, so a folder it lacks fails nothing."""

    def __init__(self, dsns: Mapping[str, SecretStr | str]) -> None:
        plain = plain_dsns(dsns)
        self._dsns = {n: d for n, d in plain.items() if scheme_of(d) in BLOB_SCHEMES}
        self._opened: dict[str, BlobStore] = {}

    def __getitem__(self, name: str) -> BlobStore:
        if name not in self._opened:
            self._opened[name] = open_blob_store(name, self._dsns[name])
        return self._opened[name]

    def get(self, name: str, default: BlobStore | None = None) -> BlobStore | None:  # type: ignore[override]
        # Once per blob in a build: Mapping.get would go through __getitem__ and a KeyError.
        store = self._opened.get(name)
        if store is not None:
            return store
        return self[name] if name in self._dsns else default

    def __iter__(self) -> Iterator[str]:
        return iter(self._dsns)

    def __len__(self) -> int:
        return len(self._dsns)


class OpenSources:
    """Record sources and blob stores opened from Settings.sources; closes them all at once.

    A plain class, not a dataclass: the blob reader process imports this package, and the
    dataclasses module (with inspect and ast) would be about a quarter of its start-up."""

    def __init__(
        self,
        records: dict[str, RecordSource] | None = None,
        blobs: Mapping[str, BlobStore] | None = None,
    ) -> None:
        self.records: dict[str, RecordSource] = {} if records is None else records
        self.blobs: Mapping[str, BlobStore] = {} if blobs is None else blobs

    def close(self) -> None:
        """Close every record source (blob stores hold nothing open)."""
        for source in self.records.values():
            source.close()
        self.records.clear()


@contextmanager
def opened_sources(
    dsns: Mapping[str, SecretStr | str], schemas: Mapping[str, Schema] | None = None
) -> Iterator[OpenSources]:
    """Open the configured sources (with `schemas`, those the data map uses; file:// ones as
    blob stores) and close them afterwards; meanwhile each SQL source is read as of one moment
    (a collection job is one request)."""
    from rightful.adapters.sources.sql import one_moment

    plain = plain_dsns(dsns)
    opened = OpenSources(blobs=BlobStores(plain))
    try:
        for name in record_sources(plain, schemas):
            schema = (schemas or {}).get(name)
            opened.records[name] = open_source(name, plain[name], schema=schema)
        with one_moment(opened.records):
            yield opened
    finally:
        opened.close()
