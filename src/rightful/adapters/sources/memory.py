"""In-memory record source and blob store: for the demo, unit tests and as the reference."""

from __future__ import annotations

import io
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any, BinaryIO

from rightful.adapters.sources.blobstore import parse_blob_uri
from rightful.adapters.sources.sql import distinct
from rightful.domain.errors import InvalidInputError, NotFoundError, SourceSchemaError
from rightful.domain.identities import fold as fold_value
from rightful.domain.sources import Row


class MemorySource:
    """Tables held as (columns, rows); lookups use lazily built hash indexes."""

    def __init__(
        self, name: str, tables: Mapping[str, tuple[Sequence[str], Sequence[Sequence[Any]]]]
    ) -> None:
        self.name = name
        self._tables = {
            t: (tuple(cols), [tuple(r) for r in rows]) for t, (cols, rows) in tables.items()
        }
        self._indexes: dict[tuple[str, str, bool], dict[Any, list[Row]]] = {}
        self.closed = False

    def lookup(
        self,
        collection: str,
        columns: Sequence[str],
        key: str,
        values: Collection[Any],
        *,
        fold: bool = False,
    ) -> Iterator[Row]:
        """Rows whose key equals (or folds to) one of the values; see RecordSource."""
        positions = self._positions(collection, [*columns, key])
        index = self._index(collection, key, fold)
        wanted = distinct(values, fold)
        return (tuple(row[p] for p in positions[:-1]) for v in wanted for row in index.get(v, ()))

    def fetch(
        self,
        collection: str,
        columns: Sequence[str],
        key_fields: Sequence[str],
        keys: Collection[tuple[Any, ...]],
    ) -> Iterator[Row]:
        """Rows by primary key."""
        positions = self._positions(collection, columns)
        key_positions = self._positions(collection, key_fields)
        wanted = {tuple(k) for k in keys}
        _, rows = self._tables[collection]
        return (
            tuple(row[p] for p in positions)
            for row in rows
            if tuple(row[p] for p in key_positions) in wanted
        )

    def probe(self, collection: str, columns: Sequence[str]) -> None:
        """SourceSchemaError when the table or one of the columns does not exist."""
        self._positions(collection, columns)

    def close(self) -> None:
        """Mark the source closed (there is nothing to release)."""
        self.closed = True

    def _positions(self, collection: str, columns: Sequence[str]) -> list[int]:
        if collection not in self._tables:
            raise SourceSchemaError(self.name, f"no table {collection}")
        names = self._tables[collection][0]
        missing = [c for c in columns if c not in names]
        if missing:
            raise SourceSchemaError(self.name, f"no column {collection}.{missing[0]}")
        return [names.index(c) for c in columns]

    def _index(self, collection: str, key: str, fold: bool) -> dict[Any, list[Row]]:
        cache_key = (collection, key, fold)
        if cache_key not in self._indexes:
            names, rows = self._tables[collection]
            position = names.index(key)
            index: dict[Any, list[Row]] = {}
            for row in rows:
                value = row[position]
                if value is not None:
                    index.setdefault(fold_value(value) if fold else value, []).append(row)
            self._indexes[cache_key] = index
        return self._indexes[cache_key]


class MemoryBlobStore:
    """Blobs held as bytes by key."""

    def __init__(self, name: str, objects: Mapping[str, bytes] | None = None) -> None:
        self.name = name
        self._objects = dict(objects or {})

    def put(self, key: str, data: bytes) -> str:
        """Store bytes under a key and return the URI."""
        uri = f"blob://{self.name}/{key}"
        parse_blob_uri(uri, self.name)
        self._objects[key] = data
        return uri

    def open(self, uri: str) -> BinaryIO:
        """A stream of the blob's bytes."""
        return io.BytesIO(self._get(uri))

    def size(self, uri: str) -> int:
        """The blob's size in bytes."""
        return len(self._get(uri))

    def exists(self, uri: str) -> bool:
        """Whether the blob exists in this store."""
        try:
            self._get(uri)
        except (NotFoundError, InvalidInputError):
            return False
        return True

    def _get(self, uri: str) -> bytes:
        key = "/".join(parse_blob_uri(uri, self.name))
        if key not in self._objects:
            raise NotFoundError("no such blob")
        return self._objects[key]
