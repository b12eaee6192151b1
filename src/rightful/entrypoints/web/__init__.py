"""The server-rendered side of rightful: the requester's portal, the download pages and the
staff console, on the same FastAPI app as the API. `install_web(app)` adds them."""

from __future__ import annotations

import inspect

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from rightful.bootstrap import Container
from rightful.bootstrap_web import web_services
from rightful.domain.delivery import PackageSource
from rightful.domain.errors import ConfigurationError, RightfulError
from rightful.entrypoints.api.errors import log_unanswerable
from rightful.entrypoints.web import (
    console,
    console_declarations,
    console_packages,
    console_reports,
    console_requests,
    download,
    incidents,
    intake,
    portal,
)
from rightful.entrypoints.web.console import console_error
from rightful.entrypoints.web.head import HeadOnPages
from rightful.entrypoints.web.i18n import translate
from rightful.entrypoints.web.pages import HERE, language, page
from rightful.entrypoints.web.requester import error_text
from rightful.entrypoints.web.security import WEB_PREFIXES, SecurityHeaders

__all__ = ["install_web"]

API_PREFIXES = (
    "/api/",
    "/opendsr",
    "/docs",
    "/redoc",
    "/openapi.json",
    "/healthz",
    "/readyz",
    "/metrics",
)


def install_web(app: FastAPI, c: Container, packages: PackageSource | None = None) -> None:
    """Mount portal, download pages, console and static files on `app` (served by `c`)."""
    web_services(c, packages)
    app.add_middleware(HeadOnPages, router=app.router)  # inside SecurityHeaders: gets them too
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for module in (
        portal,
        intake,
        download,
        console,
        console_requests,
        console_packages,
        console_declarations,
        console_reports,
        incidents,
    ):
        app.include_router(module.router)
    _html_errors(app)
    app.state.unexpected_page = _unexpected_page


def _unexpected_page(scope: Scope) -> bytes | None:
    """What a browser sees of an error nothing handled (the API's last stop asks): the error
    page in the reader's language, not the API's JSON; None outside the pages."""
    request = Request(scope)
    if not _is_page(request):
        return None
    message = translate("err_generic", "en")
    if request.url.path.startswith("/console"):
        return bytes(console_error(request, message, 500).body)
    lang = language(request)
    context = {"title": translate("err_title", lang), "message": translate("err_generic", lang),
               "back": ""}  # fmt: skip
    return bytes(page(request, "error.html", context, status=500).body)


def _html_errors(app: FastAPI) -> None:
    """Errors on web pages become pages in the reader's language; the API keeps JSON. That holds
    for the framework's own errors too: an unknown page (404), a wrong method (405), a form
    that does not validate (422)."""
    api_handlers = {
        RightfulError: app.exception_handlers.get(RightfulError),
        StarletteHTTPException: app.exception_handlers.get(StarletteHTTPException),
        RequestValidationError: app.exception_handlers.get(RequestValidationError),
    }

    async def handler(request: Request, exc: Exception) -> Response:
        if not _is_page(request):
            api_handler = next(h for kind, h in api_handlers.items() if isinstance(exc, kind))
            if api_handler is None:
                raise exc
            answer = api_handler(request, exc)
            return await answer if inspect.isawaitable(answer) else answer
        lang = "en" if request.url.path.startswith("/console") else language(request)
        message, status = _page_error(request, exc, lang)
        if request.url.path.startswith("/console"):  # staff see the console's own page
            answer = console_error(request, message, status)
        else:
            context = {"title": translate("err_title", lang), "message": message, "back": ""}
            answer = page(request, "error.html", context, status=status)
        if isinstance(exc, StarletteHTTPException) and exc.headers:
            answer.headers.update(exc.headers)  # e.g. Allow on a 405
        if (retry_after := getattr(exc, "retry_after", None)) is not None:
            answer.headers["Retry-After"] = str(retry_after)  # a 429 says when, as the API does
        return answer

    for kind in api_handlers:
        app.add_exception_handler(kind, handler)


def _is_page(request: Request) -> bool:
    """A web page, or a browser asking for a page somewhere outside the API."""
    path = request.url.path
    if path == "/" or path.startswith(WEB_PREFIXES):
        return True
    wants_html = "text/html" in request.headers.get("accept", "")
    return wants_html and not path.startswith(API_PREFIXES)


def _page_error(request: Request, exc: Exception, lang: str) -> tuple[str, int]:
    if isinstance(exc, RightfulError):
        if isinstance(exc, ConfigurationError):
            log_unanswerable(request, exc)
        return error_text(exc, lang), exc.http_status
    if isinstance(exc, RequestValidationError):
        return translate("err_bad_form", lang), 422
    status = exc.status_code if isinstance(exc, StarletteHTTPException) else 500
    key = {404: "err_not_found", 405: "err_wrong_method"}.get(status, "err_generic")
    return translate(key, lang), status
