"""A build lost with its worker is told from a long one by its heartbeat, not its age: it is built
again minutes after it stopped beating, never while it still beats, and a build that outlived
its cut-off neither answers the request nor leaves its encrypted object behind (REQUIREMENTS.md:5,
one answer per request)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from rightful.adapters.db.packages import PackageRow
from rightful.demo.story import hearthly
from rightful.domain.errors import ConflictError
from rightful.domain.lifecycle import Status
from rightful.domain.packages import PackageStatus

from .test_collection_start import crashed_build, verified
from .world import AGENT, World, make_world

ANNA = 4


@pytest.fixture
def quick(tmp_path: Path) -> Iterator[World]:
    """A world whose builds count as lost after one silent second (a beat every 0.1 s)."""
    w = make_world(f"sqlite:///{tmp_path}/rightful.db", tmp_path, hearthly(),
                   build_lost_after_seconds=1)  # fmt: skip
    yield w
    w.c.store.engine.dispose()


def test_a_build_that_stopped_beating_is_built_again_after_the_cut_off_and_not_before(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    rid = verified(world, 1)
    crashed_build(world, rid, monkeypatch)
    lost = world.c.packages.current(rid)
    with world.c.package_objects.writer(lost.object_name) as out:  # stored before it died
        out.write(b"sealed bytes of a package nobody will review")
    cut_off = timedelta(seconds=world.c.settings.build_lost_after_seconds)

    world.clock.advance(cut_off - timedelta(seconds=1))
    with pytest.raises(ConflictError, match="being built right now"):
        world.c.packages.build(rid, AGENT)
    assert world.c.packages.get(lost.id).status == PackageStatus.BUILDING.value

    world.clock.advance(timedelta(seconds=1))
    rebuilt = world.c.packages.build(rid, AGENT)
    assert rebuilt.status == PackageStatus.READY.value
    assert world.c.packages.get(lost.id).status == PackageStatus.FAILED.value
    assert not world.c.package_objects.exists(lost.object_name)
    assert world.status(rid) is Status.IN_REVIEW
    [declared] = [e for e in world.c.audit.timeline(rid) if e.action == "package.build_lost"]
    assert declared.summary == {"package_id": lost.id, "error": "BuildLost",
                                "silent_seconds": int(cut_off.total_seconds())}  # fmt: skip
    assert declared.actor == AGENT.id


BEATING_WORKER = """
import sys, time
from datetime import timedelta
from rightful.adapters.db.base import Store, make_engine
from rightful.domain.clock import SystemClock
from rightful.services.build_heartbeat import Heartbeat

store = Store(make_engine(sys.argv[1]))
with Heartbeat(store, SystemClock(), sys.argv[2], timedelta(seconds=float(sys.argv[3]))):
    print("beating", flush=True)
    time.sleep(600)
"""


def test_a_worker_process_killed_mid_build_is_built_again_once_its_heartbeat_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real second process beats for a build (0.3 s apart), then is killed with SIGKILL:
    while it beats, nobody builds over it; once its last beat is older than the cut-off (3 s,
    so that a busy machine delaying a beat does not count as a death), staff can."""
    world = make_world(f"sqlite:///{tmp_path}/rightful.db", tmp_path, hearthly(),
                       build_lost_after_seconds=3)  # fmt: skip
    world.clock.set(datetime.now(UTC))  # the worker beats on the system clock
    rid = verified(world, 1)
    crashed_build(world, rid, monkeypatch)
    building = world.c.packages.current(rid)
    url = f"sqlite:///{tmp_path}/rightful.db"
    worker = subprocess.Popen([sys.executable, "-c", BEATING_WORKER, url, building.id, "3"],
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert worker.stdout is not None and worker.stdout.readline() == "beating\n"
        time.sleep(4)  # longer than the cut-off: only the beats keep it alive
        world.clock.set(datetime.now(UTC))
        with pytest.raises(ConflictError, match="being built right now"):
            world.c.packages.build(rid, AGENT)
    finally:
        worker.kill()
        worker.wait(timeout=30)
    time.sleep(4)
    world.clock.set(datetime.now(UTC))
    assert world.c.packages.build(rid, AGENT).status == PackageStatus.READY.value
    assert world.c.packages.get(building.id).status == PackageStatus.FAILED.value
    assert world.actions(rid).count("package.build_lost") == 1
    world.c.store.engine.dispose()


def test_a_long_build_that_keeps_beating_is_never_taken_for_lost(quick: World) -> None:
    """Older than its cut-off, yet beating: a second worker must not build over it."""
    world = quick
    rid = world.request_for(ANNA)
    second: list[BaseException] = []

    def slow(*args: Any, **kwargs: Any) -> Any:
        world.clock.advance(timedelta(minutes=30))  # far past the cut-off since it began
        time.sleep(0.5)  # the heartbeat writes the new time meanwhile
        with pytest.raises(ConflictError, match="being built right now") as refused:
            world.c.packages.build_job(rid)
        second.append(refused.value)
        yield from world.c.packages.collector(*args, **kwargs)

    outcome = world.packages_with(slow).build_job(rid)
    assert outcome["status"] == PackageStatus.READY.value and len(second) == 1
    [package] = world.c.packages.for_request(rid)
    assert package.heartbeat_at is not None and package.heartbeat_at > package.created_at


def test_an_outlived_build_stops_and_leaves_the_rebuild_and_no_object_behind(
    quick: World,
) -> None:
    """The worker froze (a paused VM) past the cut-off; staff built again meanwhile. When it
    wakes, its heartbeat finds its package failed: it stops at its next record, and the rebuild
    stays the request's answer."""
    world = quick
    rid = world.request_for(ANNA)
    rebuilt: list[PackageRow] = []

    def frozen(*args: Any, **kwargs: Any) -> Any:
        with world.c.store.transaction() as session:
            [package] = session.query(PackageRow).filter_by(request_id=rid).all()
            package.heartbeat_at = world.clock.now() - timedelta(seconds=2)  # silent too long
        rebuilt.append(world.c.packages.build(rid, AGENT))
        time.sleep(0.5)  # it wakes: its next beat finds no package building
        yield from world.c.packages.collector(*args, **kwargs)

    with pytest.raises(ConflictError, match="was taken for lost during its build"):
        world.packages_with(frozen).build_job(rid)
    [replacement] = rebuilt
    outlived = next(p for p in world.c.packages.for_request(rid) if p.id != replacement.id)
    assert outlived.status == PackageStatus.FAILED.value
    assert not world.c.package_objects.exists(outlived.object_name)
    assert world.c.packages.current(rid).id == replacement.id
    assert world.c.packages.get(replacement.id).status == PackageStatus.READY.value
    assert world.status(rid) is Status.IN_REVIEW
    assert world.actions(rid).count("package.build_lost") == 1
    assert "package.build_failed" not in world.actions(rid)


def test_the_heartbeat_leaves_the_package_version_alone(store_world: World) -> None:
    """A beat never makes a concurrent writer of the package (its conclusion, a worker taking
    it for lost) fail on a moved version; on SQLite and PostgreSQL."""
    from rightful.services.build_heartbeat import Heartbeat

    world = store_world
    rid = world.request_for(ANNA)
    package = world.c.packages.build(rid, AGENT)
    beat = Heartbeat(world.c.store, world.c.clock, package.id, timedelta(minutes=5))
    assert not beat.beat()  # ready, not building: nothing written
    with world.c.store.transaction() as session:
        row = session.get(PackageRow, package.id)
        assert row is not None
        row.status = PackageStatus.BUILDING.value
    before = world.c.packages.get(package.id).version
    world.clock.advance(timedelta(minutes=1))
    assert beat.beat()
    after = world.c.packages.get(package.id)
    assert after.version == before and after.heartbeat_at == world.clock.now()


def test_jobs_builds_rebuilds_a_lost_build_and_package_show_says_it_was_lost(
    cli: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cron-sized job an operator runs every few minutes; staff see why the package failed."""
    from typer.testing import CliRunner

    from rightful.entrypoints.cli.main import app

    world = cli
    rid = verified(world, 1)
    crashed_build(world, rid, monkeypatch)
    lost = world.c.packages.current(rid)
    monkeypatch.setattr(world.c.settings, "collect_when_verified", True)

    world.clock.advance(timedelta(minutes=4))
    ran = CliRunner().invoke(app, ["jobs", "builds"])
    assert ran.exit_code == 0, ran.output
    assert "0 requests started collecting" in ran.output

    world.clock.advance(timedelta(minutes=1))
    ran = CliRunner().invoke(app, ["jobs", "builds"])
    assert ran.exit_code == 0, ran.output
    assert "1 request started collecting" in ran.output
    world.c.package_jobs.drain()  # type: ignore[attr-defined]
    assert world.status(rid) is Status.IN_REVIEW

    shown = CliRunner().invoke(app, ["package", "show", lost.id])
    assert shown.exit_code == 0, shown.output
    assert "the build failed with BuildLost" in shown.output
    assert "rightful package list" in shown.output
    assert "build again" not in shown.output  # the newer build already answers the request
