"""Rows and fields a reviewer leaves out of a request's package to protect others (Art. 15(4)):
recorded against a package under review, which then goes back to be built without them; taken
back the same way. The audit chain holds the collection, the field and digests, never the key
or the words."""

from __future__ import annotations

import uuid

from rightful.adapters.db.packages import ExclusionRow, PackageRow
from rightful.adapters.db.tables import RequestRow
from rightful.domain.errors import ConflictError, NotFoundError
from rightful.domain.exclusions import Exclusion, key_text
from rightful.domain.lifecycle import Role
from rightful.domain.packages import ItemKind, PackageStatus
from rightful.domain.staff import Principal
from rightful.services.audit import digest
from rightful.services.exclusion_rows import list_of
from rightful.services.gate_items import manifest_items
from rightful.services.package_review import PackageReview

# In review, or sent back by an earlier exclusion and not yet built again
REVIEWABLE = frozenset({PackageStatus.READY.value, PackageStatus.SENT_BACK.value})
SENT_BACK_BECAUSE = "rows or fields left out to protect others (Art. 15(4)); build again"


class ExclusionService:
    def __init__(self, review: PackageReview) -> None:
        self.review = review
        self.packages = review.packages
        self.store, self.clock, self.audit = review.store, review.clock, review.audit

    def leave_out(self, package_id: str, wanted: Exclusion, by: Principal) -> ExclusionRow:
        """Leave a row (or one field of it) of this package out of the request's packages; the
        package goes back to be built without it. The row must be in the package."""
        by.require(Role.REVIEWER)
        package = self.packages.get(package_id)
        if package.status not in REVIEWABLE:
            raise ConflictError(f"the package is {package.status}; exclusions are made in review")
        if not self._holds(package, wanted):
            raise NotFoundError(
                f"the package holds no row {'/'.join(wanted.key)} of {wanted.collection}"
            )
        with self.store.transaction() as session:
            for made in list_of(session, package.request_id):
                if (made.collection, tuple(made.key), made.field) == (
                    wanted.collection,
                    wanted.key,
                    wanted.field,
                ):
                    raise ConflictError(f"this is left out already (exclusion {made.id})")
            row = ExclusionRow(
                id=str(uuid.uuid4()), request_id=package.request_id,
                collection=wanted.collection, key=list(wanted.key), field=wanted.field,
                reason=wanted.reason, created_at=self.clock.now(), created_by=by.id,
            )  # fmt: skip
            session.add(row)
            self.audit.record(
                session, by.id, by.role_name, "package.item_left_out", package.request_id,
                exclusion_id=row.id, package_id=package.id, collection=wanted.collection,
                field=wanted.field, key_sha256=digest("/".join(wanted.key)),
                reason_sha256=digest(wanted.reason),
            )  # fmt: skip
        if package.status == PackageStatus.READY.value:
            self.review.send_back(package.id, by, SENT_BACK_BECAUSE)
        return row

    def take_back(
        self, exclusion_id: str, by: Principal, *, request_id: str | None = None
    ) -> ExclusionRow:
        """Undo an exclusion; the request's package in review goes back to be built with it.
        With `request_id` (the page it was pressed on), an exclusion of another request is not
        found."""
        by.require(Role.REVIEWER)
        with self.store.transaction() as session:
            row = session.get(ExclusionRow, exclusion_id)
            if row is None or (request_id is not None and row.request_id != request_id):
                raise NotFoundError(f"no exclusion {exclusion_id}")
            if row.removed_at is not None:
                raise ConflictError("this exclusion was taken back already")
            row.removed_at, row.removed_by = self.clock.now(), by.id
            self.audit.record(session, by.id, by.role_name, "package.item_put_back",
                              row.request_id, exclusion_id=row.id)  # fmt: skip
            request_id = row.request_id
        for package in self.packages.for_request(request_id):
            if package.status == PackageStatus.READY.value:
                self.review.send_back(package.id, by, SENT_BACK_BECAUSE)
        return row

    def of(self, request_id: str, *, with_removed: bool = False) -> list[ExclusionRow]:
        """The exclusions of a request; NotFoundError for a request there is not."""
        with self.store.transaction() as session:
            if session.get(RequestRow, request_id) is None:
                raise NotFoundError(f"no request {request_id}")
            return list_of(session, request_id, with_removed=with_removed)

    def _holds(self, package: PackageRow, wanted: Exclusion) -> bool:
        """Whether the package's manifest lists a record of that collection and key."""
        with self.packages.zip_of(package) as archive:
            return any(
                item["kind"] == ItemKind.RECORD.value and item["collection"] == wanted.collection
                and key_text(item["key"]) == wanted.key
                for item in manifest_items(archive)
            )  # fmt: skip
