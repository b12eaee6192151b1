"""The `rightful` command: set up the store, serve the API, run the demo, and the sub-commands."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import typer
from click import Context
from typer.core import TyperGroup

from rightful.adapters.db.base import store_name
from rightful.domain.errors import ConfigurationError
from rightful.domain.words import counted
from rightful.entrypoints.cli import (
    attachments,
    audit,
    datamap,
    demo,
    exclusions,
    incidents,
    package_keys,
    packages,
    reports,
    request_outcomes,
    requests,
    staff,
    verification,
)
from rightful.entrypoints.cli.common import (
    check_port,
    console,
    container,
    err_console,
    fail,
    handles_errors,
    print_json,
    run_server,
    say_error,
)
from rightful.entrypoints.cli.params import Host, Port

if TYPE_CHECKING:
    from collections.abc import Iterable

    from rightful.bootstrap import Container
    from rightful.settings import Settings


class _Rightful(TyperGroup):
    """The root command: refuses arguments that are not text before any command reads them."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: Context | None = None, **extra: Any
    ) -> Context:
        for position, arg in enumerate(args, 1):
            try:
                arg.encode()
            except UnicodeEncodeError:  # bytes that are not UTF-8, kept by Python as surrogates
                fail(f"argument {position} is not valid UTF-8 text; type it again")
        return super().make_context(info_name, args, parent, **extra)


def _add_commands(group: typer.Typer, commands: dict[str, Callable[..., None]]) -> None:
    """Commands of a group that live in modules of their own."""
    for name, command in commands.items():
        group.command(name)(command)


app = typer.Typer(
    cls=_Rightful,
    name="rightful",
    help="Fulfil data subject requests so that a person's data reaches that person only.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(requests.app, name="requests")
_add_commands(
    requests.app,
    {
        "erased": request_outcomes.erased,
        "rectified": request_outcomes.rectified,
        "restricted": request_outcomes.restricted,
        "restrictions": request_outcomes.restrictions,
        "lift-notice": request_outcomes.lift_notice,
        "lift": request_outcomes.lift,
    },
)
app.add_typer(audit.app, name="audit")
app.add_typer(staff.app, name="staff")
app.add_typer(verification.app, name="verify")
app.add_typer(datamap.app, name="datamap")
app.add_typer(packages.app, name="package")
_add_commands(
    packages.app,
    {
        "leave-out": exclusions.leave_out,
        "put-back": exclusions.put_back,
        "left-out": exclusions.left_out,
        "attach": attachments.attach,
        "approve-attachment": attachments.approve_attachment,
        "reject-attachment": attachments.reject_attachment,
        "attachments": attachments.list_attachments,
        "withdraw-attachment": attachments.withdraw,
        "public-key": package_keys.public_key,
        "rotate-signing-key": package_keys.rotate_signing_key,
        "rotate-key": package_keys.rotate_key,
        "retire-keys": package_keys.retire_keys,
    },
)
app.add_typer(incidents.app, name="incidents")
app.command("demo")(demo.demo)
app.add_typer(reports.app, name="report")

config_app = typer.Typer(help="Effective configuration.")
app.add_typer(config_app, name="config")
jobs_app = typer.Typer(help="Periodic jobs (run them from cron or Celery beat).")
app.add_typer(jobs_app, name="jobs")
jobs_app.command("incidents")(incidents.jobs)


@config_app.command("show")
@handles_errors
def config_show() -> None:
    """Print the effective settings, secrets masked."""
    print_json(container(store_needed=False).settings.public_view())


@config_app.command("check")
@handles_errors
def config_check() -> None:
    """Check the settings as `serve` does before it starts (data map, sources, SQLite files,
    blob folders), and warn of texts that would not fit one SMS and of sources the data map
    does not use. Exit 1 with one line per error; warnings exit 0."""
    from rightful.services.setup import configuration_problems, configuration_warnings

    c = container(store_needed=False)
    _warn_of_long_texts(c.settings)
    try:
        problems = configuration_problems(c)
        _warn(configuration_warnings(c))
    except ConfigurationError as exc:
        fail(str(exc), code=1)
    for problem in problems:
        say_error(problem)
    if problems:
        raise typer.Exit(1)
    console.print("configuration ok")


def _warn_of_long_texts(settings: Settings) -> None:
    from rightful.services.sms_length import sms_warnings

    _warn(sms_warnings(settings))


def _warn(warnings: Iterable[str]) -> None:
    for warning in warnings:
        err_console.print(f"warning: {warning}", highlight=False, markup=False, soft_wrap=True)


@app.command()
@handles_errors
def init() -> None:
    """Create or migrate the store and the audit signing key (idempotent)."""
    from rightful.services.setup import initialise

    c = container(store_needed=False)
    initialise(c)
    console.print(f"store ready at {store_name(c.settings.effective_database_url)}")


@app.command()
@handles_errors
def serve(
    host: Host = "127.0.0.1",
    port: Port = 8000,
) -> None:
    """Serve the API, the requester portal and the staff console with uvicorn; refuses to start
    while the data map cannot be loaded or names a source that is not configured, or the file
    of a SQLite source or the folder of a blob store it uses is missing or cannot be read; warns
    of a configured source it does not use."""
    from rightful.services.setup import check_configuration, initialise

    c = container(store_needed=False)
    try:
        warnings = check_configuration(c)
    except ConfigurationError as exc:
        fail(f"not starting: {exc}")
    _warn(warnings)
    _warn_of_long_texts(c.settings)
    initialise(c)
    check_port(host, port)
    console.print(f"rightful listening on http://{host}:{port}  (API docs: /docs)")
    run_server(c, host, port)


@jobs_app.command("builds")
@handles_errors
def builds() -> None:
    """Build again packages whose build was lost (no heartbeat for `build_lost_after_seconds`) or
    failed, and start verified requests still waiting; the part of `jobs daily` worth running
    every few minutes (cron), so that a build lost with its worker is redone within minutes."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    c = container()
    if not c.settings.collect_when_verified:
        console.print("nothing started: collect_when_verified is off, staff start builds")
        return
    started = counted(c.start_waiting_collections(), "request", "requests")
    console.print(f"{started} started collecting (verified and waiting, or a lost build)")


def _forget_old(c: Container) -> None:
    """What the daily job forgets: the keys of submissions past their day, and the asks for
    sign-in codes for ids no request has once they count for no limit."""
    from rightful.bootstrap import code_policy
    from rightful.services.portal import forget_unknown_asks

    if forgotten := c.idempotency.forget_old():
        console.print(f"{counted(forgotten, 'submission key', 'submission keys')} older than "
                      "24 hours removed (a repeat of those would be a new request)")  # fmt: skip
    if forgotten := forget_unknown_asks(c.store, c.clock.now(), code_policy(c.settings)):
        console.print(f"{counted(forgotten, 'sign-in ask', 'sign-in asks')} for request ids no "
                      "request has removed (older than the code window)")  # fmt: skip


@jobs_app.command("daily")
@handles_errors
def daily() -> None:
    """The daily job: close CCPA requests unverified at their deadline, log overdue and due-soon
    requests (ids only), start collection for verified requests still waiting, incidents, audit
    checkpoint; the keys of submissions older than 24 hours are forgotten, and asks for sign-in
    codes for request ids no request has once past the code window. Notices the mail relay
    refused are tried again; exit 1 while a notice reached nobody (refused, or no e-mail
    address) and nobody recorded telling its requester otherwise."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    c = container()
    sent, _ = c.notice_mail.retry()
    if sent:
        console.print(f"{counted(sent, 'notice', 'notices')} the mail relay refused before went "
                      "out now")  # fmt: skip
    closed = c.requests.close_unverified_at_deadline()
    if closed:
        untold = {u.request_id for u in c.notice_mail.refused_here()}
        told = counted(len(set(closed) - untold), "requester", "requesters")
        console.print(f"{counted(len(closed), 'CCPA request', 'CCPA requests')} closed unverified "
                      f"at the deadline; {told} told by mail")  # fmt: skip
    overdue, soon = c.requests.sweep_due()
    _forget_old(c)
    if c.settings.collect_when_verified:
        started = counted(c.start_waiting_collections(), "request", "requests")
        console.print(f"{started} started collecting (verified and waiting, or a lost build)")
    if c.audit.head().last_seq > 0:
        c.audit.checkpoint()
    console.print(f"{overdue} overdue, {soon} due within {c.settings.due_soon_days} days")
    incidents.jobs()  # incident triage and deadline reminders (also `rightful jobs incidents`)
    c.notice_mail.take_refused()  # all of them are named below, not only those met this run
    if untold := c.notice_mail.unsent():
        from rightful.services.request_mail import unsent_line

        fail(unsent_line(untold), code=1)
