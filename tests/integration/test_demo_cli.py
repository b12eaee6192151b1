"""`rightful demo` leaves the command line pointed at what it serves: the CLI, given the file it
writes, works on the same store, estate and link address as the demo's server."""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from rightful.bootstrap import Container
from rightful.domain.messaging import MailMessage
from rightful.entrypoints.cli.demo import _demo_inbox
from rightful.services.demo import use_demo_estate, write_cli_config
from rightful.settings import Settings, load_settings

DEFAULT_SMTP_PORT = Settings.model_fields["smtp_port"].default

RIGHTFUL = str(Path(sys.executable).parent / "rightful")


def run(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [RIGHTFUL, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_cli_sees_the_demo_store_estate_and_links(tmp_path: Path) -> None:
    """After `rightful demo`, `export RIGHTFUL_CONFIG=…` as printed is all the CLI needs: it
    lists the demo's requests, resolves one against the demo's data map, and would mail links
    that point at the demo's port. The file holds the sources' DSNs, so only its owner reads it."""
    (tmp_path / "empty.toml").write_text("")
    base = {k: v for k, v in os.environ.items() if not k.startswith("RIGHTFUL_")}
    env = {**base, "RIGHTFUL_CONFIG": str(tmp_path / "empty.toml")}
    seeded = run("demo", "--no-serve", "--port", "8799", cwd=tmp_path, env=env)
    assert seeded.returncode == 0, seeded.stdout + seeded.stderr
    config = Path(re.search(r"export RIGHTFUL_CONFIG=(\S+)", seeded.stdout).group(1))  # type: ignore[union-attr]
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    # Its folder holds the store, with requesters' names and addresses: private, as the store.
    assert stat.S_IMODE(config.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((config.parent / "rightful.db").stat().st_mode) == 0o600

    cli = {**base, "RIGHTFUL_CONFIG": str(config)}
    listed = run("requests", "list", "--json", cwd=tmp_path, env=cli)
    assert listed.returncode == 0, listed.stderr
    carl = next(r["id"] for r in json.loads(listed.stdout) if r["type"] == "access")
    status = run("verify", "status", carl, cwd=tmp_path, env=cli)
    assert status.returncode == 0, status.stderr
    shown = run("config", "show", cwd=tmp_path, env=cli)
    assert '"public_base_url": "http://127.0.0.1:8799"' in shown.stdout
    assert '"controller_name": "Hearthly GmbH"' in shown.stdout
    assert '"supervisory_authority": "Sächsische Datenschutzbeauftragte"' in shown.stdout


def test_the_demo_estate_comes_from_its_company_unless_a_controller_is_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Packages, mails and notices of the demo name Hearthly, whose estate it is, not
    "rightful"; a controller name someone configured is kept."""
    (tmp_path / "empty.toml").write_text("")
    monkeypatch.setenv("RIGHTFUL_CONFIG", str(tmp_path / "empty.toml"))
    demo = Container(settings=load_settings(data_dir=tmp_path / "a"))
    use_demo_estate(demo)
    assert (demo.settings.controller_name, demo.settings.privacy_contact) == (
        "Hearthly GmbH", "privacy@hearthly.example",
    )  # fmt: skip
    mine = Container(settings=load_settings(data_dir=tmp_path / "b", controller_name="Acme Ltd"))
    use_demo_estate(mine)
    assert mine.settings.controller_name == "Acme Ltd"


def test_a_taken_smtp_port_moves_the_demo_inbox_and_its_mail_to_a_free_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another demo (or anything) on port 8025: the inbox starts on a free port, the demo's
    mail goes there, and demo.toml tells the CLI the same port."""
    (tmp_path / "empty.toml").write_text("")
    monkeypatch.setenv("RIGHTFUL_CONFIG", str(tmp_path / "empty.toml"))
    c = Container(settings=load_settings(data_dir=tmp_path / "data"))
    with contextlib.ExitStack() as stack:
        taken = stack.enter_context(socket.socket())
        with contextlib.suppress(OSError):  # already taken by someone else: just as good
            taken.bind(("127.0.0.1", DEFAULT_SMTP_PORT))
            taken.listen()
        told = stack.enter_context(_demo_inbox(c, "http://127.0.0.1:8799", serve=True))
        port = c.settings.smtp_port
        assert port != DEFAULT_SMTP_PORT and f"SMTP sink on 127.0.0.1:{port}" in told
        c.mailer.send(MailMessage("anna@example.com", "code", "123456", "<p>123456</p>"))
        assert c.mail_sink.wait_for("anna@example.com", timeout=5)[0].subject == "code"
        (tmp_path / "data").mkdir(exist_ok=True)
        assert f"smtp_port = {port}" in write_cli_config(c).read_text()
