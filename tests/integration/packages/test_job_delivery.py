"""A build job delivered late, twice or after the request moved on: at most one package is built
at a time, and a job that must not build says why instead (REQUIREMENTS.md:5, one answer per
request)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from rightful.adapters.db.packages import PackageRow
from rightful.adapters.db.tables import RequestRow
from rightful.adapters.queue.celery import make_celery_app
from rightful.demo.story import hearthly
from rightful.domain.errors import ConflictError
from rightful.domain.lifecycle import Status
from rightful.domain.packages import PackageStatus
from rightful.services.build_heartbeat import STALE_BUILD

from .corrupt import DropsValidityWindows
from .world import REVIEWER, World, make_world

ANNA = 4


def test_a_job_for_a_cancelled_request_builds_nothing_and_says_why(world: World) -> None:
    rid = world.request_for(ANNA)
    world.c.requests.move(rid, Status.CANCELLED, REVIEWER, "the requester withdrew")
    with pytest.raises(ConflictError, match=f"request {rid} is cancelled; no package is built"):
        world.c.packages.build_job(rid)
    assert world.c.packages.for_request(rid) == []


def test_a_redelivered_job_answers_with_the_package_in_review(world: World) -> None:
    rid = world.request_for(ANNA)
    first = world.c.packages.build_job(rid)
    assert world.c.packages.build_job(rid) == first
    assert len(world.c.packages.for_request(rid)) == 1


def test_a_duplicate_job_leaves_a_blocked_package_to_staff(world: World) -> None:
    """Two jobs were queued for one build (two daily jobs, a redelivery); the first one's package
    was blocked by the gate. The second must not build over it: the block waits for staff."""
    rid = world.request_for(5)
    queued_at = world.clock.now()
    world.clock.advance(timedelta(minutes=1))
    first = world.packages_with(DropsValidityWindows()).build_job(rid, queued_at)
    assert first["status"] == PackageStatus.BLOCKED.value
    world.clock.advance(timedelta(minutes=1))
    assert world.c.packages.build_job(rid, queued_at) == first
    assert [p.status for p in world.c.packages.for_request(rid)] == ["blocked"]
    world.clock.advance(timedelta(minutes=1))
    again = world.c.packages.build_job(rid, world.clock.now())  # queued by staff after the block
    assert again["package_id"] != first["package_id"]


def test_a_job_delivered_again_while_its_build_runs_says_so(world: World) -> None:
    """The broker's visibility timeout ran out mid-build and handed the job to a second worker."""
    rid = world.request_for(ANNA)
    queued_at = world.clock.now()
    second: list[BaseException] = []

    def redelivered_meanwhile(*args: Any, **kwargs: Any) -> Any:
        with pytest.raises(ConflictError, match="being built right now") as refused:
            world.c.packages.build_job(rid, queued_at)
        second.append(refused.value)
        yield from world.c.packages.collector(*args, **kwargs)

    first = world.packages_with(redelivered_meanwhile).build_job(rid, queued_at)
    assert len(second) == 1 and first["status"] == PackageStatus.READY.value
    assert len(world.c.packages.for_request(rid)) == 1


def test_a_job_whose_worker_died_mid_build_builds_when_delivered_again(world: World) -> None:
    """Redelivered after the visibility timeout, which outlasts STALE_BUILD (and so the
    heartbeat's cut-off, and any build that still beats): the dead worker's package is failed
    and one new package reaches review."""
    rid = world.request_for(ANNA)

    def breaks(*args: Any, **kwargs: Any) -> Any:
        raise OSError("source went away")
        yield

    with pytest.raises(OSError, match="source went away"):
        world.packages_with(breaks).build_job(rid)  # an earlier build, failed
    [earlier] = world.c.packages.for_request(rid)
    world.clock.advance(timedelta(minutes=1))
    queued_at = world.clock.now()
    with world.c.store.transaction() as session:  # a worker took the job, started, was killed
        session.add(_building_like(earlier, world))
    world.clock.advance(STALE_BUILD + timedelta(minutes=10))
    outcome = world.c.packages.build_job(rid, queued_at)
    assert outcome["status"] == PackageStatus.READY.value
    statuses = sorted(p.status for p in world.c.packages.for_request(rid))
    assert statuses == ["failed", "failed", "ready"]
    assert world.status(rid) is Status.IN_REVIEW
    app = make_celery_app("redis://127.0.0.1:6379/8", "unused")
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    assert visibility > STALE_BUILD.total_seconds(), "redelivered only once the build is lost"


def test_a_request_cancelled_during_its_build_never_reaches_review(world: World) -> None:
    rid = world.request_for(ANNA)

    def cancelled_meanwhile(*args: Any, **kwargs: Any) -> Any:
        world.c.requests.move(rid, Status.CANCELLED, REVIEWER, "the requester withdrew")
        yield from world.c.packages.collector(*args, **kwargs)

    with pytest.raises(ConflictError, match="became cancelled during the build"):
        world.packages_with(cancelled_meanwhile).build_job(rid)
    [package] = world.c.packages.for_request(rid)
    assert package.status == PackageStatus.FAILED.value
    assert world.status(rid) is Status.CANCELLED
    assert not world.c.package_objects.exists(package.object_name)


def test_a_build_declared_lost_while_it_still_ran_never_reaches_review(world: World) -> None:
    """Its heartbeat silent past the cut-off, another worker took the build for lost and marked
    its package failed; the slow original, finishing after all, must not put that package in
    review, nor leave its encrypted object in storage."""
    rid = world.request_for(ANNA)

    def outlived(*args: Any, **kwargs: Any) -> Any:
        with world.c.store.transaction() as session:
            [package] = session.query(PackageRow).filter_by(request_id=rid).all()
            package.status = PackageStatus.FAILED.value
        yield from world.c.packages.collector(*args, **kwargs)

    with pytest.raises(ConflictError, match="was taken for lost during its build"):
        world.packages_with(outlived).build_job(rid)
    [package] = world.c.packages.for_request(rid)
    assert package.status == PackageStatus.FAILED.value
    assert world.status(rid) is Status.COLLECTING
    assert not world.c.package_objects.exists(package.object_name)


@pytest.fixture
def pg_world(pg_url: str, tmp_path: Path) -> Iterator[World]:
    w = make_world(pg_url, tmp_path, hearthly())
    yield w
    w.c.store.engine.dispose()


@pytest.mark.postgres
def test_a_second_delivery_waits_for_the_first_to_start_and_then_builds_nothing(
    pg_world: World,
) -> None:
    """Two workers took the same job for a collecting request (a redelivery): the second one
    sees the first one's build, never starts its own."""
    world = pg_world
    rid = world.request_for(ANNA)

    def breaks(*args: Any, **kwargs: Any) -> Any:
        raise OSError("source went away")
        yield

    with pytest.raises(OSError, match="source went away"):
        world.packages_with(breaks).build_job(rid)  # collecting now, its build failed
    [failed] = world.c.packages.for_request(rid)

    second: list[BaseException | dict[str, Any]] = []

    def deliver_again() -> None:
        try:
            second.append(world.c.packages.build_job(rid))
        except BaseException as exc:
            second.append(exc)

    with world.c.store.transaction() as session:  # the first delivery, starting its build
        session.get(RequestRow, rid, with_for_update=True)
        session.add(_building_like(failed, world))
        session.flush()
        thread = threading.Thread(target=deliver_again)
        thread.start()
        time.sleep(1.0)
    thread.join(timeout=60)
    [outcome] = second
    assert isinstance(outcome, ConflictError), outcome
    assert "being built right now" in str(outcome)
    statuses = sorted(p.status for p in world.c.packages.for_request(rid))
    assert statuses == [PackageStatus.BUILDING.value, PackageStatus.FAILED.value]


def _building_like(failed: PackageRow, world: World) -> PackageRow:
    return PackageRow(
        id="00000000-0000-4000-8000-000000000001", request_id=failed.request_id,
        status=PackageStatus.BUILDING.value, language=failed.language,
        created_at=world.clock.now(), created_by="system",
        subject_pseudonym=failed.subject_pseudonym, object_name="packages/first.rfpk",
        master_key_id=failed.master_key_id, wrapped_key=failed.wrapped_key,
        chunk_size=failed.chunk_size,
    )  # fmt: skip
