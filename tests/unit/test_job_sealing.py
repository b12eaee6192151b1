"""A collection job's message carries its identities and subject sealed (docs/collection.md,
"Jobs"): only a holder of the package master key opens it, and only under its own job id."""

from __future__ import annotations

import base64
import json
import os
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rightful.adapters.queue.sealing import UnsealedJobError, open_job, seal_job
from rightful.adapters.storage.encryption import TamperedError
from rightful.adapters.storage.keys import LocalKeyWrapper
from rightful.domain.errors import ConfigurationError, ConflictError
from rightful.domain.identities import Identity, IdentityType, normalise
from rightful.domain.jobs import CollectionJob
from rightful.domain.provenance import SubjectKey
from rightful.domain.sensitivity import Sensitivity

KEYS = LocalKeyWrapper([], os.urandom(32))


def a_job(job_id: str = "job-1", email: str = "anna.roth@example.com", **kw: Any) -> CollectionJob:
    return CollectionJob(
        job_id,
        ("/srv/datamap/accounts.yaml",),
        (normalise("email", email), Identity(IdentityType.CUSTOMER_ID, "C-77341")),
        SubjectKey("accounts.customers", 77341),
        **kw,
    )


def tampered(message: dict[str, Any], field: str) -> dict[str, Any]:
    """The message with one bit of a sealed field flipped."""
    raw = bytearray(base64.b64decode(message["sealed"][field]))
    raw[len(raw) // 2] ^= 0x01
    return {**message, "sealed": {**message["sealed"], field: base64.b64encode(raw).decode()}}


@given(
    local=st.from_regex(r"[a-z][a-z0-9]{2,20}", fullmatch=True),
    customer=st.integers(min_value=10**7, max_value=10**12),
    ceiling=st.sampled_from([None, *Sensitivity]),
)
def test_a_sealed_message_opens_to_the_same_job_and_shows_none_of_its_identities(
    local: str, customer: int, ceiling: Sensitivity | None
) -> None:
    job = CollectionJob(
        "job-h",
        ("/srv/datamap/accounts.yaml",),
        (
            normalise("email", f"{local}@example.org"),
            Identity(IdentityType.CUSTOMER_ID, str(customer)),
        ),
        SubjectKey("accounts.customers", customer),
        max_sensitivity=ceiling,
    )
    message = json.loads(json.dumps(seal_job(job, KEYS)))  # as the broker carries it
    text = json.dumps(message)
    assert f"{local}@example.org" not in text
    assert str(customer) not in text
    assert set(message) == {"job_id", "datamap_files", "max_sensitivity", "sealed"}
    assert open_job(message, KEYS) == job


def test_each_job_gets_its_own_data_key_and_nonce() -> None:
    first, second = seal_job(a_job(), KEYS), seal_job(a_job(), KEYS)
    for field in ("wrapped_key", "nonce", "ciphertext"):
        assert first["sealed"][field] != second["sealed"][field]


@pytest.mark.parametrize("field", ["ciphertext", "nonce", "wrapped_key"])
def test_a_tampered_payload_is_refused_naming_the_job_only(field: str) -> None:
    with pytest.raises(TamperedError) as refused:
        open_job(tampered(seal_job(a_job(), KEYS), field), KEYS)
    assert str(refused.value) == "collection job job-1: its sealed payload failed authentication"


def test_a_payload_replayed_under_another_job_id_is_refused() -> None:
    sealed = seal_job(a_job("job-of-anna"), KEYS)
    with pytest.raises(TamperedError, match=r"^collection job job-of-mallory: its sealed payload"):
        open_job({**sealed, "job_id": "job-of-mallory"}, KEYS)


def test_a_job_whose_clear_fields_changed_in_the_queue_is_refused() -> None:
    """The sensitivity ceiling is in clear; raising it would collect what waits for step-up."""
    sealed = seal_job(a_job(max_sensitivity=Sensitivity.STANDARD), KEYS)
    with pytest.raises(TamperedError):
        open_job({**sealed, "max_sensitivity": None}, KEYS)
    with pytest.raises(TamperedError):
        open_job({**sealed, "datamap_files": ["/tmp/other.yaml"]}, KEYS)


def test_clear_identities_beside_a_sealed_payload_are_refused() -> None:
    sealed = seal_job(a_job(), KEYS)
    planted = {**sealed, "identities": [{"type": "email", "value": "mallory@example.com"}]}
    with pytest.raises(TamperedError):
        open_job(planted, KEYS)


@pytest.mark.parametrize(
    "sealed", [None, "x", {}, {"v": 2}, {"v": 1, "key_id": "k", "wrapped_key": "%%", "nonce": 1}]
)
def test_a_malformed_payload_is_refused(sealed: object) -> None:
    with pytest.raises(TamperedError, match=r"^collection job job-1: "):
        open_job({**seal_job(a_job(), KEYS), "sealed": sealed}, KEYS)


def test_a_message_in_clear_from_an_older_version_is_refused_with_what_to_do() -> None:
    job = a_job()
    with pytest.raises(UnsealedJobError) as refused:
        open_job(job.to_primitive(), KEYS)
    assert isinstance(refused.value, ConflictError)
    assert str(refused.value) == (
        "collection job job-1: its message is not sealed (queued by an older version); "
        "refused: submit the job again under a new job id"
    )


def test_a_worker_without_the_master_key_names_the_job_and_the_key_only() -> None:
    other = LocalKeyWrapper([], os.urandom(32))
    with pytest.raises(ConfigurationError) as refused:
        open_job(seal_job(a_job(), KEYS), other)
    message = str(refused.value)
    assert message.startswith(f"collection job job-1: package master key {KEYS.current_key_id} ")
    assert "anna" not in message
