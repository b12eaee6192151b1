"""`rightful verify ...`: staff identity checks, approvals, the candidate review queue."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from rightful.domain.errors import InvalidInputError
from rightful.domain.subjects import StaffCheckMethod, parse_authority_kind
from rightful.entrypoints.cli.common import (
    cli_principal,
    console,
    container,
    handles_errors,
    id_column,
    print_json,
    read_limited,
)
from rightful.entrypoints.cli.params import Json, Note, RequestId, row_id
from rightful.services.approvals import DOCUMENT_TYPES, Document
from rightful.services.identity_set import Settlement

app = typer.Typer(help="Verify requesters: staff checks, approvals, ambiguous matches.")

SUFFIX_TYPES = {suffix: kind for kind, (_, suffix) in DOCUMENT_TYPES.items()} | {
    ".jpeg": "image/jpeg"
}


def _settled(request_id: str, settled: Settlement) -> None:
    pending = f" (waiting for: {', '.join(settled.pending)})" if settled.pending else ""
    console.print(f"{request_id}  {settled.outcome}  status {settled.status}{pending}")


def _pair(text: str) -> tuple[str, str]:
    kind, sep, value = text.partition("=")
    if not sep or not value.strip():
        raise InvalidInputError(f"--identity takes TYPE=VALUE, got {text!r}")
    return kind.strip(), value.strip()


@app.command()
@handles_errors
def status(request_id: RequestId, json_out: Json = False) -> None:
    """Where a request's verification stands: level reached, level needed, outcome, and what a
    CCPA request still waits for (in English)."""
    c = container()
    p = c.verification.progress(request_id)
    waiting = c.declarations.waiting_for(request_id)
    if json_out:
        print_json(
            {
                "status": p.status,
                "outcome": p.outcome,
                "assurance": p.assurance,
                "required": p.required,
                "step_up_options": list(p.step_up_options),
                "waiting_for": waiting,
            }
        )
        return
    console.print(
        f"{request_id}  {p.outcome}  status {p.status}  level {p.assurance} (needed {p.required})"
        + (f"  waiting for: {waiting}" if waiting else "")
    )


@app.command()
@handles_errors
def check(
    request_id: RequestId,
    method: Annotated[StaffCheckMethod, typer.Option(help="how the identity was checked")],
    identity: Annotated[list[str], typer.Option(help="TYPE=VALUE the check confirmed")],
    note: Annotated[str, typer.Option(help="what exactly was done")],
) -> None:
    """Record how you checked the identity of someone who called or wrote."""
    row = container().approvals.record_check(
        request_id, method, [_pair(i) for i in identity], note, cli_principal()
    )
    console.print(f"check {row.id} recorded for {request_id}; another staff member approves it")


@app.command("approve-check")
@handles_errors
def approve_check(
    request_id: RequestId,
    check_id: Annotated[int, row_id("the check's id, as `rightful verify check` printed it")],
    reject: Annotated[bool, typer.Option("--reject", help="reject instead")] = False,
    note: Note = "",
) -> None:
    """Approve (or reject) a staff identity check; not the staff member who recorded it."""
    settled = container().approvals.decide_check(
        request_id, check_id, cli_principal(), approve=not reject, note=note
    )
    _settled(request_id, settled)


@app.command()
@handles_errors
def declaration(
    request_id: RequestId,
    full_name: Annotated[str, typer.Option(help="the signer's full name as written")],
    signed_on: Annotated[str, typer.Option(help="the date signed, YYYY-MM-DD")],
    document: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, readable=True, help="the scan (PDF, PNG, JPEG)"),
    ] = None,
) -> None:
    """Record a CCPA declaration the requester signed on paper; another staff member approves."""
    c = container()
    scan = None if document is None else _scan(document, c.settings.authority_max_bytes)
    row = c.paper_declarations.record(request_id, full_name, _day(signed_on), scan, cli_principal())
    console.print(
        f"paper declaration {row.id} recorded for {request_id}; another staff member approves it"
    )


@app.command("approve-declaration")
@handles_errors
def approve_declaration(
    request_id: RequestId,
    declaration_id: Annotated[
        int, row_id("the declaration's id, as `rightful verify declaration` printed it")
    ],
    reject: Annotated[bool, typer.Option("--reject", help="reject instead")] = False,
    note: Note = "",
) -> None:
    """Approve (or reject) a paper declaration; not the staff member who recorded it."""
    decided = container().paper_declarations.decide(
        request_id, declaration_id, cli_principal(), approve=not reject, note=note
    )
    waits = f"; package waits: {decided.waiting_for}" if decided.waiting_for else ""
    console.print(f"paper declaration {declaration_id} {decided.row.state}{waits}")


def _scan(path: Path, max_bytes: int) -> Document:
    content_type = SUFFIX_TYPES.get(path.suffix.lower(), "")
    return Document(read_limited(path, max_bytes, "the document"), content_type)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInputError(f"--signed-on takes a date as YYYY-MM-DD, got {text!r}") from None


@app.command()
@handles_errors
def authority(
    request_id: RequestId,
    document: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, readable=True, help="the document: a PDF, PNG or JPEG file"
        ),
    ],
    kind: Annotated[str, typer.Option(help="authorised_agent, power_of_attorney, ...")],
    agent_name: Annotated[str, typer.Option(help="who acts for the subject")],
) -> None:
    """Attach an agent's authority document (PDF, PNG or JPEG) to a request."""
    c = container()
    scan = _scan(document, c.settings.authority_max_bytes)
    row = c.approvals.add_authority(
        request_id, parse_authority_kind(kind), agent_name, scan, cli_principal()
    )
    console.print(f"authority {row.id} attached (sha256 {row.sha256}); a reviewer approves it")


@app.command("approve-authority")
@handles_errors
def approve_authority(
    request_id: RequestId,
    authority_id: Annotated[
        int, row_id("the authority's id, as `rightful verify authority` printed it")
    ],
    reject: Annotated[bool, typer.Option("--reject", help="reject instead")] = False,
    note: Note = "",
) -> None:
    """Approve (or reject) an agent's authority; not the person who attached it."""
    settled = container().approvals.decide_authority(
        request_id, authority_id, cli_principal(), approve=not reject, note=note
    )
    _settled(request_id, settled)


@app.command()
@handles_errors
def candidates(json_out: Json = False) -> None:
    """Requests whose verified identities lead to several subjects, with the candidates."""
    reviews = container().subjects.reviews()
    if json_out:
        print_json(
            [
                {
                    "request_id": r.request_id,
                    "review_id": r.review_id,
                    "candidates": [
                        {"id": c.id, "subject": str(c.subject), "matched_by": c.matched_by}
                        for c in r.candidates
                    ],
                }
                for r in reviews
            ]
        )
        return
    table = Table(id_column("request"), "candidate", "subject", "matched by")
    for r in reviews:
        for c in r.candidates:
            matched = ", ".join(f"{m['type']} {m['masked']}" for m in c.matched_by)
            table.add_row(r.request_id, str(c.id), str(c.subject), matched)
    console.print(table)


@app.command()
@handles_errors
def pick(
    request_id: RequestId,
    candidate_id: Annotated[
        int, row_id("the candidate's id, as `rightful verify candidates` lists it")
    ],
    reason: Annotated[str, typer.Option(help="why this candidate is the requester")],
) -> None:
    """Bind a request to one of its candidates (re-checked against the estate first)."""
    _settled(
        request_id, container().subjects.pick(request_id, candidate_id, cli_principal(), reason)
    )


@app.command()
@handles_errors
def settle(request_id: RequestId) -> None:
    """Resolve the verified identities again (e.g. after a source was unavailable)."""
    _settled(request_id, container().subjects.settle(request_id))
