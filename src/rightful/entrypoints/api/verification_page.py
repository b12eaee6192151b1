"""The page behind the link in a verification mail. Opening it changes nothing (mail scanners
open links); only pressing its button confirms. It speaks the reader's language (the mail is in
the request's): the browser's on opening, the one the page was read in on confirming."""

from __future__ import annotations

from html import escape
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse

from rightful.bootstrap import Container
from rightful.domain.errors import RightfulError
from rightful.entrypoints.api.deps import container
from rightful.entrypoints.web.i18n import LANGUAGES, translate
from rightful.entrypoints.web.pages import language
from rightful.entrypoints.web.requester import error_text

router = APIRouter(prefix="/verify", tags=["verification"], include_in_schema=False)
Deps = Annotated[Container, Depends(container)]
Lang = Annotated[str, Form(max_length=10)]

PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="stylesheet" href="/static/site.css"></head>
<body><main><h1>{title}</h1>{body}</main></body></html>"""


def _page(lang: str, title_key: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        PAGE.format(lang=lang, title=escape(translate(title_key, lang)), body=body),
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )


def _incomplete(lang: str) -> HTMLResponse:
    body = f"<p>{escape(translate('link_incomplete', lang))}</p>"
    return _page(lang, "link_incomplete_title", body, 400)


@router.get("/link", response_class=HTMLResponse)
def confirm_page(
    request: Request, token: Annotated[str, Query(max_length=200)] = ""
) -> HTMLResponse:
    """A button that confirms; the token stays in the form, not in any request it makes."""
    lang = language(request)
    if not token.strip():
        return _incomplete(lang)
    form = (
        f"<p>{escape(translate('link_confirm_text', lang))}</p>"
        '<form method="post" action="/verify/link">'
        f'<input type="hidden" name="token" value="{escape(token)}">'
        f'<input type="hidden" name="lang" value="{lang}">'
        f'<button type="submit">{escape(translate("confirm", lang))}</button></form>'
    )
    return _page(lang, "link_confirm_title", form)


@router.post("/link", response_class=HTMLResponse)
def confirm(
    request: Request, c: Deps, token: Annotated[str, Form(max_length=200)] = "", lang: Lang = ""
) -> HTMLResponse:
    """Confirm with the link token and say what happens next, in the language read."""
    lang = lang if lang in LANGUAGES else language(request)
    if not token.strip():
        return _incomplete(lang)
    try:
        progress = c.verification.open_link(token)
    except RightfulError as exc:
        return _page(lang, "link_not_confirmed", f"<p>{escape(error_text(exc, lang))}</p>",
                     exc.http_status)  # fmt: skip
    message = translate(f"outcome_{progress.told}", lang)
    return _page(lang, "link_thanks", f"<p>{escape(message)}</p>")
