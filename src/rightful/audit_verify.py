"""Verify a rightful audit export offline, with nothing but the file and the public key.

    python audit_verify.py export.jsonl --public-key audit-public.pem

This module imports only the standard library and `cryptography`, so it can be copied next to
an export and run anywhere. It deliberately re-implements the canonical form and the chain
rules of `rightful.domain.audit` instead of importing them: a verifier that shares code with
the writer would share its bugs. A test holds both to the same answers.
Exit status: 0 intact, 1 tampering found, 2 unreadable file or key.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

GENESIS = "0" * 64
CHECKPOINT_PURPOSE = "rightful.audit.checkpoint.v1"
EXPORT_HEAD_PURPOSE = "rightful.audit.export-head.v1"
CHECKPOINTED = "audit.checkpointed"
ENTRY_FIELDS = frozenset(
    {"seq", "at", "actor", "role", "action", "request_id", "summary", "prev_hash"}
)
LOOKAHEAD = 10_000
REMEMBERED = 100_000
RENUMBER_WINDOW = 64
MAX_LINE = 16 * 2**20  # characters; an entry is a few hundred: more is no export (/dev/zero)
MAX_KEY_FILE = 1_000_000  # bytes; a PEM public key is about a hundred
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
_HEX64 = re.compile(r"[0-9a-f]{64}")

Record = dict[str, Any]


class ExportUnreadableError(Exception):
    """The file or the key cannot be read at all (as opposed to: read, and found tampered)."""


@dataclass(frozen=True)
class Verdict:
    """The outcome: how much was checked and, when broken, the first bad seq and why."""

    entries_checked: int
    checkpoints_checked: int
    first_bad_seq: int | None = None
    finding: str | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.finding is None

    def describe(self) -> str:
        if self.ok:
            return (
                f"export intact: {_count(self.entries_checked, 'entry', 'entries')}, "
                f"{_count(self.checkpoints_checked, 'checkpoint', 'checkpoints')}, "
                f"signed head at seq {self.entries_checked}"
            )
        return f"first bad entry: seq {self.first_bad_seq} ({self.finding}): {self.reason}"


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


@dataclass
class Export:
    """The records of one export file, in file order."""

    entries: list[Record] = field(default_factory=list)
    checkpoints: list[Record] = field(default_factory=list)
    heads: list[Record] = field(default_factory=list)


# --- canonical forms (duplicated from rightful.domain.audit on purpose) ----------------------


def canonical_json(value: object) -> bytes:
    """Deterministic JSON: sorted keys, no whitespace, UTF-8."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def canonical_entry(record: Mapping[str, Any]) -> bytes:
    """The bytes an entry's hash covers: every field of its line except `type` and `hash`."""
    return canonical_json({name: record[name] for name in ENTRY_FIELDS})


def entry_hash(record: Mapping[str, Any]) -> str | None:
    """The hash an entry line's content demands, or None when the line is malformed."""
    if set(record) != ENTRY_FIELDS | {"type", "hash"} or not _well_typed(record):
        return None
    prev = bytes.fromhex(record["prev_hash"])
    return hashlib.sha256(prev + canonical_entry(record)).hexdigest()


def _well_typed(record: Mapping[str, Any]) -> bool:
    strings = ("actor", "role", "action")
    return (
        _is_int(record["seq"])
        and isinstance(record["at"], str)
        and bool(_TIMESTAMP.fullmatch(record["at"]))
        and all(isinstance(record[name], str) for name in strings)
        and (record["request_id"] is None or isinstance(record["request_id"], str))
        and isinstance(record["summary"], dict)
        and isinstance(record["prev_hash"], str)
        and bool(_HEX64.fullmatch(record["prev_hash"]))
    )


def checkpoint_payload(record: Mapping[str, Any], purpose: str) -> bytes:
    """The bytes a checkpoint (or the export's head) signs."""
    fields = {name: record[name] for name in ("at", "head_hash", "key_id", "seq")}
    return canonical_json({**fields, "purpose": purpose})


def key_id(public_key: bytes) -> str:
    """First 16 hex characters of SHA-256 over the raw public key."""
    return hashlib.sha256(public_key).hexdigest()[:16]


def signature_holds(record: Mapping[str, Any], public_key: bytes, purpose: str) -> bool:
    """True when `public_key` signed exactly this checkpoint or head line."""
    try:
        if record["key_id"] != key_id(public_key) or not _is_int(record["seq"]):
            return False
        payload = checkpoint_payload(record, purpose)
        Ed25519PublicKey.from_public_bytes(public_key).verify(
            bytes.fromhex(record["signature"]), payload
        )
    except (KeyError, TypeError, ValueError, InvalidSignature):
        return False
    return True


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- reading -------------------------------------------------------------------------------


def load_public_key(path: Path) -> bytes:
    """The raw 32-byte Ed25519 public key from a PEM file."""
    try:
        with path.open("rb") as file:
            pem = file.read(MAX_KEY_FILE + 1)
        if len(pem) > MAX_KEY_FILE:
            raise ValueError(f"larger than {MAX_KEY_FILE} bytes")
        key = serialization.load_pem_public_key(pem)
    except (OSError, ValueError) as exc:
        raise ExportUnreadableError(f"cannot read public key {path}: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise ExportUnreadableError(f"{path} is not an Ed25519 public key")
    return key.public_bytes_raw()


def read_export(path: Path) -> Export:
    """Sort the lines into entries, checkpoints and heads; a garbled line counts as an entry."""
    export = Export()
    try:
        with path.open(encoding="utf-8") as file:
            lines = _lines(file)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ExportUnreadableError(f"cannot read export {path}: {exc}") from exc
    for number, line in enumerate(lines, start=1):
        record = _parse(line, number)
        kind = str(record.get("type"))
        if kind == "meta" or not line.strip():
            continue
        target = {"checkpoint": export.checkpoints, "head": export.heads}.get(kind, export.entries)
        target.append(record)
    return export


def _lines(file: TextIO) -> list[str]:
    """The lines of `file`, reading no line further than MAX_LINE."""
    lines: list[str] = []
    while line := file.readline(MAX_LINE + 1):
        if len(line) > MAX_LINE:
            raise ValueError(f"line {len(lines) + 1} is longer than {MAX_LINE} characters")
        lines.extend(line.splitlines())
    return lines


def _parse(line: str, number: int) -> Record:
    try:
        value = json.loads(line) if line.strip() else {}
    except ValueError:
        return {"type": "garbled", "line": number}
    return value if isinstance(value, dict) else {"type": "garbled", "line": number}


# --- the walk (mirrors rightful.domain.audit_verification) --------------------------------


@dataclass(frozen=True)
class _Problem:
    seq: int
    finding: str
    reason: str


class _Walk:
    def __init__(self, trusted: dict[int, str]) -> None:
        self.trusted = trusted
        self.expected_seq = 1
        self.prev_hash = GENESIS
        self.count = 0
        self.last_anchor = 0
        self.claims: list[tuple[int, str, int]] = []
        self.seen: OrderedDict[str, int] = OrderedDict({GENESIS: 0})

    def run(self, entries: Iterator[Record]) -> _Problem | None:
        for entry in entries:
            if not self._links(entry):
                return _diagnose(self, entry, _take(entries, LOOKAHEAD))
            signed = self.trusted.get(entry["seq"])
            if signed is not None and signed != entry["hash"]:
                reason = (
                    f"its hash differs from the signed checkpoint: the chain after seq "
                    f"{self.last_anchor} was rewritten and re-hashed"
                )
                return _Problem(entry["seq"], "rewritten", reason)
            if signed is not None:
                self.last_anchor = entry["seq"]
            self._advance(entry)
        return None

    def _links(self, entry: Record) -> bool:
        return (
            entry.get("seq") == self.expected_seq
            and entry.get("prev_hash") == self.prev_hash
            and entry_hash(entry) == entry.get("hash")
        )

    def _advance(self, entry: Record) -> None:
        claim = _checkpoint_claim(entry)
        if claim is not None:
            self.claims.append((*claim, entry["seq"]))
        self.seen[entry["hash"]] = entry["seq"]
        if len(self.seen) > REMEMBERED:
            self.seen.popitem(last=False)
        self.prev_hash = entry["hash"]
        self.expected_seq += 1
        self.count += 1


def _checkpoint_claim(entry: Record) -> tuple[int, str] | None:
    """(seq, key id) of the checkpoint an `audit.checkpointed` entry records, else None."""
    summary = entry.get("summary")
    if entry.get("action") != CHECKPOINTED or not isinstance(summary, dict):
        return None
    seq, key = summary.get("checkpoint_seq"), summary.get("key_id")
    return (seq, key) if _is_int(seq) and isinstance(key, str) else None


def _missing_checkpoint(walk: _Walk, records: Sequence[Record]) -> _Problem | None:
    """The first `audit.checkpointed` entry whose checkpoint line is not in the export."""
    present = {(record.get("seq"), record.get("key_id")) for record in records}
    for seq, key, recorded_at in walk.claims:
        if (seq, key) not in present:
            reason = (
                f"the checkpoint signed at seq {seq} (key {key}), which seq {recorded_at} "
                "records, is gone: checkpoints were deleted"
            )
            return _Problem(seq, "deleted", reason)
    return None


def _take(entries: Iterator[Record], limit: int) -> list[Record]:
    ahead: list[Record] = []
    for entry in entries:
        ahead.append(entry)
        if len(ahead) >= limit:
            break
    return ahead


def _diagnose(walk: _Walk, entry: Record, ahead: list[Record]) -> _Problem:
    due = walk.expected_seq
    if entry.get("type") == "garbled":
        return _Problem(due, "edited", f"line {entry['line']} is not a JSON object")
    if not _is_int(entry.get("seq")):
        return _Problem(due, "edited", "an entry line has no valid seq")
    if entry["seq"] != due:
        return _misplaced(walk, entry, ahead)
    return _damaged(walk, entry, ahead)


def _misplaced(walk: _Walk, entry: Record, ahead: list[Record]) -> _Problem:
    due, seq = walk.expected_seq, entry["seq"]
    if entry.get("prev_hash") == walk.prev_hash and _hashes_as(entry, due):
        return _Problem(due, "edited", f"its seq field was changed to {seq}")
    if seq > due:
        if any(other.get("seq") == due for other in ahead):
            return _Problem(due, "reordered", f"seq {seq} stands where seq {due} belongs")
        missing = f"seq {due}" if seq == due + 1 else f"seqs {due}–{seq - 1}"
        return _Problem(due, "deleted", f"{missing} missing; the chain resumes at {seq}")
    if seq >= 1:
        return _Problem(seq, "inserted", f"a second entry claims seq {seq}")
    return _Problem(due, "inserted", f"an entry claims seq {seq}")


def _damaged(walk: _Walk, entry: Record, ahead: list[Record]) -> _Problem:
    due, prev = walk.expected_seq, walk.prev_hash
    link = entry.get("prev_hash")
    if link != prev and link in {other.get("hash") for other in ahead}:
        return _Problem(due, "reordered", "it links to an entry that comes after it")
    if ahead and ahead[0].get("prev_hash") == prev:
        return _Problem(due, "inserted", f"the next entry links to seq {due - 1}, past it")
    if link == prev:
        return _Problem(due, "edited", "its content no longer matches its hash")
    earlier = walk.seen.get(link) if isinstance(link, str) else None
    if earlier is not None:
        reason = f"it links to seq {earlier}: entries after that were inserted"
        return _Problem(earlier + 1, "inserted", reason)
    if entry_hash(entry) != entry.get("hash"):
        return _renumbered_or_edited(entry, due)
    reason = f"it links to a hash no entry has: seq {due - 1} was rewritten and re-hashed"
    return _Problem(max(due - 1, 1), "rewritten", reason)


def _renumbered_or_edited(entry: Record, due: int) -> _Problem:
    for original in range(due + 1, due + RENUMBER_WINDOW + 1):
        if _hashes_as(entry, original):
            reason = f"seq {original} was renumbered to {due}: entries before it were removed"
            return _Problem(due, "deleted", reason)
    return _Problem(due, "edited", "its content and its link no longer match its hash")


def _hashes_as(entry: Record, seq: int) -> bool:
    return entry_hash({**entry, "seq": seq}) == entry.get("hash")


# --- the whole export ------------------------------------------------------------------------


def verify_records(export: Export, public_key: bytes) -> Verdict:
    """Check links, checkpoint signatures and hashes, and that the entries reach the signed head."""
    trusted, problems = _trusted_checkpoints(export.checkpoints, public_key)
    walk = _Walk(trusted)
    problem = walk.run(iter(export.entries))
    head, head_problem = _signed_head(export.heads, public_key, walk.expected_seq)
    if problem is None:
        problem = _check_end(walk, trusted, head)
    missing = _missing_checkpoint(walk, export.checkpoints)
    found = [p for p in (problem, head_problem, *problems, missing) if p is not None]
    first = min(found, key=lambda p: p.seq, default=None)
    checked = len(export.checkpoints)
    if first is None:
        return Verdict(walk.count, checked)
    return Verdict(walk.count, checked, first.seq, first.finding, first.reason)


def _trusted_checkpoints(
    records: Sequence[Record], public_key: bytes
) -> tuple[dict[int, str], list[_Problem]]:
    trusted: dict[int, str] = {}
    problems: list[_Problem] = []
    for record in records:
        seq = _seq_of(record)
        if record.get("key_id") != key_id(public_key):
            reason = f"unknown key {record.get('key_id')}"
            problems.append(_Problem(seq, "forged checkpoint", reason))
        elif seq < 1 or not signature_holds(record, public_key, CHECKPOINT_PURPOSE):
            problems.append(_Problem(seq, "forged checkpoint", "signature does not match"))
        else:
            trusted[seq] = record["head_hash"]
    return trusted, problems


def _signed_head(
    records: Sequence[Record], public_key: bytes, after: int
) -> tuple[tuple[int, str] | None, _Problem | None]:
    """The one signed head line; without it a cut-short export could pass as complete."""
    if not records:
        return None, _Problem(after, "deleted", "the signed head line is missing: cut short?")
    if len(records) > 1:
        seq = max(_seq_of(record) for record in records)
        return None, _Problem(seq, "inserted", f"{len(records)} head lines; an export has one")
    record = records[0]
    if not signature_holds(record, public_key, EXPORT_HEAD_PURPOSE):
        reason = "the export's head signature does not match"
        return None, _Problem(_seq_of(record), "forged checkpoint", reason)
    return (record["seq"], record["head_hash"]), None


def _seq_of(record: Record) -> int:
    seq = record.get("seq")
    return seq if isinstance(seq, int) and not isinstance(seq, bool) else 0


def _check_end(
    walk: _Walk, trusted: dict[int, str], head: tuple[int, str] | None
) -> _Problem | None:
    last, after = walk.expected_seq - 1, walk.expected_seq
    found: list[_Problem] = []
    beyond = [seq for seq in trusted if seq > last]
    if beyond:
        reason = f"the chain ends at seq {last} but a checkpoint was signed at seq {max(beyond)}"
        found.append(_Problem(after, "deleted", reason))
    if head is not None and head[0] > last:
        reason = f"the chain ends at seq {last} but the signed head is at seq {head[0]}"
        found.append(_Problem(after, "deleted", reason))
    elif head is not None and head[0] < last:
        reason = f"entries run past the signed head at seq {head[0]}"
        found.append(_Problem(head[0] + 1, "inserted", reason))
    elif head is not None and head[1] != walk.prev_hash:
        reason = "the signed head's hash differs: the chain was rewritten and re-hashed"
        found.append(_Problem(last, "rewritten", reason))
    return min(found, key=lambda p: p.seq, default=None)


def verify_export(path: Path, public_key_path: Path) -> Verdict:
    """Read an export and a PEM public key and verify; raises ExportUnreadableError on I/O."""
    return verify_records(read_export(path), load_public_key(public_key_path))


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: print one line, exit 0 (intact), 1 (tampered) or 2 (unreadable)."""
    parser = argparse.ArgumentParser(description="Verify a rightful audit export offline.")
    parser.add_argument("export", type=Path, help="file written by `rightful audit export`")
    parser.add_argument("--public-key", type=Path, required=True, help="Ed25519 public key (PEM)")
    args = parser.parse_args(argv)
    try:
        verdict = verify_export(args.export, args.public_key)
    except ExportUnreadableError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(verdict.describe())
    return 0 if verdict.ok else 1


if __name__ == "__main__":
    sys.exit(main())
