"""Ports to where personal data lives: record sources (databases, APIs) and blob stores."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from typing import Any, BinaryIO, Protocol

Row = tuple[Any, ...]


class RecordSource(Protocol):
    """Read-only access to the collections of one source named in the data map.

    Collection and column names come from the data map; an implementation validates them
    (ConfigurationError for a name outside its schema) and never interpolates a value into a
    query. Values match only themselves: no wildcard, pattern or collation widening survives
    to the rows returned. The caller owns the source and calls `close()` once when done; an
    implementation may be used from one thread at a time.
    """

    name: str

    def lookup(
        self,
        collection: str,
        columns: Sequence[str],
        key: str,
        values: Collection[Any],
        *,
        fold: bool = False,
    ) -> Iterator[Row]:
        """Rows whose `key` equals one of `values` (fold: compare lower(trim(key)) with values).

        Returns tuples in `columns` order (`key` must be among `columns`), streamed, each row
        at most once per call; the values are sent in batches. Raises ConfigurationError for
        names outside the data map, SourceSchemaError (a ConfigurationError) for names the
        source itself lacks, and SourceUnavailableError when the source cannot be read.
        """
        ...

    def fetch(
        self,
        collection: str,
        columns: Sequence[str],
        key_fields: Sequence[str],
        keys: Collection[tuple[Any, ...]],
    ) -> Iterator[Row]:
        """Rows whose primary key (`key_fields`, all among `columns`) is one of `keys`."""
        ...

    def probe(self, collection: str, columns: Sequence[str]) -> None:
        """Ask the source for the collection and columns without reading a row (no columns:
        the collection only). SourceSchemaError naming what is missing, SourceNotPopulatedError
        when it reads a materialized view never populated (PostgreSQL), SourceUnavailableError
        when the source cannot be read."""
        ...

    def close(self) -> None:
        """Release connections; the source is unusable afterwards. Safe to call twice."""
        ...


class BlobStore(Protocol):
    """Files addressed by URIs of the form blob://<store>/<key>; read-only for collection.

    Raises NotFoundError for a URI whose object does not exist, InvalidInputError for a URI
    that does not name this store or tries to leave it (`..`, absolute paths). The caller
    closes every stream `open()` returns; the store itself holds no open handles.
    """

    name: str

    def open(self, uri: str) -> BinaryIO:
        """A binary stream of the object's bytes."""
        ...

    def size(self, uri: str) -> int:
        """The object's size in bytes."""
        ...

    def exists(self, uri: str) -> bool:
        """Whether the object exists (False for a URI of another store)."""
        ...
