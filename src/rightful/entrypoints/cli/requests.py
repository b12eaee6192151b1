"""`rightful requests ...`: submit, list, show, move, extend, refuse, answer, cancel and the due
list (request_outcomes.py holds what was done for erasure, rectification and restriction)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from rightful.adapters.db.tables import NoticeRow, RequestRow, TransitionRow
from rightful.domain.audit import AuditEntry
from rightful.domain.deadlines import LONGEST_WINDOW_DAYS, Jurisdiction, Urgency, urgency_at
from rightful.domain.errors import InvalidInputError
from rightful.domain.intake import NewRequest
from rightful.domain.lifecycle import ANSWERED, OPEN, Status
from rightful.domain.rectification import Rectification
from rightful.domain.requests import RequestType, parse_request_type
from rightful.domain.unfounded import RefusedManifestly, legal_basis, refused_manifestly
from rightful.domain.unfounded import manifestly as parse_manifestly
from rightful.domain.words import counted
from rightful.entrypoints.cli.common import (
    cli_principal,
    console,
    container,
    handles_errors,
    id_column,
    known_request,
    print_json,
)
from rightful.entrypoints.cli.params import Json, RequestId, row_id
from rightful.entrypoints.cli.request_outcomes import (
    erasure_line,
    print_rectification,
    restriction_line,
)
from rightful.services.request_mail import UNTOLD
from rightful.services.request_queries import RequestFilter, transitions
from rightful.services.restrictions import RestrictionView

if TYPE_CHECKING:
    from rightful.bootstrap import Container

app = typer.Typer(help="Data subject requests: submit, list, show, move, extend, refuse, cancel.")

URGENCY_STYLE = {Urgency.OVERDUE: "bold red", Urgency.DUE_SOON: "yellow", Urgency.OK: ""}


def _identity(pair: str) -> tuple[str, str]:
    kind, sep, value = pair.partition("=")
    if not sep or not kind or not value:
        raise InvalidInputError(f"--identity takes TYPE=VALUE, got {pair!r}")
    return kind.strip(), value.strip()


@app.command()
@handles_errors
def submit(
    type: Annotated[
        str, typer.Argument(help="access, erasure, ... or know, delete, correct, opt_out")
    ],
    jurisdiction: Annotated[
        Jurisdiction, typer.Option(help="the law it is made under; it sets the deadline")
    ] = Jurisdiction.GDPR,
    email: Annotated[str | None, typer.Option(help="the requester's e-mail address")] = None,
    phone: Annotated[str | None, typer.Option(help="the requester's phone number")] = None,
    name: Annotated[str | None, typer.Option(help="the requester's full name")] = None,
    identity: Annotated[list[str] | None, typer.Option(help="TYPE=VALUE, repeatable")] = None,
    language: Annotated[str, typer.Option(help="the language of the notices: en or de")] = "en",
    received_at: Annotated[
        str | None,
        typer.Option(help="when it arrived, if earlier: 2026-03-02 or 2026-03-02T09:15+01:00"),
    ] = None,
    direct_marketing: Annotated[
        bool, typer.Option(help="an objection to direct marketing (absolute, Art. 21(3))")
    ] = False,
) -> None:
    """Record a request received by phone or letter (channel 'staff'); the deadline runs from
    --received-at when given (a letter opened today that arrived last week)."""
    c = container()
    new = NewRequest(
        type=parse_request_type(type),
        jurisdiction=jurisdiction,
        email=email,
        phone=phone,
        name=name,
        claimed_identities=tuple(_identity(i) for i in identity or []),
        language=language,
        channel="staff",
        received_at=_receipt_time(received_at, c.settings.zone) if received_at else None,
        direct_marketing=direct_marketing,
    )
    row = c.requests.submit(new, cli_principal())
    console.print(f"{row.id}  {row.status}  respond by {_local(row.respond_by, c.settings.zone)}")


def _local(at: datetime, zone: tzinfo) -> str:
    """A time as staff read it: in the controller's zone, where a deadline's day ends."""
    return f"{at.astimezone(zone):%Y-%m-%d %H:%M %Z}"


def _day(at: datetime, zone: tzinfo) -> str:
    """The controller's calendar day of `at`: a deadline at the end of 16 April in California
    is 07:59 on 17 April in UTC, which the store keeps."""
    return f"{at.astimezone(zone):%Y-%m-%d}"


def _receipt_time(text: str, zone: tzinfo) -> datetime:
    """An ISO date (the start of that day in the controller's zone) or date and time."""
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInputError(
            f"--received-at takes an ISO date or date and time, e.g. 2026-03-02, got {text!r}"
        ) from None
    return at.replace(tzinfo=zone) if at.tzinfo is None else at


@app.command("list")
@handles_errors
def list_requests(
    status: Annotated[Status | None, typer.Option(help="only requests in this status")] = None,
    type: Annotated[RequestType | None, typer.Option(help="only requests of this type")] = None,
    jurisdiction: Annotated[
        Jurisdiction | None, typer.Option(help="only requests under this law")
    ] = None,
    open_only: Annotated[
        bool,
        typer.Option("--open", help="only open ones: not closed, rejected, cancelled or expired"),
    ] = False,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="list at most this many")] = 100,
    json_out: Json = False,
) -> None:
    """List requests by deadline."""
    c = container()
    rows = c.requests.list(
        RequestFilter(
            status=status, type=type, jurisdiction=jurisdiction, open_only=open_only, limit=limit
        )
    )
    if json_out:
        print_json(
            [
                {
                    "id": r.id,
                    "type": r.type,
                    "jurisdiction": r.jurisdiction,
                    "status": r.status,
                    "respond_by": r.respond_by,
                }
                for r in rows
            ]
        )
        return
    table = Table(id_column(), "type", "jurisdiction", "status", "respond by")
    now = c.clock.now()
    for r in rows:
        style = URGENCY_STYLE[urgency_at(r.respond_by, now, c.settings.due_soon_days)]
        if Status(r.status) not in OPEN or Status(r.status) in ANSWERED:
            style = "dim"
        table.add_row(
            r.id,
            r.type,
            r.jurisdiction,
            r.status,
            _day(r.respond_by, c.settings.zone),
            style=style,
        )
    console.print(table)


@app.command()
@handles_errors
def show(request_id: RequestId, json_out: Json = False) -> None:
    """One request with its transitions, notices and audit timeline."""
    shown = _Shown.of(container(), request_id)
    if json_out:
        print_json(shown.as_json())
        return
    _show_request(shown)
    _show_moves(shown.moves)
    _show_notices(shown.notices)
    _show_timeline(shown.timeline)


@dataclass(frozen=True)
class _Shown:
    """What `requests show` tells of one request, read once for text and JSON alike."""

    row: RequestRow
    zone: tzinfo
    timeline: list[AuditEntry]
    moves: list[TransitionRow]
    notices: list[NoticeRow]
    restricted: RestrictionView | None
    waiting_for: str | None
    categories_only: bool
    link_waits: str | None
    manifestly: RefusedManifestly | None

    @classmethod
    def of(cls, c: Container, request_id: str) -> _Shown:
        from rightful.bootstrap_web import web_services

        row = known_request(c, request_id)
        timeline = c.audit.timeline(request_id)
        waiting_for = c.declarations.waiting_for(row.id)
        return cls(
            row, c.settings.zone, timeline, transitions(c.store, request_id),
            c.requests.notices(request_id), c.restrictions.get(row.id), waiting_for,
            bool(waiting_for) and c.declarations.categories_only(row.id),
            web_services(c).delivery.link_waits(row.id), refused_manifestly(timeline),
        )  # fmt: skip

    def as_json(self) -> dict[str, Any]:
        row, manifestly = self.row, self.manifestly
        return {
            "id": row.id, "type": row.type, "jurisdiction": row.jurisdiction,
            "status": row.status, "received_at": row.received_at, "respond_by": row.respond_by,
            "details": row.details,
            "restriction": self.restricted.as_json() if self.restricted else None,
            "waiting_for": self.waiting_for, "link_waits": self.link_waits,
            "refused_manifestly": {
                "ground": manifestly.ground.value,
                "earlier_requests": manifestly.earlier_requests,
            } if manifestly else None,
            "transitions": [
                {"at": t.at, "source": t.source, "target": t.target, "actor": t.actor,
                 "role": t.role, "reason": t.reason}
                for t in self.moves
            ],
            "notices": [
                {"id": n.id, "kind": n.kind, "language": n.language, "channel": n.channel,
                 "sent_at": n.sent_at, "sent_by": n.sent_by, "body": n.body,
                 "mail_state": n.mail_state, "mail_attempts": n.mail_attempts,
                 "told_way": n.told_way, "told_how": n.told_how, "told_by": n.told_by,
                 "told_at": n.told_at}
                for n in self.notices
            ],
            "timeline": [
                {"seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action,
                 "summary": dict(e.summary)}
                for e in self.timeline
            ],
        }  # fmt: skip


def _show_request(shown: _Shown) -> None:
    row, zone = shown.row, shown.zone
    console.print(f"[bold]{row.id}[/bold]  {row.type} ({row.jurisdiction})  status {row.status}",
                  markup=True)  # fmt: skip
    console.print(
        f"received {_local(row.received_at, zone)}, respond by {_local(row.respond_by, zone)}"
    )
    if row.details:
        console.print(f"in the requester's words: {row.details}", highlight=False)
    if shown.waiting_for:
        what = "deletion" if row.type == RequestType.ERASURE else "package"
        console.print(f"{what} waits: {shown.waiting_for}", highlight=False)
    if shown.link_waits:
        console.print(f"link waits: {shown.link_waits}", highlight=False)
    if shown.categories_only:
        console.print("verified for the categories (§7062(b)): tell them in words with "
                      "`rightful requests answer`, at the latest by the deadline")  # fmt: skip
    if row.refusal_reasons:
        console.print(_refusal_line(row, shown.manifestly))
    _show_outcomes(shown)
    if row.extended_at is not None:
        console.print(f"extended on {_day(row.extended_at, zone)} because: {row.extension_reason}")


def _refusal_line(row: RequestRow, manifestly: RefusedManifestly | None) -> str:
    unverified = " (identity not verified)" if row.refused_unverified else ""
    if manifestly:
        earlier = counted(manifestly.earlier_requests, "other request", "other requests")
        unverified += (f" as manifestly {manifestly.ground.value} "
                       f"({legal_basis(row.jurisdiction)}; {earlier} from the same "
                       "requester in the year before)")  # fmt: skip
    return f"refused{unverified} because: " + "; ".join(row.refusal_reasons or [])


def _show_outcomes(shown: _Shown) -> None:
    """What was done for an erasure, rectification, objection or restriction request."""
    row = shown.row
    if row.erasure_outcome:
        console.print(erasure_line(row.erasure_outcome), highlight=False)
    if row.rectification_outcome:
        print_rectification(Rectification.from_json(row.rectification_outcome))
    if row.direct_marketing:
        console.print("objects to direct marketing: absolute, it cannot be refused (Art. 21(3))")
    if shown.restricted is not None:
        console.print(restriction_line(shown.restricted), highlight=False)


def _show_timeline(timeline: list[AuditEntry]) -> None:
    table = Table("seq", "at", "actor", "role", "action", "summary", title="audit timeline")
    for e in timeline:
        summary = ", ".join(f"{k}={v}" for k, v in sorted(e.summary.items()))
        table.add_row(str(e.seq), f"{e.at:%Y-%m-%d %H:%M:%S}", e.actor, e.role, e.action, summary)
    console.print(table)


def _show_moves(moves: list[TransitionRow]) -> None:
    table = Table("at", "from", "to", "by", "role", "reason", title="moves")
    for t in moves:
        table.add_row(f"{t.at:%Y-%m-%d %H:%M:%S}", t.source, t.target, t.actor, t.role, t.reason)
    console.print(table)


def _show_notices(notices: list[NoticeRow]) -> None:
    table = Table("id", "recorded", "kind", "language", "channel", "by", "mail",
                  title="notices to the requester")  # fmt: skip
    for n in notices:
        table.add_row(str(n.id), f"{n.sent_at:%Y-%m-%d %H:%M:%S}", n.kind, n.language, n.channel,
                      n.sent_by, _mail(n))  # fmt: skip
    console.print(table)
    for n in notices:
        console.print(f"[bold]{n.kind}[/bold] ({n.language}):", markup=True)
        console.print(n.body, markup=False, highlight=False)


def _mail(n: NoticeRow) -> str:
    if n.mail_state == "told_otherwise" and n.told_at is not None:
        way = (n.told_way or "").replace("_", " ")
        return f"told {way} {n.told_at:%Y-%m-%d %H:%M} ({n.told_by}): {escape(n.told_how or '')}"
    if n.mail_state in UNTOLD:
        return f"{n.mail_state.replace('_', ' ')}: NOT told"
    return n.mail_state or "-"


@app.command("told-otherwise")
@handles_errors
def told_otherwise(
    request_id: RequestId,
    notice_id: Annotated[int, row_id("the notice's id, as `rightful requests show` lists it")],
    way: Annotated[str, typer.Option(help="phone, letter, in_person or other")],
    how: Annotated[str, typer.Option(help="when and how they were told (10 characters or more)")],
) -> None:
    """Record that the requester was told what a notice that reached nobody by mail (refused,
    or no e-mail address) says another way; it is no longer listed nor mailed. NOTICE_ID is
    the notice's id as `requests show` lists it."""
    told = container().notice_mail.told_otherwise(request_id, notice_id, cli_principal(), way, how)
    way = (told.told_way or "").replace("_", " ")
    console.print(f"{request_id}  notice {notice_id}: recorded that the requester was told ({way})")


@app.command()
@handles_errors
def move(
    request_id: RequestId,
    to: Annotated[Status, typer.Argument(help="target status")],
    reason: Annotated[str, typer.Option(help="why, recorded with the move")] = "",
) -> None:
    """Move a request to another status of its lifecycle."""
    row = container().requests.move_by_hand(request_id, to, cli_principal(), reason)
    console.print(f"{row.id}  now {row.status}")


@app.command()
@handles_errors
def extend(
    request_id: RequestId,
    reason: Annotated[
        str, typer.Option(help="why the extension is necessary (told to the requester)")
    ],
    months: Annotated[
        int | None, typer.Option(min=1, max=2, help="months more, GDPR and UK GDPR (default: 2)")
    ] = None,
    days: Annotated[
        int | None, typer.Option(min=1, max=45, help="days more, for the CCPA (default: 45)")
    ] = None,
) -> None:
    """Extend the deadline once, inside the first period; the requester's notice is recorded."""
    c = container()
    row = c.requests.extend(request_id, cli_principal(), reason=reason, months=months, days=days)
    console.print(f"{row.id}  respond by {_local(row.respond_by, c.settings.zone)} (extended)")


@app.command()
@handles_errors
def refuse(
    request_id: RequestId,
    reason: Annotated[list[str], typer.Option(help="a reason for refusing, repeatable")],
    manifestly: Annotated[
        str | None,
        typer.Option(help="unfounded or excessive: refused under Art. 12(5), reasons justify it"),
    ] = None,
    unverified: Annotated[
        bool,
        typer.Option(
            "--unverified",
            help="refused because the requester's identity could not be verified (a CCPA "
            "deletion refused so offers the opt-out of sale or sharing, §7062(f))",
        ),
    ] = False,
) -> None:
    """Refuse a request with reasons; the notice names the right to complain (Art. 12(4))."""
    ground = parse_manifestly(manifestly) if manifestly is not None else None
    row = container().requests.refuse(request_id, cli_principal(), reason, ground, unverified)
    console.print(f"{row.id}  now {row.status}")


@app.command()
@handles_errors
def answer(
    request_id: RequestId,
    text: Annotated[str, typer.Option(help="what was done, as the requester will read it")],
) -> None:
    """Close a verified rectification or objection request (or a CCPA one) by telling the
    requester what was done (Art. 12(3)); erasure has `erased`, restriction `restricted`, and a
    rectification is better recorded field by field with `rectified`."""
    row = container().requests.answer(request_id, text, cli_principal())
    console.print(f"{row.id}  now {row.status}; the requester is told what was done")


@app.command()
@handles_errors
def cancel(
    request_id: RequestId,
    reason: Annotated[str, typer.Option(help="why, e.g. withdrawn by the requester")],
) -> None:
    """Cancel a request (e.g. withdrawn by the requester)."""
    row = container().requests.cancel(request_id, cli_principal(), reason)
    console.print(f"{row.id}  now {row.status}")


@app.command()
@handles_errors
def due(
    within_days: Annotated[
        int | None,
        typer.Option(min=0, max=LONGEST_WINDOW_DAYS, help="only those due within this many days"),
    ] = None,
    json_out: Json = False,
) -> None:
    """Requests still to be answered, by time left; overdue and due soon are flagged (delivered
    ones are answered and not listed)."""
    c = container()
    items = c.requests.due(within_days=within_days)
    if json_out:
        print_json(
            [
                {
                    "id": i.request_id,
                    "status": i.status,
                    "respond_by": i.respond_by,
                    "seconds_left": int(i.time_left.total_seconds()),
                    "urgency": i.urgency,
                }
                for i in items
            ]
        )
        return
    table = Table(id_column(), "status", "jurisdiction", "respond by", "time left", "flag")
    for i in items:
        table.add_row(
            i.request_id,
            i.status,
            i.jurisdiction,
            _day(i.respond_by, c.settings.zone),
            _left(i.time_left),
            i.urgency.value.upper() if i.urgency != Urgency.OK else "",
            style=URGENCY_STYLE[i.urgency],
        )
    console.print(table)


def _left(delta: timedelta) -> str:
    days = delta.total_seconds() / 86400
    return f"{days:.1f} days" if days >= 0 else f"{-days:.1f} days late"
