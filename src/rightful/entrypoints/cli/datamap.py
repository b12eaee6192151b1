"""`rightful datamap`: check data map files and show how identities reach each collection."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="Data map files (Fides datasets with rightful's extension).", no_args_is_help=True
)


@app.callback()
def datamap() -> None:
    """Data map files (Fides datasets with rightful's extension)."""


@app.command("check")
def check(
    files: Annotated[list[Path], typer.Argument(help="Fides dataset YAML files, all of the map")],
) -> None:
    """Validate the files; print the graph and recommended indexes, or one line per error."""
    from rightful.services.datamap_check import check_files

    report = check_files(files)
    if not report.ok:
        for problem in report.problems:
            typer.echo(f"error: {problem}", err=True)
        typer.echo(f"{len(report.problems)} error(s)", err=True)
        raise typer.Exit(1)
    for line in report.lines:
        typer.echo(line)
    if report.indexes:
        typer.echo(
            "recommended indexes (PostgreSQL/SQLite syntax; on MariaDB index a generated "
            "column holding lower(trim(col)) for the folded ones):"
        )
        for advice in report.indexes:
            typer.echo(f"  [{advice.source}] {advice.sql}")
    typer.echo("ok")
