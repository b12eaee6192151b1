"""The package build task, on the same Celery app as collection jobs.

Workers started with `celery -A rightful.entrypoints.worker.celery_app worker` run it too.
"""

from __future__ import annotations

from typing import Any

from rightful.adapters.queue.package_jobs import PACKAGE_TASK
from rightful.bootstrap import get_container
from rightful.entrypoints.worker.celery_app import app

__all__ = ["app", "package_task"]


@app.task(name=PACKAGE_TASK)
def package_task(request_id: str) -> dict[str, Any]:
    """Build (or return the finished) package of a request; a redelivered message does no harm."""
    return get_container().packages.build_job(request_id)
