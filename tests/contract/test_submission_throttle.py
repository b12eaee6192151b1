"""Submissions per network address: the same count in memory and in Redis (shared by every
server process)."""

from __future__ import annotations

import uuid

import pytest

from rightful.adapters.throttle import SubmissionThrottle
from rightful.domain.errors import TooManySubmissionsError

REDIS = "redis://127.0.0.1:6379/7"


@pytest.fixture(params=["memory://", pytest.param(REDIS, marks=pytest.mark.redis)])
def storage(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def an_address() -> str:
    """A fresh address per test, so that counts left in Redis by other runs never meet it."""
    return f"198.51.100.{uuid.uuid4().int % 250}-{uuid.uuid4().hex[:8]}"


def test_an_address_submits_up_to_the_limit_then_is_told_when_to_come_back(storage: str) -> None:
    throttle, address = SubmissionThrottle(3, storage), an_address()
    for _ in range(3):
        throttle.check(address)
    with pytest.raises(TooManySubmissionsError, match="try again in 60 minutes") as refused:
        throttle.check(address)
    assert 3500 < refused.value.retry_after <= 3600
    assert refused.value.http_status == 429


def test_addresses_are_counted_apart(storage: str) -> None:
    throttle, one, other = SubmissionThrottle(1, storage), an_address(), an_address()
    throttle.check(one)
    throttle.check(other)
    with pytest.raises(TooManySubmissionsError):
        throttle.check(one)


@pytest.mark.redis
def test_processes_sharing_redis_share_the_count() -> None:
    first, second, address = (
        SubmissionThrottle(2, REDIS),
        SubmissionThrottle(2, REDIS),
        an_address(),
    )
    first.check(address)
    second.check(address)
    with pytest.raises(TooManySubmissionsError):
        first.check(address)


def test_no_limit_and_no_address_count_nothing(storage: str) -> None:
    unlimited, address = SubmissionThrottle(0, storage), an_address()
    for _ in range(50):
        unlimited.check(address)
    limited = SubmissionThrottle(1, storage)
    for _ in range(5):
        limited.check(None)
