"""Download pages: a link from the e-mail opens a page, never a file. The file needs a fresh
code (or an account assertion), streams with byte ranges, and stops when the link is revoked.
"This is not my data" is one POST away from the e-mail and from the page; GET changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from rightful.domain.delivery import (
    LinkRefusedError,
    NotDeliverableError,
    ProtectedBeforeRotationError,
    RangeNotSatisfiableError,
)
from rightful.domain.errors import ConflictError, NotFoundError, RightfulError
from rightful.entrypoints.web import requester as rq
from rightful.entrypoints.web.form_fields import Csrf, Line
from rightful.entrypoints.web.i18n import LANGUAGES, translate
from rightful.entrypoints.web.pages import language, page, redirect, services
from rightful.entrypoints.web.security import check_csrf, client_of
from rightful.services.delivery import LinkView
from rightful.services.verification_mail import reference

router = APIRouter(include_in_schema=False)
Assertion = Annotated[str, Form(max_length=8000)]
StopToken = Annotated[str, Query(max_length=100)]
# What to do when the link of a download-code mail is opened in a browser that does not hold
# the download link (another browser, or cookies cleared): the link stays unused and works after.
CODE_LINK_NEEDS = "err_code_link_needs_link"


# --- arriving from the e-mail -----------------------------------------------------------------


@router.get("/d/{token}", response_class=HTMLResponse)
def arrive(request: Request, token: str) -> Response:
    """Check the token and show the download page; the token leaves the URL after this."""
    try:
        link = services(request).delivery.open(token, client_of(request))
    except LinkRefusedError as refused:
        return _refused(request, refused, not_mine=f"/d/{token}/not-mine")
    response = _landing(request, link)
    rq.remember_link(request, response, link.id)
    return response


@router.get("/download/{link_id}", response_class=HTMLResponse)
def landing(request: Request, link_id: str, assertion: str = "") -> Response:
    link = _held(request, link_id)
    if isinstance(link, Response):
        return link
    return _landing(request, link, assertion=assertion[:4000])


def _landing(
    request: Request, link: LinkView, *, errors: dict[str, str] | None = None,
    flash: str = "", assertion: str = "", status: int = 200,
) -> Response:  # fmt: skip
    ready = services(request).downloads.has_session(link.id, rq.download_token(request))
    context = {
        "link": link, "ref": reference(link.request_id), "ready": ready, "errors": errors or {},
        "flash": flash, "accounts": services(request).downloads.assertions is not None,
        "assertion": assertion,
    }  # fmt: skip
    return page(request, "download/landing.html", context, status=status,
                lang=language(request, link.language))  # fmt: skip


def _held(request: Request, link_id: str, needs: str = "err_needs_link") -> LinkView | Response:
    """The link, when this browser reached it through its token or is signed in for it; else
    a 403 page saying `needs`, what to do first."""
    try:
        if not rq.valid_link_id(link_id) or not rq.holds_link(request, link_id):
            return _error(request, needs, 403)
        link = services(request).delivery.view(link_id)
    except NotFoundError:
        return _error(request, needs, 403)
    if link.state != "active":
        return _refused_state(request, link)
    return link


# --- re-verification ----------------------------------------------------------------------


@router.post("/download/{link_id}/code", response_class=HTMLResponse)
def send_code(request: Request, link_id: str, csrf: Csrf = "") -> Response:
    check_csrf(request, csrf)
    link = _held(request, link_id)
    if isinstance(link, Response):
        return link
    try:
        mailed = services(request).downloads.send_code(link.id, client_of(request))
    except LinkRefusedError as refused:
        return _refused(request, refused)
    except RightfulError as exc:
        shown = _landing(request, link, errors={"_form": _text(request, exc, link)},
                         status=exc.http_status)  # fmt: skip
        return rq.with_retry_after(shown, exc)
    response = redirect(f"/download/{link.id}/confirm?sent={mailed.carries}")
    # The mail says its link works in this browser for as long as it works: hold the link here
    # that long, not only the hour from the token of the "ready" mail.
    rq.remember_link(request, response, link.id, at_least=mailed.works_for)
    return response


@router.get("/download/{link_id}/confirm", response_class=HTMLResponse)
def confirm_form(request: Request, link_id: str, sent: str = "code") -> Response:
    link = _held(request, link_id)
    if isinstance(link, Response):
        return link
    return _confirm_page(request, link, sent=sent)


def _confirm_page(
    request: Request, link: LinkView, errors: dict[str, str] | None = None, status: int = 200,
    sent: str = "code",
) -> Response:  # fmt: skip
    context = {"link": link, "errors": errors or {}, "sent": sent}
    return page(request, "download/confirm.html", context, status=status,
                lang=language(request, link.language))  # fmt: skip


@router.post("/download/{link_id}/confirm", response_class=HTMLResponse)
def confirm(request: Request, link_id: str, csrf: Csrf = "", code: Line = "") -> Response:
    return _proven(
        request, link_id, csrf,
        lambda link: services(request).downloads.confirm_code(link.id, code, client_of(request)),
        lambda link, why, status: _confirm_page(request, link, {"code": why}, status),
    )  # fmt: skip


@router.get("/download/{link_id}/code-link", response_class=HTMLResponse)
def code_link_form(request: Request, link_id: str, token: str = "") -> Response:
    """The link of a download-code mail: a page with a button (mail scanners open links; GET
    changes nothing), only in a browser that holds the download link, as for its code."""
    link = _held(request, link_id, needs=CODE_LINK_NEEDS)
    if isinstance(link, Response):
        return link
    context = {"link": link, "token": token[:120], "errors": {}}
    return page(request, "download/code_link.html", context,
                lang=language(request, link.language))  # fmt: skip


@router.post("/download/{link_id}/code-link", response_class=HTMLResponse)
def code_link(request: Request, link_id: str, csrf: Csrf = "", token: Line = "") -> Response:
    return _proven(
        request, link_id, csrf,
        lambda link: services(request).downloads.confirm_code_link(link.id, token,
                                                                   client_of(request)),
        lambda link, why, status: _landing(request, link, errors={"_form": why}, status=status),
        needs=CODE_LINK_NEEDS,
    )  # fmt: skip


@router.post("/download/{link_id}/account", response_class=HTMLResponse)
def account(request: Request, link_id: str, csrf: Csrf = "", assertion: Assertion = "") -> Response:
    return _proven(
        request, link_id, csrf,
        lambda link: services(request).downloads.confirm_assertion(link.id, assertion,
                                                                   client_of(request)),
        lambda link, why, status: _landing(request, link, errors={"assertion": why},
                                           status=status),
    )  # fmt: skip


def _proven(
    request: Request, link_id: str, csrf: str, prove: Callable[[LinkView], str],
    again: Callable[[LinkView, str, int], Response], needs: str = "err_needs_link",
) -> Response:  # fmt: skip
    """Open a download session by a proof (`prove` answers its token) in a browser that holds
    the link (else the 403 page `needs`); a refused link has its page, a failed proof the form
    `again` with why."""
    check_csrf(request, csrf)
    link = _held(request, link_id, needs)
    if isinstance(link, Response):
        return link
    try:
        token = prove(link)
    except LinkRefusedError as refused:
        return _refused(request, refused)
    except RightfulError as exc:
        return again(link, _text(request, exc, link), exc.http_status)
    response = redirect(f"/download/{link.id}")
    rq.remember_download(request, response, link.id, token)
    return response


# --- the file -------------------------------------------------------------------------------


@router.api_route("/download/{link_id}/file", methods=["GET", "HEAD"])
def file(request: Request, link_id: str) -> Response:
    """The package, decrypted while it streams; 206 for a range, 416 outside the file. HEAD
    makes the same checks and sends the same headers, without a body or counting a download."""
    if not rq.valid_link_id(link_id):
        return _error(request, "err_not_found", 404)
    try:
        download = services(request).downloads.open_download(
            link_id,
            rq.download_token(request),
            request.headers.get("range"),
            client_of(request),
            request.headers.get("if-range"),
            head=request.method == "HEAD",
        )
    except RangeNotSatisfiableError as refused:
        return Response(status_code=416, headers={"Content-Range": f"bytes */{refused.size}"})
    except LinkRefusedError as refused:
        return _refused(request, refused)
    except ProtectedBeforeRotationError as exc:
        return _error(request, "err_protect_again", exc.http_status)
    except (NotDeliverableError, ConflictError) as exc:
        return _error(request, "err_not_deliverable", exc.http_status)
    except NotFoundError:
        return _error(request, "err_not_found", 404)
    except RightfulError as exc:
        return _error(request, "err_no_session", exc.http_status)
    headers = {
        "Content-Length": str(download.byte_range.length if download.byte_range.size else 0),
        "Accept-Ranges": "bytes",
        "Content-Disposition": f'attachment; filename="{download.filename}"',
        "Cache-Control": "no-store",
        "ETag": download.etag,
    }
    if download.status == 206:
        headers["Content-Range"] = download.byte_range.content_range
    if request.method == "HEAD":
        return Response(status_code=download.status, headers=headers,
                        media_type=download.content_type)  # fmt: skip
    return StreamingResponse(download.body, status_code=download.status, headers=headers,
                             media_type=download.content_type)  # fmt: skip


@router.post("/download/{link_id}/protect", response_class=HTMLResponse)
def protect(request: Request, link_id: str, csrf: Csrf = "") -> Response:
    """A passphrase shown here once: the file is then age-encrypted with it."""
    check_csrf(request, csrf)
    link = _held(request, link_id)
    if isinstance(link, Response):
        return link
    try:
        phrase = services(request).downloads.protect(link.id, rq.download_token(request),
                                                     client_of(request))  # fmt: skip
    except LinkRefusedError as refused:
        return _refused(request, refused)
    except RightfulError as exc:
        return _landing(request, link, errors={"_form": _text(request, exc, link)},
                        status=exc.http_status)  # fmt: skip
    context = {"link": link, "passphrase": phrase, "ref": reference(link.request_id)}
    return page(request, "download/passphrase.html", context,
                lang=language(request, link.language))  # fmt: skip


# --- this is not my data ----------------------------------------------------------------------


@router.get("/d/{token}/not-mine", response_class=HTMLResponse)
def not_mine_page(request: Request, token: str) -> Response:
    """One button; opening this page (mail scanners do) changes nothing."""
    return page(request, "download/not_mine.html", {"action": f"/d/{token}/not-mine"})


@router.post("/d/{token}/not-mine", response_class=HTMLResponse)
def not_mine_by_token(request: Request, token: str, csrf: Csrf = "", lang: Line = "") -> Response:
    check_csrf(request, csrf)
    try:
        receipt = services(request).not_mine.report_token(token, client_of(request))
    except LinkRefusedError as refused:
        return _refused(request, refused)
    return page(request, "download/not_mine_done.html", {"receipt": receipt},
                lang=_shown(request, lang, receipt.language))  # fmt: skip


@router.get("/download/{link_id}/not-mine", response_class=HTMLResponse)
def not_mine_link_page(request: Request, link_id: str) -> Response:
    if not rq.valid_link_id(link_id):
        return _error(request, "err_not_found", 404)
    if not rq.holds_link(request, link_id):
        return _error(request, "err_needs_link", 403)
    return page(request, "download/not_mine.html", {"action": f"/download/{link_id}/not-mine"})


@router.post("/download/{link_id}/not-mine", response_class=HTMLResponse)
def not_mine_by_link(request: Request, link_id: str, csrf: Csrf = "", lang: Line = "") -> Response:
    check_csrf(request, csrf)
    if not rq.valid_link_id(link_id):
        return _error(request, "err_not_found", 404)
    # Only a browser that reached the link through its token, or is signed in for it: link
    # ids stand in the audit chain and its exports, and must not stop anyone's link.
    if not rq.holds_link(request, link_id):
        return _error(request, "err_needs_link", 403)
    try:
        receipt = services(request).not_mine.report(link_id, client_of(request))
    except NotFoundError:
        return _error(request, "err_not_found", 404)
    return page(request, "download/not_mine_done.html", {"receipt": receipt},
                lang=_shown(request, lang, receipt.language))  # fmt: skip


def _shown(request: Request, form_lang: str, request_lang: str) -> str:
    """The answer to a form is in the language the form was read in (it carries it): the
    "not my data" page is shown in the reader's, and its answer came in the request's."""
    return form_lang if form_lang in LANGUAGES else language(request, request_lang)


# --- the requester stops a link someone else holds ------------------------------------------


@router.get("/download/{link_id}/stop", response_class=HTMLResponse)
def stop_page(request: Request, link_id: str, token: StopToken = "") -> Response:
    """From the mail with a download code, which goes to the requester whoever asked for it:
    one button; opening the page (mail scanners do) changes nothing."""
    if not rq.valid_link_id(link_id) or not services(request).not_mine.may_stop(link_id, token):
        return _error(request, "err_not_found", 404)
    return page(request, "download/stop.html", {"link_id": link_id, "token": token})


@router.post("/download/{link_id}/stop", response_class=HTMLResponse)
def stop(
    request: Request,
    link_id: str,
    csrf: Csrf = "",
    token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    check_csrf(request, csrf)
    if not rq.valid_link_id(link_id):
        return _error(request, "err_not_found", 404)
    try:
        stopped = services(request).not_mine.stop(link_id, token, client_of(request))
    except NotFoundError:
        return _error(request, "err_not_found", 404)
    return page(request, "download/stop_done.html", {"links": stopped})


@router.get("/not-mine/{confirm}", response_class=HTMLResponse)
def deletion_page(request: Request, confirm: str) -> Response:
    report = services(request).not_mine.by_confirm_token(confirm[:100])
    if report is None:
        return _error(request, "err_not_found", 404)
    if report.deletion_confirmed_at is not None:
        return page(request, "download/deletion.html", {"done": True})
    receipt = {"confirm_token": confirm}
    return page(request, "download/deletion.html", {"done": False, "receipt": receipt})


@router.post("/not-mine/{confirm}", response_class=HTMLResponse)
def confirm_deletion(
    request: Request, confirm: str, csrf: Csrf = "", answer: Line = ""
) -> Response:
    check_csrf(request, csrf)
    try:
        services(request).not_mine.confirm_deletion(confirm[:100], answer)
    except ConflictError:
        pass  # confirmed before: thank them again
    except RightfulError as exc:
        return _error(request, "err_generic", exc.http_status)
    return page(request, "download/deletion.html", {"done": True})


# --- pages for refusals ---------------------------------------------------------------------


def _refused(request: Request, refused: LinkRefusedError, not_mine: str = "") -> Response:
    """A clear page saying why the link does not work (and still offering "not my data")."""
    context = {"reason": refused.reason, "not_mine_action": not_mine}
    return page(request, "download/refused.html", context, status=refused.http_status)


def _refused_state(request: Request, link: LinkView) -> Response:
    context = {"reason": link.state, "not_mine_action": ""}
    status = 410
    return page(request, "download/refused.html", context, status=status,
                lang=language(request, link.language))  # fmt: skip


def _error(request: Request, key: str, status: int) -> Response:
    lang = language(request)
    context = {"title": translate("err_title", lang), "message": translate(key, lang), "back": ""}
    return page(request, "error.html", context, status=status)


def _text(request: Request, exc: RightfulError, link: LinkView) -> str:
    return rq.error_text(exc, language(request, link.language))
