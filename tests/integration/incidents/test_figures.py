"""The metrics of an incident's people: those a sent communication has not told, and those of
them past their own due time (REQUIREMENTS.md:30, Art. 34(1): without undue delay), as the
incident job reminds the DPO of them; the packages it froze are counted by status. The clocks
of incidents in every state are counted as that job reads them; a scrape reads them, and the
running deadlines of requests on hold, and a run of the job with nothing due reads them, in as
many statements however many there are."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import event

from rightful.domain.incident_clocks import Audience
from rightful.domain.incidents import IncidentKind, IncidentSource, Nature
from rightful.domain.lifecycle import Status
from rightful.domain.severity import Level
from rightful.domain.staff import SYSTEM
from rightful.services.incident_jobs import JobReport, run_incident_jobs
from rightful.services.incidents import IncidentReport

from .conftest import ANNA, CARL, DPO, Response, make_response
from .test_people_added_later import _breach_of

TOKEN = "metrics-" + "k" * 40


@pytest.fixture
def metered(tmp_path: Path) -> Iterator[Response]:
    r = make_response(f"sqlite:///{tmp_path}/rightful.db", tmp_path, metrics_token=TOKEN)
    yield r
    r.c.store.engine.dispose()


def figures(r: Response, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    response = r.client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    return {tuple(sorted(s.labels.items())): s.value
            for family in text_string_to_metric_families(response.text)
            for s in family.samples if s.name == name}  # fmt: skip


def test_people_a_sent_notice_has_not_told_are_counted_and_then_counted_overdue(
    metered: Response,
) -> None:
    incident_id, nid = _breach_of(metered, ANNA)
    incidents, clock = metered.c.incidents, metered.world.clock
    incidents.notices.send(nid, DPO)
    gdpr = (("regime", "gdpr"),)
    assert figures(metered, "rightful_incident_people_untold")[gdpr] == 0
    clock.advance(timedelta(days=4))
    incidents.contain_more(incident_id, DPO, (metered.deliver_verified(CARL).package_id,))
    added = len(incidents.rescope(incident_id, DPO).subjects) - 1
    assert added > 0
    assert figures(metered, "rightful_incident_people_untold")[gdpr] == added
    assert figures(metered, "rightful_incident_people_untold_overdue")[gdpr] == 0
    clock.advance(timedelta(hours=73))
    assert figures(metered, "rightful_incident_people_untold_overdue")[gdpr] == added
    assert figures(metered, "rightful_packages")[(("status", "frozen"),)] == 2
    incidents.notices.send(nid, DPO)  # told: nobody left
    assert figures(metered, "rightful_incident_people_untold")[gdpr] == 0


# --- a scrape of many incidents and requests on hold ----------------------------------------

LAPTOP = IncidentReport(IncidentKind.BREACH, IncidentSource.STAFF,
                        "A laptop with an export was stolen from a car.")  # fmt: skip
MISROUTED = IncidentReport(IncidentKind.NEAR_MISS, IncidentSource.STAFF,
                           "A reply to the wrong person was stopped in time.")  # fmt: skip
BUCKET = IncidentReport(IncidentKind.BREACH, IncidentSource.STAFF,
                        "The package was left in a public bucket for a day.",
                        nature=Nature.UNKNOWN_RECIPIENTS)  # fmt: skip
DECIDED = "Decided after a call with the owner of the laptop."


@pytest.fixture
def estate(store_url: str, tmp_path: Path) -> Iterator[Response]:
    """Metrics on, GDPR and California's regime in force; SQLite and PostgreSQL."""
    r = make_response(store_url, tmp_path, metrics_token=TOKEN, breach_regimes=["gdpr", "ccpa"])
    yield r
    r.c.store.engine.dispose()


def told_breach(r: Response, customer: int) -> str:
    """A breach of the customer's package, left in a public bucket; the people concerned told
    under GDPR."""
    report = dataclasses.replace(BUCKET, package_ids=(r.deliver_verified(customer).package_id,))
    incident_id = r.c.incidents.open(report, DPO).id
    run_incident_jobs(r.c.incidents)
    nid = notice(r, incident_id, Audience.SUBJECTS)
    r.c.incidents.notices.approve(nid, DPO)
    r.c.incidents.notices.send(nid, DPO)
    return incident_id


def notice(r: Response, incident_id: str, audience: Audience) -> str:
    """The incident's notice to `audience` under GDPR."""
    return next(n.id for n in r.c.incidents.notices.of(incident_id)
                if n.audience == audience.value and n.regime == "gdpr")  # fmt: skip


def unassessed(r: Response) -> str:
    """A breach of nothing of rightful's: not assessed, so the authority's notice is owed."""
    return r.c.incidents.open(LAPTOP, DPO).id


def decided(r: Response, tmp_path: Path) -> str:
    """A breach the DPO assessed as high risk by override; the authority notified under GDPR,
    the people concerned not yet told."""
    incident_id = unassessed(r)
    r.c.incidents.override(incident_id, DPO, Level.HIGH, DECIDED, notify_subjects=True)
    nid = notice(r, incident_id, Audience.AUTHORITY)
    r.c.incidents.notices.approve(nid, DPO)
    r.c.incidents.notices.export(nid, DPO, tmp_path)
    return incident_id


def closed(r: Response) -> str:
    """A breach the DPO found owed no notice, contained and closed."""
    incident_id = unassessed(r)
    r.c.incidents.override(incident_id, DPO, Level.LOW, DECIDED, notify_authority=False,
                           notify_subjects=False)  # fmt: skip
    r.c.incidents.record_containment(incident_id, DPO, "The laptop was wiped remotely.")
    r.c.incidents.close(incident_id, DPO, "Disks of laptops are encrypted from now on.")
    return incident_id


def on_hold(r: Response) -> str:
    """A UK GDPR request on hold (its clock stopped while a copy of a bill is awaited)."""
    body = {"type": "access", "jurisdiction": "uk_gdpr", "email": "held@example.org"}
    response = r.client.post("/api/v1/requests", json=body)
    assert response.status_code == 202, response.text
    held = str(response.json()["id"])
    r.c.requests.move(held, Status.AWAITING_VERIFICATION, SYSTEM)
    r.c.requests.move(held, Status.ON_HOLD, SYSTEM, "waiting for a copy of a bill")
    return held


def key(regime: str, audience: str = "") -> tuple[tuple[str, str], ...]:
    """A sample's labels: by regime and audience, or by regime alone."""
    return (("audience", audience), ("regime", regime)) if audience else (("regime", regime),)


def clocks(r: Response) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    names = ("owed", "overdue", "due_within_24h")
    out = {name: figures(r, f"rightful_incident_notices_{name}") for name in names}
    return {**out, "untold": figures(r, "rightful_incident_people_untold"),
            "untold_overdue": figures(r, "rightful_incident_people_untold_overdue")}  # fmt: skip


def test_the_clocks_of_incidents_in_every_state_are_counted_once_each(
    estate: Response, tmp_path: Path
) -> None:
    """Anna's breach: told at once, Carl's package found in the same bucket four days later
    (Art. 33 overdue, Art. 34 met, Carl untold for 72 h from then, and California's notice to
    the people still owed); a laptop stolen then (not assessed: the authority's notice owed
    under both regimes), another the DPO decided (the authority told, the people not); a near
    miss (nothing owed) and a closed breach (not counted)."""
    clock, incidents = estate.world.clock, estate.c.incidents
    first = told_breach(estate, ANNA)
    clock.advance(timedelta(days=4))
    incidents.contain_more(first, DPO, (estate.deliver_verified(CARL).package_id,))
    added = len(incidents.rescope(first, DPO).subjects) - 1
    unassessed(estate), decided(estate, tmp_path), closed(estate)
    incidents.open(MISROUTED, DPO)
    clock.advance(timedelta(hours=50))  # 146 h after Anna's breach; the others 50 h after theirs

    gdpr_a, gdpr_s = key("gdpr", "authority"), key("gdpr", "subjects")
    ccpa_a, ccpa_s = key("ccpa", "authority"), key("ccpa", "subjects")
    assert clocks(estate) == {
        "owed": {gdpr_a: 2, gdpr_s: 1, ccpa_a: 1, ccpa_s: 2},
        "overdue": {gdpr_a: 1, gdpr_s: 0, ccpa_a: 0, ccpa_s: 0},
        "due_within_24h": {gdpr_a: 1, gdpr_s: 1, ccpa_a: 0, ccpa_s: 0},
        "untold": {key("gdpr"): added, key("ccpa"): 0},
        "untold_overdue": {key("gdpr"): 0, key("ccpa"): 0},
    }
    assert figures(estate, "rightful_incidents_open") == {
        (("kind", "breach"),): 3,
        (("kind", "near_miss"),): 1,
        (("kind", "misdelivery"),): 0,
    }
    clock.advance(timedelta(hours=23))  # Carl's 72 h are over, and the others' Art. 33 and 34
    after = clocks(estate)
    assert after["overdue"] == {gdpr_a: 2, gdpr_s: 1, ccpa_a: 0, ccpa_s: 0}
    assert after["untold_overdue"] == {key("gdpr"): added, key("ccpa"): 0}


def statements(r: Response, act: Callable[[], object]) -> int:
    """How many SQL statements `act` (a read of the figures, a run of a job) sends to the
    store."""
    sent: list[str] = []

    def count(*args: object) -> None:
        sent.append(str(args[2]))

    event.listen(r.c.store.engine, "before_cursor_execute", count)
    try:
        act()
    finally:
        event.remove(r.c.store.engine, "before_cursor_execute", count)
    return len(sent)


def grow(r: Response, tmp_path: Path, n: int) -> None:
    """n more of each: told breaches, unassessed and decided ones, near misses, requests on
    hold."""
    for i in range(n):
        told_breach(r, (ANNA, CARL)[i % 2])
        unassessed(r), decided(r, tmp_path / str(i)), on_hold(r)
        r.c.incidents.open(MISROUTED, DPO)


def test_a_scrape_costs_as_many_statements_with_twenty_open_incidents_as_with_two(
    estate: Response, tmp_path: Path
) -> None:
    """A scrape every 15-60 s: the clocks of every open incident and the running deadline of
    every request on hold are read in a fixed number of statements, not one set per row."""
    grow(estate, tmp_path, 2)
    few = statements(estate, estate.c.figures.read)
    grow(estate, tmp_path, 18)
    assert statements(estate, estate.c.figures.read) == few


def test_an_incident_job_costs_as_many_statements_with_twenty_open_incidents_as_with_two(
    estate: Response, tmp_path: Path
) -> None:
    """The hourly job reads the deadlines of every open incident, the reminders already sent
    for them and the people their sent notices have not told in a fixed number of statements:
    only a reminder that is due costs more."""

    def job() -> JobReport:
        return run_incident_jobs(estate.c.incidents)

    grow(estate, tmp_path, 2)
    estate.world.clock.advance(timedelta(hours=50))
    assert job().reminders > 0, "the marks reached are reminded of first"
    few = statements(estate, job)
    grow(estate, tmp_path, 18)
    estate.world.clock.advance(timedelta(hours=50))
    assert job().reminders > 0
    assert statements(estate, job) == few
