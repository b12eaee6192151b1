"""Who the browser is to the portal: signed cookies for a verified requester, a pending code,
and a download link reached through its token; and errors in the reader's words."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from fastapi import Request, Response

from rightful.domain.delivery import DownloadSessionError, NotDeliverableError
from rightful.domain.errors import (
    ConfigurationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    RightfulError,
    TooManySubmissionsError,
)
from rightful.domain.verification import (
    AssertionRejectedError,
    CodeExpiredError,
    CodeLockedError,
    CodeUsedError,
    NoContactError,
    ResendTooSoonError,
    TooManyChallengesError,
    WrongCodeError,
)
from rightful.entrypoints.web.i18n import translate
from rightful.entrypoints.web.pages import cookies, services, signer
from rightful.entrypoints.web.security import ForgedFormError
from rightful.services.codes import CodeWindowFullError, DigitsUsedUpError
from rightful.services.portal import SignInRefusedError

REQUESTER = "rf_req"
PENDING = "rf_pending"
LINK = "rf_link"
DOWNLOAD = "rf_dls"
REQUESTER_MINUTES = 30
LINK_MINUTES = 60
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
HEX32 = re.compile(r"[0-9a-f]{32}")

log = logging.getLogger("rightful.web")


def valid_request_id(value: str) -> bool:
    return bool(UUID.fullmatch(value))


def valid_link_id(value: str) -> bool:
    return bool(HEX32.fullmatch(value))


# --- the verified requester ---------------------------------------------------------------


def signed_in_for(request: Request) -> str | None:
    """The request id this browser is signed in for, if any."""
    return signer(request, "cookie").unsign(request.cookies.get(REQUESTER))


def sign_in(request: Request, response: Response, request_id: str) -> None:
    value = signer(request, "cookie").sign(request_id, REQUESTER_MINUTES * 60)
    cookies(request).set(response, REQUESTER, value, max_age=REQUESTER_MINUTES * 60)


def sign_out(request: Request, response: Response) -> None:
    for name in (REQUESTER, PENDING):
        cookies(request).clear(response, name)


def pending_challenge(request: Request, request_id: str) -> str | None:
    """The challenge id of the code this browser is waiting for, for this request."""
    value = signer(request, "cookie").unsign(request.cookies.get(PENDING))
    if not value:
        return None
    owner, _, challenge = value.partition(":")
    return challenge if owner == request_id else None


def remember_challenge(request: Request, response: Response, request_id: str, cid: str) -> None:
    ttl = services(request).code_policy.ttl.total_seconds() + 300
    value = signer(request, "cookie").sign(f"{request_id}:{cid}", int(ttl))
    cookies(request).set(response, PENDING, value, max_age=int(ttl))


# --- a link reached through its token ------------------------------------------------------


def holds_link(request: Request, link_id: str) -> bool:
    """Whether this browser came through the link's token, or is signed in for its request."""
    if signer(request, "cookie").unsign(request.cookies.get(LINK)) == link_id:
        return True
    signed_in = signed_in_for(request)
    return bool(signed_in) and services(request).delivery.view(link_id).request_id == signed_in


def remember_link(
    request: Request, response: Response, link_id: str, at_least: timedelta = timedelta()
) -> None:
    """Hold the link in this browser for `LINK_MINUTES`, or `at_least` when that is longer."""
    seconds = max(LINK_MINUTES * 60, int(at_least.total_seconds()))
    value = signer(request, "cookie").sign(link_id, seconds)
    cookies(request).set(response, LINK, value, max_age=seconds, path="/download")


def download_token(request: Request) -> str | None:
    return request.cookies.get(DOWNLOAD)


def remember_download(request: Request, response: Response, link_id: str, token: str) -> None:
    """Keep the download session's token, and hold the link in this browser as long: its page
    is the way to the file, the passphrase and "not my data" while the session lasts."""
    session = services(request).link_policy.session
    cookies(request).set(response, DOWNLOAD, token, max_age=int(session.total_seconds()),
                         path=f"/download/{link_id}")  # fmt: skip
    remember_link(request, response, link_id, at_least=session)


# --- errors in the reader's words ----------------------------------------------------------

_KEYS: list[tuple[type[RightfulError], str]] = [
    (WrongCodeError, "err_code_wrong"),
    (CodeLockedError, "err_code_locked"),
    (CodeUsedError, "err_code_used"),
    (DigitsUsedUpError, "err_code_link_only"),
    (CodeExpiredError, "err_code_expired"),
    (ResendTooSoonError, "err_resend_wait"),
    (TooManyChallengesError, "err_too_many_codes"),
    (AssertionRejectedError, "err_assertion"),
    (ForgedFormError, "err_forged_form"),
    (DownloadSessionError, "err_no_session"),
    (NotDeliverableError, "err_not_deliverable"),
    (TooManySubmissionsError, "err_too_many_submissions"),
]


def error_text(exc: RightfulError, lang: str) -> str:
    """A domain error as the reader should read it. A configuration error reads as the generic
    one (its message names files and sources) and is logged for the operators, by type only."""
    if isinstance(exc, ConfigurationError):
        log.error("%s shown to a requester as a generic error", type(exc).__name__)
    if isinstance(exc, CodeWindowFullError):  # delivery codes: their mails carry no link
        hours = -(-(exc.retry_after or 0) // 3600)
        return translate("err_code_window_full", lang, n=hours, minutes=exc.minutes)
    if isinstance(exc, SignInRefusedError):
        return translate("err_sign_in_refused", lang, minutes=exc.minutes)
    if isinstance(exc, TooManyChallengesError) and exc.retry_after:  # a window's cap
        return translate("err_codes_capped", lang, n=-(-exc.retry_after // 3600))
    if isinstance(exc, NoContactError):  # the portal's field, not the API's `address`
        return translate(f"err_no_contact_{exc.channel.value}", lang)
    if isinstance(exc, CodeLockedError) and "open the link" in str(exc):  # a mail with no code
        return translate("err_open_link", lang)
    if isinstance(exc, CodeUsedError) and "link" in str(exc):
        return translate("err_link_used", lang)
    for kind, key in _KEYS:
        if isinstance(exc, kind):
            return translate(key, lang, n=_number(exc), reason=str(exc))
    if isinstance(exc, NotFoundError) and "link" in str(exc):
        return translate("err_link_invalid", lang)
    if isinstance(exc, NotFoundError) and "code" in str(exc):
        return translate("err_no_code", lang)
    if isinstance(exc, InvalidInputError) and "digits" in str(exc):
        return translate("err_code_format", lang)
    if isinstance(exc, InvalidInputError | ConflictError) and lang == "en":
        return str(exc)
    return translate("err_generic", lang)


def with_retry_after(response: Response, exc: RightfulError) -> Response:
    """A 429 page says in its header, too, when to ask again."""
    wait = getattr(exc, "retry_after", None)
    if wait:
        response.headers["Retry-After"] = str(wait)
    return response


def _number(exc: RightfulError) -> int:
    if isinstance(exc, WrongCodeError):
        return exc.attempts_left
    if isinstance(exc, ResendTooSoonError):
        return exc.retry_after
    if isinstance(exc, TooManySubmissionsError):
        return exc.minutes
    return 0
