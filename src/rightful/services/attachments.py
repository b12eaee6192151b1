"""Staff additions to a package: bound to the subject through the data map, or uploaded and
approved by a second staff member with a written justification. Both go through the leak gate.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Sequence
from typing import Any, BinaryIO, Final

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from rightful.adapters.db.base import Store
from rightful.adapters.db.packages import AttachmentRow, PackageRow
from rightful.adapters.db.tables import RequestRow
from rightful.adapters.sources import OpenSources
from rightful.adapters.storage.encryption import EncryptingWriter, new_data_key
from rightful.domain.clock import Clock
from rightful.domain.datamap import DataCollection, DataMap
from rightful.domain.datamap_graph import plan_traversal
from rightful.domain.errors import ConflictError, InvalidInputError, NotFoundError
from rightful.domain.gate_scan import scan_identifiers
from rightful.domain.identities import IdentityPolicy
from rightful.domain.lifecycle import Role, Status
from rightful.domain.package_ports import KeyWrapper, PackageStore
from rightful.domain.packages import PackageStatus, attachment_name
from rightful.domain.provenance import CollectedRecord, SubjectKey
from rightful.domain.staff import Principal
from rightful.domain.words import counted, written
from rightful.services.audit import AuditService, digest
from rightful.services.build_meta import ExtraFile
from rightful.services.package_build import PackageBuilder
from rightful.services.staff import check_other_person

SourceOpener = Callable[[], Any]
AttachmentOpener = Callable[[str, str, bytes, int], BinaryIO]
OPEN_FOR_ADDITIONS: Final = (Status.VERIFIED, Status.COLLECTING)
MIN_JUSTIFICATION: Final = 20
MIN_WITHDRAWAL_REASON: Final = 10  # visible characters, as an extension's reason
INCLUDED: Final = ("active", "approved")
# Packages whose contents a withdrawal can no longer change: a reviewer is looking at them or
# has approved them.
HELD: Final = (PackageStatus.READY.value, PackageStatus.APPROVED.value)
# Built once: every build reads the request's attachments.
_ROWS_OF: Final = (
    select(AttachmentRow)
    .where(AttachmentRow.request_id == bindparam("request_id"))
    .order_by(AttachmentRow.added_at, AttachmentRow.id)
)


class AttachmentService:
    """Adds, approves and lists staff attachments; every step is audited."""

    def __init__(
        self, store: Store, clock: Clock, audit: AuditService, datamap: DataMap,
        keys: KeyWrapper, objects: PackageStore, policy: IdentityPolicy,
        open_sources: SourceOpener, *, max_bytes: int = 200_000_000, chunk_size: int = 65536,
    ) -> None:  # fmt: skip
        self.store, self.clock, self.audit, self.datamap = store, clock, audit, datamap
        self.plan = plan_traversal(datamap)
        self.keys, self.objects, self.policy = keys, objects, policy
        self.open_sources, self.max_bytes, self.chunk_size = open_sources, max_bytes, chunk_size

    # --- bound through the data map -----------------------------------------------------------

    def bind(
        self,
        request_id: str,
        by: Principal,
        *,
        collection: str,
        key: Sequence[Any] | None = None,
        uri: str | None = None,
    ) -> AttachmentRow:
        """Add a record (by primary key) or a blob (by URI) of the data map to the package."""
        by.require(Role.AGENT)
        coll = self._collection(collection)
        if (key is None) == (uri is None):
            raise InvalidInputError("name either a record key or a blob URI")
        typed = _typed_key(coll, key) if key is not None else None
        with self.open_sources() as opened:
            self._check_exists(opened, coll, typed, uri)
        row = AttachmentRow(
            id=str(uuid.uuid4()), request_id=request_id, mode="bound", state="active",
            collection=collection, bound_key=list(typed) if typed is not None else None,
            bound_uri=uri, filename=attachment_name(uri.rsplit("/", 1)[-1]) if uri else None,
            labels=[], added_by=by.id, added_at=self.clock.now(),
        )  # fmt: skip
        with self.store.transaction() as session:
            self._require_open(session, request_id)
            self._refuse_second_binding(session, row)
            session.add(row)
            self.audit.record(
                session,
                by.id,
                by.role_name,
                "attachment.bound",
                request_id,
                attachment_id=row.id,
                collection=collection,
                kind="blob" if uri else "record",
            )
        return row

    def _refuse_second_binding(self, session: Any, new: AttachmentRow) -> None:
        """The same record or file bound twice to one request would join its package twice."""
        query = select(AttachmentRow).where(
            AttachmentRow.request_id == new.request_id,
            AttachmentRow.mode == "bound",
            AttachmentRow.state == "active",
            AttachmentRow.collection == new.collection,
        )
        for row in session.scalars(query):
            if row.bound_key == new.bound_key and row.bound_uri == new.bound_uri:
                what = "file" if new.bound_uri else "record"
                raise ConflictError(
                    f"that {what} of {new.collection} is bound to this request already, "
                    f"as attachment {row.id}"
                )

    def _check_exists(
        self,
        opened: OpenSources,
        coll: DataCollection,
        key: tuple[Any, ...] | None,
        uri: str | None,
    ) -> None:
        if key is not None:
            source = opened.records.get(self.datamap.source_of(coll.address))
            found = source and list(
                source.fetch(coll.name, coll.primary_key, coll.primary_key, [key])
            )
            if not found:
                raise NotFoundError(f"{coll.address} holds no record with that key")
            return
        assert uri is not None
        stores = {f.blob_store for f in coll.blob_fields}
        store_name = uri.split("/")[2] if uri.startswith("blob://") and uri.count("/") >= 3 else ""
        if store_name not in stores:
            raise InvalidInputError(f"{coll.address} keeps no files in that blob store")
        store = opened.blobs.get(store_name)
        if store is None or not store.exists(uri):
            raise NotFoundError("no such file in the blob store")

    # --- uploaded, under four eyes ------------------------------------------------------------

    def upload(
        self,
        request_id: str,
        by: Principal,
        *,
        filename: str,
        content: BinaryIO,
        collection: str,
        justification: str,
        labels: Sequence[tuple[str, str]],
        content_type: str | None = None,
    ) -> AttachmentRow:
        """Store an uploaded file (encrypted); it joins a package only after a second staff
        member approves it. `labels` name the identifiers the file concerns (at least one)."""
        by.require(Role.AGENT)
        self._collection(collection)
        if len(justification.strip()) < MIN_JUSTIFICATION:
            raise InvalidInputError(
                f"a justification of at least {MIN_JUSTIFICATION} characters "
                "is needed for a file outside the data map"
            )
        cleaned = self._labels(labels)
        # The stored name is made safe (an "@" becomes "_"): what the name as uploaded shows
        # is kept with the labels, marked as such, for the gate to check like the content.
        named = [{"type": kind.value, "value": value, "from": "name"}
                 for kind, value in scan_identifiers(
                     [filename, filename.rsplit(".", 1)[0]], self.policy  # with, without suffix
                 )
                 if {"type": kind.value, "value": value} not in cleaned]  # fmt: skip
        attachment_id = str(uuid.uuid4())
        name = f"attachments/{attachment_id}.rfpk"
        size, sha256, wrapped, stored = self._store(name, content)
        row = AttachmentRow(
            id=attachment_id, request_id=request_id, mode="four_eyes", state="pending",
            collection=collection, filename=attachment_name(filename), content_type=content_type,
            size=size, sha256=sha256, object_name=name, master_key_id=wrapped[0],
            wrapped_key=wrapped[1], chunk_size=self.chunk_size, stored_size=stored,
            labels=[*cleaned, *named],
            justification=justification.strip(), added_by=by.id, added_at=self.clock.now(),
        )  # fmt: skip
        try:
            with self.store.transaction() as session:
                self._require_open(session, request_id)
                session.add(row)
                self.audit.record(
                    session, by.id, by.role_name, "attachment.uploaded", request_id,
                    attachment_id=row.id, collection=collection, size=size,
                    labels=len(cleaned), named=len(named),
                    justification_sha256=digest(row.justification or ""),
                )  # fmt: skip
        except BaseException:
            self.objects.delete(name)
            raise
        return row

    def _store(self, name: str, content: BinaryIO) -> tuple[int, str, tuple[str, bytes], int]:
        data_key = new_data_key()
        wrapped = self.keys.wrap(data_key)
        sha, size = hashlib.sha256(), 0
        with self.objects.writer(name) as raw:
            sink = EncryptingWriter(raw, data_key, self.chunk_size)
            while piece := content.read(1024 * 1024):
                size += len(piece)
                if size > self.max_bytes:
                    raise InvalidInputError(f"the file is larger than {self.max_bytes} bytes")
                sha.update(piece)
                sink.write(piece)
            if size == 0:  # raised inside the writer: nothing of it is kept
                raise InvalidInputError("the file is empty; attach the file that holds the data")
            sink.close()
        # The stored size (not the plain one) is what the decrypting reader needs.
        return size, sha.hexdigest(), (wrapped.key_id, wrapped.blob), self.objects.size(name)

    def _labels(self, labels: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
        cleaned = []
        for kind, value in labels:
            identity = self.policy.normalise(kind, value)
            cleaned.append({"type": identity.type.value, "value": identity.value})
        if not cleaned:
            raise InvalidInputError("label the file with at least one identifier it concerns")
        return cleaned

    def approve(self, attachment_id: str, by: Principal, note: str = "") -> AttachmentRow:
        """The second pair of eyes: another staff member (reviewer or above) approves."""
        return self._decide(attachment_id, by, "approved", note)

    def reject(self, attachment_id: str, by: Principal, note: str = "") -> AttachmentRow:
        """A second staff member refuses the file; it never joins a package."""
        return self._decide(attachment_id, by, "rejected", note)

    def _decide(self, attachment_id: str, by: Principal, state: str, note: str) -> AttachmentRow:
        by.require(Role.REVIEWER)
        with self.store.transaction() as session:
            row = session.get(AttachmentRow, attachment_id, with_for_update=True)
            if row is None:
                raise NotFoundError(f"no attachment {attachment_id}")
            if row.mode != "four_eyes" or row.state != "pending":
                raise ConflictError(f"this attachment is {row.state}; nothing to decide")
            check_other_person(session, row.added_by, by, "approving an attachment")
            row.state, row.decided_by, row.decided_at = state, by.id, self.clock.now()
            row.decision_note = note.strip() or None
            self.audit.record(
                session,
                by.id,
                by.role_name,
                f"attachment.{state}",
                row.request_id,
                attachment_id=row.id,
                added_by=row.added_by,
            )
            return row

    def withdraw(self, attachment_id: str, by: Principal, reason: str) -> AttachmentRow:
        """Take an attachment out of the packages built from now on, saying why; refused while
        a package under review or approved holds it (the message says what to do instead)."""
        by.require(Role.AGENT)
        if not written(reason, "the reason", 0):
            raise InvalidInputError("withdrawing an attachment needs a reason")
        # The reason is what a reviewer or an auditor later reads to learn why a file that was
        # meant for the requester left the package: "x" tells them nothing.
        reason = written(reason, "the reason to withdraw", MIN_WITHDRAWAL_REASON)
        with self.store.transaction() as session:
            row = session.get(AttachmentRow, attachment_id, with_for_update=True)
            if row is None:
                raise NotFoundError(f"no attachment {attachment_id}")
            if row.state in ("withdrawn", "rejected"):
                raise ConflictError(
                    f"attachment {row.id} was {row.state} already; it joins no package"
                )
            self._require_not_held(session, row)
            was, row.state = row.state, "withdrawn"
            row.withdrawn_by, row.withdrawn_at = by.id, self.clock.now()
            row.withdrawal_reason = reason
            self.audit.record(
                session, by.id, by.role_name, "attachment.withdrawn", row.request_id,
                attachment_id=row.id, was=was, reason_sha256=digest(row.withdrawal_reason),
            )  # fmt: skip
            return row

    def _require_not_held(self, session: Any, row: AttachmentRow) -> None:
        """Refuse when the request's package under review or approved was built with `row`."""
        query = select(PackageRow).where(
            PackageRow.request_id == row.request_id, PackageRow.status.in_(HELD)
        )
        package = session.scalars(query.order_by(PackageRow.created_at.desc())).first()
        joined_at = row.added_at if row.mode == "bound" else row.decided_at
        if package is None or row.state not in INCLUDED or joined_at is None:
            return
        if joined_at > package.created_at:
            return
        if package.status == PackageStatus.READY.value:
            raise ConflictError(
                f"package {package.id}, awaiting review, holds this attachment; send it back "
                "first, then withdraw the attachment and build again"
            )
        raise ConflictError(
            f"package {package.id} was approved with this attachment and is not changed; if the "
            "file must not reach the requester, open a near-miss incident naming that package "
            "(it freezes it); then the attachment can be withdrawn"
        )

    def for_request(self, request_id: str) -> list[AttachmentRow]:
        """Every attachment of a request, oldest first."""
        with self.store.transaction() as session:
            return rows_of(session, request_id)

    # --- into a build -------------------------------------------------------------------------

    def add_to(
        self,
        builder: PackageBuilder,
        rows: list[AttachmentRow],
        subject: SubjectKey,
        opened: OpenSources,
        open_attachment: AttachmentOpener,
    ) -> int:
        """Add the active and approved ones of a request's attachments (`rows`, from
        for_request) to a package being built."""
        added = 0
        for row in rows:
            if row.state not in INCLUDED:
                continue
            if row.bound_key is not None:
                record = self._bound_record(row, subject, opened)
                if record is not None and builder.add_record(record, "bound") is not None:
                    added += 1
            elif row.bound_uri is not None:
                builder.add_file(self._bound_blob(row, opened))
                added += 1
            else:
                builder.add_file(self._uploaded(row, open_attachment))
                added += 1
        return added

    def _bound_record(
        self, row: AttachmentRow, subject: SubjectKey, opened: OpenSources
    ) -> CollectedRecord | None:
        coll = self._collection(row.collection)
        source_name = self.datamap.source_of(coll.address)
        source = opened.records[source_name]
        key = tuple(row.bound_key or ())
        found = list(source.fetch(coll.name, coll.field_names, coll.primary_key, [key]))
        if not found:
            return None
        values = found[0]
        blobs = tuple(
            (f.name, values[coll.field_names.index(f.name)])
            for f in coll.blob_fields
            if values[coll.field_names.index(f.name)] is not None
        )
        return CollectedRecord(
            source_name,
            coll.address,
            key,
            coll.field_names,
            values,
            coll.categories,
            blobs,
            (),
            subject,
        )

    def _bound_blob(self, row: AttachmentRow, opened: OpenSources) -> ExtraFile:
        assert row.bound_uri is not None
        uri = row.bound_uri
        store = opened.blobs[uri.split("/")[2]]
        coll = self._collection(row.collection)
        categories = tuple(sorted({c for f in coll.blob_fields for c in f.data_categories}))
        return ExtraFile(
            row.id,
            "bound",
            row.collection,
            row.filename or "file",
            store.size(uri),
            lambda: store.open(uri),
            categories or coll.categories,
            bound_uri=uri,
        )

    def _uploaded(self, row: AttachmentRow, open_attachment: AttachmentOpener) -> ExtraFile:
        assert row.object_name and row.master_key_id and row.wrapped_key and row.size is not None
        name, key_id, wrapped, stored = (
            row.object_name,
            row.master_key_id,
            row.wrapped_key,
            row.stored_size or 0,
        )

        def opener() -> BinaryIO:
            return open_attachment(name, key_id, wrapped, stored)

        coll = self._collection(row.collection)
        return ExtraFile(
            row.id,
            "four_eyes",
            row.collection,
            row.filename or "file",
            row.size,
            opener,
            coll.categories,
        )

    # --- helpers ------------------------------------------------------------------------------

    def _collection(self, address: str) -> DataCollection:
        coll = self.datamap.collection(address)
        if coll is None or (address != self.plan.subject and self.plan.step(address) is None):
            raise InvalidInputError(f"{address} is not a collection of the data map")
        return coll

    def _require_open(self, session: Any, request_id: str) -> None:
        request = session.get(RequestRow, request_id)
        if request is None:
            raise NotFoundError(f"no request {request_id}")
        if Status(request.status) not in OPEN_FOR_ADDITIONS:
            raise ConflictError(
                f"files are added while a request is verified or collecting, "
                f"not {request.status}; send the package back first"
            )


def _typed_key(coll: DataCollection, key: Sequence[Any]) -> tuple[Any, ...]:
    names = coll.primary_key
    if len(key) != len(names):
        raise InvalidInputError(
            f"{coll.address} has a key of {counted(len(names), 'field', 'fields')}"
        )
    out = []
    for name, value in zip(names, key, strict=True):
        f = coll.field(name)
        if f is not None and f.data_type == "integer" and not isinstance(value, int):
            try:
                value = int(str(value).strip())
            except ValueError:
                raise InvalidInputError(f"{coll.address}.{name} is a number") from None
        out.append(value)
    return tuple(out)


def rows_of(session: Session, request_id: str) -> list[AttachmentRow]:
    """Every attachment of a request, oldest first, in the caller's transaction."""
    return list(session.scalars(_ROWS_OF, {"request_id": request_id}))
