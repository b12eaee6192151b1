"""A running build's heartbeat: how a build lost with its worker is told from a long one.

While a build runs, a light thread writes the time to its package row (`heartbeat_at`) every
tenth of the cut-off: one small UPDATE every few seconds, whatever the build is doing (reading
a source, writing a large file, running the gate). A build whose heartbeat is older than the
cut-off (`build_lost_after_seconds`) stopped: its process or machine died, and the request may
be built again (PackageService.lost_builds, `_retire_older`).

The UPDATE only touches a row still `building`. Once another worker took the build for lost
(its package is `failed`), the beat finds no row, and the build stops at its next record
instead of running on to an answer nobody will take.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from types import TracebackType
from typing import Final, Protocol

from sqlalchemy import update

from rightful.adapters.db.base import Store
from rightful.adapters.db.packages import PackageRow
from rightful.domain.clock import Clock
from rightful.domain.errors import ConflictError
from rightful.domain.packages import PackageStatus

log = logging.getLogger("rightful.packaging")
# A build counts as lost once its heartbeat is older than `build_lost_after`.
# STALE_BUILD is the outer bound: a build still beating after this long is taken for lost too (a
# hung source must not hold a request for ever), and so is one begun before builds had heartbeats.
STALE_BUILD: Final = timedelta(hours=6)


class Build(Protocol):
    """What tells a running build from a lost one: a package row, or those columns of it."""

    @property
    def status(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def heartbeat_at(self) -> datetime | None: ...


def still_building(package: Build, now: datetime, lost_after: timedelta) -> bool:
    """A build that may still be running: it beat within `lost_after` and began less than
    STALE_BUILD ago. One without a heartbeat (begun before builds had one) is judged by its age
    alone. A `building` package that is not is lost with its worker."""
    if package.status != PackageStatus.BUILDING.value:
        return False
    if now - package.created_at >= STALE_BUILD:
        return False
    beat = package.heartbeat_at
    return beat is None or now - beat < lost_after


def taken_for_lost(package_id: str, status: str) -> ConflictError:
    """The error an outlived build stops with."""
    return ConflictError(
        f"package {package_id} was taken for lost during its build (it is {status}); a newer "
        "build answers the request"
    )


class Heartbeat:
    """Beats for one package while the `with` block runs; `check()` stops an outlived build."""

    def __init__(self, store: Store, clock: Clock, package_id: str, lost_after: timedelta):
        self.store, self.clock, self.package_id = store, clock, package_id
        self.every = lost_after.total_seconds() / 10
        self._stop = threading.Event()
        self._taken = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"heartbeat-{package_id[:8]}", daemon=True
        )

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()

    def check(self) -> None:
        """Raise when the build was taken for lost: another build answers the request now."""
        if self._taken.is_set():
            raise taken_for_lost(self.package_id, PackageStatus.FAILED.value)

    def beat(self) -> bool:
        """Write the time to the package row if it is still building; False when it is not."""
        with self.store.transaction() as session:
            # Core UPDATE: it leaves the row's version alone, so it never conflicts with a
            # writer that changes the package (the conclusion, or a worker taking it for lost).
            result = session.execute(
                update(PackageRow)
                .where(PackageRow.id == self.package_id)
                .where(PackageRow.status == PackageStatus.BUILDING.value)
                .values(heartbeat_at=self.clock.now())
                .execution_options(synchronize_session=False)
            )
            return bool(getattr(result, "rowcount", 0))

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                if not self.beat():
                    self._taken.set()
                    return
            except Exception:  # a store hiccup: the next beat tries again
                log.exception("package %s: could not write the build's heartbeat", self.package_id)
