"""People who come into an incident's scope after the communication to the people concerned
went out (a package found later, a second report, facts learnt since) are told by the same
notice, unchanged, with their own part; nobody twice, nobody a rescope removed
(REQUIREMENTS.md:29, Art. 34(1): each person concerned at high risk is told without undue
delay; :31, Art. 5(2): provable afterwards)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from rightful.adapters.mail.sink import MailSink, ReceivedMail
from rightful.bootstrap import set_container
from rightful.domain.errors import ConflictError, InvalidInputError
from rightful.domain.incident_clocks import Audience
from rightful.domain.incident_scope import Scope, describe_person
from rightful.domain.incidents import IncidentKind, IncidentSource, Nature
from rightful.domain.lifecycle import Role
from rightful.domain.messaging import MailMessage
from rightful.domain.severity import Level
from rightful.domain.words import counted
from rightful.entrypoints.cli.main import app
from rightful.services.incident_jobs import run_incident_jobs
from rightful.services.incident_register import details
from rightful.services.incident_scope import ScopeCalculator
from rightful.services.incidents import IncidentReport

from ..delivery.conftest import ANNA_MAIL
from ..delivery.smtp_desks import relay_fixture  # noqa: F401 - the fixture, by its name relay
from .conftest import ANNA, CARL, CARL_MAIL, DPO, DPO_MAIL, Response, make_response
from .test_api_and_console import _csrf, _signed_in

NOTICE = "an incident concerning"  # in the subject of the communication to the people


@pytest.fixture
def by_smtp(store_url: str, tmp_path: object, relay: MailSink) -> Iterator[Response]:
    """The correct data map; mail over SMTP to the in-process relay; SQLite and PostgreSQL."""
    r = make_response(store_url, tmp_path, relay=relay)  # type: ignore[arg-type]
    yield r
    r.c.store.engine.dispose()


def _breach_of(r: Response, *customers: int) -> tuple[str, str]:
    """The customers' packages left in a public bucket; the communication to the people
    concerned drafted and approved: (incident id, notice id)."""
    packages = tuple(r.deliver_verified(c).package_id for c in customers)
    report = IncidentReport(IncidentKind.BREACH, IncidentSource.STAFF,
                            "The package was left in a public bucket for a day.",
                            package_ids=packages, nature=Nature.UNKNOWN_RECIPIENTS)  # fmt: skip
    incident_id = r.c.incidents.open(report, DPO).id
    run_incident_jobs(r.c.incidents)
    nid = next(n.id for n in r.c.incidents.notices.of(incident_id)
               if n.audience == Audience.SUBJECTS.value and n.status == "draft")  # fmt: skip
    r.c.incidents.notices.approve(nid, DPO)
    return incident_id, nid


def _told(relay: MailSink, address: str) -> list[str]:
    return [m.text for m in relay.messages() if address in m.to and NOTICE in m.subject]


def _untold(r: Response, incident_id: str, nid: str) -> int | None:
    shown = r.client.get(f"/api/v1/incidents/{incident_id}", headers=r.as_role("agent"))
    assert shown.status_code == 200, shown.text
    [notice] = [n for n in shown.json()["notices"] if n["id"] == nid]
    return notice["untold"]  # type: ignore[no-any-return]


def test_people_added_to_the_scope_after_the_notice_went_out_are_told_by_sending_it_again(
    by_smtp: Response, relay: MailSink
) -> None:
    """The notice went out to Anna; Carl's package turned out to be in the same bucket. Sending
    it again said it had reached everyone it named, and Carl was never told unless the DPO
    drafted a new notice that mailed Anna a second time."""
    incident_id, nid = _breach_of(by_smtp, ANNA)
    incidents = by_smtp.c.incidents
    assert incidents.notices.send(nid, DPO).recipients == 1
    assert len(_told(relay, ANNA_MAIL)) == 1 and _untold(by_smtp, incident_id, nid) == 0

    carls = by_smtp.deliver_verified(CARL).package_id  # found in the bucket the next day
    incidents.contain_more(incident_id, DPO, (carls,))
    scope = incidents.rescope(incident_id, DPO)
    [anna] = {d.subject for d in incidents.notices.deliveries(nid)}
    added = [p for p in scope.subjects if p != anna]  # Carl, and whoever else his package names
    assert anna in scope.subjects and len(added) >= 1
    assert _untold(by_smtp, incident_id, nid) == len(added)  # the API's incident view
    dpo = _signed_in(by_smtp, "dana", Role.DPO)
    page = dpo.get(f"/console/incidents/{incident_id}")
    assert f"{counted(len(added), 'person', 'people')} of the scope not told by it" in page.text
    page = dpo.get(f"/console/incidents/notices/{nid}")
    assert f"{counted(len(added), 'person', 'people')} of the current scope not told" in page.text
    assert f"Send again to the {len(added)} not reached" in page.text
    set_container(by_smtp.c)
    try:
        shown = CliRunner().invoke(app, ["incidents", "show", incident_id])
    finally:
        set_container(None)
    assert f"{counted(len(added), 'person', 'people')} of the scope not told by it" in " ".join(
        shown.output.split())  # fmt: skip

    again = incidents.notices.send(nid, DPO)
    assert (again.status, again.recipients, again.failures) == ("sent", 1 + len(added), 0)
    [carl_mail] = _told(relay, CARL_MAIL)
    assert any(describe_person(scope, p) in carl_mail for p in added)  # his own part
    assert len(_told(relay, ANNA_MAIL)) == 1, "nobody twice"
    assert _untold(by_smtp, incident_id, nid) == 0
    with pytest.raises(ConflictError, match="reached everyone"):
        incidents.notices.send(nid, DPO)
    [entry] = [e for e in details(incidents, incident_id)["timeline"]
               if e["action"] == "incident.notice_sent_again"]  # fmt: skip
    assert {k: entry["details"][k] for k in ("reached", "failed", "added")} == {
        "reached": len(added), "failed": 0, "added": len(added)}  # fmt: skip
    assert ANNA_MAIL not in str(entry) and CARL_MAIL not in str(entry)
    assert incidents.register.verify().ok


def test_the_dpo_is_reminded_once_of_the_people_a_sent_notice_has_not_told(
    by_smtp: Response, relay: MailSink
) -> None:
    """The notice's Art. 34 deadline was met when it first went out, so no reminder came for
    the people added since: nothing but the DPO's own reading of the scope would have told them
    (ids and counts only, in the mail, the log and the chain)."""
    incident_id, nid = _breach_of(by_smtp, ANNA)
    incidents = by_smtp.c.incidents
    incidents.notices.send(nid, DPO)
    assert _reminders(relay) == []
    incidents.contain_more(incident_id, DPO, (by_smtp.deliver_verified(CARL).package_id,))
    untold = len(incidents.rescope(incident_id, DPO).subjects) - 1

    assert run_incident_jobs(incidents).reminders == 1
    [reminder] = _reminders(relay)
    assert f"{counted(untold, 'person', 'people')} of the current scope" in reminder.text
    assert f"rightful incidents send {nid}" in reminder.text
    assert CARL_MAIL not in reminder.text and ANNA_MAIL not in reminder.text
    assert run_incident_jobs(incidents).reminders == 0, "once for the same people"
    [entry] = [e for e in details(incidents, incident_id)["timeline"]
               if e["action"] == "incident.reminder_sent"]  # fmt: skip
    assert (entry["details"]["notice_id"], entry["details"]["untold"]) == (nid, untold)
    assert entry["label"].startswith("reminder sent to the DPO: people of the scope not told")

    incidents.notices.send(nid, DPO)
    assert run_incident_jobs(incidents).reminders == 0 and len(_reminders(relay)) == 1


def _reminders(relay: MailSink) -> list[ReceivedMail]:
    return [m for m in relay.messages() if DPO_MAIL in m.to and "not told of" in m.subject]


def _less(scope: Scope, person: str) -> Scope:
    """The scope without `person`: what a rescope finds once the facts show that their data was
    not in it after all (a corrected data map)."""
    keep = [i for i, p in enumerate(scope.subjects) if p != person]
    return dataclasses.replace(
        scope, subjects=tuple(scope.subjects[i] for i in keep),
        subject_keys=tuple(scope.subject_keys[i] for i in keep),
        by_subject={p: v for p, v in scope.by_subject.items() if p != person},
    )  # fmt: skip


def test_people_a_rescope_removed_are_not_mailed_when_the_notice_goes_again(
    right_map: Response, monkeypatch: pytest.MonkeyPatch
) -> None:
    incident_id, nid = _breach_of(right_map, ANNA, CARL)
    incidents = right_map.c.incidents
    send = right_map.mailer.send

    monkeypatch.setattr(right_map.mailer, "send", right_map.refusing_mail_to(ANNA_MAIL))
    assert incidents.notices.send(nid, DPO).failures == 1
    assert _untold(right_map, incident_id, nid) == 1
    monkeypatch.setattr(right_map.mailer, "send", send)
    [anna] = [d.subject for d in incidents.notices.deliveries(nid) if d.outcome == "failed"]
    factory = incidents.scopes

    def narrowed() -> ScopeCalculator:
        calc, compute = factory(), factory().compute
        monkeypatch.setattr(calc, "compute", lambda target: _less(compute(target), anna))
        return calc

    monkeypatch.setattr(incidents, "scopes", narrowed)
    incidents.rescope(incident_id, DPO)
    assert _untold(right_map, incident_id, nid) == 0
    with pytest.raises(ConflictError, match="reached everyone the scope names"):
        incidents.notices.send(nid, DPO)
    assert not [m for m in right_map.mailer.to(ANNA_MAIL) if NOTICE in m.subject]


def _untold_of(r: Response, incident_id: str, nid: str) -> dict[str, object]:
    shown = r.client.get(f"/api/v1/incidents/{incident_id}", headers=r.as_role("agent"))
    assert shown.status_code == 200, shown.text
    [notice] = [n for n in shown.json()["notices"] if n["id"] == nid]
    return {k: notice[k] for k in ("untold", "untold_due_at", "untold_overdue")}


def _untold_reminders(r: Response) -> list[MailMessage]:
    return [m for m in r.mailer.to(DPO_MAIL) if "not told of" in m.subject]


def _cli(r: Response, *args: str) -> Result:
    set_container(r.c)
    try:
        return CliRunner().invoke(app, ["incidents", *args])
    finally:
        set_container(None)


def test_people_added_after_the_notice_went_out_have_a_due_time_of_their_own(
    right_map: Response,
) -> None:
    """REQUIREMENTS.md:30 (Art. 34(1)): each person concerned is told without undue delay. The
    notice met its deadline when it went out, so Carl, found four days later, had no clock: he
    was never overdue and the DPO heard of him once. Now he is due 72 hours (the regime's
    subjects_hours) after he came into the scope, shown, counted overdue and reminded."""
    incident_id, nid = _breach_of(right_map, ANNA)
    incidents, clock = right_map.c.incidents, right_map.world.clock
    incidents.notices.send(nid, DPO)
    clock.advance(timedelta(days=4))
    added_at = clock.now()
    incidents.contain_more(incident_id, DPO, (right_map.deliver_verified(CARL).package_id,))
    added = len(incidents.rescope(incident_id, DPO).subjects) - 1
    due = added_at + timedelta(hours=72)
    assert _untold_of(right_map, incident_id, nid) == {
        "untold": added, "untold_due_at": due.isoformat(), "untold_overdue": 0}  # fmt: skip
    run_incident_jobs(incidents)
    assert len(_untold_reminders(right_map)) == 1
    assert f"to be told by {due:%Y-%m-%d %H:%M} UTC" in _untold_reminders(right_map)[0].text

    clock.advance(timedelta(hours=50))  # 22 hours left: the 24-hour mark, as before a deadline
    run_incident_jobs(incidents)
    assert len(_untold_reminders(right_map)) == 2
    clock.advance(timedelta(hours=23))  # overdue
    assert _untold_of(right_map, incident_id, nid)["untold_overdue"] == added
    run_incident_jobs(incidents)
    run_incident_jobs(incidents)  # once per mark, not once per run
    reminders = _untold_reminders(right_map)
    assert len(reminders) == 3 and "(OVERDUE)" in reminders[-1].subject
    assert f"{added} overdue" in reminders[-1].text and CARL_MAIL not in reminders[-1].text
    timeline = details(incidents, incident_id)["timeline"]
    entry = [e for e in timeline if "untold" in e["details"]][-1]
    assert {k: entry["details"][k] for k in ("notice_id", "untold", "overdue", "due_at")} == {
        "notice_id": nid, "untold": added, "overdue": added, "due_at": due.isoformat()}  # fmt: skip

    shown = " ".join(_cli(right_map, "show", incident_id).output.split())
    assert f"not told by it, {added} overdue (due {due:%Y-%m-%d %H:%M} UTC; send it again)" in shown
    page = _signed_in(right_map, "dana", Role.DPO).get(f"/console/incidents/{incident_id}")
    assert f"{added} overdue" in page.text and f"{due:%Y-%m-%d %H:%M} UTC" in page.text

    incidents.notices.send(nid, DPO)  # told: no clock left
    assert _untold_of(right_map, incident_id, nid) == {
        "untold": 0, "untold_due_at": None, "untold_overdue": 0}  # fmt: skip


def _notified_with_anna_untold(r: Response, monkeypatch: pytest.MonkeyPatch,
                               out: Path) -> tuple[str, str]:  # fmt: skip
    """Anna's and Carl's packages in a public bucket; the authority notified; the people told,
    but the mail service refused Anna's."""
    incident_id, nid = _breach_of(r, ANNA, CARL)
    notices = r.c.incidents.notices
    authority = next(n.id for n in notices.of(incident_id)
                     if n.audience == Audience.AUTHORITY.value and n.status == "draft")  # fmt: skip
    notices.approve(authority, DPO)
    notices.export(authority, DPO, out)
    send = r.mailer.send
    monkeypatch.setattr(r.mailer, "send", r.refusing_mail_to(ANNA_MAIL))
    assert notices.send(nid, DPO).failures == 1
    monkeypatch.setattr(r.mailer, "send", send)
    return incident_id, nid


WHY = "Anna's address bounces; the breach was announced on the public status page."


def test_an_incident_with_people_never_told_closes_only_on_a_justified_art_34_3_exception(
    right_map: Response, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """REQUIREMENTS.md:30: the people concerned must be told; the exemptions (unintelligible,
    risk removed, disproportionate effort with a public communication) need a recorded
    justification. Closing left Anna untold with nothing on record but the closing."""
    incident_id, nid = _notified_with_anna_untold(right_map, monkeypatch, tmp_path)
    incidents = right_map.c.incidents
    with pytest.raises(ConflictError, match=r"1 person of the scope must be told .* was not"):
        incidents.close(incident_id, DPO, "Bucket policies are checked daily.")
    api = right_map.client.post(f"/api/v1/incidents/{incident_id}/close",
                                json={"remedial_action": "Bucket policies are checked daily."},
                                headers=right_map.as_role("dpo"))  # fmt: skip
    assert api.status_code == 409 and "Art. 34(3) exception" in api.json()["detail"]
    bad = right_map.client.post(f"/api/v1/incidents/{incident_id}/close", json={
        "remedial_action": "Bucket policies are checked daily.", "untold_exception": "busy",
        "justification": WHY}, headers=right_map.as_role("dpo"))  # fmt: skip
    assert bad.status_code == 422
    refused = _cli(right_map, "close", incident_id, "--remedial-action", "Buckets checked.")
    assert refused.exit_code != 0
    assert len(refused.output.strip().splitlines()) == 1 and "exception" in refused.output
    dpo = _signed_in(right_map, "dana", Role.DPO)
    path = f"/console/incidents/{incident_id}"
    page = dpo.get(path)
    form = {"csrf": _csrf(page.text), "remedial_action": "Bucket policies are checked daily."}
    answer = dpo.post(f"{path}/close", data=form)
    assert "must be told (Art. 34(1)) and was not" in answer.text
    assert incidents.get(incident_id).status != "closed"

    answer = dpo.post(f"{path}/close", data={**form, "csrf": _csrf(answer.text),
                                             "untold_exception": "public_communication",
                                             "justification": WHY})  # fmt: skip
    assert "Closed; the exception is recorded." in answer.text
    data = details(incidents, incident_id)
    assert data["status"] == "closed"
    [excepted] = data["untold_exceptions"]
    assert {k: excepted[k] for k in ("exception", "untold", "notice_ids", "justification")} == {
        "exception": "public_communication", "untold": 1, "notice_ids": [nid],
        "justification": WHY}  # fmt: skip
    [closed] = [e for e in data["timeline"] if e["action"] == "incident.closed"]
    assert {k: closed["details"][k] for k in ("untold", "untold_exception", "notice_ids")} == {
        "untold": 1, "untold_exception": "public_communication", "notice_ids": [nid]}  # fmt: skip
    assert closed["label"].startswith("incident closed with people of the scope untold")
    [anna] = [d.subject for d in incidents.notices.deliveries(nid) if d.outcome == "failed"]
    assert WHY not in str(closed) and anna not in str(closed) and ANNA_MAIL not in str(closed)
    page = dpo.get(path)
    assert "1 person of the scope untold" in page.text and "public communication" in page.text

    # Reopened, and closed again from the command line: each exception stays on record.
    incidents.reopen(incident_id, DPO, "The recipient of Carl's part wrote to us again.")
    done = _cli(right_map, "close", incident_id, "--remedial-action", "Buckets checked.",
                "--untold-exception", "risk_removed", "--justification", WHY)  # fmt: skip
    assert done.exit_code == 0, done.output
    shown = " ".join(_cli(right_map, "show", incident_id).output.split())
    assert "with 1 person untold, on Art. 34(3) risk_removed" in shown
    assert [x["exception"] for x in details(incidents, incident_id)["untold_exceptions"]] == [
        "public_communication", "risk_removed"]  # fmt: skip
    assert incidents.register.verify().ok


def test_people_the_decision_need_not_tell_do_not_hold_the_incident_open(
    right_map: Response, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Art. 34 applies when the people must be told; the DPO decided they need not be (told
    of their own accord), so closing needs no exception and none is recorded."""
    incident_id, _ = _notified_with_anna_untold(right_map, monkeypatch, tmp_path)
    incidents = right_map.c.incidents
    incidents.override(incident_id, DPO, Level.MEDIUM, "Only invoice totals; nothing at high "
                       "risk after all.", notify_subjects=False)  # fmt: skip
    with pytest.raises(InvalidInputError, match="everyone of the scope was told"):
        incidents.close(incident_id, DPO, "Buckets checked.", untold_exception="risk_removed",
                        justification=WHY)  # fmt: skip
    assert incidents.close(incident_id, DPO, "Buckets checked.").status == "closed"
    assert details(incidents, incident_id)["untold_exceptions"] == []
