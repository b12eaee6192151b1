"""Package keys: the master-key wrapper from settings (or an external KMS), the pseudonym key,
rotation (every data key re-wrapped under a new master key) and retirement of old keys."""

from __future__ import annotations

import hashlib
import hmac
import importlib
import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final, TypeVar, cast

from sqlalchemy import func, select

from rightful.adapters.db.base import Store
from rightful.adapters.db.packages import AttachmentRow, PackageRow
from rightful.adapters.storage.encryption import TamperedError
from rightful.adapters.storage.keys import KeyFolder, key_wrapper, load_or_create_secret
from rightful.domain.errors import ConfigurationError, ConflictError, RightfulError
from rightful.domain.package_ports import KeyWrapper, WrappedKey
from rightful.domain.provenance import SubjectKey
from rightful.domain.staff import Principal
from rightful.domain.words import counted
from rightful.services.audit import AuditService
from rightful.services.documents import (
    DOCUMENT_KINDS,
    DocumentFiles,
    drop_left_plaintext,
    encrypt_plaintext,
)
from rightful.settings import Settings

ROTATION_BATCH: Final = 200
MAX_LISTED: Final = 100  # row ids an audit entry names; the count is always complete

log = logging.getLogger("rightful.packages")
T = TypeVar("T")


def key_folder(settings: Settings) -> Path:
    """Where generated master keys live."""
    return settings.data_dir / "keys" / "package_master"


def package_key_wrapper(settings: Settings) -> tuple[KeyWrapper, KeyFolder | None]:
    """The wrapper for settings: an external KMS adapter, the configured key, or keys generated
    into data_dir (then also their folder, which rotation adds to and retires from)."""
    if settings.package_key_wrapper != "local":
        return external_key_wrapper(settings), None
    configured = settings.package_master_key
    return key_wrapper(
        configured.get_secret_value() if configured else None,
        [k.get_secret_value() for k in settings.package_previous_master_keys],
        key_folder(settings),
    )


def external_key_wrapper(settings: Settings) -> KeyWrapper:
    """The KeyWrapper that `module:factory` in `package_key_wrapper` makes from the settings."""
    spec = settings.package_key_wrapper
    module_name, _, name = spec.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError) as exc:
        raise ConfigurationError(
            f"package_key_wrapper {spec}: cannot load it ({type(exc).__name__}); give "
            "module:factory of an installed module"
        ) from None
    if not callable(factory):
        raise ConfigurationError(f"package_key_wrapper {spec}: {name} is not a factory")
    try:
        wrapper = factory(settings)
    except Exception as exc:  # the plug-in's own failure: named by type, its message may be long
        log.warning("package_key_wrapper %s failed to make a KeyWrapper", spec, exc_info=True)
        raise ConfigurationError(
            f"package_key_wrapper {spec}: its factory failed ({type(exc).__name__}); it must "
            "take the settings and return a KeyWrapper"
        ) from None
    missing = [n for n in ("current_key_id", "wrap", "unwrap", "known_key_ids")
               if not hasattr(wrapper, n)]  # fmt: skip
    if missing:
        raise ConfigurationError(
            f"package_key_wrapper {spec} returned no KeyWrapper (missing {', '.join(missing)})"
        )
    return GuardedKeyWrapper(cast(KeyWrapper, wrapper), spec)


class KeyServiceError(ConfigurationError):
    """The external key service failed in a way of its own (unreachable, refused, timed out).
    Named by the error's type: a client library's message may be long or name hosts."""


class GuardedKeyWrapper:
    """An external KeyWrapper whose own failures become one KeyServiceError naming the plug-in,
    so that a build, download or rotation fails in one line (HTTP 503) instead of a traceback.
    The port's own errors (unknown key id, failed authentication) pass through unchanged."""

    def __init__(self, inner: KeyWrapper, spec: str) -> None:
        self._inner, self._spec = inner, spec

    @property
    def current_key_id(self) -> str:
        return self._call(lambda: self._inner.current_key_id)

    def wrap(self, data_key: bytes) -> WrappedKey:
        return self._call(lambda: self._inner.wrap(data_key))

    def unwrap(self, wrapped: WrappedKey) -> bytes:
        return self._call(lambda: self._inner.unwrap(wrapped))

    def known_key_ids(self) -> tuple[str, ...]:
        return self._call(self._inner.known_key_ids)

    def _call(self, call: Callable[[], T]) -> T:
        try:
            return call()
        except (RightfulError, TamperedError):
            raise
        except Exception as exc:
            log.warning("package_key_wrapper %s failed", self._spec, exc_info=True)
            raise KeyServiceError(
                f"package_key_wrapper {self._spec}: the key service failed "
                f"({type(exc).__name__}); packages cannot be built or opened until it answers"
            ) from None


def pseudonym_key(settings: Settings) -> bytes:
    """The HMAC key for subject pseudonyms (configured, or generated into data_dir/keys)."""
    secret = settings.package_pseudonym_key
    if secret is not None:
        return secret.get_secret_value().encode()
    return load_or_create_secret(settings.data_dir / "keys" / "package_pseudonym")


def subject_pseudonym(key: bytes, subject: SubjectKey) -> str:
    """HMAC-SHA256 of the subject key: stable per subject, says nothing about who it is."""
    message = f"{subject.collection}\x00{subject.value}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class Unreadable:
    """A row whose data key could not be re-wrapped, and why (no key material, no content)."""

    kind: str  # "package", "attachment", "authority document" or "paper declaration"
    id: str
    reason: str
    missing_key: str | None = None  # the master key it needs, when that is what is missing


@dataclass
class RotationReport:
    """What a rotation did, and what it could not do."""

    current_key_id: str
    packages: int = 0
    attachments: int = 0
    documents: int = 0  # identity documents whose data key was re-wrapped
    encrypted: int = 0  # documents stored before encryption at rest, encrypted now
    plaintext_removed: int = 0  # plaintext documents an earlier rotation left behind
    failed: list[Unreadable] = field(default_factory=list)
    still_old: dict[str, int] = field(default_factory=dict)
    stopped: str | None = None  # why the rotation broke off (the key service failed)
    resumed: bool = False  # it went on with the key of a rotation cut short before


@dataclass
class Retirement:
    """Which old generated keys were deleted, and why the others were kept."""

    retired: list[str] = field(default_factory=list)
    kept: dict[str, str] = field(default_factory=dict)


def rotate_keys(
    store: Store,
    audit: AuditService,
    keys: KeyWrapper,
    folder: KeyFolder | None,
    by: Principal,
    files_dir: Path,
) -> RotationReport:
    """Re-wrap every data key under the current master key (a new one is generated first when
    keys are managed in `folder`, unless the last rotation was cut short: then it resumes with
    the key that one made), then encrypt the identity documents under `files_dir` stored
    before encryption at rest. A row that cannot be unwrapped is reported and skipped, the
    others are done; running again picks up only what is still under an old key or in
    plaintext."""
    with _rotation(folder) as resumed:
        report = RotationReport(keys.current_key_id, resumed=resumed is not None)
        documents = DocumentFiles(files_dir, lambda: keys)
        try:
            report.packages = _rewrap(store, keys, PackageRow, "package", report)
            report.attachments = _rewrap(store, keys, AttachmentRow, "attachment", report)
            for table, kind in DOCUMENT_KINDS.items():
                report.documents += _rewrap(store, keys, table, kind.name, report)
            for table, kind in DOCUMENT_KINDS.items():
                report.encrypted += _encrypt_plaintext(store, documents, table, kind.name, report)
                report.plaintext_removed += drop_left_plaintext(store, files_dir, table)
        except KeyServiceError as exc:  # the batch it broke off rolled back; the rest stands
            report.stopped = str(exc)
    report.still_old = _in_use(store, exclude=keys.current_key_id)
    with store.transaction() as session:
        audit.record(
            session, by.id, by.role_name, "package.keys_rotated", None,
            key_id=report.current_key_id, packages=report.packages,
            attachments=report.attachments, documents=report.documents,
            documents_encrypted=report.encrypted, plaintext_removed=report.plaintext_removed,
            failed=len(report.failed),
            failed_ids=[row.id for row in report.failed[:MAX_LISTED]],
            still_old=sum(report.still_old.values()), stopped=report.stopped is not None,
            resumed=report.resumed,
        )  # fmt: skip
    return report


def _rotation(folder: KeyFolder | None) -> AbstractContextManager[str | None]:
    """The folder's turn to rotate (a new key, or the one an interrupted rotation made); with
    keys from settings or a KMS there is nothing to make."""
    return folder.rotation() if folder is not None else nullcontext(None)


def retire_keys(
    store: Store,
    audit: AuditService,
    keys: KeyWrapper,
    folder: KeyFolder | None,
    by: Principal,
    grace: timedelta,
) -> Retirement:
    """Delete old generated master keys that no row uses and that stopped being current longer
    than `grace` ago (a build or upload that began before may still be wrapping with one).

    Raises ConflictError when master keys come from settings or a KMS: those are retired there.
    """
    if folder is None:
        raise ConflictError(
            "master keys come from settings or a KMS: once `rotate-key` reports nothing under an "
            "old key, remove it from package_previous_master_keys (or retire it in the KMS)"
        )
    current = keys.current_key_id
    in_use = _in_use(store, exclude=current)
    superseded = folder.superseded_at()
    now = time.time()
    result, candidates = Retirement(), []
    for key_id in sorted(folder.keys()):
        if key_id == current:
            continue
        since = superseded.get(key_id, now)
        if in_use.get(key_id):
            result.kept[key_id] = f"{counted(in_use[key_id], 'row', 'rows')} still under it"
        elif now - since < grace.total_seconds():
            after = datetime.fromtimestamp(since, UTC) + grace
            result.kept[key_id] = (
                f"current until recently; it can go after {after:%Y-%m-%d %H:%M} UTC"
            )
        else:
            candidates.append(key_id)
    # Looked at again just before deleting: a row written meanwhile keeps its key.
    late = _in_use(store, exclude=current)
    result.retired = folder.retire(k for k in candidates if not late.get(k))
    with store.transaction() as session:
        audit.record(
            session, by.id, by.role_name, "package.keys_retired", None,
            retired=result.retired, kept=len(result.kept),
        )  # fmt: skip
    return result


def _rewrap(
    store: Store,
    keys: KeyWrapper,
    table: Any,  # PackageRow, AttachmentRow or a table of DOCUMENT_KINDS
    kind: str,
    report: RotationReport,
) -> int:
    done = 0
    after: Any = None  # ids are strings, or numbers (documents)
    while True:
        current = keys.current_key_id
        with store.transaction() as session:
            query = (
                select(table)
                .where(table.master_key_id != current, table.wrapped_key.is_not(None))
                .order_by(table.id)
                .limit(ROTATION_BATCH)
            )
            if after is not None:
                query = query.where(table.id > after)
            rows = list(session.scalars(query.with_for_update()))
            for row in rows:
                fresh = _rewrapped(keys, WrappedKey(row.master_key_id, row.wrapped_key))
                if not isinstance(fresh, WrappedKey):
                    reason, missing = fresh
                    report.failed.append(Unreadable(kind, str(row.id), reason, missing))
                    continue
                row.master_key_id, row.wrapped_key = fresh.key_id, fresh.blob
                done += 1
            after = rows[-1].id if rows else after
        if len(rows) < ROTATION_BATCH:
            return done


def _encrypt_plaintext(
    store: Store, documents: DocumentFiles, table: Any, kind: str, report: RotationReport
) -> int:
    missing: list[tuple[str, str]] = []
    done = encrypt_plaintext(store, documents, table, missing)
    report.failed.extend(Unreadable(kind, row_id, reason) for row_id, reason in missing)
    return done


def _rewrapped(keys: KeyWrapper, wrapped: WrappedKey) -> WrappedKey | tuple[str, str | None]:
    """The key wrapped anew, or why it cannot be (and the master key it lacks, if that is why)."""
    try:
        return keys.wrap(keys.unwrap(wrapped))
    except KeyServiceError:
        raise  # the service, not this row: every further row would fail the same way
    except ConfigurationError:
        return f"its master key {wrapped.key_id} is not available", wrapped.key_id
    except TamperedError:
        return "its wrapped key fails authentication (damaged or altered)", None
    except Exception as exc:  # an external KMS may fail in its own ways; one row, not the run
        return f"the key wrapper failed ({type(exc).__name__})", None


def _in_use(store: Store, exclude: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    with store.transaction() as session:
        for table in (PackageRow, AttachmentRow, *DOCUMENT_KINDS):
            query = (
                select(table.master_key_id, func.count())
                .where(table.master_key_id.is_not(None), table.master_key_id != exclude)
                .group_by(table.master_key_id)
            )
            for key_id, count in session.execute(query):
                counts[str(key_id)] = counts.get(str(key_id), 0) + count
    return counts
