"""Proving who the requester is: one-time codes by e-mail and SMS (where a gateway is
configured), links, signed-in accounts.

Codes go only to contact details on file for a subject. Every challenge is stored as a decoy
that can never succeed and answered at once; the outbox then looks the detail up in the estate
and, only if it is on file, marks the challenge real and sends the code. The answer, and its
timing, are therefore the same whether or not the estate knows the detail: no oracle.

Sending challenges lives here; answering them in verification_answers.py, signed-in accounts in
verification_accounts.py, and where a request stands in verification_progress.py.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from sqlalchemy.orm import Session

from rightful.adapters.db import verification_repo as repo
from rightful.adapters.db.base import Store
from rightful.adapters.db.tables import RequestRow
from rightful.adapters.db.verification import ChallengeRow
from rightful.domain.clock import Clock
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.errors import (
    ConflictError,
    InvalidInputError,
)
from rightful.domain.identities import Identity, IdentityPolicy, IdentityType
from rightful.domain.lifecycle import OPEN, Status
from rightful.domain.messaging import Mailer, Outbox, SmsSender
from rightful.domain.requests import RequestType
from rightful.domain.staff import SYSTEM
from rightful.domain.verification import (
    CHANNEL_IDENTITY,
    STEP_UP,
    VERIFY,
    AccountAssertionChecker,
    Assurance,
    Channel,
    CodePolicy,
    Factor,
    NoContactError,
    ResendTooSoonError,
    TooManyChallengesError,
    clean_code,
    digits_left,
    fills_window,
    needs_verification,
    new_code,
    new_link_secret,
    resend_wait,
    secret_digest,
    short_link_token,
    window_wait,
)
from rightful.services import verification_mail as words
from rightful.services.audit import AuditService
from rightful.services.deletions import DeletionProof
from rightful.services.deletions import applies as deletion_applies
from rightful.services.identity_set import (
    Settlement,
    load_request,
    may_bind,
)
from rightful.services.requests import RequestService
from rightful.services.subjects import SubjectService
from rightful.services.verification_accounts import AccountProofs
from rightful.services.verification_answers import ChallengeAnswers
from rightful.services.verification_progress import Progress, VerificationStanding

SENT_MESSAGE = (
    "If this contact detail is on file with us, a code is on its way to it. Codes expire after "
    "{minutes} minutes."
)
NO_PROOF_NEEDED = (
    "a CCPA opt-out or limit request needs no proof of identity; it is acted on as it is"
)
NO_SMS = "SMS codes are not available here; use e-mail, or another option offered for this request"
CAPPED = (
    "this request was sent as many codes as it may have in {hours} hours; open the link in the "
    "newest message we sent, or ask again later"
)


@dataclass(frozen=True)
class VerificationConfig:
    """Everything the service needs to know that is not a collaborator."""

    key: bytes
    policy: CodePolicy
    identities: IdentityPolicy
    required: Assurance
    link_base: str  # public URL of the link page, e.g. https://dsr.example.com/verify/link
    text_link_base: str  # of the short links texts carry, e.g. https://dsr.example.com/t/
    controller: str = "rightful"
    account_identity: IdentityType = IdentityType.ACCOUNT_ID


@dataclass(frozen=True)
class StartReceipt:
    """The answer to "send me a code": the same whether or not the detail is on file."""

    challenge_id: str
    channel: Channel
    expires_at: datetime
    message: str


@dataclass(frozen=True)
class _Target:
    identity: Identity
    language: str
    request_type: str = "access"
    more_proof: bool = False  # a CCPA deletion may ask for more proof after this code


class VerificationService:
    """Challenges, their answers and account assertions; resolution is left to SubjectService."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        audit: AuditService,
        requests: RequestService,
        subjects: SubjectService,
        config: VerificationConfig,
        *,
        mailer: Mailer,
        sms: SmsSender | None,
        outbox: Outbox,
        assertions: AccountAssertionChecker | None = None,
        deletions: DeletionProof | None = None,
    ) -> None:
        self.store, self.clock, self.audit = store, clock, audit
        self.deletions = deletions
        self.requests, self.subjects, self.config = requests, subjects, config
        self.mailer, self.sms, self.outbox = mailer, sms, outbox
        self.accounts = (
            AccountProofs(
                store,
                clock,
                audit,
                subjects,
                assertions,
                config.identities,
                config.account_identity,
            )
            if assertions is not None
            else None
        )
        self.answers = ChallengeAnswers(store, clock, audit, config.key)
        offered = (Factor.EMAIL_CODE, *((Factor.SMS_CODE,) if sms else ()),
                   *((Factor.ACCOUNT_ASSERTION,) if self.accounts else ()))  # fmt: skip
        self.standing = VerificationStanding(
            store, clock, subjects, config.required, offered, deletions
        )

    # --- sending codes ---------------------------------------------------------------------

    def start(self, request_id: str, channel: Channel, address: str | None = None) -> StartReceipt:
        """Send a code and a link to the request's own contact detail when one is
        due and the detail is on file. Answered alike whether or not a code is due: the stage
        of a request is none of the business of whoever holds its id."""
        return self._challenge(request_id, channel, address, VERIFY)

    def start_first(self, request_id: str) -> StartReceipt:
        """Send a new request's first code by e-mail; ConflictError once a code was asked for
        it, so that of two asking at once (a form sent twice) one asks, even where codes may
        be sent again at once."""
        return self._challenge(request_id, Channel.EMAIL, None, VERIFY, first=True)

    def step_up(
        self, request_id: str, channel: Channel, address: str | None = None
    ) -> StartReceipt:
        """Send a second, independent code to a contact detail on file for the bound subject
        (for the requester signed in for the request: its errors tell the stage)."""
        return self._challenge(request_id, channel, address, STEP_UP)

    def _challenge(
        self, request_id: str, channel: Channel, address: str | None, purpose: str,
        *, first: bool = False,
    ) -> StartReceipt:  # fmt: skip
        if channel is Channel.SMS and self.sms is None:
            raise ConflictError(NO_SMS)
        typed = self._normalise(channel, address) if address is not None else None
        code, link = new_code(self.config.policy), new_link_secret(self.config.policy)
        challenge, target = self._store_challenge(
            request_id, channel, typed, purpose, code, link, first=first
        )
        if target is not None:
            token = f"{challenge.id}.{link}"
            sent = words.Secrets(
                code if challenge.max_attempts else None,
                f"{self.config.link_base}?token={token}",
                challenge.expires_at,
                challenge.link_expires_at or challenge.expires_at,
                self.config.text_link_base + short_link_token(token),
            )
            self.outbox.submit(
                lambda: self._deliver(challenge, target, purpose, sent),
                f"challenge {challenge.id}",
            )
        minutes = self.config.policy.ttl_minutes
        return StartReceipt(
            challenge.id, channel, challenge.expires_at, SENT_MESSAGE.format(minutes=minutes)
        )

    def _due(
        self, row: RequestRow, bound: bool, channel: Channel, typed: Identity | None, purpose: str
    ) -> _Target | None:
        """Where the code goes; None when no code is due (answered alike, sent nowhere)."""
        given = row.requester_email if channel is Channel.EMAIL else row.requester_phone
        if purpose == STEP_UP:  # the signed-in requester's: the errors may tell the stage
            _check_stage(row, bound)
            if typed is None and not given:
                raise NoContactError(channel)
            identity = typed or self._normalise(channel, given or "")
            return self._target(identity, row)
        # A code to verify goes only to the request's own detail: whoever holds a request id
        # could otherwise have it verified, and bound, by a code to a detail of their own, and
        # the answer to a typed `address` would tell whether it is the requester's.
        if not given or not _verification_due(row, bound):
            return None
        try:
            return self._target(self._normalise(channel, given), row)
        except InvalidInputError:  # a detail taken in before today's rules: nothing to send to
            return None

    def _target(self, identity: Identity, row: RequestRow) -> _Target:
        """The code's recipient, and whether the deletion rule may ask for more proof after it
        (CCPA §7061(b), §7062(d)), which its mail must not promise away."""
        more = self.deletions is not None and deletion_applies(row)
        return _Target(identity, row.language, row.type, more)

    def _normalise(self, channel: Channel, raw: str) -> Identity:
        return self.config.identities.normalise(CHANNEL_IDENTITY[channel], raw)

    def _on_file(self, request_id: str, identity: Identity, purpose: str) -> bool:
        holders = self.subjects.holders([identity])
        if purpose == VERIFY:
            return bool(holders)
        bound = self.subjects.bound_subject(request_id)
        return bound in holders

    def _check_limits(
        self, session: Session, request_id: str, channel: Channel, value: str, purpose: str
    ) -> list[ChallengeRow]:
        """The request's challenges of this purpose so far; ResendTooSoonError or
        TooManyChallengesError when no other may go out now. Step-ups count apart: only the
        signed-in requester asks for them, so nobody else can use up theirs."""
        policy, now = self.config.policy, self.clock.now()
        sent = [c for c in repo.challenges(session, request_id) if c.purpose == purpose]
        window = window_wait([c.created_at for c in sent if c.channel == channel], now, policy)
        if window:
            raise TooManyChallengesError(CAPPED.format(hours=policy.window_hours), window)
        # A code to verify goes to the request's own detail or, once none is due, nowhere (its
        # value empty): the interval runs per channel, or a verified request would let a code
        # asked too soon through and tell whoever asked that it was verified. A step-up's runs
        # per detail typed.
        same = [c.created_at for c in sent if c.channel == channel
                and (purpose == VERIFY or c.identity_value == value)]  # fmt: skip
        wait = resend_wait(max(same, default=None), now, policy)
        if wait:
            raise ResendTooSoonError(wait)
        return sent

    def _store_challenge(
        self,
        request_id: str,
        channel: Channel,
        typed: Identity | None,
        purpose: str,
        code: str,
        link_secret: str,
        *,
        first: bool = False,
    ) -> tuple[ChallengeRow, _Target | None]:
        """Store the challenge as a decoy; delivery marks it on file once the estate says so.
        One that is not due stays a decoy and goes nowhere. The request's move out of
        `received` carries its version: of two first challenges at once, the second is refused
        (ConflictError)."""
        policy, now, key, cid = self.config.policy, self.clock.now(), self.config.key, _new_id()
        with self.store.transaction() as session:
            row = load_request(session, request_id)
            if first and row.status != Status.RECEIVED:
                raise ConflictError("a code was already asked for this request")
            target = self._due(row, repo.binding(session, request_id) is not None, channel,
                               typed, purpose)  # fmt: skip
            value = target.identity.value if target else ""
            sent = self._check_limits(session, request_id, channel, value, purpose)
            challenge = ChallengeRow(
                id=cid, request_id=request_id, channel=channel.value, purpose=purpose,
                identity_type=CHANNEL_IDENTITY[channel].value, identity_value=value,
                on_file=False, code_hash=secret_digest(key, cid, "code", code),
                link_hash=secret_digest(key, cid, "link", link_secret),
                created_at=now, expires_at=now + policy.ttl, link_expires_at=now + policy.window,
                attempts=0, max_attempts=policy.max_attempts if _codes_left(sent, policy) else 0,
            )  # fmt: skip
            session.add(challenge)
            if target is not None and row.status == Status.RECEIVED:
                self.requests.move_in(session, row, Status.AWAITING_VERIFICATION, SYSTEM)
            self._audit_sent(session, challenge, sent, due=target is not None)
        return challenge, target

    def _audit_sent(
        self, session: Session, challenge: ChallengeRow, earlier: list[ChallengeRow], *, due: bool
    ) -> None:
        """The challenge (ids and counts only), and the caps it reached."""
        policy, rid, cid = self.config.policy, challenge.request_id, challenge.id
        record = partial(self.audit.record, session, SYSTEM.id, SYSTEM.role_name)
        action = "verification.challenge_sent" if due else "verification.challenge_not_due"
        record(action, rid, challenge_id=cid, channel=challenge.channel,
               purpose=challenge.purpose, with_code=bool(challenge.max_attempts))  # fmt: skip
        same_channel = [c.created_at for c in earlier if c.channel == challenge.channel]
        if fills_window(same_channel, challenge.created_at, policy):
            record("verification.code_cap_reached", rid, challenge_id=cid,
                   channel=challenge.channel, codes=policy.max_challenges_per_request,
                   window_hours=policy.window_hours)  # fmt: skip
        if challenge.max_attempts and not _codes_left([*earlier, challenge], policy):
            codes, guesses = policy.max_challenges_per_request, policy.most_guesses
            record("verification.codes_used_up", rid, challenge_id=cid, codes=codes,
                   guesses=guesses)  # fmt: skip

    def _deliver(
        self, challenge: ChallengeRow, target: _Target, purpose: str, sent: words.Secrets
    ) -> None:
        """Look the detail up, then send the code and link, the neutral mail, or (for SMS)
        nothing.

        Runs in the outbox, after the answer: its time never shows in the public response.
        """
        on_file = self._on_file(challenge.request_id, target.identity, purpose)
        if on_file:
            with self.store.transaction() as session:
                stored = session.get(ChallengeRow, challenge.id)
                assert stored is not None
                stored.on_file = True
        to, lang, who = target.identity.value, target.language, self.config.controller
        if challenge.channel == Channel.SMS:
            if on_file and self.sms is not None:
                self.sms.send(words.code_sms(to, lang, who, sent))
            return
        rid, kind = challenge.request_id, target.request_type
        self.mailer.send(
            words.code_mail(to, lang, who, rid, sent, kind, more_proof=target.more_proof)
            if on_file
            else words.neutral_mail(to, lang, who, rid)
        )

    # --- answering codes -------------------------------------------------------------------

    def submit_code(
        self, request_id: str, challenge_id: str, code: str, *, discreet: bool = False
    ) -> Progress:
        """Check a code; WrongCodeError tells the attempts left, CodeLockedError ends the code.
        `discreet`, for whoever is not signed in as the requester: a code used already answers
        as a wrong guess at an unused one (its challenge id is known to whoever asked for it, and
        "used" would tell them the request was verified)."""
        cleaned = clean_code(code, self.config.policy)
        proven = self.answers.code(request_id, challenge_id, cleaned, discreet=discreet)
        return self.progress(proven, self.subjects.settle(proven))

    def open_link(self, token: str) -> Progress:
        """Check a link token of the form <challenge id>.<secret>."""
        proven = self.answers.link(token)
        return self.progress(proven, self.subjects.settle(proven))

    # --- signed-in accounts ----------------------------------------------------------------

    def submit_assertion(self, request_id: str, token: str) -> Progress:
        """Accept the controller's signed word that its logged-in user is this requester, once."""
        if self.accounts is None:
            raise ConflictError("signing in with an account is not offered here")
        self.accounts.prove(request_id, token)
        return self.progress(request_id, self.subjects.settle(request_id))

    # --- where things stand ----------------------------------------------------------------

    def waiting_code(self, request_id: str) -> str | None:
        """The challenge id of the newest e-mail code that still waits to confirm the request."""
        return self.standing.waiting_code(request_id)

    def progress(self, request_id: str, settled: Settlement | None = None) -> Progress:
        """Status, level reached and needed, and the independent factors that would step up."""
        return self.standing.of(request_id, settled)


def _verification_due(row: RequestRow, bound: bool) -> bool:
    """A first code is due: the request is open, needs proof, and is not verified yet."""
    status = Status(row.status)
    held_from = Status(row.held_from) if row.held_from else None
    return (
        status in OPEN
        and needs_verification(Jurisdiction(row.jurisdiction), RequestType(row.type))
        and not bound
        and may_bind(status, held_from)
    )


def _check_stage(row: RequestRow, bound: bool) -> None:
    """Why a step-up code cannot go out at this stage (told to the signed-in requester only)."""
    status = Status(row.status)
    if status not in OPEN:
        raise ConflictError(f"this request is {status.value}; it takes no more codes")
    if not needs_verification(Jurisdiction(row.jurisdiction), RequestType(row.type)):
        raise ConflictError(NO_PROOF_NEEDED)
    if not bound:
        raise ConflictError("a step-up needs a verified request; confirm a first code before")


def _codes_left(sent: list[ChallengeRow], policy: CodePolicy) -> bool:
    """Another challenge may carry a code: the request's guesses stay bounded for good."""
    return digits_left(sum(1 for c in sent if c.max_attempts), policy)


def _new_id() -> str:
    return secrets.token_hex(16)
