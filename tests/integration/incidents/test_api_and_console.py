"""Incident response over HTTP: staff API keys by role (the DPO decides), and console pages for
the register, one incident and one notice, with CSRF and roles as everywhere in the console."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from rightful.domain.lifecycle import Role
from rightful.domain.staff import Principal

from .conftest import CARL, DORA, Response

ADMIN = Principal("cli:test", Role.ADMIN)
PASSWORD = "a long enough password"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _open_by_api(r: Response) -> dict:  # type: ignore[type-arg]
    delivered = r.deliver_verified(DORA)
    body = {"description": "The recipient phoned: these recordings are not hers.",
            "request_id": delivered.request_id, "outside": "subject"}  # fmt: skip
    response = r.client.post("/api/v1/incidents", json=body, headers=r.as_role("agent"))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def test_an_incident_naming_an_unknown_request_or_package_is_refused_and_nothing_is_kept(
    wrong_map: Response,
) -> None:
    delivered = wrong_map.deliver_verified(DORA)
    agent = wrong_map.as_role("agent")
    base = {"description": "The recipient phoned: these recordings are not hers."}
    before = wrong_map.client.get("/api/v1/incidents", headers=agent).json()
    for extra, status, reason in [
        ({"request_id": "no-such-request"}, 404, "no request no-such-request"),
        ({"package_ids": ["no-such-package"]}, 404, "no package no-such-package"),
        ({"request_id": wrong_map.world.request_for(CARL), "package_ids": [delivered.package_id]},
         422, f"package {delivered.package_id} belongs to request {delivered.request_id}"),
    ]:  # fmt: skip
        answer = wrong_map.client.post("/api/v1/incidents", json={**base, **extra}, headers=agent)
        assert answer.status_code == status, answer.text
        assert reason in answer.json()["detail"]
    assert wrong_map.client.get("/api/v1/incidents", headers=agent).json() == before


def test_agents_open_reviewers_assess_and_only_the_dpo_decides(wrong_map: Response) -> None:
    opened = _open_by_api(wrong_map)
    assert opened["status"] == "assessed" and opened["discovered_by"] == "outsider"
    assert opened["contained_at"] == opened["opened_at"]
    path = f"/api/v1/incidents/{opened['id']}"
    override = {"level": "high", "justification": "Recordings from inside a home, downloaded."}
    denied = wrong_map.client.post(f"{path}/override", json=override,
                                   headers=wrong_map.as_role("reviewer"))  # fmt: skip
    assert denied.status_code == 403
    done = wrong_map.client.post(f"{path}/override", json=override,
                                 headers=wrong_map.as_role("dpo"))  # fmt: skip
    assert done.status_code == 200 and done.json()["level"] == "high"
    assert wrong_map.client.get(path).status_code == 401  # no key, nothing


def test_a_notice_is_drafted_approved_and_sent_through_the_api(wrong_map: Response) -> None:
    opened = _open_by_api(wrong_map)
    notice = next(n for n in opened["notices"] if n["audience"] == "authority")
    base = f"/api/v1/incidents/notices/{notice['id']}"
    edit = wrong_map.client.patch(base, json={"sections": {"measures_taken": "Link revoked."}},
                                  headers=wrong_map.as_role("reviewer"))  # fmt: skip
    assert edit.status_code == 200 and edit.json()["sections"]["measures_taken"] == "Link revoked."
    dpo = wrong_map.as_role("dpo")
    assert wrong_map.client.post(f"{base}/approve", headers=dpo).json()["status"] == "approved"
    sent = wrong_map.client.post(f"{base}/send", json={}, headers=dpo)
    assert sent.status_code == 200 and sent.json()["document"]["sections"]["measures_taken"]
    markdown = wrong_map.client.get(f"{base}?format=markdown", headers=dpo)
    assert markdown.text.startswith("# Notification to")


def test_the_register_is_downloadable_and_verifiable_over_the_api(wrong_map: Response) -> None:
    _open_by_api(wrong_map)
    rows = wrong_map.client.get("/api/v1/incidents", headers=wrong_map.as_role("agent")).json()
    assert len(rows) == 1
    csv = wrong_map.client.get("/api/v1/incidents/register.csv",
                               headers=wrong_map.as_role("reviewer"))  # fmt: skip
    assert csv.status_code == 200 and csv.text.startswith("reference,id,kind,discovered_by")
    bad = wrong_map.client.get("/api/v1/incidents/register.xml",
                               headers=wrong_map.as_role("reviewer"))  # fmt: skip
    assert bad.status_code == 422
    verified = wrong_map.client.get("/api/v1/incidents/register/verify",
                                    headers=wrong_map.as_role("dpo")).json()  # fmt: skip
    assert verified["ok"] is True


def _signed_in(r: Response, name: str, role: Role) -> TestClient:
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


def test_the_console_shows_the_register_the_incident_and_its_notices(wrong_map: Response) -> None:
    opened = _open_by_api(wrong_map)
    browser = _signed_in(wrong_map, "dana", Role.DPO)
    register = browser.get("/console/incidents")
    assert register.status_code == 200 and opened["reference"] in register.text
    page = browser.get(f"/console/incidents/{opened['id']}")
    assert page.status_code == 200
    for words in ("outsider", "Clocks", "Scope (computed from the records)", "Override"):
        assert words in page.text
    notice = opened["notices"][0]["id"]
    shown = browser.get(f"/console/incidents/notices/{notice}")
    assert "Approve these words" in shown.text
    approved = browser.post(f"/console/incidents/notices/{notice}/approve",
                            data={"csrf": _csrf(shown.text)})  # fmt: skip
    assert "Approved." in approved.text
    assert wrong_map.c.incidents.notices.get(notice).approved_by is not None


def test_the_incident_page_names_the_exposed_categories_in_words_beside_their_keys(
    wrong_map: Response,
) -> None:
    """REQUIREMENTS.md:29 (Art. 33(3)): the DPO weighs a breach by the categories of data
    exposed, so the page names them in words, each with its key from the data map; the API
    keeps the keys, for machines."""
    opened = _open_by_api(wrong_map)
    exposed = {k for c in opened["scope"]["counts"]["collections"] for k in c["categories"]}
    assert "user.biometric.voice" in exposed
    browser = _signed_in(wrong_map, "dana", Role.DPO)
    page = html.unescape(browser.get(f"/console/incidents/{opened['id']}").text)
    table = page.split('aria-label="By collection"')[1].split("</table>")[0]
    assert "Voice recordings (user.biometric.voice)" in table
    assert all(f"({key})" in table for key in exposed)
    assert not re.search(r"<td[^>]*>(user|system)\.", table)


def test_every_console_page_leads_to_the_register_where_an_incident_is_opened(
    wrong_map: Response,
) -> None:
    """The register and its form were reached only by typing /console/incidents: no page of the
    console linked to them. An agent may read the register and open an incident."""
    browser = _signed_in(wrong_map, "ada", Role.AGENT)
    queue = browser.get("/console")
    assert 'href="/console/incidents"' in queue.text
    register = browser.get("/console/incidents")
    assert 'href="/console/incidents/new"' in register.text


def test_a_notice_names_the_staff_member_who_approved_it_not_their_session_or_os_account(
    wrong_map: Response,
) -> None:
    """People read the approver's name on the page and in the files sent to the authority; the
    notice's JSON keeps the principal id the audit chain records."""
    opened = _open_by_api(wrong_map)
    browser = _signed_in(wrong_map, "dana", Role.DPO)
    notice = opened["notices"][0]["id"]
    shown = browser.get(f"/console/incidents/notices/{notice}")
    approved = browser.post(f"/console/incidents/notices/{notice}/approve",
                            data={"csrf": _csrf(shown.text)})  # fmt: skip
    assert "approved by dana" in approved.text and "staff:" not in approved.text
    notices = wrong_map.c.incidents.notices
    row = notices.get(notice)
    assert "approved by dana" in notices.markdown(row) and "staff:" not in notices.markdown(row)
    document = notices.document(row)
    assert document["approved_by"] == "dana"
    assert document["approved_by_id"] == row.approved_by and row.approved_by.startswith("staff:")
    notices.edit(notice, ADMIN, {"nature": "What happened, said again by the administrator."})
    notices.approve(notice, ADMIN)
    assert notices.document(notices.get(notice))["approved_by"] == "test"  # the OS account


def test_the_console_refuses_a_decision_without_the_dpo_role_or_the_csrf_token(
    wrong_map: Response,
) -> None:
    opened = _open_by_api(wrong_map)
    browser = _signed_in(wrong_map, "rita", Role.REVIEWER)
    page = browser.get(f"/console/incidents/{opened['id']}")
    assert "Override the assessment" not in page.text
    form = {"csrf": _csrf(page.text), "level": "low", "justification": "x" * 30}
    refused = browser.post(f"/console/incidents/{opened['id']}/override", data=form)
    assert refused.status_code == 403
    dpo = _signed_in(wrong_map, "dana", Role.DPO)
    no_token = dpo.post(f"/console/incidents/{opened['id']}/override",
                        data={**form, "csrf": "forged"})  # fmt: skip
    assert no_token.status_code in (401, 403) or "sign" in no_token.text.lower()
    assert wrong_map.c.incidents.get(opened["id"]).level == opened["level"]


def test_an_incident_is_reached_by_its_reference_everywhere(wrong_map: Response) -> None:
    """docs/incidents.md: `INC-2934e53d` or the first 8 characters name an incident. What is
    written through a reference names the full id, so the timeline and the notices find it."""
    opened = _open_by_api(wrong_map)
    full, short = opened["id"], opened["id"][:8]
    dpo = wrong_map.as_role("dpo")
    drafted = wrong_map.client.post(f"/api/v1/incidents/{short}/notices",
                                    json={"audience": "authority"}, headers=dpo)  # fmt: skip
    assert drafted.status_code == 201, drafted.text
    override = {"level": "high", "justification": "Recordings from inside a home, downloaded."}
    done = wrong_map.client.post(f"/api/v1/incidents/INC-{short}/override", json=override,
                                 headers=dpo)  # fmt: skip
    assert done.status_code == 200, done.text
    notices = wrong_map.c.incidents.notices.of(full)
    assert {n.incident_id for n in notices} == {full} and len(notices) >= 2
    by_reference = [e.action for e in wrong_map.c.incidents.register.timeline(f"INC-{short}")]
    assert by_reference == [e.action for e in wrong_map.c.incidents.register.timeline(full)]
    assert "incident.overridden" in by_reference


def test_the_console_refuses_an_assessment_of_a_nature_that_does_not_exist(
    wrong_map: Response,
) -> None:
    """An unknown nature was a server error; it is a message naming the natures there are (the
    form comes back as typed, with its reason for a contextual factor)."""
    opened = _open_by_api(wrong_map)
    reviewer = _signed_in(wrong_map, "rita", Role.REVIEWER)
    before = [e.action for e in wrong_map.c.incidents.register.timeline(opened["id"])]
    page = reviewer.get(f"/console/incidents/{opened['id']}")
    answer = reviewer.post(f"/console/incidents/{opened['id']}/assess",
                           data={"csrf": _csrf(page.text), "nature": "volcano"})  # fmt: skip
    assert answer.status_code == 422 and "the nature of the breach is one of" in answer.text
    after = [e.action for e in wrong_map.c.incidents.register.timeline(opened["id"])]
    assert after == before


def test_the_console_refuses_a_notice_to_an_audience_that_does_not_exist(
    wrong_map: Response,
) -> None:
    opened = _open_by_api(wrong_map)
    dpo = _signed_in(wrong_map, "dana", Role.DPO)
    page = dpo.get(f"/console/incidents/{opened['id']}")
    answer = dpo.post(f"/console/incidents/{opened['id']}/notices",
                      data={"csrf": _csrf(page.text), "audience": "nobody"})  # fmt: skip
    assert answer.status_code == 200 and "a notice goes to one of" in answer.text


def test_the_console_records_containment_and_the_dpo_reopens_a_closed_incident(
    right_map: Response,
) -> None:
    """docs/incidents.md: the console pages offer the same actions by role as the CLI and API,
    with CSRF tokens: `contained` for agents, `reopen` for the DPO."""
    from rightful.domain.incidents import IncidentKind, IncidentSource
    from rightful.domain.severity import Level
    from rightful.services.incidents import IncidentReport

    incidents = right_map.c.incidents
    row = incidents.open(IncidentReport(IncidentKind.BREACH, IncidentSource.STAFF,
                                        "A laptop with exports was lost"), ADMIN)  # fmt: skip
    path = f"/console/incidents/{row.id}"
    agent = _signed_in(right_map, "alex", Role.AGENT)
    page = agent.get(path)
    assert "Record containment" in page.text and "Reopen" not in page.text
    forged = agent.post(f"{path}/contained", data={"csrf": "forged", "measure": "Disk wiped."})
    assert forged.status_code in (401, 403) or "sign" in forged.text.lower()
    assert incidents.get(row.id).contained_at is None
    measure = {"csrf": _csrf(page.text), "measure": "The laptop was wiped remotely."}
    done = agent.post(f"{path}/contained", data=measure)
    assert done.status_code == 200 and "Containment recorded" in done.text
    assert incidents.get(row.id).status == "contained"
    incidents.override(row.id, ADMIN, Level.LOW, "The disk was encrypted; the key was not lost.",
                       notify_authority=False, notify_subjects=False)  # fmt: skip
    incidents.close(row.id, ADMIN, "Laptops are encrypted and wiped remotely.")
    reviewer = _signed_in(right_map, "rita", Role.REVIEWER)
    page = reviewer.get(path)
    assert "Reopen" not in page.text
    reason = {"csrf": _csrf(page.text), "reason": "The key was on a note in the laptop bag."}
    assert reviewer.post(f"{path}/reopen", data=reason).status_code == 403
    dpo = _signed_in(right_map, "dana", Role.DPO)
    page = dpo.get(path)
    assert "Reopen" in page.text
    reopened = dpo.post(f"{path}/reopen", data={**reason, "csrf": _csrf(page.text)})
    assert reopened.status_code == 200 and "Reopened" in reopened.text
    assert incidents.get(row.id).status == "assessed"
    actions = [e.action for e in incidents.register.timeline(row.id)]
    assert actions.count("incident.contained") == 1 and "incident.reopened" in actions


def test_an_earlier_awareness_is_recorded_in_the_console_too(wrong_map: Response) -> None:
    """The console opens incidents as aware now and had no way to say otherwise afterwards."""
    opened = _open_by_api(wrong_map)
    browser = _signed_in(wrong_map, "rita", Role.REVIEWER)
    path = f"/console/incidents/{opened['id']}"
    page = browser.get(path)
    assert 'name="aware_at"' in page.text
    recorded = browser.post(f"{path}/facts", data={"csrf": _csrf(page.text),
                                                   "aware_at": "2026-03-01T08:15"})  # fmt: skip
    assert "Recorded." in recorded.text
    row = wrong_map.c.incidents.get(opened["id"])
    assert row.aware_at == datetime(2026, 3, 1, 8, 15, tzinfo=UTC)
    bad = browser.post(f"{path}/facts", data={"csrf": _csrf(recorded.text), "aware_at": "soon"})
    assert "give the time of awareness as YYYY-MM-DDTHH:MM (UTC)" in bad.text
