"""The staff console: sign-in (password + TOTP, or an SSO assertion), sign-out, and the queue of
open requests by deadline. Sessions time out; every form carries the session's CSRF token."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Final
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from rightful.domain.console import SessionExpiredError
from rightful.domain.errors import (
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    RightfulError,
)
from rightful.domain.lifecycle import Role
from rightful.entrypoints.web.form_fields import Csrf, Line
from rightful.entrypoints.web.pages import container, cookies, page, redirect, services, signer
from rightful.entrypoints.web.security import check_csrf, client_of
from rightful.services.staff_auth import ConsoleSession

router = APIRouter(prefix="/console", include_in_schema=False)
STAFF_COOKIE = "rf_staff"
Token = Annotated[str, Form(max_length=8000)]


FLASH: Final = 300  # seconds a signed outcome message may be shown after its action


def current(request: Request, role: Role = Role.AGENT) -> ConsoleSession:
    """The signed-in staff member holding at least `role`; SessionExpiredError otherwise."""
    token = request.cookies.get(STAFF_COOKIE)
    if not token:
        raise SessionExpiredError("please sign in")
    session = services(request).staff_auth.session(token)
    session.principal.require(role)
    return session


def checked(request: Request, csrf: str, role: Role = Role.AGENT) -> ConsoleSession:
    """`current`, and the form's CSRF token must be the session's."""
    session = current(request, role)
    services(request).staff_auth.check_csrf(session, csrf)
    return session


def console_page(
    request: Request, name: str, session: ConsoleSession | None,
    context: Mapping[str, object], status: int = 200,
) -> Response:  # fmt: skip
    ctx: dict[str, object] = {
        "me": session, "form_token": session.csrf if session else "", "done": "", "error": "",
        "typed": {},  # "form.field": what was typed, when a form comes back with its error
        "Role": Role,
    }  # fmt: skip
    ctx.update(context)
    return page(request, name, ctx, status=status, lang="en")


def landed(request: Request, back: str, *, done: str = "", error: str = "") -> Response:
    """Go back to `back` saying how an action went. The words travel signed, so that a link
    someone hands a colleague cannot make the console say what they like."""
    return redirect(_flashed(request, back, done=done, error=error))


def _flashed(
    request: Request, back: str, *, done: str = "", error: str = "", ttl: int = FLASH
) -> str:
    """`back` with the signed outcome message that its page shows (for `ttl` seconds)."""
    kind, text = ("error", error) if error else ("done", done)
    signed = signer(request, "console-flash").sign(f"{kind}:{text[:200]}", ttl)
    return f"{back}?flash={quote(signed)}"


Action = Callable[[ConsoleSession], str]
# The form's page again, saying what was wrong and holding what was typed (never in a URL).
Again = Callable[[ConsoleSession, RightfulError], Response]


def act(
    request: Request, csrf: str, role: Role, back: str, action: Action, again: Again | None = None
) -> Response:
    """Run one action for a signed-in member holding `role`, then show where it landed. An
    action the service refuses shows `again` (the form as it was sent) when there is one."""
    try:
        me = checked(request, csrf, role)
    except (AuthenticationError, PermissionDeniedError) as exc:
        return denied(request, exc, back)
    try:
        message, refused = container(request).notice_mail.unsent_by(lambda: action(me))
    except RightfulError as exc:
        if again is not None:
            return again(me, exc)
        return landed(request, back, error=str(exc))
    if refused:
        kinds = ", ".join(sorted({u.kind for u in refused}))
        why = ("there is no e-mail address" if all(u.state == "no_address" for u in refused)
               else "the mail relay did not take it")  # fmt: skip
        return landed(request, back, error=f"Recorded, but the notice ({kinds}) reached nobody: "
                      f"{why}, so the requester was NOT told. Tell them another way and record "
                      "it on the request's page.")  # fmt: skip
    return landed(request, back, done=message)


# A page shown again: (who, the error, "form.field" → what was typed, the status) → the page.
Page = Callable[[ConsoleSession, str, dict[str, str], int], Response]


def shown_again(request: Request, page: Page, form: str, **typed: str) -> Again:
    """`page` again with the refusal and `form` holding what was typed: the words stay in the
    page (status 4xx), never in a URL, for they may be personal data."""

    def show(me: ConsoleSession, exc: RightfulError) -> Response:
        kept = {f"{form}.{field}": value for field, value in typed.items()}
        try:
            return page(me, str(exc), kept, exc.http_status)
        except NotFoundError as missing:
            return denied(request, missing)

    return show


def flash_of(request: Request, flash: str) -> tuple[str, str]:
    """(done, error) from a page's `flash` parameter; nothing when it was not signed here."""
    value = signer(request, "console-flash").unsign(flash[:1000])
    if value is None:
        return "", ""
    kind, _, text = value.partition(":")
    return ("", text) if kind == "error" else (text, "")


SIGNED_OUT: Final = "You were signed out, so that was not done: do it again."
# It waits on the sign-in page for as long as signing in takes (a phone fetched for the code).
SIGNED_OUT_FLASH: Final = 24 * 3600


def denied(request: Request, exc: RightfulError, back: str = "") -> Response:
    """Signed out → the sign-in page; a missing role → a 403 page that says which. After
    signing in, a page opens again; a form sent signed out leads back to the page it came
    from (`back`), saying it was not done (its address answers only POST)."""
    if isinstance(exc, AuthenticationError):
        if request.method in ("GET", "HEAD"):
            then = request.url.path
        else:
            then = (_flashed(request, back, error=SIGNED_OUT, ttl=SIGNED_OUT_FLASH) if back
                    else "/console")  # fmt: skip
        response = redirect(f"/console/sign-in?next={quote(then)}")
        cookies(request).clear(response, STAFF_COOKIE, path="/console")
        return response
    return console_error(request, str(exc), exc.http_status)


def console_error(request: Request, message: str, status: int) -> Response:
    """An error page of the console, titled by what went wrong."""
    title = {403: "Not allowed", 404: "Not found", 409: "Not possible now", 422: "Check the form",
             423: "Locked"}.get(status, "Something went wrong")  # fmt: skip
    return console_page(request, "console/error.html", None,
                        {"title": title, "message": message}, status)  # fmt: skip


# --- signing in and out ---------------------------------------------------------------------


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_form(request: Request, next: str = "/console") -> Response:
    return _sign_in_page(request, next)


def _sign_in_page(
    request: Request, next_url: str, error: str = "", status: int = 200, name: str = ""
) -> Response:
    context = {"next": _safe(next_url), "error": error, "name": name,
               "sso": services(request).staff_auth.sso is not None}  # fmt: skip
    return console_page(request, "console/sign_in.html", None, context, status)


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in(
    request: Request, csrf: Csrf = "", name: Line = "", password: Line = "", code: Line = "",
    next: Line = "/console",
) -> Response:  # fmt: skip
    check_csrf(request, csrf)
    try:
        signed = services(request).staff_auth.sign_in(name, password, code,
                                                      client_of(request).ip)  # fmt: skip
    except AuthenticationError as exc:
        return _sign_in_page(request, next, str(exc), exc.http_status, name=name)
    return _signed_in(request, signed.token, next)


@router.post("/sso", response_class=HTMLResponse)
def sso(request: Request, assertion: Token = "", next: Line = "/console") -> Response:
    """An identity provider posts a signed, single-use assertion. Any site can make a browser
    post one (no CSRF token is possible here), so nobody is signed in yet: the page asks the
    person to confirm the user the assertion names, with a form that only our page can send."""
    try:
        name = services(request).staff_auth.sso_user(assertion)
    except RightfulError as exc:
        return _sign_in_page(request, next, str(exc), exc.http_status)
    context = {"name": name, "assertion": assertion, "next": _safe(next)}
    return console_page(request, "console/sso_confirm.html", None, context)


@router.post("/sso/confirm", response_class=HTMLResponse)
def sso_confirm(
    request: Request, csrf: Csrf = "", assertion: Token = "", next: Line = "/console"
) -> Response:
    """The person confirmed the user on our page: the assertion is used up now."""
    check_csrf(request, csrf)
    try:
        signed = services(request).staff_auth.sign_in_sso(assertion)
    except RightfulError as exc:
        return _sign_in_page(request, next, str(exc), exc.http_status)
    return _signed_in(request, signed.token, next)


def _signed_in(request: Request, token: str, next_url: str) -> Response:
    """The new session's cookie; the session this browser held before ends (it stayed valid
    until it idled out, for whoever had copied its cookie)."""
    previous = request.cookies.get(STAFF_COOKIE)
    if previous and previous != token:
        services(request).staff_auth.sign_out(previous)
    response = redirect(_safe(next_url))
    max_age = container(request).settings.console_session_max_hours * 3600
    cookies(request).set(response, STAFF_COOKIE, token, max_age=max_age, path="/console")
    return response


def _safe(next_url: str) -> str:
    """Only paths inside the console: never an open redirect."""
    ok = next_url.startswith("/console") and "//" not in next_url and "\\" not in next_url
    return next_url if ok else "/console"


@router.post("/sign-out", response_class=HTMLResponse)
def sign_out(request: Request, csrf: Csrf = "") -> Response:
    token = request.cookies.get(STAFF_COOKIE)
    try:
        checked(request, csrf)
    except RightfulError as exc:
        return denied(request, exc)
    if token:
        services(request).staff_auth.sign_out(token)
    response = redirect("/console/sign-in")
    cookies(request).clear(response, STAFF_COOKIE, path="/console")
    return response


# --- the queue ------------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
def queue(request: Request) -> Response:
    """Requests still to be answered, most urgent first; overdue and due-soon stand out."""
    try:
        me = current(request)
    except (AuthenticationError, PermissionDeniedError) as exc:
        return denied(request, exc)
    c = container(request)
    items = c.requests.due()
    return console_page(
        request,
        "console/queue.html",
        me,
        {"items": items, "due_soon_days": c.settings.due_soon_days,
         "unsent": c.notice_mail.unsent()},
    )  # fmt: skip
