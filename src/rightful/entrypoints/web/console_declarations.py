"""Console forms for CCPA declarations received on paper (§7062(c)): an agent records one from
the request's page, with its scan if there is one; the pending ones are listed for all requests;
a reviewer reads the scan (audited) and, if not the recorder, approves or rejects it."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from rightful.adapters.storage.encryption import TamperedError
from rightful.domain.errors import (
    AuthenticationError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from rightful.domain.lifecycle import Role
from rightful.entrypoints.api.deps import RowId
from rightful.entrypoints.web.console import act, console_page, current, denied
from rightful.entrypoints.web.form_fields import Csrf, Line, Word
from rightful.entrypoints.web.pages import container
from rightful.services.approvals import Document, document_suffix
from rightful.services.staff_auth import ConsoleSession

router = APIRouter(prefix="/console", include_in_schema=False)
Scan = Annotated[UploadFile | None, File()]


@router.get("/paper-declarations", response_class=HTMLResponse)
def pending(request: Request) -> Response:
    """The paper declarations of every request that await a second staff member, oldest first."""
    try:
        me = current(request)
    except (AuthenticationError, PermissionDeniedError) as exc:
        return denied(request, exc)
    rows = container(request).paper_declarations.pending()
    context = {"pending": rows}
    return console_page(request, "console/paper_declarations.html", me, context)


@router.get("/requests/{request_id}/paper-declarations/{declaration_id}/document")
def scan(request: Request, request_id: str, declaration_id: RowId) -> Response:
    """The scanned declaration, for a reviewer to read before deciding (audited)."""
    try:
        me = current(request, Role.REVIEWER)
        content, content_type = container(request).paper_declarations.read_document(
            request_id[:64], declaration_id, me.principal
        )
    except (AuthenticationError, PermissionDeniedError, NotFoundError, TamperedError) as exc:
        return denied(request, exc)
    name = f"paper-declaration-{declaration_id}{document_suffix(content_type)}"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(content, media_type=content_type, headers=disposition)


@router.post("/requests/{request_id}/paper-declarations", response_class=HTMLResponse)
def record(
    request: Request, request_id: str, csrf: Csrf = "", full_name: Line = "",
    signed_on: Word = "", document: Scan = None,
) -> Response:  # fmt: skip
    """Record a declaration the requester signed on paper (agent), with its scan if there is
    one (PDF, PNG or JPEG, up to `authority_max_bytes`); another person approves."""
    c = container(request)

    def action(me: ConsoleSession) -> str:
        upload = _scan(document, c.settings.authority_max_bytes)  # read once signed in
        row = c.paper_declarations.record(request_id, full_name, _day(signed_on), upload,
                                          me.principal)  # fmt: skip
        return f"Paper declaration {row.id} recorded; another staff member approves it."

    return act(request, csrf, Role.AGENT, f"/console/requests/{request_id}", action)


@router.post("/requests/{request_id}/paper-declarations/{declaration_id}/decision",
             response_class=HTMLResponse)  # fmt: skip
def decide(
    request: Request, request_id: str, declaration_id: RowId, csrf: Csrf = "",
    decision: Word = "",
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


def _scan(document: UploadFile | None, max_bytes: int) -> Document | None:
    """The uploaded scan, or None when no file was chosen (a form sends an empty name)."""
    if document is None or not document.filename:
        return None
    return Document.uploaded(document.file, document.content_type, max_bytes)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInputError("signed_on: the date signed, as YYYY-MM-DD") from None
