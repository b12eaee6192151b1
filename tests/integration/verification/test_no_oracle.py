"""No oracle: whether a contact detail is in the estate changes neither the answers nor (beyond
noise) their timing (REQUIREMENTS.md:16, "Identity": forged requests succeeded on an e-mail address
alone; an answer that says "we know this address" is the first step of such an attack)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rightful.adapters.outbox import ThreadOutbox
from rightful.adapters.sources.memory import MemorySource
from rightful.adapters.throttle import SubmissionThrottle
from rightful.entrypoints.api.app import create_app

from . import estate
from .conftest import AGENT, CODE, World

ROUNDS = 30
VOLATILE = {"challenge_id", "expires_at", "request_id"}


@pytest.fixture(autouse=True)
def no_limit_per_address(sqlite_world: World) -> None:
    """60 submissions come from one test client: no limit per network address here."""
    sqlite_world.c.submissions = SubmissionThrottle(0)  # type: ignore[misc]


@pytest.fixture
def client(sqlite_world: World) -> Iterator[TestClient]:
    with TestClient(create_app(sqlite_world.c), raise_server_exceptions=False) as c:
        yield c


def submit(client: TestClient, **contact: str) -> str:
    body = {"type": "access", "jurisdiction": "gdpr", **contact}
    return str(client.post("/api/v1/requests", json=body).json()["id"])


def shape(response: Any) -> tuple[int, str]:
    """Status and body, with the fields that differ on every call (ids, times) blanked."""
    body = {k: (k if k in VOLATILE else v) for k, v in response.json().items()}
    return response.status_code, json.dumps(body, sort_keys=True)


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    began = time.perf_counter()
    result = call()
    return time.perf_counter() - began, result


def assert_alike(times: dict[str, list[float]]) -> None:
    """The least time of each kind of call stays close to the others. A busy machine only ever
    adds time, to some calls and not others (medians of two kinds then drift apart under load);
    the least of many calls is what the code itself needs. Generous: a real difference (a mail
    server round trip, a second query) is many times this."""
    fast, *_, slow = sorted(min(t) for t in times.values())
    assert slow - fast < max(0.5 * slow, 0.01), times


def compare(
    client: TestClient, known: dict[str, str], unknown: dict[str, str], step: Callable[[str], Any]
) -> None:
    """Alternate known and unknown calls; answers must match, and so must the time each needs."""
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    shapes: dict[str, set[Any]] = {"known": set(), "unknown": set()}
    for _ in range(ROUNDS):
        for label, contact in (("known", known), ("unknown", unknown)):
            rid = submit(client, **contact)
            took, response = timed(lambda rid=rid: step(rid))
            times[label].append(took)
            shapes[label].add(shape(response))
    assert shapes["known"] == shapes["unknown"]
    assert len(shapes["known"]) == 1
    assert_alike(times)


def test_starting_an_email_verification_answers_alike_for_known_and_unknown_addresses(
    client: TestClient,
) -> None:
    compare(
        client,
        {"email": estate.ANNA},
        {"email": estate.STRANGER},
        lambda rid: client.post(f"/api/v1/verification/{rid}/start", json={}),
    )


def test_starting_an_sms_verification_answers_alike_for_known_and_unknown_numbers(
    client: TestClient,
) -> None:
    compare(
        client,
        {"phone": estate.ANNA_PHONE},
        {"phone": "+4915199999999"},
        lambda rid: client.post(f"/api/v1/verification/{rid}/start", json={"channel": "sms"}),
    )


def test_a_wrong_code_answers_alike_for_known_and_unknown_addresses(client: TestClient) -> None:
    def start_and_guess(rid: str) -> Any:
        challenge = client.post(f"/api/v1/verification/{rid}/start", json={}).json()
        return client.post(
            f"/api/v1/verification/{rid}/code",
            json={"challenge_id": challenge["challenge_id"], "code": "000000"},
        )

    compare(client, {"email": estate.BEN}, {"email": estate.STRANGER}, start_and_guess)


def test_the_status_before_verification_answers_alike(client: TestClient) -> None:
    compare(
        client,
        {"email": estate.ANNA},
        {"email": estate.STRANGER},
        lambda rid: client.get(f"/api/v1/verification/{rid}"),
    )


class SlowerWhenFound(MemorySource):
    """An estate whose lookups take longer when they find someone (as further joins would)."""

    def lookup(self, *args: Any, **kwargs: Any) -> Iterator[tuple[Any, ...]]:
        rows = list(super().lookup(*args, **kwargs))
        if rows:
            time.sleep(0.03)
        return iter(rows)


def test_the_answer_does_not_wait_for_the_estate_or_the_mail(sqlite_world: World) -> None:
    """With the production outbox, lookup and delivery happen after the answer is sent."""
    world = sqlite_world
    world.c.sources["crm"] = SlowerWhenFound("crm", estate.tables())  # type: ignore[attr-defined]
    outbox = ThreadOutbox()
    world.c.outbox = outbox  # type: ignore[misc]
    world.c.__dict__.pop("verification", None)
    try:
        with TestClient(create_app(world.c), raise_server_exceptions=False) as client:
            compare(
                client,
                {"email": estate.ANNA},
                {"email": estate.STRANGER},
                lambda rid: client.post(f"/api/v1/verification/{rid}/start", json={}),
            )
        outbox.drain()
        assert len(world.mailer.to(estate.ANNA)) == ROUNDS
        assert CODE.search(world.mailer.to(estate.ANNA)[-1].text)
        assert not CODE.search(world.mailer.to(estate.STRANGER)[-1].text)
    finally:
        outbox.close()


# --- the stage of a request -----------------------------------------------------------------
# Request ids are no secret (portal URLs, browser histories, proxy logs, audit exports). Whoever
# holds one is told that a code goes to the request's own contact detail if one is due, and
# nothing else: not whether it is verified, closed, or a request that needs no proof.


def in_every_stage(world: World, client: TestClient) -> dict[str, str]:
    """One request of each stage a stranger could tell apart by a stage-specific answer."""
    waiting, verified, cancelled = (submit(client, email=estate.ANNA) for _ in range(3))
    world.verify(verified)
    world.c.requests.cancel(cancelled, AGENT, "withdrawn by the requester")
    opt_out = client.post(
        "/api/v1/requests",
        json={"type": "objection", "jurisdiction": "ccpa", "email": estate.ANNA},
    ).json()["id"]
    return {"awaiting": waiting, "verified": verified, "cancelled": cancelled, "opt_out": opt_out}


def compare_stages(
    world: World, client: TestClient, step: Callable[[TestClient, str], Any]
) -> dict[str, set[Any]]:
    """Ask `step` of requests in every stage, in turn; answers per stage, times alike."""
    stages = [in_every_stage(world, client) for _ in range(ROUNDS)]
    # The codes that verified some were asked for moments ago: a code asked again that soon is
    # refused at every stage alike (see below); the stranger here asks later.
    world.clock.advance(timedelta(seconds=world.c.settings.resend_interval_seconds))
    stranger = TestClient(client.app, raise_server_exceptions=False)
    times: dict[str, list[float]] = {}
    shapes: dict[str, set[Any]] = {}
    with production_outbox(world):
        for rids in stages:
            for stage, rid in rids.items():
                took, response = timed(lambda rid=rid: step(stranger, rid))
                times.setdefault(stage, []).append(took)
                shapes.setdefault(stage, set()).add(shape(response))
    assert_alike(times)
    return shapes


@contextmanager
def production_outbox(world: World) -> Iterator[ThreadOutbox]:
    """Delivery after the answer, on the outbox's thread, as in production."""
    outbox, inline = ThreadOutbox(), world.c.outbox
    world.c.outbox = outbox  # type: ignore[misc]
    world.c.verification.outbox = outbox
    try:
        yield outbox
        outbox.drain()
    finally:
        world.c.outbox = inline  # type: ignore[misc]
        world.c.verification.outbox = inline
        outbox.close()


def test_starting_answers_alike_at_every_stage_of_a_request(
    sqlite_world: World, client: TestClient
) -> None:
    """A verified, cancelled or opt-out request is sent no code; its answer says so no more than
    that of a request awaiting its code (status code, body, time)."""
    shapes = compare_stages(
        sqlite_world, client, lambda c, rid: c.post(f"/api/v1/verification/{rid}/start", json={})
    )
    assert len(set.union(*shapes.values())) == 1, shapes
    [(status, _)] = shapes["verified"]
    assert status == 202
    assert len([m for m in sqlite_world.mailer.to(estate.ANNA) if CODE.search(m.text)]) == (
        2 * ROUNDS  # the awaited codes, and those the verified requests confirmed before
    )


def test_a_step_up_asked_by_a_stranger_answers_alike_at_every_stage(
    sqlite_world: World, client: TestClient
) -> None:
    """A step-up is for the requester signed in for the request: anyone else is refused the same
    way whether the request is verified, waits for its code, or is closed."""
    texts = len(sqlite_world.sms.recent())
    shapes = compare_stages(
        sqlite_world,
        client,
        lambda c, rid: c.post(f"/api/v1/verification/{rid}/step-up", json={"channel": "sms"}),
    )
    assert len(set.union(*shapes.values())) == 1, shapes
    [(status, _)] = shapes["verified"]
    assert status == 401
    assert len(sqlite_world.sms.recent()) == texts


def test_a_code_the_requester_used_answers_a_stranger_as_an_unused_one(
    sqlite_world: World, client: TestClient
) -> None:
    """The stranger who asked for a code knows its challenge id. When the requester confirms
    with that very mail, the stranger's guess must not come back "used already", which would
    tell that the request was verified; nor may a made-up link secret."""
    stranger = TestClient(client.app, raise_server_exceptions=False)
    used, waiting = submit(client, email=estate.ANNA), submit(client, email=estate.ANNA)
    used_cid = stranger.post(f"/api/v1/verification/{used}/start", json={}).json()["challenge_id"]
    token = sqlite_world.link_for(estate.ANNA)
    assert client.post("/api/v1/verification/link", json={"token": token}).status_code == 200
    cid = stranger.post(f"/api/v1/verification/{waiting}/start", json={}).json()["challenge_id"]
    guess = f"{(int(sqlite_world.code_for(estate.ANNA)) + 1) % 1_000_000:06d}"
    answers = [
        stranger.post(f"/api/v1/verification/{rid}/code", json={"challenge_id": c, "code": guess})
        for rid, c in ((used, used_cid), (waiting, cid))
    ]
    assert {shape(a) for a in answers} == {shape(answers[1])}
    assert answers[1].status_code == 400
    links = [
        stranger.post("/api/v1/verification/link", json={"token": f"{c}.made-up"})
        for c in (used_cid, cid)
    ]
    assert {shape(a) for a in links} == {shape(links[1])}
    assert links[1].status_code == 404
    again = client.post("/api/v1/verification/link", json={"token": token})
    assert again.status_code == 409  # the requester, who holds the link, is told


def test_a_code_asked_again_too_soon_is_refused_alike_whether_or_not_the_request_was_verified(
    sqlite_world: World, client: TestClient
) -> None:
    """Whoever holds a request id asks for a code, then again within the resend interval. The
    second is refused the same way whether or not the requester confirmed in between: it was
    let through (202) once the request had been verified, which told the stranger so."""
    stranger = TestClient(client.app, raise_server_exceptions=False)
    waiting, verified = submit(client, email=estate.ANNA), submit(client, email=estate.ANNA)
    for rid in (waiting, verified):
        assert stranger.post(f"/api/v1/verification/{rid}/start", json={}).status_code == 202
    token = sqlite_world.link_for(estate.ANNA)  # the newest mail: the code of `verified`
    assert client.post("/api/v1/verification/link", json={"token": token}).status_code == 200
    again = [
        stranger.post(f"/api/v1/verification/{rid}/start", json={}) for rid in (waiting, verified)
    ]
    assert shape(again[1]) == shape(again[0])
    assert again[0].status_code == 429
