"""An outside reporter's acknowledgement that the mail service refuses is tried again a bounded
number of times, then given up where staff see it, so that they reach the reporter another way
(REQUIREMENTS.md:28: a third party reporting receipt of someone's data makes the controller
aware, and the motivating case's reporter was never answered; :31, Art. 5(2): provable)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rightful.adapters.db.incidents import IncidentReporterRow
from rightful.adapters.mail.sink import MailSink
from rightful.domain.incidents import IncidentKind, IncidentSource, ReporterKind
from rightful.domain.lifecycle import Role
from rightful.services.incident_jobs import run_incident_jobs
from rightful.services.incident_register import details
from rightful.services.incidents import IncidentReport

from ..delivery.smtp_desks import relay_fixture  # noqa: F401 - the fixture, by its name relay
from .conftest import DPO, Response, make_response
from .test_api_and_console import _signed_in

JO = "jo@press.example"


@pytest.fixture
def by_smtp(store_url: str, tmp_path: Path, relay: MailSink) -> Iterator[Response]:
    """Mail over SMTP to the in-process relay, three attempts per acknowledgement."""
    r = make_response(store_url, tmp_path, relay=relay, incident_acknowledgement_attempts=3)
    yield r
    r.c.store.engine.dispose()


def _reported(r: Response) -> str:
    report = IncidentReport(
        IncidentKind.BREACH, IncidentSource.OUTSIDE, "A journalist holds recordings of ours",
        reporter_kind=ReporterKind.PRESS, contact_name="Jo Reporter", contact_email=JO,
    )  # fmt: skip
    return r.c.incidents.open(report, DPO).id


def test_an_acknowledgement_the_mail_service_keeps_refusing_is_given_up_and_shown(
    by_smtp: Response, relay: MailSink
) -> None:
    """Every incident job tried it again, for ever, and nothing on the incident said the
    reporter had not heard from us."""
    relay.refusing = True
    incident_id = _reported(by_smtp)  # the first attempt, at once
    incidents = by_smtp.c.incidents
    first = run_incident_jobs(incidents)
    assert (first.acknowledged, first.given_up) == (0, 0)
    shown = details(incidents, incident_id)["reporter"]
    assert shown["acknowledgement"]["attempts"] == 2 and not shown["acknowledgement"]["given_up_at"]
    assert run_incident_jobs(incidents).given_up == 1  # the third and last attempt

    relay.refusing = False  # the relay takes mail again: nothing more is tried
    assert (run_incident_jobs(incidents).acknowledged, incidents.unacknowledged()) == (0, [])
    assert not [m for m in relay.messages() if JO in m.to]
    with by_smtp.c.store.transaction() as session:
        reporter = session.get(IncidentReporterRow, incident_id)
        assert reporter is not None and reporter.acknowledged_at is None
        assert (reporter.ack_attempts, reporter.ack_failure) == (3, "SMTPDataError")
        assert reporter.ack_given_up_at == by_smtp.world.clock.now()

    shown = details(incidents, incident_id)["reporter"]["acknowledgement"]
    assert (shown["attempts"], shown["last_failure"]) == (3, "SMTPDataError")
    assert shown["given_up_at"] is not None
    page = _signed_in(by_smtp, "dana", Role.DPO).get(f"/console/incidents/{incident_id}")
    assert "acknowledgement given up" in page.text and "reach the reporter another way" in page.text
    timeline = details(incidents, incident_id)["timeline"]
    [given_up] = [e for e in timeline if e["action"] == "incident.reporter_ack_given_up"]
    assert given_up["details"] == {"attempts": 3, "failure": "SMTPDataError"}
    assert JO not in repr(timeline) and "Jo Reporter" not in repr(timeline)
    assert incidents.register.verify().ok


def test_an_acknowledgement_taken_before_the_last_attempt_is_sent_once(
    by_smtp: Response, relay: MailSink
) -> None:
    relay.refusing = True
    incident_id = _reported(by_smtp)
    relay.refusing = False
    report = run_incident_jobs(by_smtp.c.incidents)
    assert (report.acknowledged, report.given_up) == (1, 0)
    assert run_incident_jobs(by_smtp.c.incidents).acknowledged == 0
    [ack] = relay.wait_for(JO)
    assert f"INC-{incident_id[:8]}" in ack.subject
    shown = details(by_smtp.c.incidents, incident_id)["reporter"]
    assert shown["acknowledged_at"] is not None and shown["acknowledgement"]["attempts"] == 1
    actions = [e["action"] for e in details(by_smtp.c.incidents, incident_id)["timeline"]]
    assert "incident.reporter_ack_given_up" not in actions
