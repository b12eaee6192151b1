"""Decisions and notices: the DPO's override keeps the computed assessment; drafts are edited,
approved by the DPO for their exact words, e-mailed to each person concerned or exported for the
authority; a late notice states why; reminders reach the DPO before each deadline
(REQUIREMENTS.md: Breaches — 72 hours, a late notice states why, Art. 34; 5(2) accountability)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from rightful.adapters.db.incidents import IncidentNoticeRow, IncidentRow
from rightful.domain.errors import ConflictError, InvalidInputError, PermissionDeniedError
from rightful.domain.incident_clocks import Audience
from rightful.domain.incidents import IncidentKind, IncidentSource, Nature, ReporterKind
from rightful.domain.lifecycle import Role
from rightful.domain.messaging import DeliveryError, MailMessage
from rightful.domain.severity import Level
from rightful.services.incident_jobs import run_incident_jobs
from rightful.services.incident_register import details
from rightful.services.incidents import IncidentReport, IncidentService

from ..delivery.conftest import ANNA_MAIL
from ..packages.world import REVIEWER
from .conftest import ANNA, CARL, CARL_MAIL, DORA, DPO, DPO_MAIL, Response
from .test_api_and_console import _csrf, _signed_in


def _triaged(r: Response) -> str:
    delivered = r.deliver_verified(DORA)
    r.download(delivered)
    receipt = r.web.not_mine.report(delivered.link_id, _client())
    assert receipt.incident_id is not None
    run_incident_jobs(r.c.incidents)
    return receipt.incident_id


def _client() -> object:
    from rightful.domain.delivery import NOBODY

    return NOBODY


def _notice(r: Response, incident_id: str, audience: Audience) -> str:
    return next(n.id for n in r.c.incidents.notices.of(incident_id)
                if n.audience == audience.value and n.status == "draft")  # fmt: skip


def _approved(r: Response, audience: Audience) -> tuple[str, str]:
    """A triaged misdelivery and its drafted notice to `audience`, approved by the DPO."""
    incident_id = _triaged(r)
    nid = _notice(r, incident_id, audience)
    r.c.incidents.notices.approve(nid, DPO)
    return incident_id, nid


def test_only_the_dpo_overrides_and_only_with_a_justification(wrong_map: Response) -> None:
    incident_id = _triaged(wrong_map)
    with pytest.raises(PermissionDeniedError):
        wrong_map.c.incidents.override(incident_id, REVIEWER, Level.HIGH, "x" * 40)
    with pytest.raises(InvalidInputError, match="justification"):
        wrong_map.c.incidents.override(incident_id, DPO, Level.HIGH, "too short")
    computed = wrong_map.c.incidents.get(incident_id)
    why = "Intimate recordings at home, downloaded by a stranger."
    wrong_map.c.incidents.override(incident_id, DPO, Level.HIGH, why)
    data = details(wrong_map.c.incidents, incident_id)
    first, second = data["assessments"]
    assert (first["method"], first["level"], first["in_force"]) == ("computed", computed.level,
                                                                     False)  # fmt: skip
    assert (second["method"], second["level"], second["in_force"]) == ("override", "high", True)
    assert data["level"] == "high" and data["notify_subjects"] is True
    chain = [e for e in data["timeline"] if e["action"] == "incident.overridden"]
    assert chain and chain[0]["details"]["from_level"] == computed.level
    assert "Intimate" not in json.dumps(chain) and "justification_sha256" in chain[0]["details"]


def test_a_rescope_never_silently_replaces_the_dpos_override(wrong_map: Response) -> None:
    incident_id = _triaged(wrong_map)
    wrong_map.c.incidents.override(incident_id, DPO, Level.VERY_HIGH, "Decided after a call "
                                   "with the recipient, who kept the files.")  # fmt: skip
    wrong_map.correct_the_data_map()
    wrong_map.c.incidents.rescope(incident_id, DPO)
    row = wrong_map.c.incidents.get(incident_id)
    assert row.level == "very_high"
    methods = [a["method"] for a in details(wrong_map.c.incidents, incident_id)["assessments"]]
    assert methods == ["computed", "override", "computed"]


def test_a_reviewers_assessment_never_replaces_the_dpos_override(wrong_map: Response) -> None:
    incident_id = _triaged(wrong_map)
    wrong_map.c.incidents.override(incident_id, DPO, Level.LOW, "The recipient confirmed "
                                   "deletion on the phone before opening anything.",
                                   notify_authority=False, notify_subjects=False)  # fmt: skip
    row = wrong_map.c.incidents.assess(incident_id, REVIEWER, Nature.MALICIOUS)
    assert (row.level, row.notify_authority) == ("low", False), "the override stays in force"
    methods = [(a["method"], a["in_force"])
               for a in details(wrong_map.c.incidents, incident_id)["assessments"]]  # fmt: skip
    assert methods[-2:] == [("override", True), ("computed", False)]
    row = wrong_map.c.incidents.assess(incident_id, DPO)
    assert row.level != "low", "the DPO's own assessment replaces it"
    with pytest.raises(InvalidInputError, match="cannot be given the nature near_miss"):
        wrong_map.c.incidents.assess(incident_id, DPO, Nature.NEAR_MISS)


def test_an_approved_notice_whose_facts_change_is_drafted_again(wrong_map: Response) -> None:
    """An approval is for words that state the facts of its time: a new assessment that
    changes them withdraws it, so that no stale severity goes to the authority."""
    incident_id, nid = _approved(wrong_map, Audience.AUTHORITY)
    notices = wrong_map.c.incidents.notices
    wrong_map.c.incidents.assess(incident_id, DPO)
    assert notices.get(nid).status == "approved", "the same facts keep the approval"
    wrong_map.c.incidents.assess(incident_id, DPO, Nature.MALICIOUS)
    assert notices.get(nid).status == "superseded"
    fresh = _notice(wrong_map, incident_id, Audience.AUTHORITY)
    assert "malicious" in json.dumps(notices.get(fresh).sections)
    with pytest.raises(ConflictError, match="a newer draft superseded this notice"):
        notices.export(nid, DPO, wrong_map.c.settings.data_dir)


def test_a_notice_goes_out_only_with_the_exact_words_the_dpo_approved(wrong_map: Response) -> None:
    incident_id = _triaged(wrong_map)
    notices = wrong_map.c.incidents.notices
    nid = _notice(wrong_map, incident_id, Audience.SUBJECTS)
    with pytest.raises(ConflictError, match="approves it first"):
        notices.send(nid, DPO)
    with pytest.raises(PermissionDeniedError):
        notices.approve(nid, REVIEWER)
    notices.approve(nid, DPO)
    notices.edit(nid, REVIEWER, {"measures": "We revoked the link within a minute."})
    assert notices.get(nid).status == "draft"  # the edit withdrew the approval
    notices.approve(nid, DPO)
    sent = notices.send(nid, DPO)
    assert (sent.status, sent.recipients, sent.failures) == ("sent", 1, 0)
    (mail,) = wrong_map.mailer.to(CARL_MAIL)
    assert "We revoked the link within a minute." in mail.text
    assert "dpo@hearthly.example" in mail.text
    (delivery,) = notices.deliveries(nid)
    assert delivery.outcome == "sent" and "@" not in delivery.subject
    row = wrong_map.c.incidents.get(incident_id)
    assert row.subjects_notified_at == sent.sent_at and row.status == "notified"


def test_a_notice_that_reached_nobody_is_not_given_and_can_be_sent_again(
    wrong_map: Response,
) -> None:
    """REQUIREMENTS.md:30: the people are told; a mail service that took no message told
    nobody, so the Art. 34 deadline still runs and the incident cannot be closed on it."""
    incident_id, nid = _approved(wrong_map, Audience.SUBJECTS)
    notices = wrong_map.c.incidents.notices
    wrong_map.mailer.fail_with = "the mail server did not accept the message"
    with pytest.raises(DeliveryError, match=r"reached nobody \(1 not taken by the mail service"):
        notices.send(nid, DPO)
    assert notices.get(nid).status == "approved"
    row = wrong_map.c.incidents.get(incident_id)
    assert row.subjects_notified_at is None and row.status != "notified"
    subjects = [d for d in details(wrong_map.c.incidents, incident_id)["deadlines"]
                if d["audience"] == "subjects"]  # fmt: skip
    assert subjects and subjects[0]["state"] != "done"
    timeline = details(wrong_map.c.incidents, incident_id)["timeline"]
    assert "incident.notice_undelivered" in [e["action"] for e in timeline]
    wrong_map.mailer.fail_with = None
    sent = notices.send(nid, DPO)
    assert (sent.status, sent.recipients) == ("sent", 1)
    assert wrong_map.mailer.to(CARL_MAIL)


def test_a_notice_drafted_in_german_reaches_the_person_in_german(wrong_map: Response) -> None:
    """Art. 34(2): clear and plain language, for a German controller in German."""
    incident_id = _triaged(wrong_map)
    notices = wrong_map.c.incidents.notices
    nid = notices.draft(incident_id, Audience.SUBJECTS, REVIEWER, language="de").id
    notices.approve(nid, DPO)
    notices.send(nid, DPO)
    (mail,) = wrong_map.mailer.to(CARL_MAIL)
    assert mail.subject.startswith("Wichtig: ein Vorfall")
    assert "haben wir erfahren, dass ein Teil Ihrer Daten" in mail.text
    assert "versehentlich an eine andere Person gesandt wurde: " in mail.text
    assert " aus recordings mit Sprachaufnahmen" in mail.text
    assert "Download-Link gesperrt" in mail.text
    assert "Someone" not in mail.text and "We stopped" not in mail.text
    markdown = notices.markdown(notices.get(nid))
    assert markdown.startswith("# Benachrichtigung der betroffenen Personen: Verletzung")
    assert "## Was das für Sie bedeuten kann" in markdown
    title = markdown.splitlines()[0]
    assert "DSGVO Art. 34" in title and "Art. 33" not in title, title


def test_a_draft_in_the_other_language_stands_beside_the_approved_one(
    wrong_map: Response,
) -> None:
    """docs/incidents.md, "Notices": a draft in the other language can be asked for. It silently
    superseded the notice in the first language, even one the DPO had approved; a notice is
    one per audience, regime and language, and a fresh draft replaces only its own language."""
    incident_id = _triaged(wrong_map)
    notices = wrong_map.c.incidents.notices
    english = notices.draft(incident_id, Audience.SUBJECTS, REVIEWER).id
    notices.approve(english, DPO)
    german = notices.draft(incident_id, Audience.SUBJECTS, REVIEWER, language="de").id
    assert notices.get(english).status == "approved"
    assert notices.get(german).status == "draft" and notices.get(german).language == "de"
    again = notices.draft(incident_id, Audience.SUBJECTS, REVIEWER, language="de").id
    assert notices.get(german).status == "superseded" and notices.get(english).status == "approved"
    assert notices.get(again).status == "draft"


def test_the_authority_notice_is_exported_as_json_and_markdown(
    wrong_map: Response, tmp_path: Path
) -> None:
    incident_id, nid = _approved(wrong_map, Audience.AUTHORITY)
    notices = wrong_map.c.incidents.notices
    done = notices.export(nid, DPO, tmp_path, authority_reference="SDB-2026-17")
    doc = json.loads(done.json_path.read_text())
    assert doc["format"] == "rightful-breach-notice/1" and doc["approved_by"] == DPO.id
    assert set(doc["sections"]) >= {"nature", "categories", "dpo_contact", "consequences",
                                    "measures_taken", "measures_proposed"}  # fmt: skip
    text = done.markdown_path.read_text()
    # the title names its own article only (its incident reference may hold the digits 34)
    title = text.splitlines()[0]
    assert "Art. 33" in title and "and 34" not in title and "Art. 34" not in title
    assert "under GDPR Art. 33:" in doc["sections"]["timing"], "the timing names its article"
    assert "## Nature of the breach" in text and doc["authority_reference"] == "SDB-2026-17"
    row = wrong_map.c.incidents.get(incident_id)
    assert row.authority_notified_at == wrong_map.world.clock.now() and row.status == "notified"
    assert details(wrong_map.c.incidents, incident_id)["deadlines"][0]["state"] == "done"


def test_the_files_for_the_authority_are_private_and_follow_no_link(
    wrong_map: Response, tmp_path: Path
) -> None:
    """As the register's export: they were written 0644, through a link found at their name."""
    incident_id, nid = _approved(wrong_map, Audience.AUTHORITY)
    notices = wrong_map.c.incidents.notices
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text("untouched")
    name = f"INC-{incident_id[:8]}-gdpr-authority-{nid[:8]}"
    (tmp_path / f"{name}.json").symlink_to(elsewhere)
    done = notices.export(nid, DPO, tmp_path)
    assert elsewhere.read_text() == "untouched" and not done.json_path.is_symlink()
    assert json.loads(done.json_path.read_text())["notice_id"] == nid
    for path in (done.json_path, done.markdown_path):
        assert path.stat().st_mode & 0o777 == 0o600


def test_a_second_authority_notice_supplements_the_one_exported_in_phases(
    wrong_map: Response, tmp_path: Path
) -> None:
    """REQUIREMENTS.md:28 (Art. 33(4)): the information may be provided in phases."""
    incident_id = _triaged(wrong_map)
    notices = wrong_map.c.incidents.notices
    first = _notice(wrong_map, incident_id, Audience.AUTHORITY)
    assert "supplements" not in notices.get(first).sections["timing"]
    notices.approve(first, DPO)
    notices.export(first, DPO, tmp_path)
    exported_at = wrong_map.world.clock.now()
    wrong_map.world.clock.advance(timedelta(hours=20))
    second = notices.draft(incident_id, Audience.AUTHORITY, DPO)
    assert (
        f"supplements our notification of {exported_at:%Y-%m-%d %H:%M} UTC"
        in (second.sections["timing"])
    )
    assert notices.get(first).status == "exported", "what went out stays as it went out"


def test_a_notice_after_72_hours_must_state_why_it_is_late(
    wrong_map: Response, tmp_path: Path
) -> None:
    incident_id, nid = _approved(wrong_map, Audience.AUTHORITY)
    notices = wrong_map.c.incidents.notices
    wrong_map.world.clock.advance(timedelta(hours=73))
    with pytest.raises(InvalidInputError, match="reasons for the delay"):
        notices.export(nid, DPO, tmp_path)
    with pytest.raises(InvalidInputError, match="at least 20 characters"):
        notices.export(nid, DPO, tmp_path, late_reason="x")
    done = notices.export(nid, DPO, tmp_path, late_reason="The DPO was unreachable.")
    assert "Reasons for the delay: The DPO was unreachable." in done.markdown_path.read_text()
    authority = details(wrong_map.c.incidents, incident_id)["deadlines"][0]
    assert authority["state"] == "late"


def test_a_later_phase_after_a_timely_notification_is_not_late(
    wrong_map: Response, tmp_path: Path
) -> None:
    """REQUIREMENTS.md:28 (Art. 33(1), (4)): the notification went out within the 72 hours; the
    information that follows in phases is not a late notification. A second notice exported on
    day 4 was refused until it stated "the reasons for the delay", and then told the authority
    it was late."""
    incident_id = _triaged(wrong_map)
    notices = wrong_map.c.incidents.notices
    first = _notice(wrong_map, incident_id, Audience.AUTHORITY)
    notices.approve(first, DPO)
    notices.export(first, DPO, tmp_path / "first")
    wrong_map.world.clock.advance(timedelta(hours=80))
    second = notices.draft(incident_id, Audience.AUTHORITY, DPO).id
    notices.approve(second, DPO)
    done = notices.export(second, DPO, tmp_path / "second")
    assert notices.get(second).late_reason is None
    assert "Reasons for the delay" not in done.markdown_path.read_text()
    authority = details(wrong_map.c.incidents, incident_id)["deadlines"][0]
    assert authority["state"] == "done"


def test_telling_the_people_when_it_was_not_owed_is_never_late(wrong_map: Response) -> None:
    """Only a notice owed after its deadline states why (REQUIREMENTS.md:28). The DPO who tells
    the people concerned on day four, having decided it was not owed, was asked for "reasons
    for the delay", and the register called the notice late."""
    incident_id = _triaged(wrong_map)
    why = "The recipient deleted it in our presence; no risk remains."
    wrong_map.c.incidents.override(incident_id, DPO, Level.HIGH, why, notify_subjects=False)
    data = details(wrong_map.c.incidents, incident_id)
    assert data["notify_authority"] and not data["notify_subjects"]
    notices = wrong_map.c.incidents.notices
    nid = _notice(wrong_map, incident_id, Audience.SUBJECTS)
    notices.approve(nid, DPO)
    wrong_map.world.clock.advance(timedelta(hours=100))
    sent = notices.send(nid, DPO)
    assert sent.status == "sent" and sent.late_reason is None
    subjects = next(d for d in details(wrong_map.c.incidents, incident_id)["deadlines"]
                    if d["audience"] == "subjects")  # fmt: skip
    assert (subjects["required"], subjects["state"]) == (False, "done")


def test_reminders_reach_the_dpo_before_the_deadline_once_per_mark(wrong_map: Response) -> None:
    incident_id = _triaged(wrong_map)
    clock = wrong_map.world.clock
    assert run_incident_jobs(wrong_map.c.incidents).reminders == 0
    clock.advance(timedelta(hours=49))  # 23 hours left
    # One per owed notice: the recordings are owed to the authority and to the person.
    assert run_incident_jobs(wrong_map.c.incidents).reminders == 2
    assert run_incident_jobs(wrong_map.c.incidents).reminders == 0
    soon = [m.subject for m in wrong_map.mailer.to(DPO_MAIL)]
    assert len(soon) == 2 and len(set(soon)) == 2, soon
    assert all("due within 24 hours" in s and incident_id[:8] in s for s in soon)
    clock.advance(timedelta(hours=24))  # overdue
    assert run_incident_jobs(wrong_map.c.incidents).reminders == 2
    assert all("OVERDUE" in m.subject for m in wrong_map.mailer.to(DPO_MAIL)[2:])


def test_a_reminder_the_mail_service_refused_goes_out_with_the_next_run(
    wrong_map: Response,
) -> None:
    """It was recorded, and audited, as sent before it was mailed: refused, it never went."""
    incident_id = _triaged(wrong_map)
    wrong_map.world.clock.advance(timedelta(hours=49))  # 23 hours left
    wrong_map.mailer.fail_with = "the mail server did not accept the message"
    assert run_incident_jobs(wrong_map.c.incidents).reminders == 0
    actions = [e["action"] for e in details(wrong_map.c.incidents, incident_id)["timeline"]]
    assert "incident.reminder_sent" not in actions
    wrong_map.mailer.fail_with = None
    assert run_incident_jobs(wrong_map.c.incidents).reminders == 2
    assert len(wrong_map.mailer.to(DPO_MAIL)) == 2
    assert run_incident_jobs(wrong_map.c.incidents).reminders == 0  # once per mark


def test_closing_needs_every_owed_notice_and_the_remedial_action(
    wrong_map: Response, tmp_path: Path
) -> None:
    incident_id = _triaged(wrong_map)
    with pytest.raises(ConflictError, match="notices still owed"):
        wrong_map.c.incidents.close(incident_id, DPO, "Window added to the data map.")
    nid = _notice(wrong_map, incident_id, Audience.AUTHORITY)
    wrong_map.c.incidents.notices.approve(nid, DPO)
    wrong_map.c.incidents.notices.export(nid, DPO, tmp_path)
    with pytest.raises(ConflictError, match="notices still owed: gdpr subjects"):
        wrong_map.c.incidents.close(incident_id, DPO, "Window added to the data map.")
    told = _notice(wrong_map, incident_id, Audience.SUBJECTS)
    wrong_map.c.incidents.notices.approve(told, DPO)
    wrong_map.c.incidents.notices.send(told, DPO)
    row = wrong_map.c.incidents.close(incident_id, DPO, "Window added to the data map; "
                                      "every package since rebuilt and gated.")  # fmt: skip
    assert row.status == "closed" and row.closed_at is not None
    with pytest.raises(ConflictError, match="closed"):
        wrong_map.c.incidents.assess(incident_id, DPO)
    with pytest.raises(ConflictError, match="the incident is closed"):
        wrong_map.c.incidents.notices.draft(incident_id, Audience.AUTHORITY, DPO)


def test_a_breach_outside_any_package_runs_its_clock_until_the_dpo_decides(
    right_map: Response,
) -> None:
    """Nothing of rightful's records can scope a lost laptop: the 72 hours still run from
    awareness, reminders come, and only the DPO's justified decision assesses it."""
    report = IncidentReport(
        IncidentKind.BREACH, IncidentSource.OUTSIDE,
        "A researcher found an open bucket with support exports.",
        reporter_kind=ReporterKind.RESEARCHER, nature=Nature.MALICIOUS,
    )  # fmt: skip
    row = right_map.c.incidents.open(report, DPO)
    assert (row.status, row.level, row.contained_at) == ("open", None, None)
    contained = right_map.c.incidents.record_containment(row.id, DPO, "Bucket made private.")
    assert contained.contained_at == right_map.world.clock.now()
    with pytest.raises(ConflictError, match="cannot be computed from the records"):
        right_map.c.incidents.rescope(row.id, DPO)
    (provisional,) = details(right_map.c.incidents, row.id)["deadlines"]
    assert provisional["required"] and provisional["reason"].startswith("not assessed yet")
    right_map.world.clock.advance(timedelta(hours=50))
    assert run_incident_jobs(right_map.c.incidents).reminders == 1
    right_map.c.incidents.override(row.id, DPO, Level.HIGH, "Exports of 3,000 support tickets "
                                   "were readable by anyone for two weeks.")  # fmt: skip
    data = details(right_map.c.incidents, row.id)
    assert (data["level"], data["notify_authority"], data["notify_subjects"]) == (
        "high",
        True,
        True,
    )
    assert {n["audience"] for n in data["notices"]} == {"authority", "subjects"}


def _contained_and_judged_low(r: Response) -> tuple[IncidentService, IncidentRow]:
    """A bucket breach staff contained, which the DPO judged low (nothing owed)."""
    report = IncidentReport(IncidentKind.BREACH, IncidentSource.STAFF,
                            "An export bucket was readable by anyone for a day.")  # fmt: skip
    incidents = r.c.incidents
    row = incidents.open(report, DPO)
    incidents.record_containment(row.id, DPO, "Bucket made private.")
    incidents.override(row.id, DPO, Level.LOW, "The bucket's access log shows no reader at all.",
                       notify_authority=False, notify_subjects=False)  # fmt: skip
    return incidents, row


def test_closing_keeps_the_containment_on_record_in_the_remedial_action(
    right_map: Response,
) -> None:
    """REQUIREMENTS.md:31 (Art. 33(5)): the register keeps the remedial action. Closing wrote
    its own words over the containment recorded before, and a second close over the first."""
    incidents, row = _contained_and_judged_low(right_map)
    closed = incidents.close(row.id, DPO, "Bucket policy checked daily; staff trained.")
    assert closed.remedial_action == (
        "Bucket made private.; Bucket policy checked daily; staff trained."
    )
    incidents.reopen(row.id, DPO, "The log was incomplete; one reader found later.")
    again = incidents.close(row.id, DPO, "Bucket policy checked daily; staff trained.")
    assert again.remedial_action == closed.remedial_action, "a step on record is kept once"
    assert incidents.register.verify().ok


def test_the_story_says_what_each_step_did_in_words(right_map: Response) -> None:
    """A containment recorded by staff froze and revoked nothing of rightful's, and a reopening
    is told as such: the story said "packages frozen, links revoked", and "incident.reopened"."""
    incidents, row = _contained_and_judged_low(right_map)
    incidents.close(row.id, DPO, "Bucket policy checked daily.")
    incidents.reopen(row.id, DPO, "The log was incomplete; one reader found later.")
    labels = {e.action: e.label for e in incidents.register.timeline(row.id)}
    assert labels["incident.contained"].startswith("contained outside rightful")
    assert labels["incident.reopened"] == "incident reopened by the DPO"


def test_an_incident_is_closed_only_once_its_containment_is_recorded(
    right_map: Response,
) -> None:
    """REQUIREMENTS.md:31 (Art. 33(5)): the register holds facts, effects and remedial
    action; what stopped the breach is one of the facts."""
    report = IncidentReport(IncidentKind.BREACH, IncidentSource.STAFF,
                            "A shared drive with old invoices was open to all staff.")  # fmt: skip
    row = right_map.c.incidents.open(report, DPO)
    right_map.c.incidents.override(row.id, DPO, Level.LOW, "Only staff could read it and no "
                                   "download was logged.")  # fmt: skip
    with pytest.raises(ConflictError, match="record how it was contained first"):
        right_map.c.incidents.close(row.id, DPO, "Drive permissions reviewed.")
    right_map.c.incidents.record_containment(row.id, DPO, "Drive limited to accounting.")
    closed = right_map.c.incidents.close(row.id, DPO, "Drive permissions reviewed.")
    assert closed.status == "closed"
    # Facts that come to light afterwards reopen it (Art. 33(4), 33(5)): the DPO, with a reason.
    why = "A temp worker admits copying invoices to a private drive."
    with pytest.raises(PermissionDeniedError):
        right_map.c.incidents.reopen(row.id, REVIEWER, why)
    reopened = right_map.c.incidents.reopen(row.id, DPO, why)
    assert (reopened.status, reopened.closed_at) == ("assessed", None)
    right_map.c.incidents.override(row.id, DPO, Level.MEDIUM, "A copy left the company.")
    with pytest.raises(ConflictError, match="only a closed incident"):
        right_map.c.incidents.reopen(row.id, DPO, why)
    assert right_map.c.incidents.verify_register().ok


def test_a_rescope_redrafts_untouched_drafts_but_keeps_edited_words(wrong_map: Response) -> None:
    incident_id = _triaged(wrong_map)
    notices = wrong_map.c.incidents.notices
    edited = _notice(wrong_map, incident_id, Audience.AUTHORITY)
    untouched = _notice(wrong_map, incident_id, Audience.SUBJECTS)
    notices.edit(edited, REVIEWER, {"measures_proposed": "Our own words."})
    wrong_map.correct_the_data_map()
    wrong_map.c.incidents.rescope(incident_id, DPO)
    assert notices.get(edited).status == "draft"
    assert notices.get(edited).sections["measures_proposed"] == "Our own words."
    assert notices.get(untouched).status == "superseded"
    fresh = _notice(wrong_map, incident_id, Audience.SUBJECTS)
    assert fresh != untouched


def test_a_notice_is_sent_once_however_often_it_is_sent(wrong_map: Response) -> None:
    _, nid = _approved(wrong_map, Audience.SUBJECTS)
    notices = wrong_map.c.incidents.notices
    notices.send(nid, DPO)
    with pytest.raises(ConflictError):
        notices.send(nid, DPO)
    assert len(wrong_map.mailer.to(CARL_MAIL)) == 1


def _approved_notice_to_several(r: Response) -> tuple[str, str]:
    """A breach of two requesters' packages (left in a public bucket), its communication to the
    people concerned approved: (incident id, notice id)."""
    anna, carl = r.deliver_verified(ANNA), r.deliver_verified(CARL)
    report = IncidentReport(IncidentKind.BREACH, IncidentSource.STAFF,
                            "Both packages were left in a public bucket for a day.",
                            package_ids=(anna.package_id, carl.package_id),
                            nature=Nature.UNKNOWN_RECIPIENTS)  # fmt: skip
    incident_id = r.c.incidents.open(report, DPO).id
    run_incident_jobs(r.c.incidents)
    nid = _notice(r, incident_id, Audience.SUBJECTS)
    r.c.incidents.notices.approve(nid, DPO)
    return incident_id, nid


def test_a_sent_notice_goes_again_only_to_the_people_it_did_not_reach(
    right_map: Response, monkeypatch: pytest.MonkeyPatch
) -> None:
    """REQUIREMENTS.md:29 (Art. 34): the people are told. A notice went out once: the person
    whose mailbox refused it could not be reached by it again, and a new draft would have
    mailed everyone a second time."""
    incident_id, nid = _approved_notice_to_several(right_map)
    notices = right_map.c.incidents.notices
    send = right_map.mailer.send

    monkeypatch.setattr(right_map.mailer, "send", right_map.refusing_mail_to(ANNA_MAIL))
    first = notices.send(nid, DPO)
    assert first.status == "sent" and first.failures == 1 and first.recipients >= 1
    told = {m.to for m in right_map.mailer.outbox if "an incident concerning" in m.subject}
    assert ANNA_MAIL not in told and CARL_MAIL in told

    monkeypatch.setattr(right_map.mailer, "send", send)
    dpo = _signed_in(right_map, "dana", Role.DPO)
    page = dpo.get(f"/console/incidents/notices/{nid}")
    assert "Send again to the 1 not reached" in page.text
    done = dpo.post(f"/console/incidents/notices/{nid}/send", data={"csrf": _csrf(page.text)})
    assert done.status_code == 200
    again = notices.get(nid)
    assert (again.status, again.failures, again.recipients) == ("sent", 0, first.recipients + 1)
    mailed = [m.to for m in right_map.mailer.outbox if "an incident concerning" in m.subject]
    assert mailed.count(ANNA_MAIL) == 1 and mailed.count(CARL_MAIL) == 1  # nobody twice
    with pytest.raises(ConflictError, match="reached everyone"):
        notices.send(nid, DPO)
    timeline = details(right_map.c.incidents, incident_id)["timeline"]
    [entry] = [e for e in timeline if e["action"] == "incident.notice_sent_again"]
    assert (entry["details"]["reached"], entry["details"]["failed"]) == (1, 0)


def test_a_notice_whose_sender_ended_midway_reaches_the_rest_and_nobody_twice(
    right_map: Response, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sender that ended while mailing (a restart, a crash) left the notice `sending` for
    good: it could not be sent, edited or closed on, and a new draft would mail everyone."""
    _, nid = _approved_notice_to_several(right_map)
    notices = right_map.c.incidents.notices
    send, calls = right_map.mailer.send, []

    def ends_after_the_first(message: MailMessage) -> None:
        calls.append(message.to)
        if len(calls) > 1:
            raise KeyboardInterrupt
        send(message)

    monkeypatch.setattr(right_map.mailer, "send", ends_after_the_first)
    with pytest.raises(KeyboardInterrupt):
        notices.send(nid, DPO)
    monkeypatch.setattr(right_map.mailer, "send", send)
    with right_map.c.store.transaction() as session:  # as a process that ended leaves it
        session.execute(update(IncidentNoticeRow).where(IncidentNoticeRow.id == nid)
                        .values(status="sending"))  # fmt: skip
    with pytest.raises(ConflictError, match="being sent right now"):
        notices.send(nid, DPO)
    right_map.world.clock.advance(timedelta(minutes=11))
    done = notices.send(nid, DPO)
    mailed = [m.to for m in right_map.mailer.outbox if "an incident concerning" in m.subject]
    assert len(mailed) == len(set(mailed)) == done.recipients  # everyone once, nobody twice
    assert (done.status, done.failures) == ("sent", 0) and calls[0] in mailed


def test_a_notice_being_sent_again_still_counts_as_given(
    right_map: Response, monkeypatch: pytest.MonkeyPatch
) -> None:
    """REQUIREMENTS.md:29 (Art. 34): once the people were told, the notice stays given while it
    goes again to those it did not reach. It was set back to `sending` meanwhile: the deadline
    showed open again, the register's verify called the notice tampered with, and a resend that
    ended half-way (the process stopped) left it so for good."""
    incident_id, nid = _approved_notice_to_several(right_map)
    incidents = right_map.c.incidents
    send = right_map.mailer.send
    seen: list[tuple[str, str, bool]] = []

    def looking_while_sending(message: MailMessage) -> None:
        [told] = [d for d in details(incidents, incident_id)["deadlines"]
                  if d["audience"] == Audience.SUBJECTS.value]  # fmt: skip
        seen.append((told["state"], incidents.notices.get(nid).status,
                     incidents.register.verify().ok))  # fmt: skip
        with pytest.raises(ConflictError):  # a second click meanwhile sends nothing
            incidents.notices.send(nid, DPO)
        send(message)

    monkeypatch.setattr(right_map.mailer, "send", right_map.refusing_mail_to(ANNA_MAIL))
    incidents.notices.send(nid, DPO)
    monkeypatch.setattr(right_map.mailer, "send", looking_while_sending)
    again = incidents.notices.send(nid, DPO)
    assert again.status == "sent" and again.failures == 0
    [(state, status, verified)] = seen
    assert (state, status, verified) == ("done", "resending", True)
