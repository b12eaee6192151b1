"""The requester's portal: make a request, confirm it with a code, see its status and deadline,
step up when sensitive data needs it, sign in again later. Works without JavaScript."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Final

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from rightful.bootstrap import Container
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.declarations import MAX_NAME, deletion_applies
from rightful.domain.errors import InvalidInputError, NotFoundError, RightfulError
from rightful.domain.identities import IdentityType
from rightful.domain.lifecycle import Status
from rightful.domain.notices import OptOutOffer
from rightful.domain.requests import ANSWERED_WITH_PACKAGE, RequestType
from rightful.domain.staff import Principal
from rightful.domain.verification import Channel
from rightful.entrypoints.web import requester as rq
from rightful.entrypoints.web.form_fields import Csrf, Line
from rightful.entrypoints.web.i18n import translate
from rightful.entrypoints.web.i18n_messages import MESSAGES
from rightful.entrypoints.web.pages import container, language, page, redirect, services
from rightful.entrypoints.web.security import check_csrf
from rightful.services.portal import PortalStatus
from rightful.services.verification_mail import reference
from rightful.services.verification_progress import Progress

router = APIRouter(include_in_schema=False)
PUBLIC = Principal(id="public", role=None)
SHORT_REFERENCE: Final = re.compile(r"[0-9a-f]{8}")  # the reference the mails give
WORKING: Final = {Status.VERIFIED, Status.COLLECTING, Status.APPROVED}
Text = Annotated[str, Form(max_length=5000)]
TICKED = frozenset({"yes", "on", "true", "1"})  # what a ticked box may send
# The status page's field for a step-up code's detail, its kind, and the words when malformed.
STEP_UP_FIELDS: Final = {Channel.SMS: "address", Channel.EMAIL: "email"}
STEP_UP_KINDS: Final = {
    Channel.SMS: (IdentityType.PHONE, "err_phone_invalid"),
    Channel.EMAIL: (IdentityType.EMAIL, "err_email_invalid"),
}


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    return page(request, "portal/home.html")


# --- a new request (its form: intake.py) ---------------------------------------------------


@router.get("/portal/requests/{request_id}/received", response_class=HTMLResponse)
def received(request: Request, request_id: str) -> Response:
    """The confirmation of a request that asks for no proof (a CCPA opt-out or limit)."""
    if not rq.valid_request_id(request_id):
        return _not_found(request)
    return page(request, "portal/received.html", {"ref": reference(request_id)})


def valid_contact(policy: object, kind: IdentityType, raw: str) -> bool:
    """Whether `raw` is a well-formed contact detail of `kind`, as the policy reads it."""
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
def verify(request: Request, request_id: str, csrf: Csrf = "", code: Line = "") -> Response:
    check_csrf(request, csrf)
    challenge = rq.pending_challenge(request, request_id)
    lang = language(request)
    try:
        if challenge is None:
            raise InvalidInputError("no code was sent to this browser")
        discreet = rq.signed_in_for(request) != request_id  # "used" would tell it was verified
        progress = container(request).verification.submit_code(
            request_id, challenge, code, discreet=discreet
        )
    except RightfulError as exc:
        text = (
            translate("err_no_code_here", lang) if challenge is None else rq.error_text(exc, lang)
        )
        return _verify_page(request, request_id, errors={"code": text}, status=exc.http_status)
    return _verified(request, request_id, progress.told)


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
    return _verified(request, request_id, progress.told)


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
        known = f"outcome_{outcome}" in MESSAGES  # an outcome without words of its own
        flash = translate(f"outcome_{outcome}" if known else "outcome_other", lang)
    context = {
        "s": current, "ref": reference(request_id), "progress": progress, "flash": flash,
        "step_up_factors": [f.value for f in progress.step_up_options], "errors": errors or {},
        "form": form or {},
        "working": _working(current, progress),
        "restriction": c.restrictions.get(request_id),
        "explain": _explanation(current, progress),
        "packaged": _packaged(current),
        "opt_out": _opt_out(c, current, lang),
    }  # fmt: skip
    return page(request, "portal/status.html", context, status=status, lang=lang)


def _opt_out(c: Container, current: PortalStatus, lang: str) -> OptOutOffer | None:
    """How to opt out of sale or sharing, offered with a CCPA deletion denied unverified by a
    business that sells or shares (§7062(f)), as its notice offers it: closed at its deadline,
    or refused by staff because the requester's identity could not be verified."""
    denied = current.status is Status.EXPIRED or current.refused_unverified
    if not denied or not deletion_applies(Jurisdiction(current.jurisdiction),
                                          RequestType(current.type)):  # fmt: skip
        return None
    return c.requests.opt_out(lang)


def _packaged(current: PortalStatus) -> bool:
    """Answered with a copy of the data, which rightful gathers; the other types are carried
    out by staff, who record what they did."""
    return RequestType(current.type) in ANSWERED_WITH_PACKAGE


def _explanation(current: PortalStatus, progress: Progress) -> str:
    """The key of the sentence that says what happens now."""
    if current.status is Status.DELIVERED and not current.links:
        return "explain_handed_over"
    if current.status is Status.VERIFIED and progress.waiting_for:  # CCPA: short of its proof
        return f"explain_verified_{'disclosure' if _packaged(current) else 'deletion'}_waits"
    if current.status is Status.VERIFIED and not _packaged(current):
        return "explain_verified_staff_act"  # nothing is gathered: staff act, then write
    return f"explain_{current.status.value}"


def _working(current: PortalStatus, progress: Progress) -> bool:
    """The system is at work with nothing for the requester to do: the page offers to look
    again (never while it offers a form, nor while staff carry out a request, which takes days).
    It does not reload by itself: a timed refresh moves a reader on before they are done
    (WCAG 2.2.1)."""
    declaring = progress.declaration is not None and not progress.declared
    busy = current.status in WORKING and _packaged(current)
    return busy and not progress.step_up_offered and not declaring


@router.post("/portal/requests/{request_id}/declaration", response_class=HTMLResponse)
def declare(request: Request, request_id: str, csrf: Csrf = "", full_name: Line = "") -> Response:
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
    request: Request, request_id: str, csrf: Csrf = "", channel: Line = "sms",
    address: Line = "", email: Line = "",
) -> Response:  # fmt: skip
    """A second, independent code, to a contact detail already on file for the subject: a phone
    (`address`), or an e-mail address (`email`, asked only of a request that holds none)."""
    check_csrf(request, csrf)
    if rq.signed_in_for(request) != request_id:
        return redirect(f"/portal/requests/{request_id}/sign-in")
    chosen = Channel.SMS if channel == "sms" else Channel.EMAIL
    field, typed = STEP_UP_FIELDS[chosen], address if chosen is Channel.SMS else email
    c, form = container(request), {field: typed}
    kind, wrong = STEP_UP_KINDS[chosen]
    if typed.strip() and not valid_contact(c.identity_policy, kind, typed):
        # the field's own words, in the reader's language, with what was typed
        errors = {field: translate(wrong, language(request))}
        return _status_page(request, request_id, errors=errors, status=422, form=form)
    try:
        receipt = c.verification.step_up(request_id, chosen, typed or None)
    except RightfulError as exc:
        errors = {field: rq.error_text(exc, language(request))}
        return _status_page(request, request_id, errors=errors, status=exc.http_status,
                            form=form)  # fmt: skip
    response = redirect(f"/portal/requests/{request_id}/verify?sent=1")
    rq.remember_challenge(request, response, request_id, receipt.challenge_id)
    return response


# --- coming back ----------------------------------------------------------------------------


@router.get("/portal/check", response_class=HTMLResponse)
def check_form(request: Request) -> Response:
    return page(request, "portal/check.html", {"form": {}})


@router.post("/portal/check", response_class=HTMLResponse)
def check(request: Request, csrf: Csrf = "", reference: Line = "") -> Response:
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
        context = {"request_id": request_id, "sent": True, "errors": errors}
        shown = page(request, "portal/sign_in.html", context, status=exc.http_status)
        return rq.with_retry_after(shown, exc)
    return redirect(f"/portal/requests/{request_id}/sign-in?sent=1")


@router.post("/portal/requests/{request_id}/sign-in/code", response_class=HTMLResponse)
def sign_in_code(request: Request, request_id: str, csrf: Csrf = "", code: Line = "") -> Response:
    portal = services(request).portal
    return _signed_in(request, request_id, csrf, lambda: portal.confirm_sign_in(request_id, code),
                      field="code", sent=True)  # fmt: skip


@router.get("/portal/requests/{request_id}/sign-in/link", response_class=HTMLResponse)
def sign_in_link_form(request: Request, request_id: str, token: str = "") -> Response:
    """The link of a sign-in mail: a page with a button (mail scanners open links; GET
    changes nothing)."""
    if not rq.valid_request_id(request_id):
        return _not_found(request)
    context = {"request_id": request_id, "token": token[:120]}
    return page(request, "portal/sign_in_link.html", context)


@router.post("/portal/requests/{request_id}/sign-in/link", response_class=HTMLResponse)
def sign_in_link(request: Request, request_id: str, csrf: Csrf = "", token: Line = "") -> Response:
    portal = services(request).portal
    return _signed_in(request, request_id, csrf,
                      lambda: portal.confirm_sign_in_link(request_id, token),
                      field="_form", sent=False)  # fmt: skip


@router.get("/t/{token}", response_class=HTMLResponse)
def text_link(request: Request, token: str) -> Response:
    """The short link of a text message: on to the page of the link it stands for (that page
    has the button; GET changes nothing)."""
    try:
        path = services(request).text_links.target(token[:200])
    except NotFoundError:
        lang = language(request)
        context = {"title": translate("err_title", lang),
                   "message": translate("err_link_invalid", lang), "back": "/"}  # fmt: skip
        return page(request, "error.html", context, status=404)
    return redirect(path)


def _signed_in(
    request: Request, request_id: str, csrf: str, prove: Callable[[], object], *, field: str,
    sent: bool,
) -> Response:  # fmt: skip
    """Sign this browser in for the request once `prove` (a code, a mailed link) holds; if it
    does not, the sign-in page again, with why under `field`."""
    check_csrf(request, csrf)
    if not rq.valid_request_id(request_id):
        return _not_found(request)
    try:
        prove()
    except RightfulError as exc:
        errors = {field: rq.error_text(exc, language(request))}
        context = {"request_id": request_id, "sent": sent, "errors": errors}
        return page(request, "portal/sign_in.html", context, status=exc.http_status)
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
