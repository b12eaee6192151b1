"""Demo only: the mail the local SMTP sink received and the SMS the logging sender kept.
Mounted only when `demo_mode` is on; a production server never has these routes."""

from __future__ import annotations

import re
from html import escape
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from rightful.adapters.sms.log import LoggingSmsSender
from rightful.bootstrap import Container
from rightful.domain.messaging import SmsMessage
from rightful.entrypoints.api.deps import container

router = APIRouter(prefix="/demo", tags=["demo"])
URL = re.compile(r"https?://[^\s<>\"]+")
Deps = Annotated[Container, Depends(container)]


@router.get("/mail.json")
def mail_json(c: Deps) -> dict[str, Any]:
    """Received mail (newest first) and recent SMS, as data."""
    return {
        "mail": [
            {
                "to": list(m.to),
                "subject": m.subject,
                "text": m.text,
                "received_at": m.received_at.isoformat(),
            }
            for m in c.mail_sink.messages()
        ],
        "sms": [{"to": s.to, "text": s.text} for s in recent_texts(c)],
    }


@router.get("/mail", response_class=HTMLResponse)
def mail_page(c: Deps) -> HTMLResponse:
    """The demo inbox: every message the local SMTP sink received, newest first."""
    mails = (
        "".join(
            f"<article><h2>{escape(m.subject)}</h2><p>to {escape(', '.join(m.to))} at "
            f"{m.received_at:%H:%M:%S} UTC</p><pre>{_linked(m.text)}</pre></article><hr>"
            for m in c.mail_sink.messages()
        )
        or "<p>No mail yet. Start a verification to see one here.</p>"
    )
    texts = "".join(f"<li>{escape(s.to)}: {escape(s.text)}</li>" for s in recent_texts(c))
    body = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Demo inbox</title>"
        "<meta http-equiv='refresh' content='5'></head>"
        "<body style='font-family: system-ui, sans-serif; max-width: 48rem; margin: 2rem auto'>"
        "<h1>Demo inbox</h1><p>Demo mode only: what the local SMTP sink received.</p>"
        f"{mails}<h1>SMS</h1><ul>{texts or '<li>none yet</li>'}</ul></body></html>"
    )
    return HTMLResponse(body, headers={"Cache-Control": "no-store"})


def recent_texts(c: Container) -> list[SmsMessage]:
    """The SMS the logging sender kept; none when another backend sends them."""
    sender = c.sms_sender
    return sender.recent() if isinstance(sender, LoggingSmsSender) else []


def _linked(text: str) -> str:
    """The text escaped (anyone on loopback can mail the sink), with its URLs made clickable."""
    return URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escape(text, quote=True))
