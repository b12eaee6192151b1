"""The server-rendered side of rightful: the requester's portal, the download pages and the
staff console, on the same FastAPI app as the API. `install_web(app)` adds them."""

from __future__ import annotations

import inspect

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from rightful.bootstrap import Container
from rightful.bootstrap_web import web_services
from rightful.domain.delivery import PackageSource
from rightful.domain.errors import ConfigurationError, RightfulError
from rightful.entrypoints.api.errors import log_unanswerable
from rightful.entrypoints.web import console, console_requests, download, incidents, portal
from rightful.entrypoints.web.i18n import translate
from rightful.entrypoints.web.pages import HERE, language, page
from rightful.entrypoints.web.requester import error_text
from rightful.entrypoints.web.security import WEB_PREFIXES, SecurityHeaders

__all__ = ["install_web"]


def install_web(app: FastAPI, c: Container, packages: PackageSource | None = None) -> None:
    """Mount portal, download pages, console and static files on `app` (served by `c`)."""
    web_services(c, packages)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for module in (portal, download, console, console_requests, incidents):
        app.include_router(module.router)
    _html_errors(app)


def _html_errors(app: FastAPI) -> None:
    """Domain errors on web pages become pages in the reader's language; the API keeps JSON."""
    api_handler = app.exception_handlers.get(RightfulError)

    async def handler(request: Request, exc: Exception) -> Response:
        path = request.url.path
        if not isinstance(exc, RightfulError) or not (path == "/" or path.startswith(WEB_PREFIXES)):
            if api_handler is None:
                raise exc
            answer = api_handler(request, exc)
            return await answer if inspect.isawaitable(answer) else answer
        if isinstance(exc, ConfigurationError):
            log_unanswerable(request, exc)
        lang = language(request)
        context = {"title": translate("err_title", lang), "message": error_text(exc, lang),
                   "back": ""}  # fmt: skip
        return page(request, "error.html", context, status=exc.http_status)

    app.add_exception_handler(RightfulError, handler)
