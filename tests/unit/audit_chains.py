"""Random audit chains and the ways someone with write access could tamper with them.

Each operation returns the tampered chain together with the first bad seq a verifier must name
and the findings it may give there.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from rightful.domain.audit import (
    GENESIS_HASH,
    AuditEntry,
    ChainHead,
    Checkpoint,
    EntryDraft,
    public_key_of,
    seal,
    sign_checkpoint,
)
from rightful.domain.audit_verification import Finding

T0 = datetime(2026, 1, 31, 9, 30, tzinfo=UTC)
KEY = bytes(range(32))
PUBLIC_KEY = public_key_of(KEY)
OTHER_KEY = bytes(range(100, 132))

ids = st.text(alphabet="abcdef0123456789-", min_size=1, max_size=36)
words = st.text(alphabet=st.characters(categories=["L", "N"]), min_size=1, max_size=20)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-(10**15), 10**15), ids, words)
summaries = st.dictionaries(
    st.sampled_from(["count", "kind", "source_id", "target", "months", "key_id", "item_ids"]),
    st.one_of(scalars, st.lists(scalars, max_size=4)),
    max_size=4,
)
drafts = st.builds(
    EntryDraft,
    actor=st.sampled_from(["system", "key:0f3a9c", "requester:r-1", "cli:ops"]),
    role=st.sampled_from(["system", "agent", "reviewer", "dpo", "admin"]),
    action=st.sampled_from(["request.submitted", "request.transitioned", "staff.key_issued"]),
    request_id=st.none() | ids,
    summary=summaries,
)


@dataclass(frozen=True)
class Chain:
    """An honest chain, its checkpoints and the head its store records."""

    entries: list[AuditEntry]
    checkpoints: list[Checkpoint]

    @property
    def head(self) -> ChainHead:
        last = self.entries[-1]
        return ChainHead(last.seq, last.hash)


@dataclass(frozen=True)
class Tampered:
    """A chain after tampering, and what a verifier must say about it (seq None: still valid)."""

    entries: list[AuditEntry]
    checkpoints: list[Checkpoint]
    head: ChainHead
    seq: int | None
    findings: frozenset[Finding] = field(default_factory=frozenset)


def build(entry_drafts: list[EntryDraft], gaps: list[int], start: int = 1) -> list[AuditEntry]:
    """Seal drafts into a chain with increasing times."""
    entries: list[AuditEntry] = []
    prev, at = GENESIS_HASH, T0
    for offset, (draft, gap) in enumerate(zip(entry_drafts, gaps, strict=False)):
        at += timedelta(microseconds=gap)
        entries.append(seal(draft, start + offset, at, prev))
        prev = entries[-1].hash
    return entries


@st.composite
def chains(draw: st.DrawFn, min_size: int = 2, max_size: int = 12) -> Chain:
    """A random honest chain with up to three checkpoints."""
    entry_drafts = draw(st.lists(drafts, min_size=min_size, max_size=max_size))
    gaps = draw(
        st.lists(st.integers(0, 10**10), min_size=len(entry_drafts), max_size=len(entry_drafts))
    )
    entries = build(entry_drafts, gaps)
    seqs = draw(st.sets(st.integers(1, len(entries)), max_size=3))
    at = entries[-1].at
    checkpoints = [
        sign_checkpoint(KEY, ChainHead(s, entries[s - 1].hash), at) for s in sorted(seqs)
    ]
    return Chain(entries, checkpoints)


def _flip(hex_text: str) -> str:
    return ("1" if hex_text[0] == "0" else "0") + hex_text[1:]


def _with(entry: AuditEntry, **changes: object) -> AuditEntry:
    return dataclasses.replace(entry, **changes)  # type: ignore[arg-type]


def _expect(c: Chain, entries: list[AuditEntry], seq: int | None, *found: Finding) -> Tampered:
    return Tampered(entries, c.checkpoints, c.head, seq, frozenset(found))


# --- tampering operations: each returns the chain and what a verifier must say


def edit(data: st.DataObject, c: Chain) -> Tampered:
    """Change one field of one entry and leave its hash alone."""
    i = data.draw(st.integers(0, len(c.entries) - 1), label="index")
    e = c.entries[i]
    name = data.draw(
        st.sampled_from(
            ["summary", "actor", "role", "action", "request_id", "at", "prev_hash", "hash", "seq"]
        ),
        label="field",
    )
    new_values: dict[str, Callable[[], object]] = {
        "summary": lambda: {**e.summary, "tampered": True},
        "actor": lambda: e.actor + "x",
        "role": lambda: "admin" if e.role != "admin" else "agent",
        "action": lambda: e.action + "x",
        "request_id": lambda: None if e.request_id is not None else "r-forged",
        "at": lambda: e.at + timedelta(microseconds=1),
        "prev_hash": lambda: _flip(e.prev_hash),
        "hash": lambda: _flip(e.hash),
        "seq": lambda: data.draw(st.integers(-2, len(c.entries) + 5).filter(lambda s: s != e.seq)),
    }
    entries = [*c.entries[:i], _with(e, **{name: new_values[name]()}), *c.entries[i + 1 :]]
    return _expect(c, entries, e.seq, Finding.EDITED)


def delete(data: st.DataObject, c: Chain) -> Tampered:
    """Remove one to three consecutive entries; seq numbers keep their gap."""
    i = data.draw(st.integers(0, len(c.entries) - 1), label="first")
    j = data.draw(st.integers(i, min(i + 2, len(c.entries) - 1)), label="last")
    return _expect(c, c.entries[:i] + c.entries[j + 1 :], i + 1, Finding.DELETED)


def delete_and_renumber(data: st.DataObject, c: Chain) -> Tampered:
    """Remove entries and close the gap by renumbering the later ones (without re-hashing)."""
    i = data.draw(st.integers(0, len(c.entries) - 1), label="first")
    j = data.draw(st.integers(i, min(i + 2, len(c.entries) - 1)), label="last")
    removed = j - i + 1
    later = [_with(e, seq=e.seq - removed) for e in c.entries[j + 1 :]]
    return _expect(c, c.entries[:i] + later, i + 1, Finding.DELETED)


def swap_positions(data: st.DataObject, c: Chain) -> Tampered:
    """Exchange two entries' places in the sequence (as lines of an export)."""
    i, j = sorted(
        data.draw(st.lists(st.integers(0, len(c.entries) - 1), min_size=2, max_size=2, unique=True))
    )
    entries = list(c.entries)
    entries[i], entries[j] = entries[j], entries[i]
    return _expect(c, entries, i + 1, Finding.REORDERED)


def swap_seqs(data: st.DataObject, c: Chain) -> Tampered:
    """Exchange two rows' seq numbers (as an UPDATE in the store would)."""
    i, j = sorted(
        data.draw(st.lists(st.integers(0, len(c.entries) - 1), min_size=2, max_size=2, unique=True))
    )
    entries = list(c.entries)
    entries[i], entries[j] = _with(c.entries[j], seq=i + 1), _with(c.entries[i], seq=j + 1)
    return _expect(c, entries, i + 1, Finding.REORDERED)


def move(data: st.DataObject, c: Chain) -> Tampered:
    """Take one entry out and put it back somewhere else."""
    i, j = data.draw(
        st.lists(st.integers(0, len(c.entries) - 1), min_size=2, max_size=2, unique=True)
    )
    entries = list(c.entries)
    entries.insert(j, entries.pop(i))
    return _expect(c, entries, min(i, j) + 1, Finding.REORDERED)


def insert(data: st.DataObject, c: Chain) -> Tampered:
    """Slip in a forged entry, correctly linked and hashed or not, with or without renumbering."""
    n = len(c.entries)
    perfect = data.draw(st.booleans(), label="perfect")
    renumber = data.draw(st.booleans(), label="renumber")
    p = data.draw(st.integers(1, n + 1 if perfect else n), label="seq")
    prev = c.entries[p - 2].hash if p > 1 else GENESIS_HASH
    at = c.entries[p - 2].at if p > 1 else T0
    forged = seal(data.draw(drafts, label="forged"), p, at, prev)
    if not perfect:
        forged = _with(forged, hash=_flip(forged.hash))
    later = c.entries[p - 1 :]
    if renumber:
        later = [_with(e, seq=e.seq + 1) for e in later]
    entries = [*c.entries[: p - 1], forged, *later]
    if renumber and p <= n and forged == c.entries[p - 1]:
        # The forgery is the very entry it pushed on: of two equal entries, the copy is the one
        # that no longer fits, one seq later (a checkpoint at p signs the equal one, rightly).
        return _expect(c, entries, p + 1, Finding.INSERTED)
    signed = {cp.seq for cp in c.checkpoints}
    if perfect and p in signed:
        return _expect(c, entries, p, Finding.INSERTED, Finding.REWRITTEN)
    return _expect(c, entries, p, Finding.INSERTED)


def rewrite_tail(data: st.DataObject, c: Chain) -> Tampered:
    """Rewrite history from some entry on and re-hash everything after it, head included.

    Only a checkpoint signed at or after the first rewritten entry can reveal this.
    """
    k = data.draw(st.integers(0, len(c.entries) - 1), label="from")
    prev = c.entries[k - 1].hash if k > 0 else GENESIS_HASH
    entries = c.entries[:k] + _rechain(c.entries[k:], prev)
    head = ChainHead(entries[-1].seq, entries[-1].hash)
    covered = sorted(cp.seq for cp in c.checkpoints if cp.seq > k)
    seq = covered[0] if covered else None
    return Tampered(entries, c.checkpoints, head, seq, frozenset({Finding.REWRITTEN}))


def _rechain(tail: list[AuditEntry], prev: str) -> list[AuditEntry]:
    """Re-seal entries with altered summaries so that every link holds again."""
    out: list[AuditEntry] = []
    for e in tail:
        summary = {**e.summary, "tampered": True}
        draft = EntryDraft(e.actor, e.role, e.action, e.request_id, summary)
        out.append(seal(draft, e.seq, e.at, prev))
        prev = out[-1].hash
    return out


def forge_checkpoint(data: st.DataObject, c: Chain) -> Tampered:
    """Alter a signed checkpoint, or sign one with a key nobody trusts."""
    n = len(c.entries)
    seq = data.draw(st.integers(1, n), label="checkpoint seq")
    honest = sign_checkpoint(KEY, ChainHead(seq, c.entries[seq - 1].hash), c.entries[-1].at)
    how = data.draw(
        st.sampled_from(["signature", "head_hash", "at", "other key", "seq"]), label="how"
    )
    if how == "other key":
        forged = sign_checkpoint(OTHER_KEY, ChainHead(seq, honest.head_hash), honest.at)
    elif how == "seq":
        other = data.draw(st.integers(1, n + 3).filter(lambda s: s != seq), label="new seq")
        forged = dataclasses.replace(honest, seq=other)
    else:
        changed: dict[str, object] = {
            "signature": _flip(honest.signature),
            "head_hash": _flip(honest.head_hash),
            "at": honest.at + timedelta(seconds=1),
        }
        forged = dataclasses.replace(honest, **{how: changed[how]})  # type: ignore[arg-type]
    return Tampered(
        c.entries,
        [*c.checkpoints, forged],
        c.head,
        forged.seq,
        frozenset({Finding.FORGED_CHECKPOINT}),
    )


def move_head(data: st.DataObject, c: Chain) -> Tampered:
    """Edit the store's record of where the chain ends."""
    n = len(c.entries)
    how = data.draw(st.sampled_from(["back", "forward", "hash"]), label="how")
    if how == "back":
        return Tampered(
            c.entries,
            c.checkpoints,
            ChainHead(n - 1, c.entries[n - 2].hash),
            n,
            frozenset({Finding.INSERTED}),
        )
    if how == "forward":
        return Tampered(
            c.entries,
            c.checkpoints,
            ChainHead(n + 1, c.head.last_hash),
            n + 1,
            frozenset({Finding.DELETED}),
        )
    return Tampered(
        c.entries,
        c.checkpoints,
        ChainHead(n, _flip(c.head.last_hash)),
        n,
        frozenset({Finding.REWRITTEN}),
    )


OPERATIONS = (
    edit,
    delete,
    delete_and_renumber,
    swap_positions,
    swap_seqs,
    move,
    insert,
    rewrite_tail,
    forge_checkpoint,
    move_head,
)
