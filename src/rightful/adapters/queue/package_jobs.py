"""Package builds as jobs: run in-process, or by a Celery worker through the same broker and queue
as collection jobs. A job carries only the request id; building is idempotent per request."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from celery import Celery
from celery.exceptions import TimeoutError as CeleryTimeoutError

PACKAGE_TASK = "rightful.package.build"
Outcome = dict[str, Any]

log = logging.getLogger(__name__)


class InlinePackageJobs:
    """submit() builds at once; wait() hands back the outcome or raises the build's error."""

    def __init__(self, run: Callable[[str], Outcome]) -> None:
        self._run = run
        self._outcomes: dict[str, Outcome | BaseException] = {}

    def submit(self, request_id: str) -> str:
        job_id = f"package-{uuid.uuid4().hex}"
        try:
            self._outcomes[job_id] = self._run(request_id)
        except Exception as exc:  # re-raised by wait(), as a worker's failure would be
            self._outcomes[job_id] = exc
        return job_id

    def start(self, request_id: str) -> None:
        """Build now, keeping no outcome (nobody waits for it); a failure is logged, by type
        only, and the request stays where the build left it, to be built again."""
        try:
            self._run(request_id)
        except Exception as exc:
            log.warning("package build for request %s failed (%s)", request_id, type(exc).__name__)

    def wait(self, job_id: str, timeout: float) -> Outcome:
        outcome = self._outcomes.get(job_id)
        if outcome is None:
            raise TimeoutError("no such job was submitted")
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


class CeleryPackageJobs:
    """Sends the build by task name; the worker (entrypoints/worker/package_tasks) runs it."""

    def __init__(self, app: Celery, queue: str) -> None:
        self._app = app
        self._queue = queue

    def submit(self, request_id: str) -> str:
        job_id = f"package-{uuid.uuid4().hex}"
        self._app.send_task(PACKAGE_TASK, args=[request_id], task_id=job_id, queue=self._queue)
        return job_id

    def start(self, request_id: str) -> None:
        """Queue a build nobody waits for; a broker that cannot be reached is logged, and the
        daily jobs start the build later."""
        try:
            self.submit(request_id)
        except Exception as exc:
            log.warning("could not queue a package build for request %s (%s)", request_id,
                        type(exc).__name__)  # fmt: skip

    def wait(self, job_id: str, timeout: float) -> Outcome:
        result: Any = self._app.AsyncResult(job_id)
        try:
            data = result.get(timeout=timeout, propagate=True)
        except CeleryTimeoutError:
            raise TimeoutError(f"job {job_id} did not finish within {timeout} s") from None
        return dict(data)
