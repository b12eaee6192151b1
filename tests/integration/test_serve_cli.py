"""`rightful serve` and the worker start only with a data map they can use; otherwise one line
says what to fix, before anything listens."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any, TypeVar

import pytest
from typer.testing import CliRunner

import rightful
from rightful.bootstrap import get_container, set_container
from rightful.demo.estate import DATAMAP_FILES
from rightful.demo.loaders import seed_demo
from rightful.entrypoints.cli.main import app


@pytest.fixture
def started(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """The calls that would have started uvicorn (none is made)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "none.toml").write_text("")
    monkeypatch.setenv("RIGHTFUL_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("RIGHTFUL_DATA_DIR", str(tmp_path / "var"))
    calls: list[Any] = []
    monkeypatch.setattr("uvicorn.run", lambda *a, **kw: calls.append((a, kw)))
    set_container(None)
    yield calls
    set_container(None)


@pytest.fixture
def open_folder() -> Iterator[Path]:
    """A folder anyone may pass through (tmp_path's parents are the test user's alone)."""
    folder = Path(tempfile.mkdtemp())
    folder.chmod(0o755)
    yield folder
    for inside in [folder, *folder.rglob("*")]:
        inside.chmod(0o755)
    shutil.rmtree(folder)


T = TypeVar("T")


def as_a_server_user(run: Callable[[], T]) -> T:
    """What `run` returns with the permissions of a user who is not root, as a server's is.
    Root reads a file whatever its mode: as root, `run` runs in a child process that has
    become `nobody` (65534) with every module already loaded; the answer comes back pickled."""
    if os.geteuid() != 0:
        return run()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read)
        try:
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            answer = ("ok", run())
        except BaseException:
            answer = ("failed", traceback.format_exc())
        with os.fdopen(write, "wb") as out:
            out.write(pickle.dumps(answer))
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as answered:
        outcome, value = pickle.loads(answered.read())  # noqa: S301 - from our own child
    os.waitpid(pid, 0)
    assert outcome == "ok", value
    return value  # type: ignore[no-any-return]


def config_check_as_a_server_user() -> tuple[int, str]:
    """`rightful config check`'s exit code and error output, run as a server's user."""
    _ = get_container().datamap  # loaded before the check runs as another user

    def config_check() -> tuple[int, str]:
        result = CliRunner().invoke(app, ["config", "check"])
        return result.exit_code, result.stderr

    config_check()  # loads every module the check needs, whoever may read their files
    return as_a_server_user(config_check)


def stale_entries(tmp_path: Path) -> dict[str, str]:
    """Sources the demo data map does not use: a SQLite file and a blob folder long gone, and
    a database server that is never asked."""
    return {
        "legacy": f"sqlite:///{tmp_path}/legacy.db",
        "old-recordings": (tmp_path / "old-recordings").as_uri(),
        "warehouse": "postgresql://rightful:s3cret@127.0.0.1:1/warehouse",
    }


def stale_warnings(tmp_path: Path) -> list[str]:
    unused = "is configured but the data map does not use it"
    return [
        f"warning: source legacy {unused}; the SQLite file does not exist "
        f"({tmp_path}/legacy.db); restore it or correct the source's DSN",
        f"warning: source old-recordings {unused}; the folder does not exist "
        f"({tmp_path}/old-recordings); restore it or correct the store's DSN",
        f"warning: source warehouse {unused}",
    ]


def serve() -> tuple[int, str]:
    result = CliRunner().invoke(app, ["serve", "--port", "8799"])
    return result.exit_code, result.output


def test_serve_refuses_a_data_map_file_that_does_not_exist(
    started: list[Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RIGHTFUL_DATAMAP_FILES", str(tmp_path / "maps" / "nope.yaml"))
    code, out = serve()
    assert code == 2 and out.strip().count("\n") == 0, out
    assert out.startswith("error: not starting: the data map has a problem: ")
    assert "nope.yaml: -: cannot read: No such file or directory" in out
    assert started == []


def test_serve_refuses_a_data_map_whose_fields_are_no_list(
    started: list[Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """docs/configuration.md: serve refuses an invalid data map file with one line."""
    broken = tmp_path / "map.yaml"
    broken.write_text("dataset: [{fides_key: x, collections: [{name: c, fields: 7}]}]\n")
    monkeypatch.setenv("RIGHTFUL_DATAMAP_FILES", str(broken))
    code, out = serve()
    assert code == 2 and out.strip().count("\n") == 0, out
    assert out.strip() == (
        f"error: not starting: the data map has a problem: {broken}: x.c: fields must be a list"
    )
    assert started == []


def test_serve_refuses_to_start_without_a_data_map(started: list[Any]) -> None:
    """Without one no request can be verified or collected: the portal would only fail."""
    code, out = serve()
    assert code == 2 and "no data map configured" in out and "RIGHTFUL_DATAMAP_FILES" in out
    assert started == []


def test_serve_refuses_a_source_the_map_names_but_the_settings_lack(
    started: list[Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    dsns = seed_demo(tmp_path / "estate").dsns
    del dsns["speaker"]
    monkeypatch.setenv("RIGHTFUL_SOURCES", json.dumps(dsns))
    monkeypatch.setenv("RIGHTFUL_DATAMAP_FILES", ",".join(map(str, DATAMAP_FILES)))
    code, out = serve()
    assert code == 2 and out.strip() == (
        "error: not starting: the data map's source speaker is not configured "
        "(set RIGHTFUL_SOURCES__SPEAKER or [sources] in the TOML file)"
    ), out
    assert started == []


def test_config_check_says_in_one_line_each_which_source_file_or_folder_is_missing(
    started: list[Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Connecting to a SQLite file that is not there creates it empty: every collection would
    find nothing, and an access package would look complete. rightful's own store is not a
    source: it is made by `rightful init`."""
    dsns = seed_demo(tmp_path / "estate").dsns
    (tmp_path / "estate" / "speaker.db").unlink()
    dsns["recordings"] = f"file://{tmp_path}/no-blobs"
    monkeypatch.setenv("RIGHTFUL_SOURCES", json.dumps(dsns))
    monkeypatch.setenv("RIGHTFUL_DATAMAP_FILES", ",".join(map(str, DATAMAP_FILES)))
    result = CliRunner().invoke(app, ["config", "check"])
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines() == [
        f"error: source speaker: the SQLite file does not exist ({tmp_path}/estate/speaker.db); "
        "restore it or correct the source's DSN",
        f"error: blob store recordings: the folder does not exist ({tmp_path}/no-blobs); "
        "restore it or correct the store's DSN",
    ]
    assert not (tmp_path / "estate" / "speaker.db").exists()
    code, out = serve()
    assert code == 2 and out.strip() == (
        f"error: not starting: source speaker: the SQLite file does not exist ({tmp_path}/"
        "estate/speaker.db); restore it or correct the source's DSN"
    ), out
    assert started == [] and not (tmp_path / "estate" / "speaker.db").exists()


def test_a_source_the_data_map_does_not_use_is_a_warning_that_stops_nothing(
    started: list[Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A stale entry left in `sources` (the old CRM's export, long deleted) refused every start,
    though nothing is collected from it. It is said, as a source left out of the map may be
    data no access package holds; never with its DSN, which can hold a password."""
    dsns = {**seed_demo(tmp_path / "estate").dsns, **stale_entries(tmp_path)}
    monkeypatch.setenv("RIGHTFUL_SOURCES", json.dumps(dsns))
    monkeypatch.setenv("RIGHTFUL_DATAMAP_FILES", ",".join(map(str, DATAMAP_FILES)))
    result = CliRunner().invoke(app, ["config", "check"])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == stale_warnings(tmp_path)
    assert result.stdout.strip() == "configuration ok"
    code, out = serve()
    assert code == 0 and len(started) == 1, out
    assert [line for line in out.splitlines() if "data map" in line] == stale_warnings(tmp_path)
    assert "s3cret" not in out and not (tmp_path / "legacy.db").exists()


def test_config_check_names_a_sqlite_file_and_a_blob_folder_the_server_user_cannot_read(
    started: list[Any], monkeypatch: pytest.MonkeyPatch, open_folder: Path
) -> None:
    """Only the file's existence was checked: collection failed at the first request. The
    folder is named as the file is (a path is configuration, not personal data)."""
    estate = open_folder / "estate"
    monkeypatch.setenv("RIGHTFUL_SOURCES", json.dumps(seed_demo(estate).dsns))
    monkeypatch.setenv("RIGHTFUL_DATAMAP_FILES", ",".join(map(str, DATAMAP_FILES)))
    for source in estate.glob("*.db"):
        source.chmod(0o644)  # the demo writes its files for their owner alone
    (estate / "speaker.db").chmod(0)
    (estate / "blobs" / "recordings").chmod(0)
    code, errors = config_check_as_a_server_user()
    assert code == 1 and errors.splitlines() == [
        f"error: source speaker: the SQLite file cannot be read ({estate}/speaker.db); let the "
        "user rightful runs as read it",
        f"error: blob store recordings: the folder cannot be read ({estate}/blobs/recordings); "
        "let the user rightful runs as read it",
    ], errors


def wal_mode(path: Path, *, kept: bool) -> None:
    """`path` put in WAL mode; with `kept`, its -wal and -shm files left as they are while the
    application writing it has it open. They are copied and put back once this process has
    closed its connection: a forked child would share that connection's open -shm."""
    with closing(sqlite3.connect(path)) as writer:
        writer.execute("PRAGMA journal_mode=WAL")
        writer.execute("CREATE TABLE IF NOT EXISTS kept (x)")
        writer.commit()
        files = {suffix: Path(f"{path}{suffix}").read_bytes() for suffix in ("-wal", "-shm")}
    for suffix, content in files.items() if kept else ():
        Path(f"{path}{suffix}").write_bytes(content)


def first_read(path: Path) -> str:
    """What SQLite says at the first query of `path`, opened read-only as a source is."""
    try:
        with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as reader:
            reader.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:
        return str(exc)
    return "read"


def test_config_check_names_a_wal_file_whose_wal_and_shm_the_server_user_cannot_have(
    started: list[Any], monkeypatch: pytest.MonkeyPatch, open_folder: Path
) -> None:
    """A SQLite file in WAL mode is read with its -wal and -shm files, which a read-only
    connection creates when they are missing (and keeps). The file itself was readable, so the
    check passed, and the first request failed ("attempt to write a readonly database").
    Both found readable, the folder need not be writable: SQLite reads them read-only."""
    estate, legacy = open_folder / "estate", open_folder / "old" / "legacy.db"
    dsns = {**seed_demo(estate).dsns, "legacy": f"sqlite:///{legacy}"}
    monkeypatch.setenv("RIGHTFUL_SOURCES", json.dumps(dsns))
    monkeypatch.setenv("RIGHTFUL_DATAMAP_FILES", ",".join(map(str, DATAMAP_FILES)))
    legacy.parent.mkdir()
    legacy.touch()
    for source in [*estate.glob("*.db"), legacy]:
        source.chmod(0o644)  # the demo writes its files for their owner alone
    wal_mode(estate / "speaker.db", kept=False)  # the last connection removed -wal and -shm
    wal_mode(estate / "shop.db", kept=True)
    wal_mode(legacy, kept=True)
    Path(f"{legacy}-shm").chmod(0)
    estate.chmod(0o555)
    code, errors = config_check_as_a_server_user()
    files = [estate / "speaker.db", estate / "shop.db", legacy]
    reads = as_a_server_user(lambda: [first_read(file) for file in files])
    assert code == 1 and errors.splitlines() == [
        "warning: source legacy is configured but the data map does not use it; the SQLite "
        f"file is in WAL mode and its -shm file cannot be read ({legacy}-shm); "
        "let the user rightful runs as read it",
        "error: source speaker: the SQLite file is in WAL mode and speaker.db-wal and "
        f"speaker.db-shm cannot be created next to it ({estate}); let the user rightful runs as "
        "write in that folder",
    ], errors
    assert reads == ["attempt to write a readonly database", "read", "unable to open database file"]


def test_serve_starts_with_a_usable_map(
    started: list[Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RIGHTFUL_SOURCES", json.dumps(seed_demo(tmp_path / "estate").dsns))
    monkeypatch.setenv("RIGHTFUL_DATAMAP_FILES", ",".join(map(str, DATAMAP_FILES)))
    code, out = serve()
    assert code == 0, out
    assert len(started) == 1 and started[0][1]["port"] == 8799
    # Paths hold link and verification tokens; client addresses are personal data.
    assert started[0][1]["access_log"] is False


def test_serve_on_a_taken_port_says_so_in_one_line_and_never_that_it_listens(
    started: list[Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """It said "rightful listening on ..." and then failed in uvicorn (house rule: bad input
    is one line, exit != 0); a port outside 1-65535 was an OverflowError traceback."""
    monkeypatch.setenv("RIGHTFUL_SOURCES", json.dumps(seed_demo(tmp_path / "estate").dsns))
    monkeypatch.setenv("RIGHTFUL_DATAMAP_FILES", ",".join(map(str, DATAMAP_FILES)))
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = CliRunner().invoke(app, ["serve", "--port", str(port)])
    assert result.exit_code == 2 and result.output.strip().count("\n") == 0, result.output
    assert f"cannot listen on 127.0.0.1:{port}" in result.output
    assert "listening" not in result.output and started == []
    for wrong in ("99999", "0", "-1"):
        refused = CliRunner().invoke(app, ["serve", "--port", wrong])
        assert refused.exit_code == 2 and "Traceback" not in refused.output, refused.output
    assert started == []


def test_a_worker_with_a_data_map_it_cannot_read_does_not_start(tmp_path: Path) -> None:
    """No broker is needed to find out: the check runs before the worker connects."""
    worker = run_worker(tmp_path, RIGHTFUL_DATAMAP_FILES=str(tmp_path / "nope.yaml"))
    assert worker.returncode != 0
    assert "error: not starting: the data map has a problem: " in worker.stderr
    assert "nope.yaml: -: cannot read" in worker.stderr


def run_worker(tmp_path: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    """A Celery worker of this rightful with `settings` and a broker that never answers."""
    (tmp_path / "none.toml").write_text("")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("RIGHTFUL_")},
        "RIGHTFUL_CONFIG": str(tmp_path / "none.toml"),
        "RIGHTFUL_DATA_DIR": str(tmp_path / "var"),
        "RIGHTFUL_CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
        "PYTHONPATH": str(Path(rightful.__file__).parents[1]),  # this rightful, not another
        **settings,
    }
    return subprocess.run(
        [sys.executable, "-m", "celery", "-A", "rightful.entrypoints.worker.celery_app",
         "worker", "--pool=solo", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=30,
    )  # fmt: skip


def test_a_worker_only_warns_of_a_source_the_data_map_does_not_use(tmp_path: Path) -> None:
    """It goes on to its broker (here none answers), and never logs the DSN."""
    dsns = {**seed_demo(tmp_path / "estate").dsns, **stale_entries(tmp_path)}
    worker = run_worker(
        tmp_path,
        RIGHTFUL_SOURCES=json.dumps(dsns),
        RIGHTFUL_DATAMAP_FILES=",".join(map(str, DATAMAP_FILES)),
    )
    assert worker.returncode != 0
    for warning in stale_warnings(tmp_path):
        assert warning.removeprefix("warning: ") in worker.stderr, worker.stderr
    assert "error: not starting: cannot reach the broker" in worker.stderr
    assert "s3cret" not in worker.stderr
