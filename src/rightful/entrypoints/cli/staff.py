"""`rightful staff ...`: API keys for staff members and integrations."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from rightful.domain.lifecycle import Role
from rightful.entrypoints.cli import console_users
from rightful.entrypoints.cli.common import (
    cli_principal,
    console,
    container,
    handles_errors,
    id_column,
)
from rightful.services import staff

app = typer.Typer(help="Staff API keys and console users (secrets are shown once).")
app.command("add-user")(console_users.add_user)
app.command("unlock-user")(console_users.unlock_user)
app.command("disable-user")(console_users.disable_user)
app.command("reseal-totp")(console_users.reseal_totp)


@app.command("issue-key")
@handles_errors
def issue_key(
    name: Annotated[str, typer.Option(help="what the key is for (e.g. alice laptop, crm sync)")],
    role: Annotated[Role, typer.Option(help="what the key may do")] = Role.AGENT,
    holder: Annotated[
        str | None,
        typer.Option(
            help="who holds it (required): a staff member's console user name; the user and "
            "all their keys are one person to the four-eyes rules"
        ),
    ] = None,
) -> None:
    """Issue a key; the full key is printed once and cannot be shown again."""
    c = container()
    who = cli_principal()
    with c.store.transaction() as session:
        issued = staff.issue_key_for(session, c.clock, c.audit, who, name=name, role=role,
                                     holder=holder)  # fmt: skip
    console.print(f"{issued.id}  {issued.role}  {issued.secret}", highlight=False)


@app.command("list-keys")
@handles_errors
def list_keys() -> None:
    """The API keys issued, revoked ones included, with when each was last used (no secrets)."""
    c = container()
    table = Table(id_column(), "name", "holder", "role", "created", "revoked", "last used")
    with c.store.transaction() as session:
        for k in staff.list_keys(session):
            table.add_row(
                k.id,
                k.name,
                k.holder or "(no holder)",
                k.role,
                f"{k.created_at:%Y-%m-%d}",
                f"{k.revoked_at:%Y-%m-%d}" if k.revoked_at else "",
                f"{k.last_used_at:%Y-%m-%d %H:%M}" if k.last_used_at else "",
            )
    console.print(table)


@app.command("name-holder")
@handles_errors
def name_holder(
    key_id: Annotated[
        str, typer.Argument(help="the key's id, as `rightful staff list-keys` shows")
    ],
    holder: Annotated[str, typer.Option(help="the console user name of who holds it")],
) -> None:
    """Name the holder of a key issued without one, so that it may take part in four eyes."""
    c = container()
    who = cli_principal()
    with c.store.transaction() as session:
        user = staff.name_holder(session, key_id, holder)
        c.audit.record(session, who.id, who.role_name, "staff.key_holder_named", None,
                       key_id=key_id, user_id=user.id)  # fmt: skip
    console.print(f"{key_id} held by {user.name}", highlight=False)


@app.command("revoke-key")
@handles_errors
def revoke_key(
    key_id: Annotated[
        str, typer.Argument(help="the key's id, as `rightful staff list-keys` shows")
    ],
) -> None:
    """Revoke a key: requests made with it are refused from now on (audited)."""
    c = container()
    who = cli_principal()
    with c.store.transaction() as session:
        staff.revoke_key(session, c.clock, key_id)
        c.audit.record(session, who.id, who.role_name, "staff.key_revoked", None, key_id=key_id)
    console.print(f"{key_id} revoked")
