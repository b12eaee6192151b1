"""HTTP routes for packages: build, review, approve, send back, and staff attachments."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from rightful.adapters.db.packages import PackageRow
from rightful.bootstrap import Container
from rightful.bootstrap_web import web_services
from rightful.domain.delivery import HAND_OVER_NOTE, HandOver
from rightful.domain.errors import InvalidInputError
from rightful.domain.exclusions import exclusion
from rightful.domain.lifecycle import Role
from rightful.domain.staff import Principal
from rightful.entrypoints.api.deps import container, require
from rightful.entrypoints.api.schemas import RowView
from rightful.services.delivery import LinkWaits

router = APIRouter(prefix="/api/v1", tags=["packages"])
Agent = Annotated[Principal, Depends(require(Role.AGENT))]
Reviewer = Annotated[Principal, Depends(require(Role.REVIEWER))]
Deps = Annotated[Container, Depends(container)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PackageOut(BaseModel):
    id: str
    request_id: str
    status: str
    created_at: datetime
    built_at: datetime | None
    items: int
    records: int
    files: int
    attachments: int
    manifest_sha256: str | None
    approved_manifest_sha256: str | None
    approved_by: str | None

    @classmethod
    def of(cls, p: PackageRow) -> PackageOut:
        return cls(
            id=p.id, request_id=p.request_id, status=p.status, created_at=p.created_at,
            built_at=p.built_at, items=p.item_count, records=p.record_count, files=p.blob_count,
            attachments=p.attachment_count, manifest_sha256=p.manifest_sha256,
            approved_manifest_sha256=p.approved_manifest_sha256, approved_by=p.approved_by,
        )  # fmt: skip


class Reason(Strict):
    reason: str = Field(min_length=1, max_length=2000)


class Note(Strict):
    note: str = Field(default="", max_length=2000)


class HandedOverIn(Strict):
    how: HandOver
    note: str = Field(max_length=HAND_OVER_NOTE[1])


class BoundAttachment(Strict):
    collection: str = Field(max_length=200)
    key: list[str | int] | None = Field(default=None, max_length=8)
    uri: str | None = Field(default=None, max_length=1000)


class AttachmentOut(RowView):
    id: str
    request_id: str
    mode: str
    state: str
    collection: str
    filename: str | None
    size: int | None
    sha256: str | None
    added_by: str
    decided_by: str | None
    withdrawn_by: str | None
    withdrawn_at: datetime | None
    withdrawal_reason: str | None


@router.post("/requests/{request_id}/packages", status_code=201)
def build(request_id: str, c: Deps, who: Agent) -> PackageOut:
    """Collect, write and encrypt a new package, then run the leak gate over it."""
    return PackageOut.of(c.packages.build(request_id, who))


@router.get("/requests/{request_id}/packages")
def list_packages(request_id: str, c: Deps, _who: Agent) -> list[PackageOut]:
    """Every package of a request, newest first."""
    return [PackageOut.of(p) for p in c.packages.for_request(request_id)]


@router.get("/packages/{package_id}")
def review(
    package_id: str, c: Deps, who: Reviewer,
    sample: Annotated[int | None, Query(ge=0, le=500, description="default: setting")] = None,
    content: Annotated[bool, Query(description="include the sampled rows' values")] = False,
) -> dict[str, Any]:  # fmt: skip
    """Counts, categories, gate results and a sample of items (metadata unless asked)."""
    return c.package_review.review(
        package_id, who, sample=sample, include_content=content
    ).as_json()


@router.post("/packages/{package_id}/approve")
def approve(package_id: str, c: Deps, who: Reviewer) -> PackageOut:
    """Approve a package the gate passed; its manifest hash is recorded."""
    return PackageOut.of(c.package_review.approve(package_id, who))


class LinkOut(BaseModel):
    link_id: str | None = Field(description="null while the link waits (`waiting_for`)")
    expires_at: datetime | None
    max_downloads: int
    waiting_for: str | None = Field(
        default=None,
        description="why no link went out yet (202): the requester, confirmed by text message "
        "alone, is to confirm an e-mail address by a code; the link then goes out by itself",
    )


@router.post("/packages/{package_id}/deliver", response_model=LinkOut)
def deliver(package_id: str, c: Deps, who: Reviewer, response: Response) -> LinkOut:
    """Send the requester a download link to an approved package (it re-verifies them); 202
    with `waiting_for` when the link waits for an e-mail address they confirm by a code."""
    package = c.packages.get(package_id)
    sent = web_services(c).delivery.deliver(package.request_id, package.id, who)
    most = c.settings.link_max_downloads
    if isinstance(sent, LinkWaits):
        response.status_code = 202
        return LinkOut(link_id=None, expires_at=None, max_downloads=most, waiting_for=sent.reason)
    return LinkOut(link_id=sent.link_id, expires_at=sent.expires_at, max_downloads=most)


@router.post("/packages/{package_id}/handed-over", response_model=PackageOut)
def handed_over(package_id: str, body: HandedOverIn, c: Deps, who: Reviewer) -> PackageOut:
    """Record that an approved package was given to the requester another way than a link
    (its exported ZIP by post, in person); the request becomes delivered."""
    package = c.packages.get(package_id)
    web_services(c).delivery.hand_over(package.request_id, package.id, body.how, body.note, who)
    return PackageOut.of(c.packages.get(package_id))


@router.post("/packages/{package_id}/send-back")
def send_back(package_id: str, body: Reason, c: Deps, who: Reviewer) -> PackageOut:
    """Refuse a package; the request returns to collecting."""
    return PackageOut.of(c.package_review.send_back(package_id, who, body.reason))


class LeaveOutIn(Strict):
    collection: str = Field(max_length=200, description="dataset.collection of the row")
    key: list[str] = Field(min_length=1, max_length=10, description="its primary key value(s)")
    field: str | None = Field(default=None, max_length=100, description="only this field")
    reason: str = Field(max_length=2000, description="whose rights it protects (Art. 15(4))")


class ExclusionOut(RowView):
    id: str
    request_id: str
    collection: str
    key: list[str]
    field: str | None
    reason: str
    created_at: datetime
    created_by: str
    removed_at: datetime | None


@router.post("/packages/{package_id}/left-out", status_code=201)
def leave_out(package_id: str, body: LeaveOutIn, c: Deps, who: Reviewer) -> ExclusionOut:
    """Leave a row, or one field of it, out of the request's package to protect others
    (Art. 15(4)); the package goes back, and the next build leaves it out and says so."""
    wanted = exclusion(body.collection, body.key, body.field, body.reason, c.datamap)
    return ExclusionOut.of(c.exclusions.leave_out(package_id, wanted, who))


@router.delete("/left-out/{exclusion_id}")
def put_back(exclusion_id: str, c: Deps, who: Reviewer) -> ExclusionOut:
    """Take back an exclusion; the next build includes the row again."""
    return ExclusionOut.of(c.exclusions.take_back(exclusion_id, who))


@router.get("/requests/{request_id}/left-out")
def left_out(request_id: str, c: Deps, _who: Agent) -> list[ExclusionOut]:
    return [ExclusionOut.of(r) for r in c.exclusions.of(request_id)]


@router.get("/requests/{request_id}/attachments")
def list_attachments(request_id: str, c: Deps, _who: Agent) -> list[AttachmentOut]:
    return [AttachmentOut.of(a) for a in c.attachments.for_request(request_id)]


@router.post("/requests/{request_id}/attachments/bound", status_code=201)
def bind(request_id: str, body: BoundAttachment, c: Deps, who: Agent) -> AttachmentOut:
    """Attach a record (by key) or file (by blob URI) of the data map."""
    row = c.attachments.bind(
        request_id, who, collection=body.collection, key=body.key, uri=body.uri
    )
    return AttachmentOut.of(row)


@router.post("/requests/{request_id}/attachments", status_code=201)
def upload(
    request_id: str, c: Deps, who: Agent,
    file: Annotated[UploadFile, File()],
    collection: Annotated[str, Form(max_length=200)],
    justification: Annotated[str, Form(max_length=5000)],
    labels: Annotated[list[str], Form(description="TYPE=VALUE, repeatable")],
) -> AttachmentOut:  # fmt: skip
    """Upload a file from outside the data map; a second staff member must approve it."""
    row = c.attachments.upload(
        request_id, who, filename=file.filename or "file", content=file.file,
        collection=collection, justification=justification,
        labels=[_pair(x) for x in labels], content_type=file.content_type,
    )  # fmt: skip
    return AttachmentOut.of(row)


@router.post("/attachments/{attachment_id}/approve")
def approve_attachment(attachment_id: str, body: Note, c: Deps, who: Reviewer) -> AttachmentOut:
    """The second pair of eyes (never the uploader)."""
    return AttachmentOut.of(c.attachments.approve(attachment_id, who, body.note))


@router.post("/attachments/{attachment_id}/reject")
def reject_attachment(attachment_id: str, body: Note, c: Deps, who: Reviewer) -> AttachmentOut:
    return AttachmentOut.of(c.attachments.reject(attachment_id, who, body.note))


@router.post("/attachments/{attachment_id}/withdraw")
def withdraw_attachment(attachment_id: str, body: Reason, c: Deps, who: Agent) -> AttachmentOut:
    """Take an attachment out of the packages built from now on (audited, with the reason)."""
    return AttachmentOut.of(c.attachments.withdraw(attachment_id, who, body.reason))


def _pair(text: str) -> tuple[str, str]:
    kind, sep, value = text.partition("=")
    if not sep or not kind.strip() or not value.strip():
        raise InvalidInputError("labels take TYPE=VALUE")
    return kind.strip(), value.strip()
