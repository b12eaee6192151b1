"""Walk an audit chain once, in order, and name the first bad sequence number and what happened.

The walk streams: it keeps a bounded memory of recent hashes and, only after the first anomaly,
reads a bounded look-ahead to tell an edit from a deletion, insertion or reordering. The
standalone `rightful.audit_verify` mirrors these rules on purpose (it must not import rightful);
a test holds the two to the same answers.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import islice
from typing import Final

from rightful.domain.audit import (
    GENESIS_HASH,
    AuditEntry,
    ChainHead,
    Checkpoint,
    CheckpointClaim,
    checkpoint_claim,
    expected_hash,
    keys_by_id,
    verify_checkpoint,
)
from rightful.domain.words import counted

LOOKAHEAD: Final = 10_000
REMEMBERED: Final = 100_000
RENUMBER_WINDOW: Final = 64
PROGRESS_EVERY: Final = 1000


class Finding(StrEnum):
    """What tampering the first bad entry shows."""

    EDITED = "edited"
    DELETED = "deleted"
    INSERTED = "inserted"
    REORDERED = "reordered"
    REWRITTEN = "rewritten"
    FORGED_CHECKPOINT = "forged checkpoint"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the chain, at a sequence number."""

    seq: int
    finding: Finding
    reason: str


@dataclass(frozen=True)
class VerificationResult:
    """The outcome: how much was checked and, when broken, the first bad seq and why.

    `signed_up_to` is the last seq a trusted checkpoint (or an anchor export) vouches for;
    entries after it rest on the hash links alone.
    """

    entries_checked: int
    checkpoints_checked: int
    first_bad_seq: int | None = None
    finding: Finding | None = None
    reason: str | None = None
    signed_up_to: int = 0
    anchored_up_to: int = 0

    @property
    def ok(self) -> bool:
        return self.finding is None

    def describe(self) -> str:
        """One line for people: 'chain intact: …' or 'first bad entry: seq K (finding): why'."""
        if not self.ok:
            return f"first bad entry: seq {self.first_bad_seq} ({self.finding}): {self.reason}"
        line = (
            f"chain intact: {counted(self.entries_checked, 'entry', 'entries')}, "
            f"{counted(self.checkpoints_checked, 'checkpoint', 'checkpoints')}"
        )
        if self.signed_up_to:
            line += f"; signed up to seq {self.signed_up_to}"
        elif self.entries_checked:
            line += "; no checkpoint signs it yet"
        if self.anchored_up_to:
            line += f"; matches the anchor export up to seq {self.anchored_up_to}"
        return line


HeadSource = ChainHead | Callable[[], ChainHead] | None


def verify_chain(
    entries: Iterable[AuditEntry],
    *,
    checkpoints: Sequence[Checkpoint] = (),
    public_keys: Sequence[bytes] = (),
    head: HeadSource = None,
    progress: Callable[[int], None] | None = None,
    late_checkpoints: Callable[[], Sequence[Checkpoint]] | None = None,
    anchors: Sequence[ChainHead] = (),
    checkpoint_every: int | None = None,
) -> VerificationResult:
    """Check every link, every checkpoint signature and hash, and the stored head; first bad wins.

    `head` may be a callable: it is read only after the entries are exhausted, so a store can
    report its head after the last entry was streamed. So is `late_checkpoints`: checkpoints
    stored while the entries streamed, which `audit.checkpointed` entries may already name.
    `anchors` are heads taken from an export kept off the box and verified beforehand; the
    chain must still hold exactly those hashes. With `checkpoint_every`, a chain whose end has
    gone longer without a checkpoint than the store ever allows is reported too.
    """
    trusted, forged = _check_signatures(checkpoints, public_keys)
    walk = _Walk(trusted, {a.last_seq: a.last_hash for a in anchors})
    problem = walk.run(iter(entries), progress)
    if problem is None:
        problem = _check_end(walk, head() if callable(head) else head)
    late = list(late_checkpoints()) if late_checkpoints is not None else []
    covered = _covered(walk, late, public_keys)
    found = (
        problem,
        *forged,
        _missing_checkpoint(walk, [*checkpoints, *late]),
        _unsigned_tail(walk, covered, checkpoint_every),
    )
    first = min((p for p in found if p is not None), key=lambda p: p.seq, default=None)
    result = VerificationResult(
        walk.count, len(checkpoints), signed_up_to=covered, anchored_up_to=walk.last_anchored
    )
    if first is None:
        return result
    return dataclasses.replace(
        result, first_bad_seq=first.seq, finding=first.finding, reason=first.reason
    )


def _check_signatures(
    checkpoints: Sequence[Checkpoint], public_keys: Sequence[bytes]
) -> tuple[dict[int, str], list[Problem]]:
    keys = keys_by_id(public_keys)
    trusted: dict[int, str] = {}
    forged: list[Problem] = []
    for cp in checkpoints:
        key = keys.get(cp.key_id)
        if key is None:
            forged.append(Problem(cp.seq, Finding.FORGED_CHECKPOINT, f"unknown key {cp.key_id}"))
        elif cp.seq < 1 or not verify_checkpoint(cp, key):
            forged.append(Problem(cp.seq, Finding.FORGED_CHECKPOINT, "signature does not match"))
        else:
            trusted[cp.seq] = cp.head_hash
    return trusted, forged


def _check_end(walk: _Walk, head: ChainHead | None) -> Problem | None:
    last, after = walk.expected_seq - 1, walk.expected_seq
    found: list[Problem] = []
    beyond = [seq for seq in walk.trusted if seq > last]
    if beyond:
        reason = f"the chain ends at seq {last} but a checkpoint was signed at seq {max(beyond)}"
        found.append(Problem(after, Finding.DELETED, reason))
    anchored_beyond = [seq for seq in walk.anchors if seq > last]
    if anchored_beyond:
        reason = (
            f"the chain ends at seq {last} but the anchor export reaches seq {max(anchored_beyond)}"
        )
        found.append(Problem(after, Finding.DELETED, reason))
    if head is not None and head.last_seq > last:
        reason = f"the chain ends at seq {last} but the store's head is at seq {head.last_seq}"
        found.append(Problem(after, Finding.DELETED, reason))
    elif head is not None and head.last_seq < last:
        reason = f"entries run past the store's head at seq {head.last_seq}"
        found.append(Problem(head.last_seq + 1, Finding.INSERTED, reason))
    elif head is not None and head.last_hash != walk.prev_hash:
        reason = "the store's head hash differs: the last entry or the head was rewritten"
        found.append(Problem(last, Finding.REWRITTEN, reason))
    return min(found, key=lambda p: p.seq, default=None)


def _missing_checkpoint(walk: _Walk, stored: Sequence[Checkpoint]) -> Problem | None:
    """The first `audit.checkpointed` entry whose checkpoint is no longer stored."""
    present = {(cp.seq, cp.key_id) for cp in stored}
    for claim, recorded_at in walk.claims:
        if (claim.seq, claim.key_id) not in present:
            reason = (
                f"the checkpoint signed at seq {claim.seq} (key {claim.key_id}), which seq "
                f"{recorded_at} records, is gone: checkpoints were deleted"
            )
            return Problem(claim.seq, Finding.DELETED, reason)
    return None


def _covered(walk: _Walk, late: Sequence[Checkpoint], public_keys: Sequence[bytes]) -> int:
    """The last seq a trusted signature vouches for, counting checkpoints stored meanwhile."""
    covered = walk.last_anchor
    keys = keys_by_id(public_keys)
    for cp in late:
        key = keys.get(cp.key_id)
        if key is None or cp.seq <= covered or walk.seen.get(cp.head_hash) != cp.seq:
            continue
        if verify_checkpoint(cp, key):
            covered = cp.seq
    return covered


def _unsigned_tail(walk: _Walk, covered: int, setting: int | None) -> Problem | None:
    """A store signs every `every`-th entry (and records that it did in the next one), so a
    longer unsigned end means signed checkpoints were removed, or the chain rebuilt without.
    The interval is the larger of this verifier's setting and the one the chain last recorded,
    so that raising the setting, or verifying with another one, is no false alarm."""
    if setting is None:
        return None
    last = walk.expected_seq - 1
    recorded = walk.claims[-1][0].every if walk.claims else None
    every = max(setting, recorded or 0)
    if last - covered <= every + 1:
        return None
    reason = (
        f"seqs {covered + 1}–{last} carry no signed checkpoint although one is signed every "
        f"{every} entries: checkpoints were deleted or the chain was rebuilt"
    )
    return Problem(covered + every, Finding.DELETED, reason)


class _Walk:
    """The state of one pass: what seq and hash come next, recent hashes, last good checkpoint."""

    def __init__(self, trusted: dict[int, str], anchors: dict[int, str]) -> None:
        self.trusted = trusted
        self.anchors = anchors
        self.expected_seq = 1
        self.prev_hash = GENESIS_HASH
        self.count = 0
        self.last_anchor = 0
        self.last_anchored = 0
        self.claims: list[tuple[CheckpointClaim, int]] = []
        # Genesis counts as seq 0 so that an entry slipped in before seq 1 is found too.
        self.seen: OrderedDict[str, int] = OrderedDict({GENESIS_HASH: 0})

    def run(
        self, entries: Iterator[AuditEntry], progress: Callable[[int], None] | None
    ) -> Problem | None:
        for entry in entries:
            if not self._links(entry):
                return _diagnose(self, entry, list(islice(entries, LOOKAHEAD)))
            problem = self._against_checkpoint(entry)
            if problem is not None:
                return problem
            self._advance(entry)
            if progress is not None and self.count % PROGRESS_EVERY == 0:
                progress(self.count)
        if progress is not None:
            progress(self.count)
        return None

    def _links(self, entry: AuditEntry) -> bool:
        return (
            entry.seq == self.expected_seq
            and entry.prev_hash == self.prev_hash
            and expected_hash(entry) == entry.hash
        )

    def _against_checkpoint(self, entry: AuditEntry) -> Problem | None:
        anchored = self.anchors.get(entry.seq)
        if anchored is not None and anchored != entry.hash:
            reason = (
                "its hash differs from the anchor export's: the chain was rewritten after "
                "the export was taken"
            )
            return Problem(entry.seq, Finding.REWRITTEN, reason)
        if anchored is not None:
            self.last_anchored = self.last_anchor = entry.seq
        signed = self.trusted.get(entry.seq)
        if signed is None:
            return None
        if signed != entry.hash:
            reason = (
                f"its hash differs from the signed checkpoint: the chain after seq "
                f"{self.last_anchor} was rewritten and re-hashed"
            )
            return Problem(entry.seq, Finding.REWRITTEN, reason)
        self.last_anchor = entry.seq
        return None

    def _advance(self, entry: AuditEntry) -> None:
        claim = checkpoint_claim(entry)
        if claim is not None:
            self.claims.append((claim, entry.seq))
        self.seen[entry.hash] = entry.seq
        if len(self.seen) > REMEMBERED:
            self.seen.popitem(last=False)
        self.prev_hash = entry.hash
        self.expected_seq += 1
        self.count += 1


def _diagnose(walk: _Walk, entry: AuditEntry, ahead: list[AuditEntry]) -> Problem:
    if entry.seq != walk.expected_seq:
        return _misplaced(walk, entry, ahead)
    return _damaged(walk, entry, ahead)


def _misplaced(walk: _Walk, entry: AuditEntry, ahead: list[AuditEntry]) -> Problem:
    """The entry carries another seq than the one due here."""
    due = walk.expected_seq
    if entry.prev_hash == walk.prev_hash and _hashes_as(entry, due):
        return Problem(due, Finding.EDITED, f"its seq field was changed to {entry.seq}")
    if entry.seq > due:
        if any(other.seq == due for other in ahead):
            return Problem(
                due, Finding.REORDERED, f"seq {entry.seq} stands where seq {due} belongs"
            )
        missing = f"seq {due}" if entry.seq == due + 1 else f"seqs {due}–{entry.seq - 1}"
        return Problem(due, Finding.DELETED, f"{missing} missing; the chain resumes at {entry.seq}")
    if entry.seq >= 1:
        return Problem(entry.seq, Finding.INSERTED, f"a second entry claims seq {entry.seq}")
    return Problem(due, Finding.INSERTED, f"an entry claims seq {entry.seq}")


def _damaged(walk: _Walk, entry: AuditEntry, ahead: list[AuditEntry]) -> Problem:
    """The entry has the right seq but its link or its content does not hold."""
    due, prev = walk.expected_seq, walk.prev_hash
    if entry.prev_hash != prev and entry.prev_hash in {other.hash for other in ahead}:
        return Problem(due, Finding.REORDERED, "it links to an entry that comes after it")
    if ahead and ahead[0].prev_hash == prev:
        return Problem(due, Finding.INSERTED, f"the next entry links to seq {due - 1}, past it")
    if entry.prev_hash == prev:
        return Problem(due, Finding.EDITED, "its content no longer matches its hash")
    earlier = walk.seen.get(entry.prev_hash)
    if earlier is not None:
        reason = f"it links to seq {earlier}: entries after that were inserted"
        return Problem(earlier + 1, Finding.INSERTED, reason)
    if expected_hash(entry) != entry.hash:
        return _renumbered_or_edited(entry, due)
    reason = f"it links to a hash no entry has: seq {due - 1} was rewritten and re-hashed"
    return Problem(max(due - 1, 1), Finding.REWRITTEN, reason)


def _renumbered_or_edited(entry: AuditEntry, due: int) -> Problem:
    for original in range(due + 1, due + RENUMBER_WINDOW + 1):
        if _hashes_as(entry, original):
            reason = f"seq {original} was renumbered to {due}: entries before it were removed"
            return Problem(due, Finding.DELETED, reason)
    return Problem(due, Finding.EDITED, "its content and its link no longer match its hash")


def _hashes_as(entry: AuditEntry, seq: int) -> bool:
    return expected_hash(dataclasses.replace(entry, seq=seq)) == entry.hash
