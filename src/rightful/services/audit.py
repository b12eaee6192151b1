"""The audit chain's use cases (record, checkpoint, verify, export, timeline) and signing key."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, TextIO

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy.orm import Session

from rightful import audit_verify
from rightful.adapters.db.audit import SqlAuditLog
from rightful.adapters.db.base import Store
from rightful.adapters.files import atomic_writer, create_private_once, read_private
from rightful.domain.audit import (
    EXPORT_HEAD_PURPOSE,
    GENESIS_HEAD,
    AuditEntry,
    AuditHeadMissingError,
    ChainHead,
    Checkpoint,
    EntryDraft,
    check_summary,
    checkpoint_claim,
    checkpoint_record,
    checkpointed_draft,
    entry_record,
    format_timestamp,
    key_id_of,
    keys_by_id,
    public_key_of,
    sign_checkpoint,
)
from rightful.domain.audit_verification import VerificationResult, verify_chain
from rightful.domain.clock import Clock
from rightful.domain.errors import ConfigurationError, ConflictError, InvalidInputError

log = logging.getLogger(__name__)

EXPORT_FORMAT: Final = "rightful-audit-export/1"
CATCH_UP_ROUNDS: Final = 100


def digest(text: str) -> str:
    """The chain commits to free text by its digest; the words stay on the request."""
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class ExportReport:
    """What an export file holds."""

    path: Path
    entries: int
    checkpoints: int
    head: ChainHead


class AuditService:
    """The audit chain of one store, signed with one Ed25519 key."""

    def __init__(
        self,
        store: Store,
        signer_key: bytes,
        clock: Clock,
        checkpoint_every: int = 100,
        *,
        log: SqlAuditLog | None = None,
        trusted_public_keys: Sequence[bytes] = (),
    ) -> None:
        if checkpoint_every < 1:
            raise ConfigurationError("audit_checkpoint_every must be at least 1")
        self._store = store
        self._key = signer_key
        self._clock = clock
        self._every = checkpoint_every
        self._log = log or SqlAuditLog()
        self.public_key = public_key_of(signer_key)
        self.key_id = key_id_of(self.public_key)
        self._trusted = (self.public_key, *trusted_public_keys)

    def record(
        self,
        session: Session,
        actor: str,
        role: str,
        action: str,
        /,
        request_id: str | None = None,
        **summary: object,
    ) -> AuditEntry:
        """Append an entry inside the caller's transaction; every Nth entry also gets a checkpoint.

        Raises AuditSummaryError (an InvalidInputError) when the summary looks like personal data.
        """
        draft = EntryDraft(actor, role, action, request_id, check_summary(summary))
        entry = self._log.append(session, draft, self._clock)
        if entry.seq % self._every == 0:
            self._sign(session, ChainHead(entry.seq, entry.hash))
        return entry

    def checkpoint(self) -> Checkpoint:
        """Sign the current head now; asking again with nothing recorded since signs nothing new."""
        with self._store.transaction() as session:
            head = self._log.lock_head(session)
            if head.last_seq == 0:
                raise ConflictError("the audit chain is empty; there is nothing to checkpoint")
            existing = self._unchanged_since_checkpoint(session, head)
            return existing if existing is not None else self._sign(session, head)

    def _sign(self, session: Session, head: ChainHead) -> Checkpoint:
        """Store a checkpoint of `head` and record in the chain that it was signed."""
        checkpoint = sign_checkpoint(self._key, head, self._clock.now())
        self._log.save_checkpoint(session, checkpoint)
        self._log.append(session, checkpointed_draft(checkpoint, self._every), self._clock)
        return checkpoint

    def _unchanged_since_checkpoint(self, session: Session, head: ChainHead) -> Checkpoint | None:
        """This key's checkpoint at the head, or just before the entry that records it."""
        last = next(self._log.entries(session, from_seq=head.last_seq), None)
        claim = checkpoint_claim(last) if last is not None else None
        signed_at = head.last_seq
        if claim is not None and claim.key_id == self.key_id:
            signed_at = claim.seq
        for existing in self._log.checkpoints(session, to_seq=head.last_seq):
            if existing.seq == signed_at and existing.key_id == self.key_id:
                return existing
        return None

    def head(self) -> ChainHead:
        """Where the store says the chain ends."""
        with self._store.transaction() as session:
            return self._log.head(session) or GENESIS_HEAD

    def verify(
        self, progress: Callable[[int], None] | None = None, anchors: Sequence[Path] = ()
    ) -> VerificationResult:
        """Re-check every entry, every checkpoint and the head; name the first bad seq.

        Each anchor is an earlier export kept off the box: the chain must still hold what it
        held. Raises InvalidInputError when an anchor cannot be read or does not verify itself.
        """
        pinned = [head for path in anchors for head in self._anchor_heads(path)]
        with self._store.transaction() as session:
            checkpoints = self._log.checkpoints(session)
            holder: list[ChainHead] = []
            return verify_chain(
                self._streamed(session, holder),
                checkpoints=checkpoints,
                public_keys=self._trusted,
                head=lambda: holder[-1],
                progress=progress,
                late_checkpoints=lambda: _added(checkpoints, self._log.checkpoints(session)),
                anchors=pinned,
                checkpoint_every=self._every,
            )

    def _anchor_heads(self, path: Path) -> list[ChainHead]:
        """The signed heads of an export (its checkpoints and its head), once it verifies."""
        try:
            export = audit_verify.read_export(path)
        except audit_verify.ExportUnreadableError as exc:
            raise InvalidInputError(str(exc)) from exc
        key_ids = {str(record.get("key_id")) for record in export.heads}
        key = keys_by_id(self._trusted).get(next(iter(key_ids), ""))
        if len(key_ids) != 1 or key is None:
            raise InvalidInputError(
                f"anchor {path} is not signed by a key this installation trusts; "
                "give an export written by `rightful audit export` here"
            )
        verdict = audit_verify.verify_records(export, key)
        if not verdict.ok:
            raise InvalidInputError(f"anchor {path} does not verify itself: {verdict.describe()}")
        signed = [*export.checkpoints, *export.heads]
        return [ChainHead(record["seq"], record["head_hash"]) for record in signed]

    def _streamed(self, session: Session, holder: list[ChainHead]) -> Iterator[AuditEntry]:
        """Every entry, then the head read afterwards; catch up with entries appended meanwhile."""
        last = 0
        for _ in range(CATCH_UP_ROUNDS):
            for entry in self._log.entries(session, from_seq=last + 1):
                last = max(last, entry.seq)
                yield entry
            head = self._log.head(session)
            if head is None and last > 0:
                raise AuditHeadMissingError.up_to(last)
            head = head or GENESIS_HEAD
            holder.append(head)
            if head.last_seq <= last:
                return

    def timeline(self, request_id: str) -> list[AuditEntry]:
        """Every entry about one request, oldest first."""
        with self._store.transaction() as session:
            return self._log.for_request(session, request_id)

    def export(self, path: Path) -> ExportReport:
        """Write the chain up to its current head as JSON lines, ending with a signed head."""
        with self._store.transaction() as session:
            # Checkpoints first: each commits with its head, so none can be beyond the head
            # read next unless someone cut the chain back; then the export shows it too.
            # Those stored in between are added, as entries up to the head may record them.
            earlier = self._log.checkpoints(session)
            head = self._log.head(session) or GENESIS_HEAD
            later = self._log.checkpoints(session, to_seq=head.last_seq)
            checkpoints = sorted(
                [*earlier, *_added(earlier, later)], key=lambda c: (c.seq, c.key_id)
            )
            signed = sign_checkpoint(self._key, head, self._clock.now(), EXPORT_HEAD_PURPOSE)
            path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_writer(
                path, binary=False, prefix=".audit-export-", fsync=False, mode=0o644
            ) as out:
                _write(out, self._export_meta(signed, len(checkpoints)))
                # Each checkpoint follows the entry it signs, so an export cut short keeps
                # the checkpoints of what it still holds.
                pending = iter(checkpoints)
                due = next(pending, None)
                count = 0
                for entry in self._log.entries(session, to_seq=head.last_seq):
                    _write(out, entry_record(entry))
                    count += 1
                    while due is not None and due.seq <= entry.seq:
                        _write(out, checkpoint_record(due))
                        due = next(pending, None)
                if due is not None:  # signed beyond the head: the chain was cut back
                    for left in (due, *pending):
                        _write(out, checkpoint_record(left))
                _write(out, checkpoint_record(signed, "head"))
        return ExportReport(path, count, len(checkpoints), head)

    def _export_meta(self, signed_head: Checkpoint, checkpoints: int) -> dict[str, object]:
        return {
            "type": "meta",
            "format": EXPORT_FORMAT,
            "exported_at": format_timestamp(signed_head.at),
            "key_id": self.key_id,
            "public_key_pem": self.public_key_pem(),
            "head_seq": signed_head.seq,
            "checkpoints": checkpoints,
        }

    def public_key_pem(self) -> str:
        """The public key that verifies checkpoints and export heads; safe to publish."""
        return public_key_pem(self.public_key)


def _added(before: Sequence[Checkpoint], after: Sequence[Checkpoint]) -> list[Checkpoint]:
    known = {(cp.seq, cp.key_id) for cp in before}
    return [cp for cp in after if (cp.seq, cp.key_id) not in known]


def _write(out: TextIO, record: dict[str, object]) -> None:
    out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")


# --- the signing key ------------------------------------------------------------------------


def load_or_create_signing_key(path: Path, what: str = "audit signing key") -> bytes:
    """The raw Ed25519 private key in `path` (PEM, PKCS#8); created with mode 0600 on first use.

    Raises ConfigurationError when the file is readable by others or is not an Ed25519 key.
    """
    if not path.exists():
        _create_key_file(path)
    try:
        key = serialization.load_pem_private_key(read_private(path, what), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        key = None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigurationError(f"{what} {path} is not an unencrypted Ed25519 private key (PEM)")
    return key.private_bytes_raw()


def _create_key_file(path: Path) -> None:
    """Write a new key so that no process ever sees a half-written or world-readable file."""
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    if create_private_once(path, pem):
        log.info("created audit signing key %s", path)


def public_key_pem(public_key: bytes) -> str:
    """A raw Ed25519 public key as PEM (SubjectPublicKeyInfo)."""
    key = Ed25519PublicKey.from_public_bytes(public_key)
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem.decode("ascii")
