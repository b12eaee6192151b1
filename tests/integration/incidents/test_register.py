"""The breach register (Art. 33(5)) lists every incident with facts, effects, decision and
remedial action, exports as CSV and JSON, shows in the terminal, tells each incident's story
from the audit chain, and cannot be edited afterwards without verification failing
(REQUIREMENTS.md:31, :33, Breaches — 33(5) register of every breach; 5(2) accountability)."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from rightful.adapters.db.incidents import IncidentRow
from rightful.domain.delivery import Client
from rightful.domain.errors import InvalidInputError
from rightful.domain.severity import Level
from rightful.entrypoints.cli import common
from rightful.entrypoints.cli.main import app
from rightful.services.incident_jobs import run_incident_jobs
from rightful.services.incident_register import details

from ..packages.corrupt import DropsValidityWindows
from ..packages.world import AGENT
from .conftest import DORA, DPO, Response

RECIPIENT = Client(ip="198.51.100.4", user_agent="Browser")


def _button_and_gate(r: Response) -> tuple[str, str]:
    """Two incidents: a misdelivery reported by the recipient and a near-miss of the gate."""
    delivered = r.deliver_verified(DORA)
    r.download(delivered)
    misdelivery = r.web.not_mine.report_token(delivered.token, RECIPIENT).incident_id
    other = r.world.request_for(DORA)
    r.world.packages_with(DropsValidityWindows()).build(other, AGENT)
    run_incident_jobs(r.c.incidents)
    near_miss = next(i.id for i in r.c.incidents.all() if i.kind == "near_miss")
    assert misdelivery is not None
    return misdelivery, near_miss


def test_the_register_holds_near_misses_and_breaches_with_their_decision(
    wrong_map: Response, tmp_path: Path
) -> None:
    misdelivery, near_miss = _button_and_gate(wrong_map)
    register = wrong_map.c.incidents.register
    assert register.export(tmp_path / "register.csv", DPO) == 2
    rows = {r["id"]: r for r in csv.DictReader((tmp_path / "register.csv").open())}
    assert (rows[near_miss]["discovered_by"], rows[near_miss]["notify_authority"]) == (
        "controller", "False")  # fmt: skip
    assert (rows[misdelivery]["discovered_by"], rows[misdelivery]["notify_authority"]) == (
        "outsider", "True")  # fmt: skip
    assert "recordings" in rows[misdelivery]["effects"] and rows[near_miss]["decision"]
    register.export(tmp_path / "register.json", DPO)
    data = json.loads((tmp_path / "register.json").read_text())
    assert data["format"] == "rightful-breach-register/1" and len(data["incidents"]) == 2
    assert "incident.register_exported" in [e.action for e in _all_actions(wrong_map)]


def _all_actions(r: Response) -> list:  # type: ignore[type-arg]
    from rightful.adapters.db.audit import SqlAuditLog

    with r.c.store.transaction() as session:
        return list(SqlAuditLog().entries(session))


def test_the_timeline_tells_who_reported_first_when_it_was_contained_and_each_decision(
    wrong_map: Response,
) -> None:
    misdelivery, _ = _button_and_gate(wrong_map)
    events = wrong_map.c.incidents.register.timeline(misdelivery)
    actions = [e.action for e in events]
    first = actions.index("delivery.not_mine_reported")
    assert first < actions.index("incident.opened") < actions.index("incident.contained")
    assert events[first].actor.startswith("not_mine:") and events[first].role == "public"
    for later in ("incident.scoped", "incident.assessed", "incident.notice_drafted"):
        assert actions.index("incident.contained") < actions.index(later)
    assert "delivery.attempt" in actions  # the downloads before the report
    attempts = [e.label for e in events if e.action == "delivery.attempt"]
    assert "download attempt: download started" in attempts
    assert 'download attempt: the recipient pressed "this is not my data"' in attempts


@pytest.mark.postgres
def test_editing_an_incident_row_behind_the_chain_fails_verification(any_store: Response) -> None:
    misdelivery, _ = _button_and_gate(any_store)
    incidents = any_store.c.incidents
    assert incidents.verify_register().ok, incidents.verify_register().describe()
    with any_store.c.store.engine.begin() as db:
        db.execute(text("UPDATE incidents SET level = 'low', notify_authority = :f WHERE id = :i"),
                   {"f": False, "i": misdelivery})  # fmt: skip
    result = incidents.verify_register()
    assert not result.ok and result.chain_ok
    assert {(p.incident_id, p.field) for p in result.problems} == {
        (misdelivery, "level"), (misdelivery, "notify_authority")}  # fmt: skip


def test_a_notices_words_edited_behind_the_chain_fail_verification(any_store: Response) -> None:
    """What went to the authority is provable: the chain holds the digest of every version."""
    misdelivery, _ = _button_and_gate(any_store)
    incidents = any_store.c.incidents
    notice = incidents.notices.of(misdelivery)[0]
    assert incidents.verify_register().ok, incidents.verify_register().describe()
    changed = {**notice.sections, "nature": "The data was encrypted."}
    with any_store.c.store.engine.begin() as db:
        db.execute(text("UPDATE incident_notices SET sections = :s WHERE id = :i"),
                   {"s": json.dumps(changed), "i": notice.id})  # fmt: skip
    result = incidents.verify_register()
    assert not result.ok and result.chain_ok
    assert [str(p) for p in result.problems] == [
        f"incident {misdelivery} field notice {notice.id} words: differs"
    ]


def test_a_notice_deleted_or_ungiven_behind_the_chain_fails_verification(
    any_store: Response, tmp_path: Path
) -> None:
    """REQUIREMENTS.md:33 (5(2)): every disclosure provable afterwards. Deleting the row of a
    notification passed verification, and its deadline showed as open again."""
    misdelivery, _ = _button_and_gate(any_store)
    incidents = any_store.c.incidents
    notice = next(n for n in incidents.notices.of(misdelivery) if n.audience == "authority")
    incidents.notices.approve(notice.id, DPO)
    incidents.notices.export(notice.id, DPO, tmp_path)
    assert incidents.verify_register().ok, incidents.verify_register().describe()
    with any_store.c.store.engine.begin() as db:
        db.execute(text("UPDATE incident_notices SET status = 'superseded' WHERE id = :i"),
                   {"i": notice.id})  # fmt: skip
    assert [str(p) for p in incidents.verify_register().problems] == [
        f"incident {misdelivery} field notice {notice.id} status: differs"
    ], "a notification moved out of the given ones leaves its deadline open again"
    with any_store.c.store.engine.begin() as db:
        db.execute(text("DELETE FROM incident_notices WHERE id = :i"), {"i": notice.id})
    result = incidents.verify_register()
    assert not result.ok and result.chain_ok
    assert [str(p) for p in result.problems] == [
        f"incident {misdelivery} field notice {notice.id}: row missing"
    ]


def test_a_register_row_added_behind_the_chain_is_found(right_map: Response) -> None:
    rid = right_map.world.request_for(DORA)
    right_map.world.packages_with(DropsValidityWindows()).build(rid, AGENT)
    genuine = right_map.c.incidents.all()[0]
    with right_map.c.store.transaction() as session:
        forged = IncidentRow(id="f" * 36, kind="near_miss", source="staff", status="closed",
                             opened_at=genuine.opened_at, aware_at=genuine.aware_at,
                             reporter="key:x", opened_by="key:x")  # fmt: skip
        session.add(forged)
    (problem,) = right_map.c.incidents.register.verify().problems
    assert (problem.incident_id, problem.reason) == ("f" * 36, "not_in_chain")


def test_changes_through_rightful_keep_the_register_verifiable(wrong_map: Response) -> None:
    misdelivery, _ = _button_and_gate(wrong_map)
    incidents = wrong_map.c.incidents
    incidents.update_facts(misdelivery, DPO, remedial_action="Window restored in the data map.")
    before = len(incidents.register.timeline(misdelivery))
    with pytest.raises(InvalidInputError, match="corrected facts, the remedial action"):
        incidents.update_facts(misdelivery, DPO, description=" ")
    assert len(incidents.register.timeline(misdelivery)) == before, "nothing recorded"
    done = incidents.update_facts(misdelivery, DPO, description="  ",
                                  remedial_action="Recipient called; copy deleted.")  # fmt: skip
    assert done.remedial_action == "Recipient called; copy deleted.", "a blank one is left alone"
    with pytest.raises(InvalidInputError, match="the facts: contains control characters"):
        incidents.update_facts(misdelivery, DPO, description="\x00" * 12)
    wrong_map.correct_the_data_map()
    incidents.rescope(misdelivery, DPO)
    assert incidents.register.verify().ok


def test_rightful_incidents_lists_the_register_in_the_terminal(
    wrong_map: Response, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    misdelivery, near_miss = _button_and_gate(wrong_map)
    monkeypatch.setattr(common.console, "width", 200)  # a wide terminal, whatever ran before
    result = cli.invoke(app, ["incidents"])
    assert result.exit_code == 0, result.output
    assert "Breach register" in result.output
    for incident_id in (misdelivery, near_miss):
        assert f"INC-{incident_id[:8]}" in result.output
    assert "outsider (recipient)" in result.output and "controller (gate)" in result.output
    shown = cli.invoke(app, ["incidents", "show", misdelivery, "--json"])
    assert json.loads(shown.output)["first_report"]["action"] == "delivery.not_mine_reported"
    assert cli.invoke(app, ["incidents", "verify"]).exit_code == 0


def test_the_terminal_says_its_times_are_utc_as_the_notices_do(
    wrong_map: Response, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """REQUIREMENTS.md:28 (Art. 33(1)): 72 hours from awareness. `incidents show` and the
    register printed "aware 2026-03-02 10:00" and "due 2026-03-05 10:00" in UTC without
    saying so: read as local time in California, the deadline looked eight hours later."""
    misdelivery, _ = _button_and_gate(wrong_map)
    monkeypatch.setattr(common.console, "width", 200)
    data = json.loads(cli.invoke(app, ["incidents", "show", misdelivery, "--json"]).output)
    aware = datetime.fromisoformat(data["aware_at"]).astimezone(UTC)
    shown = cli.invoke(app, ["incidents", "show", misdelivery]).output
    assert f"aware {aware:%Y-%m-%d %H:%M} UTC" in shown, shown
    assert f"gdpr authority: open (due {aware + timedelta(hours=72):%Y-%m-%d %H:%M} UTC)" in shown
    assert f"{aware:%Y-%m-%d %H:%M} UTC" in cli.invoke(app, ["incidents"]).output


def test_the_cli_walks_a_notice_from_draft_to_the_authoritys_files(
    wrong_map: Response, cli: CliRunner, tmp_path: Path
) -> None:
    misdelivery, _ = _button_and_gate(wrong_map)
    drafted = cli.invoke(app, ["incidents", "draft", misdelivery, "--audience", "authority"])
    notice_id = drafted.output.split()[1]
    edited = cli.invoke(app, ["incidents", "edit", notice_id, "--section", "measures_proposed",
                              "--text", "Restore the window; re-gate every package."])  # fmt: skip
    assert edited.exit_code == 0, edited.output
    assert cli.invoke(app, ["incidents", "approve", notice_id]).exit_code == 0
    sent = cli.invoke(app, ["incidents", "send", notice_id, "--out", str(tmp_path / "out")])
    assert sent.exit_code == 0, sent.output
    (md,) = (tmp_path / "out").glob("*.md")
    assert "Restore the window; re-gate every package." in md.read_text()
    refused = cli.invoke(app, ["incidents", "approve", notice_id])
    assert refused.exit_code != 0 and "only a draft can be approved" in refused.output
    again = cli.invoke(app, ["incidents", "send", notice_id, "--out", str(tmp_path / "out")])
    assert (
        again.exit_code != 0 and "the notice is exported already; it goes out once" in again.output
    )


def test_an_incident_is_found_by_the_reference_people_are_shown(
    wrong_map: Response, cli: CliRunner
) -> None:
    """The register, mails and pages name an incident INC-2934e53d: that opens it too, as do
    the first eight characters of its id. After an override the level says who set it."""
    misdelivery, _ = _button_and_gate(wrong_map)
    for reference in (f"INC-{misdelivery[:8]}", misdelivery[:8], misdelivery[:8].upper()):
        shown = cli.invoke(app, ["incidents", "show", reference, "--json"])
        assert shown.exit_code == 0, shown.output
        assert json.loads(shown.output)["id"] == misdelivery
    unknown = cli.invoke(app, ["incidents", "show", "INC-00000000"])
    assert unknown.exit_code == 2 and "no incident INC-00000000" in unknown.output
    wrong_map.c.incidents.override(misdelivery, DPO, Level.HIGH, "voice recordings of a stranger")
    shown = cli.invoke(app, ["incidents", "show", f"INC-{misdelivery[:8]}"])
    assert "level: high (set by the DPO)" in shown.output and "None" not in shown.output


def test_exports_never_overwrite_unasked_follow_links_or_carry_formulas(
    right_map: Response, cli: CliRunner, tmp_path: Path
) -> None:
    from rightful.domain.incidents import IncidentKind, IncidentSource
    from rightful.services.incidents import IncidentReport

    report = IncidentReport(IncidentKind.BREACH, IncidentSource.STAFF,
                            '=HYPERLINK("http://evil.example","click") was typed here')  # fmt: skip
    right_map.c.incidents.open(report, DPO)
    target = tmp_path / "register.csv"
    assert cli.invoke(app, ["incidents", "export", str(target)]).exit_code == 0
    [row] = list(csv.DictReader(target.open()))
    assert row["facts"].startswith("'=HYPERLINK"), "a spreadsheet shows it as text"
    again = cli.invoke(app, ["incidents", "export", str(target)])
    assert again.exit_code == 2 and "exists; pass --force" in again.output
    kept = tmp_path / "kept.csv"
    kept.write_text("mine")
    target.unlink()
    target.symlink_to(kept)
    linked = cli.invoke(app, ["incidents", "export", str(target), "--force"])
    assert linked.exit_code == 2 and "not a regular file" in linked.output
    assert kept.read_text() == "mine"


def test_cli_file_mistakes_are_one_line(
    wrong_map: Response, cli: CliRunner, tmp_path: Path
) -> None:
    misdelivery, _ = _button_and_gate(wrong_map)
    drafted = cli.invoke(app, ["incidents", "draft", misdelivery, "--audience", "authority"])
    notice_id = drafted.output.split()[1]
    latin1 = tmp_path / "words.txt"
    latin1.write_bytes("Maßnahmen".encode("latin-1"))
    edited = cli.invoke(app, ["incidents", "edit", notice_id, "--section", "nature",
                              "--from-file", str(latin1)])  # fmt: skip
    assert edited.exit_code == 2 and "is not UTF-8 text (byte 2)" in edited.output
    assert cli.invoke(app, ["incidents", "approve", notice_id]).exit_code == 0
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    sent = cli.invoke(app, ["incidents", "send", notice_id, "--out", str(a_file)])
    assert sent.exit_code == 2 and "is not a folder" in sent.output
    under_a_file = cli.invoke(app, ["incidents", "send", notice_id, "--out", str(a_file / "sub")])
    assert under_a_file.exit_code == 2, under_a_file.output
    assert under_a_file.output.count("\n") == 1
    assert "cannot create the folder" in under_a_file.output
    assert cli.invoke(app, ["incidents", "notice", notice_id]).output.count("approved") >= 1


def test_a_notice_edit_given_both_text_and_file_says_to_give_one(
    right_map: Response, cli: CliRunner, tmp_path: Path
) -> None:
    """House rule: one line saying what to fix. Both given was answered as if neither was."""
    words = tmp_path / "words.txt"
    words.write_text("What happened, in the DPO's words.")
    both = cli.invoke(app, ["incidents", "edit", "any-notice", "--section", "nature",
                            "--text", "a", "--from-file", str(words)])  # fmt: skip
    assert both.exit_code == 2 and "give --text or --from-file, not both" in both.output
    neither = cli.invoke(app, ["incidents", "edit", "any-notice", "--section", "nature"])
    assert neither.exit_code == 2 and "give the new words with --text or --from-file" in (
        neither.output
    )


def test_an_incident_about_no_package_gets_its_nature_and_the_dpo_assesses_it(
    right_map: Response, cli: CliRunner
) -> None:
    """docs/incidents.md, "Opening": an incident about no package of rightful's (a lost laptop)
    has no scope; its nature is still recorded (Art. 33(3)(a), Art. 33(5)) and the DPO assesses
    it by override. `assess --nature` answered "compute the scope first", which cannot be done."""
    opened = cli.invoke(app, ["incidents", "open", "--kind", "breach", "--outside", "press",
                              "--description", "A laptop with exports was lost"])  # fmt: skip
    assert opened.exit_code == 0, opened.output
    incident = opened.output.split()[0]
    lost = cli.invoke(app, ["incidents", "assess", incident, "--nature", "lost"])
    assert lost.exit_code == 0, lost.output
    assert "nature lost recorded" in lost.output and "override" in lost.output
    row = right_map.c.incidents.get(incident)
    assert row.nature == "lost" and row.assessment_id is None
    actions = [e.action for e in right_map.c.incidents.register.timeline(incident)]
    assert "incident.nature_set" in actions
    bare = cli.invoke(app, ["incidents", "assess", incident])
    assert bare.exit_code == 2 and "concerns no package of rightful's" in bare.output
    right_map.c.incidents.override(
        incident, DPO, Level.MEDIUM, "Encrypted disk, but not all of it."
    )
    again = cli.invoke(app, ["incidents", "assess", incident, "--nature", "malicious"])
    assert again.exit_code == 0 and "level medium (set by the DPO)" in again.output
    assert right_map.c.incidents.get(incident).level == "medium"
    assert right_map.c.incidents.register.verify().ok


def test_opening_offers_and_takes_only_the_outside_reporters_there_are(
    right_map: Response, cli: CliRunner
) -> None:
    """`--outside` listed gate, recipient and staff, which it refuses: the help lists exactly
    what is accepted."""
    shown = cli.invoke(app, ["incidents", "open", "--help"], env={"COLUMNS": "250"})
    assert "<authority|other|press|researcher|subject>" in shown.output
    assert "<gate|recipient|staff" not in shown.output
    refused = cli.invoke(app, ["incidents", "open", "--outside", "recipient",
                               "--description", "A laptop with exports was lost"])  # fmt: skip
    assert refused.exit_code == 2 and "'authority', 'other', 'press', 'researcher'" in (
        refused.output
    )
    assert right_map.c.incidents.all() == []


def test_a_contact_without_an_outside_reporter_is_refused(
    right_map: Response, cli: CliRunner
) -> None:
    """House rule: one line, nothing half-written. A staff report's contact address was kept as
    the reporter's and sent an acknowledgement: a contact is an outside reporter's."""
    refused = cli.invoke(app, ["incidents", "open", "--contact-email", "someone@example.org",
                               "--description", "A laptop with exports was lost"])  # fmt: skip
    assert refused.exit_code == 2, refused.output
    assert "a contact is for an outside reporter" in refused.output
    assert len(refused.output.strip().splitlines()) == 1
    assert right_map.c.incidents.all() == [] and right_map.mailer.to("someone@example.org") == []


def test_an_outside_reporters_address_that_is_none_is_refused(
    right_map: Response, cli: CliRunner
) -> None:
    """Bad input gets one line and loses nothing: the incident was opened, the acknowledgement
    failed on the address, and the reporter never heard of it."""
    refused = cli.invoke(app, ["incidents", "open", "--outside", "press", "--contact-email",
                               "jo.press", "--description", "A laptop was lost"])  # fmt: skip
    assert refused.exit_code == 2, refused.output
    assert "the reporter's email: must contain exactly one '@'" in refused.output
    assert len(refused.output.strip().splitlines()) == 1
    assert right_map.c.incidents.all() == []


def test_an_earlier_awareness_learnt_later_moves_the_authoritys_clock(
    wrong_map: Response, cli: CliRunner
) -> None:
    """REQUIREMENTS.md:28: the 72 hours run from awareness. Staff learn after the click that the
    recipient had phoned the day before: there was no way to record it (a second incident is
    refused), so the clock ran from the click and a late notification looked in time."""
    misdelivery, _ = _button_and_gate(wrong_map)
    incidents = wrong_map.c.incidents
    clicked = incidents.get(misdelivery).aware_at
    phoned = clicked - timedelta(hours=30)
    result = cli.invoke(app, ["incidents", "facts", misdelivery,
                              "--aware-at", f"{phoned:%Y-%m-%dT%H:%M}"])  # fmt: skip
    assert result.exit_code == 0, result.output
    row = incidents.get(misdelivery)
    assert row.aware_at == phoned and row.opened_at == clicked
    authority = details(incidents, misdelivery)["deadlines"][0]
    assert authority["due_at"] == (phoned + timedelta(hours=72)).isoformat()
    (notice,) = [n for n in incidents.notices.of(misdelivery)
                 if n.audience == "authority" and n.status == "draft"]  # fmt: skip
    assert f"Aware since {phoned:%Y-%m-%d %H:%M} UTC" in notice.sections["timing"]
    later = cli.invoke(app, ["incidents", "facts", misdelivery,
                             "--aware-at", f"{clicked:%Y-%m-%dT%H:%M}"])  # fmt: skip
    assert later.exit_code == 2 and "can only move earlier" in later.output
    future = clicked + timedelta(hours=1)
    refused = cli.invoke(app, ["incidents", "facts", misdelivery,
                               "--aware-at", f"{future:%Y-%m-%dT%H:%M}"])  # fmt: skip
    assert refused.exit_code == 2 and "after it is opened" in refused.output
    assert incidents.get(misdelivery).aware_at == phoned
    assert incidents.register.verify().ok
