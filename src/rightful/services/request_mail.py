"""Mailing what a request's notices say (extension, refusal, no data found) to the requester,
once the transaction that recorded them has committed."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Final

from sqlalchemy import event
from sqlalchemy.orm import Session

from rightful.adapters.db.tables import RequestRow
from rightful.services.delivery import verified_channel
from rightful.services.notices import MailNotices

log = logging.getLogger("rightful.requests")
# These are decisions the requester must be told of (Art. 12(3), 12(4)).
MAILED: Final = frozenset({
    "extension", "refusal", "no_data", "expiry", "erasure", "action_taken", "restriction",
    "restriction_lifting", "rectification",
})  # fmt: skip
# The acknowledgement is answered on the channel the request came in by (the portal page, the
# API response); a request staff entered (a letter, a call) or another system handed over has
# no such channel, so its receipt is confirmed by mail (CCPA §7021(a): within 10 business days).
ACKNOWLEDGED_BY_MAIL: Final = frozenset({"staff", "opendsr"})


class RequestNoticeMail:
    """Sends a recorded notice to the address the requester proved, else the one they gave."""

    def __init__(self, notices: Callable[[], MailNotices]) -> None:
        self._notices = notices

    def after_commit(self, session: Session, row: RequestRow, kind: str, wording: str) -> None:
        """Mail the notice when `session` commits; nothing is sent if it rolls back."""
        acknowledged = kind == "acknowledgement" and row.channel in ACKNOWLEDGED_BY_MAIL
        if kind not in MAILED and not acknowledged:
            return
        channel = verified_channel(session, row.id)
        to = channel.address if channel and channel.channel == "email" else row.requester_email
        if to is None:
            log.info(
                "request %s: no e-mail address for its %s notice; tell them by phone", row.id, kind
            )
            return
        request_id, language = row.id, row.language

        def send(_: Session) -> None:
            self._notices().notice(to, language, request_id, kind, wording)

        event.listen(session, "after_commit", send, once=True)
