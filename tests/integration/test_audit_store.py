"""The audit chain in a real store (SQLite, PostgreSQL): transactions, SQL tampering, concurrency.

Accountability (Art. 5(2), REQUIREMENTS.md:33, "Breaches"): an audit record that someone with write
access to the database could quietly rewrite proves nothing, so every test here tampers the way
such a person would, straight through SQL past the append-only triggers, and expects
`verify()` to name the first bad sequence number.
"""

from __future__ import annotations

import ast
import contextlib
import itertools
import json
import multiprocessing
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.synchronize import Barrier
from pathlib import Path

import cryptography
import pytest
from sqlalchemy import Engine, Executable, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from rightful import audit_verify
from rightful.adapters.db.audit import (
    CHECKPOINTS,
    ENTRIES,
    HEAD,
    SqlAuditLog,
    install_append_only_guards,
    remove_append_only_guards,
)
from rightful.adapters.db.base import Base, Store, make_engine
from rightful.domain.audit import GENESIS_HASH, ChainHead, EntryDraft, seal
from rightful.domain.audit_verification import Finding
from rightful.domain.clock import FixedClock, SystemClock
from rightful.domain.errors import ConflictError, InvalidInputError
from rightful.services.audit import AuditService, load_or_create_signing_key

T0 = datetime(2026, 1, 31, 9, 30, tzinfo=UTC)
LOG = SqlAuditLog()
AUDIT_TABLES = [ENTRIES, HEAD, CHECKPOINTS]


@dataclass
class Chain:
    """A store holding an audit chain, and the service in front of it."""

    engine: Engine
    store: Store
    audit: AuditService
    clock: FixedClock
    key_file: Path

    def record(self, count: int, request_id: str | None = None) -> None:
        for n in range(count):
            with self.store.transaction() as session:
                self.audit.record(session, "key:staff1", "agent", "test.recorded", request_id, n=n)
            self.clock.advance(timedelta(seconds=1))

    def tamper(self, *statements: str | Executable, **params: object) -> None:
        """Write straight to the tables the way an attacker with database access would."""
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SET LOCAL session_replication_role = replica"))
            else:
                remove_append_only_guards(conn)
            for statement in statements:
                conn.execute(text(statement) if isinstance(statement, str) else statement, params)

    def verdict(self) -> tuple[int | None, Finding | None]:
        result = self.audit.verify()
        return result.first_bad_seq, result.finding


def create_audit_tables(url: str) -> Engine:
    engine = make_engine(url)
    Base.metadata.create_all(engine, tables=AUDIT_TABLES)
    with engine.begin() as conn:
        install_append_only_guards(conn)
    return engine


@pytest.fixture
def chain(store_url: str, tmp_path: Path) -> Iterator[Chain]:
    engine = create_audit_tables(store_url)
    store, clock = Store(engine), FixedClock(T0)
    key_file = tmp_path / "keys" / "audit.pem"
    audit = AuditService(store, load_or_create_signing_key(key_file), clock, checkpoint_every=5)
    yield Chain(engine, store, audit, clock, key_file)
    engine.dispose()


@pytest.fixture
def twelve(chain: Chain) -> Chain:
    """Twelve entries; checkpoints were signed at seq 5 and 10, and seqs 6 and 11 record that."""
    chain.record(10)
    return chain


# --- transactions -----------------------------------------------------------------------------


def record_then_fail(chain: Chain, entries: int = 1) -> None:
    with chain.store.transaction() as session:
        for n in range(entries):
            chain.audit.record(session, "system", "system", "request.submitted", "r1", n=n)
        raise RuntimeError("the state change failed")


def test_an_entry_rolls_back_with_the_change_it_records(chain: Chain) -> None:
    """One transaction per command: a failed operation leaves no audit entry and no gap."""
    chain.record(2)
    with pytest.raises(RuntimeError, match="state change failed"):
        record_then_fail(chain)
    assert chain.audit.head().last_seq == 2
    chain.record(1)
    assert [e.seq for e in chain.audit.timeline("r1")] == []
    assert chain.audit.verify().describe() == (
        "chain intact: 3 entries, 0 checkpoints; no checkpoint signs it yet"
    )


def test_several_entries_of_one_transaction_follow_each_other_and_the_head_names_the_last(
    chain: Chain,
) -> None:
    chain.record(2)
    with chain.store.transaction() as session:
        made = [chain.audit.record(session, "system", "system", "test.many", "r1", n=n)
                for n in range(7)]  # fmt: skip
        inside = LOG.head(session)  # read inside, it is current
        assert inside is not None and inside.last_seq == 11  # seq 11 records the checkpoint of 10
        assert LOG.lock_head(session) == inside
        made.append(chain.audit.record(session, "system", "system", "test.many", "r1", n=7))
    # seqs 5 and 10 are signed, and seqs 6 and 11 record that
    assert [e.seq for e in made] == [3, 4, 5, 7, 8, 9, 10, 12]
    assert chain.audit.head() == ChainHead(12, made[-1].hash)
    assert chain.audit.verify().describe() == (
        "chain intact: 12 entries, 2 checkpoints; signed up to seq 10"
    )


def test_a_rolled_back_transaction_of_several_entries_leaves_no_gap(chain: Chain) -> None:
    chain.record(2)
    with pytest.raises(RuntimeError, match="state change failed"):
        record_then_fail(chain, entries=4)
    assert chain.audit.head().last_seq == 2
    chain.record(2)
    with chain.store.sessions() as session:  # one session, a failed transaction, then another
        with contextlib.suppress(RuntimeError), session.begin():
            chain.audit.record(session, "system", "system", "test.many", "r1", n=0)
            raise RuntimeError("the state change failed")
        with session.begin():
            chain.audit.record(session, "system", "system", "test.many", "r1", n=1)
    assert chain.audit.verify().describe() == (
        "chain intact: 6 entries, 1 checkpoint; signed up to seq 5"
    )


def test_a_transactions_entries_cost_one_statement_each_and_two_for_the_head(
    chain: Chain,
) -> None:
    chain.record(1)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]).split()[0])

    event.listen(chain.engine, "before_cursor_execute", count)
    try:
        with chain.store.transaction() as session:
            for n in range(3):
                chain.audit.record(session, "system", "system", "test.many", None, n=n)
    finally:
        event.remove(chain.engine, "before_cursor_execute", count)
    assert statements.count("INSERT") == 3
    assert statements.count("UPDATE") == 2


def test_entries_are_numbered_and_linked_in_order(twelve: Chain) -> None:
    with twelve.store.transaction() as session:
        entries = list(LOG.entries(session))
    assert [e.seq for e in entries] == list(range(1, 13))
    assert all(e.prev_hash == p.hash for p, e in itertools.pairwise(entries))
    assert (entries[0].at, entries[0].summary) == (T0, {"n": 0})


def test_the_timeline_holds_only_that_requests_entries(chain: Chain) -> None:
    chain.record(2, request_id="r1")
    chain.record(1, request_id="r2")
    chain.record(1, request_id="r1")
    assert [e.seq for e in chain.audit.timeline("r1")] == [1, 2, 4]
    assert [e.summary["n"] for e in chain.audit.timeline("r2")] == [0]


def test_a_checkpoint_is_signed_every_n_entries_and_on_demand(twelve: Chain) -> None:
    with twelve.store.transaction() as session:
        assert [cp.seq for cp in LOG.checkpoints(session)] == [5, 10]
    cp = twelve.audit.checkpoint()
    assert (cp.seq, cp.key_id) == (12, twelve.audit.key_id)
    assert twelve.audit.checkpoint() == cp, "asking twice signs the same head once"
    assert twelve.audit.verify().describe() == (
        "chain intact: 13 entries, 3 checkpoints; signed up to seq 12"
    )


def test_an_empty_chain_has_nothing_to_checkpoint(chain: Chain) -> None:
    with pytest.raises(ConflictError):
        chain.audit.checkpoint()
    assert chain.audit.verify().ok


def test_personal_data_in_a_summary_is_refused_and_nothing_is_written(chain: Chain) -> None:
    from rightful.domain.audit import AuditSummaryError

    with pytest.raises(AuditSummaryError), chain.store.transaction() as session:
        chain.audit.record(session, "system", "system", "request.submitted", None, email="a@b.c")
    assert chain.audit.head().last_seq == 0


# --- the database refuses to rewrite history (defence in depth) -------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_entries SET actor = 'mallory' WHERE seq = 3",
        "DELETE FROM audit_entries WHERE seq = 12",
        "UPDATE audit_checkpoints SET head_hash = 'x' WHERE seq = 5",
        "DELETE FROM audit_checkpoints",
        "UPDATE audit_head SET last_seq = 11",
        "DELETE FROM audit_head",
    ],
)
def test_the_triggers_refuse_to_rewrite_history(twelve: Chain, statement: str) -> None:
    with pytest.raises(DBAPIError), twelve.engine.begin() as conn:
        conn.execute(text(statement))
    assert twelve.audit.verify().ok


# --- tampering straight through SQL -----------------------------------------------------------


def test_an_edited_summary_is_named(twelve: Chain) -> None:
    twelve.tamper("""UPDATE audit_entries SET summary = '{"n": 99}' WHERE seq = 7""")
    assert twelve.verdict() == (7, Finding.EDITED)
    assert twelve.audit.verify().describe().startswith("first bad entry: seq 7 (edited)")


def test_a_summary_stored_in_another_form_than_rightful_writes_is_named(twelve: Chain) -> None:
    """A key given twice parses to the hashed value (the last wins) while SQL's JSON functions
    read the first: the stored text must be the one form rightful writes."""
    twelve.tamper("""UPDATE audit_entries SET summary = '{"n": 0, ' || substr(summary, 2)
                     WHERE seq = 7""")
    assert twelve.verdict() == (7, Finding.EDITED)


def test_an_edited_actor_is_named(twelve: Chain) -> None:
    twelve.tamper("UPDATE audit_entries SET actor = 'key:other' WHERE seq = 3")
    assert twelve.verdict() == (3, Finding.EDITED)


def test_a_summary_tampered_into_garbage_is_named_not_crashed_on(twelve: Chain) -> None:
    twelve.tamper("UPDATE audit_entries SET summary = 'not json' WHERE seq = 4")
    assert twelve.verdict() == (4, Finding.EDITED)


def test_a_deleted_row_is_named(twelve: Chain) -> None:
    twelve.tamper("DELETE FROM audit_entries WHERE seq = 7")
    assert twelve.verdict() == (7, Finding.DELETED)


def test_deleting_the_last_row_is_caught_by_the_head(twelve: Chain) -> None:
    twelve.tamper("DELETE FROM audit_entries WHERE seq = 12")
    assert twelve.verdict() == (12, Finding.DELETED)


def test_cutting_the_tail_and_rewinding_the_head_is_caught_by_a_checkpoint(twelve: Chain) -> None:
    twelve.tamper(
        "DELETE FROM audit_entries WHERE seq >= 9",
        "UPDATE audit_head SET last_seq = 8,"
        " last_hash = (SELECT hash FROM audit_entries WHERE seq = 8)",
    )
    assert twelve.verdict() == (9, Finding.DELETED)


def test_two_rows_with_swapped_seq_are_named(twelve: Chain) -> None:
    twelve.tamper(
        "UPDATE audit_entries SET seq = -4 WHERE seq = 4",
        "UPDATE audit_entries SET seq = 4 WHERE seq = 6",
        "UPDATE audit_entries SET seq = 6 WHERE seq = -4",
    )
    assert twelve.verdict() == (4, Finding.REORDERED)


def _forged_row(seq: int, prev_hash: str) -> Executable:
    """A row as a forger without the signing key would write it: correctly linked and hashed."""
    draft = EntryDraft("key:staff1", "agent", "test.recorded", None, {"n": 1000})
    entry = seal(draft, seq, T0, prev_hash)
    values = {column.name: getattr(entry, column.name) for column in ENTRIES.c}
    return ENTRIES.insert().values({**values, "summary": '{"n": 1000}'})


def test_a_forged_row_appended_past_the_head_is_named(twelve: Chain) -> None:
    last = twelve.audit.head().last_hash
    twelve.tamper(_forged_row(13, last))
    assert twelve.verdict() == (13, Finding.INSERTED)


def test_a_forged_row_slipped_into_the_middle_is_named(twelve: Chain) -> None:
    with twelve.store.transaction() as session:
        [six] = LOG.entries(session, from_seq=6, to_seq=6)
    twelve.tamper(
        "UPDATE audit_entries SET seq = -seq WHERE seq >= 7",
        "UPDATE audit_entries SET seq = 1 - seq WHERE seq < 0",
        _forged_row(7, six.hash),
    )
    assert twelve.verdict() == (7, Finding.INSERTED)


def test_an_edited_head_hash_is_named(twelve: Chain) -> None:
    twelve.tamper("UPDATE audit_head SET last_hash = :h", h="f" * 64)
    assert twelve.verdict() == (12, Finding.REWRITTEN)


def test_a_rewound_head_seq_is_named(twelve: Chain) -> None:
    twelve.tamper("UPDATE audit_head SET last_seq = 11")
    assert twelve.verdict() == (12, Finding.INSERTED)


def test_a_forged_checkpoint_row_is_named(twelve: Chain) -> None:
    twelve.tamper("UPDATE audit_checkpoints SET head_hash = :h WHERE seq = 5", h="e" * 64)
    assert twelve.verdict() == (5, Finding.FORGED_CHECKPOINT)


def test_deleting_every_checkpoint_is_caught_by_the_entries_that_record_them(
    twelve: Chain,
) -> None:
    twelve.tamper("DELETE FROM audit_checkpoints")
    result = twelve.audit.verify()
    assert (result.first_bad_seq, result.finding) == (5, Finding.DELETED)
    assert "which seq 6 records, is gone" in (result.reason or "")


def _rebuild_without_checkpoints(chain: Chain, summary_of_seq: dict[int, dict[str, int]]) -> None:
    """What someone with write access but no signing key can do: drop the checkpoints and the
    entries recording them, change what they like, and re-hash every entry from genesis."""
    with chain.store.transaction() as session:
        kept = [e for e in LOG.entries(session) if e.action != "audit.checkpointed"]
    prev, rows = GENESIS_HASH, []
    for seq, old in enumerate(kept, start=1):
        summary = summary_of_seq.get(old.seq, old.summary)
        draft = EntryDraft(old.actor, old.role, old.action, old.request_id, summary)
        entry = seal(draft, seq, old.at, prev)
        rows.append({**{c.name: getattr(entry, c.name) for c in ENTRIES.c},
                     "summary": json.dumps(entry.summary)})  # fmt: skip
        prev = entry.hash
    chain.tamper(
        "DELETE FROM audit_checkpoints",
        "DELETE FROM audit_entries",
        *(ENTRIES.insert().values(row) for row in rows),
        "UPDATE audit_head SET last_seq = :head_seq, last_hash = :head_hash",
        head_seq=len(rows),
        head_hash=prev,
    )


def test_a_chain_rebuilt_without_its_checkpoints_is_caught_by_its_unsigned_length(
    twelve: Chain,
) -> None:
    """Every 5th entry is signed, so ten entries without one cannot be honest."""
    _rebuild_without_checkpoints(twelve, {3: {"n": 99}})
    result = twelve.audit.verify()
    assert (result.first_bad_seq, result.finding) == (5, Finding.DELETED)
    assert "carry no signed checkpoint although one is signed every 5 entries" in (
        result.reason or ""
    )


def test_an_anchor_export_catches_a_rewrite_by_someone_holding_the_signing_key(
    twelve: Chain, tmp_path: Path
) -> None:
    """With the key, a rewrite re-signs new checkpoints and verifies; an export kept elsewhere
    still pins what the chain held."""
    anchor = tmp_path / "off-box" / "audit.jsonl"
    twelve.audit.export(anchor)
    _rebuild_without_checkpoints(twelve, {3: {"n": 99}})
    twelve.audit.checkpoint()  # the key holder signs the rewritten head
    assert twelve.audit.verify().ok
    result = twelve.audit.verify(anchors=[anchor])
    assert (result.first_bad_seq, result.finding) == (5, Finding.REWRITTEN)
    assert "differs from the anchor export's" in (result.reason or "")


def test_an_anchor_export_catches_a_chain_cut_back_below_it(twelve: Chain, tmp_path: Path) -> None:
    anchor = tmp_path / "audit.jsonl"
    twelve.audit.export(anchor)
    twelve.tamper(
        "DELETE FROM audit_entries WHERE seq >= 9",
        "DELETE FROM audit_checkpoints WHERE seq >= 9",
        "UPDATE audit_head SET last_seq = 8,"
        " last_hash = (SELECT hash FROM audit_entries WHERE seq = 8)",
    )
    assert twelve.audit.verify().ok, "without the anchor, nothing betrays the cut"
    result = twelve.audit.verify(anchors=[anchor])
    assert (result.first_bad_seq, result.finding) == (9, Finding.DELETED)


def test_a_chain_that_grew_since_its_anchor_matches_it(twelve: Chain, tmp_path: Path) -> None:
    anchor = tmp_path / "audit.jsonl"
    twelve.audit.export(anchor)
    twelve.record(4)
    result = twelve.audit.verify(anchors=[anchor])
    assert result.ok, result.describe()
    assert result.describe().endswith("; matches the anchor export up to seq 12")


def test_an_anchor_that_does_not_verify_itself_is_refused(twelve: Chain, tmp_path: Path) -> None:
    anchor = tmp_path / "audit.jsonl"
    twelve.audit.export(anchor)
    anchor.write_text(anchor.read_text().replace('"n": 5', '"n": 50'))
    with pytest.raises(InvalidInputError, match="does not verify itself: first bad entry: seq 7"):
        twelve.audit.verify(anchors=[anchor])


def test_an_anchor_signed_by_another_key_or_unreadable_is_refused(
    twelve: Chain, tmp_path: Path
) -> None:
    anchor = tmp_path / "audit.jsonl"
    other = AuditService(twelve.store, bytes(range(32)), twelve.clock)
    other.export(anchor)
    with pytest.raises(InvalidInputError, match="not signed by a key this installation trusts"):
        twelve.audit.verify(anchors=[anchor])
    with pytest.raises(InvalidInputError, match="cannot read export"):
        twelve.audit.verify(anchors=[tmp_path / "missing.jsonl"])


# --- concurrency ------------------------------------------------------------------------------


def _append_many(
    url: str, key_file: str, actor: str, count: int, start: Barrier, per_transaction: int = 1
) -> None:
    """One writer process: `count` entries, `per_transaction` to a transaction."""
    engine = make_engine(url)
    store = Store(engine)
    key = load_or_create_signing_key(Path(key_file))
    audit = AuditService(store, key, SystemClock(), checkpoint_every=50)
    start.wait()
    for first in range(0, count, per_transaction):
        with store.transaction() as session:
            for n in range(first, min(first + per_transaction, count)):
                audit.record(session, actor, "system", "test.appended", None, n=n)
    engine.dispose()


def test_a_writer_that_looked_for_the_head_as_the_first_writer_committed_follows_it(
    chain: Chain,
) -> None:
    """A new store's first two writers: the second looked for the head while the first had
    not committed it, and found the first's entries once it had. That is no deleted head:
    it takes the next seq (it stopped with "the head row is missing", 1 run in 6 on CI)."""
    first, second = chain.store.engine.connect(), chain.store.engine.connect()
    drafts = [EntryDraft("worker:a", "system", "test.appended", None, {}),
              EntryDraft("worker:b", "system", "test.appended", None, {})]  # fmt: skip
    with Session(bind=first) as a, Session(bind=second) as b:
        LOG.append(a, drafts[0], chain.clock)
        a.flush()

        def first_commits(conn: object, cursor: object, statement: str, *rest: object) -> None:
            if statement.startswith("UPDATE audit_head") and a.in_transaction():
                a.commit()  # after the second writer's look for the head, before its next

        if chain.engine.dialect.name == "sqlite":  # one writer at a time: no such moment
            a.commit()
        event.listen(second, "after_cursor_execute", first_commits)
        entry = LOG.append(b, drafts[1], chain.clock)
        b.commit()
    first.close(), second.close()
    assert entry.seq == 2
    assert chain.audit.verify().ok


@pytest.mark.parametrize("per_transaction", [1, 3])
def test_two_processes_appending_at_once_make_one_unbroken_chain(
    chain: Chain, per_transaction: int
) -> None:
    """Concurrent writers never fork the chain: 2 x 200 entries become seq 1..400, all linked,
    whether each transaction appends one entry or several."""
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(2)
    url = chain.engine.url.render_as_string(hide_password=False)
    writers = [
        ctx.Process(
            target=_append_many,
            args=(url, str(chain.key_file), actor, 200, start, per_transaction),
        )
        for actor in ("worker:a", "worker:b")
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=120)
        assert writer.exitcode == 0
    result = chain.audit.verify()
    assert result.ok, result.describe()
    assert (result.entries_checked, result.checkpoints_checked) == (408, 8)
    with chain.store.transaction() as session:
        entries = list(LOG.entries(session))
    for actor in ("worker:a", "worker:b"):
        assert [e.summary["n"] for e in entries if e.actor == actor] == list(range(200))


# --- export and the offline verifier ----------------------------------------------------------


@pytest.fixture
def exported(twelve: Chain, tmp_path: Path) -> tuple[Path, Path]:
    export = tmp_path / "audit.jsonl"
    twelve.audit.export(export)
    key = tmp_path / "audit-public.pem"
    key.write_text(twelve.audit.public_key_pem())
    return export, key


def test_an_export_verifies_offline(exported: tuple[Path, Path]) -> None:
    verdict = audit_verify.verify_export(*exported)
    assert verdict.ok, verdict.describe()
    assert verdict.describe() == "export intact: 12 entries, 2 checkpoints, signed head at seq 12"


def test_the_offline_verifier_runs_as_a_copied_script(
    exported: tuple[Path, Path], tmp_path: Path
) -> None:
    """Copied next to the export, it runs with only `cryptography` importable, not `rightful`."""
    script = tmp_path / "standalone" / "audit_verify.py"
    script.parent.mkdir()
    shutil.copy(audit_verify.__file__, script)
    export, key = exported
    # -S skips site-packages' .pth files, which is how the editable `rightful` gets imported.
    env = {"PYTHONPATH": str(Path(cryptography.__file__).parents[1])}
    isolated = [sys.executable, "-S"]
    probe = subprocess.run(
        [*isolated, "-c", "import rightful"], env=env, check=False, cwd=script.parent
    )
    assert probe.returncode != 0, "this test needs an interpreter that cannot import rightful"
    run = subprocess.run(
        [*isolated, str(script), str(export), "--public-key", str(key)],
        capture_output=True, text=True, check=False, cwd=script.parent, env=env,
    )  # fmt: skip
    assert run.stdout.strip() == "export intact: 12 entries, 2 checkpoints, signed head at seq 12"
    assert run.returncode == 0, run.stderr


def test_the_offline_verifier_imports_only_the_standard_library_and_cryptography() -> None:
    tree = ast.parse(Path(audit_verify.__file__).read_text())
    modules = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    modules |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    roots = {name.split(".")[0] for name in modules}
    assert roots - sys.stdlib_module_names == {"cryptography"}


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines(keepends=True)


def _entry_line(lines: list[str], seq: int) -> int:
    return next(
        i for i, line in enumerate(lines) if '"type": "entry"' in line and f'"seq": {seq},' in line
    )


def _tamper_export(path: Path, how: str) -> None:
    lines = _lines(path)
    seven = _entry_line(lines, 7)
    if how == "edit":
        lines[seven] = lines[seven].replace('"n": 5', '"n": 50')
    elif how == "delete":
        del lines[seven]
    elif how == "swap":
        lines[seven], lines[seven + 1] = lines[seven + 1], lines[seven]
    elif how == "insert":
        lines.insert(seven, lines[seven])
    elif how == "truncate":
        lines = lines[:seven]
    path.write_text("".join(lines))


@pytest.mark.parametrize(
    ("how", "finding"),
    [
        ("edit", "edited"),
        ("delete", "deleted"),
        ("swap", "reordered"),
        ("insert", "inserted"),
        ("truncate", "deleted"),
    ],
)
def test_a_tampered_export_fails_offline_naming_the_seq(
    exported: tuple[Path, Path], how: str, finding: str
) -> None:
    export, key = exported
    _tamper_export(export, how)
    verdict = audit_verify.verify_export(export, key)
    assert (verdict.first_bad_seq, verdict.finding) == (7, finding), verdict.describe()
    assert audit_verify.main([str(export), "--public-key", str(key)]) == 1


def test_an_export_of_a_cut_back_store_carries_the_checkpoint_that_betrays_it(
    twelve: Chain, tmp_path: Path
) -> None:
    twelve.tamper(
        "DELETE FROM audit_entries WHERE seq >= 9",
        "UPDATE audit_head SET last_seq = 8,"
        " last_hash = (SELECT hash FROM audit_entries WHERE seq = 8)",
    )
    export, key = tmp_path / "audit.jsonl", tmp_path / "audit.pem"
    twelve.audit.export(export)
    key.write_text(twelve.audit.public_key_pem())
    verdict = audit_verify.verify_export(export, key)
    assert (verdict.first_bad_seq, verdict.finding) == (9, "deleted")


def test_an_export_checked_against_the_wrong_key_fails(
    exported: tuple[Path, Path], tmp_path: Path
) -> None:
    from rightful.domain.audit import public_key_of
    from rightful.services.audit import public_key_pem

    other = tmp_path / "other.pem"
    other.write_text(public_key_pem(public_key_of(load_or_create_signing_key(tmp_path / "o.pem"))))
    verdict = audit_verify.verify_export(exported[0], other)
    assert verdict.finding == "forged checkpoint"


def test_an_unreadable_key_is_a_usage_error_not_a_verdict(
    exported: tuple[Path, Path], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.pem"
    bad.write_text("not a key")
    assert audit_verify.main([str(exported[0]), "--public-key", str(bad)]) == 2


# --- the signing key ----------------------------------------------------------------------------


def test_the_signing_key_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "audit.pem"
    first = load_or_create_signing_key(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_or_create_signing_key(path) == first
    assert path.read_text().startswith("-----BEGIN PRIVATE KEY-----")


def test_a_signing_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    from rightful.domain.errors import ConfigurationError

    path = tmp_path / "audit.pem"
    load_or_create_signing_key(path)
    path.chmod(0o644)
    with pytest.raises(ConfigurationError, match="chmod 600"):
        load_or_create_signing_key(path)
