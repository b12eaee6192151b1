"""Outgoing messages to people (e-mail, SMS) and the ports that send them."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from rightful.domain.errors import RightfulError


class DeliveryError(RightfulError):
    """A message could not be handed to the mail or SMS service; says why, never to whom.
    `kind` names the failure without personal data (e.g. the SMTP error's class), so that an
    outbox can record it."""

    http_status = 503

    def __init__(self, message: str, kind: str = "refused") -> None:
        super().__init__(message)
        self.kind = kind


def recipient_id(address: str) -> str:
    """A short stable hash of an address, safe to log in its place."""
    return hashlib.sha256(address.encode()).hexdigest()[:8]


@dataclass(frozen=True)
class MailMessage:
    """One e-mail with a plain-text body and an HTML alternative; repr hides address and body."""

    to: str
    subject: str
    text: str
    html: str

    def __repr__(self) -> str:
        return f"MailMessage(to=***{recipient_id(self.to)}, subject={self.subject!r})"

    __str__ = __repr__


@dataclass(frozen=True)
class SmsMessage:
    """One text message; repr hides number and body."""

    to: str
    text: str

    def __repr__(self) -> str:
        return f"SmsMessage(to=***{recipient_id(self.to)})"

    __str__ = __repr__


class Mailer(Protocol):
    """Hands an e-mail to a mail service; returns when accepted, raises DeliveryError otherwise."""

    def send(self, message: MailMessage) -> None:
        """Send one message; the mailer opens and closes its own connections."""
        ...


class SmsSender(Protocol):
    """Hands a text message to an SMS gateway; raises DeliveryError when it is refused."""

    def send(self, message: SmsMessage) -> None:
        """Send one message."""
        ...


class Outbox(Protocol):
    """Runs deliveries. A failed delivery is logged under `label` (an id), never raised: the
    caller's answer must not depend on whether or how a message went out."""

    def submit(self, job: Callable[[], None], label: str) -> None:
        """Run `job` now or later."""
        ...
