"""`rightful staff add-user` and friends: people who sign in to the staff console."""

from __future__ import annotations

from typing import Annotated

import typer

from rightful.domain.lifecycle import Role
from rightful.domain.words import counted
from rightful.entrypoints.cli.common import (
    cli_principal,
    console,
    container,
    fail,
    handles_errors,
)
from rightful.settings import NEW_USER_PASSWORD_ENV

UserName = Annotated[str, typer.Argument(help="the user's sign-in name")]


@handles_errors
def add_user(
    name: Annotated[str, typer.Option(help="sign-in name (one word)")],
    role: Annotated[Role, typer.Option(help="what the user may do in the console")] = Role.AGENT,
    password: Annotated[
        str | None,
        typer.Option(
            help="at least 12 characters; default: a generated one, printed once",
            envvar=NEW_USER_PASSWORD_ENV,
        ),
    ] = None,
) -> None:
    """Add a console user; prints the password (if generated) and the TOTP provisioning URI."""
    c = container(store_needed=False)
    from rightful.bootstrap_web import web_services
    from rightful.services.setup import initialise

    initialise(c)
    new = web_services(c).staff_auth.add_user(name, role, cli_principal(), password)
    console.print(f"user      {new.name} ({new.role}) id {new.id}", highlight=False)
    if password is None:
        console.print(f"password  {new.password}", highlight=False)
    console.print(f"totp      {new.provisioning_uri}", highlight=False, soft_wrap=True)
    console.print("Add the TOTP URI to an authenticator app; it is shown only now.")


@handles_errors
def unlock_user(name: UserName) -> None:
    """Let a user sign in again after too many failed attempts."""
    from rightful.bootstrap_web import web_services

    c = container()
    web_services(c).staff_auth.unlock_user(name, cli_principal())
    console.print(f"{name} unlocked")


@handles_errors
def disable_user(name: UserName) -> None:
    """Stop a user from signing in (someone who left, a lost phone); their sessions end now."""
    from rightful.bootstrap_web import web_services

    c = container()
    ended = web_services(c).staff_auth.disable_user(name, cli_principal())
    console.print(f"{name} disabled; {counted(ended, 'live session', 'live sessions')} ended",
                  highlight=False)  # fmt: skip


@handles_errors
def reseal_totp() -> None:
    """Seal every console user's TOTP secret under the current web_secret (after rotating it,
    before removing the old one from web_previous_secrets); safe to run again."""
    from rightful.bootstrap_web import web_services

    c = container()
    done = web_services(c).staff_auth.totp.reseal_all(c.store, c.audit, cli_principal())
    console.print(f"resealed {counted(done.resealed, 'TOTP secret', 'TOTP secrets')} under the "
                  f"current web_secret; {done.current} already were", highlight=False)  # fmt: skip
    if done.unopened:
        fail(f"{counted(done.unopened, 'console user', 'console users')}: TOTP secret opens "
             "under none of web_secret and web_previous_secrets; list the secret it was sealed "
             "under in web_previous_secrets, or add the user again", code=1)  # fmt: skip
