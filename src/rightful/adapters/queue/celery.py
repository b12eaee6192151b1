"""CeleryJobQueue: collection jobs on Celery workers through the Redis broker."""

from __future__ import annotations

from typing import Any

from celery import Celery
from celery.exceptions import TimeoutError as CeleryTimeoutError
from kombu import Connection

from rightful.adapters.queue.sealing import seal_job
from rightful.domain.jobs import CollectionJob, JobOutcome
from rightful.domain.package_ports import KeyWrapper

COLLECT_TASK = "rightful.collection.run"
VISIBILITY_TIMEOUT = 6 * 3600 + 15 * 60  # seconds


def make_celery_app(broker_url: str, queue: str) -> Celery:
    """A Celery app for rightful's jobs: late acks, one task at a time, JSON only."""
    app = Celery("rightful", broker=broker_url, backend=broker_url)
    app.conf.update(
        task_default_queue=queue,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        # A job is acknowledged only when it finished: a worker lost mid-run gives it back.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        # Redis hands an unacknowledged job to another worker after this long, whether or not
        # the first worker still runs it: so it outlasts the longest build (STALE_BUILD, six
        # hours, services/packaging.py), and a job comes back only once its build is lost. A
        # build lost with its worker is noticed much sooner, by its silent heartbeat
        # (`build_lost_after_seconds`): `rightful jobs daily` (or `jobs builds`, every few
        # minutes) and a staff build start it again then, without waiting for this.
        broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT},
        result_expires=7 * 24 * 3600,
        broker_connection_retry_on_startup=True,
    )
    return app


def ping_broker(broker_url: str, timeout: float) -> None:
    """Connect to the broker once, within `timeout` seconds; the transport's error otherwise
    (its message may name the URL: callers show its type only)."""
    with Connection(broker_url, connect_timeout=timeout,
                    transport_options={"socket_timeout": timeout}) as connection:  # fmt: skip
        connection.ensure_connection(max_retries=0, timeout=timeout)


class CeleryJobQueue:
    """Sends jobs by task name (the worker owns the task), waits on the result backend. The
    identities and subject travel sealed under `keys` (sealing.py); the worker opens them."""

    def __init__(self, app: Celery, queue: str, keys: KeyWrapper) -> None:
        self._app = app
        self._queue = queue
        self._keys = keys

    def submit(self, job: CollectionJob) -> None:
        """Enqueue the job under its own id (re-sending an id reuses the same output)."""
        self._app.send_task(
            COLLECT_TASK,
            args=[seal_job(job, self._keys)],
            task_id=job.job_id,
            queue=self._queue,
        )

    def wait(self, job_id: str, timeout: float) -> JobOutcome:
        """The job's outcome; TimeoutError after `timeout`, the job's error if it failed."""
        result: Any = self._app.AsyncResult(job_id)
        try:
            data = result.get(timeout=timeout, propagate=True)
        except CeleryTimeoutError:
            raise TimeoutError(f"job {job_id} did not finish within {timeout} s") from None
        return JobOutcome.from_primitive(data)
