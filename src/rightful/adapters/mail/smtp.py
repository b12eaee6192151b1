"""Send e-mail over SMTP (plain, STARTTLS or implicit TLS, optional login) with the stdlib."""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Literal

from rightful.domain.messaging import DeliveryError, MailMessage, recipient_id

log = logging.getLogger("rightful.mail")

Security = Literal["none", "starttls", "tls"]


class SmtpMailer:
    """One connection per message: simple, and nothing stays open between verifications."""

    def __init__(
        self,
        host: str,
        port: int,
        from_address: str,
        *,
        security: Security = "starttls",
        username: str | None = None,
        password: str | None = None,
        ca_file: Path | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.host, self.port, self.from_address = host, port, from_address
        self.security = security
        self.username, self._password = username, password
        self.ca_file = ca_file
        self.timeout = timeout

    def send(self, message: MailMessage) -> None:
        """Hand `message` over; DeliveryError unless the relay accepted it. Once the relay has
        accepted the message it is sent: a failure to say goodbye (QUIT) changes nothing, or a
        notice recorded as refused would be sent again, and a link undone that went out."""
        email = self.compose(message)
        accepted = False
        try:
            with self._connect() as smtp:
                if self.username:
                    smtp.login(self.username, self._password or "")
                smtp.send_message(email)
                accepted = True
        except (OSError, smtplib.SMTPException) as exc:
            if accepted:
                log.info("mail to ***%s accepted by %s:%d; closing failed (%s)",
                         recipient_id(message.to), self.host, self.port,
                         type(exc).__name__)  # fmt: skip
                return
            reason = type(exc).__name__
            log.warning(
                "mail to ***%s not accepted by %s:%d (%s)",
                recipient_id(message.to),
                self.host,
                self.port,
                reason,
            )
            raise DeliveryError(
                f"the mail server did not accept the message ({reason})", kind=reason
            ) from None

    def compose(self, message: MailMessage) -> EmailMessage:
        """The MIME message: plain text first, HTML as the alternative."""
        email = EmailMessage()
        email["From"] = self.from_address
        email["To"] = message.to
        email["Subject"] = message.subject
        email["Date"] = formatdate(localtime=False, usegmt=True)
        email["Message-ID"] = make_msgid(domain=self.from_address.rpartition("@")[2] or None)
        email.set_content(message.text)
        email.add_alternative(message.html, subtype="html")
        return email

    def _connect(self) -> smtplib.SMTP:
        if self.security == "tls":
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self._tls_context()
            )
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.security == "starttls":
            try:
                smtp.starttls(context=self._tls_context())
            except BaseException:
                smtp.close()
                raise
        return smtp

    def _tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)
