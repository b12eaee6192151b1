"""Signed cookie values expire by the container's clock, the one that ends links and sessions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rightful.domain.clock import FixedClock
from rightful.domain.key_ring import KeyRing
from rightful.entrypoints.web.security import Signer

KEY = KeyRing(b"k" * 32)


def a_clock() -> FixedClock:
    return FixedClock(datetime(2030, 1, 1, tzinfo=UTC))  # years from the wall clock


def test_a_value_lives_its_ttl_on_the_clock_and_not_a_second_more() -> None:
    clock = a_clock()
    signer = Signer(KEY, clock)
    signed = signer.sign("request-1", 60)
    clock.advance(timedelta(seconds=59))
    assert signer.unsign(signed) == "request-1"
    clock.advance(timedelta(seconds=1))
    assert signer.unsign(signed) is None


def test_another_key_or_an_altered_value_is_refused() -> None:
    clock = a_clock()
    signed = Signer(KEY, clock).sign("request-1", 60)
    assert Signer(KeyRing(b"x" * 32), clock).unsign(signed) is None
    assert Signer(KEY, clock).unsign(signed.replace("request-1", "request-2")) is None


def test_a_value_signed_before_a_rotation_is_accepted_while_its_key_is_listed() -> None:
    clock, new = a_clock(), b"n" * 32
    signed = Signer(KEY, clock).sign("request-1", 60)
    rotated = Signer(KeyRing(new, (KEY.current,)), clock)
    assert rotated.unsign(signed) == "request-1"
    assert Signer(KeyRing(new), clock).unsign(signed) is None  # the old key removed
    fresh = rotated.sign("request-1", 60)
    assert Signer(KeyRing(new), clock).unsign(fresh) == "request-1"  # made under the new key
    assert Signer(KEY, clock).unsign(fresh) is None
