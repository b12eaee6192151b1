"""Whether this process can do its work now (GET /readyz): its store answers, its package
storage takes a write, and its broker (when builds go to Celery workers) answers a ping.

A probe polls this every few seconds and carries no key, so the answer names each check with
ok or failed and nothing else; the log says which failed and the error's type (never its
message, which may hold a DSN or a path), or "timeout" for a check not done by its deadline."""

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
    """Runs the checks side by side, each on a thread of its own, at most once per FRESH_FOR
    seconds (callers in between, or waiting meanwhile, get that answer); a check not done within
    `timeout` seconds has failed. A broker ping is None where there is no broker."""

    def __init__(
        self,
        store: Store,
        objects: PackageStore,
        broker: Callable[[], None] | None = None,
        timeout: float = 2.0,
        ticks: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store, self.objects, self.timeout, self._ticks = store, objects, timeout, ticks
        runs: dict[str, Callable[[], None]] = {"store": self._store, "storage": self._storage}
        if broker is not None:
            runs["broker"] = broker
        self._checks = [TimedCheck(name, run) for name, run in runs.items()]
        # Held for one round at most `timeout` long: probes that arrive meanwhile wait for its
        # answer instead of starting checks of their own.
        self._lock = threading.Lock()
        self._last: tuple[float, Readiness] | None = None

    def check(self) -> Readiness:
        with self._lock:
            if self._last is not None and self._ticks() - self._last[0] < FRESH_FOR:
                return self._last[1]
            for each in self._checks:
                each.start()
            deadline = time.monotonic() + self.timeout
            result = Readiness({each.name: each.passed_by(deadline) for each in self._checks})
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


class TimedCheck:
    """One check, run on a daemon thread so that waiting for it can stop at a deadline. A run
    that hangs (a server that accepts and never answers) is not started again until it returns,
    so hanging probes do not pile up threads and connections."""

    def __init__(self, name: str, run: Callable[[], None]) -> None:
        self.name, self._run = name, run
        self._returned = threading.Event()
        self._returned.set()  # no run yet
        self._failure: str | None = None  # the last run's error type

    def start(self) -> None:
        """Start a run, unless the last one has not returned yet (then it is the one waited for)."""
        if not self._returned.is_set():
            return
        self._returned = threading.Event()
        worker = threading.Thread(target=self._work, args=(self._returned,),
                                  name=f"readiness-{self.name}", daemon=True)  # fmt: skip
        worker.start()

    def passed_by(self, deadline: float) -> bool:
        """Whether the run returned without error by `deadline` (time.monotonic())."""
        if not self._returned.wait(max(0.0, deadline - time.monotonic())):
            return _failed(self.name, "timeout")
        if self._failure is not None:
            return _failed(self.name, self._failure)
        return True

    def _work(self, returned: threading.Event) -> None:
        try:
            self._run()
            self._failure = None
        except Exception as exc:  # any failure means not ready; its type is what the log may say
            self._failure = type(exc).__name__
        finally:
            returned.set()


def _failed(name: str, reason: str) -> bool:
    log.warning("readiness: the %s check failed (%s)", name, reason)
    return False
