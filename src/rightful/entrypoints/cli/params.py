"""Arguments and options several commands take, each saying in `--help` what it wants."""

from __future__ import annotations

from typing import Annotated, Any

import typer


def row_id(text: str) -> Any:
    """A row's id as the API bounds it (api/deps.py RowId): a larger number is refused as input,
    not handed to the database driver, which cannot convert it."""
    return typer.Argument(min=1, max=2**31 - 1, show_default=False, help=text)


Host = Annotated[str, typer.Option(help="the address to listen on (0.0.0.0: every interface)")]
Port = Annotated[int, typer.Option(min=1, max=65535, help="the TCP port to listen on")]
Json = Annotated[bool, typer.Option("--json", help="print JSON instead of text")]
RequestId = Annotated[
    str, typer.Argument(help="the request's id, as `rightful requests list` shows it")
]
PackageId = Annotated[
    str, typer.Argument(help="the package's id, as `rightful package list REQUEST_ID` shows it")
]
AttachmentId = Annotated[
    str,
    typer.Argument(help="the attachment's id, as `rightful package attachments REQUEST_ID` shows"),
]
IncidentId = Annotated[
    str,
    typer.Argument(
        help="the incident's reference (INC-2934e53d) or id, as `rightful incidents` lists it"
    ),
]
IncidentNoticeId = Annotated[
    str, typer.Argument(help="the notice's id, as `rightful incidents show INCIDENT_ID` lists it")
]
Note = Annotated[str, typer.Option(help="a note kept with the decision")]
