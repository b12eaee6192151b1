"""`rightful package leave-out`, `put-back` and `left-out`: rows and fields left out of a
request's packages to protect other people (Art. 15(4)), and taking that back."""

from __future__ import annotations

from typing import Annotated

import typer

from rightful.domain.exclusions import exclusion
from rightful.entrypoints.cli.common import (
    cli_principal,
    console,
    container,
    handles_errors,
    print_json,
)
from rightful.entrypoints.cli.params import Json, PackageId, RequestId


@handles_errors
def leave_out(
    package_id: PackageId,
    collection: Annotated[str, typer.Option(help="dataset.collection of the row")],
    key: Annotated[list[str], typer.Option(help="the row's primary key value (repeat for each)")],
    reason: Annotated[str, typer.Option(help="whose rights leaving it out protects (Art. 15(4))")],
    field: Annotated[
        str | None, typer.Option(help="leave out only this field of the row (else the row)")
    ] = None,
) -> None:
    """Leave a row, or one field of it, out of the request's package to protect other people
    (Art. 15(4)); the package goes back, and the next build leaves it out and says so."""
    c = container()
    wanted = exclusion(collection, key, field, reason, c.datamap)
    row = c.exclusions.leave_out(package_id, wanted, cli_principal())
    what = f"field {row.field} of " if row.field else ""
    console.print(
        f"exclusion {row.id}: {what}{row.collection} {'/'.join(row.key)} is left out; build "
        f"the package again: rightful package build {row.request_id}"
    )


@handles_errors
def put_back(
    exclusion_id: Annotated[
        str, typer.Argument(help="the exclusion's id, as `rightful package left-out` lists it")
    ],
) -> None:
    """Take back an exclusion; the next build includes the row again."""
    row = container().exclusions.take_back(exclusion_id, cli_principal())
    console.print(f"exclusion {row.id} taken back; build again: rightful package build "
                  f"{row.request_id}")  # fmt: skip


@handles_errors
def left_out(
    request_id: RequestId,
    json_out: Json = False,
) -> None:
    """The rows and fields left out of a request's packages, with why."""
    rows = container().exclusions.of(request_id)
    if json_out:
        print_json([{"id": r.id, "collection": r.collection, "key": r.key, "field": r.field,
                     "reason": r.reason, "by": r.created_by, "at": r.created_at}
                    for r in rows])  # fmt: skip
        return
    for r in rows:
        console.print(f"{r.id}  {r.collection} {'/'.join(r.key)}"
                      f"{' field ' + r.field if r.field else ''}  by {r.created_by}: {r.reason}",
                      highlight=False)  # fmt: skip
    if not rows:
        console.print("nothing is left out")
