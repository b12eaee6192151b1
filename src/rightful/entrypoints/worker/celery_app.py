"""The Celery worker: `celery -A rightful.entrypoints.worker.celery_app worker`."""

from __future__ import annotations

import logging
from typing import Any

from celery.signals import worker_init
from kombu.utils.url import maybe_sanitize_url
from pydantic import ValidationError
from pydantic_settings import SettingsError

from rightful.adapters.queue.celery import COLLECT_TASK, make_celery_app
from rightful.adapters.queue.sealing import job_id_of, open_job
from rightful.domain.errors import ConfigurationError, RightfulError
from rightful.domain.jobs import JobFailedError
from rightful.services.collection_jobs import run_collection_job
from rightful.services.package_keys import package_key_wrapper
from rightful.settings import (
    Settings,
    describe_settings_error,
    describe_validation_error,
    load_settings,
)

BROKER_TRIES = 3

log = logging.getLogger(__name__)


def _settings_or_stop() -> Settings:
    """The settings, or one line saying which one to fix. SystemExit: Celery reports any other
    error raised while it loads this module with a traceback."""
    try:
        return load_settings()
    except ValidationError as exc:
        problem = describe_validation_error(exc)
    except SettingsError as exc:
        problem = describe_settings_error(exc)
    except ConfigurationError as exc:
        problem = str(exc)
    raise SystemExit(f"error: not starting: {problem}")


_settings = _settings_or_stop()
app = make_celery_app(_settings.celery_broker_url.get_secret_value(), _settings.celery_queue)
# The package build task lives beside this module; a worker started on this app runs both.
app.conf.include = ["rightful.entrypoints.worker.package_tasks"]


# A RightfulError is an expected answer (Celery logs it in one line, without a traceback); any
# other error is replaced by one that names the job and the error's type only.
@app.task(name=COLLECT_TASK, throws=(RightfulError,))
def collect_task(job: dict[str, Any]) -> dict[str, Any]:
    """Run one collection job; idempotent, so a redelivered message does no harm. The message
    is opened first: one in clear, or sealed for another job id or changed, is refused."""
    try:
        settings = load_settings()
        collection_job = open_job(job, package_key_wrapper(settings)[0])
        return run_collection_job(collection_job, settings).to_primitive()
    except RightfulError:
        raise
    except Exception as exc:
        raise JobFailedError(
            f"collection job {job_id_of(job)} failed ({type(exc).__name__})"
        ) from None


@worker_init.connect
def refuse_an_unusable_configuration(**_: Any) -> None:
    """A worker that cannot reach its broker or its store, whose store is not at this version's
    schema, or whose data map cannot be loaded, would wait or fail forever: it stops, with one
    line saying what to fix. SystemExit, because Celery logs and ignores any Exception a signal
    handler raises."""
    _require_the_data_map()
    _require_the_broker()
    _require_the_store()


def _require_the_broker() -> None:
    """A few seconds' grace (a broker starting beside the worker), then one line; once running,
    a worker that loses its broker keeps retrying, as Celery does."""
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(
                max_retries=BROKER_TRIES, interval_start=1, interval_step=1, interval_max=2
            )
    except Exception as exc:
        url = maybe_sanitize_url(_settings.celery_broker_url.get_secret_value())
        raise SystemExit(
            f"error: not starting: cannot reach the broker at {url} ({_first_cause(exc)}); "
            "check RIGHTFUL_CELERY_BROKER_URL and that Redis is running"
        ) from None


def _first_cause(exc: BaseException) -> str:
    """The type of the first OS error in the chain (ConnectionRefusedError, socket.gaierror),
    which says more than the broker library's wrappers around it."""
    found: BaseException | None = exc
    while found is not None and not isinstance(found, OSError):
        found = found.__cause__ or found.__context__
    return type(found or exc).__name__


def _require_the_store() -> None:
    from rightful.bootstrap import get_container
    from rightful.services.setup import check_store

    c = get_container()
    try:
        check_store(c)
    except ConfigurationError as exc:
        raise SystemExit(f"error: not starting: {exc}") from None
    finally:
        if "store" in c.__dict__:  # the pool children would inherit: each connects on its own
            c.store.engine.dispose()


def _require_the_data_map() -> None:
    if not _settings.datamap_files:
        return  # collection jobs name their own data map files
    from rightful.bootstrap import get_container
    from rightful.services.setup import check_configuration

    try:
        warnings = check_configuration(get_container())
    except ConfigurationError as exc:
        raise SystemExit(f"error: not starting: {exc}") from None
    for warning in warnings:
        log.warning("%s", warning)
