"""The Celery worker's edges: it refuses to start without its broker, in one line, and a failed
job leaves ids and error types in its log and result, never what the error quoted."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from rightful.bootstrap import set_container
from rightful.domain.errors import ConflictError
from rightful.domain.jobs import JobFailedError
from rightful.domain.lifecycle import Status
from rightful.entrypoints.worker.package_tasks import package_task

from .world import REVIEWER, World

NO_BROKER = "redis://127.0.0.1:18103/8"  # h8's own port: nothing listens there
ANNA = 4


def test_a_worker_without_its_broker_stops_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "none.toml").write_text("")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("RIGHTFUL_")},
        "RIGHTFUL_CONFIG": str(tmp_path / "none.toml"),
        "RIGHTFUL_DATA_DIR": str(tmp_path),
        "RIGHTFUL_QUEUE_BACKEND": "celery",
        "RIGHTFUL_CELERY_BROKER_URL": NO_BROKER,
    }
    done = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "rightful.entrypoints.worker.celery_app",
         "worker", "--pool=solo", "--without-gossip", "--without-mingle", "--without-heartbeat",
         "--loglevel=WARNING"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert lines == [
        f"error: not starting: cannot reach the broker at {NO_BROKER} (ConnectionRefusedError); "
        "check RIGHTFUL_CELERY_BROKER_URL and that Redis is running"
    ], done.stderr


@pytest.fixture
def worker_world(world: World) -> Any:
    set_container(world.c)
    yield world
    set_container(None)


def test_a_failed_build_job_reports_its_request_and_the_error_type_only(
    worker_world: World, caplog: pytest.LogCaptureFixture
) -> None:
    world = worker_world
    rid = world.request_for(ANNA)

    def breaks(*args: Any, **kwargs: Any) -> Any:
        raise OSError("no row for anna.meyer@example.org")
        yield

    world.c.packages = world.packages_with(breaks)  # type: ignore[misc]
    with caplog.at_level(logging.INFO):
        result = package_task.apply(args=[rid])
    assert isinstance(result.result, JobFailedError)
    assert str(result.result) == (
        f"the build job for request {rid} failed (OSError); `rightful package list {rid}` "
        "shows its failed package"
    )
    assert "anna" not in (result.traceback or "")
    assert "anna" not in caplog.text


def test_a_job_for_a_cancelled_request_is_an_expected_refusal(
    worker_world: World, caplog: pytest.LogCaptureFixture
) -> None:
    world = worker_world
    rid = world.request_for(ANNA)
    world.c.requests.move(rid, Status.CANCELLED, REVIEWER, "withdrawn")
    with caplog.at_level(logging.INFO):
        result = package_task.apply(args=[rid])
    assert isinstance(result.result, ConflictError)
    assert "is cancelled; no package is built" in str(result.result)
    assert "Traceback" not in caplog.text
