"""Console pages of incident response: the breach register, opening an incident, one incident
(scope, assessment, deadlines, notices, timeline) with its actions, and one notice to edit,
approve and send. Roles as in the API: agents open, reviewers scope and draft, the DPO decides."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from rightful.domain.errors import (
    AuthenticationError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RightfulError,
)
from rightful.domain.incident_clocks import Audience
from rightful.domain.incident_notices import section_titles
from rightful.domain.incident_untold import EXCEPTION_NAMES
from rightful.domain.incidents import (
    OUTSIDE_NAMES,
    IncidentKind,
    IncidentSource,
    Nature,
    ReporterKind,
)
from rightful.domain.lifecycle import Role
from rightful.domain.severity import (
    FACTOR_WORDS,
    MAX_REASON,
    STEPS,
    Adjustment,
    Factor,
    Level,
)
from rightful.domain.words import counted
from rightful.entrypoints.web.console import (
    Again,
    act,
    checked,
    console_page,
    current,
    denied,
    flash_of,
    landed,
    shown_again,
)
from rightful.entrypoints.web.form_fields import Csrf, Word
from rightful.entrypoints.web.pages import container
from rightful.services.incident_register import details
from rightful.services.incidents import IncidentReport
from rightful.services.staff_auth import ConsoleSession

router = APIRouter(prefix="/console/incidents", include_in_schema=False)
Long = Annotated[str, Form(max_length=8000)]
_ID = re.compile(r"^[0-9a-f-]{36}$")


def _id(value: str) -> str:
    if not _ID.match(value):
        raise NotFoundError("no such incident or notice")
    return value


@router.get("", response_class=HTMLResponse)
def register(request: Request) -> Response:
    """The breach register: every incident, who found it, the decision and the notices."""
    try:
        me = current(request)
    except (AuthenticationError, PermissionDeniedError) as exc:
        return denied(request, exc)
    rows = list(reversed(container(request).incidents.register.rows()))
    return console_page(request, "console/incidents/register.html", me, {"rows": rows})


@router.get("/new", response_class=HTMLResponse)
def new(request: Request, flash: str = "") -> Response:
    try:
        me = current(request)
        _, error = flash_of(request, flash)
    except (AuthenticationError, PermissionDeniedError) as exc:
        return denied(request, exc)
    return _new_page(request, me, error)


def _new_page(
    request: Request, me: ConsoleSession, error: str = "", typed: dict[str, str] | None = None,
    status: int = 200,
) -> Response:  # fmt: skip
    context = {"kinds": list(IncidentKind), "outside": OUTSIDE_NAMES, "natures": list(Nature),
               "error": error, "typed": typed or {}}  # fmt: skip
    return console_page(request, "console/incidents/new.html", me, context, status)


@router.post("", response_class=HTMLResponse)
def open_incident(
    request: Request, csrf: Csrf = "", kind: Word = "misdelivery", description: Long = "",
    outside: Word = "", request_id: Word = "", nature: Word = "", contact_email: Long = "",
    organisation: Long = "",
) -> Response:  # fmt: skip
    """Open (and contain) an incident reported by staff or from outside."""
    c = container(request)
    try:
        me = checked(request, csrf, Role.AGENT)
    except (AuthenticationError, PermissionDeniedError) as exc:
        return denied(request, exc, "/console/incidents/new")
    try:
        report = IncidentReport(
            kind=IncidentKind(kind), description=description,
            source=IncidentSource.OUTSIDE if outside else IncidentSource.STAFF,
            reporter_kind=ReporterKind(outside) if outside else None,
            request_id=request_id.strip() or None, nature=Nature(nature) if nature else None,
            contact_email=contact_email.strip()[:320] or None,
            organisation=organisation.strip()[:200] or None,
        )  # fmt: skip
        row = c.incidents.open(report, me.principal)
    except (RightfulError, ValueError) as exc:
        # The form again as it was sent (never in a URL: the description, the reporter's address)
        typed = {"kind": kind, "description": description, "outside": outside,
                 "request_id": request_id, "nature": nature, "contact_email": contact_email,
                 "organisation": organisation}  # fmt: skip
        status = exc.http_status if isinstance(exc, RightfulError) else 422
        return _new_page(request, me, str(exc), typed, status)
    return landed(request, f"/console/incidents/{row.id}", done="Opened and contained.")


@router.get("/{incident_id}", response_class=HTMLResponse)
def show(request: Request, incident_id: str, flash: str = "") -> Response:
    try:
        me = current(request)
        done, error = flash_of(request, flash)
        return _incident_page(request, me, incident_id, done=done, error=error)
    except (AuthenticationError, PermissionDeniedError, NotFoundError) as exc:
        return denied(request, exc)


def _incident_page(
    request: Request, me: ConsoleSession, incident_id: str, *, done: str = "", error: str = "",
    typed: dict[str, str] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    data = details(container(request).incidents, _id(incident_id),
                   with_contact=me.principal.role is not None
                   and me.principal.role.at_least(Role.DPO))  # fmt: skip
    context = {"i": data, "done": done, "error": error,
               "levels": list(Level), "natures": list(Nature), "audiences": list(Audience),
               "factors": [(f.value, FACTOR_WORDS[f], STEPS[f]) for f in Factor],
               "factor_words": {f.value: FACTOR_WORDS[f] for f in Factor},
               "max_reason": MAX_REASON,
               "untold_exceptions": EXCEPTION_NAMES, "typed": typed or {}}  # fmt: skip
    return console_page(request, "console/incidents/incident.html", me, context, status)


def _again(request: Request, incident_id: str, form: str, **typed: str) -> Again:
    """The incident's page with the error and `form` holding what was typed."""

    def page(me: ConsoleSession, error: str, kept: dict[str, str], status: int) -> Response:
        return _incident_page(request, me, incident_id, error=error, typed=kept, status=status)

    return shown_again(request, page, form, **typed)


@router.post("/{incident_id}/rescope", response_class=HTMLResponse)
def rescope(request: Request, incident_id: str, csrf: Csrf = "") -> Response:
    c = container(request)

    def action(me: ConsoleSession) -> str:
        scope = c.incidents.rescope(_id(incident_id), me.principal)
        return f"Scope computed again: {scope.summary}."

    return act(request, csrf, Role.REVIEWER, f"/console/incidents/{incident_id}", action)


@router.post("/{incident_id}/assess", response_class=HTMLResponse)
def assess(
    request: Request, incident_id: str, csrf: Csrf = "", nature: Word = "", factor: Word = "",
    step: Word = "", reason: Long = "",
) -> Response:  # fmt: skip
    c = container(request)

    def action(me: ConsoleSession) -> str:
        given = _adjustments(factor, step, reason)
        row = c.incidents.assess(_id(incident_id), me.principal, _nature(nature), given)
        if row.scope_id is None:  # about no package of rightful's: nothing was scored
            return f"Nature recorded: {row.nature}; the DPO assesses it by override."
        return f"Assessed: {row.level}."

    again = _again(request, incident_id, "assess", nature=nature, factor=factor, step=step,
                   reason=reason)  # fmt: skip
    return act(request, csrf, Role.REVIEWER, f"/console/incidents/{incident_id}", action, again)


def _adjustments(factor: str, step: str, reason: str) -> list[Adjustment]:
    """The contextual factor staff entered in the form, if any."""
    if not factor:
        return []
    try:
        return [Adjustment(Factor(factor), int(step or "0"), reason)]
    except ValueError:
        raise InvalidInputError(
            f"the factor is one of: {', '.join(f.value for f in Factor)}; the step 0, 1 or 2"
        ) from None


@router.post("/{incident_id}/override", response_class=HTMLResponse)
def override(
    request: Request, incident_id: str, csrf: Csrf = "", level: Word = "",
    justification: Long = "", authority: Word = "", subjects: Word = "",
) -> Response:  # fmt: skip
    c = container(request)

    def action(me: ConsoleSession) -> str:
        a = c.incidents.override(_id(incident_id), me.principal, _level(level), justification,
                                 notify_authority=_choice(authority),
                                 notify_subjects=_choice(subjects))  # fmt: skip
        return f"Override in force: {a.level}; the computed assessment is kept."

    again = _again(request, incident_id, "override", level=level, justification=justification,
                   authority=authority, subjects=subjects)  # fmt: skip
    return act(request, csrf, Role.DPO, f"/console/incidents/{incident_id}", action, again)


def _nature(value: str) -> Nature | None:
    """The nature staff chose; none keeps the one assumed from the incident's kind."""
    if not value:
        return None
    try:
        return Nature(value)
    except ValueError:
        raise InvalidInputError(
            f"the nature of the breach is one of: {', '.join(n.value for n in Nature)}"
        ) from None


def _aware_at(value: str) -> datetime | None:
    """A time of awareness from the form (UTC, as the field says), or None when left empty."""
    if not value.strip():
        return None
    try:
        at = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInputError("give the time of awareness as YYYY-MM-DDTHH:MM (UTC)") from None
    return at.replace(tzinfo=at.tzinfo or UTC)


def _level(value: str) -> Level:
    try:
        return Level(value)
    except ValueError:
        raise InvalidInputError("choose a level") from None


def _choice(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


@router.post("/{incident_id}/facts", response_class=HTMLResponse)
def facts(
    request: Request, incident_id: str, csrf: Csrf = "", description: Long = "",
    remedial_action: Long = "", aware_at: Word = "",
) -> Response:  # fmt: skip
    c = container(request)

    def action(me: ConsoleSession) -> str:
        c.incidents.update_facts(_id(incident_id), me.principal, description=description,
                                 remedial_action=remedial_action,
                                 aware_at=_aware_at(aware_at))  # fmt: skip
        return "Recorded."

    again = _again(request, incident_id, "facts", description=description,
                   remedial_action=remedial_action, aware_at=aware_at)  # fmt: skip
    return act(request, csrf, Role.REVIEWER, f"/console/incidents/{incident_id}", action, again)


@router.post("/{incident_id}/contained", response_class=HTMLResponse)
def contained(request: Request, incident_id: str, csrf: Csrf = "", measure: Long = "") -> Response:
    """Containment done outside rightful (a bucket closed, a laptop wiped)."""
    c = container(request)

    def action(me: ConsoleSession) -> str:
        c.incidents.record_containment(_id(incident_id), me.principal, measure)
        return "Containment recorded."

    again = _again(request, incident_id, "contained", measure=measure)
    return act(request, csrf, Role.AGENT, f"/console/incidents/{incident_id}", action, again)


@router.post("/{incident_id}/reopen", response_class=HTMLResponse)
def reopen(request: Request, incident_id: str, csrf: Csrf = "", reason: Long = "") -> Response:
    """The DPO reopens a closed incident when facts come to light after closing."""
    c = container(request)

    def action(me: ConsoleSession) -> str:
        row = c.incidents.reopen(_id(incident_id), me.principal, reason)
        return f"Reopened: {row.status}; close it again once it is dealt with."

    again = _again(request, incident_id, "reopen", reason=reason)
    return act(request, csrf, Role.DPO, f"/console/incidents/{incident_id}", action, again)


@router.post("/{incident_id}/close", response_class=HTMLResponse)
def close(
    request: Request, incident_id: str, csrf: Csrf = "", remedial_action: Long = "",
    untold_exception: Word = "", justification: Long = "",
) -> Response:  # fmt: skip
    c = container(request)

    def action(me: ConsoleSession) -> str:
        c.incidents.close(_id(incident_id), me.principal, remedial_action,
                          untold_exception=untold_exception or None,
                          justification=justification or None)  # fmt: skip
        return "Closed." if not untold_exception else "Closed; the exception is recorded."

    again = _again(request, incident_id, "close", remedial_action=remedial_action,
                   untold_exception=untold_exception, justification=justification)  # fmt: skip
    return act(request, csrf, Role.DPO, f"/console/incidents/{incident_id}", action, again)


@router.post("/{incident_id}/notices", response_class=HTMLResponse)
def draft(request: Request, incident_id: str, csrf: Csrf = "", audience: Word = "") -> Response:
    c = container(request)

    def action(me: ConsoleSession) -> str:
        if audience not in {a.value for a in Audience}:
            raise InvalidInputError(
                f"a notice goes to one of: {', '.join(a.value for a in Audience)}"
            )
        n = c.incidents.notices.draft(_id(incident_id), Audience(audience), me.principal)
        return f"Drafted notice {n.id[:8]} to the {n.audience}."

    return act(request, csrf, Role.REVIEWER, f"/console/incidents/{incident_id}", action)


# --- one notice ------------------------------------------------------------------------------


@router.get("/notices/{notice_id}", response_class=HTMLResponse)
def notice(request: Request, notice_id: str, flash: str = "") -> Response:
    try:
        me = current(request)
        done, error = flash_of(request, flash)
        return _notice_page(request, me, notice_id, done=done, error=error)
    except (AuthenticationError, PermissionDeniedError, NotFoundError) as exc:
        return denied(request, exc)


def _notice_page(
    request: Request, me: ConsoleSession, notice_id: str, *, done: str = "", error: str = "",
    typed: dict[str, str] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    notices = container(request).incidents.notices
    n = notices.get(_id(notice_id))
    context = {"n": n, "titles": section_titles(Audience(n.audience), n.language),
               "done": done, "error": error, "title": notices.title(n),
               "approver": notices.approver(n),
               "untold": notices.untold(n.incident_id).get(n.id), "typed": typed or {}}  # fmt: skip
    return console_page(request, "console/incidents/notice.html", me, context, status)


@router.post("/notices/{notice_id}/edit", response_class=HTMLResponse)
async def edit(request: Request, notice_id: str) -> Response:
    form = await request.form()
    csrf = str(form.get("csrf", ""))[:200]
    sections = {k.removeprefix("s_"): str(v)[:8000] for k, v in form.items()
                if k.startswith("s_")}  # fmt: skip
    c = container(request)

    def action(me: ConsoleSession) -> str:
        c.incidents.notices.edit(_id(notice_id), me.principal, sections)
        return "Saved; the notice needs the DPO's approval."

    return act(request, csrf, Role.REVIEWER, f"/console/incidents/notices/{notice_id}", action)


@router.post("/notices/{notice_id}/approve", response_class=HTMLResponse)
def approve(request: Request, notice_id: str, csrf: Csrf = "") -> Response:
    c = container(request)

    def action(me: ConsoleSession) -> str:
        c.incidents.notices.approve(_id(notice_id), me.principal)
        return "Approved."

    return act(request, csrf, Role.DPO, f"/console/incidents/notices/{notice_id}", action)


@router.post("/notices/{notice_id}/send", response_class=HTMLResponse)
def send(request: Request, notice_id: str, csrf: Csrf = "", late_reason: Long = "") -> Response:
    c = container(request)

    def action(me: ConsoleSession) -> str:
        notices = c.incidents.notices
        if notices.get(_id(notice_id)).audience == Audience.SUBJECTS.value:
            n = notices.send(notice_id, me.principal, late_reason or None)
            return f"Sent to {counted(n.recipients, 'person', 'people')}; {n.failures} not reached."
        done = notices.export(notice_id, me.principal, late_reason=late_reason or None)
        return f"Recorded as notified; files for the authority: {done.json_path.name}, .md."

    def page(me: ConsoleSession, error: str, kept: dict[str, str], status: int) -> Response:
        return _notice_page(request, me, notice_id, error=error, typed=kept, status=status)

    again = shown_again(request, page, "send", late_reason=late_reason)
    return act(request, csrf, Role.DPO, f"/console/incidents/notices/{notice_id}", action, again)


@router.get("/notices/{notice_id}/document.{fmt}")
def document(request: Request, notice_id: str, fmt: str) -> Response:
    """The notice as Markdown or JSON, to submit to the authority or keep."""
    try:
        current(request, Role.REVIEWER)
        notices = container(request).incidents.notices
        n = notices.get(_id(notice_id))
    except (AuthenticationError, PermissionDeniedError, NotFoundError) as exc:
        return denied(request, exc)
    name = f"notice-{n.id[:8]}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "md":
        return Response(notices.markdown(n), media_type="text/markdown", headers=headers)
    if fmt == "json":
        body = json.dumps(notices.document(n), indent=2, ensure_ascii=False)
        return Response(body, media_type="application/json", headers=headers)
    return denied(request, NotFoundError("no such format"))
