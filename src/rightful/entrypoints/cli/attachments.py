"""`rightful package attachments` and `rightful package withdraw-attachment`: what staff added
to a request's packages, and taking an addition out again."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Column, Table
from rich.text import Text

from rightful.adapters.db.packages import AttachmentRow
from rightful.domain.errors import NotFoundError
from rightful.entrypoints.cli.common import (
    cli_principal,
    console,
    container,
    fail,
    handles_errors,
    id_column,
    print_json,
)
from rightful.entrypoints.cli.params import AttachmentId, Json, RequestId


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
