"""`rightful report requests`: the yearly figures on requests (CCPA §7102, GDPR Art. 5(2)) as
a table, JSON or a CSV file. It reads counts only, so it is not audited, as `requests list` is
not."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from rightful.domain.deadlines import Jurisdiction
from rightful.domain.errors import InvalidInputError
from rightful.domain.request_report import RequestReport
from rightful.entrypoints.cli.common import (
    check_target,
    console,
    container,
    handles_errors,
    print_json,
    written_whole,
)
from rightful.entrypoints.cli.params import Json
from rightful.entrypoints.request_report import COLUMNS, cells, request_report, title, write_csv

app = typer.Typer(help="Reports: the yearly figures a DPO publishes or keeps.")


@app.command("requests")
@handles_errors
def requests_report(
    year: Annotated[str | None, typer.Option(help="a calendar year, e.g. 2026")] = None,
    start: Annotated[str | None, typer.Option("--from", help="first day, e.g. 2026-01-01")] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="day after the last, e.g. 2027-01-01")
    ] = None,
    jurisdiction: Annotated[
        Jurisdiction | None, typer.Option(help="only requests under this law (default: all)")
    ] = None,
    as_of_day: Annotated[
        str | None,
        typer.Option("--as-of", help="the figures as they stood at the end of a past day"),
    ] = None,
    json_out: Json = False,
    csv_file: Annotated[Path | None, typer.Option("--csv", help="write the table to FILE")] = None,
    force: Annotated[bool, typer.Option(help="overwrite the --csv file")] = False,
) -> None:
    """Requests received in a period (default: the previous calendar year, in the controller's
    zone), by jurisdiction and kind: received, complied with, denied by reason, withdrawn, still
    open, answered late, extended, and the median and mean days to respond; as they stand now,
    or as they stood at the end of the --as-of day (the same whenever it is run again)."""
    if json_out and csv_file is not None:
        raise InvalidInputError("--json or --csv FILE, not both: one output at a time")
    if csv_file is not None:
        check_target(csv_file, force)
    report = request_report(container(), year=year, start=start, end=end,
                            jurisdiction=jurisdiction, as_of_day=as_of_day)  # fmt: skip
    if csv_file is not None:
        with written_whole(csv_file) as file:
            write_csv(file, report)
        console.print(f"wrote {csv_file}: {len(report.lines)} lines")
    elif json_out:
        print_json(report.as_json())
    else:
        console.print(_table(report))


def _table(report: RequestReport) -> Table:
    table = Table(*COLUMNS, title=title(report))
    for line in report.lines:
        table.add_row(*cells(line))
    return table
