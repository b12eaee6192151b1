"""The composition root: the one place that wires settings, store and adapters into services."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING

from rightful.domain.clock import Clock, SystemClock
from rightful.domain.datamap import DataMap
from rightful.domain.errors import ConfigurationError
from rightful.domain.identities import Identity, IdentityPolicy, IdentityType
from rightful.domain.incident_clocks import regimes_from
from rightful.domain.lifecycle import Status
from rightful.domain.messaging import Mailer, Outbox, SmsSender
from rightful.domain.package_ports import KeyWrapper
from rightful.domain.provenance import SubjectKey
from rightful.domain.requests import ANSWERED_WITH_PACKAGE, RequestType
from rightful.domain.sources import BlobStore
from rightful.domain.verification import Assurance, CodePolicy, required_for
from rightful.settings import Settings, load_settings

if TYPE_CHECKING:
    from rightful.adapters.accounts.jwt_assertions import JwtAccountAssertions
    from rightful.adapters.db.base import Store
    from rightful.adapters.mail.sink import MailSink
    from rightful.adapters.queue.package_jobs import CeleryPackageJobs, InlinePackageJobs
    from rightful.adapters.sources import OpenSources, Schema
    from rightful.adapters.sources.pool import SourcePool
    from rightful.adapters.storage.filesystem import FilesystemPackageStore
    from rightful.adapters.storage.keys import KeyFolder
    from rightful.adapters.throttle import SubmissionThrottle
    from rightful.domain.notices import OptOutOffer, Practices
    from rightful.services.approvals import ApprovalService
    from rightful.services.attachments import AttachmentService
    from rightful.services.audit import AuditService
    from rightful.services.declarations import DeclarationService
    from rightful.services.deletions import DeletionProof
    from rightful.services.documents import DocumentFiles
    from rightful.services.exclusions import ExclusionService
    from rightful.services.figures import FigureReader
    from rightful.services.idempotency import IdempotentIntake
    from rightful.services.incident_scope import ScopeCalculator
    from rightful.services.incidents import IncidentPolicy, IncidentService
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
    from rightful.services.verification import VerificationConfig, VerificationService


def make_data_dir(folder: Path) -> None:
    """Make `folder` (and its parents, 0700: it holds the store and the keys) unless it exists;
    ConfigurationError, in one line, when it is a file or cannot be made."""
    from rightful.adapters.files import make_folder

    try:
        make_folder(folder)
    except FileExistsError:
        raise ConfigurationError(f"data_dir {folder} is a file, not a folder") from None
    except OSError as exc:
        raise ConfigurationError(f"cannot make data_dir {folder}: {exc.strerror}") from None


@dataclass
class Container:
    """Everything a request handler, command or task needs, built once per process."""

    settings: Settings
    clock: Clock = field(default_factory=SystemClock)

    @cached_property
    def store(self) -> Store:
        from rightful.adapters.db.base import Store, make_engine

        make_data_dir(self.settings.data_dir)
        return Store(make_engine(self.settings.effective_database_url))

    @cached_property
    def audit(self) -> AuditService:
        from rightful.services.audit import AuditService, load_or_create_signing_key

        path = self.settings.effective_signing_key_file
        if not path.exists() and self._chain_started():
            raise ConfigurationError(
                f"the audit signing key {path} does not exist, but the audit chain already "
                "holds entries: point audit_signing_key_file at the key that signed them (a new "
                "key would make every checkpoint look forged)"
            )
        key = load_or_create_signing_key(path)
        return AuditService(
            self.store, key, self.clock, checkpoint_every=self.settings.audit_checkpoint_every
        )

    def _chain_started(self) -> bool:
        """Whether the audit chain holds an entry (its key then exists somewhere)."""
        from sqlalchemy import exists, inspect, select

        from rightful.adapters.db.audit import AuditEntryRow

        if not inspect(self.store.engine).has_table(AuditEntryRow.__tablename__):
            return False  # no store yet: `rightful init` creates it, and the key
        with self.store.transaction() as session:
            return bool(session.scalar(select(exists().where(AuditEntryRow.seq > 0))))

    @cached_property
    def requests(self) -> RequestService:
        from rightful.services.requests import RequestService

        return RequestService(
            self.store, self.clock, self.audit, self.settings, self.notice_mail,
            self._general_practices, self.deletions.required, self._opt_out_offer,
        )  # fmt: skip

    @cached_property
    def deletions(self) -> DeletionProof:
        """The proof a CCPA deletion needs (§7061(b), §7062(d)): the account holders are those
        this installation can re-authenticate (an assertion issuer is set); the data is
        sensitive when the data map holds data of high sensitivity."""
        from rightful.domain.declarations import holds_sensitive
        from rightful.services.deletions import DeletionProof

        holder = self._account_holder if self.settings.account_assertion_issuer else None
        return DeletionProof(holder or (lambda subject: False),
                             lambda: holds_sensitive(self.datamap))  # fmt: skip

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
            self.store, self.clock, self.requests, lambda: self.web_key("idempotency")
        )

    @cached_property
    def notice_mail(self) -> RequestNoticeMail:
        """Mails the notices recorded on requests and keeps what became of each."""
        from rightful.services.not_mine import ACK, acknowledgement
        from rightful.services.request_mail import RequestNoticeMail

        return RequestNoticeMail(
            lambda: self.mail_notices, self.store, self.audit, self.clock,
            composers={ACK: acknowledgement(lambda: self.web_key("not-mine-confirm"))},
        )  # fmt: skip

    def web_key(self, purpose: str) -> bytes:
        """A key derived from the web secret (`web_secret`, else the one kept in data_dir)."""
        from rightful.services.web_keys import load_or_create_web_secret, subkey

        s = self.settings
        configured = s.web_secret.get_secret_value() if s.web_secret else None
        path = s.data_dir / "keys" / "web_secret"
        return subkey(load_or_create_web_secret(configured, path), purpose)

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
        from rightful.services.audit import load_or_create_signing_key

        return load_or_create_signing_key(
            self.settings.effective_package_signing_key_file, "package signing key"
        )

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
        from rightful.adapters.datamap.fides_yaml import load_datamap

        if not self.settings.datamap_files:
            raise ConfigurationError(
                "no data map configured: set RIGHTFUL_DATAMAP_FILES to your dataset YAML files "
                "(separated by commas), or datamap_files in the TOML file"
            )
        return load_datamap(self.settings.datamap_files)

    @cached_property
    def sources(self) -> SourcePool:
        """Record sources by name, connections kept per thread (identity look-ups)."""
        from rightful.adapters.sources.pool import SourcePool

        return SourcePool(self.settings.sources, self._schemas())

    @cached_property
    def blob_stores(self) -> dict[str, BlobStore]:
        from rightful.adapters.sources.pool import blob_stores

        return blob_stores(self.settings.sources)

    @cached_property
    def build_sources(self) -> SourcePool:
        """Connections that builds collect over, kept per thread between requests."""
        from rightful.adapters.sources.pool import SourcePool

        return SourcePool(self.settings.sources, self._schemas())

    @cached_property
    def gate_sources(self) -> SourcePool:
        """The leak gate's own connections: it shares none with the collector."""
        from rightful.adapters.sources.pool import SourcePool

        return SourcePool(self.settings.sources, self._schemas())

    def _schemas(self) -> dict[str, Schema]:
        dm = self.datamap
        return {name: dm.schema_of(name) for name in dm.sources}

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
        from rightful.adapters.mail.smtp import SmtpMailer

        s = self.settings
        return SmtpMailer(
            s.smtp_host,
            s.smtp_port,
            s.smtp_from,
            security=s.smtp_security,
            username=s.smtp_username,
            password=s.smtp_password.get_secret_value() if s.smtp_password else None,
            ca_file=s.smtp_ca_file,
            timeout=s.smtp_timeout_seconds,
        )

    @cached_property
    def sms_sender(self) -> SmsSender | None:
        """The SMS gateway `sms_backend` names; None where SMS is not offered."""
        s = self.settings
        if s.sms_backend == "log":
            from rightful.adapters.sms.log import LoggingSmsSender

            return LoggingSmsSender()
        if s.sms_backend == "webhook":
            from rightful.adapters.sms.webhook import WebhookSmsSender

            token = s.sms_webhook_token
            return WebhookSmsSender(
                s.sms_webhook_url or "",
                token=token.get_secret_value() if token else None,
                timeout=s.sms_webhook_timeout_seconds,
                ca_file=s.sms_webhook_ca_file,
            )
        return None

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
            partial(subject_pseudonym, key), on_bound,
        )  # fmt: skip

    @cached_property
    def declarations(self) -> DeclarationService:
        from rightful.services.declarations import DeclarationService

        on_ready = self.start_collection if self.settings.collect_when_verified else None
        return DeclarationService(self.store, self.clock, self.audit, on_ready,
                                  self.deletions.wait)  # fmt: skip

    @cached_property
    def paper_declarations(self) -> PaperDeclarationService:
        from rightful.services.paper_declarations import PaperDeclarationService

        on_ready = self.start_collection if self.settings.collect_when_verified else None
        return PaperDeclarationService(self.store, self.clock, self.audit, self.document_files,
                                       self.settings.authority_max_bytes, on_ready)  # fmt: skip

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
            verification_config(self.settings, self.identity_policy, required_for(self.datamap)),
            mailer=self.mailer,
            sms=self.sms_sender,
            outbox=self.outbox,
            assertions=account_assertions(self.settings),
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

        return FilesystemPackageStore(self.settings.data_dir / "packages")

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
        from rightful.services.package_keys import pseudonym_key
        from rightful.services.packaging import PackageService, PackagingConfig

        s = self.settings
        config = PackagingConfig(
            workdir=s.data_dir / "tmp",
            controller=s.controller_name,
            signing_key=self.package_signing_key,
            pseudonym_key=pseudonym_key(s),
            chunk_size=s.package_chunk_bytes,
            contact=s.privacy_contact,
            authority=s.supervisory_authority,
            review_sample=s.package_review_sample,
            build_lost_after=timedelta(seconds=s.build_lost_after_seconds),
            ccpa_never_disclosed=tuple(s.ccpa_never_disclosed_categories),
        )
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
            incident_policy(self.settings),
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

        s = self.settings
        timeout = s.readiness_timeout_seconds
        broker = None
        if s.queue_backend == "celery":
            from rightful.adapters.queue.celery import ping_broker

            broker = partial(ping_broker, s.celery_broker_url.get_secret_value(), timeout)
        return ReadinessProbe(self.store, self.package_objects, broker, timeout)

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
        from rightful.adapters.queue.package_jobs import CeleryPackageJobs, InlinePackageJobs

        s = self.settings
        if s.queue_backend == "celery":
            from rightful.adapters.queue.celery import make_celery_app

            app = make_celery_app(s.celery_broker_url.get_secret_value(), s.celery_queue)
            return CeleryPackageJobs(app, s.celery_queue, self.clock)
        return InlinePackageJobs(self.packages.build_job)


def incident_policy(settings: Settings) -> IncidentPolicy:
    """Regimes, DPO contact and reminder marks from the settings."""
    from rightful.services.incidents import IncidentPolicy

    s = settings
    return IncidentPolicy(
        regimes=regimes_from(s.breach_regimes, s.breach_regime_policies),
        controller=s.controller_name,
        dpo_contact=s.dpo_contact or s.privacy_contact or s.smtp_from,
        dpo_email=s.dpo_email, authority=s.supervisory_authority,
        reminder_hours=tuple(s.incident_reminder_hours),
        acknowledgement_attempts=s.incident_acknowledgement_attempts,
        export_dir=s.incident_export_dir or s.data_dir / "incidents",
        language=s.incident_notice_language,
    )  # fmt: skip


def code_policy(settings: Settings) -> CodePolicy:
    """How codes live and how many may go out (verification, portal sign-in, downloads)."""
    return CodePolicy(
        ttl=timedelta(minutes=settings.code_ttl_minutes),
        max_attempts=settings.max_code_attempts,
        resend_interval=timedelta(seconds=settings.resend_interval_seconds),
        max_challenges_per_request=settings.max_codes_per_request,
        window=timedelta(hours=settings.code_window_hours),
    )


def verification_config(
    settings: Settings, identities: IdentityPolicy, required: Assurance
) -> VerificationConfig:
    """Code policy, HMAC key and links from the settings."""
    from rightful.services.notices import TEXT_LINKS
    from rightful.services.verification import VerificationConfig
    from rightful.services.verification_keys import load_or_create_code_key

    secret = settings.verification_secret
    key = load_or_create_code_key(
        secret.get_secret_value() if secret else None,
        settings.data_dir / "keys" / "verification_secret",
    )
    return VerificationConfig(
        key=key,
        policy=code_policy(settings),
        identities=identities,
        required=required,
        link_base=settings.public_base_url.rstrip("/") + "/verify/link",
        text_link_base=settings.public_base_url.rstrip("/") + TEXT_LINKS,
        controller=settings.controller_name,
        account_identity=IdentityType(settings.account_assertion_identity),
    )


def account_assertions(settings: Settings) -> JwtAccountAssertions | None:
    """The signed-in account check, when an issuer is configured."""
    from rightful.adapters.accounts.jwt_assertions import JwtAccountAssertions

    if not settings.account_assertion_issuer:
        return None
    secret = settings.account_assertion_secret
    return JwtAccountAssertions(
        settings.account_assertion_issuer,
        settings.account_assertion_audience,
        secret=secret.get_secret_value() if secret else None,
        public_key_pem=settings.account_assertion_public_key,
    )


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
