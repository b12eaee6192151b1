"""`rightful datamap`: check data map files (and, live, the sources they name) and show how
identities reach each collection; draft a starting file from a source's schema."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from rightful.domain.words import counted
from rightful.entrypoints.cli.common import (
    check_target,
    container,
    fail,
    handles_errors,
    visible,
    written_whole,
)

app = typer.Typer(
    help="Data map files (Fides datasets with rightful's extension).", no_args_is_help=True
)


@app.callback()
def datamap() -> None:
    """Data map files (Fides datasets with rightful's extension)."""


@app.command("check")
@handles_errors
def check(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Fides dataset YAML files, all of the map; default: datamap_files"),
    ] = None,
    live: Annotated[
        bool,
        typer.Option(
            "--live",
            help="also ask the configured sources for every table and column (reads no rows)",
        ),
    ] = False,
) -> None:
    """Validate the files; print the graph and recommended indexes, or one line per error.
    With --live, every collection is also checked against its source as configured."""
    from rightful.services.datamap_check import check_files

    paths = files or _configured_files()
    report = check_files(paths)
    if not report.ok:
        _fail_with(report.problems)
    for line in report.lines:
        typer.echo(line)
    if report.indexes:
        typer.echo(
            "recommended indexes (PostgreSQL/SQLite syntax; on MariaDB index a generated "
            "column holding lower(trim(col)) for the folded ones):"
        )
        for advice in report.indexes:
            typer.echo(f"  [{advice.source}] {advice.sql}")
    for warning in report.warnings:
        typer.echo(f"warning: {visible(str(warning))}", err=True)
    if live:
        _check_live(paths)
    typer.echo("ok")


@app.command("draft")
@handles_errors
def draft(
    source: Annotated[str, typer.Argument(help="key of the source in `sources` (its DSN)")],
    out: Annotated[
        Path | None, typer.Option("--out", help="file to write (default: standard output)")
    ] = None,
    schema: Annotated[
        str | None,
        typer.Option("--schema", help="schema to read (default: the one the source reads)"),
    ] = None,
    tables: Annotated[
        str | None, typer.Option("--tables", help="only these tables or views, comma-separated")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="overwrite --out if it exists")] = False,
) -> None:
    """Draft a data map file from the schema of a configured source: a collection per table
    and view, a field per column with its data type, primary keys, foreign keys as references, and
    guessed identities and data categories as `# review:` comments. Reads only the database's
    catalog, never a row: no personal data goes into the draft."""
    from rightful.services.datamap_draft import draft_datamap

    if out is not None:
        check_target(out, force)
    chosen = [t.strip() for t in tables.split(",") if t.strip()] if tables else None
    sources = container(store_needed=False).settings.sources
    text = draft_datamap(source, sources, schema=schema, tables=chosen)
    if out is None:
        typer.echo(text, nl=False)
        return
    with written_whole(out) as file:
        file.write(text)
    typer.echo(f"wrote {out}; review it, then run `rightful datamap check {out}`", err=True)


def _configured_files() -> list[Path]:
    files = container(store_needed=False).settings.datamap_files
    if not files:
        fail(
            "no data map files given and none configured: pass the files, or set "
            "RIGHTFUL_DATAMAP_FILES (or datamap_files in the TOML file)"
        )
    return list(files)


def _check_live(paths: list[Path]) -> None:
    from rightful.adapters.datamap.fides_yaml import load_datamap
    from rightful.services.datamap_live import check_live

    datamap = load_datamap(paths)
    found = check_live(datamap, container(store_needed=False).settings.sources)
    if found.problems:
        _fail_with(found.problems)
    for warning in found.warnings:
        typer.echo(f"warning: {warning}", err=True)
    collections = sum(len(d.collections) for d in datamap.datasets)
    typer.echo(
        f"live: {collections} collections in {len(datamap.sources)} sources have every "
        "declared table and column"
    )


def _fail_with(problems: Sequence[object]) -> None:
    for problem in problems:  # a key may hold a newline or an escape sequence: one line each
        typer.echo(f"error: {visible(str(problem))}", err=True)
    typer.echo(counted(len(problems), "error", "errors"), err=True)
    raise typer.Exit(1)
