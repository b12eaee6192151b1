"""One-time codes of delivery (to open a download, to sign in to the portal again), sent only
to a request's verified channel, under the same rules as verification codes: HMAC-stored,
single-use, expiring, at most N guesses each, at most `max_challenges_per_request` in any
`window`.

A new code leaves earlier unexpired ones working, each with its own attempts: whoever holds a
request id (it is no secret) could otherwise void the requester's code by asking for another.
A guess is tried against every code that still works and costs each of them one attempt, so
that the codes of any window allow at most `CodePolicy.most_guesses` guesses in all
(`max_challenges_per_request` times `max_attempts`), however many of them are live at once."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from rightful.adapters.db.delivery import DeliveryCodeRow
from rightful.domain.clock import Clock
from rightful.domain.errors import NotFoundError, RightfulError
from rightful.domain.key_ring import KeyRing
from rightful.domain.verification import (
    ChallengeState,
    CodeExpiredError,
    CodeLockedError,
    CodePolicy,
    CodeUsedError,
    ResendTooSoonError,
    TooManyChallengesError,
    WrongCodeError,
    attempts_left,
    check_link_usable,
    check_usable,
    clean_code,
    digests_match,
    digits_left,
    fills_window,
    new_code,
    new_link_secret,
    resend_wait,
    secret_digest,
    window_wait,
)

DECOY = "none"  # the channel of a code that goes nowhere and never matches
_LINK = "link"  # what a link's digest is bound to, beside its code id
CAPPED = (
    "this request was sent as many codes as it may have in {hours} hours; a code we sent in "
    "the last {minutes} minutes still works, or ask again later"
)
NO_SUCH_LINK = "this link is not valid; copy the whole link from the message"
LINK_ONLY = (
    "the mails for this now carry a link instead of a code: open the link in the newest mail"
)


class CodeWindowFullError(TooManyChallengesError):
    """As many codes went out as the window allows; those sent in the last minutes still work
    (and the links of the mails sent in the window, where the mails carry one)."""

    def __init__(self, message: str, retry_after: int, minutes: int) -> None:
        super().__init__(message, retry_after)
        self.minutes = minutes


class DigitsUsedUpError(CodeExpiredError):
    """No code takes a guess and the newest mail carried only its link (the codes with digits
    are used up): nothing was guessed wrong, the reader should open the link."""


@dataclass(frozen=True)
class SentCode:
    row: DeliveryCodeRow
    code: str | None  # to be sent, never stored; None once the codes with digits are used up
    minutes: int
    cap_reached: bool = False  # the last code the window allows: audit it (ids and counts)
    link: str | None = None  # `<code id>.<secret>` for the mail's link, never stored
    last_with_digits: bool = False  # later mails carry only the link: audit it (counts)

    @property
    def decoy(self) -> bool:
        return self.row.channel == DECOY


class CodeBook:
    """Issues and redeems delivery codes inside the caller's transaction."""

    def __init__(self, clock: Clock, policy: CodePolicy, keys: KeyRing) -> None:
        # Codes are stored under the current key; one stored under a previous key still works.
        self.clock, self.policy, self.keys = clock, policy, keys

    def issue(
        self, session: Session, request_id: str, purpose: str, channel: str,
        link_id: str | None = None, *, with_link: bool = False,
    ) -> SentCode:  # fmt: skip
        """A new code; earlier unexpired ones keep working. ResendTooSoonError within the
        resend interval, TooManyChallengesError (with `retry_after`) past the window's cap.
        A `DECOY` channel stores a code that never matches, under the same limits, for a
        request with nowhere to send one: the answer must not tell it from one that has.
        `with_link`: the mail also carries a link that works for the window; and only the
        first `max_challenges_per_request` of these codes in the life of the request (of the
        download link, with `link_id`) carry digits, later mails only the link, so that
        guesses stay bounded for good."""
        now, policy = self.clock.now(), self.policy
        earlier = self._codes(session, request_id, purpose, link_id)
        self.admit([c.created_at for c in earlier])
        code, cid, secret = new_code(policy), secrets.token_hex(16), new_link_secret(policy)
        digits = channel != DECOY and not (with_link and self._digits_used_up(earlier))
        row = DeliveryCodeRow(
            id=cid, request_id=request_id, link_id=link_id, purpose=purpose, channel=channel,
            code_hash=secret_digest(self.keys.current, cid, purpose, code if digits else secret),
            created_at=now, expires_at=now + policy.ttl, attempts=0,
            max_attempts=policy.max_attempts if digits else 0,
            link_hash=secret_digest(self.keys.current, cid, _LINK, secret) if with_link else None,
            link_expires_at=now + policy.window if with_link else None,
        )  # fmt: skip
        session.add(row)
        session.flush()
        capped = fills_window([c.created_at for c in earlier], now, policy)
        link = f"{cid}.{secret}" if with_link else None
        last = with_link and digits and self._digits_used_up([*earlier, row])
        return SentCode(row, code if digits else None, self.minutes, capped, link, last)

    def admit(self, sent: list[datetime]) -> None:
        """Pass when another code may go out now after codes sent at `sent`;
        CodeWindowFullError (with `retry_after`) past the window's cap, ResendTooSoonError
        within the resend interval. Asks that store no code (a request id no request has) go
        through it too, so that they are answered as a decoy is."""
        now, policy = self.clock.now(), self.policy
        wait = window_wait(sent, now, policy)
        if wait:
            text = CAPPED.format(hours=policy.window_hours, minutes=self.minutes)
            raise CodeWindowFullError(text, wait, self.minutes)
        wait = resend_wait(max(sent, default=None), now, policy)
        if wait:
            raise ResendTooSoonError(wait)

    def sent_in_window(self, session: Session, request_id: str, purpose: str) -> int:
        """Codes (not decoys) that went out for `purpose` in the window up to now."""
        since = self.clock.now() - self.policy.window
        codes = self._codes(session, request_id, purpose, None)
        return sum(1 for c in codes if c.channel != DECOY and c.created_at > since)

    def _digits_used_up(self, earlier: list[DeliveryCodeRow]) -> bool:
        with_digits = sum(1 for c in earlier if c.channel != DECOY and c.max_attempts > 0)
        return not digits_left(with_digits, self.policy)

    def redeem_link(
        self, session: Session, request_id: str, purpose: str, token: str,
        link_id: str | None = None,
    ) -> DeliveryCodeRow:  # fmt: skip
        """The code row whose mail's link this is, used up (its code with it); NotFoundError
        for anything that is not a link of this request (and download link, when given),
        CodeUsedError or CodeExpiredError for one used already or past `link_expires_at`. A
        link is no guess: it costs nothing."""
        row = self._link_of(session, request_id, purpose, token, link_id)
        cid, now = row.id, self.clock.now()
        check_link_usable(_state(row), now)
        used = session.execute(
            update(DeliveryCodeRow)
            .where(DeliveryCodeRow.id == cid, DeliveryCodeRow.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )  # fmt: skip
        if getattr(used, "rowcount", 0) != 1:
            raise CodeUsedError("this link was used already; each link works once")
        session.refresh(row)
        return row

    @property
    def minutes(self) -> int:
        return self.policy.ttl_minutes

    def redeem(
        self, session: Session, request_id: str, purpose: str, code: str,
        link_id: str | None = None,
    ) -> DeliveryCodeRow:  # fmt: skip
        """The code row a correct guess used up; otherwise WrongCodeError (while some code
        still works), else the newest code's own error: CodeLockedError, CodeExpiredError,
        CodeUsedError, NotFoundError when none was sent. A guess costs every live code one
        attempt."""
        cleaned = clean_code(code, self.policy)
        now = self.clock.now()
        codes = self._codes(session, request_id, purpose, link_id)
        live = [c for c in codes if _works(c, now)]
        if not live:
            raise _why_not(codes, now)
        for row in live:
            if not self._reserve(session, row.id):
                continue
            session.refresh(row)
            if stored_under(self.keys, row.code_hash, row.id, purpose, cleaned):
                row.used_at = now
                return row
            if attempts_left(_state(row)) == 0:
                row.locked_at = now
        left = max((attempts_left(_state(c)) for c in live if c.locked_at is None), default=0)
        if left == 0:
            raise CodeLockedError("too many wrong attempts; this code is locked, ask for a new one")
        raise WrongCodeError(left)

    def _link_of(
        self, session: Session, request_id: str, purpose: str, token: str, link_id: str | None
    ) -> DeliveryCodeRow:
        cid, _, secret = token.strip().partition(".")
        row = session.get(DeliveryCodeRow, cid) if cid and secret and len(cid) <= 32 else None
        if row is None or row.link_hash is None or (row.request_id, row.purpose) != (
            request_id, purpose,
        ) or (link_id is not None and row.link_id != link_id):  # fmt: skip
            raise NotFoundError(NO_SUCH_LINK)
        if not stored_under(self.keys, row.link_hash, cid, _LINK, secret):
            raise NotFoundError(NO_SUCH_LINK)
        return row

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


def stored_under(keys: KeyRing, stored: str, code_id: str, kind: str, secret: str) -> bool:
    """Whether `stored` is the digest of `secret` under any key of the ring."""
    return any(digests_match(stored, secret_digest(k, code_id, kind, secret)) for k in keys.all)


def _works(row: DeliveryCodeRow, now: datetime) -> bool:
    """Whether a code (not a decoy) still takes a guess."""
    try:
        check_usable(_state(row), now)
    except RightfulError:
        return False
    return row.channel != DECOY


def _why_not(codes: list[DeliveryCodeRow], now: datetime) -> RightfulError:
    """Why no code takes a guess: the newest real code's own reason."""
    real = [c for c in codes if c.channel != DECOY]
    if not real:
        return NotFoundError("no code was sent yet; ask for one")
    if real[-1].max_attempts == 0 and real[-1].link_hash is not None:
        return DigitsUsedUpError(LINK_ONLY)
    try:
        check_usable(_state(real[-1]), now)
    except RightfulError as reason:
        return reason
    return CodeLockedError("too many wrong attempts; this code is locked, ask for a new one")


def _state(row: DeliveryCodeRow) -> ChallengeState:
    return ChallengeState(row.expires_at, row.attempts, row.max_attempts, row.used_at,
                          row.locked_at, row.superseded_at, row.link_expires_at)  # fmt: skip
