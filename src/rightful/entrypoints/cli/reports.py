"""`rightful report requests`: the yearly figures on requests (CCPA §7102, GDPR Art. 5(2)) as
a table, JSON or a CSV file. It reads counts only, so it is not audited, as `requests list` is
not."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from rightful.adapters.files import atomic_writer
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.errors import InvalidInputError
from rightful.domain.request_report import Line, RequestReport, as_of, period
from rightful.entrypoints.cli.common import (
    check_target,
    console,
    container,
    handles_errors,
    print_json,
)

app = typer.Typer(help="Reports: the yearly figures a DPO publishes or keeps.")

COLUMNS = (
    "jurisdiction", "kind", "received", "complied", "denied", "denied: identity not verified",
    "denied: manifestly unfounded or excessive", "denied: other", "withdrawn", "open", "late",
    "extended", "answered", "median days", "mean days",
)  # fmt: skip


@app.command("requests")
@handles_errors
def requests_report(
    year: Annotated[str | None, typer.Option(help="a calendar year, e.g. 2026")] = None,
    start: Annotated[str | None, typer.Option("--from", help="first day, e.g. 2026-01-01")] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="day after the last, e.g. 2027-01-01")
    ] = None,
    jurisdiction: Annotated[Jurisdiction | None, typer.Option()] = None,
    as_of_day: Annotated[
        str | None,
        typer.Option("--as-of", help="the figures as they stood at the end of a past day"),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json")] = False,
    csv_file: Annotated[Path | None, typer.Option("--csv", help="write the table to FILE")] = None,
    force: Annotated[bool, typer.Option(help="overwrite the --csv file")] = False,
) -> None:
    """Requests received in a period (default: the previous calendar year, in the controller's
    zone), by jurisdiction and kind: received, complied with, denied by reason, withdrawn, still
    open, answered late, extended, and the median and mean days to respond; as they stand now,
    or as they stood at the end of the --as-of day (the same whenever it is run again)."""
    if json_out and csv_file is not None:
        raise InvalidInputError("--json or --csv FILE, not both: one output at a time")
    c = container()
    now = c.clock.now()
    chosen = period(now.astimezone(c.settings.zone).date(), year=year, start=start, end=end)
    moment = as_of(now, c.settings.zone, as_of_day)
    if csv_file is not None:
        check_target(csv_file, force)
    report = c.request_report.report(chosen, jurisdiction, moment)
    if csv_file is not None:
        _write_csv(csv_file, report)
        console.print(f"wrote {csv_file}: {len(report.lines)} lines")
    elif json_out:
        print_json(report.as_json())
    else:
        console.print(_table(report))


def _cells(line: Line) -> list[str]:
    """A line's figures in COLUMNS' order ("" for days when none was answered)."""
    j = line.as_json()
    reasons = j["denied_by_reason"]
    assert isinstance(reasons, dict)
    figures = [j["received"], j["complied"], j["denied"], *reasons.values(), j["withdrawn"],
               j["open"], j["late"], j["extended"], j["answered"], j["days_median"],
               j["days_mean"]]  # fmt: skip
    return [line.jurisdiction, line.kind, *("" if f is None else str(f) for f in figures)]


def _table(report: RequestReport) -> Table:
    last = date.fromordinal(report.period.end.toordinal() - 1)
    zone = ZoneInfo(report.zone)
    title = (f"Requests received {report.period.start} to {last} ({report.zone}), "
             f"as of {report.as_of.astimezone(zone):%Y-%m-%d %H:%M}")  # fmt: skip
    table = Table(*COLUMNS, title=title)
    for line in report.lines:
        table.add_row(*_cells(line))
    return table


def _write_csv(path: Path, report: RequestReport) -> None:
    with atomic_writer(path, binary=False) as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(_cells(line) for line in report.lines)
