"""`rightful verify`: a staff-made request is checked by one person and approved by another;
ambiguous matches are listed and picked; errors are one line with a non-zero exit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from unittest.mock import patch

import pytest
from typer.testing import CliRunner

from rightful.bootstrap import set_container
from rightful.domain.lifecycle import Status
from rightful.entrypoints.cli import common
from rightful.entrypoints.cli.main import app

from . import estate
from .conftest import World


@pytest.fixture
def cli(sqlite_world: World) -> Iterator[CliRunner]:
    set_container(sqlite_world.c)
    yield CliRunner()
    set_container(None)


def run(cli: CliRunner, user: str, *args: str) -> tuple[int, str]:
    """Run as an operating-system account (that of the real uid, which the CLI records as the
    acting principal; two tests' accounts stand for two people)."""
    with patch.object(common, "os_account", lambda: user):
        result = cli.invoke(app, list(args))
    return result.exit_code, result.output


def test_a_staff_check_is_recorded_by_one_user_and_approved_by_another(
    cli: CliRunner, sqlite_world: World
) -> None:
    rid = sqlite_world.submit(channel="staff")
    code, out = run(
        cli,
        "alice",
        "verify",
        "check",
        rid,
        "--method",
        "callback_to_phone_on_file",
        "--identity",
        f"phone={estate.ANNA_PHONE}",
        "--note",
        "called back",
    )
    assert code == 0, out
    check_id = out.split()[1]
    code, out = run(cli, "alice", "verify", "approve-check", rid, check_id)
    assert code != 0
    assert out.strip().count("\n") == 0
    assert "second staff member" in out
    # ... and says who the command acted as, and how the second person acts
    assert "acted as cli:alice" in out and "their own operating-system account" in out
    code, out = run(cli, "bob", "verify", "approve-check", rid, check_id)
    assert (code, "bound" in out) == (0, True)
    assert sqlite_world.status(rid) is Status.VERIFIED
    code, out = run(cli, "bob", "verify", "status", rid, "--json")
    assert json.loads(out)["outcome"] == "bound"


def test_candidates_are_listed_and_one_is_picked(cli: CliRunner, sqlite_world: World) -> None:
    rid = sqlite_world.submit(estate.FAMILY)
    sqlite_world.verify(rid, estate.FAMILY)
    code, out = run(cli, "alice", "verify", "candidates", "--json")
    assert code == 0
    [review] = json.loads(out)
    assert [c["matched_by"][0]["masked"] for c in review["candidates"]] == ["f***@example.org"] * 2
    assert "family@" not in out
    chosen = str(review["candidates"][0]["id"])
    code, out = run(cli, "alice", "verify", "pick", rid, chosen, "--reason", "knew the order")
    assert (code, "bound" in out) == (0, True)


def test_an_authority_document_is_attached_and_approved_by_someone_else(
    cli: CliRunner, sqlite_world: World, tmp_path: Path
) -> None:
    rid = sqlite_world.submit()
    mandate = tmp_path / "mandate.pdf"
    mandate.write_bytes(b"%PDF-1.4\n%%EOF\n")
    code, out = run(
        cli,
        "alice",
        "verify",
        "authority",
        rid,
        str(mandate),
        "--kind",
        "authorised_agent",
        "--agent-name",
        "Privacy Helpers LLC",
    )
    assert code == 0, out
    authority_id = out.split()[1]
    assert run(cli, "alice", "verify", "approve-authority", rid, authority_id)[0] != 0
    code, out = run(cli, "bob", "verify", "approve-authority", rid, authority_id)
    assert (code, "unverified" in out) == (0, True)  # the subject still has to verify
