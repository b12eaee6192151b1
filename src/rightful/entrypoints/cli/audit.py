"""`rightful audit ...`: verify the chain, sign a checkpoint, export, verify an export offline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from rightful import audit_verify
from rightful.domain.words import counted
from rightful.entrypoints.cli.common import (
    check_target,
    console,
    container,
    err_console,
    fail,
    handles_errors,
)

app = typer.Typer(help="The tamper-evident audit chain: verify, checkpoint, export.")


@app.command()
@handles_errors
def verify(
    anchor: Annotated[
        list[Path] | None,
        typer.Option(
            help="an earlier `audit export` kept off this machine; the chain must still hold "
            "what it held (repeatable)"
        ),
    ] = None,
) -> None:
    """Re-check every entry, checkpoint and the head; exit 1 naming the first bad entry."""
    audit = container().audit
    total = audit.head().last_seq
    columns = (TextColumn("verifying"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    quiet = not err_console.is_terminal
    with Progress(*columns, console=err_console, transient=True, disable=quiet) as bar:
        task = bar.add_task("verify", total=total)
        result = audit.verify(
            progress=lambda done: bar.update(task, completed=done), anchors=anchor or ()
        )
    _finish(result.ok, result.describe())


@app.command()
@handles_errors
def checkpoint() -> None:
    """Sign the chain's current head now."""
    cp = container().audit.checkpoint()
    line = f"checkpoint at seq {cp.seq}: {cp.head_hash} (key {cp.key_id})"
    console.print(line, highlight=False, soft_wrap=True)


@app.command()
@handles_errors
def export(
    file: Annotated[Path, typer.Argument(help="where to write the .jsonl export")],
    force: Annotated[bool, typer.Option("--force", help="overwrite FILE if it exists")] = False,
) -> None:
    """Write entries, checkpoints, the public key and a signed head to a JSON-lines file."""
    check_target(file, force, makes_folder=True)
    report = container().audit.export(file)
    console.print(
        f"exported {counted(report.entries, 'entry', 'entries')} and "
        f"{counted(report.checkpoints, 'checkpoint', 'checkpoints')} to {escape(str(file))}",
        highlight=False,
        soft_wrap=True,
    )


@app.command("verify-export")
def verify_export(
    file: Annotated[Path, typer.Argument(help="a file written by `rightful audit export`")],
    public_key: Annotated[Path, typer.Option(help="the Ed25519 public key (PEM) you trust")],
) -> None:
    """Verify an export with only the file and the public key (same code as audit_verify.py)."""
    try:
        verdict = audit_verify.verify_export(file, public_key)
    except audit_verify.ExportUnreadableError as exc:
        fail(str(exc))
    _finish(verdict.ok, verdict.describe())


@app.command("public-key")
@handles_errors
def public_key() -> None:
    """Print the public key (PEM) that verifies checkpoints; its key id goes to stderr."""
    audit = container().audit
    typer.echo(audit.public_key_pem(), nl=False)
    err_console.print(f"key id {audit.key_id}", highlight=False)


def _finish(ok: bool, line: str) -> None:
    console.print(line, highlight=False, soft_wrap=True)
    if not ok:
        raise typer.Exit(1)
