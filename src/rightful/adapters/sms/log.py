"""The demo's SMS sender: logs that a message went out (by hashed number) and keeps the last few."""

from __future__ import annotations

import logging
import threading
from collections import deque

from rightful.domain.messaging import SmsMessage, recipient_id

log = logging.getLogger("rightful.sms")


class LoggingSmsSender:
    """Sends nothing: the log names only a hash of the number; recent messages stay in memory
    so that the demo page can show them."""

    def __init__(self, keep: int = 50) -> None:
        self._recent: deque[SmsMessage] = deque(maxlen=keep)
        self._lock = threading.Lock()

    def send(self, message: SmsMessage) -> None:
        with self._lock:
            self._recent.append(message)
        log.info(
            "sms handed over for phone ***%s (%d characters)",
            recipient_id(message.to),
            len(message.text),
        )

    def recent(self) -> list[SmsMessage]:
        """The last messages, newest first."""
        with self._lock:
            return list(reversed(self._recent))
