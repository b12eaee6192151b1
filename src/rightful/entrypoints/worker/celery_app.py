"""The Celery worker: `celery -A rightful.entrypoints.worker.celery_app worker`."""

from __future__ import annotations

from typing import Any

from celery.signals import worker_init

from rightful.adapters.queue.celery import COLLECT_TASK, make_celery_app
from rightful.domain.errors import ConfigurationError
from rightful.domain.jobs import CollectionJob
from rightful.services.collection_jobs import run_collection_job
from rightful.settings import load_settings

_settings = load_settings()
app = make_celery_app(_settings.celery_broker_url.get_secret_value(), _settings.celery_queue)
# The package build task lives beside this module; a worker started on this app runs both.
app.conf.include = ["rightful.entrypoints.worker.package_tasks"]


@app.task(name=COLLECT_TASK)
def collect_task(job: dict[str, Any]) -> dict[str, Any]:
    """Run one collection job; idempotent, so a redelivered message does no harm."""
    return run_collection_job(CollectionJob.from_primitive(job), load_settings()).to_primitive()


@worker_init.connect
def refuse_an_unusable_data_map(**_: Any) -> None:
    """A worker whose data map cannot be loaded would fail every build: it stops before it
    connects, with one line saying what to fix. SystemExit, because Celery logs and ignores
    any Exception a signal handler raises."""
    if not _settings.datamap_files:
        return  # collection jobs name their own data map files
    from rightful.bootstrap import get_container
    from rightful.services.setup import check_configuration

    try:
        check_configuration(get_container())
    except ConfigurationError as exc:
        raise SystemExit(f"error: not starting: {exc}") from None
