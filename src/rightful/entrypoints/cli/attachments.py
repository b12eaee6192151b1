"""`rightful package attach`, `approve-attachment`, `reject-attachment`, `attachments` and
`withdraw-attachment`: what staff add to a request's packages (bound through the data map, or
uploaded for a second person to approve), and taking an addition out again."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Column, Table
from rich.text import Text

from rightful.adapters.db.packages import AttachmentRow
from rightful.domain.errors import InvalidInputError, NotFoundError
from rightful.entrypoints.cli.common import (
    cli_principal,
    console,
    container,
    fail,
    handles_errors,
    id_column,
    print_json,
)
from rightful.entrypoints.cli.params import AttachmentId, Json, Note, RequestId


@handles_errors
def withdraw(
    attachment_id: AttachmentId,
    reason: Annotated[str, typer.Option(help="why it is taken out (10 characters or more)")],
) -> None:
    """Take an attachment out of the packages built from now on (audited, with the reason)."""
    try:
        row = container().attachments.withdraw(attachment_id, cli_principal(), reason)
    except NotFoundError as exc:
        fail(f"{exc}; `rightful package attachments REQUEST_ID` lists a request's attachments")
    console.print(f"{row.id}  {row.state}; the next build leaves it out")


@handles_errors
def list_attachments(request_id: RequestId, json_out: Json = False) -> None:
    """A request's attachments, oldest first, withdrawn and rejected ones included."""
    c = container()
    c.requests.get(request_id)
    rows = c.attachments.for_request(request_id)
    if json_out:
        print_json([_as_json(a) for a in rows])
        return
    table = Table(id_column(), "mode", "state", Column("collection", no_wrap=True), "added by",
                  Column("file or key", overflow="fold"))  # fmt: skip
    for a in rows:
        what = a.filename or ", ".join(map(str, a.bound_key or [])) or "-"
        table.add_row(a.id, a.mode, a.state, a.collection, a.added_by, Text(what))
    console.print(table)


def _as_json(a: AttachmentRow) -> dict[str, Any]:
    return {
        "id": a.id, "mode": a.mode, "state": a.state, "collection": a.collection,
        "filename": a.filename, "key": a.bound_key, "uri": a.bound_uri, "added_by": a.added_by,
        "added_at": a.added_at, "decided_by": a.decided_by, "withdrawn_by": a.withdrawn_by,
        "withdrawn_at": a.withdrawn_at, "withdrawal_reason": a.withdrawal_reason,
    }  # fmt: skip


@handles_errors
def attach(
    request_id: RequestId,
    collection: Annotated[str, typer.Option(help="dataset.collection of the data map")],
    key: Annotated[list[str] | None, typer.Option(help="primary key value(s) of a record")] = None,
    uri: Annotated[str | None, typer.Option(help="blob:// URI of a file of the data map")] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            help="a file to upload instead; a second person approves it",
        ),
    ] = None,
    justification: Annotated[
        str | None,
        typer.Option(help="why the uploaded file belongs to the requester's data (with --file)"),
    ] = None,
    label: Annotated[list[str] | None, typer.Option(help="TYPE=VALUE the file concerns")] = None,
) -> None:
    """Attach a record (--key) or file (--uri) of the data map, or upload one for four eyes."""
    _one_way_to_attach(key, uri, file, justification, label)
    c, by = container(), cli_principal()
    if file is None:
        row = c.attachments.bind(request_id, by, collection=collection, key=key, uri=uri)
    else:
        with file.open("rb") as content:
            row = c.attachments.upload(
                request_id, by, filename=file.name, content=content, collection=collection,
                justification=justification or "", labels=[_pair(x) for x in label or []],
            )  # fmt: skip
    console.print(f"{row.id}  {row.mode}  {row.state}")


def _one_way_to_attach(
    key: list[str] | None, uri: str | None, file: Path | None, justification: str | None,
    label: list[str] | None,
) -> None:  # fmt: skip
    """One line when options of a binding and of an upload are mixed: one would be ignored."""
    if file is not None and (key or uri):
        fail("--file uploads a file; --key and --uri bind one of the data map: give one of them")
    if file is None and (justification or label):
        fail("--justification and --label go with --file; a binding needs neither")


@handles_errors
def approve_attachment(attachment_id: AttachmentId, note: Note = "") -> None:
    """Second pair of eyes: approve an uploaded file (not the uploader)."""
    row = container().attachments.approve(attachment_id, cli_principal(), note)
    console.print(f"{row.id}  {row.state}")


@handles_errors
def reject_attachment(attachment_id: AttachmentId, note: Note = "") -> None:
    """Refuse an uploaded file; it never joins a package."""
    row = container().attachments.reject(attachment_id, cli_principal(), note)
    console.print(f"{row.id}  {row.state}")


def _pair(text: str) -> tuple[str, str]:
    kind, sep, value = text.partition("=")
    if not sep or not kind.strip() or not value.strip():
        raise InvalidInputError(f"--label takes TYPE=VALUE, got {text!r}")
    return kind.strip(), value.strip()
