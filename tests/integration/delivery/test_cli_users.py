"""`rightful staff add-user` prints a TOTP provisioning URI (and a generated password) once, so
that a person (or the demo and the browser tests) can sign in to the console; `issue-key` names
the console user who holds each key, so that one person's two keys are not two people to four
eyes."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from rightful.adapters.db.audit import AuditEntryRow
from rightful.bootstrap import get_container, set_container
from rightful.entrypoints.api.app import create_app
from rightful.entrypoints.cli.main import app as cli_app
from rightful.entrypoints.web import install_web
from rightful.services import staff


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RIGHTFUL_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("RIGHTFUL_DATABASE_URL", raising=False)
    monkeypatch.delenv("RIGHTFUL_CONFIG", raising=False)
    set_container(None)
    yield CliRunner()
    set_container(None)


def test_add_user_prints_a_password_and_a_totp_uri_that_sign_in(cli: CliRunner) -> None:
    result = cli.invoke(cli_app, ["staff", "add-user", "--name", "dana", "--role", "dpo"])
    assert result.exit_code == 0, result.output
    password = re.search(r"password\s+(\S+)", result.output)
    uri = re.search(r"totp\s+(otpauth://\S+)", result.output)
    assert password is not None and uri is not None
    secret = parse_qs(urlsplit(uri.group(1)).query)["secret"][0]
    client = TestClient(_app())
    page = client.get("/console/sign-in")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    client.post("/console/sign-in", data={"csrf": csrf, "name": "dana",
                                          "password": password.group(1),
                                          "code": pyotp.TOTP(secret).now()})  # fmt: skip
    page = client.get("/console")
    assert "Open requests by deadline" in page.text and "dpo" in page.text


def test_a_second_user_of_the_same_name_is_refused(cli: CliRunner) -> None:
    args = ["staff", "add-user", "--name", "dana", "--password", "a long enough password"]
    assert cli.invoke(cli_app, args).exit_code == 0
    again = cli.invoke(cli_app, args)
    assert again.exit_code == 2 and "exists already" in again.output


def test_a_disabled_user_is_signed_out_at_once_and_cannot_sign_in_again(cli: CliRunner) -> None:
    """Someone leaves or loses their phone: the holder of the store stops their console access
    there and then, without waiting for their session to time out."""
    args = ["staff", "add-user", "--name", "dana", "--password", "a long enough password"]
    added = cli.invoke(cli_app, args)
    assert added.exit_code == 0, added.output
    uri = re.search(r"totp\s+(otpauth://\S+)", added.output)
    assert uri is not None
    totp = pyotp.TOTP(parse_qs(urlsplit(uri.group(1)).query)["secret"][0])
    client = TestClient(_app())
    assert _sign_in(client, "dana", totp.now()).status_code == 303
    assert client.get("/console", follow_redirects=False).status_code == 200

    disabled = cli.invoke(cli_app, ["staff", "disable-user", "dana"])
    assert disabled.exit_code == 0, disabled.output
    assert "dana disabled; 1 live session ended" in disabled.output
    assert (
        client.get("/console", follow_redirects=False)
        .headers["location"]
        .startswith("/console/sign-in")
    )
    later = totp.at(time.time() + 30)  # a code the first sign-in did not use up
    assert _sign_in(TestClient(_app()), "dana", later).status_code == 401
    export = Path("audit.jsonl")
    get_container().audit.export(export)
    lines = [json.loads(line) for line in export.read_text().splitlines()]
    disabling = [e for e in lines if e.get("action") == "console.user_disabled"]
    assert len(disabling) == 1 and disabling[0]["summary"]["sessions_ended"] == 1
    assert "dana" not in json.dumps(disabling[0])  # ids and counts only

    again = cli.invoke(cli_app, ["staff", "disable-user", "dana"])
    assert again.exit_code == 2 and "disabled already" in again.output
    nobody = cli.invoke(cli_app, ["staff", "disable-user", "nobody"])
    assert nobody.exit_code == 2 and "no console user of that name" in nobody.output


def test_a_disabled_user_is_not_unlocked(cli: CliRunner) -> None:
    """`unlock-user` printed "dana unlocked" for a user who was disabled, and stays so: the
    holder of the store took the leaver to be able to sign in again."""
    args = ["staff", "add-user", "--name", "dana", "--password", "a long enough password"]
    assert cli.invoke(cli_app, args).exit_code == 0
    assert cli.invoke(cli_app, ["staff", "disable-user", "dana"]).exit_code == 0
    unlocked = cli.invoke(cli_app, ["staff", "unlock-user", "dana"])
    assert unlocked.exit_code == 2 and "unlocked" not in unlocked.output
    assert "dana was disabled at " in unlocked.output and "stays disabled" in unlocked.output
    again = cli.invoke(cli_app, ["staff", "disable-user", "dana"])
    assert re.search(r"disabled already, at \d{4}-\d\d-\d\d \d\d:\d\d UTC", again.output)


def _sign_in(client: TestClient, name: str, code: str) -> object:
    page = client.get("/console/sign-in")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    return client.post("/console/sign-in", data={"csrf": csrf, "name": name,
                                                 "password": "a long enough password",
                                                 "code": code}, follow_redirects=False)  # fmt: skip


def _app() -> object:
    c = get_container()
    app = create_app(c)
    install_web(app, c)
    return app


def test_reseal_totp_seals_every_secret_under_the_new_web_secret_once(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After web_secret was rotated, `staff reseal-totp` seals every console user's TOTP secret
    under the new one in one run, so that the old one can be removed from
    web_previous_secrets without locking anybody out; audited with counts only."""
    old, new = "o" * 40, "n" * 40
    monkeypatch.setenv("RIGHTFUL_WEB_SECRET", old)
    uris = [_added(cli, name) for name in ("dana", "alex")]

    restart(monkeypatch, web_secret=new, previous=json.dumps([old]))
    first = cli.invoke(cli_app, ["staff", "reseal-totp"])
    assert first.exit_code == 0, first.output
    assert "resealed 2 TOTP secrets under the current web_secret; 0 already were" in first.output
    again = cli.invoke(cli_app, ["staff", "reseal-totp"])
    assert "resealed 0 TOTP secrets under the current web_secret; 2 already were" in again.output
    entries = _audited("console.totp_resealed")
    assert [e["summary"] for e in entries] == [
        {"resealed": 2, "current": 0, "unopened": 0},
        {"resealed": 0, "current": 2, "unopened": 0},
    ]
    assert "dana" not in json.dumps(entries) and "alex" not in json.dumps(entries)

    restart(monkeypatch, web_secret=new, previous="[]")  # the old secret removed
    totp = pyotp.TOTP(parse_qs(urlsplit(uris[0]).query)["secret"][0])
    assert _sign_in(TestClient(_app()), "dana", totp.now()).status_code == 303

    restart(monkeypatch, web_secret="x" * 40, previous="[]")  # a secret that sealed none
    lost = cli.invoke(cli_app, ["staff", "reseal-totp"])
    assert lost.exit_code == 1
    assert "2 console users: TOTP secret opens under none of web_secret and" in lost.output


def restart(monkeypatch: pytest.MonkeyPatch, *, web_secret: str, previous: str) -> None:
    """The next command (or app) reads these settings, as a restarted process would."""
    monkeypatch.setenv("RIGHTFUL_WEB_SECRET", web_secret)
    monkeypatch.setenv("RIGHTFUL_WEB_PREVIOUS_SECRETS", previous)
    set_container(None)


def _added(cli: CliRunner, name: str) -> str:
    """Add a console user; their TOTP provisioning URI."""
    args = ["staff", "add-user", "--name", name, "--password", "a long enough password"]
    added = cli.invoke(cli_app, args)
    assert added.exit_code == 0, added.output
    uri = re.search(r"totp\s+(otpauth://\S+)", added.output)
    assert uri is not None
    return uri.group(1)


def _audited(action: str) -> list[dict[str, object]]:
    export = Path("audit.jsonl")
    get_container().audit.export(export)
    lines = [json.loads(line) for line in export.read_text().splitlines()]
    return [e for e in lines if e.get("action") == action]


# --- API keys and their holders ----------------------------------------------------------------

KEY_HOLDER = ["staff", "add-user", "--name", "alice", "--password", "a long enough password"]


def run_cli(cli: CliRunner, *args: str) -> tuple[int, str]:
    result = cli.invoke(cli_app, list(args))
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("holder", "said"),
    [
        ([], "error: give --holder the console user name of the staff member who holds the key "
             "(`rightful staff add-user` first if they have none)"),
        (["--holder", "bob"], "error: no console user 'bob': give --holder the console user name"),
    ],
)  # fmt: skip
def test_a_key_without_a_console_user_as_its_holder_is_refused_in_one_line(
    cli: CliRunner, holder: list[str], said: str
) -> None:
    assert run_cli(cli, *KEY_HOLDER)[0] == 0
    issue = ["staff", "issue-key", "--name", "alice laptop", "--role", "reviewer", *holder]
    code, out = run_cli(cli, *issue)
    assert code != 0 and out.count("\n") == 1 and out.startswith(said), out
    assert "rf_" not in run_cli(cli, "staff", "list-keys")[1]


def test_a_key_is_held_by_its_console_user_whatever_the_case(cli: CliRunner) -> None:
    assert run_cli(cli, *KEY_HOLDER)[0] == 0
    issue = ["staff", "issue-key", "--name", "alice laptop", "--role", "reviewer"]
    code, out = run_cli(cli, *issue, "--holder", "ALICE")
    assert code == 0, out
    key_id = out.split()[0]
    listed = next(
        line for line in run_cli(cli, "staff", "list-keys")[1].splitlines() if key_id in line
    )
    assert "alice laptop" in listed and "alice" in listed.replace("alice laptop", "")


def test_a_key_issued_without_a_holder_is_listed_so_and_can_be_given_one(cli: CliRunner) -> None:
    """Keys issued before holders were required (the old default was the key's name) keep
    working for what needs no second person, and `name-holder` names their holder once."""
    assert run_cli(cli, *KEY_HOLDER)[0] == 0
    c = get_container()
    with c.store.transaction() as session:
        old = staff.issue_key(session, c.clock, name="alice desktop", role="reviewer")
    listed = run_cli(cli, "staff", "list-keys")[1]
    assert "(no holder)" in next(line for line in listed.splitlines() if old.id in line)
    code, out = run_cli(cli, "staff", "name-holder", old.id, "--holder", "Alice")
    assert (code, out) == (0, f"{old.id} held by alice\n")
    code, out = run_cli(cli, "staff", "name-holder", old.id, "--holder", "alice")
    assert code != 0 and out.count("\n") == 1 and "has a holder already" in out, out
    code, out = run_cli(cli, "staff", "name-holder", "nope", "--holder", "alice")
    assert code != 0 and "no API key nope" in out
    assert "(no holder)" not in run_cli(cli, "staff", "list-keys")[1]
    with c.store.transaction() as session:
        named = session.scalars(
            select(AuditEntryRow).where(AuditEntryRow.action == "staff.key_holder_named")
        ).one()
        assert set(json.loads(named.summary)) == {"key_id", "user_id"}  # ids, never a name
        assert "alice" not in named.summary
