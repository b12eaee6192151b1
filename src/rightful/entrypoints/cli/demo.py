"""`rightful demo`: the embedded default with demo data, served locally."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from rightful.bootstrap import Container
from rightful.entrypoints.cli.common import (
    check_port,
    console,
    container,
    handles_errors,
    run_server,
)
from rightful.entrypoints.cli.params import Host, Port

if TYPE_CHECKING:
    from rightful.adapters.mail.sink import MailSink


@handles_errors
def demo(
    host: Host = "127.0.0.1",
    port: Port = 8000,
    serve: Annotated[bool, typer.Option(help="start the server after seeding")] = True,
) -> None:
    """Create the store under the data folder, seed the demo estate and requests, and serve."""
    from rightful.services.demo import prepare_demo, seed_demo_requests, write_cli_config

    if serve:
        check_port(host, port)
    c = container(store_needed=False)
    url = f"http://{host}:{port}"
    if "public_base_url" not in c.settings.model_fields_set:
        c.settings.public_base_url = url  # links in the demo's mails point at this server
    with _demo_inbox(c, url, serve) as inbox:  # first: the mail of what is seeded reaches it
        summary = prepare_demo(c)
        seeded = seed_demo_requests(c)
        config = write_cli_config(c)
        folder = escape(str(c.settings.data_dir.resolve()))
        console.print(f"[bold]rightful demo[/bold] store: {folder}", markup=True)
        for line in summary.lines:
            console.print(f"  {line}")
        console.print(f"  demo requests: {seeded} new")
        console.print(
            f"  for the CLI:   export RIGHTFUL_CONFIG={config.resolve()}",
            highlight=False,
            soft_wrap=True,
        )
        console.print(f"  URL:           {url}   (API docs: {url}/docs)")
        console.print(
            f"  staff API key: {summary.admin_key}   (role admin, held by "
            f"{summary.console_users[-1].name}; send as X-API-Key)",
            highlight=False,
            soft_wrap=True,
        )
        console.print(f"  portal:        {url}/   staff console: {url}/console", soft_wrap=True)
        for user in summary.console_users:
            console.print(
                f"  console user:  {user.name} ({user.role}) password {user.password}  "
                f"TOTP {user.provisioning_uri}",
                highlight=False,
                soft_wrap=True,
            )
        if serve:
            console.print(f"  demo inbox:    {inbox}", highlight=False, soft_wrap=True)
            c.settings.demo_mode = True  # mounts the demo inbox page; never set in production
            run_server(c, host, port)


@contextmanager
def _demo_inbox(c: Container, url: str, serve: bool) -> Iterator[str]:
    """Run the local SMTP sink that receives the demo's mail; yields what to tell the user."""
    if not serve:
        yield ""
        return
    sink, problem = _start_sink(c)
    if sink is None:
        yield f"not started ({problem}); mail goes to {c.settings.smtp_host}:{c.settings.smtp_port}"
        return
    try:
        yield f"{url}/demo/mail   (SMTP sink on {sink.host}:{sink.port})"
    finally:
        sink.stop()


def _start_sink(c: Container) -> tuple[MailSink | None, str]:
    """The sink on the configured port; when that is taken (another demo?) and no port was
    chosen, on a free one, which the demo's mail (and demo.toml, for the CLI) then use."""
    from rightful.adapters.mail.sink import MailSink

    s = c.settings
    try:
        return c.mail_sink.start(), ""
    except (OSError, RuntimeError) as exc:
        if "smtp_port" in s.model_fields_set:
            return None, type(exc).__name__
    c.__dict__["mail_sink"] = MailSink(s.smtp_host, 0)  # the inbox page reads this one
    s.smtp_port = c.mail_sink.port
    try:
        return c.mail_sink.start(), ""
    except (OSError, RuntimeError) as exc:
        return None, type(exc).__name__
