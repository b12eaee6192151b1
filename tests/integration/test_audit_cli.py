"""`rightful audit ...`: verify, checkpoint, export, public-key and the offline verify-export."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from rightful.adapters.db.audit import CHECKPOINTS, ENTRIES, HEAD, install_append_only_guards
from rightful.adapters.db.base import Base
from rightful.bootstrap import Container, set_container
from rightful.domain.clock import FixedClock
from rightful.entrypoints.cli.main import app
from rightful.settings import load_settings


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Container]:
    """A store with three audit entries, wired as the CLI's container."""
    settings = load_settings(data_dir=tmp_path / "var")
    c = Container(settings=settings, clock=FixedClock(datetime(2026, 1, 31, 9, 30, tzinfo=UTC)))
    Base.metadata.create_all(c.store.engine, tables=[ENTRIES, HEAD, CHECKPOINTS])
    with c.store.engine.begin() as conn:
        install_append_only_guards(conn)
    for n in range(3):
        with c.store.transaction() as session:
            c.audit.record(session, "cli:ops", "admin", "test.recorded", None, n=n)
    set_container(c)
    yield c
    set_container(None)
    c.store.engine.dispose()


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_verify_reports_an_intact_chain(container: Container) -> None:
    assert run("audit", "verify") == (
        0,
        "chain intact: 3 entries, 0 checkpoints; no checkpoint signs it yet\n",
    )


def test_verify_exits_1_naming_the_first_bad_entry(container: Container) -> None:
    with container.store.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_entries_no_delete"))
        conn.execute(text("DELETE FROM audit_entries WHERE seq = 2"))
    code, out = run("audit", "verify")
    assert code == 1
    assert out.startswith("first bad entry: seq 2 (deleted)")


def test_a_head_row_deleted_outside_rightful_stops_every_write_with_one_line(
    container: Container,
) -> None:
    """The head was recreated at seq 0 and every write then failed on entry 1 with an
    IntegrityError traceback, while verify blamed the untouched entry 1 (brief: a
    tamper-evident chain that tells the truth afterwards)."""
    with container.store.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_head_no_delete"))
        conn.execute(text("DELETE FROM audit_head"))
    for args in (("audit", "verify"), ("audit", "checkpoint")):
        code, out = run(*args)
        assert code != 0 and out.count("\n") == 1, out
        assert "head row is missing while the chain holds entries up to seq 3" in out
    with container.store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_entries")).scalar() == 3
        assert conn.execute(text("SELECT count(*) FROM audit_head")).scalar() == 0


def test_checkpoint_signs_the_head(container: Container) -> None:
    code, out = run("audit", "checkpoint")
    assert code == 0
    assert out.startswith("checkpoint at seq 3: ")
    assert container.audit.key_id in out


def test_counts_are_in_the_singular_when_there_is_one(container: Container, tmp_path: Path) -> None:
    """'1 checkpoint', not '1 checkpoints': in verify, export and the offline verifier."""
    assert run("audit", "checkpoint")[0] == 0
    assert run("audit", "verify") == (
        0,
        "chain intact: 4 entries, 1 checkpoint; signed up to seq 3\n",
    )
    export = tmp_path / "audit.jsonl"
    code, out = run("audit", "export", str(export))
    assert code == 0 and "4 entries and 1 checkpoint to" in out
    key = tmp_path / "audit.pem"
    key.write_text(container.audit.public_key_pem())
    code, out = run("audit", "verify-export", str(export), "--public-key", str(key))
    assert out.startswith("export intact: 4 entries, 1 checkpoint, signed head")


def test_checkpoint_on_an_empty_chain_fails_with_one_line(tmp_path: Path) -> None:
    c = Container(settings=load_settings(data_dir=tmp_path / "empty"))
    Base.metadata.create_all(c.store.engine, tables=[ENTRIES, HEAD, CHECKPOINTS])
    set_container(c)
    try:
        code, out = run("audit", "checkpoint")
    finally:
        set_container(None)
        c.store.engine.dispose()
    assert code == 2
    assert "nothing to checkpoint" in out
    assert out.strip().count("\n") == 0


def test_an_export_verifies_offline_with_the_published_key(
    container: Container, tmp_path: Path
) -> None:
    export = tmp_path / "out" / "audit.jsonl"
    assert run("audit", "export", str(export))[0] == 0
    keys = CliRunner().invoke(app, ["audit", "public-key"])
    assert keys.stdout.startswith("-----BEGIN PUBLIC KEY-----")
    key = tmp_path / "audit.pem"
    key.write_text(keys.stdout)
    code, out = run("audit", "verify-export", str(export), "--public-key", str(key))
    assert (code, out.strip()) == (
        0,
        "export intact: 3 entries, 0 checkpoints, signed head at seq 3",
    )
    lines = export.read_text().splitlines(keepends=True)
    export.write_text("".join(line for line in lines if '"seq": 2,' not in line))
    code, out = run("audit", "verify-export", str(export), "--public-key", str(key))
    assert code == 1
    assert out.startswith("first bad entry: seq 2 (deleted)")


def test_verify_export_with_an_unreadable_key_fails_with_one_line(
    container: Container, tmp_path: Path
) -> None:
    export = tmp_path / "audit.jsonl"
    run("audit", "export", str(export))
    (tmp_path / "bad.pem").write_text("nope")
    code, out = run(
        "audit", "verify-export", str(export), "--public-key", str(tmp_path / "bad.pem")
    )
    assert code == 2
    assert "cannot read public key" in out


def test_verify_against_an_anchor_export_kept_elsewhere(
    container: Container, tmp_path: Path
) -> None:
    anchor = tmp_path / "off-box" / "audit.jsonl"
    assert run("audit", "export", str(anchor))[0] == 0
    code, out = run("audit", "verify", "--anchor", str(anchor))
    assert (code, out) == (
        0,
        "chain intact: 3 entries, 0 checkpoints; signed up to seq 3; "
        "matches the anchor export up to seq 3\n",
    )
    with container.store.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_entries_no_delete"))
        conn.execute(text("DROP TRIGGER audit_head_forward"))
        conn.execute(text("DELETE FROM audit_entries WHERE seq = 3"))
        conn.execute(
            text("UPDATE audit_head SET last_seq = 2, last_hash = "
                 "(SELECT hash FROM audit_entries WHERE seq = 2)")
        )  # fmt: skip
    assert run("audit", "verify")[0] == 0, "the cut leaves nothing behind in the store"
    code, out = run("audit", "verify", "--anchor", str(anchor))
    assert code == 1
    assert out.startswith(
        "first bad entry: seq 3 (deleted): the chain ends at seq 2 but the anchor"
    )


def test_an_anchor_that_cannot_be_read_fails_with_one_line(
    container: Container, tmp_path: Path
) -> None:
    code, out = run("audit", "verify", "--anchor", str(tmp_path / "missing.jsonl"))
    assert code == 2
    assert "cannot read export" in out
    assert out.strip().count("\n") == 0


def test_an_export_over_a_folder_or_an_existing_file_is_refused_in_one_line(
    container: Container, tmp_path: Path
) -> None:
    code, out = run("audit", "export", str(tmp_path))
    assert code == 2 and out.strip().count("\n") == 0 and "is a folder" in out
    export = tmp_path / "audit.jsonl"
    export.write_text("keep me")
    code, out = run("audit", "export", str(export))
    assert code == 2 and "--force" in out and export.read_text() == "keep me"
    assert run("audit", "export", str(export), "--force")[0] == 0


def test_a_missing_key_file_for_a_chain_that_has_entries_is_named_not_replaced(
    container: Container, tmp_path: Path
) -> None:
    """A new key would make every checkpoint look forged: verification never makes one."""
    assert run("audit", "checkpoint")[0] == 0
    elsewhere = tmp_path / "moved.pem"
    settings = load_settings(data_dir=tmp_path / "var", audit_signing_key_file=elsewhere)
    c = Container(settings=settings)
    set_container(c)
    try:
        code, out = run("audit", "verify")
    finally:
        set_container(container)
        c.store.engine.dispose()
    assert code == 2 and not elsewhere.exists()
    assert f"the audit signing key {elsewhere} does not exist, but the audit chain" in out
    assert "forged" not in out.split(":", 1)[0]
