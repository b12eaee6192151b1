"""The requester's portal: make a request, confirm it with a code, see its status and deadline,
step up when sensitive data needs it, sign in again later. Works without JavaScript."""

from __future__ import annotations

import re
import secrets
from typing import Annotated, Final

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from rightful.adapters.db.tables import RequestRow
from rightful.bootstrap import Container
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.declarations import MAX_NAME
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
from rightful.domain.requests import ANSWERED_WITH_PACKAGE, RequestType
from rightful.domain.staff import Principal
from rightful.domain.verification import Channel, ResendTooSoonError, needs_verification
from rightful.entrypoints.web import requester as rq
from rightful.entrypoints.web.i18n import translate
from rightful.entrypoints.web.pages import container, language, page, redirect, services
from rightful.entrypoints.web.security import check_csrf, client_of
from rightful.services.portal import PortalStatus
from rightful.services.verification import Progress
from rightful.services.verification_mail import reference

router = APIRouter(include_in_schema=False)
PUBLIC = Principal(id="public", role=None)
STATUS_REFRESH: Final = 30  # seconds between looks while the system works
SHORT_REFERENCE: Final = re.compile(r"[0-9a-f]{8}")  # the reference the mails give
WORKING: Final = {Status.VERIFIED, Status.COLLECTING, Status.APPROVED}
Text = Annotated[str, Form(max_length=5000)]
Short = Annotated[str, Form(max_length=400)]
Csrf = Annotated[str, Form(max_length=200)]
TICKED = frozenset({"yes", "on", "true", "1"})  # what a ticked box may send


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    return page(request, "portal/home.html")


# --- a new request --------------------------------------------------------------------------


def _choices(request: Request) -> dict[str, object]:
    lang = language(request)
    return {
        "types": [(t.value, translate(f"type_{t.value}", lang)) for t in RequestType],
        "jurisdictions": [(j.value, translate(f"jurisdiction_{j.value}", lang))
                          for j in Jurisdiction],
    }  # fmt: skip


@router.get("/portal/new", response_class=HTMLResponse)
def new_form(request: Request) -> Response:
    return _new_page(request, {})


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
    request: Request, csrf: Csrf = "", type: Short = "access", jurisdiction: Short = "gdpr",
    email: Short = "", phone: Short = "", name: Short = "", details: Text = "",
    language: Short = "en", direct_marketing: Short = "", form_token: Short = "",
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


@router.get("/portal/requests/{request_id}/received", response_class=HTMLResponse)
def received(request: Request, request_id: str) -> Response:
    """The confirmation of a request that asks for no proof (a CCPA opt-out or limit)."""
    if not rq.valid_request_id(request_id):
        return _not_found(request)
    return page(request, "portal/received.html", {"ref": reference(request_id)})


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
    elif not _valid(policy, IdentityType.EMAIL, form["email"]):
        errors["email"] = translate("err_email_invalid", lang)
    if form["phone"].strip() and not _valid(policy, IdentityType.PHONE, form["phone"]):
        errors["phone"] = translate("err_phone_invalid", lang)
    if len(form["name"]) > 200:
        errors["name"] = translate("err_too_long", lang)
    if form["direct_marketing"] not in TICKED | {""}:
        errors["direct_marketing"] = translate("err_choice", lang)
    elif form["direct_marketing"] and form["type"] != RequestType.OBJECTION:
        errors["direct_marketing"] = translate("err_marketing_objection_only", lang)
    return errors


def _valid(policy: object, kind: IdentityType, raw: str) -> bool:
    try:
        policy.normalise(kind, raw)  # type: ignore[attr-defined]
    except InvalidInputError:
        return False
    return True


# --- confirming with a code -----------------------------------------------------------------


@router.get("/portal/requests/{request_id}/verify", response_class=HTMLResponse)
def verify_form(request: Request, request_id: str, sent: int = 0, assertion: str = "") -> Response:
    if not rq.valid_request_id(request_id):
        return _not_found(request)
    return _verify_page(request, request_id, sent=bool(sent), assertion=assertion[:4000])


def _verify_page(
    request: Request, request_id: str, *, sent: bool = False, assertion: str = "",
    errors: dict[str, str] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    lang = language(request)
    # Signed in for it, the requester is verified: the code awaited is a step-up's (by text
    # message or e-mail), and a new one is asked for on the status page, not by resending.
    stepping_up = rq.signed_in_for(request) == request_id
    sent_key = "sent_message_step_up" if stepping_up else "sent_message"
    context = {
        "request_id": request_id, "ref": reference(request_id), "errors": errors or {},
        "sent_message": translate(sent_key, lang) if sent else "", "stepping_up": stepping_up,
        "accounts": bool(container(request).settings.account_assertion_issuer),
        "assertion": assertion,
    }  # fmt: skip
    return page(request, "portal/verify.html", context, status=status)


@router.post("/portal/requests/{request_id}/verify", response_class=HTMLResponse)
def verify(request: Request, request_id: str, csrf: Csrf = "", code: Short = "") -> Response:
    check_csrf(request, csrf)
    challenge = rq.pending_challenge(request, request_id)
    lang = language(request)
    try:
        if challenge is None:
            raise InvalidInputError("no code was sent to this browser")
        progress = container(request).verification.submit_code(request_id, challenge, code)
    except RightfulError as exc:
        text = (
            translate("err_no_code_here", lang) if challenge is None else rq.error_text(exc, lang)
        )
        return _verify_page(request, request_id, errors={"code": text}, status=exc.http_status)
    return _verified(request, request_id, progress.outcome)


def _verified(request: Request, request_id: str, outcome: str) -> Response:
    response = redirect(f"/portal/requests/{request_id}?outcome={outcome}")
    rq.sign_in(request, response, request_id)
    return response


@router.post("/portal/requests/{request_id}/resend", response_class=HTMLResponse)
def resend(request: Request, request_id: str, csrf: Csrf = "") -> Response:
    check_csrf(request, csrf)
    if not rq.valid_request_id(request_id):
        return _not_found(request)
    if rq.signed_in_for(request) == request_id:  # verified: a new code is a step-up's
        return redirect(f"/portal/requests/{request_id}")
    try:
        receipt = container(request).verification.start(request_id, Channel.EMAIL)
    except RightfulError as exc:
        errors = {"code": rq.error_text(exc, language(request))}
        return _verify_page(request, request_id, errors=errors, status=exc.http_status)
    response = redirect(f"/portal/requests/{request_id}/verify?sent=1")
    rq.remember_challenge(request, response, request_id, receipt.challenge_id)
    return response


@router.post("/portal/requests/{request_id}/account", response_class=HTMLResponse)
def account(request: Request, request_id: str, csrf: Csrf = "", assertion: Text = "") -> Response:
    check_csrf(request, csrf)
    if not rq.valid_request_id(request_id):
        return _not_found(request)
    try:
        progress = container(request).verification.submit_assertion(request_id, assertion)
    except RightfulError as exc:
        errors = {"assertion": rq.error_text(exc, language(request))}
        return _verify_page(request, request_id, errors=errors, status=exc.http_status)
    return _verified(request, request_id, progress.outcome)


# --- status -------------------------------------------------------------------------------


@router.get("/portal/requests/{request_id}", response_class=HTMLResponse)
def status(request: Request, request_id: str, outcome: str = "") -> Response:
    if not rq.valid_request_id(request_id):
        return _not_found(request)
    if rq.signed_in_for(request) != request_id:
        return redirect(f"/portal/requests/{request_id}/sign-in")
    return _status_page(request, request_id, outcome=outcome)


def _status_page(
    request: Request, request_id: str, *, outcome: str = "", flash: str = "",
    errors: dict[str, str] | None = None, status: int = 200, form: dict[str, str] | None = None,
) -> Response:  # fmt: skip
    c = container(request)
    current = services(request).portal.status(request_id)
    progress = c.verification.progress(request_id)
    lang = language(request, current.language)
    if outcome and not flash:
        flash = translate(f"outcome_{outcome}", lang) if outcome.isidentifier() else ""
    context = {
        "s": current, "ref": reference(request_id), "progress": progress, "flash": flash,
        "step_up_factors": [f.value for f in progress.step_up_options], "errors": errors or {},
        "form": form or {},
        "refresh_seconds": STATUS_REFRESH if _working(current, progress) else None,
        "restriction": c.restrictions.get(request_id),
        "explain": _explanation(current, progress),
        "packaged": _packaged(current),
    }  # fmt: skip
    return page(request, "portal/status.html", context, status=status, lang=lang)


def _packaged(current: PortalStatus) -> bool:
    """Answered with a copy of the data, which rightful gathers; the other types are carried
    out by staff, who record what they did."""
    return RequestType(current.type) in ANSWERED_WITH_PACKAGE


def _explanation(current: PortalStatus, progress: Progress) -> str:
    """The key of the sentence that says what happens now."""
    if current.status is Status.DELIVERED and not current.links:
        return "explain_handed_over"
    if current.status is Status.VERIFIED and not _packaged(current) and progress.waiting_for:
        return "explain_verified_deletion_waits"  # a CCPA deletion short of its proof
    if current.status is Status.VERIFIED and not _packaged(current):
        return "explain_verified_staff_act"  # nothing is gathered: staff act, then write
    return f"explain_{current.status.value}"


def _working(current: PortalStatus, progress: Progress) -> bool:
    """The system is at work with nothing for the requester to do: the page looks again by
    itself (never while it offers a form, which a reload would empty, nor while staff carry
    out a request, which takes days)."""
    declaring = progress.declaration is not None and not progress.declared
    busy = current.status in WORKING and _packaged(current)
    return busy and not progress.step_up_offered and not declaring


@router.post("/portal/requests/{request_id}/declaration", response_class=HTMLResponse)
def declare(request: Request, request_id: str, csrf: Csrf = "", full_name: Short = "") -> Response:
    """Sign the CCPA declaration under penalty of perjury with the typed full name (§7062(c))."""
    check_csrf(request, csrf)
    if rq.signed_in_for(request) != request_id:
        return redirect(f"/portal/requests/{request_id}/sign-in")
    try:
        container(request).declarations.sign(request_id, full_name)
    except RightfulError as exc:
        lang = language(request)
        text = (translate("err_full_name", lang, most=MAX_NAME)
                if isinstance(exc, InvalidInputError) else rq.error_text(exc, lang))  # fmt: skip
        return _status_page(request, request_id, errors={"full_name": text},
                            status=exc.http_status, form={"full_name": full_name})  # fmt: skip
    return redirect(f"/portal/requests/{request_id}?outcome=declared")


@router.post("/portal/requests/{request_id}/step-up", response_class=HTMLResponse)
def step_up(
    request: Request, request_id: str, csrf: Csrf = "", channel: Short = "sms",
    address: Short = "",
) -> Response:  # fmt: skip
    """A second, independent code, to a contact detail already on file for the subject."""
    check_csrf(request, csrf)
    if rq.signed_in_for(request) != request_id:
        return redirect(f"/portal/requests/{request_id}/sign-in")
    chosen = Channel.SMS if channel == "sms" else Channel.EMAIL
    c, typed = container(request), {"address": address}
    if (
        chosen is Channel.SMS
        and address.strip()
        and not _valid(c.identity_policy, IdentityType.PHONE, address)
    ):  # the field's own words, in the reader's language, with what was typed
        errors = {"address": translate("err_phone_invalid", language(request))}
        return _status_page(request, request_id, errors=errors, status=422, form=typed)
    try:
        receipt = c.verification.step_up(request_id, chosen, address or None)
    except RightfulError as exc:
        errors = {"address": rq.error_text(exc, language(request))}
        return _status_page(request, request_id, errors=errors, status=exc.http_status,
                            form=typed)  # fmt: skip
    response = redirect(f"/portal/requests/{request_id}/verify?sent=1")
    rq.remember_challenge(request, response, request_id, receipt.challenge_id)
    return response


# --- coming back ----------------------------------------------------------------------------


@router.get("/portal/check", response_class=HTMLResponse)
def check_form(request: Request) -> Response:
    return page(request, "portal/check.html", {"form": {}})


@router.post("/portal/check", response_class=HTMLResponse)
def check(request: Request, csrf: Csrf = "", reference: Short = "") -> Response:
    check_csrf(request, csrf)
    wanted = reference.strip().lower()
    if SHORT_REFERENCE.fullmatch(wanted):  # as the mails give it
        wanted = services(request).portal.request_of(wanted) or ""
    if not rq.valid_request_id(wanted):
        errors = {"reference": translate("err_reference", language(request))}
        return page(request, "portal/check.html", {"form": {"reference": reference},
                                                   "errors": errors}, status=422)  # fmt: skip
    return redirect(f"/portal/requests/{wanted}/sign-in")


@router.get("/portal/requests/{request_id}/sign-in", response_class=HTMLResponse)
def sign_in_form(request: Request, request_id: str, sent: int = 0) -> Response:
    if not rq.valid_request_id(request_id):
        return _not_found(request)
    return page(request, "portal/sign_in.html", {"request_id": request_id, "sent": bool(sent)})


@router.post("/portal/requests/{request_id}/sign-in", response_class=HTMLResponse)
def send_sign_in(request: Request, request_id: str, csrf: Csrf = "") -> Response:
    """The same answer whether or not the request exists or has a verified contact."""
    check_csrf(request, csrf)
    if not rq.valid_request_id(request_id):
        return _not_found(request)
    try:
        services(request).portal.send_sign_in_code(request_id)
    except RightfulError as exc:
        errors = {"_form": rq.error_text(exc, language(request))}
        return page(
            request,
            "portal/sign_in.html",
            {"request_id": request_id, "sent": True, "errors": errors},
            status=exc.http_status,
        )
    return redirect(f"/portal/requests/{request_id}/sign-in?sent=1")


@router.post("/portal/requests/{request_id}/sign-in/code", response_class=HTMLResponse)
def sign_in_code(request: Request, request_id: str, csrf: Csrf = "", code: Short = "") -> Response:
    check_csrf(request, csrf)
    if not rq.valid_request_id(request_id):
        return _not_found(request)
    try:
        services(request).portal.confirm_sign_in(request_id, code)
    except RightfulError as exc:
        errors = {"code": rq.error_text(exc, language(request))}
        return page(
            request,
            "portal/sign_in.html",
            {"request_id": request_id, "sent": True, "errors": errors},
            status=exc.http_status,
        )
    response = redirect(f"/portal/requests/{request_id}")
    rq.sign_in(request, response, request_id)
    return response


@router.post("/portal/sign-out", response_class=HTMLResponse)
def sign_out(request: Request, csrf: Csrf = "") -> Response:
    check_csrf(request, csrf)
    response = redirect("/")
    rq.sign_out(request, response)
    return response


def _not_found(request: Request) -> Response:
    lang = language(request)
    context = {"title": translate("err_title", lang), "message": translate("err_not_found", lang),
               "back": "/"}  # fmt: skip
    return page(request, "error.html", context, status=404)
