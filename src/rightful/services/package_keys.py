"""Package keys: the master-key wrapper from settings, the manifest signing key, the pseudonym
key, and rotation (every data key re-wrapped under a new master key)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from sqlalchemy import select

from rightful.adapters.db.base import Store
from rightful.adapters.db.packages import AttachmentRow, PackageRow
from rightful.adapters.storage.keys import (
    KeyFolder,
    LocalKeyWrapper,
    key_wrapper,
    load_or_create_secret,
)
from rightful.domain.package_ports import KeyWrapper, WrappedKey
from rightful.domain.provenance import SubjectKey
from rightful.domain.staff import Principal
from rightful.services.audit import AuditService
from rightful.settings import Settings

ROTATION_BATCH: Final = 200


def key_folder(settings: Settings) -> Path:
    """Where generated master keys live."""
    return settings.data_dir / "keys" / "package_master"


def package_key_wrapper(settings: Settings) -> tuple[LocalKeyWrapper, KeyFolder | None]:
    """The wrapper for settings: the configured key, or one generated on first use."""
    configured = settings.package_master_key
    return key_wrapper(
        configured.get_secret_value() if configured else None,
        [k.get_secret_value() for k in settings.package_previous_master_keys],
        key_folder(settings),
    )


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


@dataclass
class RotationReport:
    """What a rotation did."""

    current_key_id: str
    packages: int = 0
    attachments: int = 0
    still_old: dict[str, int] = field(default_factory=dict)
    retired: list[str] = field(default_factory=list)


def rotate_keys(
    store: Store, audit: AuditService, settings: Settings, by: Principal, *, retire: bool = False
) -> RotationReport:
    """Re-wrap every data key under the current master key (a new one is generated first when
    keys are managed in data_dir). Old keys stay readable until `retire` removes unused ones."""
    wrapper, folder = package_key_wrapper(settings)
    if folder is not None:
        folder.add_new()
        wrapper, folder = package_key_wrapper(settings)
    report = RotationReport(wrapper.current_key_id)
    report.packages = _rewrap(store, wrapper, PackageRow)
    report.attachments = _rewrap(store, wrapper, AttachmentRow)
    report.still_old = _in_use(store, exclude=wrapper.current_key_id)
    if retire and folder is not None and not report.still_old:
        report.retired = folder.retire(
            k for k in wrapper.known_key_ids() if k != wrapper.current_key_id
        )
    with store.transaction() as session:
        audit.record(
            session, by.id, by.role_name, "package.keys_rotated", None,
            key_id=report.current_key_id, packages=report.packages,
            attachments=report.attachments, retired=report.retired,
            still_old=sum(report.still_old.values()),
        )  # fmt: skip
    return report


def _rewrap(
    store: Store,
    wrapper: KeyWrapper,
    table: Any,  # PackageRow or AttachmentRow
) -> int:
    done = 0
    current = wrapper.current_key_id
    while True:
        with store.transaction() as session:
            query = (
                select(table)
                .where(table.master_key_id != current)
                .where(table.wrapped_key.is_not(None))
                .limit(ROTATION_BATCH)
            )
            rows = list(session.scalars(query.with_for_update()))
            for row in rows:
                assert row.master_key_id is not None and row.wrapped_key is not None
                plain = wrapper.unwrap(WrappedKey(row.master_key_id, row.wrapped_key))
                fresh = wrapper.wrap(plain)
                row.master_key_id, row.wrapped_key = fresh.key_id, fresh.blob
            done += len(rows)
        if len(rows) < ROTATION_BATCH:
            return done


def _in_use(store: Store, exclude: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    with store.transaction() as session:
        for table in (PackageRow, AttachmentRow):
            for key_id in session.scalars(select(table.master_key_id)):
                if key_id and key_id != exclude:
                    counts[key_id] = counts.get(key_id, 0) + 1
    return counts
