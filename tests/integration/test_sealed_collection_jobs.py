"""Collection jobs on a real Celery worker through real Redis rest there sealed: the broker's
queue, its unacknowledged set and the result backend hold none of the identities a job collects
for, and the worker refuses a payload changed or moved to another job (docs/collection.md,
"Jobs"; personal data protected at rest: GDPR Art. 32(1)(a))."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from rightful.adapters.queue.celery import COLLECT_TASK, make_celery_app
from rightful.adapters.queue.sealing import seal_job
from rightful.adapters.storage.encryption import TamperedError
from rightful.demo import DemoEstate, expected_records, seed_demo
from rightful.domain.errors import ConflictError
from rightful.domain.identities import Identity, IdentityType, normalise
from rightful.domain.jobs import CollectionJob
from rightful.domain.provenance import SubjectKey
from rightful.services.collection_jobs import job_queue
from rightful.services.package_keys import package_key_wrapper
from rightful.settings import Settings

from .packages.celery_worker import running_worker, settings_for

REDIS_URL = "redis://127.0.0.1:6379/14"  # a database of its own: tests never touch db 0
CUSTOMER = 1  # has an e-mail address and a phone number

pytestmark = pytest.mark.redis


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> DemoEstate:
    return seed_demo(tmp_path_factory.mktemp("estate"))


@pytest.fixture(scope="module")
def settings(estate: DemoEstate, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The settings of the test and its worker (one data_dir: the same package master key)."""
    data_dir = tmp_path_factory.mktemp("sealed")
    return settings_for(estate, data_dir, f"rightful-sealed-{uuid.uuid4().hex[:8]}", REDIS_URL)


@pytest.fixture(scope="module")
def worker(estate: DemoEstate, settings: Settings) -> Iterator[Settings]:
    with running_worker(settings, estate, settings.data_dir):
        yield settings


def every_identity(estate: DemoEstate) -> CollectionJob:
    customer = estate.customer(CUSTOMER)
    assert customer.phone is not None
    return CollectionJob(
        f"job-{uuid.uuid4().hex[:12]}",
        tuple(map(str, estate.datamap_files)),
        (
            normalise("email", customer.email),
            normalise("phone", customer.phone),
            Identity(IdentityType.CUSTOMER_ID, str(CUSTOMER)),
        ),
        SubjectKey("accounts.customers", CUSTOMER),
    )


def at_rest(client: redis.Redis, job_id: str) -> str:
    """Everything the Redis database holds about the job (queue, unacknowledged set, result
    backend), each kombu message's base64 body decoded too (kombu encodes bodies: a search of
    the raw bytes alone would find nothing either way)."""
    found: list[Any] = []
    for key in client.scan_iter():
        kind = client.type(key)
        if kind == b"string":
            found.append(client.get(key) or b"")
        elif kind == b"list":
            found.extend(client.lrange(key, 0, -1))
        elif kind == b"hash":
            found.extend(client.hgetall(key).values())
        elif kind in (b"set", b"zset"):
            found.extend(client.zrange(key, 0, -1) if kind == b"zset" else client.smembers(key))
    texts = [
        raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw) for raw in found
    ]
    every = [*texts, *(body for t in texts for body in _bodies(t))]
    return "\n".join(t for t in every if job_id in t)


def _bodies(text: str) -> Iterator[str]:
    """The decoded body of a kombu message, wherever one is stored (queue, unacked hash)."""
    try:
        data: Any = json.loads(text)
    except ValueError:
        return
    for item in data if isinstance(data, list) else [data]:
        if (
            isinstance(item, dict)
            and isinstance(item.get("body"), str)
            and item.get("properties", {}).get("body_encoding") == "base64"
        ):
            yield base64.b64decode(item["body"]).decode("utf-8", "replace")


def queued_messages(client: redis.Redis, queue: str) -> list[dict[str, Any]]:
    """The job messages waiting in the queue, as the worker will receive them."""
    out = []
    for raw in client.lrange(queue, 0, -1):
        envelope = json.loads(raw)
        args, _, _ = json.loads(base64.b64decode(envelope["body"]))
        out.append(args[0])
    return out


def test_a_queued_job_rests_in_redis_without_its_identities_and_still_collects(
    estate: DemoEstate, settings: Settings
) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    customer = estate.customer(CUSTOMER)
    job = every_identity(estate)
    queue = job_queue(settings)
    queue.submit(job)  # no worker yet: the message rests in the queue
    [message] = queued_messages(client, settings.celery_queue)
    assert message["job_id"] == job.job_id
    assert set(message) == {"job_id", "datamap_files", "max_sensitivity", "sealed"}
    resting = at_rest(client, job.job_id)
    assert job.job_id in resting  # the search does see the message
    for value in (customer.email, customer.phone, "customer_id", "accounts.customers"):
        assert value is not None and value not in resting

    with running_worker(settings, estate, settings.data_dir):
        outcome = queue.wait(job.job_id, timeout=60)
    records = [json.loads(line) for line in Path(outcome.records_path).read_text().splitlines()]
    assert {(r["collection"], tuple(r["key"])) for r in records} == expected_records(
        estate, CUSTOMER
    )
    after = at_rest(client, job.job_id)  # the result backend, whatever the worker left
    assert client.exists(f"celery-task-meta-{job.job_id}")
    assert '"status": "SUCCESS"' in after
    assert customer.email not in after and str(customer.phone) not in after


def send(settings: Settings, message: dict[str, Any], job_id: str) -> Any:
    app = make_celery_app(REDIS_URL, settings.celery_queue)
    return app.send_task(COLLECT_TASK, args=[message], task_id=job_id, queue=settings.celery_queue)


def test_the_worker_refuses_a_tampered_payload_naming_the_job_only(
    estate: DemoEstate, worker: Settings
) -> None:
    job = every_identity(estate)
    message = seal_job(job, package_key_wrapper(worker)[0])
    sealed = bytearray(base64.b64decode(message["sealed"]["ciphertext"]))
    sealed[3] ^= 0x40
    message["sealed"]["ciphertext"] = base64.b64encode(sealed).decode()
    with pytest.raises(TamperedError) as refused:
        send(worker, message, job.job_id).get(timeout=60)
    assert str(refused.value) == (
        f"collection job {job.job_id}: its sealed payload failed authentication"
    )
    assert not (worker.data_dir / "collections" / f"{job.job_id}.jsonl").exists()


def test_the_worker_refuses_a_payload_replayed_under_another_job_id(
    estate: DemoEstate, worker: Settings
) -> None:
    job = every_identity(estate)
    message = seal_job(job, package_key_wrapper(worker)[0])
    other = f"job-{uuid.uuid4().hex[:12]}"
    with pytest.raises(TamperedError, match=rf"^collection job {other}: its sealed payload"):
        send(worker, {**message, "job_id": other}, other).get(timeout=60)
    assert not (worker.data_dir / "collections" / f"{other}.jsonl").exists()


def test_the_worker_refuses_a_message_in_clear_and_says_to_submit_it_again(
    estate: DemoEstate, worker: Settings
) -> None:
    job = every_identity(estate)
    with pytest.raises(
        ConflictError, match=r"not sealed .*submit the job again under a new job id$"
    ):
        send(worker, job.to_primitive(), job.job_id).get(timeout=60)
