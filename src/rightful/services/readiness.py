"""Whether this process can do its work now (GET /readyz): its store answers, its package
storage takes a write, and its broker (when builds go to Celery workers) answers a ping.

A probe polls this every few seconds and carries no key, so the answer names each check with
ok or failed and nothing else; the log says which failed and the error's type (never its
message, which may hold a DSN or a path)."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from sqlalchemy import text

from rightful.adapters.db.base import Store
from rightful.domain.package_ports import PackageStore

log = logging.getLogger("rightful.readiness")
PROBE_FOLDER = "readiness"  # under the package storage; each probe's object is deleted at once
# An answer is reused this long: the endpoint needs no key, and each check writes and fsyncs a
# file, so a flood of probes must not become a flood of writes.
FRESH_FOR: Final = 1.0  # seconds


@dataclass(frozen=True)
class Readiness:
    """Each check by name, passed or not."""

    checks: Mapping[str, bool]

    @property
    def ready(self) -> bool:
        return all(self.checks.values())


class ReadinessProbe:
    """Runs the checks one after another, at most once per FRESH_FOR seconds (callers in
    between, or waiting meanwhile, get that answer); a broker ping is None where there is no
    broker."""

    def __init__(
        self,
        store: Store,
        objects: PackageStore,
        broker: Callable[[], None] | None = None,
        ticks: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store, self.objects, self.broker, self._ticks = store, objects, broker, ticks
        self._lock = threading.Lock()
        self._last: tuple[float, Readiness] | None = None

    def check(self) -> Readiness:
        with self._lock:
            if self._last is not None and self._ticks() - self._last[0] < FRESH_FOR:
                return self._last[1]
            checks: dict[str, Callable[[], None]] = {"store": self._store, "storage": self._storage}
            if self.broker is not None:
                checks["broker"] = self.broker
            result = Readiness({name: _passes(name, run) for name, run in checks.items()})
            self._last = (self._ticks(), result)
            return result

    def _store(self) -> None:
        with self.store.engine.connect() as connection:
            connection.execute(text("SELECT 1")).scalar_one()

    def _storage(self) -> None:
        """Write a small object the way packages are written, and delete it (a write that
        fails leaves nothing behind: the store's contract)."""
        name = f"{PROBE_FOLDER}/{uuid.uuid4().hex}.probe"
        with self.objects.writer(name) as out:
            out.write(b"ready\n")
        self.objects.delete(name)


def _passes(name: str, run: Callable[[], None]) -> bool:
    try:
        run()
    except Exception as exc:  # any failure means not ready; its type is what the log may say
        log.warning("readiness: the %s check failed (%s)", name, type(exc).__name__)
        return False
    return True
