"""E-mails from templates, in the requester's language, as plain text with an HTML alternative.

Each `templates/<kind>.<lang>.j2` holds three blocks: `subject`, `text` and `html`. The text
blocks are rendered without escaping, the HTML block with autoescape, then wrapped in one layout.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound
from markupsafe import Markup

from rightful.domain.errors import ConfigurationError
from rightful.domain.messaging import MailMessage

TEMPLATES = Path(__file__).parent / "templates"
LANGUAGES = ("en", "de")
KINDS = (
    "verification", "ready", "download_code", "portal_code", "extension", "not_mine_ack",
    "incident_notice", "decision",
)  # fmt: skip


class MailTemplates:
    """Renders the messages rightful sends; an unknown language falls back to English."""

    def __init__(self, folder: Path = TEMPLATES) -> None:
        loader = FileSystemLoader(str(folder))
        self._text = Environment(loader=loader, autoescape=False, undefined=StrictUndefined)  # noqa: S701 - plain text, never HTML
        self._html = Environment(loader=loader, autoescape=True, undefined=StrictUndefined)

    def render(self, kind: str, language: str, to: str, **context: Any) -> MailMessage:
        """One message of `kind` for `to`; ConfigurationError for an unknown kind."""
        if kind not in KINDS:
            raise ConfigurationError(f"no mail template {kind!r}")
        lang = language if language in LANGUAGES else "en"
        name = f"{kind}.{lang}.j2"
        subject = self._block(self._text, name, "subject", context).strip()
        text = self._block(self._text, name, "text", context).strip() + "\n"
        body = Markup(self._block(self._html, name, "html", context))  # noqa: S704 - rendered with autoescape
        layout = self._html.get_template("_layout.html")
        html = layout.render(lang=lang, subject=subject, body=body, **context)
        return MailMessage(to=to, subject=" ".join(subject.split()), text=text, html=html)

    def _block(self, env: Environment, name: str, block: str, context: dict[str, Any]) -> str:
        try:
            template = env.get_template(name)
        except TemplateNotFound:
            raise ConfigurationError(f"mail template {name} is missing") from None
        render = template.blocks[block]
        return "".join(render(template.new_context(dict(context))))
