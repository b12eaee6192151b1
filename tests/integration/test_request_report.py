"""The yearly figures on requests (`rightful report requests`, GET /api/v1/reports/requests):
a year of requests of every kind and outcome, counted exactly, on SQLite and PostgreSQL.

REQUIREMENTS.md:33 (Art. 5(2) accountability): the decisions made are shown afterwards, here as
the counts a DPO reports; REQUIREMENTS.md:9 (CCPA §7021): a request unverified at day 45 is
denied, and counts so."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from rightful.adapters.mail.memory import MemoryMailer
from rightful.bootstrap import set_container
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.erasure import ErasureOutcome, Ground
from rightful.domain.intake import NewRequest
from rightful.domain.lifecycle import Role, Status
from rightful.domain.request_report import Period, period
from rightful.domain.requests import RequestType
from rightful.domain.staff import SYSTEM, Principal
from rightful.domain.unfounded import Manifestly
from rightful.entrypoints.cli.main import app as cli_app
from tests.integration.conftest import App, files_limited_to, running_app

LA = ZoneInfo("America/Los_Angeles")
DPO = Principal("cli:dana", Role.DPO)
STAFF = Principal("cli:sam", Role.AGENT)
EXCESSIVE = (
    "the same person asked for the same copy for the ninth time this month; nothing changed "
    "since the copy sent ten days ago"
)


@pytest.fixture
def year(store_url: str, tmp_path: Path) -> Iterator[App]:
    """A store in California's zone holding a year of requests (2026), seeded in `seed`."""
    with running_app(store_url, tmp_path, timezone="America/Los_Angeles") as running:
        running.container.mailer = MemoryMailer()  # type: ignore[misc]  # the notices, kept
        seed(running)
        yield running


def at(app: App, when: datetime) -> None:
    app.clock.set(when.astimezone(UTC))


def submit(app: App, kind: RequestType, law: Jurisdiction = Jurisdiction.GDPR) -> str:
    new = NewRequest(type=kind, jurisdiction=law, email="anna@example.org", channel="staff")
    return app.container.requests.submit(new, STAFF).id


def moved(app: App, rid: str, *targets: Status) -> None:
    for target in targets:
        app.container.requests.move(rid, target, SYSTEM, "the test's step")


VERIFIED = (Status.AWAITING_VERIFICATION, Status.VERIFIED)


def seed(app: App) -> None:
    """Requests received in 2026 (California) with every outcome, the days to respond noted;
    and four at the year's edges, two of them in it."""
    r = app.container.requests
    day = timedelta(days=1)
    at(app, datetime(2025, 12, 31, 23, 59, tzinfo=LA))
    submit(app, RequestType.RESTRICTION, Jurisdiction.CCPA)  # limit, the year before: not counted
    at(app, datetime(2026, 1, 1, 0, 0, tzinfo=LA))
    submit(app, RequestType.RESTRICTION, Jurisdiction.CCPA)  # limit, open
    at(app, datetime(2026, 2, 2, 10, 0, tzinfo=LA))
    delivered = submit(app, RequestType.ACCESS)  # delivered after 10 days, closed after 20
    erased = submit(app, RequestType.ERASURE)  # recorded after 5
    excessive = submit(app, RequestType.ACCESS)  # refused as manifestly excessive after 7
    refused = submit(app, RequestType.ACCESS)  # refused otherwise after 2
    cancelled = submit(app, RequestType.RECTIFICATION)  # withdrawn
    extended = submit(app, RequestType.OBJECTION)  # extended, answered after 40
    submit(app, RequestType.PORTABILITY)  # open
    unverified = submit(app, RequestType.ERASURE, Jurisdiction.CCPA)  # refused unverified after 3
    know = submit(app, RequestType.ACCESS, Jurisdiction.CCPA)  # closed unverified at day 45
    opt_out = submit(app, RequestType.OBJECTION, Jurisdiction.CCPA)  # answered late, after 30
    moved(app, delivered, *VERIFIED, Status.COLLECTING, Status.IN_REVIEW, Status.APPROVED)
    moved(app, erased, *VERIFIED)
    moved(app, extended, *VERIFIED)
    moved(app, know, Status.AWAITING_VERIFICATION)
    r.cancel(cancelled, STAFF, "the requester withdrew it by phone")
    app.clock.advance(2 * day)
    r.refuse(refused, DPO, ["the request names no data we hold about anyone"])
    app.clock.advance(day)
    r.refuse(unverified, DPO, ["we could not verify who asked"], unverified=True)
    app.clock.advance(2 * day)
    outcome = ErasureOutcome(Ground.NOT_NEEDED, ("user.contact",), (), 0)
    r.record_erasure(erased, outcome, DPO)
    r.extend(extended, DPO, reason="many systems to search by hand this time", months=2)
    app.clock.advance(2 * day)
    r.refuse(excessive, DPO, [EXCESSIVE], manifestly=Manifestly.EXCESSIVE)
    app.clock.advance(3 * day)
    moved(app, delivered, Status.DELIVERED)
    app.clock.advance(10 * day)
    moved(app, delivered, Status.CLOSED)
    app.clock.advance(10 * day)
    r.answer(opt_out, "we stopped selling and sharing your personal information", DPO)
    app.clock.advance(10 * day)
    r.answer(extended, "we stopped processing your data for the purposes you objected to", DPO)
    at(app, r.get(know).respond_by - timedelta(hours=1))
    assert r.close_unverified_at_deadline() == [know]
    at(app, datetime(2026, 12, 31, 23, 59, tzinfo=LA))
    submit(app, RequestType.RESTRICTION, Jurisdiction.CCPA)  # limit, open
    at(app, datetime(2027, 1, 1, 0, 0, tzinfo=LA))
    submit(app, RequestType.RESTRICTION, Jurisdiction.CCPA)  # limit, the year after
    at(app, datetime(2027, 2, 1, 9, 0, tzinfo=LA))


def figures(
    received: int, complied: int = 0, unverified: int = 0, manifestly: int = 0, other: int = 0,
    withdrawn: int = 0, open: int = 0, late: int = 0, extended: int = 0,
    days: tuple[int, ...] = (),
) -> dict[str, Any]:  # fmt: skip
    ordered = sorted(days)
    middle = ordered[(len(days) - 1) // 2 : len(days) // 2 + 1]
    return {
        "received": received, "complied": complied, "denied": unverified + manifestly + other,
        "denied_by_reason": {"identity_not_verified": unverified,
                             "manifestly_unfounded_or_excessive": manifestly, "other": other},
        "withdrawn": withdrawn, "open": open, "late": late, "extended": extended,
        "answered": len(days), "days_median": sum(middle) / len(middle) if days else None,
        "days_mean": round(sum(days) / len(days), 1) if days else None,
    }  # fmt: skip


EXPECTED = {
    ("gdpr", "Art. 15 access"): figures(3, complied=1, manifestly=1, other=1, days=(10, 7, 2)),
    ("gdpr", "Art. 20 portability"): figures(1, open=1),
    ("gdpr", "Art. 17 erasure"): figures(1, complied=1, days=(5,)),
    ("gdpr", "Art. 16 rectification"): figures(1, withdrawn=1),
    ("gdpr", "Art. 18 restriction"): figures(0),
    ("gdpr", "Art. 21 objection"): figures(1, complied=1, extended=1, days=(40,)),
    ("ccpa", "know"): figures(1, unverified=1, days=(45,)),
    ("ccpa", "delete"): figures(1, unverified=1, days=(3,)),
    ("ccpa", "correct"): figures(0),
    ("ccpa", "opt-out"): figures(1, complied=1, late=1, days=(30,)),
    ("ccpa", "limit"): figures(2, open=2),
}


def by_line(report: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(x.pop("jurisdiction"), x.pop("kind")): x for x in report["lines"]}


def test_a_year_counts_each_request_once_by_its_outcome_with_the_days_to_respond(
    year: App,
) -> None:
    """Received in 2026 in California (the first minute of 1 January in, the last minute of
    2025 out; the last minute of 2026 in, the first of 2027 out), counted as complied with,
    denied by reason (a CCPA request closed unverified at day 45 is denied as unverified),
    withdrawn or open; late and extended; the median and mean calendar days to respond, a
    delivered request's from its delivery, not its closing."""
    report = year.container.request_report.report(_year(year, "2026"))
    assert report.as_json()["from"] == "2026-01-01" and report.as_json()["to"] == "2027-01-01"
    lines = by_line(report.as_json())
    assert {k: v for k, v in lines.items() if k[0] != "uk_gdpr"} == EXPECTED
    assert all(v == figures(0) for k, v in lines.items() if k[0] == "uk_gdpr")
    ccpa = [kind for law, kind in lines if law == "ccpa"]
    assert ccpa == ["know", "delete", "correct", "opt-out", "limit"], "as §7102 names them"


def _year(app: App, text: str) -> Period:
    return period(app.clock.now().date(), year=text)


@pytest.fixture
def cli(year: App) -> Iterator[CliRunner]:
    set_container(year.container)
    yield CliRunner()
    set_container(None)


def test_the_command_defaults_to_last_year_and_answers_json_and_a_csv_file(
    year: App, cli: CliRunner, tmp_path: Path
) -> None:
    """`rightful report requests` in February 2027 reports 2026; --json as the API answers;
    --csv writes the lines to a file, one row per kind under a header."""
    result = cli.invoke(cli_app, ["report", "requests", "--json", "--jurisdiction", "ccpa"])
    assert result.exit_code == 0, result.output
    lines = by_line(json.loads(result.output))
    assert lines == {k: v for k, v in EXPECTED.items() if k[0] == "ccpa"}
    target = tmp_path / "figures.csv"
    result = cli.invoke(cli_app, ["report", "requests", "--from", "2026-01-01", "--to",
                                  "2027-01-01", "--csv", str(target)])  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(target.open()))
    assert len(rows) == 17 and rows[0]["jurisdiction"] == "gdpr"
    access = rows[0]
    assert (access["kind"], access["received"], access["complied"], access["denied"]) == (
        "Art. 15 access", "3", "1", "2")  # fmt: skip
    assert (access["median days"], access["mean days"]) == ("7.0", "6.3")
    assert cli.invoke(cli_app, ["report", "requests", "--csv", str(target)]).exit_code == 2
    table = cli.invoke(cli_app, ["report", "requests"])
    assert table.exit_code == 0 and "Art. 15 access" in table.output and "opt-out" in table.output


def test_a_csv_file_is_written_whole_or_the_old_one_is_kept_and_one_line_says_why(
    year: App, cli: CliRunner, tmp_path: Path
) -> None:
    """A full disk (here a file size limit) was a traceback; docs/operations.md."""
    target = tmp_path / "figures.csv"
    target.write_text("last year's\n")
    with files_limited_to(200):
        result = cli.invoke(cli_app, ["report", "requests", "--year", "2026", "--csv",
                                      str(target), "--force"])  # fmt: skip
    assert (result.exit_code, result.stderr) == (
        2,
        f"error: cannot write {target}: File too large\n",
    )
    assert target.read_text() == "last year's\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".partial-")] == []


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--from", "2026-02-01", "--to", "2026-01-01"], "is not before the end"),
        (["--from", "2026-01-01", "--to", "2026-01-01"], "is not before the end"),
        (["--from", "2026-13-01", "--to", "2027-01-01"], "is not a day"),
        (["--from", "2026-01-01"], "both the start and the end"),
        (["--year", "20x6"], "is not a year"),
        (["--year", "2026", "--to", "2027-01-01"], "not both"),
        (["--json", "--csv", "figures.csv"], "--json or --csv FILE, not both"),
    ],
)
def test_a_bad_period_is_one_line_and_a_failing_exit(
    cli: CliRunner, args: list[str], says: str
) -> None:
    result = cli.invoke(cli_app, ["report", "requests", *args])
    assert result.exit_code == 2 and says in result.output
    assert result.output.strip().count("\n") == 0


def test_the_api_answers_reviewers_as_the_command_does_and_refuses_agents(
    year: App, cli: CliRunner
) -> None:
    """A reviewer or above reads the figures; an agent key (often a system's) does not."""
    url = "/api/v1/reports/requests?from=2026-01-01&to=2027-01-01"
    assert year.client.get(url, headers=year.as_role("agent")).status_code == 403
    assert year.client.get(url).status_code == 401
    answer = year.client.get(url, headers=year.as_role("reviewer"))
    assert answer.status_code == 200
    command = cli.invoke(cli_app, ["report", "requests", "--year", "2026", "--json"])
    assert answer.json() == json.loads(command.output)
    gdpr = year.client.get(url + "&jurisdiction=gdpr", headers=year.as_role("dpo")).json()
    assert {line["jurisdiction"] for line in gdpr["lines"]} == {"gdpr"}
    bad = year.client.get(url.replace("to=2027", "to=2025"), headers=year.as_role("dpo"))
    assert bad.status_code == 422 and "is not before the end" in bad.json()["detail"]
