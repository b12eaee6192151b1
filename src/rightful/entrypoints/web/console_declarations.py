"""Console forms for CCPA declarations received on paper (§7062(c)): an agent records one from
the request's page, a reviewer other than the recorder approves or rejects it."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, Response

from rightful.domain.errors import InvalidInputError
from rightful.domain.lifecycle import Role
from rightful.entrypoints.web.console import act
from rightful.entrypoints.web.pages import container
from rightful.services.staff_auth import ConsoleSession

router = APIRouter(prefix="/console", include_in_schema=False)
Csrf = Annotated[str, Form(max_length=200)]
Name = Annotated[str, Form(max_length=400)]
Short = Annotated[str, Form(max_length=40)]
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.post("/requests/{request_id}/paper-declarations", response_class=HTMLResponse)
def record(
    request: Request, request_id: str, csrf: Csrf = "", full_name: Name = "",
    signed_on: Short = "",
) -> Response:  # fmt: skip
    """Record a declaration the requester signed on paper (agent); another person approves."""
    c = container(request)

    def action(me: ConsoleSession) -> str:
        row = c.paper_declarations.record(request_id, full_name, _day(signed_on), None,
                                          me.principal)  # fmt: skip
        return f"Paper declaration {row.id} recorded; another staff member approves it."

    return act(request, csrf, Role.AGENT, f"/console/requests/{request_id}", action)


@router.post("/requests/{request_id}/paper-declarations/{declaration_id}/decision",
             response_class=HTMLResponse)  # fmt: skip
def decide(
    request: Request, request_id: str, declaration_id: RowId, csrf: Csrf = "",
    decision: Short = "",
) -> Response:  # fmt: skip
    """Approve or reject a paper declaration (reviewer, not the one who recorded it)."""
    c = container(request)

    def action(me: ConsoleSession) -> str:
        if decision not in ("approve", "reject"):
            raise InvalidInputError("decision: approve or reject")
        decided = c.paper_declarations.decide(request_id, declaration_id, me.principal,
                                              approve=decision == "approve")  # fmt: skip
        waits = f" The package still waits: {decided.waiting_for}" if decided.waiting_for else ""
        return f"Paper declaration {declaration_id} {decided.row.state}.{waits}"

    return act(request, csrf, Role.REVIEWER, f"/console/requests/{request_id}", action)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInputError("signed_on: the date signed, as YYYY-MM-DD") from None
