"""The page behind the link in a verification mail. Opening it changes nothing (mail scanners
open links); only pressing its button confirms."""

from __future__ import annotations

from html import escape
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query
from fastapi.responses import HTMLResponse

from rightful.bootstrap import Container
from rightful.domain.errors import RightfulError
from rightful.entrypoints.api.deps import container
from rightful.entrypoints.api.verification import MESSAGES

router = APIRouter(prefix="/verify", tags=["verification"], include_in_schema=False)
Deps = Annotated[Container, Depends(container)]

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="stylesheet" href="/static/site.css"></head>
<body><main><h1>{title}</h1>{body}</main></body></html>"""


INCOMPLETE_LINK = (
    "<p>This link is missing its code. Open the link in our e-mail again, or copy all of it "
    "into the address bar.</p>"
)


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        PAGE.format(title=escape(title), body=body),
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )


@router.get("/link", response_class=HTMLResponse)
def confirm_page(token: Annotated[str, Query(max_length=200)] = "") -> HTMLResponse:
    """A button that confirms; the token stays in the form, not in any request it makes."""
    if not token.strip():
        return _page("Link incomplete", INCOMPLETE_LINK, 400)
    form = (
        "<p>Confirm that you asked us about your personal data.</p>"
        '<form method="post" action="/verify/link">'
        f'<input type="hidden" name="token" value="{escape(token)}">'
        '<button type="submit">Confirm</button></form>'
    )
    return _page("Confirm your request", form)


@router.post("/link", response_class=HTMLResponse)
def confirm(c: Deps, token: Annotated[str, Form(max_length=200)] = "") -> HTMLResponse:
    """Confirm with the link token and say what happens next."""
    if not token.strip():
        return _page("Link incomplete", INCOMPLETE_LINK, 400)
    try:
        progress = c.verification.open_link(token)
    except RightfulError as exc:
        return _page("Not confirmed", f"<p>{escape(str(exc))}</p>", exc.http_status)
    message = MESSAGES.get(progress.outcome, f"Your request is {progress.status.value}.")
    return _page("Thank you", f"<p>{escape(message)}</p>")
