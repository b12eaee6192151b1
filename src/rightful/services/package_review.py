"""Review of a package before release: what a reviewer sees, approval bound to the manifest hash,
sending back, and the check that a package about to be delivered is the one approved."""

from __future__ import annotations

import json
import random
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from rightful.adapters.db.packages import GateFindingRow, GateRunRow, PackageRow
from rightful.adapters.db.tables import RequestRow
from rightful.adapters.storage.encryption import TamperedError
from rightful.domain.delivery import NotDeliverableError
from rightful.domain.errors import ConflictError, NotFoundError
from rightful.domain.lifecycle import Role, Status
from rightful.domain.packages import SENDABLE, PackageStatus, check_package_move
from rightful.domain.staff import Principal
from rightful.services.audit import digest
from rightful.services.declarations import AccountHolder, disclosure_wait
from rightful.services.exclusion_rows import changed_since
from rightful.services.gate import findings_of, latest_run
from rightful.services.packaging import PackageService

__all__ = ["NotDeliverableError", "PackageReview", "ReviewView"]


@dataclass
class ReviewView:
    """What a reviewer decides on: counts, categories, the gate's verdict and a sample."""

    package: PackageRow
    gate: GateRunRow | None
    findings: list[GateFindingRow]
    sample: list[dict[str, Any]] = field(default_factory=list)
    build_error: str | None = None  # of a failed build: the error's type, as audited

    def as_json(self) -> dict[str, Any]:
        """The view as plain data (CLI --json and the API)."""
        p, run = self.package, self.gate
        return {
            "package_id": p.id, "request_id": p.request_id, "status": p.status,
            "manifest_sha256": p.manifest_sha256,
            "approved_manifest_sha256": p.approved_manifest_sha256,
            "counts": {"items": p.item_count, "records": p.record_count, "files": p.blob_count,
                       "attachments": p.attachment_count, "file_bytes": p.blob_bytes,
                       "missing_files": p.missing_blobs},
            "by_category": p.counts_by_category, "by_collection": p.counts_by_collection,
            "withheld": p.withheld,
            "missing_files": p.missing_files or [],
            "gate": None if run is None else {
                "passed": run.passed, "items_checked": run.items_checked,
                "checked": run.checked, "failures": run.failures,
                "offending_items": run.offending_items, "incident_id": run.incident_id,
                "seconds": run.seconds,
            },
            "findings": [{"item": f.item_id, "check": f.check, "reason": f.reason,
                          "collection": f.collection, "key": f.item_key} for f in self.findings],
            "sample": self.sample,
            "build_error": self.build_error,
        }  # fmt: skip


class PackageReview:
    """Review, approval and the delivery check, on top of the package service."""

    def __init__(self, packages: PackageService) -> None:
        self.packages = packages
        self.store, self.audit, self.clock = packages.store, packages.audit, packages.clock

    def review(
        self,
        package_id: str,
        by: Principal,
        *,
        sample: int | None = None,
        include_content: bool = False,
    ) -> ReviewView:
        """Counts, categories, gate results and a sample of items (metadata only unless asked).
        The audit entry says how many rows' values the view holds, not whether they were asked
        for: a failed or empty package, or a sample of files only, shows none."""
        by.require(Role.REVIEWER)
        size = sample if sample is not None else self.packages.config.review_sample
        with self.store.transaction() as session:
            package = self.packages.load(session, package_id)
            run = latest_run(session, package_id)
            findings = findings_of(session, run.id) if run else []
        view = ReviewView(package, run, findings)
        if package.status == PackageStatus.FAILED.value:
            view.build_error = self._build_error(package)
        if package.stored_size is not None and size > 0:
            view.sample = self._sample(package, size, include_content)
        shown = sum("values" in item for item in view.sample)
        with self.store.transaction() as session:
            self.audit.record(
                session, by.id, by.role_name, "package.reviewed", package.request_id,
                package_id=package.id, sample=size, with_values=shown > 0, values_shown=shown,
            )  # fmt: skip
        return view

    def _build_error(self, package: PackageRow) -> str | None:
        """The type of the error that failed the package's build, when the build recorded it."""
        for entry in reversed(self.audit.timeline(package.request_id)):
            failed = entry.action in ("package.build_failed", "package.build_lost")
            if failed and entry.summary.get("package_id") == package.id:
                error = entry.summary.get("error")
                return error if isinstance(error, str) else None
        return None

    def _sample(
        self, package: PackageRow, size: int, include_content: bool
    ) -> list[dict[str, Any]]:
        with self.packages.zip_of(package) as archive, archive.open("manifest.json") as manifest:
            chosen = _reservoir(_manifest_items(manifest), size, random.Random(package.id))
            if include_content:
                _attach_rows(archive, chosen)
        return chosen

    def approve(self, package_id: str, by: Principal) -> PackageRow:
        """Approve a gated package: the manifest's hash, re-read from storage, is recorded."""
        by.require(Role.REVIEWER)
        package = self.packages.get(package_id)
        stored = self.packages.stored_manifest_sha256(package)
        with self.store.transaction() as session:
            package = self.packages.load(session, package_id, lock=True)
            check_package_move(PackageStatus(package.status), PackageStatus.APPROVED)
            _require_gate(latest_run(session, package.id), package.manifest_sha256)
            if changed_since(session, package.request_id, package.created_at):
                raise ConflictError(
                    "rows or fields were left out or put back after this package was built; "
                    "build it again (rightful package build)"
                )
            if stored != package.manifest_sha256:
                raise NotDeliverableError("the stored manifest differs from the one built")
            request = self._request(session, package)
            _require_disclosure_proof(session, request, self.packages.requests.account_holder)
            package.status = PackageStatus.APPROVED.value
            package.approved_manifest_sha256, package.approved_by = stored, by.id
            package.approved_at = self.clock.now()
            self.packages.requests.move_in(session, request, Status.APPROVED, by,
                                           "package approved")  # fmt: skip
            self.audit.record(
                session,
                by.id,
                by.role_name,
                "package.approved",
                package.request_id,
                package_id=package.id,
                manifest_sha256=stored,
            )
            return package

    def send_back(self, package_id: str, by: Principal, reason: str) -> PackageRow:
        """Refuse the package with a reason; the request returns to collecting."""
        by.require(Role.REVIEWER)
        if not reason.strip():
            raise ConflictError("sending a package back needs a reason")
        with self.store.transaction() as session:
            package = self.packages.load(session, package_id, lock=True)
            check_package_move(PackageStatus(package.status), PackageStatus.SENT_BACK)
            package.status = PackageStatus.SENT_BACK.value
            package.sent_back_reason = reason.strip()
            self.packages.requests.move_in(
                session, self._request(session, package), Status.COLLECTING, by, reason.strip()
            )
            self.audit.record(
                session,
                by.id,
                by.role_name,
                "package.sent_back",
                package.request_id,
                package_id=package.id,
                reason_sha256=digest(reason.strip()),
            )
            return package

    def assert_deliverable(self, package_id: str) -> PackageRow:
        """The package if it may be delivered now; NotDeliverableError otherwise.

        Approved, passed by the gate for this very manifest, and the manifest stored now hashes
        to what the reviewer approved: a package changed after approval cannot go out.
        """
        with self.store.transaction() as session:
            package = session.get(PackageRow, package_id)
            if package is None:
                raise NotFoundError(f"no package {package_id}")
            if package.status not in SENDABLE:
                raise NotDeliverableError(f"the package is {package.status}, not approved")
            _require_gate(latest_run(session, package.id), package.manifest_sha256)
        if package.approved_manifest_sha256 != package.manifest_sha256:
            raise NotDeliverableError("the package differs from what was approved")
        try:
            stored = self.packages.stored_manifest_sha256(package)
        except (TamperedError, zipfile.BadZipFile, KeyError) as exc:
            raise NotDeliverableError("the stored package cannot be read intact") from exc
        if stored != package.approved_manifest_sha256:
            raise NotDeliverableError("the stored package differs from what was approved")
        return package

    def _request(self, session: Any, package: PackageRow) -> RequestRow:
        row = session.get(RequestRow, package.request_id)
        if row is None:
            raise NotFoundError(f"no request {package.request_id}")
        return row  # type: ignore[no-any-return]


def _require_gate(run: GateRunRow | None, manifest_sha256: str | None) -> None:
    if run is None or not run.passed:
        raise NotDeliverableError("the leak gate has not passed this package")
    if manifest_sha256 is None or run.manifest_sha256 != manifest_sha256:
        raise NotDeliverableError("the leak gate checked another manifest than this one")


def _manifest_items(stream: Any) -> Any:
    """Items of a manifest as this package writer lays it out: one item per line."""
    inside = False
    for raw in stream:
        line = raw.decode("utf-8").strip()
        if line.startswith('"items": ['):
            inside = True
        elif inside and line.startswith("{"):
            yield json.loads(line.rstrip(","))


def _reservoir(items: Any, size: int, rng: random.Random) -> list[dict[str, Any]]:
    chosen: list[dict[str, Any]] = []
    for n, item in enumerate(items):
        if n < size:
            chosen.append(item)
        elif (j := rng.randrange(n + 1)) < size:
            chosen[j] = item
    return sorted(chosen, key=lambda i: i["id"])


def _attach_rows(archive: Any, items: list[dict[str, Any]]) -> None:
    """Put the row values into sampled record items (a reviewer asked for contents)."""
    wanted: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
    for item in items:
        if item["kind"] == "record":
            wanted[item["path"]][item["row"]] = item
    for path, rows in wanted.items():
        with archive.open(path) as stream:
            index = -1
            for raw in stream:
                line = raw.decode("utf-8").strip().rstrip(",")
                if len(line) > 1 and line.startswith("{") and line.endswith("}"):
                    index += 1
                    if index in rows:
                        rows[index]["values"] = json.loads(line)


def _require_disclosure_proof(
    session: Any, request: RequestRow, account_holder: AccountHolder | None
) -> None:
    """A CCPA package built before §7061(b)'s or §7062's proof was asked for (an installation
    upgraded with one in review) goes no further until the requester gives it."""
    waiting = disclosure_wait(session, request, account_holder=account_holder)
    if waiting is not None:
        raise ConflictError(f"this package cannot be approved yet: {waiting}")
