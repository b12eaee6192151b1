"""Stored packages: found by id or request, decrypted as they are read, opened as a ZIP of their
documents (the subject's own files left out), and exported for staff."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Final

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from rightful.adapters.db.base import Store
from rightful.adapters.db.by_id import ById
from rightful.adapters.db.packages import PackageRow
from rightful.adapters.db.tables import RequestRow
from rightful.adapters.files import atomic_writer
from rightful.adapters.packaging.zip_view import ZipView
from rightful.adapters.storage.encryption import DecryptingReader
from rightful.domain.clock import Clock
from rightful.domain.delivery import NotDeliverableError
from rightful.domain.errors import ConflictError, NotFoundError
from rightful.domain.lifecycle import Role
from rightful.domain.package_ports import KeyWrapper, PackageStore, WrappedKey
from rightful.domain.packages import (
    ATTACHMENTS_DIR,
    FILES_DIR,
    MANIFEST,
    SENDABLE,
    PackageStatus,
    check_package_move,
)
from rightful.domain.staff import Principal
from rightful.services.audit import AuditService
from rightful.services.identity_set import REQUEST_ROWS

# Built once: every build lists the request's packages.
_PACKAGES: Final = (
    select(PackageRow)
    .where(PackageRow.request_id == bindparam("request_id"))
    .order_by(PackageRow.created_at, PackageRow.id)
)
_PACKAGE_ROW: Final = ById(PackageRow)


class StoredPackages:
    """Reads packages and their stored objects; what it changes is audited in its transaction."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        audit: AuditService,
        keys: KeyWrapper,
        objects: PackageStore,
    ) -> None:
        self.store, self.clock, self.audit = store, clock, audit
        self.keys, self.objects = keys, objects

    def get(self, package_id: str) -> PackageRow:
        """One package; NotFoundError when there is none."""
        with self.store.transaction() as session:
            return self.load(session, package_id)

    def for_request(self, request_id: str) -> list[PackageRow]:
        """Every package of a request, newest first."""
        with self.store.transaction() as session:
            return list(reversed(self._packages(session, request_id)))

    def current(self, request_id: str) -> PackageRow:
        """The newest package of a request that was not superseded or failed."""
        for package in self.for_request(request_id):
            if package.status not in (PackageStatus.SUPERSEDED, PackageStatus.FAILED):
                return package
        raise NotFoundError(f"request {request_id} has no package")

    def mark_delivered(self, session: Session, package_id: str) -> None:
        """An approved package whose link is being issued (in `session`) has gone out. Locked
        and checked again here: a package frozen since the delivery check gets no link."""
        package = self.load(session, package_id, lock=True)
        if package.status not in SENDABLE:
            raise NotDeliverableError(f"the package is {package.status}, not approved")
        if package.status == PackageStatus.APPROVED.value:
            check_package_move(PackageStatus.APPROVED, PackageStatus.DELIVERED)
            package.status = PackageStatus.DELIVERED.value

    def data_key(self, package: PackageRow) -> bytes:
        """The package's data key, unwrapped."""
        return self.keys.unwrap(WrappedKey(package.master_key_id, package.wrapped_key))

    def open_plaintext(
        self, package: PackageRow, stored_size: int | None = None, stored: BinaryIO | None = None
    ) -> DecryptingReader:
        """The decrypted ZIP as a seekable stream (decrypted chunk by chunk as it is read), of
        the stored object or of `stored`, its bytes read back while it is written."""
        size = stored_size if stored_size is not None else package.stored_size
        if size is None:
            raise ConflictError("the package was not finished")
        source = stored if stored is not None else self.objects.open(package.object_name)
        return DecryptingReader(source, self.data_key(package), size)

    @contextmanager
    def zip_of(
        self, package: PackageRow, stored_size: int | None = None, stored: BinaryIO | None = None
    ) -> Iterator[zipfile.ZipFile]:
        """The stored package opened as a ZIP archive of its manifest, signature, index,
        collection files and staff uploads: the subject's own files are left out, so that
        opening it costs the same for a million of them (zip_view.py)."""
        reader = self.open_plaintext(package, stored_size, stored)
        buffered = io.BufferedReader(reader, buffer_size=package.chunk_size)
        try:
            with zipfile.ZipFile(ZipView(buffered, _not_a_subject_file)) as archive:
                yield archive
        finally:
            buffered.close()

    def stored_manifest_sha256(self, package: PackageRow) -> str:
        """SHA-256 of manifest.json as stored in the package (read through, not held)."""
        with self.zip_of(package) as archive, archive.open(MANIFEST) as manifest:
            return hashlib.file_digest(manifest, "sha256").hexdigest()  # type: ignore[arg-type]

    def export(self, package_id: str, target: Path, by: Principal) -> PackageRow:
        """Write the decrypted ZIP to a file for staff; audited. The file is private (0600: it
        holds the requester's personal data) and appears only whole: nothing is left behind
        when writing fails."""
        by.require(Role.REVIEWER)
        package = self.get(package_id)
        reader = self.open_plaintext(package)
        with reader, atomic_writer(target, prefix=".export-", mode=0o600) as out:
            for piece in reader.iter_range(0):
                out.write(piece)
        with self.store.transaction() as session:
            self.audit.record(
                session,
                by.id,
                by.role_name,
                "package.exported",
                package.request_id,
                package_id=package.id,
                size=package.plaintext_size,
            )
        return package

    def open_attachment(self, name: str, master_key_id: str, wrapped: bytes, size: int) -> BinaryIO:
        key = self.keys.unwrap(WrappedKey(master_key_id, wrapped))
        reader = DecryptingReader(self.objects.open(name), key, size)
        return io.BufferedReader(reader, buffer_size=1024 * 1024)

    def _packages(self, session: Session, request_id: str) -> list[PackageRow]:
        return list(session.scalars(_PACKAGES, {"request_id": request_id}))

    def load(self, session: Session, package_id: str, lock: bool = False) -> PackageRow:
        package = _PACKAGE_ROW.get(session, package_id, lock)
        if package is None:
            raise NotFoundError(self._no_package(session, package_id))
        return package

    def _no_package(self, session: Session, package_id: str) -> str:
        """'no package X'; where X is a request's id, given by mistake, that request's packages."""
        if session.get(RequestRow, package_id) is None:
            return f"no package {package_id}"
        ids = [p.id for p in reversed(self._packages(session, package_id))]
        listed = ", ".join(ids[:3]) + (f" and {len(ids) - 3} more" if len(ids) > 3 else "")
        return f"{package_id} is a request id, not a package id; " + (
            f"its packages, newest first: {listed}" if ids else "it has no package yet"
        )

    def _request(self, session: Session, request_id: str, lock: bool = False) -> RequestRow:
        row = REQUEST_ROWS.get(session, request_id, lock)
        if row is None:
            raise NotFoundError(f"no request {request_id}")
        return row


def _not_a_subject_file(name: str) -> bool:
    return not name.startswith(f"{FILES_DIR}/") or name.startswith(f"{ATTACHMENTS_DIR}/")
