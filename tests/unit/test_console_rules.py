"""Rules of the staff console: password hashes, TOTP steps used once, session timeouts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rightful.domain.console import (
    SessionExpiredError,
    SessionPolicy,
    SessionState,
    SignInError,
    check_password_strength,
    check_session,
    fresh_step,
    hash_password,
    password_matches,
    totp_step,
)
from rightful.domain.errors import InvalidInputError

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def test_passwords_are_stored_as_salted_scrypt_hashes() -> None:
    first, second = hash_password("a long passphrase"), hash_password("a long passphrase")
    assert first != second and first.startswith("scrypt$")
    assert "a long passphrase" not in first
    assert password_matches(first, "a long passphrase")
    assert not password_matches(first, "a long passphrasf")
    assert not password_matches("garbage", "a long passphrase")


def test_short_passwords_are_refused() -> None:
    with pytest.raises(InvalidInputError):
        check_password_strength("short")


def test_a_totp_code_works_once() -> None:
    step = totp_step(NOW)
    assert fresh_step(step, last_used=step - 1) == step
    with pytest.raises(SignInError):
        fresh_step(step, last_used=step)
    with pytest.raises(SignInError):
        fresh_step(None, last_used=0)


def test_sessions_end_after_idle_time_at_their_limit_and_at_sign_out() -> None:
    policy = SessionPolicy(idle=timedelta(minutes=30), max_age=timedelta(hours=8))
    alive = SessionState(last_seen_at=NOW, expires_at=NOW + timedelta(hours=8))
    check_session(alive, NOW + timedelta(minutes=29), policy)
    with pytest.raises(SessionExpiredError, match="inactivity"):
        check_session(alive, NOW + timedelta(minutes=30), policy)
    late = SessionState(last_seen_at=NOW + timedelta(hours=8), expires_at=NOW + timedelta(hours=8))
    with pytest.raises(SessionExpiredError, match="limit"):
        check_session(late, NOW + timedelta(hours=8), policy)
    with pytest.raises(SessionExpiredError, match="signed out"):
        check_session(SessionState(NOW, NOW + timedelta(hours=1), ended_at=NOW), NOW, policy)
