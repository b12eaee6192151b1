"""Rendering pages: one Jinja2 environment with autoescape, the words in the reader's language,
times in the controller's zone, and the CSRF token of the browser."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from rightful.bootstrap import Container
from rightful.bootstrap_web import WebServices, web_services
from rightful.domain.category_words import category_with_key
from rightful.domain.words import counted
from rightful.entrypoints.web.i18n import LANGUAGES, language_of, translate
from rightful.entrypoints.web.security import (
    Cookies,
    Signer,
    csrf_token,
    remember_csrf,
    secure_cookies,
)

HERE = Path(__file__).parent
LANG_COOKIE = "rf_lang"

_env = Environment(
    loader=FileSystemLoader(str(HERE / "templates")),
    autoescape=select_autoescape(["html"], default=True),
    undefined=StrictUndefined,
)
# Staff read a data category in words beside its key (`{{ key | category }}`); machines get keys.
_env.filters["category"] = category_with_key
templates = Jinja2Templates(env=_env)


def container(request: Request) -> Container:
    return request.app.state.container  # type: ignore[no-any-return]


def services(request: Request) -> WebServices:
    return web_services(container(request))


def signer(request: Request, purpose: str) -> Signer:
    """Signs and checks values for `purpose` with the container's clock."""
    return Signer(services(request).keys(purpose), container(request).clock)


def cookies(request: Request) -> Cookies:
    return Cookies(secure_cookies(container(request).settings.public_base_url))


def language(request: Request, preferred: str | None = None) -> str:
    """The reader's language: ?lang=, then their cookie, then the request's, then the browser."""
    chosen = request.query_params.get("lang")
    if chosen in LANGUAGES:
        return chosen
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LANGUAGES:
        return cookie
    if preferred in LANGUAGES:
        return preferred
    return language_of(request.headers.get("accept-language", ""))


def page(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status: int = 200,
    lang: str | None = None,
) -> HTMLResponse:  # fmt: skip
    """Render a template with the helpers every page uses."""
    c = container(request)
    lang = lang or language(request)
    zone = c.settings.zone

    def when(at: datetime | None, with_time: bool = True) -> str:
        if at is None:
            return ""
        local = at.astimezone(zone)
        return f"{local:%Y-%m-%d %H:%M}" if with_time else f"{local:%Y-%m-%d}"

    ctx: dict[str, Any] = {
        "request": request, "lang": lang, "t": lambda key, **kw: translate(key, lang, **kw),
        "when": when, "days_left": _days_left, "csrf": csrf_token(request),
        "controller": c.settings.controller_name, "zone": zone.key, "errors": {},
        "demo": c.settings.demo_mode, "counted": counted,
        "code_minutes": c.settings.code_ttl_minutes,  # how long a code we send stays valid
    }  # fmt: skip
    ctx.update(context or {})
    response = templates.TemplateResponse(request, name, ctx, status_code=status)
    remember_csrf(request, response, cookies(request))
    chosen = request.query_params.get("lang")
    if chosen in LANGUAGES:
        cookies(request).set(response, LANG_COOKIE, chosen, max_age=365 * 86400)
    return response


def redirect(url: str) -> RedirectResponse:
    """See other: the browser GETs `url` after a form (no resubmission on reload)."""
    return RedirectResponse(url, status_code=303)


def _days_left(left: timedelta) -> int:
    return int(left.total_seconds() // 86400)
