"""The package build task, on the same Celery app as collection jobs.

Workers started with `celery -A rightful.entrypoints.worker.celery_app worker` run it too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rightful.adapters.queue.package_jobs import PACKAGE_TASK
from rightful.bootstrap import get_container
from rightful.domain.errors import RightfulError
from rightful.domain.jobs import JobFailedError
from rightful.entrypoints.worker.celery_app import app

__all__ = ["app", "package_task"]


# A RightfulError (a closed request, a build already running) is an expected answer: Celery logs
# it in one line without a traceback, and the caller gets it back as it was raised.
@app.task(name=PACKAGE_TASK, throws=(RightfulError,))
def package_task(request_id: str, queued_at: str | None = None) -> dict[str, Any]:
    """Build (or return the finished) package of a request; a redelivered message does no harm.
    `queued_at` (ISO 8601) is absent from messages queued before it was added."""
    since = datetime.fromisoformat(queued_at) if queued_at else None
    try:
        return get_container().packages.build_job(request_id, since)
    except RightfulError:
        raise
    except Exception as exc:
        raise JobFailedError(
            f"the build job for request {request_id} failed ({type(exc).__name__}); "
            f"`rightful package list {request_id}` shows its failed package"
        ) from None
