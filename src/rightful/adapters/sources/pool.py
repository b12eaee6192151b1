"""Long-lived source connections for a server: one set per thread, opened on first use, reused."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from pydantic import SecretStr

from rightful.adapters.sources import (
    BlobStores,
    OpenSources,
    Schema,
    open_source,
    plain_dsns,
    record_sources,
)
from rightful.adapters.sources.sql import SqlSource, one_moment
from rightful.domain.sources import RecordSource


class SourcePool(Mapping[str, RecordSource]):
    """Record sources by name. Each thread gets its own connections (drivers are not shared
    across threads), kept for the life of the thread: no connection churn per request.
    `schemas` (from the data map) limit each source to the tables and columns declared."""

    def __init__(
        self, dsns: Mapping[str, SecretStr | str], schemas: Mapping[str, Schema] | None = None
    ) -> None:
        self._dsns = plain_dsns(dsns)
        self._names = record_sources(self._dsns, schemas)
        self._schemas = dict(schemas or {})
        self._blobs = blob_stores(dsns)
        self._local = threading.local()
        self._opened: list[RecordSource] = []
        self._lock = threading.Lock()

    def __getitem__(self, name: str) -> RecordSource:
        if name not in self._names:
            raise KeyError(name)
        mine = self._mine()
        if name not in mine:
            mine[name] = open_source(name, self._dsns[name], schema=self._schemas.get(name))
            with self._lock:
                self._opened.append(mine[name])
        return mine[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    @contextmanager
    def borrowed(self) -> Iterator[OpenSources]:
        """This thread's sources and the blob stores, for one request, each SQL source read as
        of one moment (SqlSource.snapshot). A kept connection that no longer answers (a
        restarted database) is opened again first: found so by alive(), or by the BEGIN of
        the request's moment. When the request fails, the thread's connections are closed, so
        none left in an unknown state is handed out."""
        for name, source in list(self._mine().items()):
            if isinstance(source, SqlSource) and not source.fit_for_reuse():
                self._drop(name)
        opened = OpenSources(records={name: self[name] for name in self._names}, blobs=self._blobs)
        try:
            with one_moment(opened.records, reopen=self._reopen):
                yield opened
        except BaseException:
            for name in list(self._mine()):
                self._drop(name)
            raise

    def _reopen(self, name: str) -> RecordSource:
        """A new connection for a kept one the database dropped meanwhile."""
        self._drop(name)
        return self[name]

    def close(self) -> None:
        """Close every connection opened by any thread."""
        with self._lock:
            opened, self._opened = self._opened, []
        for source in opened:
            source.close()
        self._local = threading.local()

    def _mine(self) -> dict[str, RecordSource]:
        mine: dict[str, RecordSource] = self._local.__dict__.setdefault("sources", {})
        return mine

    def _drop(self, name: str) -> None:
        source = self._mine().pop(name)
        with self._lock:
            self._opened = [s for s in self._opened if s is not source]
        source.close()


def blob_stores(dsns: Mapping[str, SecretStr | str]) -> BlobStores:
    """The configured blob stores (file:// DSNs) by name; they hold no connection, and each is
    opened when first looked up."""
    return BlobStores(dsns)
