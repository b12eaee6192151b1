"""Package builds as jobs: run in-process, or by a Celery worker through the same broker and queue
as collection jobs. A job carries only the request id; building is idempotent per request."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

from celery import Celery
from celery.exceptions import TimeoutError as CeleryTimeoutError
from kombu.utils.url import maybe_sanitize_url

from rightful.domain.clock import Clock, SystemClock
from rightful.domain.errors import ConfigurationError

PACKAGE_TASK = "rightful.package.build"
Outcome = dict[str, Any]

log = logging.getLogger(__name__)


class InlinePackageJobs:
    """submit() builds at once and wait() hands back the outcome or raises the build's error;
    start() builds on this process's build thread, one build at a time, nobody waiting."""

    def __init__(self, run: Callable[[str], Outcome]) -> None:
        self._run = run
        self._outcomes: dict[str, Outcome | BaseException] = {}
        # Created on first use; Python joins its thread at exit, so a started build finishes.
        self._builder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rightful-build")
        self._started: set[Future[None]] = set()
        self._lock = threading.Lock()

    def submit(self, request_id: str) -> str:
        job_id = f"package-{uuid.uuid4().hex}"
        try:
            self._outcomes[job_id] = self._run(request_id)
        except Exception as exc:  # re-raised by wait(), as a worker's failure would be
            self._outcomes[job_id] = exc
        return job_id

    def start(self, request_id: str) -> None:
        """Build in the background (whoever verified the request is answered at once), keeping
        no outcome; a failure is logged, by type only, and the request stays where the build
        left it, to be built again."""
        future = self._builder.submit(self._quietly, request_id)
        with self._lock:
            self._started.add(future)
        future.add_done_callback(self._forget)

    @property
    def busy(self) -> bool:
        """Whether a started build has not finished yet."""
        with self._lock:
            return bool(self._started)

    def drain(self, timeout: float | None = 60.0) -> None:
        """Wait for the builds started so far (timeout None: however long they take)."""
        with self._lock:
            started = set(self._started)
        wait(started, timeout=timeout)

    def _quietly(self, request_id: str) -> None:
        try:
            self._run(request_id)
        except Exception as exc:
            log.warning("package build for request %s failed (%s)", request_id, type(exc).__name__)

    def _forget(self, future: Future[None]) -> None:
        with self._lock:
            self._started.discard(future)

    def wait(self, job_id: str, timeout: float) -> Outcome:
        outcome = self._outcomes.get(job_id)
        if outcome is None:
            raise TimeoutError("no such job was submitted")
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


class CeleryPackageJobs:
    """Sends the build by task name; the worker (entrypoints/worker/package_tasks) runs it. A job
    carries the request id and when it was queued: a build started since then answers it."""

    def __init__(self, app: Celery, queue: str, clock: Clock | None = None) -> None:
        self._app = app
        self._queue = queue
        self._clock = clock or SystemClock()

    def submit(self, request_id: str) -> str:
        """Queue a build whose outcome `wait` fetches; ConfigurationError, in one line, when the
        broker cannot be reached (the result store's twenty reconnects took 20 s, then a
        traceback)."""
        try:
            with self._app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, interval_start=0.5)
            return self._send(request_id, ignore_result=False)
        except Exception as exc:
            broker = maybe_sanitize_url(self._app.conf.broker_url)
            raise ConfigurationError(
                f"cannot queue the build of request {request_id}: the broker at {broker} cannot "
                f"be reached ({type(exc).__name__}); check RIGHTFUL_CELERY_BROKER_URL and that "
                "Redis is running"
            ) from None

    def start(self, request_id: str) -> None:
        """Queue a build nobody waits for: no result is kept, so nothing subscribes to one (with
        Redis down that alone held the requester's confirmation for 20 s). A broker that
        cannot be reached is logged, and `rightful jobs builds` starts the build later."""
        try:
            self._send(request_id, ignore_result=True)
        except Exception as exc:
            log.warning("could not queue a package build for request %s (%s)", request_id,
                        type(exc).__name__)  # fmt: skip

    def _send(self, request_id: str, *, ignore_result: bool) -> str:
        job_id = f"package-{uuid.uuid4().hex}"
        queued_at = self._clock.now().isoformat()
        self._app.send_task(
            PACKAGE_TASK, args=[request_id, queued_at], task_id=job_id, queue=self._queue,
            ignore_result=ignore_result,
        )  # fmt: skip
        return job_id

    def wait(self, job_id: str, timeout: float) -> Outcome:
        result: Any = self._app.AsyncResult(job_id)
        try:
            data = result.get(timeout=timeout, propagate=True)
        except CeleryTimeoutError:
            raise TimeoutError(f"job {job_id} did not finish within {timeout} s") from None
        return dict(data)
