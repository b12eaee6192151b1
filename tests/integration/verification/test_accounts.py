"""A signed-in account reaches the high level at once, and each assertion counts only once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest

from rightful.domain.errors import ConflictError
from rightful.domain.lifecycle import Status
from rightful.domain.verification import AssertionRejectedError, Assurance

from . import estate
from .conftest import T0, World, make_world

SECRET = "k" * 64
ISSUER = "https://shop.example"


@pytest.fixture
def accounts(store_url: str, tmp_path: Path) -> Iterator[World]:
    w = make_world(
        store_url, tmp_path, account_assertion_issuer=ISSUER, account_assertion_secret=SECRET
    )
    yield w
    w.c.store.engine.dispose()


def token(sub: str = "acc-anna", jti: str = "t-1", **extra: Any) -> str:
    body = {
        "iss": ISSUER,
        "aud": "rightful",
        "sub": sub,
        "jti": jti,
        "exp": int((T0 + timedelta(minutes=5)).timestamp()),
        **extra,
    }
    return jwt.encode(body, SECRET, algorithm="HS256")


def test_a_signed_in_account_binds_at_the_high_level(accounts: World) -> None:
    rid = accounts.submit()
    progress = accounts.c.verification.submit_assertion(rid, token())
    assert (progress.outcome, progress.assurance) == ("bound", Assurance.HIGH)
    assert accounts.c.subjects.seed(rid).subject.value == 1


def test_a_replayed_assertion_is_refused_and_audited(accounts: World) -> None:
    first, second = accounts.submit(), accounts.submit(estate.BEN)
    accounts.c.verification.submit_assertion(first, token())
    with pytest.raises(AssertionRejectedError, match="used already"):
        accounts.c.verification.submit_assertion(second, token())
    assert "verification.assertion_replayed" in accounts.actions(second)
    assert accounts.status(second) is Status.RECEIVED


def test_an_account_the_estate_does_not_hold_closes_as_no_data_found(accounts: World) -> None:
    rid = accounts.submit()
    assert (
        accounts.c.verification.submit_assertion(rid, token("acc-nobody")).outcome == "no_subject"
    )
    assert accounts.status(rid) is Status.CLOSED
    notices = accounts.c.requests.notices(rid)
    assert notices[-1].kind == "no_data"
    assert "hold no personal data about you" in notices[-1].body


def test_after_binding_only_the_bound_subjects_account_steps_up(accounts: World) -> None:
    rid = accounts.submit()
    accounts.verify(rid)
    with pytest.raises(ConflictError, match="not the one"):
        accounts.c.verification.submit_assertion(rid, token("acc-ben", jti="t-2"))
    stepped = accounts.c.verification.submit_assertion(rid, token("acc-anna", jti="t-3"))
    assert stepped.assurance is Assurance.HIGH


def test_assertions_are_refused_where_none_are_configured(world: World) -> None:
    rid = world.submit()
    with pytest.raises(ConflictError, match="not offered"):
        world.c.verification.submit_assertion(rid, token())
