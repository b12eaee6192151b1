"""Every failure becomes a 4xx with a reason a caller can act on; nothing leaks as a bare 500."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rightful.domain.errors import ConfigurationError, RightfulError

log = logging.getLogger("rightful.api")
UNANSWERABLE = (
    "the service cannot answer this now because of its configuration; its operators can see "
    "why in the server log"
)
MAX_DETAIL = 1000  # characters of a domain error's message in an answer


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RightfulError, _domain_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]


# The framework's own refusals, named like the domain's errors.
_HTTP_ERRORS: Final = {
    400: "InvalidInputError", 401: "AuthenticationError", 403: "PermissionDeniedError",
    404: "NotFoundError", 405: "MethodNotAllowedError", 413: "BodyTooLargeError",
}  # fmt: skip


async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
    name = _HTTP_ERRORS.get(exc.status_code, "HTTPError")
    return JSONResponse({"error": name, "detail": str(exc.detail)}, exc.status_code,
                        headers=exc.headers)  # fmt: skip


async def _domain_error(request: Request, exc: RightfulError) -> JSONResponse:
    if isinstance(exc, ConfigurationError):
        return unanswerable(request, exc)
    retry_after = getattr(exc, "retry_after", None)  # a 429 says when to come back
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    detail = str(exc)
    if len(detail) > MAX_DETAIL:  # an id pasted a megabyte long is not sent back whole
        detail = detail[:MAX_DETAIL] + " …"
    return JSONResponse(
        {"error": type(exc).__name__, "detail": detail}, exc.http_status, headers=headers
    )


def unanswerable(request: Request, exc: ConfigurationError) -> JSONResponse:
    """503 saying only that the service cannot answer: the message names files, sources and
    settings, which are the operators' business; they find the error's type in the log."""
    log_unanswerable(request, exc)
    return JSONResponse({"error": "ConfigurationError", "detail": UNANSWERABLE}, exc.http_status)


def log_unanswerable(request: Request, exc: ConfigurationError) -> None:
    """One log line per request the configuration left unanswered: error type and path only."""
    log.error("%s answering %s %s", type(exc).__name__, request.method, request.url.path)


async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    problems = [_describe(e) for e in exc.errors()]
    return JSONResponse(
        {"error": "InvalidInputError", "detail": "; ".join(problems), "problems": problems}, 422
    )


def _describe(error: Mapping[str, Any]) -> str:
    if error.get("type") == "json_invalid":
        # FastAPI puts the decoder's 0-based offset where a field name would be.
        offset = [p for p in error.get("loc", ()) if isinstance(p, int)]
        where = f" (at character {offset[0] + 1})" if offset else ""
        return f"the body is not valid JSON{where}"
    loc = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
    message = str(error.get("msg", "invalid"))
    return f"{loc}: {message}" if loc else message


class Unexpected:
    """An error nothing else handled becomes a bare 500, and the log gets its type and the path
    only: a traceback would carry the values in play (SQL parameters, a description someone
    typed), which may be personal data."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:  # the last stop before the server would print a traceback
            log.error(
                "unexpected %s answering %s %s", type(exc).__name__, scope["method"], scope["path"]
            )
            if not started:
                shown = _page_for(scope)
                if shown is not None:
                    await _send(send, 500, shown, b"text/html; charset=utf-8")
                else:
                    await _send_json(send, 500, UNEXPECTED)


def _page_for(scope: Scope) -> bytes | None:
    """The error page a browser should see instead of the JSON, where the web pages installed
    one (`app.state.unexpected_page`); None for the API, or when the page itself fails."""
    state = getattr(scope.get("app"), "state", None)
    render = getattr(state, "unexpected_page", None)
    if render is None:
        return None
    try:
        return render(scope)  # type: ignore[no-any-return]
    except Exception as exc:  # the page failed too: the JSON answer stands
        log.error("unexpected %s rendering the error page", type(exc).__name__)
        return None


UNEXPECTED: Final = (
    b'{"error":"InternalError","detail":"something went wrong on our side; it is logged '
    b'(by its type only) for the operators"}'
)


async def _send_json(send: Send, status: int, body: bytes) -> None:
    await _send(send, status, body, b"application/json")


async def _send(send: Send, status: int, body: bytes, content_type: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Refuse request bodies above a limit with 413, before they are read into memory."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _too_large(send, self.max_bytes)
            return
        if declared is None and scope.get("method") in ("POST", "PUT", "PATCH"):
            # A chunked body has no length to judge it by, and the framework turns an error
            # raised while it reads into "error parsing the body" (400): read it here first.
            messages = await self._read_up_to_limit(receive)
            if messages is None:
                await _too_large(send, self.max_bytes)
                return
            receive = _replay(messages, receive)
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise _BodyTooLargeError
            return message

        try:
            await self.app(scope, limited, send)
        except _BodyTooLargeError:
            await _too_large(send, self.max_bytes)

    async def _read_up_to_limit(self, receive: Receive) -> list[Message] | None:
        """The request's body messages, or None once they pass the limit."""
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                return messages
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                return None
            if not message.get("more_body"):
                return messages


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A receive() that hands out `messages` first, then whatever comes after."""
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed


class _BodyTooLargeError(Exception):
    pass


async def _too_large(send: Send, limit: int) -> None:
    body = f'{{"error":"BodyTooLargeError","detail":"request body exceeds {limit} bytes"}}'.encode()
    await _send_json(send, 413, body)
