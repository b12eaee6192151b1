"""Proving who the requester is: one-time codes by e-mail and SMS (where a gateway is
configured), links, signed-in accounts.

Codes go only to contact details on file for a subject. Every challenge is stored as a decoy
that can never succeed and answered at once; the outbox then looks the detail up in the estate
and, only if it is on file, marks the challenge real and sends the code. The answer, and its
timing, are therefore the same whether or not the estate knows the detail: no oracle.
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
from rightful.domain.declarations import statement as declaration_statement
from rightful.domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    RightfulError,
)
from rightful.domain.identities import Identity, IdentityPolicy, IdentityType
from rightful.domain.lifecycle import OPEN, Status
from rightful.domain.messaging import Mailer, Outbox, SmsSender
from rightful.domain.requests import RequestType
from rightful.domain.staff import SYSTEM, requester
from rightful.domain.verification import (
    CHANNEL_IDENTITY,
    AccountAssertionChecker,
    Assurance,
    ChallengeState,
    Channel,
    CodeLockedError,
    CodePolicy,
    CodeUsedError,
    Factor,
    NoContactError,
    ResendTooSoonError,
    TooManyChallengesError,
    WrongCodeError,
    assurance_reached,
    attempts_left,
    check_link_usable,
    check_usable,
    clean_code,
    digests_match,
    digits_left,
    fills_window,
    needs_verification,
    new_code,
    new_link_secret,
    resend_wait,
    secret_digest,
    short_link_token,
    step_up_options,
    window_wait,
)
from rightful.services import verification_mail as words
from rightful.services.audit import AuditService
from rightful.services.declarations import applies as declares
from rightful.services.declarations import declared as has_declared
from rightful.services.declarations import disclosure_wait, paper_pending
from rightful.services.deletions import DeletionProof
from rightful.services.deletions import applies as deletion_applies
from rightful.services.identity_set import (
    Proof,
    Settlement,
    load_request,
    may_bind,
    record_proof,
)
from rightful.services.requests import RequestService
from rightful.services.subjects import SubjectService
from rightful.services.verification_accounts import AccountProofs

VERIFY, STEP_UP = "verify", "step_up"
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
NO_CODE_IN_MAIL = "this request was sent all its codes; open the link in the newest message we sent"
NO_SUCH_LINK = "this link is not valid; copy the whole link from the message"


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
class Progress:
    """Where a request's verification stands, as the requester may see it."""

    request_id: str
    status: Status
    outcome: str
    assurance: Assurance
    required: Assurance
    step_up_options: tuple[Factor, ...]
    # CCPA requests to know (§7062(c)): why the package waits, the statement to declare (None
    # when none is asked), and whether it was declared; CCPA requests to delete (§7061(b),
    # §7062(d)): why the deletion waits.
    waiting_for: str | None = None
    declaration: str | None = None
    declared: bool = False
    # a declaration received on paper is recorded and waits for a second staff member's approval
    checking_paper: bool = False

    @property
    def step_up_offered(self) -> bool:
        return bool(self.step_up_options)

    @property
    def told(self) -> str:
        """What the requester is told, by name: the outcome, except that a bound request still
        waiting for proof (CCPA §7061(b), §7062) says it waits, and one answered already says
        so, not that its answer is coming."""
        if self.outcome == "bound" and self.status is Status.DELIVERED:
            return "answered"
        if self.outcome == "bound" and self.waiting_for is not None:
            return "bound_waiting"
        return self.outcome


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
        minutes = int(self.config.policy.ttl.total_seconds() // 60)
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
            raise TooManyChallengesError(CAPPED.format(hours=_hours(policy)), window)
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
                   window_hours=_hours(policy))  # fmt: skip
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
        return self._answer(challenge_id, "code", cleaned, request_id, discreet)

    def open_link(self, token: str) -> Progress:
        """Check a link token of the form <challenge id>.<secret>."""
        cid, _, secret = token.strip().partition(".")
        if len(cid) != 32 or not secret or not all(c in "0123456789abcdef" for c in cid):
            raise InvalidInputError("this link is incomplete; copy the whole link from the message")
        return self._answer(cid, "link", secret, None)

    def _answer(
        self, cid: str, kind: str, secret: str, request_id: str | None, discreet: bool = False
    ) -> Progress:
        with self.store.transaction() as session:
            challenge = session.get(ChallengeRow, cid)
            if (
                challenge is None
                or request_id not in (None, challenge.request_id)
                or (kind == "link" and challenge.link_hash is None)
            ):
                raise NotFoundError("no such code for this request")
            failure = self._guess(session, challenge, kind, secret, discreet)
            request_id = challenge.request_id
        if failure is not None:
            raise failure
        return self.progress(request_id, self.subjects.settle(request_id))

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
        presented = secret_digest(self.config.key, ch.id, kind, secret)
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
        presented = secret_digest(self.config.key, ch.id, "link", secret)
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

    # --- signed-in accounts ----------------------------------------------------------------

    def submit_assertion(self, request_id: str, token: str) -> Progress:
        """Accept the controller's signed word that its logged-in user is this requester, once."""
        if self.accounts is None:
            raise ConflictError("signing in with an account is not offered here")
        self.accounts.prove(request_id, token)
        return self.progress(request_id, self.subjects.settle(request_id))

    # --- where things stand ----------------------------------------------------------------

    def waiting_code(self, request_id: str) -> str | None:
        """The challenge id of the newest e-mail code that still waits to confirm the request
        (not used, replaced, locked or expired), or None."""
        now = self.clock.now()
        with self.store.transaction() as session:
            for ch in reversed(repo.challenges(session, request_id)):
                if (ch.purpose, ch.channel) != (VERIFY, Channel.EMAIL.value):
                    continue
                if ch.used_at or ch.superseded_at or ch.locked_at or ch.expires_at <= now:
                    continue
                return ch.id
        return None

    def progress(self, request_id: str, settled: Settlement | None = None) -> Progress:
        """Status, level reached and needed, and the independent factors that would step up."""
        settled = settled or self.subjects.standing(request_id)
        with self.store.transaction() as session:
            rows = repo.identity_rows(session, request_id)
            bound = repo.binding(session, request_id) is not None
            row = load_request(session, request_id)
            waiting = self._waiting(session, row) if bound else None
            statement = declaration_statement(row.language) if declares(row) else None
            declared = statement is not None and has_declared(session, row.id)
            checking = statement is not None and not declared and paper_pending(session, row.id)
        factors = [Factor(r.factor) for r in rows if not bound or r.supports_binding]
        reached = assurance_reached(factors)
        options: tuple[Factor, ...] = ()
        short = not reached.at_least(self.config.required) or waiting is not None
        if bound and short and settled.status in OPEN:
            offered = [Factor.EMAIL_CODE]
            offered += [Factor.SMS_CODE] if self.sms else []
            offered += [Factor.ACCOUNT_ASSERTION] if self.accounts else []
            options = step_up_options(factors, offered)
        return Progress(
            request_id, settled.status, settled.outcome, reached, self.config.required, options,
            waiting, statement, declared, checking,
        )  # fmt: skip

    def _waiting(self, session: Session, row: RequestRow) -> str | None:
        """What a bound request waits for, in its language: the proof a CCPA request to know
        (§7062) or to delete (§7061(b), §7062(d)) still needs."""
        waiting = disclosure_wait(session, row, row.language)
        if waiting is None and self.deletions is not None:
            waiting = self.deletions.wait(session, row, row.language)
        return waiting


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


def _hours(policy: CodePolicy) -> int:
    return int(policy.window.total_seconds() // 3600)


def _new_id() -> str:
    return secrets.token_hex(16)


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
