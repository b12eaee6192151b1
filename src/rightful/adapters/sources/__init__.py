"""Connectors to where personal data lives, chosen by the scheme of their DSN."""

from __future__ import annotations

import os
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
    if not root.is_dir():
        raise ConfigurationError(f"blob store {name}: directory does not exist")
    if not os.access(root, os.R_OK | os.X_OK):
        raise ConfigurationError(f"blob store {name}: directory cannot be read")
    return FilesystemBlobStore(name, root)


def sqlite_path(dsn: str) -> str:
    """sqlite:///relative/file.db or sqlite:////absolute/file.db -> the file path."""
    rest = dsn.split("://", 1)[1]
    if not rest.startswith("/"):
        raise ConfigurationError("a SQLite DSN looks like sqlite:///path/to/file.db")
    return unquote(rest[1:].split("?", 1)[0])


def sqlite_file(name: str, path: Path | str) -> Path:
    """The resolved file of SQLite source `name`; SourceUnavailableError when it is missing or a
    folder. Connecting to a missing one would create it empty: a collection would find nothing
    in it, and the package would look complete."""
    target = Path(path).resolve()
    if target.is_dir():
        raise SourceUnavailableError(f"source {name}: {target} is a folder, not a SQLite file")
    if not target.is_file():
        raise SourceUnavailableError(
            f"source {name}: the SQLite file does not exist ({target}); restore it or correct "
            "the source's DSN"
        )
    return target


def unreadable_file(name: str, dsn: str) -> str | None:
    """Why a SQLite source's file or a blob store's folder cannot be read, in one line; None
    when it can, and for a database server (which only a connection would tell)."""
    scheme = scheme_of(dsn)
    try:
        if scheme in BLOB_SCHEMES:
            open_blob_store(name, dsn)
        elif scheme == "sqlite":
            sqlite_file(name, sqlite_path(dsn))
    except (ConfigurationError, SourceUnavailableError) as exc:
        return str(exc)
    return None


class OpenSources:
    """Record sources and blob stores opened from Settings.sources; closes them all at once.

    A plain class, not a dataclass: the blob reader process imports this package, and the
    dataclasses module (with inspect and ast) would be about a quarter of its start-up."""

    def __init__(
        self,
        records: dict[str, RecordSource] | None = None,
        blobs: dict[str, BlobStore] | None = None,
    ) -> None:
        self.records: dict[str, RecordSource] = {} if records is None else records
        self.blobs: dict[str, BlobStore] = {} if blobs is None else blobs

    def close(self) -> None:
        """Close every record source (blob stores hold nothing open)."""
        for source in self.records.values():
            source.close()
        self.records.clear()


@contextmanager
def opened_sources(
    dsns: Mapping[str, SecretStr | str], schemas: Mapping[str, Schema] | None = None
) -> Iterator[OpenSources]:
    """Open every configured source (file:// ones as blob stores) and close them afterwards;
    meanwhile each SQL source is read as of one moment (a collection job is one request)."""
    from rightful.adapters.sources.sql import one_moment

    opened = OpenSources()
    try:
        for name, secret in dsns.items():
            dsn = secret if isinstance(secret, str) else secret.get_secret_value()
            if scheme_of(dsn) in BLOB_SCHEMES:
                opened.blobs[name] = open_blob_store(name, dsn)
            else:
                schema = (schemas or {}).get(name)
                opened.records[name] = open_source(name, dsn, schema=schema)
        with one_moment(opened.records):
            yield opened
    finally:
        opened.close()
