"""Opening an incident contains it in the same transaction (packages frozen, links revoked), keeps
the time of awareness and the kind of reporter, and its scope is computed from the manifest, the
reverse walk and the delivery records, never typed (REQUIREMENTS.md:28, Breaches — record when the
controller became aware; a third party reporting receipt of someone's data counts)."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest

from rightful.adapters.db.delivery import DownloadLinkRow
from rightful.adapters.db.incidents import IncidentReporterRow
from rightful.demo import expected_records
from rightful.domain.errors import ConflictError, InvalidInputError
from rightful.domain.incidents import IncidentKind, IncidentSource, Nature, ReporterKind
from rightful.services.incident_jobs import run_incident_jobs
from rightful.services.incident_register import details
from rightful.services.incidents import IncidentReport
from rightful.services.package_keys import pseudonym_key, subject_pseudonym

from ..packages.corrupt import DropsValidityWindows
from ..packages.world import AGENT, packaged_records
from .conftest import CARL, DORA, DPO, Response


def _subject(r: Response, customer: int) -> str:
    from rightful.domain.provenance import SubjectKey

    return subject_pseudonym(
        pseudonym_key(r.c.settings), SubjectKey("accounts.customers", customer)
    )


def _foreign(r: Response, package_id: str, customer: int, owner: int | None) -> int:
    """Ground truth: packaged recordings not the customer's, of `owner` (None: nobody's)."""
    demo = r.world.estate.demo
    assert demo is not None
    mine = expected_records(demo, customer)
    rows = {(row.collection, row.key): row.owners for row in demo.rows}
    return sum(1 for rec in packaged_records(r.world, package_id) - mine
               if rec[0] == "speaker.recordings"
               and rows[rec] == (frozenset({owner}) if owner else frozenset()))  # fmt: skip


def _click(r: Response, customer: int = DORA, download: bool = True) -> tuple[Any, str]:
    delivered = r.deliver_verified(customer)
    if download:
        r.download(delivered)
    receipt = r.web.not_mine.report_token(delivered.token, _client())
    assert receipt.incident_id is not None
    return delivered, receipt.incident_id


def _client() -> Any:
    from rightful.domain.delivery import Client

    return Client(ip="203.0.113.7", user_agent="Recipient Browser/1.0")


def test_the_not_mine_click_freezes_revokes_and_starts_the_clock_at_awareness(
    wrong_map: Response,
) -> None:
    delivered, incident_id = _click(wrong_map)
    row = wrong_map.c.incidents.get(incident_id)
    assert wrong_map.c.packages.get(delivered.package_id).status == "frozen"
    assert wrong_map.web.delivery.view(delivered.link_id).state == "revoked"
    assert row.aware_at == row.opened_at == row.contained_at == wrong_map.world.clock.now()
    assert (row.source, row.reporter_kind) == ("button", "recipient")
    assert wrong_map.c.incidents.register.rows()[0]["discovered_by"] == "outsider"


def test_triage_scopes_scores_and_drafts_from_the_records_alone(wrong_map: Response) -> None:
    """With the wrong data map in force, every recording of the resold speaker could be the
    previous owner's: all are counted, none is left out, and the previous owner is named."""
    delivered, incident_id = _click(wrong_map)
    report = run_incident_jobs(wrong_map.c.incidents)
    assert report.triaged == 0  # the click itself scoped, scored and drafted
    data = details(wrong_map.c.incidents, incident_id, with_contact=True)
    scope = data["scope"]
    assert scope["basis"] == "foreign_items" and scope["subjects"] == [_subject(wrong_map, CARL)]
    packaged = packaged_records(wrong_map.world, delivered.package_id)
    recordings = sum(1 for c, _ in packaged if c == "speaker.recordings")
    assert scope["by_subject"][_subject(wrong_map, CARL)]["speaker.recordings"] == recordings
    assert scope["delivery"]["downloads"] == 1
    assert scope["delivery"]["sources"] == [{"ip": "testclient", "user_agent": "testclient",
                                             "downloads": 1}]  # fmt: skip
    assert scope["delivery"]["deletion"] == "not_confirmed"
    assert "subject_keys" not in scope
    staff_view = details(wrong_map.c.incidents, incident_id)["scope"]["delivery"]["sources"]
    assert staff_view == [{"downloads": 1}]  # addresses are for the DPO's eyes
    assert data["level"] in ("medium", "high", "very_high") and data["notify_authority"]
    authority = next(d for d in data["deadlines"] if d["audience"] == "authority")
    assert authority["due_at"] == (wrong_map.c.incidents.get(incident_id).aware_at
                                   + timedelta(hours=72)).isoformat()  # fmt: skip
    assert sorted(n["audience"] for n in data["notices"]) == ["authority", "subjects"]


def test_the_recipients_answer_to_the_deletion_request_reaches_the_register_at_once(
    wrong_map: Response,
) -> None:
    """Art. 33(5): the register documents the effects and the remedial action. The answer on the
    /not-mine page showed only after a rescope by hand, and then as "deletion never downloaded"."""
    delivered = wrong_map.deliver_verified(DORA)
    receipt = wrong_map.web.not_mine.report_token(delivered.token, _client())
    assert receipt.incident_id is not None and receipt.confirm_token is not None
    incidents = wrong_map.c.incidents
    assert incidents.get(receipt.incident_id).effects.endswith("; deletion: asked, not confirmed")
    wrong_map.web.not_mine.confirm_deletion(receipt.confirm_token, "never_downloaded")
    effects = incidents.get(receipt.incident_id).effects
    assert effects.endswith("; deletion: the recipient says they never downloaded it"), effects
    scope = details(incidents, receipt.incident_id)["scope"]
    assert scope["delivery"]["deletion"] == "never_downloaded"
    assert incidents.register.verify().ok


def test_after_the_data_map_is_corrected_the_scope_is_exactly_the_previous_owners_recordings(
    wrong_map: Response,
) -> None:
    delivered, incident_id = _click(wrong_map)
    run_incident_jobs(wrong_map.c.incidents)
    wrong_map.correct_the_data_map()
    scope = wrong_map.c.incidents.rescope(incident_id, DPO)
    carls = _foreign(wrong_map, delivered.package_id, DORA, CARL)
    nobodys = _foreign(wrong_map, delivered.package_id, DORA, None)
    assert (carls, nobodys) == (4, 2)  # the estate's story: Carl's four, the refurbisher's two
    assert scope.subjects == (_subject(wrong_map, CARL),)
    assert scope.by_subject[_subject(wrong_map, CARL)]["speaker.recordings"] == carls
    recordings = next(c for c in scope.counts.collections if c.collection == "speaker.recordings")
    assert (recordings.records, recordings.files) == (carls + nobodys, carls + nobodys)
    assert scope.unattributed == nobodys
    assert scope.summary.startswith(f"{carls + nobodys} recordings with voice audio, transcripts")
    row = wrong_map.c.incidents.get(incident_id)
    assert row.effects.startswith(f"{carls + nobodys} recordings")


def test_a_gate_block_is_a_near_miss_scoped_to_the_offending_items_that_owes_no_notice(
    right_map: Response,
) -> None:
    rid = right_map.world.request_for(DORA)
    package = right_map.world.packages_with(DropsValidityWindows()).build(rid, AGENT)
    assert package.status == "blocked"
    run_incident_jobs(right_map.c.incidents)
    (row,) = right_map.c.incidents.all()
    data = details(right_map.c.incidents, row.id)
    assert (data["kind"], data["discovered_by"], data["reporter_kind"]) == (
        "near_miss", "controller", "gate")  # fmt: skip
    assert data["scope"]["basis"] == "offending_items"
    assert data["scope"]["counts"]["records"] + data["scope"]["counts"]["files"] == len(
        row.affected_items
    )
    assert data["scope"]["delivery"]["links"] == 0
    assert not data["notify_authority"] and not data["notify_subjects"]
    assert all(not d["required"] for d in data["deadlines"]) and data["notices"] == []
    assert row.contained_at == row.opened_at


def test_staff_opening_freezes_and_revokes_in_the_same_transaction(right_map: Response) -> None:
    delivered = right_map.deliver_verified(DORA)
    second = right_map.web.delivery.deliver(delivered.request_id, delivered.package_id, DPO)
    report = IncidentReport(IncidentKind.MISDELIVERY, IncidentSource.STAFF,
                            "A colleague noticed old recordings in the package",
                            request_id=delivered.request_id)  # fmt: skip
    row = right_map.c.incidents.open(report, DPO)
    with right_map.c.store.transaction() as session:
        links = [session.get(DownloadLinkRow, i) for i in (delivered.link_id, second.link_id)]
        assert all(link is not None and link.revoked_at == row.opened_at for link in links)
        assert {link.revoke_cause for link in links if link} == {"incident"}
    assert right_map.c.packages.get(delivered.package_id).status == "frozen"
    assert (row.links_revoked, row.packages_frozen, row.contained_at) == (2, 1, row.opened_at)
    actions = [e.action for e in right_map.c.incidents.register.timeline(row.id)]
    assert actions.index("incident.opened") + 1 == actions.index("incident.contained")
    again = IncidentReport(IncidentKind.BREACH, IncidentSource.OUTSIDE,
                           "A journalist says they hold recordings from this package",
                           package_ids=(delivered.package_id,),
                           reporter_kind=ReporterKind.PRESS)  # fmt: skip
    with pytest.raises(ConflictError, match=f"INC-{row.id[:8]} is open for package"):
        right_map.c.incidents.open(again, DPO)  # one breach, one register row, one clock
    assert len(right_map.c.incidents.all()) == 1


def test_a_not_mine_click_on_a_package_staff_opened_an_incident_for_joins_that_incident(
    right_map: Response,
) -> None:
    """One breach, one register row, one 72-hour clock (REQUIREMENTS.md:28, :31): the click
    after staff opened the incident opened a second one, counted twice in the register."""
    delivered = right_map.deliver_verified(DORA)
    right_map.download(delivered)
    report = IncidentReport(IncidentKind.MISDELIVERY, IncidentSource.STAFF,
                            "A colleague noticed old recordings in the package",
                            request_id=delivered.request_id)  # fmt: skip
    row = right_map.c.incidents.open(report, DPO)
    receipt = right_map.web.not_mine.report_token(delivered.token, _client())
    assert receipt.incident_id == row.id and not receipt.repeated
    assert [r.id for r in right_map.c.incidents.all()] == [row.id]
    (mine,) = right_map.web.not_mine.reports_of(delivered.request_id)
    assert mine.incident_id == row.id
    joined = right_map.c.incidents.get(row.id)
    assert (joined.source, joined.aware_at) == ("staff", row.aware_at)  # found by staff first
    assert joined.effects.endswith("; deletion: asked, not confirmed")  # scoped again
    actions = [e.action for e in right_map.c.incidents.register.timeline(row.id)]
    assert "delivery.not_mine_reported" in actions
    assert right_map.c.incidents.register.verify().ok


def test_a_click_while_staff_open_the_incident_leaves_one_incident(
    any_store: Response, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One breach, one register row, one clock (REQUIREMENTS.md:28, :31), however the two
    reports meet: staff looked for an open incident, the click opened one before staff wrote
    theirs, and the package had two."""
    from rightful.services import incidents as service

    delivered = any_store.deliver_verified(DORA)
    looked, clicked = threading.Event(), threading.Event()

    def after_the_click(*args: Any) -> Any:  # staff have looked and found no incident
        looked.set()
        clicked.wait(10)
        return opening(*args)

    opening = service.open_incident
    monkeypatch.setattr(service, "open_incident", after_the_click)
    refused: list[Exception] = []

    def staff() -> None:
        report = IncidentReport(IncidentKind.MISDELIVERY, IncidentSource.STAFF,
                                "A colleague noticed old recordings in the package",
                                request_id=delivered.request_id)  # fmt: skip
        try:
            any_store.c.incidents.open(report, DPO)
        except ConflictError as exc:
            refused.append(exc)

    thread = threading.Thread(target=staff)
    thread.start()
    try:
        assert looked.wait(10)
        receipt = any_store.web.not_mine.report_token(delivered.token, _client())
    finally:
        clicked.set()
        thread.join()
    assert [r.id for r in any_store.c.incidents.all()] == [receipt.incident_id]
    assert len(refused) == 1 and "is open for package" in str(refused[0])
    assert any_store.c.incidents.register.verify().ok


def test_a_misdelivery_named_by_its_package_is_scoped_as_one_named_by_its_request(
    wrong_map: Response,
) -> None:
    """The package's requester received it: only what was not theirs is exposed, and they are
    not among the people concerned. By package alone, the whole package counted (their own
    name, address and orders) and they were to be told of their own data."""
    delivered = wrong_map.deliver_verified(DORA)
    wrong_map.download(delivered)
    report = IncidentReport(IncidentKind.MISDELIVERY, IncidentSource.STAFF,
                            "A colleague noticed old recordings in the package",
                            package_ids=(delivered.package_id,))  # fmt: skip
    row = wrong_map.c.incidents.open(report, DPO)
    assert row.request_id == delivered.request_id
    scope = details(wrong_map.c.incidents, row.id)["scope"]
    assert scope["basis"] == "foreign_items"
    assert scope["subjects"] == [_subject(wrong_map, CARL)]


def test_a_breach_of_a_requesters_package_exposes_their_own_data_too(wrong_map: Response) -> None:
    """A package that leaked (not one the requester received in error): everything in it went
    to others, the requester's own data with it. Scoped as a misdelivery, only the items that
    were not the requester's counted and the requester was not among the people to tell."""
    delivered = wrong_map.deliver_verified(DORA)
    report = IncidentReport(IncidentKind.BREACH, IncidentSource.STAFF,
                            "The exported package was posted to a public forum",
                            request_id=delivered.request_id,
                            package_ids=(delivered.package_id,),
                            nature=Nature.UNKNOWN_RECIPIENTS)  # fmt: skip
    row = wrong_map.c.incidents.open(report, DPO)
    scope = details(wrong_map.c.incidents, row.id)["scope"]
    assert scope["basis"] == "whole_package" and len(scope["subjects"]) == 2
    own, stranger = sorted(scope["by_subject"].values(), key=len, reverse=True)
    assert own["accounts.customers"] == 1 and own["speaker.recordings"] == 9  # the requester's
    assert stranger == {"speaker.devices": 1, "speaker.recordings": 9}  # the previous owner's


def test_a_failure_while_opening_leaves_no_half_contained_incident(right_map: Response) -> None:
    delivered = right_map.deliver_verified(DORA)
    future = right_map.world.clock.now() + timedelta(minutes=5)
    with pytest.raises(InvalidInputError):
        right_map.c.incidents.open(IncidentReport(
            IncidentKind.MISDELIVERY, IncidentSource.STAFF, "awareness in the future is false",
            aware_at=future, request_id=delivered.request_id), DPO)  # fmt: skip
    assert right_map.c.incidents.all() == []
    assert right_map.web.delivery.view(delivered.link_id).state == "active"


def test_an_outside_report_keeps_the_contact_out_of_the_chain_and_is_acknowledged(
    right_map: Response,
) -> None:
    delivered = right_map.deliver_verified(DORA)
    earlier = right_map.world.clock.now() - timedelta(hours=5)
    report = IncidentReport(
        IncidentKind.MISDELIVERY, IncidentSource.OUTSIDE, "A journalist holds recordings of ours",
        aware_at=earlier, reporter_kind=ReporterKind.PRESS, request_id=delivered.request_id,
        contact_name="Jo Reporter", contact_email="jo@press.example", organisation="Daily",
    )  # fmt: skip
    row = right_map.c.incidents.open(report, DPO)
    assert row.aware_at == earlier and row.opened_at == right_map.world.clock.now()
    (ack,) = right_map.mailer.to("jo@press.example")
    assert "INC-" in ack.subject and row.id[:8] in ack.text
    with right_map.c.store.transaction() as session:
        reporter = session.get(IncidentReporterRow, row.id)
        assert reporter is not None and reporter.acknowledged_at is not None
    chain = [e.summary for e in right_map.c.audit.timeline(delivered.request_id)]
    assert "jo@press.example" not in repr(chain) and "Jo Reporter" not in repr(chain)
    (line,) = right_map.c.incidents.register.rows()
    assert (line["discovered_by"], line["reporter_kind"]) == ("outsider", "press")


def test_an_acknowledgement_the_mail_service_refused_goes_out_with_the_next_job(
    right_map: Response,
) -> None:
    """The outside reporter is answered (the motivating case's reporter never was): a refusal
    was logged and never tried again, the reporter left without the reference."""
    right_map.mailer.fail_with = "the mail server did not accept the message"
    report = IncidentReport(
        IncidentKind.BREACH, IncidentSource.OUTSIDE, "A journalist holds recordings of ours",
        reporter_kind=ReporterKind.PRESS, contact_email="jo@press.example",
    )  # fmt: skip
    row = right_map.c.incidents.open(report, DPO)
    assert right_map.mailer.to("jo@press.example") == []
    right_map.mailer.fail_with = None
    assert run_incident_jobs(right_map.c.incidents).acknowledged == 1
    assert run_incident_jobs(right_map.c.incidents).acknowledged == 0, "once"
    (ack,) = right_map.mailer.to("jo@press.example")
    assert f"INC-{row.id[:8]}" in ack.subject
    with right_map.c.store.transaction() as session:
        reporter = session.get(IncidentReporterRow, row.id)
        assert reporter is not None and reporter.acknowledged_at is not None
