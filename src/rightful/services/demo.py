"""Demo data for `rightful demo`: a staff key and requests at every stage of their deadline."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import func, select

from rightful.adapters.db.tables import RequestRow
from rightful.adapters.files import atomic_writer
from rightful.bootstrap import Container, make_data_dir
from rightful.bootstrap_web import web_services
from rightful.demo import seed_demo
from rightful.demo.story import CONTROLLER
from rightful.domain.clock import FixedClock
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.intake import NewRequest
from rightful.domain.lifecycle import Role, Status
from rightful.domain.requests import RequestType
from rightful.domain.staff import Principal
from rightful.services import staff
from rightful.services.requests import RequestService
from rightful.services.setup import initialise
from rightful.services.staff_auth import NewUser

DEMO = Principal(id="demo-seed", role=None)

# (type, jurisdiction, e-mail, days since receipt, statuses to walk through)
# Customers of the demo estate (Hearthly), so that their requests can be verified and collected.
DEMO_REQUESTS: list[tuple[RequestType, Jurisdiction, str, int, list[Status]]] = [
    (RequestType.ACCESS, Jurisdiction.GDPR, "carl@example.com", 2, []),
    (RequestType.ACCESS, Jurisdiction.GDPR, "hugo@example.com", 26, [Status.AWAITING_VERIFICATION]),
    (
        RequestType.ERASURE,
        Jurisdiction.UK_GDPR,
        "ben.krueger@example.com",
        35,
        [Status.AWAITING_VERIFICATION],
    ),
    (
        RequestType.ACCESS,
        Jurisdiction.CCPA,
        "anna.s@example.org",
        40,
        [Status.AWAITING_VERIFICATION],
    ),
    (RequestType.OBJECTION, Jurisdiction.GDPR, "%_%@example.com", 12, [Status.CANCELLED]),
]


@dataclass
class DemoSummary:
    admin_key: str
    lines: list[str] = field(default_factory=list)
    console_users: list[NewUser] = field(default_factory=list)


def prepare_demo(c: Container) -> DemoSummary:
    """Initialise the store, seed the demo estate, point the settings at it, issue an admin key."""
    make_data_dir(c.settings.data_dir)  # before the estate goes into it
    lines = use_demo_estate(c)
    use_logged_texts(c)
    initialise(c)
    users = [
        web_services(c).staff_auth.add_user(f"demo-{role}-{secrets.token_hex(2)}", role, DEMO)
        for role in (Role.REVIEWER, Role.DPO)
    ]
    with c.store.transaction() as session:  # the DPO's key: four eyes count it as theirs
        issued = staff.issue_key(
            session, c.clock, name="demo admin", role="admin", holder=users[-1].name
        )
        c.audit.record(
            session,
            "demo-seed",
            "system",
            "staff.key_issued",
            None,
            key_id=issued.id,
            role=issued.role.value,
        )
    return DemoSummary(admin_key=issued.secret, lines=lines, console_users=users)


def use_demo_estate(c: Container) -> list[str]:
    """Seed Hearthly's databases and recordings under data_dir/estate and use them as the sources,
    with Hearthly as the controller where none is configured, unless a data map and sources are
    configured already."""
    settings = c.settings
    if settings.datamap_files or settings.sources:
        return [f"estate:         configured ({len(settings.sources)} sources)"]
    estate = seed_demo(settings.data_dir / "estate")
    settings.datamap_files = list(estate.datamap_files)
    settings.sources = {name: SecretStr(dsn) for name, dsn in estate.dsns.items()}
    for name, value in CONTROLLER.items():
        if name not in settings.model_fields_set:
            setattr(settings, name, value)
    return [
        f"demo estate:   {estate.directory} ({len(estate.customers)} customers, "
        f"{len(estate.blobs)} recordings)",
        f"data map:      {', '.join(p.name for p in estate.datamap_files)}",
    ]


def use_logged_texts(c: Container) -> None:
    """Keep the demo's SMS in memory for its inbox page (sms_backend "log"), unless an SMS
    backend is configured."""
    if "sms_backend" not in c.settings.model_fields_set:
        c.settings.sms_backend = "log"


def write_cli_config(c: Container) -> Path:
    """data_dir/demo.toml: the settings the demo runs with (store, data map, sources, the address
    of links, the SMS backend, the demo inbox's SMTP port), so that `rightful` commands given
    RIGHTFUL_CONFIG=<this file> work on the same store and estate as the server. Mode 0600: it
    holds the sources' DSNs."""
    s = c.settings
    quoted = json.dumps  # a JSON string is a valid TOML basic string
    lines = [
        "# Written by `rightful demo`; use it with: export RIGHTFUL_CONFIG=<this file>",
        f"data_dir = {quoted(str(s.data_dir.resolve()))}",
        f"database_url = {quoted(s.effective_database_url)}",
        f"public_base_url = {quoted(s.public_base_url)}",
        f"sms_backend = {quoted(s.sms_backend)}",
        f"smtp_host = {quoted(s.smtp_host)}",
        f"smtp_port = {s.smtp_port}",
        f"controller_name = {quoted(s.controller_name)}",
        *(
            f"{name} = {quoted(value)}"
            for name in ("privacy_contact", "supervisory_authority")
            if (value := getattr(s, name)) is not None
        ),
        f"datamap_files = [{', '.join(quoted(str(Path(p).resolve())) for p in s.datamap_files)}]",
        "",
        "[sources]",
        *(f"{quoted(name)} = {quoted(dsn.get_secret_value())}" for name, dsn in s.sources.items()),
    ]
    path = s.data_dir / "demo.toml"
    with atomic_writer(path, binary=False, prefix=".demo-", mode=0o600) as out:
        out.write("\n".join(lines) + "\n")
    return path


def seed_demo_requests(c: Container) -> int:
    """Requests received days ago, so that the due list shows overdue and due-soon ones (once)."""
    with c.store.transaction() as session:
        if session.scalar(select(func.count()).where(RequestRow.created_by == DEMO.id)):
            return 0
    now = c.clock.now()
    for kind, jurisdiction, email, days_ago, path in DEMO_REQUESTS:
        past = FixedClock(now - timedelta(days=days_ago))
        service = RequestService(c.store, past, c.audit, c.settings)
        row = service.submit(NewRequest(type=kind, jurisdiction=jurisdiction, email=email), DEMO)
        service.clock = c.clock
        for status in path:
            reason = "withdrawn by the requester" if status is Status.CANCELLED else ""
            service.move(row.id, status, DEMO, reason)
    return len(DEMO_REQUESTS)
