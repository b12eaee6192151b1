"""The yearly figures in the staff console (/console/reports/requests): the table of
`rightful report requests` for reviewers and above, its CSV download as `--csv FILE` writes it,
and the form sent back with the error as typed.

REQUIREMENTS.md:33 (Art. 5(2) accountability): the staff who decide requests read the counts a
DPO reports where they work, the same figures the command gives."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from rightful.adapters.mail.memory import MemoryMailer
from rightful.bootstrap import set_container
from rightful.bootstrap_web import web_services
from rightful.domain.clock import FixedClock
from rightful.domain.lifecycle import Role
from rightful.domain.staff import Principal
from rightful.entrypoints.api.app import create_app
from rightful.entrypoints.cli.main import app as cli_app
from rightful.entrypoints.web import install_web

from ..conftest import T0, App, make_container
from ..test_request_report import EXPECTED, seed

ADMIN = Principal("cli:test", Role.ADMIN)
PASSWORD = "a long enough password"
PAGE = "/console/reports/requests"


@pytest.fixture
def year(tmp_path: Path) -> Iterator[App]:
    """The console over a store in California's zone holding 2026's requests, in February 2027."""
    clock = FixedClock(T0)
    c = make_container(f"sqlite:///{tmp_path}/rightful.db", tmp_path, clock,
                       timezone="America/Los_Angeles")  # fmt: skip
    c.mailer = MemoryMailer()  # type: ignore[misc]  # the notices, kept
    app = create_app(c)
    install_web(app, c)
    running = App(c, TestClient(app, raise_server_exceptions=False), clock, {})
    seed(running)
    set_container(c)  # for the command the page is compared with
    yield running
    set_container(None)
    c.store.engine.dispose()


def signed_in(year: App, name: str, role: Role) -> TestClient:
    """A browser signed in to the console as a new user `name` holding `role`."""
    staff_auth = web_services(year.container).staff_auth
    staff_auth.add_user(name, role, ADMIN, PASSWORD)
    browser = TestClient(year.client.app, raise_server_exceptions=False)
    token = re.search(r'name="csrf" value="([^"]+)"', browser.get("/console/sign-in").text)
    assert token is not None
    browser.post("/console/sign-in", data={"csrf": token.group(1), "name": name,
                 "password": PASSWORD, "code": staff_auth.totp_now(name)})  # fmt: skip
    return browser


def command_csv(tmp_path: Path, *args: str) -> str:
    """What `rightful report requests ARGS --csv FILE` writes."""
    target = tmp_path / f"figures-{len(list(tmp_path.glob('figures-*')))}.csv"
    result = CliRunner().invoke(cli_app, ["report", "requests", *args, "--csv", str(target)])
    assert result.exit_code == 0, result.output
    return target.read_text()


def table(page: str) -> tuple[list[str], list[list[str]]]:
    """The figures table's column headers and its rows of cells."""
    heads = re.findall(r'<th scope="col">(.*?)</th>', page)
    body = re.search(r"<tbody>(.*?)</tbody>", page, re.S)
    assert body is not None, "no table"
    rows = [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", body[1])]
    return [html.unescape(h) for h in heads], [[html.unescape(c) for c in r] for r in rows]


def cells(figures: dict[str, Any]) -> list[str]:
    """A line of EXPECTED as the command's table shows it."""
    reasons = figures["denied_by_reason"]
    shown = [figures["received"], figures["complied"], figures["denied"],
             reasons["identity_not_verified"], reasons["manifestly_unfounded_or_excessive"],
             reasons["other"], figures["withdrawn"], figures["open"], figures["late"],
             figures["extended"], figures["answered"], figures["days_median"],
             figures["days_mean"]]  # fmt: skip
    return ["" if f is None else str(f) for f in shown]


def test_an_agent_has_no_figures_and_no_link_to_them(year: App) -> None:
    """Reviewer or above, as the API: an agent's account is often a system's."""
    agent = signed_in(year, "alex", Role.AGENT)
    for path in (PAGE, f"{PAGE}.csv?year=2026"):
        refused = agent.get(path)
        assert refused.status_code == 403 and "reviewer" in refused.text
        assert "Art. 15 access" not in refused.text
    assert PAGE not in agent.get("/console").text
    stranger = TestClient(year.client.app, raise_server_exceptions=False)
    gone = stranger.get(PAGE, follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"].startswith("/console/sign-in")


def test_a_reviewer_reads_last_years_figures_in_the_commands_table(
    year: App, tmp_path: Path
) -> None:
    """With nothing asked, the previous calendar year in the controller's zone, now: each
    jurisdiction's kinds in the command's columns and wording, with the exact counts, under a
    heading naming the period and the moment."""
    reviewer = signed_in(year, "rita", Role.REVIEWER)
    assert f'href="{PAGE}"' in reviewer.get("/console").text, "the nav links the page"
    page = reviewer.get(PAGE)
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert ("Requests received 2026-01-01 to 2026-12-31 (America/Los_Angeles), "
            "as of 2027-02-01 09:00") in text  # fmt: skip
    heads, rows = table(page.text)
    assert heads == next(csv.reader(io.StringIO(command_csv(tmp_path))))
    shown = {(row[0], row[1]): row[2:] for row in rows}
    assert {k: v for k, v in shown.items() if k[0] != "uk_gdpr"} == {
        k: cells(v) for k, v in EXPECTED.items()
    }
    assert len(rows) == 17 and all(
        set(v) == {"0", ""} for k, v in shown.items() if k[0] == "uk_gdpr"
    )
    assert 'class="table-wrap" role="region" aria-label="Yearly figures" tabindex="0"' in page.text


@pytest.mark.parametrize(
    ("query", "args"),
    [
        ("", ["--year", "2026"]),
        ("?from=2026-02-01&to=2026-03-01&jurisdiction=ccpa&as_of=2026-12-31",
         ["--from", "2026-02-01", "--to", "2026-03-01", "--jurisdiction", "ccpa",
          "--as-of", "2026-12-31"]),
    ],
)  # fmt: skip
def test_the_download_is_the_csv_the_command_writes_for_the_same_figures(
    year: App, tmp_path: Path, query: str, args: list[str]
) -> None:
    """The page's "Download CSV" link carries the form's fields and answers, as an attachment,
    what `rightful report requests --csv FILE` writes for them."""
    reviewer = signed_in(year, "dana", Role.DPO)
    link = re.search(r'<a href="([^"]+)"[^>]*>Download CSV</a>', reviewer.get(PAGE + query).text)
    assert link is not None
    download = reviewer.get(html.unescape(link[1]))
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.text == command_csv(tmp_path, *args)


@pytest.mark.parametrize(
    ("query", "says", "typed"),
    [
        ("year=20x6", "the year '20x6' is not a year such as 2026", ['value="20x6"']),
        ("from=2026-01-01", "give both the start and the end day", ['value="2026-01-01"']),
        ("from=2026-03-01&to=2026-02-01", "the start 2026-03-01 is not before the end 2026-02-01",
         ['value="2026-03-01"', 'value="2026-02-01"']),
        ("year=2026&as_of=2027-02-01", "the as-of day 2027-02-01 has not ended yet",
         ['value="2026"', 'value="2027-02-01"']),
        ("jurisdiction=cpra", "the jurisdiction 'cpra' is not one of gdpr, uk_gdpr, ccpa",
         ['<option value="cpra" selected>']),
    ],
)  # fmt: skip
def test_a_bad_period_is_the_form_as_typed_with_the_commands_one_line_error(
    year: App, query: str, says: str, typed: list[str]
) -> None:
    """422, the service's message on the page, the fields as they were sent, and no table; the
    download of the same fields says the same."""
    reviewer = signed_in(year, "rita", Role.REVIEWER)
    for path in (f"{PAGE}?{query}", f"{PAGE}.csv?{query}"):
        page = reviewer.get(path)
        assert page.status_code == 422
        assert says in html.unescape(page.text) and 'role="alert"' in page.text
        assert all(value in page.text for value in typed)
        assert "<tbody>" not in page.text and "Download CSV" not in page.text
