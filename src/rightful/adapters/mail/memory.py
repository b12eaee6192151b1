"""An in-memory mailer: keeps every message in an outbox (unit tests, demo without SMTP)."""

from __future__ import annotations

import threading

from rightful.domain.messaging import DeliveryError, MailMessage


class MemoryMailer:
    """Collects messages instead of sending them; can be told to fail, to test failure paths."""

    def __init__(self) -> None:
        self._outbox: list[MailMessage] = []
        self._lock = threading.Lock()
        self.fail_with: str | None = None

    def send(self, message: MailMessage) -> None:
        if self.fail_with is not None:
            raise DeliveryError(self.fail_with)
        with self._lock:
            self._outbox.append(message)

    @property
    def outbox(self) -> list[MailMessage]:
        """A copy of the messages sent so far, oldest first."""
        with self._lock:
            return list(self._outbox)

    def to(self, address: str) -> list[MailMessage]:
        """Messages sent to one address, oldest first."""
        return [m for m in self.outbox if m.to == address]

    def clear(self) -> None:
        with self._lock:
            self._outbox.clear()
