"""One-time codes of delivery (to open a download, to sign in to the portal again), sent only
to a request's verified channel, under the same rules as verification codes: HMAC-stored,
single-use, expiring, at most N guesses, rate-limited."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from rightful.adapters.db.delivery import DeliveryCodeRow
from rightful.domain.clock import Clock
from rightful.domain.errors import NotFoundError
from rightful.domain.verification import (
    ChallengeState,
    CodeLockedError,
    CodePolicy,
    ResendTooSoonError,
    TooManyChallengesError,
    WrongCodeError,
    attempts_left,
    check_usable,
    clean_code,
    digests_match,
    new_code,
    resend_wait,
    secret_digest,
)


@dataclass(frozen=True)
class SentCode:
    row: DeliveryCodeRow
    code: str  # to be sent, never stored
    minutes: int


class CodeBook:
    """Issues and redeems delivery codes inside the caller's transaction."""

    def __init__(self, clock: Clock, policy: CodePolicy, key: bytes) -> None:
        self.clock, self.policy, self.key = clock, policy, key

    def issue(
        self, session: Session, request_id: str, purpose: str, channel: str,
        link_id: str | None = None,
    ) -> SentCode:  # fmt: skip
        """A new code (older open ones of the same purpose are superseded)."""
        now = self.clock.now()
        earlier = self._codes(session, request_id, purpose, link_id)
        if len(earlier) >= self.policy.max_challenges_per_request:
            raise TooManyChallengesError("too many codes were sent; contact us for help")
        wait = resend_wait(max((c.created_at for c in earlier), default=None), now, self.policy)
        if wait:
            raise ResendTooSoonError(wait)
        for older in earlier:
            if older.used_at is None and older.superseded_at is None:
                older.superseded_at = now
        code, cid = new_code(self.policy), secrets.token_hex(16)
        row = DeliveryCodeRow(
            id=cid, request_id=request_id, link_id=link_id, purpose=purpose, channel=channel,
            code_hash=secret_digest(self.key, cid, purpose, code), created_at=now,
            expires_at=now + self.policy.ttl, attempts=0, max_attempts=self.policy.max_attempts,
        )  # fmt: skip
        session.add(row)
        session.flush()
        return SentCode(row, code, int(self.policy.ttl.total_seconds() // 60))

    def redeem(
        self, session: Session, request_id: str, purpose: str, code: str,
        link_id: str | None = None,
    ) -> DeliveryCodeRow:  # fmt: skip
        """The code row a correct guess used up; WrongCodeError, CodeLockedError,
        CodeExpiredError or CodeUsedError otherwise (the guess is counted either way)."""
        cleaned = clean_code(code, self.policy)
        current = self._current(session, request_id, purpose, link_id)
        now = self.clock.now()
        check_usable(_state(current), now)
        if not self._reserve(session, current.id):
            raise CodeLockedError("too many wrong attempts; ask for a new code")
        session.refresh(current)
        if digests_match(current.code_hash, secret_digest(self.key, current.id, purpose, cleaned)):
            current.used_at = now
            return current
        left = attempts_left(_state(current))
        if left == 0:
            current.locked_at = now
            raise CodeLockedError("too many wrong attempts; this code is locked, ask for a new one")
        raise WrongCodeError(left)

    def _current(
        self, session: Session, request_id: str, purpose: str, link_id: str | None
    ) -> DeliveryCodeRow:
        codes = self._codes(session, request_id, purpose, link_id)
        if not codes:
            raise NotFoundError("no code was sent yet; ask for one")
        live = [c for c in codes if c.superseded_at is None and c.used_at is None]
        return (live or codes)[-1]

    def _codes(
        self, session: Session, request_id: str, purpose: str, link_id: str | None
    ) -> list[DeliveryCodeRow]:
        query = select(DeliveryCodeRow).where(
            DeliveryCodeRow.request_id == request_id, DeliveryCodeRow.purpose == purpose
        )
        if link_id is not None:
            query = query.where(DeliveryCodeRow.link_id == link_id)
        return list(session.scalars(query.order_by(DeliveryCodeRow.created_at,
                                                   DeliveryCodeRow.id)))  # fmt: skip

    def _reserve(self, session: Session, code_id: str) -> bool:
        result = session.execute(
            update(DeliveryCodeRow)
            .where(DeliveryCodeRow.id == code_id,
                   DeliveryCodeRow.attempts < DeliveryCodeRow.max_attempts,
                   DeliveryCodeRow.used_at.is_(None), DeliveryCodeRow.locked_at.is_(None))
            .values(attempts=DeliveryCodeRow.attempts + 1)
            .execution_options(synchronize_session=False)
        )  # fmt: skip
        return bool(getattr(result, "rowcount", 0) == 1)


def _state(row: DeliveryCodeRow) -> ChallengeState:
    return ChallengeState(row.expires_at, row.attempts, row.max_attempts, row.used_at,
                          row.locked_at, row.superseded_at)  # fmt: skip
