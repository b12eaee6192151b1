"""`rightful demo`: the embedded default with demo data, served locally."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from rightful.bootstrap import Container
from rightful.entrypoints.cli.common import console, container, handles_errors, run_server


@handles_errors
def demo(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    serve: Annotated[bool, typer.Option(help="start the server after seeding")] = True,
) -> None:
    """Create the store under the data folder, seed the demo estate and requests, and serve."""
    from rightful.services.demo import prepare_demo, seed_demo_requests, write_cli_config

    c = container(store_needed=False)
    url = f"http://{host}:{port}"
    if "public_base_url" not in c.settings.model_fields_set:
        c.settings.public_base_url = url  # links in the demo's mails point at this server
    summary = prepare_demo(c)
    seeded = seed_demo_requests(c)
    config = write_cli_config(c)
    console.print(f"[bold]rightful demo[/bold] store: {c.settings.data_dir.resolve()}")
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
        f"  staff API key: {summary.admin_key}   (role admin; send as X-API-Key)",
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
        c.settings.demo_mode = True  # mounts the demo inbox page; never set in production
        with _demo_inbox(c, url):
            run_server(c, host, port)


@contextmanager
def _demo_inbox(c: Container, url: str) -> Iterator[None]:
    """Run the local SMTP sink that receives the demo's verification mail, if its port is free."""
    try:
        c.mail_sink.start()
    except (OSError, RuntimeError) as exc:
        console.print(
            f"  demo inbox:    not started ({type(exc).__name__}); mail goes to "
            f"{c.settings.smtp_host}:{c.settings.smtp_port}"
        )
        yield
        return
    console.print(
        f"  demo inbox:    {url}/demo/mail   (SMTP sink on {c.mail_sink.host}:{c.mail_sink.port})"
    )
    try:
        yield
    finally:
        c.mail_sink.stop()
