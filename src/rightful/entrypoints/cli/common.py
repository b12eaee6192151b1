"""What every command shares: the container, the acting principal, one-line errors, output."""

from __future__ import annotations

import json
import os
import pwd
import socket
import sys
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TextIO, TypeVar

import typer
from pydantic import ValidationError
from pydantic_settings import SettingsError
from rich.console import Console
from rich.markup import escape
from rich.table import Column
from sqlalchemy.exc import ArgumentError, OperationalError

from rightful.adapters.db.base import missing_sqlite_store, no_store_yet
from rightful.adapters.db.packages import PackageRow
from rightful.adapters.db.tables import RequestRow
from rightful.adapters.files import atomic_writer
from rightful.bootstrap import Container, existing_container, get_container
from rightful.domain.errors import NotFoundError, PermissionDeniedError, RightfulError
from rightful.domain.lifecycle import Role
from rightful.domain.staff import Principal
from rightful.settings import describe_settings_error, describe_validation_error

# Output read by a program (a pipe, a file) is as wide as its lines: Rich would cut tables to
# 80 columns (or COLUMNS), breaking `| grep` and scripts.
PIPED_WIDTH = 10_000
MAX_MESSAGE = 1000  # characters of an error line


def _console(stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    # Ids, paths, file names and staff's words are printed as they are: `[/]` or `:warning:` in
    # one is text. Lines that style themselves pass markup=True and escape what they quote.
    return Console(
        stderr=stderr, width=None if stream.isatty() else PIPED_WIDTH, markup=False, emoji=False
    )


console = _console()
err_console = _console(stderr=True)

P = ParamSpec("P")
T = TypeVar("T")


def check_port(host: str, port: int) -> None:
    """One line, before anything is said or seeded, when the address cannot be listened on
    (taken, not this machine's, not allowed); uvicorn binds it again just after."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.create_server((host, port), family=family):
            pass
    except OSError as exc:
        why = exc.strerror or str(exc)
        fail(f"cannot listen on {host}:{port} ({why}); choose another --port or --host")


def run_server(c: Container, host: str, port: int) -> None:
    """Serve the app with uvicorn. No HTTP access log: its paths hold link, verification and
    confirmation tokens, and client addresses are personal data; every use of a link is
    recorded, with its address, in the download attempts table instead. Forwarded headers are
    believed only from settings.trusted_proxies (see create_app), not uvicorn's 127.0.0.1."""
    import uvicorn

    from rightful.entrypoints.api.app import create_app

    uvicorn.run(create_app(c), host=host, port=port, log_level="info", proxy_headers=False,
                access_log=False)  # fmt: skip


def cli_principal() -> Principal:
    """Whoever runs the CLI holds the store's credentials: recorded as admin under their OS user."""
    return Principal(id=f"cli:{os_account()}", role=Role.ADMIN)


def os_account() -> str:
    """The account of the process's real uid. Not $USER or $LOGNAME, which anyone can set: the
    name stands for a person in four-eyes checks (a second person approves an attachment)."""
    uid = os.getuid()
    try:
        return pwd.getpwuid(uid).pw_name.replace(" ", "_")
    except KeyError:  # a uid with no passwd entry, as in some containers
        return f"uid{uid}"


def container(*, store_needed: bool = True) -> Container:
    """The process's container; with `store_needed`, one line asking for `rightful init` when
    the SQLite store does not exist yet (before anything creates folders or keys for it)."""
    try:
        c = get_container()
    except ValidationError as exc:
        fail(describe_validation_error(exc))
    except SettingsError as exc:
        fail(describe_settings_error(exc))
    missing = _missing_store(c.settings.effective_database_url) if store_needed else None
    if missing is not None:
        fail(no_store_yet(missing))
    return c


def _missing_store(url: str) -> Path | None:
    """The file of a SQLite store that does not exist; None for other stores."""
    try:
        return missing_sqlite_store(url)
    except ArgumentError:
        fail("invalid setting database_url: not a URL such as postgresql+psycopg://user@host/db")


def known_request(c: Container, request_id: str) -> RequestRow:
    """The request's row; a package's id given for it, as the two are easily swapped (`package
    list` takes a request, `package show` a package), is named as one, with its request."""
    try:
        return c.requests.get(request_id)
    except NotFoundError:
        with c.store.transaction() as session:  # not c.packages: it needs the data map
            package = session.get(PackageRow, request_id)
        if package is None:
            raise
        swapped = f"{request_id} is a package id, not a request id"
        return fail(f"{swapped}; its request is {package.request_id}")


def id_column(header: str = "id") -> Column:
    """A column of ids, which people copy into the next command: never shortened."""
    return Column(header, no_wrap=True, overflow="fold")


def check_target(path: Path, force: bool, *, makes_folder: bool = False) -> None:
    """One line, before anything is read or decrypted, when `path` cannot or may not be
    written (`makes_folder`: a missing folder is made by the writer)."""
    if path.is_dir():
        fail(f"{path} is a folder; name the file to write, e.g. {path / 'export.file'}")
    if not makes_folder and not path.parent.is_dir():
        fail(f"cannot write {path}: the folder {path.parent} does not exist")
    if path.exists() and not force:
        fail(f"{path} exists; pass --force to overwrite it")
    if path.is_symlink() or (path.exists() and not path.is_file()):
        fail(f"{path} is not a regular file (a link, a device, a pipe); name a file to write")


def read_limited(path: Path, limit: int, what: str) -> bytes:
    """The bytes of `path`, read no further than one past `limit`: a device or a huge file is
    one line, not a process that reads until memory runs out."""
    try:
        with path.open("rb") as file:
            content = file.read(limit + 1)
    except OSError as exc:
        fail(f"cannot read {what} {path}: {exc.strerror}")
    if len(content) > limit:
        fail(f"{what} {path} is larger than {limit} bytes")
    return content


def visible(text: str) -> str:
    """Control characters and bidirectional overrides in quoted input shown as escapes: an id
    typed with an escape sequence must not move the cursor or reverse the line."""
    return "".join(c.encode("unicode_escape").decode() if _invisible(c) else c for c in text)


def _invisible(c: str) -> bool:
    return unicodedata.category(c) == "Cc" or "\u202a" <= c <= "\u202e" or "\u2066" <= c <= "\u2069"


def fail(message: str, code: int = 2) -> Any:
    say_error(message)
    raise typer.Exit(code)


def say_error(message: str) -> None:
    """`error: message` on stderr, in one line."""
    # Messages quote what was typed (ids, paths): `[/]` in one is text, not Rich markup, and a
    # pasted megabyte is not printed back whole.
    if len(message) > MAX_MESSAGE:
        message = message[:MAX_MESSAGE] + " …"
    message = visible(message)
    err_console.print(
        f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True, markup=True
    )


@contextmanager
def written_whole(path: Path) -> Iterator[TextIO]:
    """A text file that is written whole or, when the write fails (a full disk), left as it
    was, with one line saying why."""
    try:
        with atomic_writer(path, binary=False) as file:
            yield file
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc}")


@contextmanager
def one_line_errors() -> Iterator[None]:
    """Turn expected failures into one line on stderr and a non-zero exit code."""
    try:
        yield
    except PermissionDeniedError as exc:
        # The CLI acts as admin, so only a four-eyes rule refuses it; the person at the
        # keyboard is told who they were and how a second person acts.
        fail(
            f"{exc} (this command acted as {cli_principal().id}: the second staff member runs "
            "it under their own operating-system account, or in the console or the API)"
        )
    except RightfulError as exc:
        fail(str(exc))
    except OperationalError as exc:
        fail(f"the store cannot be reached or is not initialised ({exc.orig}); run `rightful init`")


def handles_errors(fn: Callable[P, T]) -> Callable[P, T]:
    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            with one_line_errors():
                result = fn(*args, **kwargs)
            report_refused_notices()
            return result
        finally:
            finish_started_builds()
        raise AssertionError("unreachable")  # pragma: no cover

    return wrapper


def report_refused_notices() -> None:
    """Exit 1 with one line when a notice this command sent was refused by the mail relay: what
    the command recorded stands, but the requester was not told (Art. 12(3), 12(4))."""
    c = existing_container()
    mail = c.__dict__.get("notice_mail") if c is not None else None
    refused = mail.take_refused() if mail is not None else []
    if refused:
        from rightful.services.request_mail import unsent_line

        fail(unsent_line(refused), code=1)


def finish_started_builds() -> None:
    """A command that verified a request may have started its package build in this process:
    the command ends when the build does. Left to the interpreter's exit, the build would run
    while Python shuts down and could not start its collection threads."""
    c = existing_container()
    jobs = c.__dict__.get("package_jobs") if c is not None else None
    drain = getattr(jobs, "drain", None)
    if drain is not None and getattr(jobs, "busy", False):
        err_console.print("building the package this started …", highlight=False)
        drain(timeout=None)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=_jsonable, ensure_ascii=False) + "\n")


def _jsonable(value: Any) -> str:
    """Times as ISO 8601 (what other tools parse), anything else as its text."""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
