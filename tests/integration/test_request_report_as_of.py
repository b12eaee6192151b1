"""The yearly figures as they stood at a past moment (`rightful report requests --as-of DAY`,
`as_of` in the API): read from each request's moves and audit entries up to the end of that day,
so the report published in February is the same when made again in June.

REQUIREMENTS.md:33 (Art. 5(2) accountability: every decision provable afterwards): figures
published once are reproduced from the record, not from the requests' current status."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from rightful.adapters.mail.memory import MemoryMailer
from rightful.bootstrap import set_container
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.intake import NewRequest
from rightful.domain.lifecycle import Status
from rightful.domain.request_report import as_of, period
from rightful.domain.requests import RequestType
from rightful.domain.unfounded import Manifestly
from rightful.entrypoints.cli.main import app as cli_app
from rightful.services.request_queries import RequestFilter
from tests.integration.conftest import App, running_app
from tests.integration.test_request_report import (
    DPO,
    EXCESSIVE,
    LA,
    STAFF,
    VERIFIED,
    at,
    by_line,
    figures,
    moved,
    submit,
)

ACCESS, OBJECTION = ("gdpr", "Art. 15 access"), ("gdpr", "Art. 21 objection")
PORTABILITY, ERASURE = ("gdpr", "Art. 20 portability"), ("gdpr", "Art. 17 erasure")
OPT_OUT = ("ccpa", "opt-out")


@pytest.fixture
def winter(store_url: str, tmp_path: Path) -> Iterator[App]:
    """Requests received in December 2026 (California) and decided in January 2027; the clock
    stands at noon on 2 February 2027."""
    with running_app(store_url, tmp_path, timezone="America/Los_Angeles") as running:
        running.container.mailer = MemoryMailer()  # type: ignore[misc]  # the notices, kept
        seed(running)
        yield running


def seed(app: App) -> None:
    r = app.container.requests
    at(app, datetime(2026, 12, 1, 9, tzinfo=LA))
    opt_out = submit(app, RequestType.OBJECTION, Jurisdiction.CCPA)  # answered late, 20 Jan
    at(app, datetime(2026, 12, 10, 9, tzinfo=LA))
    objection = submit(app, RequestType.OBJECTION)  # extended 8 Jan, answered 25 Jan
    moved(app, objection, *VERIFIED)
    at(app, datetime(2026, 12, 20, 10, tzinfo=LA))
    access = submit(app, RequestType.ACCESS)  # delivered 10 Jan, closed 25 Jan
    moved(app, access, *VERIFIED, Status.COLLECTING, Status.IN_REVIEW, Status.APPROVED)
    at(app, datetime(2026, 12, 21, 10, tzinfo=LA))
    refused = submit(app, RequestType.ACCESS)  # refused 5 Jan
    excessive = submit(app, RequestType.ACCESS)  # refused as manifestly excessive 6 Jan
    at(app, datetime(2026, 12, 29, 10, tzinfo=LA))
    submit(app, RequestType.PORTABILITY)  # open; withdrawn in June
    at(app, datetime(2027, 1, 4, 10, tzinfo=LA))  # a letter of 30 December, entered now
    letter = NewRequest(type=RequestType.ERASURE, jurisdiction=Jurisdiction.GDPR,
                        email="anna@example.org", channel="staff",
                        received_at=datetime(2026, 12, 30, 10, tzinfo=LA))  # fmt: skip
    r.submit(letter, STAFF)  # open; withdrawn in June
    at(app, datetime(2027, 1, 5, 10, tzinfo=LA))
    r.refuse(refused, DPO, ["the request names no data we hold about anyone"])
    at(app, datetime(2027, 1, 6, 10, tzinfo=LA))
    r.refuse(excessive, DPO, [EXCESSIVE], manifestly=Manifestly.EXCESSIVE)
    at(app, datetime(2027, 1, 8, 10, tzinfo=LA))
    r.extend(objection, DPO, reason="many systems to search by hand this time", months=2)
    at(app, datetime(2027, 1, 10, 10, tzinfo=LA))
    moved(app, access, Status.DELIVERED)
    at(app, datetime(2027, 1, 20, 10, tzinfo=LA))
    r.answer(opt_out, "we stopped selling and sharing your personal information", DPO)
    at(app, datetime(2027, 1, 25, 10, tzinfo=LA))
    r.answer(objection, "we stopped processing your data for the purposes you objected to", DPO)
    moved(app, access, Status.CLOSED)
    at(app, datetime(2027, 2, 2, 12, tzinfo=LA))


# Each moment's lines (every other line is all zeros): the days to respond are calendar days in
# Los Angeles from receipt to the answer (a delivered request's from its delivery, not closing).
AS_OF = {
    "2026-12-28": {  # the portability request (29 December) had not arrived
        ACCESS: figures(3, open=3), OBJECTION: figures(1, open=1), OPT_OUT: figures(1, open=1),
    },
    "2026-12-31": {  # the letter of 30 December was entered on 4 January: not yet in the record
        ACCESS: figures(3, open=3), OBJECTION: figures(1, open=1), OPT_OUT: figures(1, open=1),
        PORTABILITY: figures(1, open=1),
    },
    "2027-01-09": {  # refused twice and extended; nothing complied with yet
        ACCESS: figures(3, manifestly=1, other=1, open=1, days=(15, 16)),
        OBJECTION: figures(1, open=1, extended=1), OPT_OUT: figures(1, open=1),
        PORTABILITY: figures(1, open=1), ERASURE: figures(1, open=1),
    },
    "2027-02-01": {  # the opt-out answered after its 45 days (15 January): late
        ACCESS: figures(3, complied=1, manifestly=1, other=1, days=(21, 15, 16)),
        OBJECTION: figures(1, complied=1, extended=1, days=(46,)),
        OPT_OUT: figures(1, complied=1, late=1, days=(50,)),
        PORTABILITY: figures(1, open=1), ERASURE: figures(1, open=1),
    },
}  # fmt: skip


def report(app: App, day: str | None = None) -> dict[str, Any]:
    now = app.clock.now()
    chosen = period(now.date(), year="2026")
    return app.container.request_report.report(chosen, as_of=as_of(now, LA, day)).as_json()


def nonzero(answer: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {k: v for k, v in by_line(answer).items() if v != figures(0)}


@pytest.mark.parametrize("day", list(AS_OF))
def test_each_request_counts_with_the_outcome_it_had_at_the_end_of_the_day(
    winter: App, day: str
) -> None:
    """Open until answered, denied from the refusal (manifestly from its Art. 12(5) entry),
    extended from the extension, late once answered after the deadline; a request received,
    or entered, after the day is not counted."""
    assert nonzero(report(winter, day)) == AS_OF[day]


def test_the_report_as_of_a_day_made_again_months_later_gives_the_same_figures(
    winter: App,
) -> None:
    """Published on 2 February as of 1 February; made again in June, after both open requests
    were withdrawn, the figures, their moment and zone are the same; only computed_at moved on.
    Without --as-of the report in June shows the withdrawals."""
    february = report(winter, "2027-02-01")
    assert february["as_of"] == "2027-02-01T23:59:59.999999-08:00"
    assert february["computed_at"] == "2027-02-02T20:00:00+00:00"
    at(winter, datetime(2027, 6, 15, 9, tzinfo=LA))
    r = winter.container.requests
    for row in r.list(RequestFilter(open_only=True)):  # the portability and erasure requests
        r.cancel(row.id, STAFF, "the requester withdrew it by phone")
    june = report(winter, "2027-02-01")
    assert june["computed_at"] == "2027-06-15T16:00:00+00:00"
    assert {**june, "computed_at": None} == {**february, "computed_at": None}
    now = nonzero(report(winter))
    assert now[PORTABILITY] == now[ERASURE] == figures(1, withdrawn=1)


@pytest.fixture
def cli(winter: App) -> Iterator[CliRunner]:
    set_container(winter.container)
    yield CliRunner()
    set_container(None)


def test_the_command_and_the_api_take_the_day(winter: App, cli: CliRunner) -> None:
    """`--as-of 2026-12-31` (API: `as_of=2026-12-31`): the same figures as the service's; the
    table names the moment in the controller's zone."""
    args = ["report", "requests", "--year", "2026", "--as-of", "2026-12-31"]
    result = cli.invoke(cli_app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    assert nonzero(json.loads(result.output)) == AS_OF["2026-12-31"]
    url = "/api/v1/reports/requests?year=2026&as_of=2026-12-31"
    answer = winter.client.get(url, headers=winter.as_role("reviewer"))
    assert answer.status_code == 200 and answer.json() == json.loads(result.output)
    table = cli.invoke(cli_app, args, terminal_width=300)
    assert table.exit_code == 0 and "as of 2026-12-31 23:59" in table.output


@pytest.mark.parametrize(
    ("day", "says"),
    [
        ("2026-12-32", "is not a day"),
        ("31/12/2026", "is not a day"),
        ("2027-02-02", "has not ended yet"),  # today in Los Angeles
        ("2027-03-01", "has not ended yet"),
    ],
)
def test_an_as_of_day_that_is_not_one_or_not_over_is_one_line_and_exit_2_or_422(
    winter: App, cli: CliRunner, day: str, says: str
) -> None:
    result = cli.invoke(cli_app, ["report", "requests", "--as-of", day])
    assert result.exit_code == 2 and says in result.output
    assert result.output.strip().count("\n") == 0
    answer = winter.client.get(f"/api/v1/reports/requests?as_of={day}",
                               headers=winter.as_role("dpo"))  # fmt: skip
    assert answer.status_code == 422 and says in answer.json()["detail"]


def test_a_day_before_anything_was_received_counts_nothing(winter: App) -> None:
    assert nonzero(report(winter, "2026-11-30")) == {}
    assert report(winter, "2026-11-30")["as_of"] == "2026-11-30T23:59:59.999999-08:00"


def test_a_move_just_after_the_day_ends_is_not_counted(winter: App) -> None:
    """The day ends at midnight in the controller's zone: a refusal at 00:00 on 1 January in
    Los Angeles (08:00 UTC, already 1 January in UTC before) is not in the figures as of
    31 December."""
    r = winter.container.requests
    at(winter, datetime(2026, 12, 31, 23, 0, tzinfo=LA))
    late = submit(winter, RequestType.RECTIFICATION)
    at(winter, datetime(2027, 1, 1, 0, 0, tzinfo=LA))
    r.refuse(late, DPO, ["the request names no data we hold about anyone"])
    at(winter, datetime(2027, 2, 2, 12, tzinfo=LA) + timedelta(days=1))
    rectification = ("gdpr", "Art. 16 rectification")
    assert nonzero(report(winter, "2026-12-31"))[rectification] == figures(1, open=1)
    assert nonzero(report(winter, "2027-01-01"))[rectification] == figures(1, other=1, days=(1,))
