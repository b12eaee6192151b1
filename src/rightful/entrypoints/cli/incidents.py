"""`rightful incidents ...`: the breach register in the terminal, and every step of a response:
open, show, rescope, assess, override, draft, edit, approve, send, export, close, verify."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Column, Table

from rightful.domain.errors import InvalidInputError
from rightful.domain.incident_clocks import Audience
from rightful.domain.incident_notices import MAX_SECTION
from rightful.domain.incident_untold import UntoldException
from rightful.domain.incidents import (
    IncidentKind,
    IncidentSource,
    Nature,
    OutsideReporter,
    ReporterKind,
)
from rightful.domain.severity import Factor, Level, parse_adjustment
from rightful.domain.words import counted
from rightful.entrypoints.cli.common import (
    check_target,
    cli_principal,
    console,
    container,
    err_console,
    fail,
    handles_errors,
    one_line_errors,
    print_json,
    read_limited,
)
from rightful.entrypoints.cli.params import IncidentId, IncidentNoticeId, Json

app = typer.Typer(
    help="Incidents and the breach register (Art. 33/34): without a command, list the register.",
    invoke_without_command=True,
)
NotifyAuthority = Annotated[
    bool | None,
    typer.Option(
        "--notify-authority/--no-notify-authority",
        help="the authority is (or is not) to be notified; default: as the level says",
    ),
]
NotifySubjects = Annotated[
    bool | None,
    typer.Option(
        "--notify-subjects/--no-notify-subjects",
        help="the people concerned are (or are not) to be told; default: as the level says",
    ),
]
MAX_SECTION_BYTES = 4 * MAX_SECTION  # UTF-8 takes at most 4 bytes a character


@app.callback()
def register(ctx: typer.Context, json_out: Json = False) -> None:
    """List every incident: near-misses and those not notifiable included."""
    if ctx.invoked_subcommand is not None:
        return
    with one_line_errors():
        rows = container().incidents.register.rows()
    if json_out:
        print_json(rows)
        return
    table = Table("kind", "found by", "status", "aware", "level", "authority",
                  "subjects", "effects", title="Breach register (Art. 33(5))")  # fmt: skip
    # A reference is what people copy into the next command: never cut it short.
    table.columns.insert(0, Column("reference", no_wrap=True, min_width=12))
    for r in reversed(rows):
        table.add_row(r["reference"], r["kind"], f"{r['discovered_by']} ({r['reporter_kind']})",
                      r["status"], _short(r["aware_at"]), r["level"] or "-",
                      _notice(r["notify_authority"], r["authority_notified_at"]),
                      _notice(r["notify_subjects"], r["subjects_notified_at"]),
                      (r["effects"] or "-")[:60])  # fmt: skip
    console.print(table)


def _level(level: str | None, score: float | None) -> str:
    """'high (score 3.5)', 'high (set by the DPO)' after an override, '-' before any."""
    if level is None:
        return "-"
    return f"{level} (set by the DPO)" if score is None else f"{level} (score {score})"


def _short(iso: str | None) -> str:
    """A time to the minute, said to be UTC as `--aware-at` takes it and the notices state it:
    an unnamed "due 09:30" read as local time misses the 72 hours by the zone's offset."""
    return f"{datetime.fromisoformat(iso).astimezone(UTC):%Y-%m-%d %H:%M} UTC" if iso else "-"


def _notice(owed: bool | None, done: str | None) -> str:
    if done:
        return f"sent {_short(done)}"
    return {None: "-", True: "OWED", False: "not owed"}[owed]


@app.command()
@handles_errors
def show(incident_id: IncidentId, json_out: Json = False) -> None:
    """One incident: scope, assessments, deadlines, notices and its timeline from the chain."""
    from rightful.services.incident_register import details

    data = details(container().incidents, incident_id, with_contact=True)
    if json_out:
        print_json(data)
        return
    console.print(f"[bold]{escape(data['reference'])}[/bold] {data['kind']} · {data['status']} · "
                  f"found by {data['discovered_by']} ({data['reporter_kind']})",
                  markup=True)  # fmt: skip
    console.print(f"aware {_short(data['aware_at'])} · opened {_short(data['opened_at'])} · "
                  f"contained {_short(data['contained_at'])}")  # fmt: skip
    console.print(f"effects: {data['effects'] or '-'}", highlight=False)
    console.print(f"level: {_level(data['level'], data['score'])}; {data['decision']}")
    ack = data["reporter"].get("acknowledgement")
    if ack and ack["given_up_at"]:
        console.print(f"reporter: acknowledgement given up after {ack['attempts']} attempts "
                      f"(last: {ack['last_failure']}); reach them another way")  # fmt: skip
    for d in data["deadlines"]:
        console.print(f"  {d['regime']} {d['audience']}: {d['state']} (due {_short(d['due_at'])})")
    for n in data["notices"]:
        console.print(f"  notice {n['id']} {n['audience']} {n['regime']}: {n['status']}"
                      f"{_untold(n)}")  # fmt: skip
    for x in data["untold_exceptions"]:
        console.print(f"  closed {_short(x['at'])} with {counted(x['untold'], 'person', 'people')}"
                      f" untold, on Art. 34(3) {x['exception']}: {escape(x['justification'])}",
                      highlight=False)  # fmt: skip
    for e in data["timeline"]:
        console.print(f"  {_short(e['at'])} #{e['seq']} {e['label']} [{e['actor']}]",
                      highlight=False)  # fmt: skip


def _untold(n: dict[str, Any]) -> str:
    """'; 2 people of the scope not told by it, 1 overdue (due 2026-12-06 09:00 UTC; send it
    again)', or nothing when it told everyone."""
    if not n["untold"]:
        return ""
    overdue = f", {n['untold_overdue']} overdue" if n["untold_overdue"] else ""
    due = f"due {_short(n['untold_due_at'])}; " if n["untold_due_at"] else ""
    return (f"; {counted(n['untold'], 'person', 'people')} of the scope not told by it"
            f"{overdue} ({due}send it again)")  # fmt: skip


@app.command("open")
@handles_errors
def open_(
    description: Annotated[str, typer.Option(help="what happened (no personal data needed)")],
    kind: Annotated[
        IncidentKind, typer.Option(help="what kind of incident")
    ] = IncidentKind.MISDELIVERY,
    outside: Annotated[
        OutsideReporter | None, typer.Option(help="reported from outside by")
    ] = None,
    request: Annotated[str | None, typer.Option(help="the request concerned")] = None,
    package: Annotated[list[str] | None, typer.Option(help="package(s) concerned")] = None,
    aware_at: Annotated[datetime | None, typer.Option(help="when you became aware (UTC)")] = None,
    nature: Annotated[
        Nature | None, typer.Option(help="how the data went astray; default: from --kind")
    ] = None,
    contact_email: Annotated[str | None, typer.Option(help="outside reporter's address")] = None,
    organisation: Annotated[
        str | None, typer.Option(help="the outside reporter's organisation")
    ] = None,
) -> None:
    """Open an incident (staff, or for an outside reporter): contained at once, then triaged."""
    from rightful.services.incidents import IncidentReport

    report = IncidentReport(
        kind=kind, source=IncidentSource.OUTSIDE if outside else IncidentSource.STAFF,
        description=description, reporter_kind=ReporterKind(outside) if outside else None,
        request_id=request,
        package_ids=tuple(package or ()), nature=nature, contact_email=contact_email,
        organisation=organisation,
        aware_at=aware_at.replace(tzinfo=aware_at.tzinfo or UTC) if aware_at else None,
    )  # fmt: skip
    row = container().incidents.open(report, cli_principal())
    console.print(f"{row.id}  {row.status}  level {row.level or '-'}  {row.effects}")


@app.command()
@handles_errors
def rescope(incident_id: IncidentId) -> None:
    """Compute the scope again from the records (e.g. after correcting the data map)."""
    scope = container().incidents.rescope(incident_id, cli_principal())
    people = counted(len(scope.subjects), "person", "people")
    console.print(f"{scope.basis.value}: {scope.summary}; {people}")


@app.command()
@handles_errors
def assess(
    incident_id: IncidentId,
    nature: Annotated[
        Nature | None, typer.Option(help="score it as this nature instead of the recorded one")
    ] = None,
    adjust: Annotated[
        list[str] | None,
        typer.Option(
            metavar="FACTOR=STEP:REASON",
            help="a contextual factor, e.g. controller=2:'customers of an online pharmacy' "
            f"(factors: {', '.join(f.value for f in Factor)}; step 0 withdraws one); repeatable",
        ),
    ] = None,
) -> None:
    """Score the incident by the ENISA method from its scope (optionally another nature, and
    the contextual factors the records cannot tell, each with its reason)."""
    incidents = container().incidents
    given = [parse_adjustment(a) for a in adjust or ()]
    row = incidents.assess(incident_id, cli_principal(), nature, given)
    if row.scope_id is None:  # about no package of rightful's: nothing was scored
        console.print(f"nature {row.nature} recorded; level {_level(row.level, row.score)}; "
                      "the DPO assesses it by override")  # fmt: skip
        return
    console.print(f"{row.level} ({row.score}): {row.decision_reason}")


@app.command()
@handles_errors
def override(
    incident_id: IncidentId,
    level: Annotated[Level, typer.Option(help="the level the DPO sets")],
    justification: Annotated[str, typer.Option(help="why (20 characters or more)")],
    notify_authority: NotifyAuthority = None,
    notify_subjects: NotifySubjects = None,
) -> None:
    """The DPO sets another level or decision, with a justification (the original is kept)."""
    a = container().incidents.override(
        incident_id, cli_principal(), level, justification,
        notify_authority=notify_authority, notify_subjects=notify_subjects,
    )  # fmt: skip
    replaced = f"replaces assessment {a.replaces}" if a.replaces else "the first assessment"
    console.print(f"override {a.id} in force: {a.level} ({replaced})")


@app.command()
@handles_errors
def draft(
    incident_id: IncidentId,
    audience: Annotated[Audience, typer.Option(help="whom the notice is for")] = Audience.AUTHORITY,
    regime: Annotated[
        str | None, typer.Option(help="a regime of breach_regimes (default: the first)")
    ] = None,
    language: Annotated[
        str | None, typer.Option(help="en or de (default: the incident_notice_language setting)")
    ] = None,
) -> None:
    """Generate a fresh draft notice from the incident's records."""
    n = container().incidents.notices.draft(incident_id, audience, cli_principal(),
                                            regime=regime, language=language)  # fmt: skip
    console.print(f"notice {n.id} ({n.audience}, {n.regime}) drafted")


@app.command()
@handles_errors
def edit(
    notice_id: IncidentNoticeId,
    section: Annotated[str, typer.Option(help="section name, e.g. nature")],
    text: Annotated[str | None, typer.Option(help="the section's new words")] = None,
    from_file: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="a UTF-8 text file with the new words"),
    ] = None,
) -> None:
    """Change one section of a notice (an approved notice goes back to draft)."""
    if text is not None and from_file is not None:
        raise InvalidInputError("give --text or --from-file, not both")
    if text is None and from_file is None:
        raise InvalidInputError("give the new words with --text or --from-file")
    words = text if text is not None else _text_of(from_file)  # type: ignore[arg-type]
    n = container().incidents.notices.edit(notice_id, cli_principal(), {section: words})
    console.print(f"notice {n.id}: {section} changed; status {n.status}")


def _text_of(path: Path) -> str:
    content = read_limited(path, MAX_SECTION_BYTES, "--from-file")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as exc:
        return fail(f"{path} is not UTF-8 text (byte {exc.start}); save it as UTF-8")


@app.command("notice")
@handles_errors
def notice_show(notice_id: IncidentNoticeId) -> None:
    """Print a notice as Markdown."""
    notices = container().incidents.notices
    console.print(notices.markdown(notices.get(notice_id)), highlight=False, markup=False)


@app.command()
@handles_errors
def approve(notice_id: IncidentNoticeId) -> None:
    """The DPO approves a notice's exact words."""
    n = container().incidents.notices.approve(notice_id, cli_principal())
    console.print(f"notice {n.id} approved ({n.approved_sha256})")


@app.command()
@handles_errors
def send(
    notice_id: IncidentNoticeId,
    late_reason: Annotated[str | None, typer.Option(help="why the deadline was missed")] = None,
    out: Annotated[Path | None, typer.Option(help="folder for the authority's files")] = None,
    authority_reference: Annotated[
        str | None, typer.Option(help="the authority's reference for the case, if it gave one")
    ] = None,
) -> None:
    """Send an approved notice: e-mail to the people concerned, or files for the authority. A
    notice that went out is sent again to the people it did not reach."""
    notices = container().incidents.notices
    notice = notices.get(notice_id)
    if notice.audience == Audience.SUBJECTS.value:
        n = notices.send(notice_id, cli_principal(), late_reason)
        console.print(f"sent to {counted(n.recipients, 'person', 'people')}; "
                      f"{n.failures} not reached")  # fmt: skip
        if n.failures:  # the deliveries list them by pseudonym; they must be told another way
            raise typer.Exit(1)
        return
    done = notices.export(notice_id, cli_principal(), out, late_reason=late_reason,
                          authority_reference=authority_reference)  # fmt: skip
    console.print(f"wrote {done.json_path} and {done.markdown_path}; submit them to the authority")


@app.command()
@handles_errors
def export(
    file: Annotated[Path, typer.Argument(help="register.csv or register.json")],
    force: Annotated[bool, typer.Option("--force", help="overwrite FILE if it exists")] = False,
) -> None:
    """Export the breach register as CSV or JSON (by the file's suffix)."""
    check_target(file, force, makes_folder=True)
    count = container().incidents.register.export(file, cli_principal())
    console.print(f"wrote {counted(count, 'incident', 'incidents')} to {file}")


@app.command()
@handles_errors
def facts(
    incident_id: IncidentId,
    description: Annotated[str | None, typer.Option(help="what happened, corrected")] = None,
    remedial_action: Annotated[
        str | None, typer.Option(help="what was done about it, to record")
    ] = None,
    aware_at: Annotated[
        datetime | None, typer.Option(help="aware earlier than recorded, since (UTC)")
    ] = None,
) -> None:
    """Correct the facts, record remedial action, or move the time of awareness earlier
    (audited)."""
    container().incidents.update_facts(
        incident_id, cli_principal(), description=description, remedial_action=remedial_action,
        aware_at=aware_at.replace(tzinfo=aware_at.tzinfo or UTC) if aware_at else None,
    )  # fmt: skip
    console.print("recorded")


@app.command()
@handles_errors
def contained(
    incident_id: IncidentId,
    measure: Annotated[str, typer.Option(help="what contained it, e.g. the bucket was closed")],
) -> None:
    """Record containment done outside rightful (e.g. a storage bucket closed)."""
    row = container().incidents.record_containment(incident_id, cli_principal(), measure)
    console.print(f"{row.id} contained at {row.contained_at:%Y-%m-%d %H:%M} UTC")


@app.command()
@handles_errors
def close(
    incident_id: IncidentId,
    remedial_action: Annotated[str, typer.Option(help="what was done to remedy it")],
    untold_exception: Annotated[UntoldException | None, typer.Option(
        help="Art. 34(3) exception relied on to close with people never told")] = None,
    justification: Annotated[str | None, typer.Option(
        help="why the exception applies (20+ characters)")] = None,
) -> None:  # fmt: skip
    """Close an incident whose owed notices went out, recording the remedial action; with
    people of the scope never told, only on an Art. 34(3) exception with a justification."""
    row = container().incidents.close(incident_id, cli_principal(), remedial_action,
                                      untold_exception=untold_exception,
                                      justification=justification)  # fmt: skip
    console.print(f"{row.id} closed")


@app.command()
@handles_errors
def reopen(
    incident_id: IncidentId,
    reason: Annotated[str, typer.Option(help="what came to light after closing (20+ characters)")],
) -> None:
    """Reopen a closed incident when facts come to light after closing (DPO)."""
    row = container().incidents.reopen(incident_id, cli_principal(), reason)
    console.print(f"{row.id} reopened: {row.status}")


@app.command()
@handles_errors
def verify() -> None:
    """Check that no register row was changed behind the audit chain's back (exit 1 if so)."""
    result = container().incidents.register.verify()
    if not result.ok:
        err_console.print(f"[red]✗[/red] {escape(result.describe())}", highlight=False,
                          soft_wrap=True, markup=True)  # fmt: skip
        raise typer.Exit(1)
    console.print(f"✓ {result.describe()}", highlight=False, soft_wrap=True)


@handles_errors
def jobs() -> None:
    """Triage new incidents, remind the DPO before each deadline, and acknowledge outside
    reporters whose acknowledgement the mail service refused (run it hourly)."""
    from rightful.services.incident_jobs import run_incident_jobs

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    report = run_incident_jobs(container().incidents)
    late = counted(report.acknowledged, "acknowledgement", "acknowledgements")
    acknowledged = f", {late} to outside reporters sent late" if report.acknowledged else ""
    gave_up = counted(report.given_up, "acknowledgement", "acknowledgements")
    given_up = (f", {gave_up} given up (the mail service refused every attempt; reach the "
                "reporter another way)" if report.given_up else "")  # fmt: skip
    console.print(f"incidents: {report.triaged} triaged, {report.postponed} postponed, "
                  f"{counted(report.reminders, 'reminder', 'reminders')} sent"
                  f"{acknowledged}{given_up}")  # fmt: skip
