"""Building a request's access package: collect, stream into an encrypted ZIP, run the leak gate.

A build is one pass: records stream from the collector into the ZIP, which streams through the
encrypting writer into the package store. The gate then re-derives every item from the sources
with its own queries; only its verdict can make the package reviewable.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any, Final, Protocol

from sqlalchemy.orm import Session

from rightful.adapters.db.base import Store
from rightful.adapters.db.packages import AttachmentRow, PackageRow
from rightful.adapters.packaging.index import prepare_index
from rightful.adapters.sources import OpenSources
from rightful.adapters.storage.encryption import EncryptingWriter, new_data_key
from rightful.adapters.storage.write_behind import written_behind
from rightful.domain.clock import Clock
from rightful.domain.datamap import DataMap
from rightful.domain.datamap_graph import plan_traversal, withheld_collections
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.errors import ConflictError
from rightful.domain.exclusions import Exclusions
from rightful.domain.identities import IdentityPolicy
from rightful.domain.lifecycle import TERMINAL, Role, Status
from rightful.domain.never_disclosed import (
    CCPA_NEVER_DISCLOSED,
    Undisclosed,
    applies,
    never_disclosed,
)
from rightful.domain.package_ports import KeyWrapper, ObjectWriter, PackageStore
from rightful.domain.packages import (
    PackageStatus,
    check_package_move,
)
from rightful.domain.provenance import CollectedRecord, SubjectKey
from rightful.domain.requests import ANSWERED_WITH_PACKAGE, RequestType
from rightful.domain.sensitivity import Sensitivity
from rightful.domain.staff import SYSTEM, Principal
from rightful.services.attachments import AttachmentService, rows_of
from rightful.services.audit import AuditService
from rightful.services.build_heartbeat import Heartbeat, still_building, taken_for_lost
from rightful.services.build_meta import BuildMeta, BuildOutput
from rightful.services.exclusion_rows import in_force
from rightful.services.gate import TimedReport, record_verdict, run_gate
from rightful.services.gate_items import ManifestItems
from rightful.services.old_objects import older_objects_frozen
from rightful.services.package_build import PackageBuilder
from rightful.services.package_keys import subject_pseudonym
from rightful.services.requests import RequestService
from rightful.services.stored_packages import StoredPackages
from rightful.services.subjects import CollectionSeed, SubjectService

log = logging.getLogger("rightful.packaging")
# After this many failed builds in a row the daily job stops trying; the request waits for staff.
BUILD_ATTEMPTS: Final = 3
REPLACEABLE: Final = (PackageStatus.READY, PackageStatus.BLOCKED, PackageStatus.SENT_BACK)
# A verified request starts collecting with its first build; a collecting one is built again.
BUILDS_FROM: Final = (Status.VERIFIED, Status.COLLECTING)
BEING_BUILT: Final = "a package for this request is being built right now"
STEPPED_UP: Final = "the requester verified further; built again with what that releases"


class Collector(Protocol):
    """What builds call to collect: `rightful.services.collection.collect` has this shape."""

    def __call__(
        self, datamap: DataMap, sources: Any, identities: Any, subject_key: SubjectKey, *,
        max_sensitivity: Sensitivity | None = ..., clock: Clock | None = ...,
        policy: IdentityPolicy = ...,
    ) -> Iterable[CollectedRecord]: ...  # fmt: skip


SourceOpener = Callable[[], AbstractContextManager[OpenSources]]


@dataclass(frozen=True)
class _Start:
    """What a build starts from, read with its package row."""

    seed: CollectionSeed
    exclusions: Exclusions
    attachments: list[AttachmentRow]


@dataclass(frozen=True)
class PackagingConfig:
    """Settings a build needs (the container fills it from Settings, rightful/wiring/configs.py)."""

    workdir: Path
    signing_key: bytes
    pseudonym_key: bytes
    controller: str
    chunk_size: int = 64 * 1024
    contact: str | None = None
    authority: str | None = None
    review_sample: int = 20
    build_lost_after: timedelta = timedelta(minutes=5)
    ccpa_never_disclosed: tuple[str, ...] = CCPA_NEVER_DISCLOSED


class PackageService(StoredPackages):
    """Builds packages and opens stored ones; every change is audited in its transaction."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        audit: AuditService,
        requests: RequestService,
        subjects: SubjectService,
        datamap: DataMap,
        open_sources: SourceOpener,
        keys: KeyWrapper,
        objects: PackageStore,
        config: PackagingConfig,
        attachments: AttachmentService,
        *,
        open_gate_sources: SourceOpener,
        policy: IdentityPolicy | None = None,
        collector: Collector | None = None,
    ) -> None:
        from rightful.services.collection import collect

        super().__init__(store, clock, audit, keys, objects)
        self.requests, self.subjects, self.attachments = requests, subjects, attachments
        self.datamap, self.plan = datamap, plan_traversal(datamap)
        self.open_sources, self.config = open_sources, config
        # The gate reads the sources over connections of its own, never the collector's.
        self.open_gate_sources = open_gate_sources
        self.policy = policy or IdentityPolicy()
        self.collector: Collector = collector or collect
        prepare_index()

    # --- building ----------------------------------------------------------------------------

    def build(self, request_id: str, by: Principal = SYSTEM) -> PackageRow:
        """Collect, write, encrypt and gate a new package for a verified request (which starts
        collecting with it) or one in `collecting` (a retry, or a package sent back)."""
        if by.role is not None:
            by.require(Role.AGENT)
        package, data_key, meta, start = self._start(request_id, by)
        seed, exclusions, attachments = start.seed, start.exclusions, start.attachments
        alive = Heartbeat(self.store, self.clock, package.id, self.config.build_lost_after)
        try:
            with older_objects_frozen(), alive:
                # The gate reads the package back while the store makes it durable; only a
                # durable package is named, and only a named one gets its verdict.
                with self.objects.writer(package.object_name) as raw:
                    output = self._write(
                        raw, package, meta, seed, data_key, attachments, exclusions, alive
                    )
                    alive.check()
                    timed = self._gate(package, seed, output, attachments, meta.law, raw)
                return self._conclude(package.id, output, timed, by)
        except BaseException as exc:
            self._fail(package.id, by, type(exc).__name__)
            raise

    def build_job(self, request_id: str, queued_at: datetime | None = None) -> dict[str, Any]:
        """A build as a queued job, delivered at least once. A job whose build already started
        (a duplicate or redelivered job: a build started since it was queued, or the request is
        past collecting) gets the outcome of that package instead of a second build, so a
        package the gate blocked waits for staff; a closed request (cancelled, refused, expired
        meanwhile) gets none, and ConflictError says so."""
        with self.store.transaction() as session:
            status = Status(self._request(session, request_id).status)
            since = [p for p in self._packages(session, request_id)
                     if queued_at is not None and p.created_at >= queued_at]  # fmt: skip
        if status in TERMINAL:
            raise ConflictError(f"request {request_id} is {status}; no package is built for it")
        newest = since[-1] if since else None
        if newest is not None and self._still_building(newest, self.clock.now()):
            raise ConflictError(BEING_BUILT)
        if newest is not None and newest.status != PackageStatus.BUILDING.value:
            package = newest  # that build ended: its package is this job's answer
        elif status in BUILDS_FROM:  # no build since it was queued, or one lost with its worker
            package = self.build(request_id, SYSTEM)
        else:
            package = self.current(request_id)
        return {
            "package_id": package.id,
            "request_id": request_id,
            "status": package.status,
            "items": package.item_count,
            "manifest_sha256": package.manifest_sha256,
        }

    def reopen_after_step_up(self, request_id: str) -> bool:
        """A request in review whose package withholds collections that its verification now
        reaches goes back to collecting, by the system and recorded, to be built again; True
        when it did (its ready package is superseded by that build)."""
        seed = self.subjects.seed(request_id)
        reachable = withheld_collections(self.datamap, self.plan, seed.max_sensitivity)
        still_withheld = {w.collection for w in reachable}
        with self.store.transaction() as session:
            request = self._request(session, request_id)
            ready = [p for p in self._packages(session, request_id)
                     if p.status == PackageStatus.READY.value]  # fmt: skip
            if Status(request.status) is not Status.IN_REVIEW or not ready:
                return False
            withheld = {w["collection"] for w in ready[-1].withheld}
            if withheld <= still_withheld:
                return False
            self.requests.move_in(session, request, Status.COLLECTING, SYSTEM, STEPPED_UP)
            return True

    def lost_builds(self, request_ids: Iterable[str]) -> list[str]:
        """Of these collecting requests, those whose build was lost and is due again: its last
        build failed, or stopped beating (its process ended mid-build: no heartbeat for
        `build_lost_after`) or ran for longer than STALE_BUILD, or the
        request was sent back to collecting for a step-up and the build that follows never
        ran. A package that was blocked or sent back by a reviewer waits for staff, and so
        does a request whose last BUILD_ATTEMPTS builds all failed (logged by id each time)."""
        lost: list[str] = []
        now = self.clock.now()
        with self.store.transaction() as session:
            for request_id in request_ids:
                packages = self._packages(session, request_id)
                if packages and self._lost(packages[-1], now):
                    if _failures_in_a_row(packages) < BUILD_ATTEMPTS:
                        lost.append(request_id)
                    else:
                        log.warning(
                            "request %s: its last %d builds failed; it waits for staff "
                            "(rightful package build)",
                            request_id,
                            BUILD_ATTEMPTS,
                        )
        return lost

    def _start(self, request_id: str, by: Principal) -> tuple[PackageRow, bytes, BuildMeta, _Start]:
        """The package row, its data key and metadata, and what the build starts from, read in
        one transaction with the request locked: the subject and identities it collects for,
        what reviewers left out (the approval compares exclusions with its time), and the
        staff attachments."""
        now = self.clock.now()
        data_key = new_data_key()
        wrapped = self.keys.wrap(data_key)
        package_id = str(uuid.uuid4())
        with self.store.transaction() as session:
            # Locked: a second delivery of the same job waits here, then sees this build.
            request = self._request(session, request_id, lock=True)
            seed = self.subjects.seed_in(session, request)
            status, kind = Status(request.status), RequestType(request.type)
            if kind not in ANSWERED_WITH_PACKAGE:  # its proof was not asked for a copy
                raise ConflictError(f"a package answers a request for access or portability, "
                                    f"not one for {kind.value}")  # fmt: skip
            if status not in BUILDS_FROM:
                raise ConflictError(
                    f"a package is built for a verified or collecting request, not {status}"
                )
            if status is Status.VERIFIED:
                self.requests.move_in(session, request, Status.COLLECTING, by, "collection started")
            self._retire_older(session, request_id, by)
            package = PackageRow(
                id=package_id, request_id=request_id, status=PackageStatus.BUILDING.value,
                language=request.language, created_at=now, created_by=by.id, heartbeat_at=now,
                subject_pseudonym=subject_pseudonym(self.config.pseudonym_key, seed.subject),
                object_name=f"packages/{package_id}.rfpk", master_key_id=wrapped.key_id,
                wrapped_key=wrapped.blob, chunk_size=self.config.chunk_size,
            )  # fmt: skip
            session.add(package)
            self.audit.record(
                session,
                by.id,
                by.role_name,
                "package.build_started",
                request_id,
                package_id=package_id,
                key_id=wrapped.key_id,
            )
            received, law = request.received_at, Jurisdiction(request.jurisdiction)
            start = _Start(seed, in_force(session, request_id), rows_of(session, request_id))
            ccpa = applies(law, RequestType(request.type))
        meta = self._meta(package, received, law, self._never_disclosed if ccpa else {})
        return package, data_key, meta, start

    def _retire_older(self, session: Session, request_id: str, by: Principal) -> None:
        now = self.clock.now()
        for older in self._packages(session, request_id):
            status = PackageStatus(older.status)
            if self._still_building(older, now):
                raise ConflictError(BEING_BUILT)
            if status is PackageStatus.BUILDING:
                self._declare_lost(session, older, by)
            elif status in REPLACEABLE:
                check_package_move(status, PackageStatus.SUPERSEDED)
                older.status = PackageStatus.SUPERSEDED.value

    def _declare_lost(self, session: Session, lost: PackageRow, by: Principal) -> None:
        """A build that stopped beating (or outran STALE_BUILD) is failed, audited by id, and
        whatever it stored is deleted; should it still be running after all, it stops at its
        next record or its conclusion, and deletes what it wrote then (`_fail`)."""
        silent = self.clock.now() - (lost.heartbeat_at or lost.created_at)
        lost.status = PackageStatus.FAILED.value
        self.objects.delete(lost.object_name)
        self.audit.record(
            session, by.id, by.role_name, "package.build_lost", lost.request_id,
            package_id=lost.id, error="BuildLost", silent_seconds=int(silent.total_seconds()),
        )  # fmt: skip
        log.warning("package %s of request %s: its build was lost; built again",
                    lost.id, lost.request_id)  # fmt: skip

    def _write(
        self,
        raw: ObjectWriter,
        package: PackageRow,
        meta: BuildMeta,
        seed: CollectionSeed,
        data_key: bytes,
        attachments: list[AttachmentRow],
        exclusions: Exclusions,
        alive: Heartbeat,
    ) -> BuildOutput:
        # Spooled files that outgrow memory become unnamed temporary files in the work folder,
        # gone when closed: a build needs no folder of its own (making one cost 0.3 ms).
        workdir = self.config.workdir
        workdir.mkdir(parents=True, exist_ok=True, mode=0o700)
        withheld = withheld_collections(self.datamap, self.plan, seed.max_sensitivity)
        with self.open_sources() as opened, written_behind(raw) as behind:
            sink = EncryptingWriter(
                behind, data_key, package.chunk_size, behind.buffer, behind.batch, behind.reuse
            )
            builder = PackageBuilder(
                sink, meta, self.datamap, opened.blobs, workdir, withheld, exclusions
            )
            try:
                builder.add_records(self._collect(opened, seed, alive))
                self.attachments.add_to(
                    builder, attachments, seed.subject, opened, self.open_attachment
                )
                behind.read_soon()  # what finish() writes, the gate reads back at once
                output = builder.finish()
            except BaseException:
                builder.abort()
                raise
            sink.close()
        output.stored_size, output.plaintext_size = sink.stored, sink.plaintext_size
        return output

    def _collect(
        self, opened: OpenSources, seed: CollectionSeed, alive: Heartbeat
    ) -> Iterator[CollectedRecord]:
        run = self.collector(
            self.datamap, opened.records, list(seed.identities), seed.subject,
            max_sensitivity=seed.max_sensitivity, clock=self.clock, policy=self.policy,
        )  # fmt: skip
        try:
            for record in run:
                alive.check()  # an event's flag: free next to the record it guards
                yield record
        finally:
            close = getattr(run, "close", None)
            if close is not None:
                close()

    def _gate(
        self,
        package: PackageRow,
        seed: CollectionSeed,
        output: BuildOutput,
        attachments: list[AttachmentRow],
        law: str,
        stored: ObjectWriter,
    ) -> TimedReport:
        """Run the gate over the package as stored: its manifest, read back and decrypted; the
        attachments are the rows the build added from (read once, before the build). What a
        CCPA package must hold back is worked out again here, not taken from the build."""
        by_id = {a.id: a for a in attachments}
        held_back = (
            never_disclosed(self.datamap, self.config.ccpa_never_disclosed)
            if law == Jurisdiction.CCPA.value
            else {}
        )
        # Other connections: the gate shares nothing with the collector but the data map.
        with (
            stored.read_back() as back,
            self.zip_of(package, output.stored_size, back) as archive,
            self.open_gate_sources() as fresh,
        ):
            items = ManifestItems(archive, by_id, self.policy)
            timed = run_gate(
                self.datamap, self.plan, fresh.records, seed.subject, items,
                seed.max_sensitivity, held_back,
            )  # fmt: skip
        if items.sha256 != output.manifest_sha256:
            raise ConflictError("the stored manifest is not the one written; nothing is released")
        return timed

    def _conclude(
        self, package_id: str, output: BuildOutput, timed: TimedReport, by: Principal
    ) -> PackageRow:
        with self.store.transaction() as session:
            package = self.load(session, package_id, lock=True)
            if package.status != PackageStatus.BUILDING.value:
                raise taken_for_lost(package.id, package.status)
            _fill(package, output, self.clock)
            run = record_verdict(
                session, self.audit, self.clock, package, output.manifest_sha256, timed
            )
            self.audit.record(
                session, by.id, by.role_name, "package.built", package.request_id,
                package_id=package.id, manifest_sha256=output.manifest_sha256,
                items=output.items, records=output.records, blobs=output.blobs,
                attachments=output.attachments, passed=run.passed,
            )  # fmt: skip
            request = self._request(session, package.request_id, lock=True)
            if Status(request.status) is not Status.COLLECTING:
                raise ConflictError(
                    f"request {request.id} became {request.status} during the build; "
                    "its package is discarded"
                )
            if run.passed:
                self.requests.move_in(
                    session,
                    request,
                    Status.IN_REVIEW,
                    SYSTEM,
                    "package built and passed the leak gate",
                )
            return package

    def _fail(self, package_id: str, by: Principal, error: str) -> None:
        """Mark the package failed and delete its object; the audit entry keeps the error's
        type (never its message, which may quote data) for `package show`. A build taken for
        lost meanwhile was failed and audited by the build that replaced it: its object, which
        this build may have stored since, is deleted all the same (another package's object
        never is: each build writes under its own package id)."""
        try:
            with self.store.transaction() as session:
                package = self.load(session, package_id, lock=True)
                self.objects.delete(package.object_name)
                if package.status == PackageStatus.BUILDING.value:
                    package.status = PackageStatus.FAILED.value
                    self.audit.record(
                        session,
                        by.id,
                        by.role_name,
                        "package.build_failed",
                        package.request_id,
                        package_id=package.id,
                        error=error,
                    )
        except Exception:  # the original error matters more; this one is logged
            log.exception("could not mark package %s as failed", package_id)

    def _meta(
        self, package: PackageRow, received: datetime, law: Jurisdiction, undisclosed: Undisclosed
    ) -> BuildMeta:
        c = self.config
        return BuildMeta(
            package.id,
            package.request_id,
            package.language,
            package.subject_pseudonym,
            self.clock.now(),
            received,
            c.controller,
            c.signing_key,
            c.contact,
            c.authority,
            undisclosed,
            law.value,
        )

    @cached_property
    def _never_disclosed(self) -> Undisclosed:
        """The fields a CCPA package leaves empty (§7024(d)), worked out once."""
        return never_disclosed(self.datamap, self.config.ccpa_never_disclosed)

    def _still_building(self, package: PackageRow, now: datetime) -> bool:
        return still_building(package, now, self.config.build_lost_after)

    def _lost(self, newest: PackageRow, now: datetime) -> bool:
        status = PackageStatus(newest.status)
        if status is PackageStatus.BUILDING:
            return not self._still_building(newest, now)
        return status in (PackageStatus.FAILED, PackageStatus.READY)


def _failures_in_a_row(packages: list[PackageRow]) -> int:
    failed = PackageStatus.FAILED.value
    return next((n for n, p in enumerate(reversed(packages)) if p.status != failed), len(packages))


def _fill(package: PackageRow, output: BuildOutput, clock: Clock) -> None:
    package.built_at = clock.now()
    package.stored_size, package.plaintext_size = output.stored_size, output.plaintext_size
    package.withheld = list(output.withheld)
    package.missing_blobs, package.missing_files = output.missing_blobs, output.missing_files
    package.manifest_sha256 = output.manifest_sha256
    package.signing_key_id = output.signing_key_id
    package.item_count, package.record_count = output.items, output.records
    package.blob_count, package.attachment_count = output.blobs, output.attachments
    package.blob_bytes = output.blob_bytes
    package.counts_by_category = dict(output.by_category)
    package.counts_by_collection = dict(output.by_collection)
