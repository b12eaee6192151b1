"""Answering a challenge: a code guessed or a link followed. A right answer records the factor
it proves; a wrong code costs one of the challenge's attempts, a link none."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from rightful.adapters.db import verification_repo as repo
from rightful.adapters.db.base import Store
from rightful.adapters.db.verification import ChallengeRow
from rightful.domain.clock import Clock
from rightful.domain.errors import InvalidInputError, NotFoundError, RightfulError
from rightful.domain.identities import Identity, IdentityType
from rightful.domain.staff import requester
from rightful.domain.verification import (
    ChallengeState,
    Channel,
    CodeLockedError,
    CodeUsedError,
    Factor,
    WrongCodeError,
    attempts_left,
    check_link_usable,
    check_usable,
    digests_match,
    secret_digest,
)
from rightful.services.audit import AuditService
from rightful.services.identity_set import Proof, record_proof

NO_CODE_IN_MAIL = "this request was sent all its codes; open the link in the newest message we sent"
NO_SUCH_LINK = "this link is not valid; copy the whole link from the message"


class ChallengeAnswers:
    """Checks codes and links against the stored challenges; each returns the request proven."""

    def __init__(self, store: Store, clock: Clock, audit: AuditService, key: bytes) -> None:
        self.store, self.clock, self.audit, self.key = store, clock, audit, key

    def code(self, request_id: str, challenge_id: str, code: str, *, discreet: bool) -> str:
        """Check a (cleaned) code of `request_id`; WrongCodeError tells the attempts left,
        CodeLockedError ends the code."""
        return self._answer(challenge_id, "code", code, request_id, discreet)

    def link(self, token: str) -> str:
        """Check a link token of the form <challenge id>.<secret>."""
        cid, _, secret = token.strip().partition(".")
        if len(cid) != 32 or not secret or not all(c in "0123456789abcdef" for c in cid):
            raise InvalidInputError("this link is incomplete; copy the whole link from the message")
        return self._answer(cid, "link", secret, None)

    def _answer(
        self, cid: str, kind: str, secret: str, request_id: str | None, discreet: bool = False
    ) -> str:
        with self.store.transaction() as session:
            challenge = session.get(ChallengeRow, cid)
            if (
                challenge is None
                or request_id not in (None, challenge.request_id)
                or (kind == "link" and challenge.link_hash is None)
            ):
                raise NotFoundError("no such code for this request")
            failure = self._guess(session, challenge, kind, secret, discreet)
            proven = challenge.request_id
        if failure is not None:
            raise failure
        return proven

    def _guess(
        self, session: Session, ch: ChallengeRow, kind: str, secret: str, discreet: bool
    ) -> RightfulError | None:
        now = self.clock.now()
        if kind == "link":
            return self._follow(session, ch, secret, now)
        unused = ch.used_at is None or discreet  # as far as the answer may tell
        if not ch.max_attempts and unused:  # a mail with a link only
            return CodeLockedError(NO_CODE_IN_MAIL)
        check_usable(_state(ch, discreet), now)
        if not repo.reserve_attempt(session, ch.id, counting_used=discreet):
            session.refresh(ch)
            check_usable(_state(ch, discreet), now)
            raise CodeLockedError("too many wrong attempts; this code is locked")
        session.refresh(ch)
        presented = secret_digest(self.key, ch.id, kind, secret)
        if ch.used_at is None and digests_match(ch.code_hash, presented) and ch.on_file:
            factor = _factor(Channel(ch.channel), kind)
            ch.used_at, ch.used_factor = now, factor.value
            self._prove(session, ch, factor, now)
            return None
        return self._reject(session, ch, now)

    def _follow(
        self, session: Session, ch: ChallengeRow, secret: str, now: datetime
    ) -> RightfulError | None:
        """A link is no guess (its secret has 128 bits): it costs no attempt, and wrong codes,
        which lock the code (anyone who asked for it knows its challenge id), leave it working
        until it is used or expires."""
        presented = secret_digest(self.key, ch.id, "link", secret)
        if not digests_match(ch.link_hash or "", presented) or not ch.on_file:
            return NotFoundError(NO_SUCH_LINK)  # before "used": only the mail's reader learns it
        check_link_usable(_state(ch), now)
        factor = _factor(Channel(ch.channel), "link")
        if not repo.claim(session, ch.id, now, factor.value):
            return CodeUsedError("this link was used already; each link works once")
        self._prove(session, ch, factor, now)
        return None

    def _prove(self, session: Session, ch: ChallengeRow, factor: Factor, now: datetime) -> None:
        identity = Identity(IdentityType(ch.identity_type), ch.identity_value)
        record_proof(
            session,
            self.audit,
            ch.request_id,
            Proof(identity, factor, ch.id, now),
            requester(ch.request_id),
        )

    def _reject(self, session: Session, ch: ChallengeRow, now: datetime) -> RightfulError:
        who = requester(ch.request_id)
        left = attempts_left(_state(ch))
        if left == 0:
            ch.locked_at = now
            self.audit.record(
                session,
                who.id,
                who.role_name,
                "verification.locked_out",
                ch.request_id,
                challenge_id=ch.id,
                attempts=ch.attempts,
            )
            return CodeLockedError(
                "too many wrong attempts; this code is locked. Ask for a new code."
            )
        self.audit.record(
            session,
            who.id,
            who.role_name,
            "verification.code_rejected",
            ch.request_id,
            challenge_id=ch.id,
            attempts_left=left,
        )
        return WrongCodeError(left)


def _state(ch: ChallengeRow, hide_use: bool = False) -> ChallengeState:
    """What decides whether the challenge takes a guess; with `hide_use`, as if never used."""
    used_at = None if hide_use else ch.used_at
    return ChallengeState(
        ch.expires_at, ch.attempts, ch.max_attempts, used_at, ch.locked_at, ch.superseded_at,
        ch.link_expires_at,
    )  # fmt: skip


def _factor(channel: Channel, kind: str) -> Factor:
    if channel is Channel.SMS:
        return Factor.SMS_LINK if kind == "link" else Factor.SMS_CODE
    return Factor.EMAIL_LINK if kind == "link" else Factor.EMAIL_CODE
