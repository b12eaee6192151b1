"""The Celery worker's edges: it refuses to start without its broker, in one line, and a failed
job leaves ids and error types in its log and result, never what the error quoted."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from rightful.adapters.db.base import Base, make_engine
from rightful.adapters.db.migrate import head_revision, upgrade
from rightful.bootstrap import Container, set_container
from rightful.demo import DemoEstate, seed_demo
from rightful.domain.clock import FixedClock
from rightful.domain.errors import ConflictError
from rightful.domain.jobs import JobFailedError
from rightful.domain.lifecycle import Status
from rightful.entrypoints.worker.package_tasks import package_task
from rightful.settings import Settings

from .celery_worker import running_worker, settings_for
from .world import REVIEWER, T0, World, prepare_request

REDIS_URL = "redis://127.0.0.1:6379/8"  # a database of its own: tests never touch db 0
NO_BROKER = "redis://127.0.0.1:18103/8"  # a port nothing listens on
ANNA = 4


def start_worker(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    """Start a worker with these RIGHTFUL_ variables (and a broker nothing listens on); it is
    expected to stop by itself."""
    (tmp_path / "none.toml").write_text("")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("RIGHTFUL_")},
        "RIGHTFUL_CONFIG": str(tmp_path / "none.toml"),
        "RIGHTFUL_DATA_DIR": str(tmp_path),
        "RIGHTFUL_QUEUE_BACKEND": "celery",
        "RIGHTFUL_CELERY_BROKER_URL": NO_BROKER,
        **{f"RIGHTFUL_{k.upper()}": v for k, v in variables.items()},
    }
    return subprocess.run(
        [sys.executable, "-m", "celery", "-A", "rightful.entrypoints.worker.celery_app",
         "worker", "--pool=solo", "--without-gossip", "--without-mingle", "--without-heartbeat",
         "--loglevel=WARNING"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def error_lines(done: subprocess.CompletedProcess[str]) -> list[str]:
    assert done.returncode != 0
    assert "Traceback" not in done.stderr, done.stderr
    return [line for line in done.stderr.splitlines() if line.startswith("error:")]


def test_a_worker_without_its_broker_stops_with_one_line(tmp_path: Path) -> None:
    assert error_lines(start_worker(tmp_path)) == [
        f"error: not starting: cannot reach the broker at {NO_BROKER} (ConnectionRefusedError); "
        "check RIGHTFUL_CELERY_BROKER_URL and that Redis is running"
    ]


@pytest.mark.parametrize(
    ("variables", "line"),
    [
        ({"queue_backend": "bogus"},
         "error: not starting: invalid setting queue_backend: Input should be 'inline' or "
         "'celery' (check RIGHTFUL_* variables or the TOML file)"),
        ({"sources": "crm"},
         "error: not starting: cannot read RIGHTFUL_SOURCES: give a JSON object such as "
         """RIGHTFUL_SOURCES='{"name": "value"}', or one key at a time as """
         "RIGHTFUL_SOURCES__NAME=value"),
        ({"config": "/nonexistent/rightful.toml"},
         "error: not starting: RIGHTFUL_CONFIG names /nonexistent/rightful.toml, which does "
         "not exist; fix the path or unset RIGHTFUL_CONFIG"),
    ],
)  # fmt: skip
def test_a_worker_with_a_broken_setting_stops_with_one_line(
    tmp_path: Path, variables: dict[str, str], line: str
) -> None:
    assert error_lines(start_worker(tmp_path, **variables)) == [line]


def store_at(url: str, revision: str | None) -> str:
    """The store at `url` migrated, then recorded at `revision` (None: left empty)."""
    if revision is None:
        return url
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    engine.dispose()
    return url


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.parametrize(
    ("revision", "says"),
    [
        ("0099_from_a_later_version",
         "is at schema revision 0099_from_a_later_version, which this version of rightful does "
         "not know (its newest is {head}): a newer rightful migrated it; run that version"),
        ("0021_build_heartbeat",
         "is at schema revision 0021_build_heartbeat, older than this version's {head}; run "
         "`rightful init` to migrate it"),
        (None, "has no schema yet; run `rightful init`"),
    ],
)  # fmt: skip
def test_a_worker_refuses_a_store_without_this_versions_schema_in_one_line(
    tmp_path: Path, pg_url: str, revision: str | None, says: str
) -> None:
    """It started, and failed every build job it was given (or ran them on a schema it does
    not know); it migrates nothing itself, as a server does not while others use the store."""
    done = start_worker(tmp_path, database_url=store_at(pg_url, revision),
                        celery_broker_url=REDIS_URL)  # fmt: skip
    assert error_lines(done) == [
        f"error: not starting: the store at {pg_url} {says.format(head=head_revision())}"
    ]


@pytest.mark.redis
def test_a_worker_that_cannot_reach_its_store_stops_with_one_line(tmp_path: Path) -> None:
    url = "postgresql+psycopg://rightful:secret@127.0.0.1:18104/rightful"  # nothing listens
    [line] = error_lines(start_worker(tmp_path, database_url=url, celery_broker_url=REDIS_URL))
    assert line.startswith(
        "error: not starting: cannot reach the store at "
        "postgresql+psycopg://rightful:***@127.0.0.1:18104/rightful (OperationalError: "
    ), line
    assert line.endswith("; check RIGHTFUL_DATABASE_URL") and "secret" not in line


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


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> DemoEstate:
    return seed_demo(tmp_path_factory.mktemp("estate"))


@pytest.fixture
def worker_log(estate: DemoEstate, tmp_path: Path) -> Iterator[tuple[Settings, Path]]:
    """A real worker on a queue of its own (Redis database 8), its log in a file."""
    settings = settings_for(estate, tmp_path, f"rightful-h8-{uuid.uuid4().hex[:8]}", REDIS_URL)
    log = tmp_path / "worker.log"
    with log.open("w") as out, running_worker(settings, estate, tmp_path, out=out, loglevel="INFO"):
        yield settings, log


@pytest.mark.redis
def test_a_worker_refuses_a_job_for_a_cancelled_request_in_one_line(
    worker_log: tuple[Settings, Path],
) -> None:
    settings, log = worker_log
    c = Container(settings=settings, clock=FixedClock(T0))
    Base.metadata.create_all(c.store.engine)
    rid = prepare_request(c, customer_id=5, email="carl.old@mailbox.example")
    c.requests.move(rid, Status.CANCELLED, REVIEWER, "withdrawn")
    jobs = c.package_jobs
    with pytest.raises(ConflictError, match=f"request {rid} is cancelled; no package is built"):
        jobs.wait(jobs.submit(rid), timeout=60)
    assert c.packages.for_request(rid) == []
    deadline = time.monotonic() + 20  # the worker logs just after it stored the result
    while "raised expected: ConflictError" not in (written := log.read_text()):
        assert time.monotonic() < deadline, written
        time.sleep(0.1)
    assert "Traceback" not in written
    assert "carl" not in written
