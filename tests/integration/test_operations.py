"""Endpoints operators alert on: /readyz fails when the service cannot do its work, /metrics
counts what is overdue or nearly due before a deadline is missed (REQUIREMENTS.md Art. 12(3):
a month to answer; Art. 33: 72 hours to notify the authority), by the rules the jobs use."""

from __future__ import annotations

import logging
import shutil
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from rightful.adapters.db.packages import PackageRow
from rightful.bootstrap import Container
from rightful.domain.incidents import IncidentKind, IncidentSource
from rightful.domain.lifecycle import Role, Status
from rightful.domain.packages import PackageStatus
from rightful.domain.staff import SYSTEM, Principal
from rightful.entrypoints.api.app import create_app
from rightful.services.incidents import IncidentReport
from rightful.services.readiness import ReadinessProbe
from rightful.settings import load_settings

from .conftest import App, running_app

TOKEN = "metrics-" + "k" * 40
SCRAPER = {"Authorization": f"Bearer {TOKEN}"}
DPO = Principal("key:dpo1", Role.DPO)
NOWHERE = 18301  # a port of this helper's range nobody listens on


@pytest.fixture
def metered(store_url: str, tmp_path: Path) -> Iterator[App]:
    """The app with metrics on, and a mail relay that is not there (notices are refused)."""
    with running_app(store_url, tmp_path, metrics_token=TOKEN, smtp_port=NOWHERE) as running:
        yield running


@contextmanager
def on_sqlite(tmp_path: Path, **settings: object) -> Iterator[App]:
    """An app of its own, on a SQLite store in a new folder, with these settings."""
    folder = tmp_path / uuid.uuid4().hex
    with running_app(f"sqlite:///{folder}.db", folder, **settings) as running:
        yield running


def submit(app: App, **fields: str) -> str:
    body = {"type": "access", "jurisdiction": "gdpr", "email": "anna@example.org", **fields}
    response = app.client.post("/api/v1/requests", json=body)
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def scrape(app: App) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics by name and labels, as Prometheus parses the exposition."""
    response = app.client.get("/metrics", headers=SCRAPER)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def opened(status: str, kind: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    return ("rightful_requests_open", (("status", status), ("type", kind)))


def not_ready(**checks: str) -> dict[str, object]:
    return {"status": "not_ready", "checks": checks}


# --- /readyz -------------------------------------------------------------------------------


def test_a_service_whose_store_and_storage_answer_is_ready_without_a_key(app: App) -> None:
    response = app.client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"store": "ok", "storage": "ok"}}
    assert list((app.container.settings.data_dir / "packages" / "readiness").iterdir()) == []


def test_package_storage_that_takes_no_write_makes_it_not_ready_naming_only_the_check(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    folder = app.container.settings.data_dir / "packages"
    shutil.rmtree(folder, ignore_errors=True)
    folder.write_text("not a folder")  # what a full or read-only volume is to a write
    with caplog.at_level(logging.WARNING, logger="rightful.readiness"):
        response = app.client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == not_ready(store="ok", storage="failed")
    [line] = [r.getMessage() for r in caplog.records if r.name == "rightful.readiness"]
    assert "storage" in line and "Error" in line and str(folder) not in line


def test_probes_within_a_second_share_one_check(app: App) -> None:
    """/readyz needs no key and each check writes a file: a flood of probes is one check a
    second, not a flood of writes."""
    ticks = [100.0]
    c = app.container
    probe = ReadinessProbe(c.store, c.package_objects, ticks=lambda: ticks[0])
    assert probe.check().ready
    folder = c.settings.data_dir / "packages"
    shutil.rmtree(folder)
    folder.write_text("not a folder")
    ticks[0] += 0.5
    assert probe.check().ready, "the answer of half a second ago"
    ticks[0] += 0.6
    assert probe.check().checks == {"store": True, "storage": False}


def test_a_store_that_does_not_answer_makes_it_not_ready_without_its_address(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    dsn = f"postgresql+psycopg://rightful:s3cret@127.0.0.1:{NOWHERE}/rightful"
    c = Container(settings=load_settings(data_dir=tmp_path, database_url=dsn))
    with TestClient(create_app(c), raise_server_exceptions=False) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == not_ready(store="failed", storage="ok")
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "s3cret" not in response.text + logged and str(NOWHERE) not in response.text + logged


@pytest.mark.redis
def test_with_celery_workers_the_broker_is_checked_too(tmp_path: Path) -> None:
    answering = "redis://127.0.0.1:6379/15"
    silent = f"redis://:s3cret@127.0.0.1:{NOWHERE}/0"
    for url, outcome in ((answering, "ok"), (silent, "failed")):
        with on_sqlite(tmp_path, queue_backend="celery", celery_broker_url=url) as app:
            response = app.client.get("/readyz")
        assert response.json()["checks"] == {"store": "ok", "storage": "ok", "broker": outcome}
        assert response.status_code == (200 if outcome == "ok" else 503)
        assert "s3cret" not in response.text


# --- /metrics: who may read it -------------------------------------------------------------


def test_metrics_are_off_until_a_token_is_set(tmp_path: Path) -> None:
    with on_sqlite(tmp_path) as off:
        assert off.client.get("/metrics", headers=SCRAPER).status_code == 404
        assert off.client.get("/metrics", headers=off.as_role("admin")).status_code == 404
    with on_sqlite(tmp_path, metrics_token=TOKEN) as on:
        assert on.client.get("/metrics", headers=SCRAPER).status_code == 200


def test_metrics_need_the_token_as_a_bearer(metered: App) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN},
                    {"Authorization": f"Bearer {TOKEN}x"}, metered.as_role("admin")):  # fmt: skip
        response = metered.client.get("/metrics", headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["www-authenticate"] == "Bearer"
    assert metered.client.get("/metrics", headers=SCRAPER).status_code == 200


def test_a_browser_refused_by_the_probes_gets_their_answer_not_a_web_page(metered: App) -> None:
    browser = {"Accept": "text/html,application/xhtml+xml"}
    refused = metered.client.get("/metrics", headers=browser)
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
    assert "<html" not in refused.text.lower()
    ready = metered.client.get("/readyz", headers=browser)
    assert ready.headers["content-type"].startswith("application/json")


def test_a_short_token_is_refused_and_a_blank_one_leaves_metrics_off() -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        load_settings(metrics_token="short")
    assert load_settings(metrics_token="").metrics_token is None


# --- /metrics: what it counts --------------------------------------------------------------


def test_metrics_count_requests_by_urgency_as_the_due_list_does(metered: App) -> None:
    """31 January + one month: due 28 February. On 2 March it is overdue; one received on
    5 February is due on 5 March, within the 7 days of `due_soon_days`."""
    overdue = submit(metered)
    metered.clock.advance(timedelta(days=5))
    soon = submit(metered, type="portability")
    metered.clock.advance(timedelta(days=20))
    later = submit(metered)
    withdrawn = submit(metered)
    cancel = metered.client.post(f"/api/v1/requests/{withdrawn}/cancel", json={
        "reason": "withdrawn by phone"}, headers=metered.as_role("agent"))  # fmt: skip
    assert cancel.status_code == 200, cancel.text
    metered.clock.advance(timedelta(days=5))
    figures = scrape(metered)

    assert figures[("rightful_requests_overdue", ())] == 1
    assert figures[("rightful_requests_due_soon", ())] == 1
    urgencies = Counter(i.urgency for i in metered.container.requests.due())
    assert {i.request_id: i.urgency.value for i in metered.container.requests.due()} == {
        overdue: "overdue", soon: "due_soon", later: "ok"}  # fmt: skip
    assert metered.container.requests.due_counts() == urgencies
    assert figures[opened("received", "access")] == 2
    assert figures[opened("received", "portability")] == 1
    assert opened("cancelled", "access") not in figures  # final: not open
    assert figures[("rightful_requests_oldest_waiting_days", ())] == 30
    # the withdrawal notice went to a relay that is not there: it waits to be sent again
    assert figures[("rightful_request_notices_unsent", (("state", "refused"),))] == 1
    assert figures[("rightful_audit_entries", ())] == metered.container.audit.head().last_seq > 0


def test_a_request_on_hold_is_counted_by_its_running_deadline(metered: App) -> None:
    """REQUIREMENTS.md:6 (UK GDPR: the clock stops while identity information is awaited): the
    stored deadline has passed, but thirty days on hold moved it on thirty days."""
    held = submit(metered, jurisdiction="uk_gdpr")
    metered.container.requests.move(held, Status.AWAITING_VERIFICATION, SYSTEM)
    metered.container.requests.move(held, Status.ON_HOLD, SYSTEM, "waiting for a copy of a bill")
    metered.clock.advance(timedelta(days=30))
    assert metered.container.requests.get(held).respond_by < metered.clock.now()
    figures = scrape(metered)
    assert figures[("rightful_requests_overdue", ())] == 0
    assert figures[("rightful_requests_due_soon", ())] == 0
    [item] = metered.container.requests.due()
    assert metered.container.requests.due_counts()[item.urgency] == 1


def test_metrics_count_incidents_whose_art_33_clock_runs_out_or_ran_out(metered: App) -> None:
    incidents = metered.container.incidents
    first = IncidentReport(IncidentKind.BREACH, IncidentSource.STAFF,
                           "A laptop with an export was stolen from a car.")  # fmt: skip
    incidents.open(first, DPO)
    metered.clock.advance(timedelta(hours=25))
    second = IncidentReport(IncidentKind.BREACH, IncidentSource.STAFF,
                            "An export bucket was readable by anyone for a day.")  # fmt: skip
    incidents.open(second, DPO)
    metered.clock.advance(timedelta(hours=49))  # the first 74 h after awareness, the second 49 h
    figures = scrape(metered)

    authority = (("audience", "authority"), ("regime", "gdpr"))
    assert figures[("rightful_incidents_open", (("kind", "breach"),))] == 2
    assert figures[("rightful_incidents_open", (("kind", "near_miss"),))] == 0
    assert figures[("rightful_incident_notices_owed", authority)] == 2
    assert figures[("rightful_incident_notices_overdue", authority)] == 1
    assert figures[("rightful_incident_notices_due_within_24h", authority)] == 1


def test_metrics_count_packages_and_tell_lost_builds_from_running_ones(metered: App) -> None:
    """A build whose heartbeat is older than build_lost_after_seconds (300) was lost with its
    worker (`rightful jobs builds` builds it again); one that beat a minute ago is running."""
    rid = submit(metered)
    now = metered.clock.now()
    beats = {"lost": now - timedelta(seconds=301), "running": now - timedelta(seconds=60)}
    with metered.container.store.transaction() as session:
        for name, status, beat in (("lost", PackageStatus.BUILDING, beats["lost"]),
                                   ("running", PackageStatus.BUILDING, beats["running"]),
                                   ("blocked", PackageStatus.BLOCKED, None)):  # fmt: skip
            session.add(PackageRow(
                id=str(uuid.uuid4()), request_id=rid, status=status.value, language="en",
                subject_pseudonym="p", created_at=now - timedelta(minutes=10), created_by="t",
                heartbeat_at=beat, object_name=f"packages/{name}.rfpk", master_key_id="k",
                wrapped_key=b"k", chunk_size=65536,
            ))  # fmt: skip
    verified = submit(metered)
    for status in (Status.AWAITING_VERIFICATION, Status.VERIFIED):
        metered.container.requests.move(verified, status, SYSTEM)
    figures = scrape(metered)
    assert figures[("rightful_builds_waiting", (("jurisdiction", "gdpr"),))] == 1
    assert figures[("rightful_builds_waiting", (("jurisdiction", "ccpa"),))] == 0
    assert figures[("rightful_builds_lost", ())] == 1
    assert figures[("rightful_builds_running", ())] == 1
    assert figures[("rightful_packages", (("status", "building"),))] == 2
    assert figures[("rightful_packages", (("status", "blocked"),))] == 1
    assert figures[("rightful_packages", (("status", "delivered"),))] == 0


def test_metrics_name_no_request_and_no_address(metered: App) -> None:
    rid = submit(metered)
    text = metered.client.get("/metrics", headers=SCRAPER).text
    assert rid not in text and "anna" not in text and "example" not in text
