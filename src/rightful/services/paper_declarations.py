"""CCPA declarations under penalty of perjury that arrive on paper or as a signed PDF
(§7062(c)): a requester who wrote or called cannot sign on the portal, so a staff member records
the declaration (the signer's name as written, the date signed, the scan if there is one) and
another staff member approves it. Only an approved one counts for the specific pieces."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from rightful.adapters.db.base import Store
from rightful.adapters.db.verification import PaperDeclarationRow
from rightful.domain import declarations as rule
from rightful.domain.clock import Clock
from rightful.domain.errors import ConflictError, NotFoundError
from rightful.domain.lifecycle import Role, Status
from rightful.domain.staff import Principal
from rightful.domain.subjects import ApprovalState, check_pending
from rightful.services.approvals import Document, check_not_entered_by, checked_document
from rightful.services.audit import AuditService, digest
from rightful.services.declarations import AccountHolder, shown_wait, signable
from rightful.services.documents import DocumentFiles, read_audited
from rightful.services.identity_set import load_request
from rightful.services.staff import check_other_person

APPROVING = "approving a paper declaration"


@dataclass(frozen=True)
class PaperDecided:
    """A decided paper declaration, and what the request's package still waits for."""

    row: PaperDeclarationRow
    waiting_for: str | None


class PaperDeclarationService:
    """Records declarations received on paper; a second staff member decides them."""

    def __init__(
        self, store: Store, clock: Clock, audit: AuditService, files: DocumentFiles,
        max_bytes: int, on_ready: Callable[[str], None] | None = None,
        account_holder: AccountHolder | None = None,
    ) -> None:  # fmt: skip
        self.store, self.clock, self.audit = store, clock, audit
        self.files, self.max_bytes, self.on_ready = files, max_bytes, on_ready
        self.account_holder = account_holder

    def record(
        self, request_id: str, full_name: str, signed_on: date, document: Document | None,
        by: Principal,
    ) -> PaperDeclarationRow:  # fmt: skip
        """Record a declaration the requester signed on paper; it waits for a second person."""
        by.require(Role.AGENT)
        name = rule.written_name(full_name)
        day = rule.signed_on(signed_on, self.clock.now().date())
        if document is not None:
            checked_document(document, self.max_bytes, "the declaration's document")
        with self.store.transaction() as session:
            signable(session, request_id)
            row = PaperDeclarationRow(
                request_id=request_id, full_name=name, signed_on=day, recorded_by=by.id,
                recorded_at=self.clock.now(), state=ApprovalState.PENDING.value,
            )  # fmt: skip
            if document is not None:
                self._keep(row, document)
            session.add(row)
            session.flush()
            self.audit.record(session, by.id, by.role_name,
                              "verification.paper_declaration_recorded", request_id,
                              declaration_id=row.id, sha256=row.sha256)  # fmt: skip
            return row

    def _keep(self, row: PaperDeclarationRow, document: Document) -> None:
        """Store the scan encrypted, as agents' authority documents are."""
        self.files.keep(row, document.content)
        row.sha256 = hashlib.sha256(document.content).hexdigest()
        row.size, row.content_type = len(document.content), document.content_type

    def decide(
        self, request_id: str, declaration_id: int, by: Principal, *, approve: bool,
        note: str = "",
    ) -> PaperDecided:  # fmt: skip
        """Another staff member than the recorder (and than who entered the request) approves
        the declaration, which then counts, or rejects it."""
        by.require(Role.REVIEWER)
        with self.store.transaction() as session:
            row = _one(session, request_id, declaration_id)
            check_pending(ApprovalState(row.state), "this paper declaration")
            check_other_person(session, row.recorded_by, by, APPROVING)
            check_not_entered_by(session, request_id, by, APPROVING)
            request = signable(session, request_id) if approve else None
            if approve and row.sha256 and self.files.digest(row) != row.sha256:
                raise ConflictError("the stored document changed since it was recorded")
            row.state = (ApprovalState.APPROVED if approve else ApprovalState.REJECTED).value
            row.decided_by, row.decided_at = by.id, self.clock.now()
            self.audit.record(session, by.id, by.role_name,
                              f"verification.paper_declaration_{row.state}", request_id,
                              declaration_id=row.id,
                              reason_sha256=digest(note.strip()))  # fmt: skip
            waiting = shown_wait(session, load_request(session, request_id), None,
                                 self.account_holder)  # fmt: skip
            ready = request is not None and Status(request.status) is Status.VERIFIED
        if approve and waiting is None and ready and self.on_ready is not None:
            self.on_ready(request_id)
        return PaperDecided(row, waiting)

    def listed(self, request_id: str) -> list[PaperDeclarationRow]:
        """A request's paper declarations, oldest first."""
        with self.store.transaction() as session:
            load_request(session, request_id)
            query = select(PaperDeclarationRow).where(PaperDeclarationRow.request_id == request_id)
            return list(session.scalars(query.order_by(PaperDeclarationRow.id)))

    def pending(self) -> list[PaperDeclarationRow]:
        """The paper declarations of every request that await a second staff member, oldest
        first."""
        query = select(PaperDeclarationRow).where(
            PaperDeclarationRow.state == ApprovalState.PENDING.value
        )
        with self.store.transaction() as session:
            return list(session.scalars(query.order_by(PaperDeclarationRow.id)))

    def read_document(
        self, request_id: str, declaration_id: int, by: Principal
    ) -> tuple[bytes, str]:
        """`document` for a reviewer who reads the scan; the audit chain records who read
        which (ids only)."""
        return read_audited(self.store, self.audit, by, "verification.paper_declaration_read",
                            request_id, partial(self.document, request_id, declaration_id),
                            declaration_id=declaration_id)  # fmt: skip

    def document(self, request_id: str, declaration_id: int) -> tuple[bytes, str]:
        """The scanned declaration as recorded, and its content type; TamperedError when its
        encrypted file fails authentication."""
        with self.store.transaction() as session:
            row = _one(session, request_id, declaration_id)
        if row.file_path is None or row.content_type is None:
            raise NotFoundError("this paper declaration was recorded without a document")
        return self.files.content(row), row.content_type


def _one(session: Session, request_id: str, declaration_id: int) -> PaperDeclarationRow:
    row = session.get(PaperDeclarationRow, declaration_id)
    if row is None or row.request_id != request_id:
        raise NotFoundError("no such paper declaration for this request")
    return row
