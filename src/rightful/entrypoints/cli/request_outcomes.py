"""`rightful requests erased`, `rectified`, `restricted`, `restrictions`, `lift-notice` and
`lift`: what was done for a verified erasure, rectification or restriction request (Art. 16-19),
recorded so that the requester is told and the restriction is kept to."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer
from rich.table import Table

from rightful.domain.category_words import category_with_key
from rightful.domain.erasure import erasure_outcome, kept_pair
from rightful.domain.errors import InvalidInputError
from rightful.domain.rectification import Rectification, kept_place
from rightful.domain.rectification import rectified as rectification_outcome
from rightful.domain.restriction import restriction
from rightful.domain.words import counted
from rightful.entrypoints.cli.common import (
    cli_principal,
    console,
    container,
    handles_errors,
    print_json,
)
from rightful.entrypoints.cli.params import Json, RequestId
from rightful.services.restrictions import RestrictionView


@handles_errors
def erased(
    request_id: RequestId,
    ground: Annotated[str, typer.Option(help="the letter of Art. 17(1) it was granted on: a-f")],
    erased: Annotated[
        list[str] | None, typer.Option("--erased", help="a data category erased (repeatable)")
    ] = None,
    kept: Annotated[
        list[str] | None,
        typer.Option(help="CATEGORY=LETTER: kept under that exception of Art. 17(3) (repeatable)"),
    ] = None,
    recipients_told: Annotated[
        int, typer.Option(min=0, help="recipients told of the erasure (Art. 19)")
    ] = 0,
) -> None:
    """Record what was erased and kept for a verified erasure request, close it, tell the
    requester (GDPR and UK GDPR; rightful does not delete in your systems itself)."""
    pairs = [kept_pair(text) for text in kept or []]
    c = container()
    outcome = erasure_outcome(ground, erased or [], pairs, recipients_told, c.datamap)
    row = c.requests.record_erasure(request_id, outcome, cli_principal())
    console.print(f"{row.id}  now {row.status}; the requester is told what was erased and kept")


@handles_errors
def rectified(
    request_id: RequestId,
    field: Annotated[
        list[str] | None,
        typer.Option("--field", help="a field corrected, as dataset.collection.field (repeatable)"),
    ] = None,
    kept: Annotated[
        list[str] | None,
        typer.Option(
            "--kept",
            help="a place also holding the data, left as it was: dataset.collection.field=why "
            "(repeatable)",
        ),
    ] = None,
    recipients_told: Annotated[
        int, typer.Option(min=0, help="recipients told of the correction in this step (Art. 19)")
    ] = 0,
) -> None:
    """Record which fields were corrected for a verified rectification request (GDPR and UK
    GDPR; rightful does not change data in your systems itself). It closes, and the requester
    is told, once every other place holding that data is corrected too or kept with a reason."""
    c = container()
    places = [kept_place(text) for text in kept or []]
    step = rectification_outcome(field or [], recipients_told, c.datamap, places)
    row = c.requests.record_rectification(request_id, step, c.datamap, cli_principal())
    record = Rectification.from_json(row.rectification_outcome)
    if record.open:
        left = counted(len(record.open), "place", "places")
        console.print(f"{row.id}  still {row.status}: {left} also holding the data to correct "
                      "or keep with a reason", highlight=False)  # fmt: skip
    else:
        console.print(f"{row.id}  now {row.status}; the requester is told what was corrected")
    print_rectification(record)


def print_rectification(record: Rectification) -> None:
    console.print(
        f"rectified (Art. 16): {', '.join(record.fields) or 'nothing yet'}; recipients told: "
        f"{record.recipients_told}",
        highlight=False,
    )
    for place in record.also_held:
        console.print(f"  also held in {place}: {record.state_of(place)}", highlight=False)


@handles_errors
def restricted(
    request_id: RequestId,
    ground: Annotated[str, typer.Option(help="the letter of Art. 18(1) it was granted on: a-d")],
    category: Annotated[
        list[str] | None,
        typer.Option("--category", help="a data category restricted (repeatable)"),
    ] = None,
    recipients_told: Annotated[
        int, typer.Option(min=0, help="recipients told of the restriction (Art. 19)")
    ] = 0,
) -> None:
    """Record the restriction granted on a verified restriction request, close the request,
    tell the requester (GDPR and UK GDPR; your systems keep to it, rightful records it)."""
    c = container()
    placed = restriction(ground, category or [], recipients_told, c.datamap)
    row = c.restrictions.place(request_id, placed, cli_principal())
    console.print(
        f"{row.id}  now {row.status}; the restriction is in force and the requester is told"
    )


@handles_errors
def restrictions(
    all_: Annotated[bool, typer.Option("--all", help="lifted ones too")] = False,
    json_out: Json = False,
) -> None:
    """Restrictions of processing in force (what your systems must keep to), oldest first."""
    listed = container().restrictions.listed(in_force_only=not all_)
    if json_out:
        print_json([r.as_json() for r in listed])
        return
    table = Table("request", "ground", "categories", "since", "lifts on", "lifted", title=(
        "restrictions" if all_ else "restrictions in force"))  # fmt: skip
    for r in listed:
        table.add_row(
            r.request_id, f"18(1)({r.ground})", ", ".join(map(category_with_key, r.categories)),
            r.placed_at[:10],
            r.lifts_on.isoformat() if r.lifts_on else "not announced", (r.lifted_at or "")[:10],
        )  # fmt: skip
    console.print(table)


@handles_errors
def lift_notice(
    request_id: RequestId,
    on: Annotated[str, typer.Option(help="the day it lifts, e.g. 2027-01-15")],
    reason: Annotated[str, typer.Option(help="why it ends, as the requester will read it")],
) -> None:
    """Tell the requester the day their restriction will be lifted, and why (Art. 18(3)); the
    day leaves them restriction_notice_days to answer."""
    try:
        day = date.fromisoformat(on)
    except ValueError:
        raise InvalidInputError(f"--on takes an ISO date, e.g. 2027-01-15, got {on!r}") from None
    view = container().restrictions.announce_lifting(request_id, day, reason, cli_principal())
    console.print(f"{view.request_id}  the requester is told it lifts on {day.isoformat()}")


@handles_errors
def lift(request_id: RequestId) -> None:
    """Lift a restriction, on or after the day the requester was told of."""
    view = container().restrictions.lift(request_id, cli_principal())
    console.print(f"{view.request_id}  restriction lifted")


def erasure_line(done: dict[str, Any]) -> str:
    """What was erased and kept, each category in words with its key."""
    erased = ", ".join(map(category_with_key, done["erased"])) or "nothing"
    kept = ", ".join(
        f"{category_with_key(k['category'])} (17(3)({k['exception']}))" for k in done["kept"]
    )
    return (
        f"erased under Art. 17(1)({done['ground']}): {erased}; kept: {kept or 'nothing'}; "
        f"recipients told: {done['recipients_told']}"
    )


def restriction_line(r: RestrictionView) -> str:
    state = (
        f"lifted {r.lifted_at[:10]}" if r.lifted_at
        else f"lifts on {r.lifts_on.isoformat()}" if r.lifts_on
        else "in force, lifting not announced"
    )  # fmt: skip
    return (
        f"restricted under Art. 18(1)({r.ground}): "
        f"{', '.join(map(category_with_key, r.categories))}; "
        f"recipients told: {r.recipients_told}; {state}"
    )
