"""The contextual factors of the ENISA score (REQUIREMENTS.md:37) that the records cannot tell:
staff enter them with a written reason through the API, the console and the CLI; they count in
the assessment and stay through a rescope, the assessment and the Art. 33 draft give the
reason, and the audit chain holds the factor, the step and the reason's digest, never the words.

The motivating case scores DPC 3 (behavioural voice recordings, +1 their sensitivity): high."""

from __future__ import annotations

import html
from typing import Any

import pytest
from typer.testing import CliRunner

from rightful.adapters.db.audit import SqlAuditLog
from rightful.domain.lifecycle import Role
from rightful.entrypoints.cli.main import app

from .conftest import Response
from .test_api_and_console import _csrf, _open_by_api, _signed_in

CHILDREN = "The household's own account says two young children live there."
OLD = "The recordings are from a speaker reset years ago; most are of former tenants."


def _adjusted(r: Response, incident_id: str) -> list[dict[str, Any]]:
    with r.c.store.transaction() as session:
        entries = SqlAuditLog().entries(session)
        return [dict(e.summary) for e in entries if e.action == "incident.adjusted"
                and e.summary.get("incident_id") == incident_id]  # fmt: skip


def _in_force(data: dict[str, Any]) -> dict[str, Any]:
    return next(a for a in data["assessments"] if a["in_force"])


def test_a_factor_entered_through_the_api_counts_and_is_told_with_its_reason(
    wrong_map: Response,
) -> None:
    opened = _open_by_api(wrong_map)
    assert (_in_force(opened)["dpc"], opened["level"]) == (3, "high")
    path = f"/api/v1/incidents/{opened['id']}/assess"
    body = {"adjustments": [{"factor": "vulnerable", "step": 1, "reason": CHILDREN}]}
    answer = wrong_map.client.post(path, json=body, headers=wrong_map.as_role("reviewer"))
    assert answer.status_code == 200, answer.text
    data = answer.json()
    line = f"+1: vulnerability of the people (entered by staff): {CHILDREN}"
    assert (_in_force(data)["dpc"], data["level"]) == (4, "very_high")
    assert line in _in_force(data)["reasoning"]
    assert data["adjustments"] == [
        {"factor": "vulnerable", "step": 1, "delta": 1, "reason": CHILDREN}
    ]
    authority = next(n for n in data["notices"]
                     if n["audience"] == "authority" and n["status"] == "draft")  # fmt: skip
    assert f"- {line}" in authority["sections"]["assessment"]
    chained = _adjusted(wrong_map, opened["id"])
    assert [(s["factor"], s["step"]) for s in chained] == [("vulnerable", 1)]
    assert CHILDREN not in repr(chained) and chained[0]["reason_sha256"]
    # the system's rescope (the recipient answered, the data map was fixed) keeps the factor
    wrong_map.c.incidents.rescope(opened["id"])
    assert wrong_map.c.incidents.get(opened["id"]).level == "very_high"
    withdraw = {"adjustments": [{"factor": "vulnerable", "step": 0}]}
    back = wrong_map.client.post(path, json=withdraw, headers=wrong_map.as_role("reviewer"))
    assert back.json()["level"] == "high" and back.json()["adjustments"] == []
    assert [s["step"] for s in _adjusted(wrong_map, opened["id"])] == [1, 0]


@pytest.mark.parametrize(
    ("adjustment", "why"),
    [
        ({"factor": "volume", "step": 2, "reason": "Two years of recordings, every day."},
         "volume: a step from 0 to 1"),  # ENISA moves volume one step
        ({"factor": "controller", "step": 1, "reason": "dating"},
         "the reason for controller: at least 10 visible characters"),
        ({"factor": "gossip", "step": 1, "reason": CHILDREN}, "Input should be 'volume'"),
    ],
)  # fmt: skip
def test_the_api_refuses_a_step_enisa_does_not_take_or_a_factor_without_a_reason(
    wrong_map: Response, adjustment: dict[str, Any], why: str
) -> None:
    opened = _open_by_api(wrong_map)
    path = f"/api/v1/incidents/{opened['id']}/assess"
    answer = wrong_map.client.post(path, json={"adjustments": [adjustment]},
                                   headers=wrong_map.as_role("reviewer"))  # fmt: skip
    assert answer.status_code == 422 and why in answer.text
    assert _adjusted(wrong_map, opened["id"]) == []
    assert wrong_map.c.incidents.get(opened["id"]).level == "high"


def test_a_factor_entered_in_the_console_is_shown_with_its_reason(wrong_map: Response) -> None:
    opened = _open_by_api(wrong_map)
    reviewer = _signed_in(wrong_map, "rita", Role.REVIEWER)
    page = reviewer.get(f"/console/incidents/{opened['id']}")
    assert "A contextual factor the records cannot tell" in page.text
    form = {"csrf": _csrf(page.text), "nature": "", "factor": "old", "step": "1"}
    short = reviewer.post(f"/console/incidents/{opened['id']}/assess",
                          data={**form, "reason": "old stuff"})  # fmt: skip
    assert short.status_code == 422 and "at least 10 visible characters" in short.text
    assert '<option value="old" selected>' in short.text and "old stuff</textarea>" in short.text
    done = reviewer.post(f"/console/incidents/{opened['id']}/assess",
                         data={**form, "reason": OLD})  # fmt: skip
    text = html.unescape(done.text)
    assert "Assessed: medium." in text
    assert f"-1 age of the data: {OLD}" in text
    assert f"-1: age of the data (entered by staff): {OLD}" in text
    assert [(s["factor"], s["step"]) for s in _adjusted(wrong_map, opened["id"])] == [("old", 1)]


def test_a_factor_entered_at_the_command_line_counts(wrong_map: Response, cli: CliRunner) -> None:
    opened = _open_by_api(wrong_map)
    given = "controller=1:Speakers sold only to one gated community; status can be assumed."
    answer = cli.invoke(app, ["incidents", "assess", opened["id"], "--adjust", given])
    assert answer.exit_code == 0, answer.output
    assert answer.output.startswith("very_high")
    assert wrong_map.c.incidents.get(opened["id"]).level == "very_high"
    wrong = cli.invoke(app, ["incidents", "assess", opened["id"], "--adjust", "controller"])
    assert wrong.exit_code == 2 and "give FACTOR=STEP:REASON" in wrong.output
    assert wrong.output.count("\n") == 1
