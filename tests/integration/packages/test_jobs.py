"""A package build as a job: in-process by default, and on a real Celery worker (Redis broker)."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rightful.adapters.db.base import Base
from rightful.adapters.queue.celery import make_celery_app
from rightful.adapters.queue.package_jobs import CeleryPackageJobs
from rightful.bootstrap import Container
from rightful.demo import DemoEstate, expected_records, seed_demo
from rightful.domain.clock import FixedClock
from rightful.domain.errors import ConfigurationError
from rightful.domain.lifecycle import Status
from rightful.settings import Settings

from .celery_worker import running_worker
from .celery_worker import settings_for as worker_settings
from .world import World, packaged_records, prepare_request

REDIS_URL = "redis://127.0.0.1:6379/6"  # a database of its own: tests never touch db 0


def test_an_inline_job_builds_once_and_answers_a_repeat_with_the_same_package(
    world: World,
) -> None:
    rid = world.request_for(4)
    jobs = world.c.package_jobs
    first = jobs.wait(jobs.submit(rid), timeout=5)
    assert first["status"] == "ready" and world.status(rid) is Status.IN_REVIEW
    again = jobs.wait(jobs.submit(rid), timeout=5)
    assert again == first and len(world.c.packages.for_request(rid)) == 1


NO_BROKER = "redis://:secret@127.0.0.1:18105/6"  # a port nothing listens on


def test_with_its_broker_down_a_started_build_gives_up_at_once_and_a_queued_one_is_one_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """start() runs while a requester confirms their code: it waited 19 s for the result store's
    twenty reconnects, for a result nobody reads. `package build --queued` (submit) waited as
    long, then ended in a RuntimeError traceback."""
    jobs = CeleryPackageJobs(make_celery_app(NO_BROKER, "rightful-down"), "rightful-down")
    began = time.monotonic()
    with caplog.at_level(logging.WARNING):
        jobs.start("r-1")
    assert time.monotonic() - began < 5
    assert "could not queue a package build for request r-1 (OperationalError)" in caplog.text
    with pytest.raises(ConfigurationError) as refused:
        jobs.submit("r-1")
    assert str(refused.value) == (
        "cannot queue the build of request r-1: the broker at redis://:**@127.0.0.1:18105/6 "
        "cannot be reached (OperationalError); check RIGHTFUL_CELERY_BROKER_URL and that Redis "
        "is running"
    )


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> DemoEstate:
    return seed_demo(tmp_path_factory.mktemp("estate"))


def settings_for(estate: DemoEstate, data_dir: Path, queue: str) -> Settings:
    return worker_settings(estate, data_dir, queue, REDIS_URL)


@pytest.fixture
def worker(estate: DemoEstate, tmp_path: Path) -> Iterator[Settings]:
    """A real worker process for collection and package tasks, on a queue of its own."""
    settings = settings_for(estate, tmp_path, f"rightful-pkg-test-{uuid.uuid4().hex[:8]}")
    with running_worker(settings, estate, tmp_path):
        yield settings


@pytest.mark.redis
def test_a_celery_worker_builds_the_package(estate: DemoEstate, worker: Settings) -> None:
    c = Container(settings=worker, clock=FixedClock(datetime(2026, 3, 2, tzinfo=UTC)))
    Base.metadata.create_all(c.store.engine)
    rid = prepare_request(c, customer_id=5, email="carl.old@mailbox.example")
    jobs = c.package_jobs
    assert isinstance(jobs, CeleryPackageJobs)
    outcome = jobs.wait(jobs.submit(rid), timeout=60)
    assert outcome["status"] == "ready"
    fake = World(c, FixedClock(datetime(2026, 3, 2, tzinfo=UTC)), None)  # type: ignore[arg-type]
    assert packaged_records(fake, outcome["package_id"]) == expected_records(estate, 5)
    assert Status(c.requests.get(rid).status) is Status.IN_REVIEW
    app = make_celery_app(REDIS_URL, worker.celery_queue)
    assert app.conf.task_acks_late, "a worker lost mid-build gives the job back"


@pytest.mark.redis
def test_a_verified_request_is_built_by_a_worker_without_anyone_asking(
    estate: DemoEstate, worker: Settings
) -> None:
    """With Celery, verification only queues the build; the worker collects and gates it, and
    the request reaches review."""
    auto = worker.model_copy(update={"collect_when_verified": True})
    c = Container(settings=auto, clock=FixedClock(datetime(2026, 3, 2, tzinfo=UTC)))
    Base.metadata.create_all(c.store.engine)
    rid = prepare_request(c, customer_id=5, email="carl.old@mailbox.example")
    deadline = time.monotonic() + 60
    while Status(c.requests.get(rid).status) is not Status.IN_REVIEW:
        assert time.monotonic() < deadline, "the worker never built the package"
        time.sleep(0.1)
    package = c.packages.current(rid)
    fake = World(c, FixedClock(datetime(2026, 3, 2, tzinfo=UTC)), None)  # type: ignore[arg-type]
    assert package.status == "ready"
    assert packaged_records(fake, package.id) == expected_records(estate, 5)
