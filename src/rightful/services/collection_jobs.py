"""A collection run as a job: the same function runs inline or inside a Celery worker."""

from __future__ import annotations

import json
from pathlib import Path

from rightful.adapters.datamap.fides_yaml import load_datamap
from rightful.adapters.sources import opened_sources
from rightful.domain.clock import Clock
from rightful.domain.identities import IdentityPolicy
from rightful.domain.jobs import CollectionJob, JobOutcome, JobQueue
from rightful.services.collection import collect
from rightful.services.collection_output import write_json_atomically, write_jsonl_atomically
from rightful.services.collection_plan import compile_plan
from rightful.settings import Settings


def output_paths(settings: Settings, job_id: str) -> tuple[Path, Path]:
    """(records JSONL, outcome JSON) of a job under data_dir/collections."""
    folder = settings.data_dir / "collections"
    return folder / f"{job_id}.jsonl", folder / f"{job_id}.json"


def run_collection_job(
    job: CollectionJob, settings: Settings, *, clock: Clock | None = None
) -> JobOutcome:
    """Collect into data_dir/collections/<job id>.jsonl; a finished job is not run again."""
    records_path, outcome_path = output_paths(settings, job.job_id)
    if outcome_path.exists():
        return JobOutcome.from_primitive(json.loads(outcome_path.read_text(encoding="utf-8")))
    compiled = compile_plan(load_datamap(job.datamap_files))
    schemas = {name: compiled.datamap.schema_of(name) for name in compiled.datamap.sources}
    policy = IdentityPolicy(settings.email_local_part_case_sensitive, settings.default_phone_region)
    with opened_sources(settings.sources, schemas) as opened:
        run = collect(
            compiled,
            opened.records,
            job.identities,
            job.subject,
            max_sensitivity=job.max_sensitivity,
            clock=clock,
            policy=policy,
        )
        count, sha256 = write_jsonl_atomically(records_path, run)
    outcome = JobOutcome(
        job.job_id,
        str(records_path),
        count,
        sha256,
        dict(run.counts),
        tuple(w.collection for w in run.withheld),
    )
    # The outcome file is written last: its presence means the records file is complete.
    write_json_atomically(outcome_path, outcome.to_primitive())
    return outcome


def job_queue(settings: Settings) -> JobQueue:
    """The queue that settings.queue_backend names."""
    if settings.queue_backend == "celery":
        from rightful.adapters.queue.celery import CeleryJobQueue, make_celery_app
        from rightful.services.package_keys import package_key_wrapper

        app = make_celery_app(settings.celery_broker_url.get_secret_value(), settings.celery_queue)
        keys, _ = package_key_wrapper(settings)  # the worker unwraps with the same master keys
        return CeleryJobQueue(app, settings.celery_queue, keys)
    from rightful.adapters.queue.inline import InlineJobQueue

    return InlineJobQueue(lambda job: run_collection_job(job, settings))
