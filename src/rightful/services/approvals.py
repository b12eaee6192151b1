"""Four-eyes approvals before data moves: an agent's authority, and staff identity checks for
requests taken by phone or letter. The subject is still verified; approval adds, never replaces."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import BinaryIO

from sqlalchemy.orm import Session

from rightful.adapters.db import verification_repo as repo
from rightful.adapters.db.base import Store
from rightful.adapters.db.tables import RequestRow
from rightful.adapters.db.verification import AgentAuthorityRow, StaffCheckRow
from rightful.domain.clock import Clock
from rightful.domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from rightful.domain.identities import IdentityPolicy
from rightful.domain.lifecycle import OPEN, Role, Status
from rightful.domain.staff import Principal
from rightful.domain.subjects import (
    ApprovalState,
    AuthorityKind,
    StaffCheckMethod,
    check_pending,
)
from rightful.domain.verification import Factor
from rightful.services.audit import AuditService, digest
from rightful.services.documents import DocumentFiles, read_audited
from rightful.services.identity_set import Proof, Settlement, load_request, record_proof
from rightful.services.staff import check_named, check_other_person, person_of
from rightful.services.subjects import SubjectService

# Magic numbers of the document types accepted; anything else is refused.
DOCUMENT_TYPES: dict[str, tuple[bytes, str]] = {
    "application/pdf": (b"%PDF-", ".pdf"),
    "image/png": (b"\x89PNG\r\n\x1a\n", ".png"),
    "image/jpeg": (b"\xff\xd8\xff", ".jpg"),
}


@dataclass(frozen=True)
class Document:
    """An authority document as uploaded."""

    content: bytes
    content_type: str

    @classmethod
    def uploaded(cls, file: BinaryIO, content_type: str | None, max_bytes: int) -> Document:
        """At most one byte more than `max_bytes` of an upload: enough for `checked_document`
        to say it is too big, without reading a huge one into memory."""
        return cls(file.read(max_bytes + 1), content_type or "")


class ApprovalService:
    """Records and decides approvals; a decision by the same principal who acted is refused."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        audit: AuditService,
        subjects: SubjectService,
        identities: IdentityPolicy,
        files: DocumentFiles,
        max_bytes: int,
    ) -> None:
        self.store, self.clock, self.audit, self.subjects = store, clock, audit, subjects
        self.identities, self.files, self.max_bytes = identities, files, max_bytes

    # --- agents and proxies ----------------------------------------------------------------

    def add_authority(
        self,
        request_id: str,
        kind: AuthorityKind,
        agent_name: str,
        document: Document,
        by: Principal,
    ) -> AgentAuthorityRow:
        """Attach the document by which someone acts for the subject; a reviewer must approve."""
        name = agent_name.strip()
        if not 0 < len(name) <= 200:
            raise InvalidInputError("agent_name: between 1 and 200 characters")
        checked_document(document, self.max_bytes, "the authority document")
        sha = hashlib.sha256(document.content).hexdigest()
        with self.store.transaction() as session:
            _open_unbound(session, request_id)
            row = AgentAuthorityRow(
                request_id=request_id,
                kind=kind.value,
                agent_name=name,
                sha256=sha,
                size=len(document.content),
                content_type=document.content_type,
                submitted_at=self.clock.now(),
                submitted_by=by.id,
                state=ApprovalState.PENDING.value,
            )
            self.files.keep(row, document.content)
            session.add(row)
            session.flush()
            self.audit.record(
                session,
                by.id,
                by.role_name,
                "verification.authority_submitted",
                request_id,
                authority_id=row.id,
                kind=kind.value,
                sha256=sha,
                size_bytes=row.size,
            )
            return row

    def decide_authority(
        self,
        request_id: str,
        authority_id: int,
        by: Principal,
        *,
        approve: bool,
        note: str = "",
    ) -> Settlement:
        """A reviewer other than the submitter approves or rejects an authority document."""
        by.require(Role.REVIEWER)
        with self.store.transaction() as session:
            doc = session.get(AgentAuthorityRow, authority_id)
            if doc is None or doc.request_id != request_id:
                raise NotFoundError("no such authority document for this request")
            check_pending(ApprovalState(doc.state), "this authority document")
            check_other_person(session, doc.submitted_by, by, "approving an agent's authority")
            if approve and self.files.digest(doc) != doc.sha256:
                raise ConflictError("the stored document changed since it was submitted")
            self._decide(doc, by, approve, note)
            self.audit.record(
                session,
                by.id,
                by.role_name,
                f"verification.authority_{doc.state}",
                request_id,
                authority_id=doc.id,
                reason_sha256=digest(note.strip()),
            )
        return self.subjects.settle(request_id)

    def read_document(self, request_id: str, authority_id: int, by: Principal) -> tuple[bytes, str]:
        """`document` for a reviewer who reads it; the audit chain records who read which (ids
        only), as for paper declarations."""
        return read_audited(self.store, self.audit, by, "verification.authority_document_read",
                            request_id, partial(self.document, request_id, authority_id),
                            authority_id=authority_id)  # fmt: skip

    def document(self, request_id: str, authority_id: int) -> tuple[bytes, str]:
        """The document as uploaded, for a reviewer to read, and its content type;
        TamperedError when its encrypted file fails authentication."""
        with self.store.transaction() as session:
            doc = session.get(AgentAuthorityRow, authority_id)
            if doc is None or doc.request_id != request_id:
                raise NotFoundError("no such authority document for this request")
        return self.files.content(doc), doc.content_type

    def authorities(self, request_id: str) -> list[AgentAuthorityRow]:
        with self.store.transaction() as session:
            return repo.authorities(session, request_id)

    # --- requests taken by staff -----------------------------------------------------------

    def record_check(
        self,
        request_id: str,
        method: StaffCheckMethod,
        identities: Sequence[tuple[str, str]],
        note: str,
        by: Principal,
    ) -> StaffCheckRow:
        """Record how a staff member checked the identities of a caller or letter writer."""
        by.require(Role.AGENT)
        checked = [self.identities.normalise(kind, value) for kind, value in identities]
        if not checked:
            raise InvalidInputError("name at least one identity that the check confirmed")
        if not note.strip():
            raise InvalidInputError("say in a note how the identity was checked")
        with self.store.transaction() as session:
            _open(session, request_id)
            row = StaffCheckRow(
                request_id=request_id,
                method=method.value,
                note=note.strip(),
                identities=[{"type": i.type.value, "value": i.value} for i in checked],
                checked_by=by.id,
                checked_at=self.clock.now(),
                state=ApprovalState.PENDING.value,
            )
            session.add(row)
            session.flush()
            self.audit.record(
                session,
                by.id,
                by.role_name,
                "verification.staff_check_recorded",
                request_id,
                check_id=row.id,
                method=method.value,
                identities=len(checked),
                how_sha256=digest(note.strip()),
            )
            return row

    def decide_check(
        self, request_id: str, check_id: int, by: Principal, *, approve: bool, note: str = ""
    ) -> Settlement:
        """A second staff member approves (the identities count as verified) or rejects."""
        by.require(Role.REVIEWER)
        with self.store.transaction() as session:
            check = session.get(StaffCheckRow, check_id)
            if check is None or check.request_id != request_id:
                raise NotFoundError("no such staff identity check for this request")
            check_pending(ApprovalState(check.state), "this identity check")
            check_other_person(session, check.checked_by, by, "approving a staff identity check")
            check_not_entered_by(session, request_id, by, "approving a staff identity check")
            if approve:
                _open(session, request_id)
            self._decide(check, by, approve, note)
            self.audit.record(
                session,
                by.id,
                by.role_name,
                f"verification.staff_check_{check.state}",
                request_id,
                check_id=check.id,
                reason_sha256=digest(note.strip()),
            )
            if approve:
                for item in check.identities:
                    identity = self.identities.normalise(item["type"], item["value"])
                    proof = Proof(
                        identity, Factor.STAFF_CHECK, f"staff_check:{check.id}", self.clock.now()
                    )
                    record_proof(session, self.audit, request_id, proof, by)
        return self.subjects.settle(request_id)

    def checks(self, request_id: str) -> list[StaffCheckRow]:
        with self.store.transaction() as session:
            return repo.staff_checks(session, request_id)

    def _decide(
        self, row: AgentAuthorityRow | StaffCheckRow, by: Principal, approve: bool, note: str
    ) -> None:
        row.state = (ApprovalState.APPROVED if approve else ApprovalState.REJECTED).value
        row.decided_by, row.decided_at = by.id, self.clock.now()
        if isinstance(row, AgentAuthorityRow):
            row.decision_note = note.strip() or None


def _open(session: Session, request_id: str) -> RequestRow:
    """An open request: a staff check may confirm its caller before binding, or add a stronger
    proof after it (a step-up, settled like the requester's own)."""
    row = load_request(session, request_id)
    if Status(row.status) not in OPEN:
        raise ConflictError("identity checks are for open requests")
    return row


def _open_unbound(session: Session, request_id: str) -> RequestRow:
    row = _open(session, request_id)
    if repo.binding(session, request_id) is not None:
        raise ConflictError("approvals are for open requests that are not bound to a subject yet")
    return row


def checked_document(document: Document, max_bytes: int, what: str) -> None:
    """Check an uploaded PDF, PNG or JPEG; InvalidInputError says what to fix."""
    if not document.content:
        raise InvalidInputError(f"{what} is empty")
    if len(document.content) > max_bytes:
        raise InvalidInputError(f"{what} exceeds {max_bytes} bytes")
    magic, _ = DOCUMENT_TYPES.get(document.content_type, (b"", ""))
    if not magic:
        raise InvalidInputError(f"{what} must be a PDF, PNG or JPEG file")
    if not document.content.startswith(magic):
        raise InvalidInputError("the document's content does not match its declared type")


def document_suffix(content_type: str) -> str:
    """The file suffix of a document of `content_type` (".pdf"), "" for another type."""
    return DOCUMENT_TYPES.get(content_type, (b"", ""))[1]


def check_not_entered_by(session: Session, request_id: str, by: Principal, what: str) -> None:
    """Four eyes on a request staff took down: whoever entered it does not approve its proof."""
    entered = session.get(RequestRow, request_id)
    if entered is not None:
        check_named(session, (entered.created_by, by.id), what)
    if entered is not None and person_of(session, entered.created_by) == person_of(session, by.id):
        raise PermissionDeniedError(
            f"{what} needs a second staff member, not the one who entered the request"
        )
