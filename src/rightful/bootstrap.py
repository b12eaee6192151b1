"""The composition root: the one place that wires settings, store and adapters into services.

The Container says which service gets which parts; how each part is made from the settings
lives in `rightful.wiring` (adapters, keys, configs). Services are imported on first use, so
that a command loads only those it needs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property, partial
from typing import TYPE_CHECKING

from rightful.domain.clock import Clock, SystemClock
from rightful.domain.datamap import DataMap
from rightful.domain.errors import ConfigurationError
from rightful.domain.identities import Identity, IdentityPolicy, IdentityType
from rightful.domain.key_ring import KeyRing
from rightful.domain.lifecycle import Status
from rightful.domain.messaging import Mailer, Outbox, SmsSender
from rightful.domain.package_ports import KeyWrapper
from rightful.domain.packages import PackageStatus
from rightful.domain.provenance import SubjectKey
from rightful.domain.requests import ANSWERED_WITH_PACKAGE, RequestType
from rightful.domain.sources import BlobStore
from rightful.domain.verification import required_for
from rightful.settings import Settings, load_settings
from rightful.wiring import adapters, configs, keys
from rightful.wiring.adapters import account_assertions, make_data_dir
from rightful.wiring.configs import code_policy

if TYPE_CHECKING:
    from rightful.adapters.db.base import Store
    from rightful.adapters.mail.sink import MailSink
    from rightful.adapters.queue.package_jobs import CeleryPackageJobs, InlinePackageJobs
    from rightful.adapters.sources import OpenSources
    from rightful.adapters.sources.pool import SourcePool
    from rightful.adapters.storage.filesystem import FilesystemPackageStore
    from rightful.adapters.storage.keys import KeyFolder
    from rightful.adapters.throttle import SubmissionThrottle
    from rightful.domain.notices import OptOutOffer, Practices
    from rightful.services.approvals import ApprovalService
    from rightful.services.attachments import AttachmentService
    from rightful.services.audit import AuditService
    from rightful.services.declarations import AccountHolder, DeclarationService
    from rightful.services.deletions import DeletionProof
    from rightful.services.documents import DocumentFiles
    from rightful.services.exclusions import ExclusionService
    from rightful.services.figures import FigureReader
    from rightful.services.idempotency import IdempotentIntake
    from rightful.services.incident_scope import ScopeCalculator
    from rightful.services.incidents import IncidentService
    from rightful.services.notices import MailNotices
    from rightful.services.opendsr import OpenDsrService
    from rightful.services.package_review import PackageReview
    from rightful.services.packaging import PackageService
    from rightful.services.paper_declarations import PaperDeclarationService
    from rightful.services.readiness import ReadinessProbe
    from rightful.services.request_mail import RequestNoticeMail
    from rightful.services.request_report import RequestReporter
    from rightful.services.requests import RequestService
    from rightful.services.restrictions import RestrictionService
    from rightful.services.subjects import SubjectService
    from rightful.services.verification import VerificationService

__all__ = [
    "Container",
    "account_assertions",
    "code_policy",
    "existing_container",
    "get_container",
    "make_data_dir",
    "set_container",
]


@dataclass
class Container:
    """Everything a request handler, command or task needs, built once per process."""

    settings: Settings
    clock: Clock = field(default_factory=SystemClock)

    @cached_property
    def store(self) -> Store:
        return adapters.open_store(self.settings)

    @cached_property
    def audit(self) -> AuditService:
        from rightful.services.audit import AuditService

        key = keys.audit_signing_key(self.settings, lambda: self.store)
        return AuditService(
            self.store, key, self.clock, checkpoint_every=self.settings.audit_checkpoint_every
        )

    @cached_property
    def requests(self) -> RequestService:
        from rightful.services.requests import RequestService

        return RequestService(
            self.store, self.clock, self.audit, self.settings, self.notice_mail,
            self._general_practices, self.deletions.required, self._opt_out_offer,
            self.account_holder,
        )  # fmt: skip

    @cached_property
    def deletions(self) -> DeletionProof:
        """The proof a CCPA deletion needs (§7061(b), §7062(d)): the account holders are those
        this installation can re-authenticate (an assertion issuer is set); the data is
        sensitive when the data map holds data of high sensitivity."""
        from rightful.domain.declarations import holds_sensitive
        from rightful.services.deletions import DeletionProof

        return DeletionProof(self.account_holder or (lambda subject: False),
                             lambda: holds_sensitive(self.datamap))  # fmt: skip

    @property
    def account_holder(self) -> AccountHolder | None:
        """Whether a bound subject holds an account to sign in with before a CCPA disclosure or
        deletion (§7061(b)); None without an assertion issuer: nobody can sign in here."""
        return self._account_holder if self.settings.account_assertion_issuer else None

    def _account_holder(self, subject: SubjectKey) -> bool:
        from rightful.services.deletions import holds_account

        kind = IdentityType(self.settings.account_assertion_identity)
        with self.open_binding_sources() as opened:
            return holds_account(self.datamap, opened.records, kind, subject)

    @cached_property
    def idempotency(self) -> IdempotentIntake:
        """Intake that takes a submission with a key (a form token, an Idempotency-Key) once."""
        from rightful.services.idempotency import IdempotentIntake

        return IdempotentIntake(
            self.store, self.clock, self.requests, lambda: self.web_keys("idempotency")
        )

    @cached_property
    def notice_mail(self) -> RequestNoticeMail:
        """Mails the notices recorded on requests and keeps what became of each."""
        from rightful.services.not_mine import ACK, acknowledgement
        from rightful.services.request_mail import RequestNoticeMail

        return RequestNoticeMail(
            lambda: self.mail_notices, self.store, self.audit, self.clock,
            composers={ACK: acknowledgement(lambda: self.web_keys("not-mine-confirm"))},
        )  # fmt: skip

    def web_keys(self, purpose: str) -> KeyRing:
        """A key derived from the web secret (`web_secret`, else the one kept in data_dir), and
        those derived from `web_previous_secrets` (to check what was made under them)."""
        return keys.web_keys(self.settings, purpose)

    def _general_practices(self, language: str) -> Practices | None:
        """What the data map says the business collects, in general (None without one)."""
        from rightful.services.practices import general_practices

        try:
            datamap = self.datamap
        except ConfigurationError:
            return None
        return general_practices(datamap, language)

    def _opt_out_offer(self, language: str) -> OptOutOffer | None:
        """How to opt out of sale or sharing, where the data map declares either (§7062(f))."""
        from rightful.services.practices import opt_out_offer

        try:
            datamap = self.datamap
        except ConfigurationError:
            return None
        s = self.settings
        return opt_out_offer(datamap, s.public_base_url, s.ccpa_opt_out_notice_url, language)

    @cached_property
    def restrictions(self) -> RestrictionService:
        from rightful.services.restrictions import RestrictionService

        return RestrictionService(self.store, self.clock, self.audit, self.settings, self.requests)

    @cached_property
    def package_signing_key(self) -> bytes:
        """The Ed25519 key that signs packages and OpenDSR answers (made on first use)."""
        return keys.package_signing_key(self.settings)

    @cached_property
    def opendsr(self) -> OpenDsrService:
        from rightful.services.opendsr import OpenDsrService

        return OpenDsrService(
            self.store, self.clock, self.audit, self.requests, self.verification,
            self.package_signing_key, self.settings.controller_name or "",
        )  # fmt: skip

    @cached_property
    def mail_notices(self) -> MailNotices:
        """The messages to requesters after intake: notices, links, codes."""
        from rightful.services.notices import MailNotices, NoticeConfig

        s = self.settings
        config = NoticeConfig(s.controller_name, s.public_base_url, s.zone)
        return MailNotices(self.mailer, self.sms_sender, self.outbox, config)

    @cached_property
    def submissions(self) -> SubmissionThrottle:
        """How many requests one network address may submit through the public doors."""
        from rightful.adapters.throttle import SubmissionThrottle

        return SubmissionThrottle(
            self.settings.submissions_per_hour, self.settings.throttle_storage
        )

    # --- the estate: data map and sources of personal data ----------------------------------

    @cached_property
    def datamap(self) -> DataMap:
        """The data map in force (RIGHTFUL_DATAMAP_FILES)."""
        return adapters.load_configured_datamap(self.settings)

    @cached_property
    def sources(self) -> SourcePool:
        """Record sources by name, connections kept per thread (identity look-ups)."""
        return self._source_pool()

    @cached_property
    def blob_stores(self) -> Mapping[str, BlobStore]:
        from rightful.adapters.sources.pool import blob_stores

        return blob_stores(self.settings.sources)

    @cached_property
    def build_sources(self) -> SourcePool:
        """Connections that builds collect over, kept per thread between requests."""
        return self._source_pool()

    @cached_property
    def gate_sources(self) -> SourcePool:
        """The leak gate's own connections: it shares none with the collector."""
        return self._source_pool()

    def _source_pool(self) -> SourcePool:
        """A pool of connections of its own, to the sources the data map uses."""
        from rightful.adapters.sources.pool import SourcePool

        dm = self.datamap
        return SourcePool(self.settings.sources, {n: dm.schema_of(n) for n in dm.sources})

    def close(self) -> None:
        """Release connections (sources and the store)."""
        for pool in ("sources", "build_sources", "gate_sources"):
            if pool in self.__dict__:
                self.__dict__[pool].close()
        if "store" in self.__dict__:
            self.store.engine.dispose()

    # --- identity verification (needs `datamap` and `sources`) -------------------------------

    @cached_property
    def identity_policy(self) -> IdentityPolicy:
        s = self.settings
        return IdentityPolicy(s.email_local_part_case_sensitive, s.default_phone_region)

    @cached_property
    def mailer(self) -> Mailer:
        return adapters.smtp_mailer(self.settings)

    @cached_property
    def sms_sender(self) -> SmsSender | None:
        """The SMS gateway `sms_backend` names; None where SMS is not offered."""
        return adapters.sms_sender(self.settings)

    @cached_property
    def outbox(self) -> Outbox:
        from rightful.adapters.outbox import ThreadOutbox

        return ThreadOutbox()

    @cached_property
    def mail_sink(self) -> MailSink:
        """The demo's local SMTP server (started only by `rightful demo`)."""
        from rightful.adapters.mail.sink import MailSink

        return MailSink(self.settings.smtp_host, self.settings.smtp_port)

    @cached_property
    def subjects(self) -> SubjectService:
        from rightful.services.package_keys import pseudonym_key, subject_pseudonym
        from rightful.services.subjects import SubjectService

        on_bound = self.start_collection if self.settings.collect_when_verified else None
        key = pseudonym_key(self.settings)
        return SubjectService(
            self.store, self.clock, self.audit, self.requests, self._subjects_of,
            partial(subject_pseudonym, key), on_bound, self.send_waiting_link,
        )  # fmt: skip

    @cached_property
    def declarations(self) -> DeclarationService:
        from rightful.services.declarations import DeclarationService

        on_ready = self.start_collection if self.settings.collect_when_verified else None
        return DeclarationService(self.store, self.clock, self.audit, on_ready,
                                  self.deletions.wait, self.account_holder)  # fmt: skip

    @cached_property
    def paper_declarations(self) -> PaperDeclarationService:
        from rightful.services.paper_declarations import PaperDeclarationService

        on_ready = self.start_collection if self.settings.collect_when_verified else None
        return PaperDeclarationService(self.store, self.clock, self.audit, self.document_files,
                                       self.settings.authority_max_bytes, on_ready,
                                       self.account_holder)  # fmt: skip

    def start_collection(self, request_id: str) -> None:
        """Build the package of a verified request that is answered with one (access,
        portability), or build it again when a further proof releases collections its package
        in review withholds: now, or on a worker. Nobody waits; the outcome is the package."""
        request = self.requests.get(request_id)
        if RequestType(request.type) not in ANSWERED_WITH_PACKAGE:
            return
        if self.declarations.waiting_for(request_id) is not None:
            return  # the requester is told what is missing; their next proof hands it on
        in_review = Status(request.status) is Status.IN_REVIEW
        if in_review and not self.packages.reopen_after_step_up(request_id):
            return
        self.package_jobs.start(request_id)

    def send_waiting_link(self, request_id: str) -> None:
        """Mail the link of an approved request's package that waited for its requester to
        confirm an e-mail address by a code, now that a further proof came in (nothing when it
        still waits, or nothing waited)."""
        from rightful.bootstrap_web import web_services

        approved = [p.id for p in self.packages.for_request(request_id)
                    if p.status == PackageStatus.APPROVED.value]  # fmt: skip
        if approved:
            web_services(self).delivery.deliver_confirmed(request_id, approved[0])

    def start_waiting_collections(self) -> int:
        """Start collection for verified requests still waiting for it (a build that could not
        be queued, or verified while `collect_when_verified` was off), and build again those
        collecting whose build was lost (see PackageService.lost_builds); how many were
        started."""
        started = self._answered_with_package(Status.VERIFIED)
        if collecting := self._answered_with_package(Status.COLLECTING):
            started += self.packages.lost_builds(collecting)
        for request_id in started:
            self.package_jobs.start(request_id)
        return len(started)

    def _answered_with_package(self, status: Status) -> list[str]:
        from rightful.services.request_queries import RequestFilter

        waiting = self.requests.list(RequestFilter(status=status, limit=10_000))
        return [r.id for r in waiting if RequestType(r.type) in ANSWERED_WITH_PACKAGE
                and self.declarations.waiting_for(r.id) is None]  # fmt: skip

    def open_binding_sources(self) -> AbstractContextManager[OpenSources]:
        """This thread's kept connections for binding requests to subjects."""
        return self.sources.borrowed()

    def _subjects_of(self, identities: Sequence[Identity]) -> list[SubjectKey]:
        """The subjects verified identities lead to."""
        from rightful.services.collection import resolve_subjects

        with self.open_binding_sources() as opened:
            return resolve_subjects(
                self.datamap, opened.records, identities, clock=self.clock,
                policy=self.identity_policy,
            )  # fmt: skip

    @cached_property
    def verification(self) -> VerificationService:
        from rightful.services.verification import VerificationService

        return VerificationService(
            self.store,
            self.clock,
            self.audit,
            self.requests,
            self.subjects,
            configs.verification_config(
                self.settings, self.identity_policy, required_for(self.datamap)
            ),
            mailer=self.mailer,
            sms=self.sms_sender,
            outbox=self.outbox,
            assertions=adapters.account_assertions(self.settings),
            deletions=self.deletions,
        )

    @cached_property
    def approvals(self) -> ApprovalService:
        from rightful.services.approvals import ApprovalService

        return ApprovalService(
            self.store,
            self.clock,
            self.audit,
            self.subjects,
            self.identity_policy,
            self.document_files,
            self.settings.authority_max_bytes,
        )

    @cached_property
    def document_files(self) -> DocumentFiles:
        """Identity documents under data_dir, encrypted with keys wrapped like packages'."""
        from rightful.services.documents import DocumentFiles

        return DocumentFiles(self.settings.data_dir, lambda: self.package_keys)

    # --- access packages (needs `datamap`, `subjects`) -------------------------------------

    @cached_property
    def package_objects(self) -> FilesystemPackageStore:
        from rightful.adapters.storage.filesystem import FilesystemPackageStore

        return FilesystemPackageStore(
            self.settings.data_dir / "packages", past_cache=self.settings.package_write_past_cache
        )

    @cached_property
    def package_keys(self) -> KeyWrapper:
        return self._package_key_setup[0]

    @property
    def package_key_folder(self) -> KeyFolder | None:
        """Where generated master keys live; None when they come from settings or a KMS."""
        return self._package_key_setup[1]

    @cached_property
    def _package_key_setup(self) -> tuple[KeyWrapper, KeyFolder | None]:
        from rightful.services.package_keys import package_key_wrapper

        return package_key_wrapper(self.settings)

    def open_sources(self) -> AbstractContextManager[OpenSources]:
        """This thread's connections to every source, kept between requests (builds,
        attachments and incident scopes read over them)."""
        return self.build_sources.borrowed()

    def open_gate_sources(self) -> AbstractContextManager[OpenSources]:
        """The leak gate's own connections to every source, kept between builds."""
        return self.gate_sources.borrowed()

    @cached_property
    def attachments(self) -> AttachmentService:
        from rightful.services.attachments import AttachmentService

        s = self.settings
        return AttachmentService(
            self.store,
            self.clock,
            self.audit,
            self.datamap,
            self.package_keys,
            self.package_objects,
            self.identity_policy,
            self.open_sources,
            max_bytes=s.attachment_max_bytes,
            chunk_size=s.package_chunk_bytes,
        )

    @cached_property
    def packages(self) -> PackageService:
        from rightful.services.packaging import PackageService

        config = configs.packaging_config(self.settings, self.package_signing_key)
        return PackageService(
            self.store,
            self.clock,
            self.audit,
            self.requests,
            self.subjects,
            self.datamap,
            self.open_sources,
            self.package_keys,
            self.package_objects,
            config,
            self.attachments,
            policy=self.identity_policy,
            open_gate_sources=self.open_gate_sources,
        )

    @cached_property
    def package_review(self) -> PackageReview:
        from rightful.services.package_review import PackageReview

        return PackageReview(self.packages)

    @cached_property
    def exclusions(self) -> ExclusionService:
        """Rows and fields left out of packages to protect others (Art. 15(4))."""
        from rightful.services.exclusions import ExclusionService

        return ExclusionService(self.package_review)

    # --- incident response (needs `packages` only when scoping) -----------------------------

    @cached_property
    def incidents(self) -> IncidentService:
        from rightful.services.incidents import IncidentService

        return IncidentService(
            self.store,
            self.clock,
            self.audit,
            configs.incident_policy(self.settings),
            self.mailer,
            self.incident_scopes,
        )

    def incident_scopes(self) -> ScopeCalculator:
        """Scoping reads packages, subjects and sources: built on first use only."""
        from rightful.services.incident_scope import ScopeCalculator
        from rightful.services.package_keys import pseudonym_key

        return ScopeCalculator(self.packages, self.subjects, self.datamap, self.open_sources,
                               pseudonym_key(self.settings))  # fmt: skip

    # --- operations: readiness and figures (GET /readyz, /metrics) ---------------------------

    @cached_property
    def readiness(self) -> ReadinessProbe:
        """The store, the package storage and, with Celery workers, their broker."""
        from rightful.services.readiness import ReadinessProbe

        timeout = self.settings.readiness_timeout_seconds
        return ReadinessProbe(
            self.store, self.package_objects, adapters.broker_ping(self.settings), timeout
        )

    @cached_property
    def figures(self) -> FigureReader:
        from rightful.services.figures import FigureReader

        lost_after = timedelta(seconds=self.settings.build_lost_after_seconds)
        return FigureReader(self.store, self.clock, self.requests, self.incidents,
                            self.notice_mail, self.audit, lost_after)  # fmt: skip

    @cached_property
    def request_report(self) -> RequestReporter:
        """The yearly figures on requests (`rightful report requests`), days in `zone`."""
        from rightful.services.request_report import RequestReporter

        return RequestReporter(self.store, self.clock, self.settings.zone)

    @cached_property
    def package_jobs(self) -> InlinePackageJobs | CeleryPackageJobs:
        """Package builds as jobs, on the backend `queue_backend` names."""
        return adapters.package_jobs(self.settings, self.clock, lambda: self.packages.build_job)


_container: Container | None = None


def get_container() -> Container:
    """The process-wide container, built from the environment on first use."""
    global _container
    if _container is None:
        _container = Container(settings=load_settings())
    return _container


def existing_container() -> Container | None:
    """The process-wide container if one was made (none is made here)."""
    return _container


def set_container(container: Container | None) -> None:
    """Replace the process-wide container (tests, and commands that take --config)."""
    global _container
    _container = container
