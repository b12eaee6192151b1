"""A local SMTP server that keeps what it receives in memory: the inbox of the demo and tests."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from rightful.domain.messaging import recipient_id


@dataclass(frozen=True)
class ReceivedMail:
    """One message as the sink received it; repr hides the addresses."""

    mail_from: str
    to: tuple[str, ...]
    subject: str
    text: str
    html: str
    received_at: datetime

    def __repr__(self) -> str:
        hidden = ", ".join(f"***{recipient_id(a)}" for a in self.to)
        return f"ReceivedMail(to=[{hidden}], subject={self.subject!r})"


class _Collect:
    """aiosmtpd handler: parse each message and hand it to the sink."""

    def __init__(self, sink: MailSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        if self.sink.refusing:
            return "554 5.7.1 Message refused by policy"
        raw = envelope.original_content or envelope.content or b""
        parsed = message_from_bytes(
            raw if isinstance(raw, bytes) else raw.encode(), policy=policy.default
        )
        self.sink.keep(_received(envelope, parsed))
        return "250 Message accepted for delivery"


def _received(envelope: Envelope, parsed: Any) -> ReceivedMail:
    assert isinstance(parsed, EmailMessage)
    text = parsed.get_body(preferencelist=("plain",))
    html = parsed.get_body(preferencelist=("html",))
    return ReceivedMail(
        mail_from=envelope.mail_from or "",
        to=tuple(envelope.rcpt_tos),
        subject=str(parsed.get("Subject", "")),
        text=text.get_content() if text is not None else "",
        html=html.get_content() if html is not None else "",
        received_at=datetime.now(UTC),
    )


class MailSink:
    """An in-process SMTP server on loopback. `port=0` picks a free port. While `refusing`, it
    answers every message with a permanent refusal, as a relay that will not take it does."""

    refusing: bool = False

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 8025,
        *,
        keep: int = 200,
        tls_context: ssl.SSLContext | None = None,
        implicit_tls: ssl.SSLContext | None = None,
        credentials: tuple[str, str] | None = None,
    ) -> None:
        self.host = host
        self.port = port or free_port(host)
        self._messages: deque[ReceivedMail] = deque(maxlen=keep)
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._controller = Controller(
            _Collect(self),
            hostname=host,
            port=self.port,
            ssl_context=implicit_tls,
            **_smtp_options(tls_context, credentials),
        )
        self.running = False

    def start(self) -> MailSink:
        self._controller.start()
        self.running = True
        return self

    def stop(self) -> None:
        if self.running:
            self._controller.stop()
            self.running = False

    def __enter__(self) -> MailSink:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def keep(self, mail: ReceivedMail) -> None:
        with self._arrived:
            self._messages.append(mail)
            self._arrived.notify_all()

    def messages(self) -> list[ReceivedMail]:
        """Everything received so far, newest first."""
        with self._lock:
            return list(reversed(self._messages))

    def wait_for(self, to: str, count: int = 1, timeout: float = 5.0) -> list[ReceivedMail]:
        """Block until `count` messages for `to` arrived (newest first); TimeoutError if not."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                found = [m for m in reversed(self._messages) if to in m.to]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(found)} of {count} message(s) arrived in time")
                self._arrived.wait(left)


def _smtp_options(
    tls_context: ssl.SSLContext | None, credentials: tuple[str, str] | None
) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if tls_context is not None:
        options.update(tls_context=tls_context, require_starttls=True)
    if credentials is not None:
        options.update(authenticator=_Authenticator(*credentials), auth_required=True)
    return options


class _Authenticator:
    """Accepts exactly one user name and password (tests of SMTP AUTH)."""

    def __init__(self, username: str, password: str) -> None:
        self._expected = (username.encode(), password.encode())

    def __call__(
        self, server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == self._expected
        return AuthResult(success=ok, handled=False)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
