"""The motivating case, replayed over HTTP: 1,700 voice recordings reached a stranger, the person
who reported it got no answer, the victim heard of it from the press, and the controller claimed
to have found it itself. Here, with two access requests in flight on the demo estate:

  1. two staff members approve, on the four-eyes path, a file that belongs to the other
     requester: the leak gate blocks the package and a near-miss is opened;
  2. the data map itself is wrong (no validity window on the device reference, so forward and
     reverse walks agree) and a previous owner's recordings go out to the new owner, who clicks
     "this is not my data": links revoked, package frozen, the recordings counted exactly, the
     breach scored, the 72-hour clock running, both notices drafted, the reporter acknowledged,
     and the register shows an outsider found it.

(REQUIREMENTS.md: Breaches — awareness, 72 hours, Art. 34, 33(5) register; 5(2) accountability;
the access response — 15(4) other people's data.)"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from rightful.bootstrap import set_container
from rightful.domain.lifecycle import Role
from rightful.domain.staff import Principal
from rightful.entrypoints.cli.main import app as cli

from ..integration.incidents.conftest import (
    CARL_MAIL,
    DATAMAP,
    DORA,
    DORA_MAIL,
    WRONG_MAP,
    Response,
    make_response,
)
from ..integration.packages.world import packaged_records

ANNA, OTHER_ANNA, CARL = 1, 3, 4
ADMIN = Principal("cli:test", Role.ADMIN)
PASSWORD = "a long enough password"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def estate_right(tmp_path: Path) -> Iterator[Response]:
    r = make_response(f"sqlite:///{tmp_path}/rightful.db", tmp_path, DATAMAP)
    yield r
    r.c.store.engine.dispose()


@pytest.fixture
def estate_wrong(tmp_path: Path) -> Iterator[Response]:
    r = make_response(f"sqlite:///{tmp_path}/rightful.db", tmp_path, WRONG_MAP)
    set_container(r.c)
    yield r
    set_container(None)
    r.c.store.engine.dispose()


def api(r: Response, method: str, path: str, role: str, **kw: Any) -> Any:
    response = r.client.request(method, f"/api/v1{path}", headers=r.as_role(role), **kw)
    assert response.status_code < 300, (path, response.status_code, response.text)
    return response.json()


# --- variant one: four eyes approve the other requester's file; the gate stops it ---------------


def test_four_eyes_on_the_other_requesters_file_are_stopped_by_the_gate(
    estate_right: Response,
) -> None:
    r = estate_right
    anna, other = r.world.request_for(ANNA), r.world.request_for(OTHER_ANNA)  # both in flight
    demo = r.world.estate.demo
    assert demo is not None
    her_recording = next(v for k, v in demo.blobs.items() if k.startswith("D-1002/"))
    uploaded = api(r, "POST", f"/requests/{anna}/attachments", "agent",
                   files={"file": ("voice.wav", her_recording, "audio/wav")},
                   data={"collection": "speaker.recordings",
                         "justification": "Support found this recording for Ms Schmidt's request.",
                         "labels": ["email=anna.s@example.org"]})  # fmt: skip
    api(
        r,
        "POST",
        f"/attachments/{uploaded['id']}/approve",
        "reviewer",
        json={"note": "Looks right to me"},
    )  # a second person: four eyes, both wrong
    package = api(r, "POST", f"/requests/{anna}/packages", "agent")
    assert package["status"] == "blocked"
    refused = r.client.post(f"/api/v1/packages/{package['id']}/approve",
                            headers=r.as_role("reviewer"))  # fmt: skip
    assert refused.status_code == 409

    (near_miss,) = api(r, "GET", "/incidents", "agent")
    assert (near_miss["kind"], near_miss["discovered_by"], near_miss["request_id"]) == (
        "near_miss", "controller", anna)  # fmt: skip
    r.c.incidents.triage(near_miss["id"])
    shown = api(r, "GET", f"/incidents/{near_miss['id']}", "dpo")
    assert shown["scope"]["basis"] == "offending_items"
    assert shown["scope"]["counts"]["records"] == 1  # exactly the attached file
    assert shown["scope"]["delivery"]["links"] == 0 and not shown["notify_authority"]
    assert shown["notices"] == []
    # The other requester's request goes on untouched; nothing of hers left the controller.
    assert r.c.requests.get(other).status == "verified"
    assert r.mailer.to("anna.s@example.org") == []


# --- variant two: the data map is wrong; the recipient reports it ------------------------------


def _sign_in(r: Response, name: str, role: Role) -> Any:
    r.web.staff_auth.add_user(name, role, ADMIN, PASSWORD)
    browser = r.another_browser()
    page = browser.get("/console/sign-in")
    browser.post("/console/sign-in", data={"csrf": _csrf(page.text), "name": name,
                 "password": PASSWORD, "code": r.web.staff_auth.totp_now(name)})  # fmt: skip
    return browser


def _csrf(page: str) -> str:
    found = CSRF.search(page)
    assert found is not None
    return found.group(1)


def _recordings_of(r: Response, package_id: str, owner: int | None) -> int:
    """Ground truth from the estate: packaged recordings that are `owner`'s (None: nobody's)."""
    demo = r.world.estate.demo
    assert demo is not None
    owners = {(row.collection, row.key): row.owners for row in demo.rows}
    want = frozenset({owner}) if owner else frozenset()
    return sum(1 for rec in packaged_records(r.world, package_id)
               if rec[0] == "speaker.recordings" and owners[rec] == want)  # fmt: skip


def test_a_previous_owners_recordings_reach_the_new_owner_who_reports_it(
    estate_wrong: Response,
) -> None:
    r = estate_wrong
    carl = r.world.request_for(CARL)  # the previous owner's own request is in flight too
    delivered = r.deliver_verified(DORA)
    assert _recordings_of(r, delivered.package_id, CARL) == 4  # the wrong map let them through

    # The new owner downloads, then tells us: this is not my data.
    r.download(delivered)
    clicked_at = r.world.clock.now()
    page = r.post(f"/d/{delivered.token}/not-mine")
    assert page.status_code == 200
    assert r.client.get(f"/d/{delivered.token}").status_code == 410  # revoked at once
    assert r.c.packages.get(delivered.package_id).status == "frozen"
    ack = r.mailer.to(DORA_MAIL)[-1]
    assert "stopped the download link" in ack.subject.lower()  # the reporter is answered

    # The click itself scoped, scored and drafted; the periodic job finds nothing left to do.
    r.world.clock.advance(timedelta(minutes=5))
    run = CliRunner().invoke(cli, ["jobs", "incidents"])
    assert run.exit_code == 0 and "0 triaged" in run.output, run.output
    (incident,) = api(r, "GET", "/incidents", "agent")
    shown = api(r, "GET", f"/incidents/{incident['id']}", "dpo")
    assert shown["aware_at"] == clicked_at.isoformat()
    assert shown["discovered_by"] == "outsider" and shown["reporter"]["kind"] == "recipient"
    first = shown["first_report"]
    assert first["action"] == "delivery.not_mine_reported" and first["at"] == clicked_at.isoformat()
    every = sum(1 for c, _ in packaged_records(r.world, delivered.package_id)
                if c == "speaker.recordings")  # fmt: skip
    assert shown["scope"]["counts"]["collections"][0] == {
        "collection": "speaker.recordings", "records": every, "files": every,
        "categories": shown["scope"]["counts"]["collections"][0]["categories"]}  # fmt: skip
    assert shown["scope"]["delivery"]["downloads"] == 1
    # REQUIREMENTS.md:32: intimate home recordings downloaded by a stranger: notify both.
    assert (shown["level"], shown["score"], shown["notify_authority"]) == ("high", 3.25, True)
    assert shown["notify_subjects"] is True
    authority = next(d for d in shown["deadlines"] if d["audience"] == "authority")
    assert authority["due_at"] == (clicked_at + timedelta(hours=72)).isoformat()
    assert authority["state"] == "open"
    assert sorted(n["audience"] for n in shown["notices"]) == ["authority", "subjects"]

    # Once the data map has its window back, the scope is exactly the previous owner's.
    r.correct_the_data_map()
    dpo = _sign_in(r, "dana", Role.DPO)
    page = dpo.get(f"/console/incidents/{incident['id']}")
    dpo.post(f"/console/incidents/{incident['id']}/rescope", data={"csrf": _csrf(page.text)})
    shown = api(r, "GET", f"/incidents/{incident['id']}", "dpo")
    carls = _recordings_of(r, delivered.package_id, CARL)
    (person,) = shown["scope"]["subjects"]
    assert shown["scope"]["by_subject"][person]["speaker.recordings"] == carls == 4
    recordings = shown["scope"]["counts"]["collections"][0]
    assert recordings["records"] == carls + _recordings_of(r, delivered.package_id, None)

    # The victim is told — by us, not by the press — and the authority gets its notification.
    (subjects,) = [n for n in shown["notices"]
                   if n["audience"] == "subjects" and n["status"] == "draft"]  # fmt: skip
    path = f"/console/incidents/notices/{subjects['id']}"
    page = dpo.post(f"{path}/approve", data={"csrf": _csrf(dpo.get(path).text)})
    assert "Approved." in page.text
    page = dpo.post(f"{path}/send", data={"csrf": _csrf(page.text), "late_reason": ""})
    assert "Sent to 1 person; 0 not reached." in page.text
    (told,) = r.mailer.to(CARL_MAIL)
    assert "mistake: 4 recordings with voice audio" in told.text  # his own, counted exactly
    (authority,) = [n for n in shown["notices"]
                    if n["audience"] == "authority" and n["status"] == "draft"]  # fmt: skip
    api(r, "POST", f"/incidents/notices/{authority['id']}/approve", "dpo")
    sent = api(r, "POST", f"/incidents/notices/{authority['id']}/send", "dpo", json={})
    assert "6 recordings" in sent["document"]["sections"]["categories"]
    final = api(r, "GET", f"/incidents/{incident['id']}", "dpo")
    assert final["status"] == "notified" and final["subjects_notified_at"]
    assert all(d["state"] in ("done", "not_required") for d in final["deadlines"])
    assert r.c.requests.get(carl).status == "verified"  # his own request is unaffected
    assert api(r, "GET", "/incidents/register/verify", "dpo")["ok"] is True
