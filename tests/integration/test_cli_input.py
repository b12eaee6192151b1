"""The `rightful` command run as people run it, in a process of its own, given input it cannot
use: a device or a huge file, bytes that are not UTF-8, Ctrl-C. Each gives one line saying what
to fix and a non-zero exit (the house rule for bad input), never a traceback."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import rightful
from rightful.bootstrap import set_container
from rightful.entrypoints.cli.main import app

MEMORY = 2 * 2**30  # the reviewer's `--document /dev/zero` read 23 GB before it was killed
ENTRY = "import sys; from rightful.entrypoints.cli.main import app; sys.exit(app())"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The environment of an initialised store, for commands run in a process of their own."""
    (tmp_path / "none.toml").write_text("")
    settings = {"RIGHTFUL_CONFIG": str(tmp_path / "none.toml"),
                "RIGHTFUL_DATA_DIR": str(tmp_path / "var")}  # fmt: skip
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("RIGHTFUL_DATABASE_URL", raising=False)
    set_container(None)
    assert CliRunner().invoke(app, ["init"]).exit_code == 0
    set_container(None)
    return {**os.environ, **settings, "PYTHONPATH": str(Path(rightful.__file__).parents[1])}


def _bounded_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def run_cli(env: dict[str, str], *args: str | bytes) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", ENTRY, *args], env=env, capture_output=True,
                          text=True, timeout=60, preexec_fn=_bounded_memory)  # fmt: skip


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in done.stderr, done.stderr
    assert done.stdout == "" and done.stderr.strip().count("\n") == 0, done.stderr
    return done.stderr.strip()


SIGNED = ("--full-name", "Ada Lovelace", "--signed-on", "2026-12-01")
AGENT = ("--kind", "authorised_agent", "--agent-name", "Bob")


@pytest.mark.parametrize(
    ("limit", "command"),
    [
        (10_000_000, ["verify", "declaration", "r1", *SIGNED, "--document", "{file}"]),
        (10_000_000, ["verify", "authority", "r1", "{file}", *AGENT]),
        (32_000, ["incidents", "edit", "n1", "--section", "nature", "--from-file", "{file}"]),
        (1_000_000, ["package", "verify", "{zip}", "--public-key", "{file}"]),
    ],
)
@pytest.mark.parametrize("big", ["sparse", "/dev/zero"])
def test_a_file_past_its_limit_is_refused_before_it_is_read_whole(
    env: dict[str, str], tmp_path: Path, limit: int, command: list[str], big: str
) -> None:
    """An input file is read no further than one byte past the command's limit (a PDF the
    portal would refuse, a section longer than a notice takes, a key file): a device or a huge
    file is one line saying so, quickly, not a process that reads until it is killed."""
    file = tmp_path / "big.pdf"
    if big == "sparse":
        file.touch()
        os.truncate(file, limit + 1)
    (tmp_path / "package.zip").write_bytes(b"PK")
    paths = {"file": str(file) if big == "sparse" else big, "zip": str(tmp_path / "package.zip")}
    started = time.monotonic()
    done = run_cli(env, *(part.format(**paths) for part in command))
    assert done.returncode == 2 and time.monotonic() - started < 30
    assert one_line(done).endswith(f"is larger than {limit} bytes")


@pytest.mark.parametrize(
    "command", [["audit", "verify", "--anchor", "/dev/zero"], ["package", "verify", "/dev/zero"]]
)
def test_a_device_given_as_an_export_or_a_package_is_one_line(
    env: dict[str, str], command: list[str]
) -> None:
    done = run_cli(env, *command)
    assert done.returncode == 2 and "/dev/zero" in one_line(done)


@pytest.mark.parametrize("prefix", ["account_assertion", "staff_sso"])
def test_an_issuer_without_its_key_is_one_line_naming_the_settings(
    env: dict[str, str], prefix: str
) -> None:
    """A rule between settings has no one setting to name: the line read 'invalid setting :
    Value error, ...', a blank where the name goes. It names the settings in its words."""
    issuer = {f"RIGHTFUL_{prefix.upper()}_ISSUER": "https://id.example"}
    done = run_cli({**env, **issuer}, "requests", "list")
    assert done.returncode != 0
    assert one_line(done) == (
        f"error: invalid settings: {prefix}_issuer needs exactly one of {prefix}_secret and "
        f"{prefix}_public_key (check RIGHTFUL_* variables or the TOML file)"
    )
