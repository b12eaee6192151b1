"""The portal's request form: make a request, and be led to the code that confirms it. The
form carries a one-time token, so that sent twice (a double click, a reload while it was sent)
it makes one request and sends one code. Works without JavaScript."""

from __future__ import annotations

import secrets
from contextlib import suppress

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from rightful.adapters.db.tables import RequestRow
from rightful.bootstrap import Container
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.errors import (
    ConflictError,
    InvalidInputError,
    RightfulError,
    TooManySubmissionsError,
)
from rightful.domain.idempotency import PORTAL, IdempotencyKeyReusedError
from rightful.domain.identities import IdentityType
from rightful.domain.intake import NewRequest
from rightful.domain.lifecycle import Status
from rightful.domain.requests import RequestType, parse_request_type
from rightful.domain.verification import ResendTooSoonError, needs_verification
from rightful.entrypoints.web import requester as rq
from rightful.entrypoints.web.form_fields import Csrf, Line
from rightful.entrypoints.web.i18n import translate
from rightful.entrypoints.web.pages import container, language, page, redirect
from rightful.entrypoints.web.portal import PUBLIC, TICKED, Text, valid_contact
from rightful.entrypoints.web.security import check_csrf, client_of
from rightful.services.verification_mail import reference

router = APIRouter(include_in_schema=False)


def _choices(request: Request) -> dict[str, object]:
    lang = language(request)
    return {
        "types": [(t.value, translate(f"type_{t.value}", lang)) for t in RequestType],
        "jurisdictions": [(j.value, translate(f"jurisdiction_{j.value}", lang))
                          for j in Jurisdiction],
    }  # fmt: skip


@router.get("/portal/new", response_class=HTMLResponse)
def new_form(request: Request, type: str = "", jurisdiction: str = "") -> Response:
    """The empty form; `?type=opt_out&jurisdiction=ccpa` (a right's name or a type, and a law)
    chooses them beforehand, as a denied CCPA deletion's notice links it. Unknown ones are
    left to the reader."""
    return _new_page(request, _chosen(type, jurisdiction))


def _chosen(kind: str, law: str) -> dict[str, str]:
    """The type and law a link into the form names, where they are ones the form offers."""
    form: dict[str, str] = {}
    with suppress(InvalidInputError):
        form["type"] = parse_request_type(kind).value
    if law in Jurisdiction.__members__.values():
        form["jurisdiction"] = law
    return form


def _new_page(
    request: Request, form: dict[str, str], *, token: str = "", status: int = 200,
    errors: dict[str, str] | None = None, lang: str | None = None,
) -> HTMLResponse:  # fmt: skip
    """The form, as typed, with its one-time token: a new one unless `token` was not used yet."""
    context = {"form": form, "errors": errors or {}, "form_token": token or new_form_token(),
               **_choices(request)}  # fmt: skip
    return page(request, "portal/new.html", context, status=status, lang=lang)


def new_form_token() -> str:
    """A random token for one rendering of the form; bound to nothing, kept only once used."""
    return secrets.token_urlsafe(24)


@router.post("/portal/new", response_class=HTMLResponse)
def submit(
    request: Request, csrf: Csrf = "", type: Line = "access", jurisdiction: Line = "gdpr",
    email: Line = "", phone: Line = "", name: Line = "", details: Text = "",
    language: Line = "en", direct_marketing: Line = "", form_token: Line = "",
) -> Response:  # fmt: skip
    """Record the request, send the first code, and ask for it; a CCPA opt-out or limit asks
    for no proof and is only confirmed. The form sent again (a double click, a reload while
    it was sent) makes no second request: it leads where the first one did."""
    check_csrf(request, csrf)
    form = {"type": type, "jurisdiction": jurisdiction, "email": email, "phone": phone,
            "name": name, "details": details, "direct_marketing": direct_marketing}  # fmt: skip
    lang = language if language in ("en", "de") else "en"
    c = container(request)
    once, first = None, None  # a form without a token (a page from before) is taken as ever
    try:
        if form_token:
            once = c.idempotency.once(PORTAL, form_token, {**form, "language": lang})
            first = c.idempotency.first(once)
    except (IdempotencyKeyReusedError, InvalidInputError) as exc:
        return _not_again(request, form, lang, exc)
    if first is not None:  # sent before: no second request, code or mail
        return _outcome(request, first, created=False)
    errors = _problems(request, form, lang)
    if errors:
        return _new_page(request, form, token=form_token, errors=errors, status=422, lang=lang)
    try:
        c.submissions.check(client_of(request).ip)
    except TooManySubmissionsError as flood:  # the form comes back as typed, saying when
        answer = _new_page(request, form, token=form_token, status=flood.http_status, lang=lang,
                           errors={"_form": rq.error_text(flood, lang)})  # fmt: skip
        answer.headers["Retry-After"] = str(flood.retry_after)
        return answer
    try:
        made = c.idempotency.submit(NewRequest(
            type=RequestType(type), jurisdiction=Jurisdiction(jurisdiction), email=email,
            phone=phone or None, name=name or None, details=details or None, language=lang,
            channel="web", direct_marketing=direct_marketing in TICKED,
        ), PUBLIC, once)  # fmt: skip
    except IdempotencyKeyReusedError as exc:
        return _not_again(request, form, lang, exc)
    return _outcome(request, made.request, created=made.created)


def _not_again(request: Request, form: dict[str, str], lang: str, exc: RightfulError) -> Response:
    """The form's token made a request from other details (the form sent, then changed and
    sent again), or is not one of ours: the form comes back as typed, with a new token, so that
    sending it again makes these details a request of their own."""
    if isinstance(exc, IdempotencyKeyReusedError):
        text = translate("err_form_sent_before", lang, reference=reference(exc.request_id))
    else:
        text = translate("err_forged_form", lang)
    return _new_page(request, form, errors={"_form": text}, status=exc.http_status, lang=lang)


def _outcome(request: Request, row: RequestRow, *, created: bool) -> Response:
    """Where a request made from the form leads: its confirmation, or the page that asks for
    the code sent for it. A repeat of the form leads to the same page and sends no code."""
    if not needs_verification(Jurisdiction(row.jurisdiction), RequestType(row.type)):
        return redirect(f"/portal/requests/{row.id}/received")
    c = container(request)
    asking = created or row.status == Status.RECEIVED  # the first has not asked yet
    challenge = _ask_for_code(c, row.id) if asking else c.verification.waiting_code(row.id)
    if challenge is None:  # its code was used or expired: the page for where it stands
        waiting = row.status == Status.AWAITING_VERIFICATION
        return redirect(f"/portal/requests/{row.id}" + ("/verify" if waiting else ""))
    response = redirect(f"/portal/requests/{row.id}/verify?sent=1")
    rq.remember_challenge(request, response, row.id, challenge)
    return response


def _ask_for_code(c: Container, request_id: str) -> str:
    """Send the request's first code, and give its challenge; if the same form, sent twice at
    once, asked first, the code it asked for."""
    try:
        return c.verification.start_first(request_id).challenge_id
    except (ConflictError, ResendTooSoonError):
        asked = c.verification.waiting_code(request_id)
        if asked is None:
            raise
        return asked


def _problems(request: Request, form: dict[str, str], lang: str) -> dict[str, str]:
    """Field by field, what to fix, in the reader's language."""
    errors: dict[str, str] = {}
    if form["type"] not in {t.value for t in RequestType}:
        errors["type"] = translate("err_choice", lang)
    if form["jurisdiction"] not in {j.value for j in Jurisdiction}:
        errors["jurisdiction"] = translate("err_choice", lang)
    policy = container(request).identity_policy
    if not form["email"].strip():
        errors["email"] = translate("err_email_required", lang)
    elif not valid_contact(policy, IdentityType.EMAIL, form["email"]):
        errors["email"] = translate("err_email_invalid", lang)
    if form["phone"].strip() and not valid_contact(policy, IdentityType.PHONE, form["phone"]):
        errors["phone"] = translate("err_phone_invalid", lang)
    if len(form["name"]) > 200:
        errors["name"] = translate("err_too_long", lang)
    if form["direct_marketing"] not in TICKED | {""}:
        errors["direct_marketing"] = translate("err_choice", lang)
    elif form["direct_marketing"] and form["type"] != RequestType.OBJECTION:
        errors["direct_marketing"] = translate("err_marketing_objection_only", lang)
    return errors
