"""Whether this process can do its work now (GET /readyz): its store answers, its package
storage takes a write, and its broker (when builds go to Celery workers) answers a ping.

A probe polls this every few seconds and carries no key, so the answer names each check with
ok or failed and nothing else; the log says which failed and the error's type (never its
message, which may hold a DSN or a path)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy import text

from rightful.adapters.db.base import Store
from rightful.domain.package_ports import PackageStore

log = logging.getLogger("rightful.readiness")
PROBE_FOLDER = "readiness"  # under the package storage; each probe's object is deleted at once


@dataclass(frozen=True)
class Readiness:
    """Each check by name, passed or not."""

    checks: Mapping[str, bool]

    @property
    def ready(self) -> bool:
        return all(self.checks.values())


class ReadinessProbe:
    """Runs the checks one after another; a broker ping is None where there is no broker."""

    def __init__(
        self, store: Store, objects: PackageStore, broker: Callable[[], None] | None = None
    ) -> None:
        self.store, self.objects, self.broker = store, objects, broker

    def check(self) -> Readiness:
        checks: dict[str, Callable[[], None]] = {"store": self._store, "storage": self._storage}
        if self.broker is not None:
            checks["broker"] = self.broker
        return Readiness({name: _passes(name, run) for name, run in checks.items()})

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
