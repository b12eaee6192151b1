"""Console pages of one request: detail with the audit timeline, links to revoke, extension,
refusal, the outcomes recorded (erasure, rectification, restriction, an answer in words) and
cancellation; its packages have theirs (console_packages.py). Every action needs a role and is
audited."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from rightful.domain.erasure import erasure_outcome, kept_pair
from rightful.domain.errors import (
    AuthenticationError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from rightful.domain.lifecycle import ALLOWED, IDENTITY_WAIT, Role, Status
from rightful.domain.rectification import Rectification, kept_place, rectified
from rightful.domain.restriction import restriction
from rightful.domain.unfounded import MIN_JUSTIFICATION, legal_basis, refused_manifestly
from rightful.domain.unfounded import manifestly as parse_manifestly
from rightful.domain.words import counted
from rightful.entrypoints.api.deps import RowId
from rightful.entrypoints.web.console import (
    Again,
    act,
    console_page,
    current,
    denied,
    flash_of,
    shown_again,
)
from rightful.entrypoints.web.form_fields import Csrf, Reason, Word
from rightful.entrypoints.web.pages import container, services
from rightful.entrypoints.web.requester import valid_link_id, valid_request_id
from rightful.services.delivery import verified_channel
from rightful.services.incidents import incidents_of
from rightful.services.request_outcomes import answered_in_words
from rightful.services.request_queries import transitions
from rightful.services.staff_auth import ConsoleSession

router = APIRouter(prefix="/console", include_in_schema=False)
Answer = Annotated[str, Form(max_length=6000)]  # the service says why beyond 5000 characters


@router.get("/requests/{request_id}", response_class=HTMLResponse)
def detail(request: Request, request_id: str, flash: str = "") -> Response:
    try:
        me = current(request)
        if not valid_request_id(request_id):
            raise NotFoundError("no such request")
        done, error = flash_of(request, flash)
        return _detail(request, me, request_id, done=done, error=error)
    except (AuthenticationError, PermissionDeniedError, NotFoundError) as exc:
        return denied(request, exc)


def _detail(
    request: Request, me: ConsoleSession, request_id: str, *, done: str = "", error: str = "",
    typed: dict[str, str] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    c, web = container(request), services(request)
    row = c.requests.get(request_id)
    with c.store.transaction() as session:
        c.audit.record(session, me.principal.id, me.principal.role_name,
                       "console.request_viewed", request_id)  # fmt: skip
        channel = verified_channel(session, request_id)
        incidents = incidents_of(session, request_id)
    timeline = c.audit.timeline(request_id)
    context = {
        "r": row, "now": c.clock.now(), "transitions": transitions(c.store, request_id),
        "notices": c.requests.notices(request_id), "timeline": timeline,
        "manifestly": refused_manifestly(timeline), "min_justification": MIN_JUSTIFICATION,
        "manifestly_basis": legal_basis(row.jurisdiction),
        "unanswered": {u.notice_id for u in c.notice_mail.unsent(request_id)},
        "packages": c.packages.for_request(request_id), "links": web.delivery.links_of(request_id),
        "attachments": c.attachments.for_request(request_id),
        "reports": web.not_mine.reports_of(request_id), "incidents": incidents,
        "channel": channel, "done": done, "error": error,
        "restriction": c.restrictions.get(request_id),
        "rectification": row.rectification_outcome
        and Rectification.from_json(row.rectification_outcome),
        "in_words": answered_in_words(row) or c.declarations.categories_only(request_id),
        "waiting_for": c.declarations.waiting_for(request_id),
        "link_waits": web.delivery.link_waits(request_id),
        "declares": c.declarations.statement(request_id) is not None,
        "paper_declarations": c.paper_declarations.listed(request_id),
        "scan_max_bytes": c.settings.authority_max_bytes,
        "refusable": Status.REJECTED in ALLOWED[Status(row.status)] and not row.direct_marketing,
        "identity_unproven": row.status in IDENTITY_WAIT or row.held_from in IDENTITY_WAIT,
        "typed": typed or {},
    }  # fmt: skip
    return console_page(request, "console/request.html", me, context, status)


def _again(request: Request, request_id: str, form: str, **typed: str) -> Again:
    """The request's page with the error and `form` holding what was typed."""

    def page(me: ConsoleSession, error: str, kept: dict[str, str], status: int) -> Response:
        return _detail(request, me, request_id, error=error, typed=kept, status=status)

    return shown_again(request, page, form, **typed)


@router.post("/requests/{request_id}/extend", response_class=HTMLResponse)
def extend(
    request: Request, request_id: str, csrf: Csrf = "", reason: Reason = "", months: Word = ""
) -> Response:
    """Extend once with a reason (DPO); the notice goes to the requester by e-mail."""
    c = container(request)

    def action(me: ConsoleSession) -> str:
        ccpa = c.requests.get(request_id).jurisdiction == "ccpa"
        c.requests.extend(request_id, me.principal, reason=reason,
                          months=None if ccpa else _months(months),
                          days=45 if ccpa else None)  # fmt: skip
        return "Extended; the requester was told the reason and the new date."

    again = _again(request, request_id, "extend", reason=reason, months=months)
    return act(request, csrf, Role.DPO, f"/console/requests/{request_id}", action, again)


@router.post("/requests/{request_id}/notices/{notice_id}/told-otherwise",
             response_class=HTMLResponse)  # fmt: skip
def told_otherwise(
    request: Request, request_id: str, notice_id: RowId, csrf: Csrf = "", way: Word = "",
    how: Reason = "",
) -> Response:  # fmt: skip
    """Record that the requester of a notice that reached nobody by mail was told another way
    (any staff role); the notice leaves the queue's list and is never mailed."""
    c = container(request)

    def action(me: ConsoleSession) -> str:
        c.notice_mail.told_otherwise(request_id, notice_id, me.principal, way, how)
        return "Recorded that the requester was told another way."

    again = _again(request, request_id, f"told-{notice_id}", way=way, how=how)
    return act(request, csrf, Role.AGENT, f"/console/requests/{request_id}", action, again)


@router.post("/requests/{request_id}/erasure", response_class=HTMLResponse)
def erasure(
    request: Request,
    request_id: str,
    csrf: Csrf = "",
    ground: Word = "",
    erased: Reason = "",
    kept: Reason = "",
    recipients_told: Word = "0",
) -> Response:
    """Record what was erased and kept (DPO); the request closes and the requester is told."""
    c = container(request)

    def action(me: ConsoleSession) -> str:
        pairs = [kept_pair(line) for line in _lines(kept)]
        outcome = erasure_outcome(ground, _lines(erased), pairs, _count(recipients_told), c.datamap)
        c.requests.record_erasure(request_id, outcome, me.principal)
        return "Erasure recorded; the request is closed and the requester was told."

    again = _again(request, request_id, "erasure", ground=ground, erased=erased, kept=kept,
                   recipients_told=recipients_told)  # fmt: skip
    return act(request, csrf, Role.DPO, f"/console/requests/{request_id}", action, again)


@router.post("/requests/{request_id}/rectification", response_class=HTMLResponse)
def rectification(
    request: Request, request_id: str, csrf: Csrf = "", fields: Reason = "", kept: Reason = "",
    recipients_told: Word = "0",
) -> Response:  # fmt: skip
    """Record which fields were corrected and which places kept, with why (DPO); the request
    closes and the requester is told once no place also holding the data is left open."""
    c = container(request)

    def action(me: ConsoleSession) -> str:
        places = [kept_place(line) for line in _lines(kept)]
        step = rectified(_lines(fields), _count(recipients_told), c.datamap, places)
        row = c.requests.record_rectification(request_id, step, c.datamap, me.principal)
        left = len(row.rectification_outcome.get("open", ())) if row.rectification_outcome else 0
        if left:
            return (f"Rectification recorded; {counted(left, 'place', 'places')} also holding "
                    "the data still to correct or keep with a reason.")  # fmt: skip
        return "Rectification recorded; the request is closed and the requester was told."

    again = _again(request, request_id, "rectification", fields=fields, kept=kept,
                   recipients_told=recipients_told)  # fmt: skip
    return act(request, csrf, Role.DPO, f"/console/requests/{request_id}", action, again)


@router.post("/requests/{request_id}/answer", response_class=HTMLResponse)
def answer(request: Request, request_id: str, csrf: Csrf = "", text: Answer = "") -> Response:
    """Close a verified request with what was done, in words (DPO); the requester is told."""
    c = container(request)

    def action(me: ConsoleSession) -> str:
        c.requests.answer(request_id, text, me.principal)
        return "Answered; the request is closed and the requester was told what was done."

    again = _again(request, request_id, "answer", text=text)
    return act(request, csrf, Role.DPO, f"/console/requests/{request_id}", action, again)


@router.post("/requests/{request_id}/refuse", response_class=HTMLResponse)
def refuse(
    request: Request, request_id: str, csrf: Csrf = "", reasons: Reason = "",
    manifestly: Word = "", unverified: Word = "",
) -> Response:  # fmt: skip
    """Refuse with reasons, one a line (DPO), as `rightful requests refuse` does, optionally as
    manifestly unfounded or excessive (Art. 12(5)); the notice states them and the right to
    complain (Art. 12(4))."""
    c = container(request)

    def action(me: ConsoleSession) -> str:
        if unverified not in ("", "yes"):
            raise InvalidInputError("identity could not be verified: tick it or leave it empty")
        ground = parse_manifestly(manifestly) if manifestly else None
        c.requests.refuse(request_id, me.principal, reasons.splitlines(), ground,
                          unverified=unverified == "yes")  # fmt: skip
        return "Refused; the requester was told the reasons and their right to complain."

    again = _again(request, request_id, "refuse", reasons=reasons, manifestly=manifestly,
                   unverified=unverified)  # fmt: skip
    return act(request, csrf, Role.DPO, f"/console/requests/{request_id}", action, again)


@router.post("/requests/{request_id}/restriction", response_class=HTMLResponse)
def restrict(
    request: Request,
    request_id: str,
    csrf: Csrf = "",
    ground: Word = "",
    categories: Reason = "",
    recipients_told: Word = "0",
) -> Response:
    """Record the restriction granted (DPO); the request closes and the requester is told."""
    c = container(request)

    def action(me: ConsoleSession) -> str:
        placed = restriction(ground, _lines(categories), _count(recipients_told), c.datamap)
        c.restrictions.place(request_id, placed, me.principal)
        return "Restriction recorded; the request is closed and the requester was told."

    again = _again(request, request_id, "restriction", ground=ground, categories=categories,
                   recipients_told=recipients_told)  # fmt: skip
    return act(request, csrf, Role.DPO, f"/console/requests/{request_id}", action, again)


@router.post("/requests/{request_id}/restriction/lift-notice", response_class=HTMLResponse)
def lift_notice(
    request: Request, request_id: str, csrf: Csrf = "", lifts_on: Word = "", reason: Reason = ""
) -> Response:
    """Tell the requester the day their restriction lifts, and why (DPO; Art. 18(3))."""
    c = container(request)

    def action(me: ConsoleSession) -> str:
        try:
            day = date.fromisoformat(lifts_on.strip())
        except ValueError:
            raise InvalidInputError("the day it lifts: a date such as 2027-01-15") from None
        c.restrictions.announce_lifting(request_id, day, reason, me.principal)
        return f"The requester was told the restriction lifts on {day.isoformat()}."

    again = _again(request, request_id, "lift-notice", lifts_on=lifts_on, reason=reason)
    return act(request, csrf, Role.DPO, f"/console/requests/{request_id}", action, again)


@router.post("/requests/{request_id}/restriction/lift", response_class=HTMLResponse)
def lift(request: Request, request_id: str, csrf: Csrf = "") -> Response:
    """Lift a restriction on or after the day the requester was told of (DPO)."""
    c = container(request)

    def action(me: ConsoleSession) -> str:
        c.restrictions.lift(request_id, me.principal)
        return "Restriction lifted."

    return act(request, csrf, Role.DPO, f"/console/requests/{request_id}", action)


def _months(text: str) -> int | None:
    """The months chosen; none means the most the law allows."""
    text = text.strip()
    if not text:
        return None
    if not (text.isascii() and text.isdecimal()):
        raise InvalidInputError("extend by: a whole number of months")
    return int(text)


def _count(recipients_told: str) -> int:
    text = recipients_told.strip()
    if not (text.isascii() and text.isdecimal()):  # "²" is a digit to Python, not a count
        raise InvalidInputError("recipients told: a whole number, 0 or more")
    return int(text)


def _lines(text: str) -> list[str]:
    return [part.strip() for part in text.replace(",", "\n").splitlines() if part.strip()]


@router.post("/requests/{request_id}/cancel", response_class=HTMLResponse)
def cancel(request: Request, request_id: str, csrf: Csrf = "", reason: Reason = "") -> Response:
    c = container(request)

    def action(me: ConsoleSession) -> str:
        c.requests.cancel(request_id, me.principal, reason)
        return "Cancelled."

    again = _again(request, request_id, "cancel", reason=reason)
    return act(request, csrf, Role.AGENT, f"/console/requests/{request_id}", action, again)


@router.post("/links/{link_id}/revoke", response_class=HTMLResponse)
def revoke(request: Request, link_id: str, csrf: Csrf = "") -> Response:
    web = services(request)
    if not valid_link_id(link_id):
        return denied(request, NotFoundError("no such link"))
    back = f"/console/requests/{web.delivery.view(link_id).request_id}"

    def action(me: ConsoleSession) -> str:
        web.delivery.revoke(link_id, me.principal)
        return "Link revoked; it stops working at once."

    return act(request, csrf, Role.AGENT, back, action)


# --- attachments ------------------------------------------------------------------------------


@router.post(
    "/requests/{request_id}/attachments/{attachment_id}/{decision}", response_class=HTMLResponse
)
def decide_attachment(
    request: Request,
    request_id: str,
    attachment_id: str,
    decision: str,
    csrf: Csrf = "",
    note: Reason = "",
) -> Response:
    """Approve or reject an uploaded file (a second staff member), or withdraw one with a
    reason. The service enforces who may and when; the page says what happened."""
    c = container(request)
    roles = {"approve": Role.REVIEWER, "reject": Role.REVIEWER, "withdraw": Role.AGENT}
    if decision not in roles or not valid_request_id(request_id):
        return denied(request, NotFoundError("no such action"))

    def action(me: ConsoleSession) -> str:
        if attachment_id not in {row.id for row in c.attachments.for_request(request_id)}:
            raise NotFoundError("no such attachment on this request")
        if decision == "approve":
            c.attachments.approve(attachment_id, me.principal, note)
            return "Attachment approved; it joins the next package built."
        if decision == "reject":
            c.attachments.reject(attachment_id, me.principal, note)
            return "Attachment rejected; it joins no package."
        c.attachments.withdraw(attachment_id, me.principal, note)
        return "Attachment withdrawn; packages built from now on leave it out."

    back = f"/console/requests/{request_id}"
    form = f"{'withdraw' if decision == 'withdraw' else 'decide'}-{attachment_id}"
    again = _again(request, request_id, form, note=note)
    return act(request, csrf, roles[decision], back, action, again)
