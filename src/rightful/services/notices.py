"""The messages of delivery and after: link ready, download and portal codes, extension notice,
"not my data" acknowledgement, and the incident notice to a subject. Never the data itself."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from rightful.adapters.mail.rendering import MailTemplates
from rightful.domain.errors import ConflictError
from rightful.domain.messaging import Mailer, MailMessage, Outbox, SmsMessage, SmsSender
from rightful.domain.verification import short_link_token
from rightful.services.incident_mail import reference as incident_reference
from rightful.services.verification_mail import reference

NO_TEXTS = "SMS codes are not available here; please contact us to confirm who you are"
TEXT_LINKS = "/t/"  # the short links texts carry (services/text_links.py)


@dataclass(frozen=True)
class NoticeConfig:
    controller: str
    base_url: str
    zone: ZoneInfo


class MailNotices:
    """Renders and hands over messages; a failed hand-over is logged by the outbox, not raised."""

    def __init__(
        self, mailer: Mailer, sms: SmsSender | None, outbox: Outbox, config: NoticeConfig,
        templates: MailTemplates | None = None,
    ) -> None:  # fmt: skip
        self.mailer, self.sms, self.outbox = mailer, sms, outbox
        self.config = config
        self.templates = templates or MailTemplates()

    def url(self, path: str) -> str:
        """An absolute URL of the portal."""
        return self.config.base_url.rstrip("/") + path

    def when(self, at: datetime) -> str:
        """A time as people read it, in the controller's zone."""
        local = at.astimezone(self.config.zone)
        return f"{local:%Y-%m-%d %H:%M} ({self.config.zone.key})"

    def render(
        self, kind: str, language: str, to: str, request_id: str, **ctx: object
    ) -> MailMessage:
        return self.templates.render(
            kind, language, to, controller=self.config.controller, ref=reference(request_id), **ctx
        )

    def send(self, message: MailMessage, label: str) -> None:
        self.outbox.submit(lambda: self.mailer.send(message), label)

    def ready(
        self, to: str, language: str, request_id: str, token: str, expires: datetime,
        max_downloads: int,
    ) -> None:  # fmt: skip
        """The link to the download page and the "not my data" link; nothing else. Handed to
        the mail service before this returns: DeliveryError when it does not take it, since a
        link nobody received answers nobody."""
        message = self.render(
            "ready", language, to, request_id, link=self.url(f"/d/{token}"),
            not_mine_link=self.url(f"/d/{token}/not-mine"), expires=self.when(expires),
            max_downloads=max_downloads,
        )  # fmt: skip
        self.mailer.send(message)

    def download_code(
        self, channel: str, to: str, language: str, request_id: str, code: str | None,
        minutes: int, not_mine_path: str, link_path: str | None = None, link_hours: int = 24,
    ) -> None:  # fmt: skip
        """A download code and a link that confirms the download, by e-mail or text (`code`
        None: the link alone)."""
        if channel == "sms":
            self.text_code(to, language, code, minutes, f"download code {request_id}",
                           link_path, link_hours)  # fmt: skip
            return
        message = self.render(
            "download_code", language, to, request_id, code=code, minutes=minutes,
            not_mine_link=self.url(not_mine_path),
            link=self.url(link_path) if link_path else None, hours=link_hours,
        )  # fmt: skip
        self.send(message, f"download code {request_id}")

    def portal_code(
        self, channel: str, to: str, language: str, request_id: str, code: str | None,
        minutes: int, link_path: str | None = None, link_hours: int = 24,
    ) -> None:  # fmt: skip
        """A sign-in code and a sign-in link, by e-mail or text (`code` None: the link alone)."""
        if channel == "sms":
            self.text_code(to, language, code, minutes, f"portal code {request_id}",
                           link_path, link_hours)  # fmt: skip
            return
        link = self.url(link_path) if link_path else None
        message = self.render("portal_code", language, to, request_id, code=code,
                              minutes=minutes, link=link, hours=link_hours)  # fmt: skip
        self.send(message, f"portal code {request_id}")

    def check_channel(self, channel: str) -> None:
        """ConflictError for codes by SMS where no SMS gateway is configured (any more): a
        request verified by SMS alone cannot get one."""
        if channel == "sms" and self.sms is None:
            raise ConflictError(NO_TEXTS)

    def text_code(
        self, to: str, language: str, code: str | None, minutes: int, label: str,
        link_path: str | None = None, link_hours: int = 24,
    ) -> None:  # fmt: skip
        """A code by SMS (see `check_channel`) with the short form of the link of `link_path`,
        which outlives wrong guesses at the code; the link alone when `code` is None."""
        sender = self.sms
        if sender is None:
            raise ConflictError(NO_TEXTS)
        link = self.url(TEXT_LINKS + short_link_token(_token_of(link_path))) if link_path else None
        text = code_text(self.config.controller, language, code, minutes, link, link_hours)
        sms = SmsMessage(to=to, text=text)
        self.outbox.submit(lambda: sender.send(sms), label)

    def extension(self, to: str, language: str, request_id: str, notice: str) -> None:
        """The recorded extension notice (reason and new date) by e-mail."""
        message = self.render(
            "extension", language, to, request_id, notice=notice,
            portal_link=self.url(f"/portal/requests/{request_id}"),
        )  # fmt: skip
        self.send(message, f"extension {request_id}")

    def notice(
        self, to: str, language: str, request_id: str, kind: str, wording: str, *,
        again: bool = False, context: Mapping[str, object] | None = None,
    ) -> None:  # fmt: skip
        """A recorded notice on a request (extension, refusal, no data found) by e-mail, handed
        to the mail service before this returns: DeliveryError when it does not take it, so
        that the caller records that the requester was not told. `again`: an earlier copy may
        have arrived (its sender ended before recording it), and the mail says so first."""
        if kind == "not_mine_ack":
            self.mailer.send(self._not_mine_ack(to, language, request_id, again, context or {}))
            return
        if again:
            wording = f"{_again(language)}\n\n{wording}"
        template = "extension" if kind == "extension" else "decision"
        message = self.render(
            template, language, to, request_id, notice=wording, notice_kind=kind,
            portal_link=self.url(f"/portal/requests/{request_id}"),
        )  # fmt: skip
        self.mailer.send(message)

    def _not_mine_ack(
        self, to: str, language: str, request_id: str, again: bool, context: Mapping[str, object]
    ) -> MailMessage:
        """The acknowledgement of a "not my data" report, with the deletion confirmation link
        (`context`: incident_id, reported_at, confirm_path; services/not_mine.py)."""
        reported_at = context["reported_at"]
        assert isinstance(reported_at, datetime)
        return self.render(
            "not_mine_ack", language, to, request_id,
            incident_ref=incident_reference(str(context["incident_id"])),
            reported_at=self.when(reported_at), confirm_link=self.url(str(context["confirm_path"])),
            again=_again(language) if again else "",
        )  # fmt: skip

    def incident_notice(
        self, to: str, language: str, request_id: str, *, nature: str, consequences: str,
        measures: str, dpo_contact: str,
    ) -> None:  # fmt: skip
        """The Art. 34(2) communication to a subject (the incident issue drafts its words)."""
        message = self.render(
            "incident_notice", language, to, request_id, nature=nature,
            consequences=consequences, measures=measures, dpo_contact=dpo_contact,
        )  # fmt: skip
        self.send(message, f"incident notice {request_id}")


_AGAIN = {
    "en": "You may have received this message already; it is sent again because we could not "
    "confirm that it went out.",
    "de": "Möglicherweise haben Sie diese Nachricht schon erhalten; wir senden sie erneut, weil "
    "wir nicht feststellen konnten, dass sie versandt wurde.",
}


def _again(language: str) -> str:
    return _AGAIN.get(language, _AGAIN["en"])


def _token_of(link_path: str) -> str:
    """The `<id>.<secret>` token of a link's path (`...?token=`)."""
    return parse_qs(urlsplit(link_path).query)["token"][0]


CODE_TEXTS = {
    "en": {
        "code": "your code is {code}. It expires in {minutes} minutes. Never pass it on.",
        "code_and_link": "your code is {code} ({minutes} min); or open once within {hours} h: "
        "{link}",
        "link": "open once within {hours} h: {link}",
    },
    "de": {
        "code": "Ihr Code lautet {code}. Er verfällt in {minutes} Minuten. Geben Sie ihn nie "
        "weiter.",
        "code_and_link": "Ihr Code: {code} ({minutes} Min.), oder binnen {hours} Std. einmal "
        "öffnen: {link}",
        "link": "binnen {hours} Std. einmal öffnen: {link}",
    },
}


def code_text(
    controller: str, language: str, code: str | None, minutes: int, link: str | None,
    link_hours: int,
) -> str:  # fmt: skip
    """The words of a download or sign-in code's text: the code, its link, or both."""
    kind = "code" if link is None else "code_and_link" if code is not None else "link"
    words = CODE_TEXTS.get(language, CODE_TEXTS["en"])[kind]
    return f"{controller}: " + words.format(code=code, minutes=minutes, link=link, hours=link_hours)
