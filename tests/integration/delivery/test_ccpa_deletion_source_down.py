"""A bound CCPA request to delete is shown while the source that says whether its requester
holds an account does not answer (REQUIREMENTS.md:15; Cal. Code Regs. tit. 11 §7061(b): an
account holder re-authenticates before a deletion, so that check decides what the deletion
waits for). Showing it never fails for that: staff read that the account check could not be
read now and which source did not answer; the requester reads only that we cannot tell now,
nothing of our sources. Nothing is decided on a guess: the answer that records the deletion as
carried out is still refused. The sources are real ones that do not answer: a PostgreSQL
server on a closed port, a SQLite file that is gone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from rightful.adapters.sources.pool import SourcePool
from rightful.bootstrap import set_container
from rightful.demo.schema import TABLES
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.errors import SourceUnavailableError
from rightful.domain.intake import NewRequest
from rightful.domain.lifecycle import Role, Status
from rightful.domain.requests import RequestType
from rightful.entrypoints.api.app import create_app
from rightful.services import staff
from rightful.services.identity_set import Proof, record_proof

from .conftest import ANNA_MAIL, Desk, make_desk
from .test_ccpa_deletion import ACCOUNT, ACCOUNTS, DONE, DPO, PUBLIC
from .test_console import add, sign_in
from .test_portal import submit

CLOSED_PORT = 18409  # helper ports of this suite's machine: nothing listens there
STAFF_SEES = "whether the requester holds an account could not be read now (source "
REQUESTER_SEES = {
    "en": "we cannot tell right now which further proof, if any, the deletion of your",
    "de": "können wir gerade nicht feststellen",
}


def unreachable(kind: str, tmp_path: Path) -> str:
    if kind == "postgresql":
        return f"postgresql://rightful@127.0.0.1:{CLOSED_PORT}/hearthly"
    return f"sqlite:///{tmp_path}/gone/hearthly.db"


def confirmed(tmp_path: Path, language: str = "en") -> tuple[Desk, str]:
    """A CCPA deletion confirmed by its e-mail code on the portal (the browser is signed in),
    in an installation whose requesters may sign in with their shop account."""
    desk = make_desk(f"sqlite:///{tmp_path}/rightful.db", tmp_path, **ACCOUNTS)
    rid = submit(desk, type="erasure", jurisdiction="ccpa", language=language)
    desk.post(f"/portal/requests/{rid}/verify", code=desk.code_for(ANNA_MAIL))
    assert desk.c.requests.get(rid).status == Status.VERIFIED
    return desk, rid


def sources_stop_answering(desk: Desk, dsn: str) -> None:
    """Every source of the estate is now the unreachable `dsn`."""
    desk.c.open_binding_sources = SourcePool({name: dsn for name in TABLES}).borrowed


@pytest.fixture(params=["postgresql", "sqlite"])
def down(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Desk, str]]:
    """A confirmed deletion; then the sources stop answering."""
    desk, rid = confirmed(tmp_path)
    sources_stop_answering(desk, unreachable(request.param, tmp_path))
    yield desk, rid
    desk.c.store.engine.dispose()


def test_staff_read_that_the_account_check_could_not_be_read_now(
    down: tuple[Desk, str],
) -> None:
    desk, rid = down
    waiting = desk.c.declarations.waiting_for(rid)
    assert waiting is not None and waiting.startswith(STAFF_SEES)
    assert "source accounts" in waiting and "§7061(b)" in waiting


def test_requests_show_shows_what_it_knows(down: tuple[Desk, str]) -> None:
    from rightful.entrypoints.cli.main import app

    desk, rid = down
    set_container(desk.c)
    try:
        shown = CliRunner().invoke(app, ["requests", "show", rid])
        as_json = CliRunner().invoke(app, ["requests", "show", rid, "--json"])
    finally:
        set_container(None)
    assert shown.exit_code == 0, shown.output
    assert f"{rid}  erasure (ccpa)  status verified" in shown.output
    assert f"deletion waits: {STAFF_SEES}" in shown.output
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.output)["waiting_for"].startswith(STAFF_SEES)


def test_the_api_and_the_console_show_it_and_the_deletion_is_still_not_recorded(
    down: tuple[Desk, str],
) -> None:
    desk, rid = down
    with desk.c.store.transaction() as session:
        key = staff.issue_key(session, desk.c.clock, name="dora", role="dpo").secret
    client = TestClient(create_app(desk.c), raise_server_exceptions=False)
    headers = {"X-API-Key": key}
    shown = client.get(f"/api/v1/requests/{rid}", headers=headers)
    assert shown.status_code == 200, shown.text
    assert shown.json()["status"] == "verified"
    assert shown.json()["waiting_for"].startswith(STAFF_SEES)
    add(desk, "dana", Role.DPO)
    page = sign_in(desk, "dana").get(f"/console/requests/{rid}")
    assert page.status_code == 200, page.text
    assert "<dt>Deletion waits</dt>" in page.text and "could not be read now" in page.text
    answered = client.post(f"/api/v1/requests/{rid}/answer", headers=headers,
                           json={"text": DONE})  # fmt: skip
    assert answered.status_code == 503, "not recorded as carried out on a guess"
    assert desk.c.requests.get(rid).status == Status.VERIFIED


def test_the_requester_reads_that_we_cannot_tell_now_and_nothing_of_our_sources(
    down: tuple[Desk, str],
) -> None:
    desk, rid = down
    page = desk.client.get(f"/portal/requests/{rid}")
    assert page.status_code == 200, page.text
    assert "Before we delete your data" in page.text
    assert REQUESTER_SEES["en"] in page.text
    with desk.c.store.transaction() as session:
        key = staff.issue_key(session, desk.c.clock, name="dora", role="dpo").secret
    client = TestClient(create_app(desk.c), raise_server_exceptions=False)
    progress = client.get(f"/api/v1/verification/{rid}", headers={"X-API-Key": key})
    assert progress.status_code == 200, progress.text
    assert progress.json()["waiting_for"].startswith("we cannot tell right now")
    for told in (page.text, progress.text):
        assert "source accounts" not in told and "cannot connect" not in told
        assert "could not be read" not in told and "holds an account" not in told


def test_one_who_signed_in_with_their_account_needs_no_account_check(tmp_path: Path) -> None:
    """§7061(b) is met by signing in for this request: whether they hold an account no longer
    matters, so nothing waits for the source and the deletion is recorded as carried out."""
    desk, rid = confirmed(tmp_path)
    identity, factor = ACCOUNT
    with desk.c.store.transaction() as session:
        proof = Proof(identity, factor, "t-account", desk.c.clock.now())
        record_proof(session, desk.c.audit, rid, proof, PUBLIC)
    desk.c.subjects.settle(rid)
    sources_stop_answering(desk, unreachable("postgresql", tmp_path))
    assert desk.c.declarations.waiting_for(rid) is None
    assert desk.c.requests.answer(rid, DONE, DPO).status == Status.CLOSED
    desk.c.store.engine.dispose()


def test_a_german_requester_reads_it_in_german(tmp_path: Path) -> None:
    desk, rid = confirmed(tmp_path, "de")
    sources_stop_answering(desk, unreachable("sqlite", tmp_path))
    page = desk.client.get(f"/portal/requests/{rid}")
    assert page.status_code == 200, page.text
    assert REQUESTER_SEES["de"] in page.text
    desk.c.store.engine.dispose()


def test_day_45_denies_nothing_on_a_guess_and_closes_the_rest(down: tuple[Desk, str]) -> None:
    """§7021: the daily job denies the unverified at day 45; a deletion whose account check
    cannot be read is left open (tried again the next day) and stops no other denial."""
    desk, rid = down
    other = desk.c.requests.submit(
        NewRequest(RequestType.ACCESS, Jurisdiction.CCPA, email=ANNA_MAIL), PUBLIC
    ).id
    desk.c.requests.move(other, Status.AWAITING_VERIFICATION, DPO)
    desk.world.clock.advance(timedelta(days=46))
    assert desk.c.requests.close_unverified_at_deadline() == [other]
    assert desk.c.requests.get(rid).status == Status.VERIFIED
    with pytest.raises(SourceUnavailableError):
        desk.c.requests.move(rid, Status.EXPIRED, DPO, "not verified")
