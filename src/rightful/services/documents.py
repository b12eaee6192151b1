"""Identity documents staff keep under data_dir (an agent's authority, a paper declaration's
scan), encrypted at rest like packages and staff attachments: a fresh data key per file in the
chunked AES-256-GCM layout of encryption.py, wrapped by the package master key, its wrapped form
on the document's row. Rows from before (no wrapped key) point to a plaintext file, read as it
is until `rotate-key` encrypts it."""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from rightful.adapters.db.base import Store
from rightful.adapters.db.verification import AgentAuthorityRow, PaperDeclarationRow
from rightful.adapters.files import atomic_writer, make_folder
from rightful.adapters.storage.encryption import TamperedError, new_data_key, sealed, unsealed
from rightful.domain.errors import NotFoundError
from rightful.domain.lifecycle import Role
from rightful.domain.package_ports import KeyWrapper, WrappedKey
from rightful.domain.staff import Principal
from rightful.services.audit import AuditService

DocumentRow = AgentAuthorityRow | PaperDeclarationRow


@dataclass(frozen=True)
class DocumentKind:
    name: str  # what a rotation calls such a row in what it reports
    folder: str  # under files_dir


DOCUMENT_KINDS: dict[Any, DocumentKind] = {
    AgentAuthorityRow: DocumentKind("authority document", "authority"),
    PaperDeclarationRow: DocumentKind("paper declaration", "declarations"),
}
SUFFIX = ".rfpk"
# A plaintext file younger than this is left alone by the sweep: a process of a version before
# encryption at rest may have written it and not yet committed the row that points to it.
SWEEP_AFTER_SECONDS = 3600
FILE_MISSING = "its document file is missing"


@dataclass(frozen=True)
class DocumentFiles:
    """Stores and reads documents under `files_dir`, with data keys wrapped by the wrapper
    `keys` gives: asked for only when a document is stored or read, so that approvals without
    one work while a key service is away."""

    files_dir: Path
    keys: Callable[[], KeyWrapper]

    def keep(self, row: DocumentRow, content: bytes) -> None:
        """Encrypt `content` into a new file of its own under its kind's folder/request id, on
        disk before `row` (committed by the caller) points to it; two uploads of the same
        document get a file and a data key each."""
        folder = DOCUMENT_KINDS[type(row)].folder
        relative = Path(folder) / row.request_id / f"{uuid.uuid4().hex}{SUFFIX}"
        data_key = new_data_key()
        wrapped = self.keys().wrap(data_key)
        write_private(self.files_dir / relative, sealed(content, data_key))
        row.file_path, row.master_key_id, row.wrapped_key = (
            str(relative),
            wrapped.key_id,
            wrapped.blob,
        )

    def content(self, row: DocumentRow) -> bytes:
        """The document as uploaded; NotFoundError when its file is gone, TamperedError when
        the encrypted bytes fail authentication."""
        path = self.files_dir / (row.file_path or "")
        if not row.file_path or not path.is_file():
            raise NotFoundError("the document's file is missing")
        stored = path.read_bytes()
        if row.wrapped_key is None or row.master_key_id is None:  # stored before encryption
            return stored
        return unsealed(stored, self.keys().unwrap(WrappedKey(row.master_key_id, row.wrapped_key)))

    def digest(self, row: DocumentRow) -> str:
        """SHA-256 of the document as uploaded; "" when it is missing or fails authentication
        (it then differs from the one recorded)."""
        try:
            return hashlib.sha256(self.content(row)).hexdigest()
        except (NotFoundError, TamperedError):
            return ""


def read_audited(
    store: Store,
    audit: AuditService,
    by: Principal,
    action: str,
    request_id: str,
    read: Callable[[], tuple[bytes, str]],
    **ids: int,
) -> tuple[bytes, str]:
    """What `read` gives (a document and its content type) for a reviewer, the read recorded in
    the audit chain as `action` with the row ids (never the content)."""
    by.require(Role.REVIEWER)
    content, content_type = read()
    with store.transaction() as session:
        audit.record(session, by.id, by.role_name, action, request_id, **ids)
    return content, content_type


def encrypt_plaintext(
    store: Store, files: DocumentFiles, table: Any, failed: list[tuple[str, str]]
) -> int:
    """Encrypt the files of `table`'s rows stored before encryption at rest, one row at a time:
    the encrypted file is complete on disk before the row points to it, and the plaintext one
    is deleted only after that (and once no other row points to it). A crash between leaves
    each row pointing to a file it can read. (id, reason) of a row whose file is missing is
    added to `failed`."""
    with store.transaction() as session:
        query = select(table.id).where(table.wrapped_key.is_(None), table.file_path.is_not(None))
        ids = list(session.scalars(query.order_by(table.id)))
    done = 0
    for row_id in ids:
        with store.transaction() as session:
            row = session.get(table, row_id, with_for_update=True)
            if row is None or row.wrapped_key is not None:
                continue  # encrypted meanwhile
            plain = files.files_dir / row.file_path
            if not plain.is_file():
                failed.append((str(row_id), FILE_MISSING))
                continue
            former = row.file_path
            files.keep(row, plain.read_bytes())
        _drop_plaintext(store, files.files_dir, table, former)
        done += 1
    return done


def drop_left_plaintext(store: Store, files_dir: Path, table: Any) -> int:
    """Delete the plaintext documents of `table`'s folder that no row points to: left behind by
    a rotation stopped after a row was pointed to its encrypted copy. Encrypted files and files
    modified in the last SWEEP_AFTER_SECONDS are left alone; how many were deleted."""
    root = files_dir / DOCUMENT_KINDS[table].folder
    if not root.is_dir():
        return 0
    cutoff = time.time() - SWEEP_AFTER_SECONDS
    left = [
        path
        for path in root.glob("*/*")
        if path.suffix != SUFFIX
        and not path.name.startswith(".")  # a file being written (atomic_writer)
        and path.is_file()
        and path.stat().st_mtime < cutoff
    ]
    return sum(_drop_plaintext(store, files_dir, table, path.relative_to(files_dir).as_posix())
               for path in left)  # fmt: skip


def _drop_plaintext(store: Store, files_dir: Path, table: Any, relative: str) -> bool:
    """Delete a plaintext document no row points to any longer (two rows of the same upload
    shared one file); whether it was deleted."""
    with store.transaction() as session:
        query = select(func.count()).select_from(table).where(table.file_path == relative)
        if session.scalar(query):
            return False
    path = files_dir / relative
    if not path.exists():
        return False
    path.unlink(missing_ok=True)
    return True


def write_private(path: Path, content: bytes) -> None:
    """Write a file readable only by this user, atomically and durably."""
    make_folder(path.parent)  # new folders' names on disk too, as the file's
    with atomic_writer(path, prefix=".upload-", fsync=True) as handle:
        handle.write(content)
