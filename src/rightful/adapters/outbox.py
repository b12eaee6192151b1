"""Where e-mails and SMS are handed over: now (tests) or on a worker thread (the server)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait

log = logging.getLogger("rightful.outbox")


def _run(job: Callable[[], None], label: str) -> None:
    try:
        job()
    except Exception as exc:  # a failed delivery must never reach the requester's answer
        log.warning("delivery %s failed: %s", label, type(exc).__name__)


class InlineOutbox:
    """Delivers before `submit` returns; failures are logged, not raised."""

    def submit(self, job: Callable[[], None], label: str) -> None:
        _run(job, label)


class ThreadOutbox:
    """Delivers on worker threads, so that answers take the same time whether or not (and to
    whom) a message is sent."""

    def __init__(self, workers: int = 2) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rightful-outbox")
        self._pending: set[Future[None]] = set()
        self._lock = threading.Lock()

    def submit(self, job: Callable[[], None], label: str) -> None:
        future = self._pool.submit(_run, job, label)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)

    def _forget(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)

    def drain(self, timeout: float = 10.0) -> None:
        """Wait until everything submitted so far was handed over (or failed)."""
        with self._lock:
            pending = set(self._pending)
        wait(pending, timeout=timeout)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
