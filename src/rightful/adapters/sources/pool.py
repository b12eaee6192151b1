"""Long-lived source connections for a server: one set per thread, opened on first use, reused."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping

from pydantic import SecretStr

from rightful.adapters.sources import BLOB_SCHEMES, open_blob_store, open_source, scheme_of
from rightful.domain.sources import BlobStore, RecordSource


class SourcePool(Mapping[str, RecordSource]):
    """Record sources by name. Each thread gets its own connections (drivers are not shared
    across threads), kept for the life of the thread: no connection churn per request."""

    def __init__(self, dsns: Mapping[str, SecretStr | str]) -> None:
        self._dsns = {
            n: d.get_secret_value() if isinstance(d, SecretStr) else d for n, d in dsns.items()
        }
        self._names = [n for n, d in self._dsns.items() if scheme_of(d) not in BLOB_SCHEMES]
        self._local = threading.local()
        self._opened: list[RecordSource] = []
        self._lock = threading.Lock()

    def __getitem__(self, name: str) -> RecordSource:
        if name not in self._names:
            raise KeyError(name)
        mine: dict[str, RecordSource] = self._local.__dict__.setdefault("sources", {})
        if name not in mine:
            mine[name] = open_source(name, self._dsns[name])
            with self._lock:
                self._opened.append(mine[name])
        return mine[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def close(self) -> None:
        """Close every connection opened by any thread."""
        with self._lock:
            opened, self._opened = self._opened, []
        for source in opened:
            source.close()
        self._local = threading.local()


def blob_stores(dsns: Mapping[str, SecretStr | str]) -> dict[str, BlobStore]:
    """The configured blob stores (file:// DSNs) by name; they hold no connection."""
    stores: dict[str, BlobStore] = {}
    for name, secret in dsns.items():
        dsn = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
        if scheme_of(dsn) in BLOB_SCHEMES:
            stores[name] = open_blob_store(name, dsn)
    return stores
