"""Taking a staff attachment out again: audited with the digest of the reason, left out of the
next build, and refused - saying what to do - while a package under review or approved holds
it. A record or file of the data map is bound to a request once."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from rightful.domain.errors import ConflictError, InvalidInputError, NotFoundError
from rightful.entrypoints.api.app import create_app
from rightful.services import staff

from .test_attachments import WHY, uri_of
from .test_cli import run
from .world import AGENT, REVIEWER, World

ANNA = 1
REASON = "Bound by mistake: the recording is of the household's guest."


def bound_recording(world: World, rid: str) -> str:
    uri = uri_of(world, ANNA)
    return world.c.attachments.bind(rid, AGENT, collection="speaker.recordings", uri=uri).id


def under_review(world: World) -> tuple[str, str]:
    """(attachment id, package id): a recording bound, then a package built with it."""
    rid = world.request_for(ANNA)
    aid = bound_recording(world, rid)
    world.clock.advance(timedelta(minutes=1))
    return aid, world.c.packages.build(rid, AGENT).id


def approved_upload(world: World, rid: str) -> str:
    row = world.c.attachments.upload(
        rid, AGENT, filename="call.wav", content=io.BytesIO(b"RIFF a call"),
        collection="speaker.recordings", justification=WHY, labels=[("customer_id", "1")],
    )  # fmt: skip
    return world.c.attachments.approve(row.id, REVIEWER).id


def test_a_withdrawn_attachment_leaves_the_next_build(world: World) -> None:
    rid = world.request_for(ANNA)
    bound, uploaded = bound_recording(world, rid), approved_upload(world, rid)
    row = world.c.attachments.withdraw(uploaded, AGENT, f"  {REASON} ")
    assert (row.state, row.withdrawn_by, row.withdrawal_reason) == ("withdrawn", AGENT.id, REASON)
    assert row.withdrawn_at == world.clock.now()
    package = world.c.packages.build(rid, AGENT)
    assert package.status == "ready" and package.attachment_count == 1
    [entry] = [e for e in world.c.audit.timeline(rid) if e.action == "attachment.withdrawn"]
    assert entry.summary["attachment_id"] == uploaded and entry.summary["was"] == "approved"
    assert "guest" not in json.dumps(entry.summary) and entry.summary["reason_sha256"]
    assert bound


def test_a_withdrawal_needs_a_reason_and_an_attachment_that_still_counts(world: World) -> None:
    rid = world.request_for(ANNA)
    aid = bound_recording(world, rid)
    with pytest.raises(InvalidInputError, match="needs a reason"):
        world.c.attachments.withdraw(aid, AGENT, "  ")
    with pytest.raises(NotFoundError, match="no attachment nope"):
        world.c.attachments.withdraw("nope", AGENT, REASON)
    world.c.attachments.withdraw(aid, AGENT, REASON)
    with pytest.raises(ConflictError, match="was withdrawn already"):
        world.c.attachments.withdraw(aid, AGENT, REASON)


@pytest.mark.parametrize("reason", ["x", "mistake", "\u200b" * 12 + "oops"])
def test_a_withdrawal_reason_has_at_least_ten_visible_characters(world: World, reason: str) -> None:
    """As an extension's reason: a reviewer or an auditor later reads why the file left."""
    aid = bound_recording(world, world.request_for(ANNA))
    with pytest.raises(InvalidInputError, match="at least 10 visible characters"):
        world.c.attachments.withdraw(aid, AGENT, reason)
    assert world.c.attachments.withdraw(aid, AGENT, "not hers!!").state == "withdrawn"


def test_an_attachment_in_a_package_under_review_is_withdrawn_after_sending_it_back(
    world: World,
) -> None:
    aid, pid = under_review(world)
    with pytest.raises(ConflictError, match=f"package {pid}, awaiting review.*send it back"):
        world.c.attachments.withdraw(aid, AGENT, REASON)
    package = world.c.package_review.send_back(pid, REVIEWER, "one file too many")
    world.c.attachments.withdraw(aid, AGENT, REASON)
    assert world.c.packages.build(package.request_id, AGENT).attachment_count == 0


def test_an_attachment_in_an_approved_package_says_how_to_stop_that_package(
    world: World,
) -> None:
    aid, pid = under_review(world)
    world.c.package_review.approve(pid, REVIEWER)
    with pytest.raises(ConflictError, match=f"package {pid} was approved.*incident"):
        world.c.attachments.withdraw(aid, AGENT, REASON)


def test_an_upload_approved_after_the_build_is_not_in_it_and_may_be_withdrawn(
    world: World,
) -> None:
    rid = world.request_for(ANNA)
    pending = world.c.attachments.upload(
        rid, AGENT, filename="call.wav", content=io.BytesIO(b"RIFF a call"),
        collection="speaker.recordings", justification=WHY, labels=[("customer_id", "1")],
    )  # fmt: skip
    world.c.packages.build(rid, AGENT)
    world.clock.advance(timedelta(minutes=1))
    world.c.attachments.approve(pending.id, REVIEWER)
    assert world.c.attachments.withdraw(pending.id, AGENT, REASON).state == "withdrawn"


def test_the_same_record_or_file_is_bound_once(world: World) -> None:
    rid = world.request_for(ANNA)
    world.c.attachments.bind(rid, AGENT, collection="shop.orders", key=[1])
    with pytest.raises(ConflictError, match=r"that record of shop\.orders is bound"):
        world.c.attachments.bind(rid, AGENT, collection="shop.orders", key=["1"])
    aid = bound_recording(world, rid)
    with pytest.raises(ConflictError, match=f"already, as attachment {aid}"):
        bound_recording(world, rid)
    world.c.attachments.withdraw(aid, AGENT, REASON)
    assert bound_recording(world, rid) != aid


# --- the CLI ----------------------------------------------------------------------------------


def test_the_cli_lists_and_withdraws_attachments(cli: World) -> None:
    rid = cli.request_for(ANNA)
    aid = bound_recording(cli, rid)
    code, said = run("package", "withdraw-attachment", aid, "--reason", "x")
    assert code != 0 and said.count("\n") == 1 and "at least 10 visible characters" in said
    code, said = run("package", "withdraw-attachment", aid, "--reason", REASON)
    assert code == 0 and said == f"{aid}  withdrawn; the next build leaves it out\n"
    code, said = run("package", "attachments", rid, "--json")
    assert code == 0 and json.loads(said)[0]["withdrawal_reason"] == REASON
    code, said = run("package", "attachments", rid)
    assert code == 0 and aid in said and "withdrawn" in said
    code, said = run("package", "withdraw-attachment", "nope", "--reason", REASON)
    assert code == 2 and said.startswith("error: no attachment nope; `rightful package attachments")
    assert said.count("\n") == 1


@pytest.mark.parametrize(
    "options",
    [["--key", "1"], ["--uri", "blob://recordings/x.wav"]],
    ids=["file-and-key", "file-and-uri"],
)
def test_attach_refuses_a_file_together_with_a_key_or_uri(
    cli: World, tmp_path, options: list[str]
) -> None:
    note = tmp_path / "note.txt"
    note.write_text("a note")
    rid = cli.request_for(ANNA)
    args = ["package", "attach", rid, "--collection", "shop.orders", "--file", str(note)]
    code, said = run(*args, *options)
    assert code == 2 and said.startswith("error: --file uploads a file; --key and --uri bind")
    assert said.count("\n") == 1 and cli.c.attachments.for_request(rid) == []


def test_attach_refuses_a_justification_for_a_binding(cli: World) -> None:
    rid = cli.request_for(ANNA)
    code, said = run("package", "attach", rid, "--collection", "shop.orders", "--key", "1",
                     "--justification", WHY)  # fmt: skip
    assert code == 2 and said.startswith("error: --justification and --label go with --file")


# --- the API ----------------------------------------------------------------------------------


@pytest.fixture
def api(store_world: World) -> Iterator[tuple[World, TestClient, dict[str, str]]]:
    with store_world.c.store.transaction() as session:
        secret = staff.issue_key(session, store_world.clock, name="a", role="agent").secret
    with TestClient(create_app(store_world.c), raise_server_exceptions=False) as client:
        yield store_world, client, {"X-API-Key": secret}


def test_withdrawing_over_http(api: tuple[World, TestClient, dict[str, str]]) -> None:
    world, client, agent = api
    rid = world.request_for(ANNA)
    aid = bound_recording(world, rid)
    url = f"/api/v1/attachments/{aid}/withdraw"
    assert client.post(url, headers=agent, json={"reason": ""}).status_code == 422
    short = client.post(url, headers=agent, json={"reason": "x"})
    assert short.status_code == 422 and "at least 10 visible characters" in short.text
    done = client.post(url, headers=agent, json={"reason": REASON})
    assert done.status_code == 200, done.text
    assert (done.json()["state"], done.json()["withdrawal_reason"]) == ("withdrawn", REASON)
    again = client.post(url, headers=agent, json={"reason": REASON})
    assert again.status_code == 409 and "withdrawn already" in again.text
    missing = client.post("/api/v1/attachments/nope/withdraw", headers=agent,
                          json={"reason": REASON})  # fmt: skip
    assert missing.status_code == 404
    listed = client.get(f"/api/v1/requests/{rid}/attachments", headers=agent).json()
    assert listed[0]["withdrawn_by"] and listed[0]["state"] == "withdrawn"
