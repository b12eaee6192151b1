"""The audit chain, pure: canonical form, links, tamper detection, checkpoints, no personal data.

Accountability (Art. 5(2), REQUIREMENTS.md "Breaches"): every state change must be provable
afterwards, so any edit, deletion, insertion or reordering of an entry has to be found, and at
the first sequence number where the chain stops being what was written.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import datetime, timedelta, timezone
from enum import IntEnum, StrEnum

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rightful import audit_verify
from rightful.domain.audit import (
    EXPORT_HEAD_PURPOSE,
    GENESIS_HASH,
    AuditEntry,
    AuditSummaryError,
    ChainHead,
    Checkpoint,
    EntryDraft,
    canonical_form,
    check_summary,
    checkpoint_record,
    checkpointed_draft,
    entry_record,
    expected_hash,
    key_id_of,
    seal,
    sign_checkpoint,
    verify_checkpoint,
)
from rightful.domain.audit_verification import Finding, VerificationResult, verify_chain

from .audit_chains import (
    KEY,
    OPERATIONS,
    OTHER_KEY,
    PUBLIC_KEY,
    T0,
    Chain,
    Tampered,
    build,
    chains,
    delete,
    delete_and_renumber,
    edit,
    forge_checkpoint,
    insert,
    move,
    move_head,
    rewrite_tail,
    swap_positions,
    swap_seqs,
)


def verify(t: Tampered) -> VerificationResult:
    return verify_chain(t.entries, checkpoints=t.checkpoints, public_keys=[PUBLIC_KEY], head=t.head)


def verify_offline(t: Tampered) -> audit_verify.Verdict:
    """The same chain as an export file's lines, checked by the standalone verifier."""
    head = sign_checkpoint(KEY, t.head, T0, EXPORT_HEAD_PURPOSE)
    export = audit_verify.Export(
        entries=[_through_json(entry_record(e)) for e in t.entries],
        checkpoints=[_through_json(checkpoint_record(cp)) for cp in t.checkpoints],
        heads=[_through_json(checkpoint_record(head, kind="head"))],
    )
    return audit_verify.verify_records(export, PUBLIC_KEY)


def _through_json(record: dict[str, object]) -> dict[str, object]:
    return json.loads(json.dumps(record, ensure_ascii=False, sort_keys=True))  # type: ignore[no-any-return]


def assert_found(t: Tampered, *results: VerificationResult | audit_verify.Verdict) -> None:
    for result in results:
        if t.seq is None:
            assert result.ok, result.describe()
            continue
        assert not result.ok
        assert result.first_bad_seq == t.seq, result.describe()
        assert result.finding in t.findings, result.describe()


def check(t: Tampered) -> None:
    """Both verifiers, the store's and the offline one, must find the tampering."""
    assert_found(t, verify(t), verify_offline(t))


def sample_entry(**summary: object) -> AuditEntry:
    draft = EntryDraft("system", "system", "request.submitted", "r1", check_summary(summary))
    return seal(draft, 1, T0, GENESIS_HASH)


# --- canonical form ---------------------------------------------------------------------------


def test_the_canonical_form_is_sorted_compact_json_of_every_field_but_the_hash() -> None:
    """The exact bytes are part of the format: an offline verifier re-implements them."""
    entry = sample_entry(count=2, kind="access")
    expected = (
        b'{"action":"request.submitted","actor":"system","at":"2026-01-31T09:30:00.000000Z",'
        b'"prev_hash":"' + b"0" * 64 + b'","request_id":"r1","role":"system","seq":1,'
        b'"summary":{"count":2,"kind":"access"}}'
    )
    assert canonical_form(entry) == expected
    assert entry.hash == hashlib.sha256(bytes(32) + expected).hexdigest()


def test_timestamps_are_normalised_to_utc_with_microseconds_and_z() -> None:
    at = datetime(2026, 1, 31, 11, 30, 0, 5, tzinfo=timezone(timedelta(hours=1)))
    entry = seal(EntryDraft("system", "system", "request.submitted"), 1, at, GENESIS_HASH)
    assert b'"at":"2026-01-31T10:30:00.000005Z"' in canonical_form(entry)


def test_non_ascii_ids_are_hashed_as_utf8() -> None:
    entry = sample_entry(kind="Zurückgezogen")
    assert "Zurückgezogen".encode() in canonical_form(entry)


@settings(max_examples=150, deadline=None)
@given(chain=chains(min_size=1, max_size=4))
def test_the_offline_verifier_computes_the_same_canonical_form_and_hash(chain: Chain) -> None:
    """audit_verify.py duplicates the canonical form on purpose; both must agree byte for byte."""
    for entry in chain.entries:
        line = json.loads(json.dumps(entry_record(entry), ensure_ascii=False, sort_keys=True))
        assert audit_verify.canonical_entry(line) == canonical_form(entry)
        assert audit_verify.entry_hash(line) == entry.hash == expected_hash(entry)
    for cp in chain.checkpoints:
        record = json.loads(json.dumps(checkpoint_record(cp)))
        assert audit_verify.signature_holds(record, PUBLIC_KEY, "rightful.audit.checkpoint.v1")


# --- an honest chain --------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(chain=chains(min_size=1))
def test_an_untouched_chain_verifies(chain: Chain) -> None:
    check(Tampered(chain.entries, chain.checkpoints, chain.head, seq=None))
    result = verify(Tampered(chain.entries, chain.checkpoints, chain.head, seq=None))
    n, m = len(chain.entries), len(chain.checkpoints)
    entries = "1 entry" if n == 1 else f"{n} entries"
    checkpoints = "1 checkpoint" if m == 1 else f"{m} checkpoints"
    signed = max((cp.seq for cp in chain.checkpoints), default=0)
    coverage = f"signed up to seq {signed}" if signed else "no checkpoint signs it yet"
    assert result.describe() == f"chain intact: {entries}, {checkpoints}; {coverage}"
    assert result.signed_up_to == signed


def test_an_empty_chain_verifies_against_an_empty_head() -> None:
    assert verify_chain([], head=ChainHead(0, GENESIS_HASH)).ok


def test_progress_is_reported_up_to_the_last_entry() -> None:
    entries = build([EntryDraft("system", "system", "a.b")] * 3, [1, 1, 1])
    seen: list[int] = []
    verify_chain(entries, progress=seen.append)
    assert seen[-1] == 3


# --- tampering: one property per kind of attack -----------------------------------------------

TAMPER_SETTINGS = settings(max_examples=120, deadline=None)


@TAMPER_SETTINGS
@given(chain=chains(), data=st.data())
def test_an_edited_field_is_found_at_its_entry(chain: Chain, data: st.DataObject) -> None:
    check(edit(data, chain))


@TAMPER_SETTINGS
@given(chain=chains(), data=st.data())
def test_deleted_entries_are_found_at_the_first_missing_seq(
    chain: Chain, data: st.DataObject
) -> None:
    check(delete(data, chain))


@TAMPER_SETTINGS
@given(chain=chains(), data=st.data())
def test_a_deletion_hidden_by_renumbering_is_still_found(chain: Chain, data: st.DataObject) -> None:
    check(delete_and_renumber(data, chain))


@TAMPER_SETTINGS
@given(chain=chains(), data=st.data())
def test_reordered_entries_are_found_where_the_order_first_breaks(
    chain: Chain, data: st.DataObject
) -> None:
    op = data.draw(st.sampled_from([swap_positions, swap_seqs, move]))
    check(op(data, chain))


@TAMPER_SETTINGS
@given(chain=chains(), data=st.data())
def test_an_inserted_entry_is_found_even_when_forged_with_a_valid_hash(
    chain: Chain, data: st.DataObject
) -> None:
    check(insert(data, chain))


@TAMPER_SETTINGS
@given(chain=chains(), data=st.data())
def test_a_rehashed_rewrite_is_caught_by_the_first_checkpoint_after_it(
    chain: Chain, data: st.DataObject
) -> None:
    """Without the key, a re-hashed rewrite survives only after the last checkpoint."""
    check(rewrite_tail(data, chain))


@TAMPER_SETTINGS
@given(chain=chains(), data=st.data())
def test_a_forged_checkpoint_is_named(chain: Chain, data: st.DataObject) -> None:
    check(forge_checkpoint(data, chain))


@TAMPER_SETTINGS
@given(chain=chains(), data=st.data())
def test_a_moved_head_is_found(chain: Chain, data: st.DataObject) -> None:
    check(move_head(data, chain))


def test_cutting_off_the_tail_is_caught_by_a_later_checkpoint_even_with_a_rewound_head() -> None:
    entries = build([EntryDraft("system", "system", "a.b")] * 6, [1] * 6)
    cp = sign_checkpoint(KEY, ChainHead(6, entries[5].hash), T0)
    kept = entries[:4]
    result = verify_chain(
        kept, checkpoints=[cp], public_keys=[PUBLIC_KEY], head=ChainHead(4, kept[-1].hash)
    )
    assert (result.first_bad_seq, result.finding) == (5, Finding.DELETED)


def signed_chain(size: int, signed: set[int], every: int = 5) -> Chain:
    """An honest chain as the store writes it: each checkpoint is followed by the entry that
    records it (`audit.checkpointed`)."""
    entries: list[AuditEntry] = []
    checkpoints: list[Checkpoint] = []

    def append(draft: EntryDraft) -> AuditEntry:
        prev = entries[-1].hash if entries else GENESIS_HASH
        entries.append(seal(draft, len(entries) + 1, T0, prev))
        return entries[-1]

    for n in range(size):
        entry = append(EntryDraft("system", "system", "request.submitted", None, {"n": n}))
        if n in signed:
            checkpoints.append(sign_checkpoint(KEY, ChainHead(entry.seq, entry.hash), T0))
            append(checkpointed_draft(checkpoints[-1], every))
    return Chain(entries, checkpoints)


@TAMPER_SETTINGS
@given(
    size=st.integers(2, 12),
    data=st.data(),
)
def test_a_deleted_checkpoint_is_found_by_the_entry_that_records_it(
    size: int, data: st.DataObject
) -> None:
    signed = data.draw(st.sets(st.integers(0, size - 1), min_size=1), label="signed")
    chain = signed_chain(size, signed)
    gone = data.draw(st.sets(st.sampled_from(chain.checkpoints), min_size=1), label="deleted")
    kept = [cp for cp in chain.checkpoints if cp not in gone]
    t = Tampered(chain.entries, kept, chain.head, min(cp.seq for cp in gone),
                 frozenset({Finding.DELETED}))  # fmt: skip
    check(t)


def test_a_checkpoint_stored_while_the_entries_streamed_counts() -> None:
    chain = signed_chain(4, {1, 3})
    early, late = chain.checkpoints[:1], chain.checkpoints[1:]
    result = verify_chain(
        chain.entries, checkpoints=early, public_keys=[PUBLIC_KEY], head=chain.head,
        late_checkpoints=lambda: late, checkpoint_every=5,
    )  # fmt: skip
    assert result.ok, result.describe()
    assert result.signed_up_to == late[-1].seq


def test_an_end_longer_unsigned_than_the_store_allows_is_found() -> None:
    chain = signed_chain(12, set())
    result = verify_chain(chain.entries, head=chain.head, checkpoint_every=5)
    assert (result.first_bad_seq, result.finding) == (5, Finding.DELETED)
    assert "seqs 1–12 carry no signed checkpoint" in (result.reason or "")
    short = signed_chain(6, set())
    assert verify_chain(short.entries, head=short.head, checkpoint_every=5).ok


def test_the_interval_the_chain_recorded_wins_over_a_smaller_setting() -> None:
    """Writers that sign every 50th entry, checked by a verifier set to 5: no false alarm."""
    chain = signed_chain(30, {0}, every=50)
    result = verify_chain(
        chain.entries, checkpoints=chain.checkpoints, public_keys=[PUBLIC_KEY], head=chain.head,
        checkpoint_every=5,
    )  # fmt: skip
    assert result.ok, result.describe()


def test_the_first_of_two_tamperings_is_the_one_named() -> None:
    entries = build([EntryDraft("system", "system", "a.b")] * 8, [1] * 8)
    entries[2] = dataclasses.replace(entries[2], actor="mallory")
    del entries[6]
    result = verify_chain(entries, head=ChainHead(8, "f" * 64))
    assert (result.first_bad_seq, result.finding) == (3, Finding.EDITED)
    assert result.describe().startswith("first bad entry: seq 3 (edited)")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chain=chains(), data=st.data())
def test_the_offline_verifier_names_the_same_seq_and_finding(
    chain: Chain, data: st.DataObject
) -> None:
    """Both verifiers must agree on every tampering, so an export says what the store says."""
    t = data.draw(st.sampled_from(OPERATIONS))(data, chain)
    domain, offline = verify(t), verify_offline(t)
    assert (offline.first_bad_seq, offline.finding) == (domain.first_bad_seq, domain.finding)
    assert (offline.entries_checked, offline.ok) == (domain.entries_checked, domain.ok)


# --- checkpoints ------------------------------------------------------------------------------


def test_a_checkpoint_verifies_with_its_key_and_names_it() -> None:
    cp = sign_checkpoint(KEY, ChainHead(3, "a" * 64), T0)
    assert verify_checkpoint(cp, PUBLIC_KEY)
    assert cp.key_id == hashlib.sha256(PUBLIC_KEY).hexdigest()[:16] == key_id_of(PUBLIC_KEY)
    assert len(PUBLIC_KEY) == 32


@pytest.mark.parametrize(
    "change",
    [
        {"seq": 4},
        {"head_hash": "b" * 64},
        {"at": T0 + timedelta(microseconds=1)},
        {"signature": "00" * 64},
        {"signature": "not hex"},
    ],
)
def test_an_altered_checkpoint_does_not_verify(change: dict[str, object]) -> None:
    cp = dataclasses.replace(sign_checkpoint(KEY, ChainHead(3, "a" * 64), T0), **change)  # type: ignore[arg-type]
    assert not verify_checkpoint(cp, PUBLIC_KEY)


def test_a_checkpoint_by_another_key_does_not_verify() -> None:
    cp = sign_checkpoint(OTHER_KEY, ChainHead(3, "a" * 64), T0)
    assert not verify_checkpoint(cp, PUBLIC_KEY)
    forged = dataclasses.replace(cp, key_id=key_id_of(PUBLIC_KEY))
    assert not verify_checkpoint(forged, PUBLIC_KEY)


def test_an_export_head_signature_is_not_a_checkpoint_signature() -> None:
    """A signed export head cannot be replayed as a checkpoint, nor the other way round."""
    head = sign_checkpoint(KEY, ChainHead(3, "a" * 64), T0, EXPORT_HEAD_PURPOSE)
    assert verify_checkpoint(head, PUBLIC_KEY, EXPORT_HEAD_PURPOSE)
    assert not verify_checkpoint(head, PUBLIC_KEY)


# --- no personal data in the chain ------------------------------------------------------------


@pytest.mark.parametrize(
    "summary",
    [
        {"email": "x"},
        {"requester_name": "x"},
        {"phone_numbers": ["x"]},
        {"ref": "anna@example.org"},
        {"ref": "mailto:anna"},
        {"contact": "+4915112345678"},
        {"reason": "customer called about her divorce"},
        {"ref": "x" * 81},
        {"ratio": 1.5},
        {"count": 2**53 + 1},
        {"nested": {"id": 1}},
        {"ids": [["a"]]},
        {"Bad-Key": 1},
        {"ok": "line\x00break"},
        {f"k{i}": i for i in range(33)},
    ],
)
def test_summaries_that_look_like_personal_data_or_free_text_are_refused(
    summary: dict[str, object],
) -> None:
    with pytest.raises(AuditSummaryError) as raised:
        check_summary(summary)
    for value in summary.values():
        if isinstance(value, str) and len(value) > 3:
            assert value not in str(raised.value), "the error must not repeat the value"


def test_ids_codes_digests_and_counts_are_accepted() -> None:
    summary = {
        "source": "received",
        "target": "awaiting_verification",
        "reason_sha256": hashlib.sha256(b"why").hexdigest(),
        "claimed_identities": 2,
        "key_id": "k_4f2a",
        "item_ids": ["a1", "b2"],
        "notified": True,
        "at": "2026-01-31T09:30:00Z",
        "none": None,
    }
    assert check_summary(summary) == summary


@settings(max_examples=100, deadline=None)
@given(local=st.text(min_size=1, max_size=20), domain=st.text(min_size=1, max_size=20))
def test_any_value_with_an_at_sign_is_refused(local: str, domain: str) -> None:
    with pytest.raises(AuditSummaryError):
        check_summary({"ref": f"{local}@{domain}"})


WHITESPACE = [chr(code) for code in range(0x3001) if chr(code).isspace()]  # U+3000 is the last


@given(st.one_of(st.sampled_from(WHITESPACE), st.characters()))
def test_a_value_with_whitespace_or_a_control_character_is_refused(character: str) -> None:
    """Any script's spaces mean free text; control and surrogate characters are never ids."""
    code = ord(character)
    refused = character.isspace() or code < 0x20 or 0xD800 <= code <= 0xDFFF or character == "@"
    try:
        check_summary({"ref": f"a{character}b"})
    except AuditSummaryError:
        assert refused
    else:
        assert not refused


@pytest.mark.parametrize(
    "fields",
    [
        {"actor": "anna@example.org"},
        {"actor": "Anna Schmidt"},
        {"role": "Admin"},
        {"action": "submitted"},
        {"request_id": "anna@example.org"},
        {"request_id": ""},
    ],
)
def test_entry_fields_are_ids_and_codes_too(fields: dict[str, str]) -> None:
    base = {"actor": "system", "role": "system", "action": "request.submitted"}
    with pytest.raises(AuditSummaryError):
        EntryDraft(**{**base, **fields})  # type: ignore[arg-type]


def test_summary_errors_are_invalid_input() -> None:
    """The API maps them to 422 should user input ever reach a summary."""
    from rightful.domain.errors import InvalidInputError

    assert issubclass(AuditSummaryError, InvalidInputError)


def test_enum_members_are_recorded_as_their_plain_values() -> None:
    """What is hashed must be what the store gives back, so enums are flattened first."""

    class Role(StrEnum):
        DPO = "dpo"

    class Count(IntEnum):
        TWO = 2

    draft = EntryDraft(
        "system",
        Role.DPO,
        "request.submitted",
        None,
        check_summary({"n": Count.TWO, "k": Role.DPO}),
    )
    assert type(draft.role) is str
    assert [type(v) for v in draft.summary.values()] == [int, str]
