"""The tamper-evident audit chain: entries, their canonical form and hash links, signed checkpoints.

Each entry's hash is SHA-256 over the previous entry's hash (32 raw bytes) followed by the
entry's canonical form, so changing, removing, adding or moving any entry breaks a link.
Checkpoints are Ed25519 signatures over (seq, head hash) that anchor the chain against someone
who can write to the store but does not hold the signing key.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from rightful.domain.errors import InvalidInputError, RightfulError

GENESIS_HASH: Final = "0" * 64
CHECKPOINT_PURPOSE: Final = "rightful.audit.checkpoint.v1"
EXPORT_HEAD_PURPOSE: Final = "rightful.audit.export-head.v1"
CHECKPOINTED: Final = "audit.checkpointed"

SummaryScalar = str | int | bool | None
SummaryValue = SummaryScalar | list[SummaryScalar]
Summary = dict[str, SummaryValue]

MAX_TEXT: Final = 80
MAX_LIST: Final = 1000
MAX_KEYS: Final = 32
MAX_SAFE_INT: Final = 2**53  # every JSON reader agrees on integers up to here
_KEY = re.compile(r"[a-z][a-z0-9_]{0,63}")
_ROLE = re.compile(r"[a-z][a-z0-9_]{0,31}")
_ACTION = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")
_PHONE_LIKE = re.compile(r"\+\d[\d\-.()/]{6,}")
_SPACE = re.compile(r"\s")  # what str.isspace() calls whitespace
_CONTROL = re.compile("[\x00-\x1f\ud800-\udfff]")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_PERSONAL_KEY_WORDS: Final = frozenset(
    {
        "email", "mail", "phone", "mobile", "tel", "telephone", "fax", "name", "firstname",
        "lastname", "surname", "fullname", "username", "address", "street", "city", "postcode",
        "zip", "birthday", "birthdate", "dob", "ssn", "passport", "iban", "ip", "content",
        "body", "message", "text", "comment", "note", "password", "secret", "token",
    }
)  # fmt: skip


class AuditHeadMissingError(RightfulError):
    """The row that says where the chain ends is gone while the chain holds entries: the store
    was changed outside rightful. Nothing is appended (a new head at 0 would fork the chain)."""

    http_status = 500

    @classmethod
    def up_to(cls, last_seq: int) -> AuditHeadMissingError:
        return cls(
            f"the audit chain's head row is missing while the chain holds entries up to seq "
            f"{last_seq}: the store was changed outside rightful; restore it from a backup "
            "(nothing is recorded meanwhile)"
        )


class AuditSummaryError(InvalidInputError):
    """An audit summary or field would carry personal data or free text; ids and counts only."""


@dataclass(frozen=True)
class AuditEntry:
    """One link of the chain, exactly as stored; `hash` covers every other field."""

    seq: int
    at: datetime
    actor: str
    role: str
    action: str
    request_id: str | None
    summary: Summary
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class EntryDraft:
    """What a caller wants recorded, validated before the chain is locked; `seal` adds it."""

    actor: str
    role: str
    action: str
    request_id: str | None = None
    summary: Summary = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("actor", "role", "action", "request_id"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, str.__str__(value))
        _check_token("actor", self.actor, max_len=128)
        _check_pattern("role", self.role, _ROLE)
        _check_pattern("action", self.action, _ACTION)
        if self.request_id is not None:
            _check_token("request_id", self.request_id, max_len=MAX_TEXT)
        object.__setattr__(self, "summary", check_summary(self.summary))


@dataclass(frozen=True)
class ChainHead:
    """The last sequence number and hash the store says the chain has (0 and genesis when empty)."""

    last_seq: int
    last_hash: str


GENESIS_HEAD: Final = ChainHead(0, GENESIS_HASH)


@dataclass(frozen=True)
class Checkpoint:
    """An Ed25519 signature by key `key_id` stating that entry `seq` has hash `head_hash`."""

    seq: int
    head_hash: str
    at: datetime
    key_id: str
    signature: str


# --- canonical form and hashing -------------------------------------------------------------


def format_timestamp(at: datetime) -> str:
    """ISO 8601 in UTC with microseconds and a 'Z', e.g. 2026-01-31T09:30:00.000000Z."""
    if at.tzinfo is None:
        raise ValueError("audit timestamps must be aware datetimes")
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def canonical_json(value: object) -> bytes:
    """Deterministic JSON: sorted keys, no whitespace, UTF-8."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def canonical_form(entry: AuditEntry) -> bytes:
    """The bytes an entry's hash covers: every field except `hash` itself."""
    return canonical_json(_fields_without_hash(entry))


def chain_hash(prev_hash: str, canonical: bytes) -> str:
    """SHA-256 over the previous hash's 32 raw bytes and the canonical form; lowercase hex."""
    if not _HEX64.fullmatch(prev_hash):
        raise ValueError("prev_hash must be 64 lowercase hex characters")
    return hashlib.sha256(bytes.fromhex(prev_hash) + canonical).hexdigest()


def expected_hash(entry: AuditEntry) -> str | None:
    """The hash the entry's content demands, or None when a field cannot even be hashed."""
    try:
        return chain_hash(entry.prev_hash, canonical_form(entry))
    except (ValueError, TypeError):
        return None


def seal(draft: EntryDraft, seq: int, at: datetime, prev_hash: str) -> AuditEntry:
    """Turn a validated draft into the chain's next entry."""
    if seq < 1:
        raise ValueError("audit sequence numbers start at 1")
    if at.tzinfo is None:
        raise ValueError("audit timestamps must be aware datetimes")
    entry = AuditEntry(
        seq, at.astimezone(UTC), draft.actor, draft.role, draft.action,
        draft.request_id, draft.summary, prev_hash, hash="",
    )  # fmt: skip
    return _with_hash(entry, chain_hash(prev_hash, canonical_form(entry)))


def entry_record(entry: AuditEntry) -> dict[str, object]:
    """The entry as a JSON object (the export's `entry` line); canonical fields plus `hash`."""
    return {"type": "entry", **_fields_without_hash(entry), "hash": entry.hash}


def _fields_without_hash(entry: AuditEntry) -> dict[str, object]:
    return {
        "seq": entry.seq,
        "at": format_timestamp(entry.at),
        "actor": entry.actor,
        "role": entry.role,
        "action": entry.action,
        "request_id": entry.request_id,
        "summary": entry.summary,
        "prev_hash": entry.prev_hash,
    }


def _with_hash(entry: AuditEntry, digest: str) -> AuditEntry:
    return AuditEntry(
        entry.seq, entry.at, entry.actor, entry.role, entry.action,
        entry.request_id, entry.summary, entry.prev_hash, digest,
    )  # fmt: skip


# --- the personal-data guard ----------------------------------------------------------------


def check_summary(summary: Mapping[str, object]) -> Summary:
    """A clean copy of `summary`, or AuditSummaryError naming the key (never the value)."""
    if len(summary) > MAX_KEYS:
        raise AuditSummaryError(f"audit summary has {len(summary)} keys; at most {MAX_KEYS}")
    return {_check_key(key): _check_value(key, value) for key, value in summary.items()}


def _check_key(key: object) -> str:
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise AuditSummaryError("audit summary keys must be snake_case identifiers")
    words = {word.removesuffix("s") for word in key.split("_")} | set(key.split("_"))
    if words & _PERSONAL_KEY_WORDS:
        raise AuditSummaryError(
            f"audit summary key {key!r} suggests personal data; record ids and counts only"
        )
    return key


def _check_value(key: str, value: object) -> SummaryValue:
    if isinstance(value, list | tuple):
        if len(value) > MAX_LIST:
            raise AuditSummaryError(f"audit summary {key!r}: at most {MAX_LIST} items")
        return [_check_scalar(key, item) for item in value]
    return _check_scalar(key, value)


def _check_scalar(key: str, value: object) -> SummaryScalar:
    # Enum members become their plain values, so that what is hashed is what is stored.
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INT:
            raise AuditSummaryError(f"audit summary {key!r}: integers stay within ±2**53")
        return int(value)
    if isinstance(value, str):
        _check_token(f"summary {key!r}", value, max_len=MAX_TEXT)
        return str.__str__(value)
    raise AuditSummaryError(
        f"audit summary {key!r}: {type(value).__name__} is not allowed "
        "(str ids and codes, int counts, bool, None, or lists of those)"
    )


def _check_token(what: str, value: object, max_len: int) -> None:
    """An id or code: short, one word, no e-mail address or phone number shape."""
    if not isinstance(value, str) or not value:
        raise AuditSummaryError(f"audit {what} must be a non-empty string")
    if len(value) > max_len:
        raise AuditSummaryError(f"audit {what}: longer than {max_len} characters (no free text)")
    if _SPACE.search(value):
        raise AuditSummaryError(f"audit {what}: whitespace means free text; record a code or id")
    if "@" in value or value.lower().startswith(("mailto:", "tel:")):
        raise AuditSummaryError(f"audit {what}: looks like an e-mail address; ids only")
    if _PHONE_LIKE.fullmatch(value):
        raise AuditSummaryError(f"audit {what}: looks like a phone number; ids only")
    if _CONTROL.search(value):
        raise AuditSummaryError(f"audit {what}: control or surrogate characters are not allowed")


def _check_pattern(what: str, value: object, pattern: re.Pattern[str]) -> None:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise AuditSummaryError(f"audit {what} must match {pattern.pattern}")


# --- checkpoints ----------------------------------------------------------------------------

Purpose = Literal["rightful.audit.checkpoint.v1", "rightful.audit.export-head.v1"]


def public_key_of(private_key: bytes) -> bytes:
    """The raw 32-byte Ed25519 public key for a raw 32-byte private key."""
    return Ed25519PrivateKey.from_private_bytes(private_key).public_key().public_bytes_raw()


def key_id_of(public_key: bytes) -> str:
    """First 16 hex characters of SHA-256 over the raw public key."""
    return hashlib.sha256(public_key).hexdigest()[:16]


def checkpoint_payload(
    seq: int, head_hash: str, at: datetime, key_id: str, purpose: Purpose = CHECKPOINT_PURPOSE
) -> bytes:
    """The bytes a checkpoint signs; `purpose` keeps checkpoints and export heads apart."""
    return canonical_json(
        {
            "at": format_timestamp(at),
            "head_hash": head_hash,
            "key_id": key_id,
            "purpose": purpose,
            "seq": seq,
        }
    )


def sign_checkpoint(
    private_key: bytes, head: ChainHead, at: datetime, purpose: Purpose = CHECKPOINT_PURPOSE
) -> Checkpoint:
    """Sign the statement 'entry head.last_seq has hash head.last_hash' at time `at`."""
    key = Ed25519PrivateKey.from_private_bytes(private_key)
    key_id = key_id_of(key.public_key().public_bytes_raw())
    at = at.astimezone(UTC)
    payload = checkpoint_payload(head.last_seq, head.last_hash, at, key_id, purpose)
    return Checkpoint(head.last_seq, head.last_hash, at, key_id, key.sign(payload).hex())


def verify_checkpoint(
    checkpoint: Checkpoint, public_key: bytes, purpose: Purpose = CHECKPOINT_PURPOSE
) -> bool:
    """True when `public_key` made this signature over exactly these fields."""
    if checkpoint.key_id != key_id_of(public_key):
        return False
    try:
        payload = checkpoint_payload(
            checkpoint.seq, checkpoint.head_hash, checkpoint.at, checkpoint.key_id, purpose
        )
        signature = bytes.fromhex(checkpoint.signature)
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, payload)
    except (InvalidSignature, ValueError):
        return False
    return True


def checkpoint_record(checkpoint: Checkpoint, kind: str = "checkpoint") -> dict[str, object]:
    """The checkpoint as a JSON object (the export's `checkpoint` or `head` line)."""
    return {
        "type": kind,
        "seq": checkpoint.seq,
        "head_hash": checkpoint.head_hash,
        "at": format_timestamp(checkpoint.at),
        "key_id": checkpoint.key_id,
        "signature": checkpoint.signature,
    }


def checkpointed_draft(checkpoint: Checkpoint, every: int) -> EntryDraft:
    """The chain's own record that `checkpoint` was signed (and how often the store signs), so
    that deleting checkpoints shows."""
    summary: Summary = {"checkpoint_seq": checkpoint.seq, "key_id": checkpoint.key_id}
    return EntryDraft("system:audit", "system", CHECKPOINTED, None, {**summary, "every": every})


@dataclass(frozen=True)
class CheckpointClaim:
    """What an `audit.checkpointed` entry says: a checkpoint at `seq` by `key_id` exists."""

    seq: int
    key_id: str
    every: int | None


def checkpoint_claim(entry: AuditEntry) -> CheckpointClaim | None:
    """The claim of an `audit.checkpointed` entry, else None."""
    if entry.action != CHECKPOINTED:
        return None
    seq, key_id, every = (entry.summary.get(k) for k in ("checkpoint_seq", "key_id", "every"))
    if not isinstance(seq, int) or isinstance(seq, bool) or not isinstance(key_id, str):
        return None
    return CheckpointClaim(seq, key_id, _positive_int(every))


def _positive_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def keys_by_id(public_keys: Sequence[bytes]) -> dict[str, bytes]:
    """Trusted public keys indexed by their key id."""
    return {key_id_of(key): key for key in public_keys}
