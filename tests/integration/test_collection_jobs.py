"""A collection run as a job: inline by default, on a real Celery worker with the Redis broker."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rightful.adapters.queue.sealing import seal_job
from rightful.demo import DemoEstate, expected_records, seed_demo
from rightful.domain.errors import ConflictError
from rightful.domain.identities import normalise
from rightful.domain.jobs import CollectionJob, JobFailedError
from rightful.domain.provenance import SubjectKey
from rightful.domain.sensitivity import Sensitivity
from rightful.services.collection_jobs import job_queue, output_paths, run_collection_job
from rightful.services.package_keys import package_key_wrapper
from rightful.settings import Settings, load_settings

from .packages.celery_worker import running_worker
from .packages.celery_worker import settings_for as worker_settings

REDIS_URL = "redis://127.0.0.1:6379/5"  # a database of its own: tests never touch db 0


def job_for(estate: DemoEstate, customer: int, **kw: Any) -> CollectionJob:
    email = normalise("email", estate.customer(customer).email)
    return CollectionJob(
        f"job-{uuid.uuid4().hex[:12]}",
        tuple(map(str, estate.datamap_files)),
        (email,),
        SubjectKey("accounts.customers", customer),
        **kw,
    )


def settings_for(estate: DemoEstate, data_dir: Path, **kw: object) -> Settings:
    return load_settings(**{"data_dir": data_dir, "sources": estate.dsns, **kw})


def read_records(path: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> DemoEstate:
    return seed_demo(tmp_path_factory.mktemp("estate"))


def test_an_inline_job_writes_the_records_with_provenance(
    estate: DemoEstate, tmp_path: Path
) -> None:
    settings = settings_for(estate, tmp_path)
    queue = job_queue(settings)
    job = job_for(estate, 4)
    queue.submit(job)
    outcome = queue.wait(job.job_id, timeout=5)
    records_path, _ = output_paths(settings, job.job_id)
    assert outcome.records_path == str(records_path)
    lines = read_records(outcome.records_path)
    assert {(r["collection"], tuple(r["key"])) for r in lines} == expected_records(estate, 4)
    assert outcome.records == len(lines)
    assert outcome.counts["speaker.recordings"] == 4
    recording = next(r for r in lines if r["collection"] == "speaker.recordings")
    assert recording["blobs"][0]["uri"].startswith("blob://recordings/D-1003/")
    assert recording["chain"][-1]["window"]["valid_until"] == "2022-03-01T00:00:00+00:00"
    assert recording["subject"] == {"collection": "accounts.customers", "value": 4}


def test_rerunning_a_job_returns_the_same_outcome_without_collecting_again(
    estate: DemoEstate, tmp_path: Path
) -> None:
    settings = settings_for(estate, tmp_path)
    job = job_for(estate, 1)
    first = run_collection_job(job, settings)
    written = Path(first.records_path).read_bytes()
    broken = settings_for(estate, tmp_path, sources={})  # would fail if it collected again
    assert run_collection_job(job, broken) == first
    assert Path(first.records_path).read_bytes() == written
    assert sorted(p.name for p in (tmp_path / "collections").iterdir()) == [
        f"{job.job_id}.json",
        f"{job.job_id}.jsonl",
    ]


def test_a_job_at_standard_level_leaves_recordings_for_step_up(
    estate: DemoEstate, tmp_path: Path
) -> None:
    outcome = run_collection_job(
        job_for(estate, 1, max_sensitivity=Sensitivity.STANDARD), settings_for(estate, tmp_path)
    )
    assert outcome.withheld == ("speaker.recordings",)
    assert "speaker.recordings" not in outcome.counts


def test_a_failing_job_leaves_no_output(estate: DemoEstate, tmp_path: Path) -> None:
    settings = settings_for(estate, tmp_path)
    job = CollectionJob(
        "job-wrong-subject",
        tuple(map(str, estate.datamap_files)),
        (normalise("email", "carl@example.com"),),
        SubjectKey("accounts.customers", 5),
    )
    queue = job_queue(settings)
    queue.submit(job)
    with pytest.raises(ConflictError):
        queue.wait(job.job_id, timeout=5)
    assert not (tmp_path / "collections").exists() or not any((tmp_path / "collections").iterdir())


def test_a_worker_reports_an_unexpected_failure_by_job_id_and_error_type_only(
    estate: DemoEstate, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from rightful.entrypoints.worker import celery_app as worker

    job = job_for(estate, 5)
    email = job.identities[0].value

    def breaks(*_: object) -> None:
        raise OSError(f"no row for {email}")

    monkeypatch.setattr(worker, "run_collection_job", breaks)
    monkeypatch.setenv("RIGHTFUL_DATA_DIR", str(tmp_path))  # the worker's master key is there
    keys, _ = package_key_wrapper(load_settings())
    result = worker.collect_task.apply(args=[seal_job(job, keys)])
    assert isinstance(result.result, JobFailedError)
    assert str(result.result) == f"collection job {job.job_id} failed (OSError)"
    assert email not in (result.traceback or "")


def test_jobs_round_trip_through_their_message_form(estate: DemoEstate) -> None:
    job = job_for(estate, 6, max_sensitivity=Sensitivity.HIGH)
    assert CollectionJob.from_primitive(json.loads(json.dumps(job.to_primitive()))) == job


@pytest.fixture
def celery_worker(estate: DemoEstate, tmp_path: Path) -> Iterator[Settings]:
    """A real worker process on a queue of its own, against Redis database 5."""
    settings = worker_settings(estate, tmp_path, f"rightful-test-{uuid.uuid4().hex[:8]}", REDIS_URL)
    with running_worker(settings, estate, tmp_path):
        yield settings


@pytest.mark.redis
def test_a_celery_worker_runs_the_job(estate: DemoEstate, celery_worker: Settings) -> None:
    queue = job_queue(celery_worker)
    job = job_for(estate, 5)
    queue.submit(job)
    outcome = queue.wait(job.job_id, timeout=60)
    lines = read_records(outcome.records_path)
    assert {(r["collection"], tuple(r["key"])) for r in lines} == expected_records(estate, 5)
    queue.submit(job)  # a redelivered job finds its outcome and does not collect again
    assert queue.wait(job.job_id, timeout=60) == outcome


@pytest.mark.redis
def test_a_failing_celery_job_reports_its_error(
    estate: DemoEstate, celery_worker: Settings
) -> None:
    queue = job_queue(celery_worker)
    job = CollectionJob(
        f"job-{uuid.uuid4().hex[:12]}",
        tuple(map(str, estate.datamap_files)),
        (normalise("email", "carl@example.com"),),
        SubjectKey("accounts.customers", 5),
    )
    queue.submit(job)
    with pytest.raises(ConflictError):
        queue.wait(job.job_id, timeout=60)
