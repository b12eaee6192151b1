"""Staff routes for CCPA declarations received on paper or as a signed PDF (§7062(c)): one
staff member records it, another approves it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, File, Form, Response, UploadFile
from pydantic import BaseModel

from rightful.adapters.db.verification import PaperDeclarationRow
from rightful.entrypoints.api.deps import RowId
from rightful.entrypoints.api.verification import Agent, DecisionIn, Deps, Reviewer
from rightful.services.approvals import Document

router = APIRouter(prefix="/api/v1/verification", tags=["verification"])


class PaperDeclarationOut(BaseModel):
    id: int
    full_name: str
    signed_on: date
    document: bool
    sha256: str | None
    recorded_by: str
    recorded_at: datetime
    state: str
    decided_by: str | None

    @classmethod
    def of(cls, r: PaperDeclarationRow) -> PaperDeclarationOut:
        return cls(
            id=r.id, full_name=r.full_name, signed_on=r.signed_on, document=r.file_path is not None,
            sha256=r.sha256, recorded_by=r.recorded_by, recorded_at=r.recorded_at, state=r.state,
            decided_by=r.decided_by,
        )  # fmt: skip


class PaperDecisionOut(PaperDeclarationOut):
    """The decided declaration, and what the package still waits for (None: nothing)."""

    waiting_for: str | None


@router.post("/{request_id}/paper-declarations", status_code=201,
             response_model=PaperDeclarationOut)  # fmt: skip
def record(
    request_id: str,
    c: Deps,
    who: Agent,
    full_name: Annotated[str, Form(max_length=400)],
    signed_on: Annotated[date, Form()],
    document: Annotated[UploadFile | None, File()] = None,
) -> PaperDeclarationOut:
    """Record a declaration the requester signed on paper (the scan optional); another staff
    member approves it. 422 no readable name or a future date, 409 not a CCPA request to know."""
    scan = None
    if document is not None:
        scan = Document.uploaded(document.file, document.content_type,
                                 c.settings.authority_max_bytes)  # fmt: skip
    row = c.paper_declarations.record(request_id, full_name, signed_on, scan, who)
    return PaperDeclarationOut.of(row)


@router.get("/{request_id}/paper-declarations", response_model=list[PaperDeclarationOut])
def listed(request_id: str, c: Deps, _who: Agent) -> list[PaperDeclarationOut]:
    return [PaperDeclarationOut.of(r) for r in c.paper_declarations.listed(request_id)]


@router.get("/{request_id}/paper-declarations/{declaration_id}/document",
            response_class=Response)  # fmt: skip
def document(request_id: str, declaration_id: RowId, c: Deps, who: Reviewer) -> Response:
    """The scanned declaration, decrypted, for the reviewer to read (audited; 500
    TamperedError when its encrypted file fails authentication)."""
    content, content_type = c.paper_declarations.read_document(request_id, declaration_id, who)
    return Response(content, media_type=content_type)


@router.post("/{request_id}/paper-declarations/{declaration_id}/decision",
             response_model=PaperDecisionOut)  # fmt: skip
def decide(
    request_id: str, declaration_id: RowId, body: DecisionIn, c: Deps, who: Reviewer
) -> PaperDecisionOut:
    """Approve or reject a paper declaration; not by the person who recorded it (403)."""
    decided = c.paper_declarations.decide(
        request_id, declaration_id, who, approve=body.approve, note=body.note
    )
    out = PaperDeclarationOut.of(decided.row).model_dump()
    return PaperDecisionOut(**out, waiting_for=decided.waiting_for)
