"""The yearly figures as staff read them (domain/request_report.py defines each): the report
asked for with `rightful report requests`' defaults, its title naming the period and the
moment, and its table's columns and cells, written as CSV by `--csv FILE` and by the console's
download alike."""

from __future__ import annotations

import csv
from datetime import date
from typing import TextIO
from zoneinfo import ZoneInfo

from rightful.bootstrap import Container
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.request_report import Line, RequestReport, as_of, period

COLUMNS = (
    "jurisdiction", "kind", "received", "complied", "denied", "denied: identity not verified",
    "denied: manifestly unfounded or excessive", "denied: other", "withdrawn", "open", "late",
    "extended", "answered", "median days", "mean days",
)  # fmt: skip


def request_report(
    c: Container, *, year: str | None = None, start: str | None = None, end: str | None = None,
    jurisdiction: Jurisdiction | None = None, as_of_day: str | None = None,
) -> RequestReport:  # fmt: skip
    """The figures for a year or [start, end) (default: the previous calendar year), days in
    the controller's zone, now or as of the end of `as_of_day`; InvalidInputError otherwise."""
    now = c.clock.now()
    chosen = period(now.astimezone(c.settings.zone).date(), year=year, start=start, end=end)
    moment = as_of(now, c.settings.zone, as_of_day)
    return c.request_report.report(chosen, jurisdiction, moment)


def title(report: RequestReport) -> str:
    """The period's first and last day and the moment, in the controller's zone."""
    last = date.fromordinal(report.period.end.toordinal() - 1)
    zone = ZoneInfo(report.zone)
    return (f"Requests received {report.period.start} to {last} ({report.zone}), "
            f"as of {report.as_of.astimezone(zone):%Y-%m-%d %H:%M}")  # fmt: skip


def cells(line: Line) -> list[str]:
    """A line's figures in COLUMNS' order ("" for days when none was answered)."""
    j = line.as_json()
    reasons = j["denied_by_reason"]
    assert isinstance(reasons, dict)
    figures = [j["received"], j["complied"], j["denied"], *reasons.values(), j["withdrawn"],
               j["open"], j["late"], j["extended"], j["answered"], j["days_median"],
               j["days_mean"]]  # fmt: skip
    return [line.jurisdiction, line.kind, *("" if f is None else str(f) for f in figures)]


def write_csv(stream: TextIO, report: RequestReport) -> None:
    """The table to `stream`: the header, then one row per jurisdiction and kind."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(cells(line) for line in report.lines)
