"""Mailing what a request's notices say (acknowledgement, extension, refusal, no data found,
expiry, ...) to the requester, once the transaction that recorded them has committed, and
recording whether the mail relay took each one, so that a notice that reached nobody is shown to
staff and tried again by the daily job (Art. 12(3), 12(4); CCPA §7021)."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, TypeVar

from sqlalchemy import ColumnElement, event, func, or_, select, update
from sqlalchemy.orm import Session

from rightful.adapters.db.base import Store
from rightful.adapters.db.tables import NoticeRow, RequestRow
from rightful.domain.clock import Clock
from rightful.domain.errors import ConflictError, InvalidInputError, NotFoundError
from rightful.domain.lifecycle import Role
from rightful.domain.messaging import DeliveryError
from rightful.domain.staff import SYSTEM, Principal
from rightful.domain.words import written
from rightful.services.audit import AuditService
from rightful.services.delivery import verified_channel
from rightful.services.notices import MailNotices

log = logging.getLogger("rightful.requests")
# These are decisions the requester must be told of (Art. 12(3), 12(4)).
MAILED: Final = frozenset({
    "extension", "refusal", "no_data", "expiry", "erasure", "action_taken", "restriction",
    "restriction_lifting", "rectification", "not_mine_ack", "withdrawn",
})  # fmt: skip
# The acknowledgement is answered on the channel the request came in by (the portal page, the
# API response); a request staff entered (a letter, a call) or another system handed over has
# no such channel, so its receipt is confirmed by mail (CCPA §7021(a): within 10 business days).
ACKNOWLEDGED_BY_MAIL: Final = frozenset({"staff", "opendsr"})
PENDING, SENDING, SENT, REFUSED, NO_ADDRESS = "pending", "sending", "sent", "refused", "no_address"
# Staff told the requester another way what a notice that reached nobody says; never mailed since.
TOLD_OTHERWISE: Final = "told_otherwise"
# The notices that reached nobody: the relay refused them, or there was no address to mail.
UNTOLD: Final = (REFUSED, NO_ADDRESS)
# How staff may tell a requester instead; the words of `how` stay on the notice, out of the audit
# chain (they name people, numbers, addresses), which records only this category.
WAYS: Final = ("phone", "letter", "in_person", "other")
HOW_MINIMUM: Final = 10
# A notice still pending (or sending) this long after it was recorded (or handed over) lost its
# sender: a process that ended between the commit and the hand-over, or between the relay's
# answer and its record; younger ones are being sent right now.
LOST_AFTER: Final = timedelta(minutes=10)
T = TypeVar("T")
# What a kind of notice needs besides its words, read when it is sent (a confirmation link).
Composer = Callable[[Session, NoticeRow], Mapping[str, object]]


@dataclass(frozen=True)
class Unsent:
    """A notice that reached nobody (the relay refused it, or no address) or may not have (stuck
    `sending`: the relay's answer was never recorded): ids and counts only."""

    request_id: str
    notice_id: int
    kind: str
    attempts: int
    attempted_at: datetime | None
    state: str = REFUSED


def mailed(row: RequestRow, kind: str) -> bool:
    """Whether a notice of `kind` on `row` goes to the requester by e-mail."""
    return kind in MAILED or (kind == "acknowledgement" and row.channel in ACKNOWLEDGED_BY_MAIL)


class RequestNoticeMail:
    """Sends a recorded notice to the address the requester proved, else the one they gave, and
    records on the notice whether the relay took it (`notice.mailed` / `notice.mail_refused`)."""

    def __init__(
        self, notices: Callable[[], MailNotices], store: Store, audit: AuditService, clock: Clock,
        composers: Mapping[str, Composer] | None = None,
    ) -> None:  # fmt: skip
        self._notices = notices
        self.store, self.audit, self.clock = store, audit, clock
        self._composers = dict(composers or {})
        self._here = threading.local()

    def after_commit(self, session: Session, row: RequestRow, notice: NoticeRow) -> None:
        """Mark `notice` pending and mail it when `session` commits; nothing is sent if it rolls
        back. A refusal is recorded, never raised: the decision stands, its notice is retried."""
        if not mailed(row, notice.kind):
            return
        notice.mail_state = PENDING
        session.flush()
        notice_id = notice.id

        def send(_: Session) -> None:
            self._try(notice_id)

        event.listen(session, "after_commit", send, once=True)

    def _try(self, notice_id: int) -> str | None:
        """`_hand_over`, but an error that keeps the notice from being read or recorded is
        logged, not raised: what was decided has committed, and the daily job tries again."""
        try:
            return self._hand_over(notice_id)
        except Exception as exc:
            log.error("notice %d: not handed over (%s); the daily job tries again",
                      notice_id, type(exc).__name__)  # fmt: skip
            return None

    def _hand_over(self, notice_id: int) -> str | None:
        """SENT or REFUSED as the relay answered, NO_ADDRESS, or None when nothing was to be
        sent (it went out, was told otherwise, or another sender holds it).

        At least once: the notice is claimed (`sending`) before the hand-over and marked `sent`
        after it, so a sender that ends between the two leaves it `sending`, and the daily job
        sends it again after `LOST_AFTER`, saying it may have arrived already."""
        with self.store.transaction() as session:
            notice = session.get(NoticeRow, notice_id)
            again = notice is not None and notice.mail_state == SENDING
            before = notice.mail_state if notice is not None else None
            if notice is None or not self._claim(session, notice):
                return None
            row = session.get(RequestRow, notice.request_id)
            assert row is not None  # a notice's request is never deleted
            to = _address(session, row)
            if to is None:
                notice.mail_state = NO_ADDRESS
                if before != NO_ADDRESS:
                    log.info("request %s: no e-mail address for its %s notice; tell them by "
                             "phone", row.id, notice.kind)  # fmt: skip
                self._refused_here().append(_unsent(notice))
                return NO_ADDRESS
            request_id, language, kind, body = row.id, notice.language, notice.kind, notice.body
            compose = self._composers.get(kind)
            context = compose(session, notice) if compose else {}
        try:
            self._notices().notice(to, language, request_id, kind, body, again=again,
                                   context=context)  # fmt: skip
        except DeliveryError as exc:
            log.warning("request %s: the %s notice %d was refused: %s", request_id, kind,
                        notice_id, exc)  # fmt: skip
            self._record(notice_id, REFUSED)
            return REFUSED
        except Exception as exc:  # not handed over as far as we know: shown, and tried again
            log.error("request %s: the %s notice %d failed before the relay took it (%s)",
                      request_id, kind, notice_id, type(exc).__name__)  # fmt: skip
            self._record(notice_id, REFUSED)
            return REFUSED
        self._record(notice_id, SENT)
        return SENT

    def _claim(self, session: Session, notice: NoticeRow) -> bool:
        """Mark `notice` `sending` for this sender, or False: it went out, needs no mail, or
        another sender holds it (it is being sent now, or its row changed since it was read)."""
        state, attempted, now = notice.mail_state, notice.mail_attempted_at, self.clock.now()
        if state not in (PENDING, REFUSED, SENDING, NO_ADDRESS):
            return False
        if state == SENDING and (attempted is None or attempted >= now - LOST_AFTER):
            return False
        taken = session.execute(
            update(NoticeRow)
            .where(NoticeRow.id == notice.id, NoticeRow.mail_state == state,
                   NoticeRow.mail_attempts == notice.mail_attempts)
            .values(mail_state=SENDING, mail_attempted_at=now)
            .execution_options(synchronize_session="fetch")
        )  # fmt: skip
        return bool(taken.rowcount)  # type: ignore[attr-defined]  # CursorResult of an UPDATE

    def _record(self, notice_id: int, state: str) -> None:
        with self.store.transaction() as session:
            notice = session.get(NoticeRow, notice_id)
            assert notice is not None
            if notice.mail_state == TOLD_OTHERWISE and state == REFUSED:
                state = TOLD_OTHERWISE  # staff told them while this lost sender was still trying
            notice.mail_state = state
            notice.mail_attempts += 1
            notice.mail_attempted_at = self.clock.now()
            action = "notice.mailed" if state == SENT else "notice.mail_refused"
            self.audit.record(
                session, SYSTEM.id, SYSTEM.role_name, action, notice.request_id,
                notice=notice_id, kind=notice.kind, attempt=notice.mail_attempts,
            )  # fmt: skip
            if notice.mail_state == REFUSED:
                self._refused_here().append(_unsent(notice))

    def retry(self) -> tuple[int, list[Unsent]]:
        """The daily job: try again every notice the relay refused, any whose sender was lost,
        and any that had no address (the requester may have given or proven one since); how many
        went out now, and the notices that still reached nobody."""
        with self.store.transaction() as session:
            ids = list(session.scalars(
                select(NoticeRow.id).where(self._unanswered()).order_by(NoticeRow.id)
            ))  # fmt: skip
        sent = sum(self._try(notice_id) == SENT for notice_id in ids)  # one failing stops none
        return sent, self.unsent()

    def unsent(self, request_id: str | None = None) -> list[Unsent]:
        """Notices that reached nobody (refused by the relay, or no e-mail address) and that
        nobody has sent or told another way since, and those stuck `sending` for longer than
        LOST_AFTER (their sender ended before the relay's answer was recorded), or `pending` for
        that long since they were recorded (their process ended before handing them over),
        oldest first."""
        query = select(NoticeRow).where(self._unanswered()).order_by(NoticeRow.id)
        if request_id is not None:
            query = query.where(NoticeRow.request_id == request_id)
        with self.store.transaction() as session:
            return [_unsent(n) for n in session.scalars(query)]

    def unsent_counts(self) -> dict[str, int]:
        """How many notices `unsent` lists, by their mail state (one query, for metrics)."""
        query = (
            select(NoticeRow.mail_state, func.count())
            .where(self._unanswered())
            .group_by(NoticeRow.mail_state)
        )
        with self.store.transaction() as session:
            return {str(state): n for state, n in session.execute(query)}

    def _unanswered(self) -> ColumnElement[bool]:
        """Notices nobody is still sending: refused, without an address, or stuck `sending` or
        `pending` for longer than LOST_AFTER (what the daily job sends again, and lists)."""
        lost = self.clock.now() - LOST_AFTER
        return or_(
            NoticeRow.mail_state.in_(UNTOLD),
            (NoticeRow.mail_state == SENDING) & (NoticeRow.mail_attempted_at < lost),
            (NoticeRow.mail_state == PENDING) & (NoticeRow.sent_at < lost),
        )

    def told_otherwise(
        self, request_id: str, notice_id: int, by: Principal, way: str, how: str
    ) -> NoticeRow:
        """Record that `by` told the requester what notice `notice_id` says another way (a call,
        a letter, in person) after it reached nobody by mail, or its sender was lost (stuck
        `sending` or `pending` for LOST_AFTER); it leaves the lists of notices that reached
        nobody and is never mailed. The audit chain records the way, not `how`."""
        by.require(Role.AGENT)
        way, how = _way(way), written(how, "how they were told", HOW_MINIMUM)
        with self.store.transaction() as session:
            notice = session.get(NoticeRow, notice_id)
            if notice is None or notice.request_id != request_id:
                raise NotFoundError(f"request {request_id} has no notice {notice_id}")
            if notice.mail_state not in (*UNTOLD, SENDING, PENDING):
                raise ConflictError(_not_untold(notice))
            now = self.clock.now()
            # Taken only while nobody is sending it: the condition the lists and the daily job
            # use, checked by the UPDATE itself.
            taken = session.execute(
                update(NoticeRow)
                .where(NoticeRow.id == notice_id, NoticeRow.mail_state == notice.mail_state,
                       self._unanswered())
                .values(mail_state=TOLD_OTHERWISE, told_way=way, told_how=how, told_by=by.id,
                        told_at=now)
                .execution_options(synchronize_session="fetch")
            )  # fmt: skip
            if not taken.rowcount:  # type: ignore[attr-defined]  # CursorResult of an UPDATE
                raise ConflictError(
                    f"notice {notice_id} is being mailed right now; look again in "
                    f"{int(LOST_AFTER.total_seconds()) // 60} minutes"
                )
            self.audit.record(
                session, by.id, by.role_name, "notice.told_otherwise", request_id,
                notice=notice_id, kind=notice.kind, way=way,
            )  # fmt: skip
            session.refresh(notice)
            return notice

    def unsent_by(self, write: Callable[[], T]) -> tuple[T, list[Unsent]]:
        """Run `write` (an API call, a console action) and return its result with the notices
        it recorded that reached nobody; what this thread met before is not `write`'s."""
        self.take_refused()
        result = write()
        return result, self.take_refused()

    def take_refused(self) -> list[Unsent]:
        """The refusals met by this thread since it last asked (a command, a console action)."""
        refused = self._refused_here()
        taken = list(refused)
        refused.clear()
        return taken

    def refused_here(self) -> list[Unsent]:
        """The refusals met by this thread that nobody took yet (see `take_refused`)."""
        return list(self._refused_here())

    def _refused_here(self) -> deque[Unsent]:
        found: deque[Unsent] | None = getattr(self._here, "refused", None)
        if found is None:
            # bounded: a thread that never asks (an API worker) does not grow without end
            found = self._here.refused = deque(maxlen=100)
        return found


def _address(session: Session, row: RequestRow) -> str | None:
    channel = verified_channel(session, row.id)
    return channel.address if channel and channel.channel == "email" else row.requester_email


def _unsent(notice: NoticeRow) -> Unsent:
    return Unsent(notice.request_id, notice.id, notice.kind, notice.mail_attempts,
                  notice.mail_attempted_at, notice.mail_state or REFUSED)  # fmt: skip


def _way(way: str) -> str:
    chosen = way.strip().lower().replace("-", "_").replace(" ", "_")
    if chosen not in WAYS:
        raise InvalidInputError(f"way: {way[:20]!r} is not one of {', '.join(WAYS)}")
    return chosen


def _not_untold(notice: NoticeRow) -> str:
    if notice.mail_state == TOLD_OTHERWISE:
        return f"notice {notice.id} was already recorded as told another way"
    if notice.mail_state is None:
        return f"notice {notice.id} ({notice.kind}) is not mailed; nothing to record"
    return (f"notice {notice.id} ({notice.kind}) is {notice.mail_state.replace('_', ' ')}, not "
            "refused or without an address; only a notice that reached nobody (or whose sender "
            "was lost) is told another way")  # fmt: skip


def unsent_line(unsent: list[Unsent]) -> str:
    """One line naming the requests whose notice reached nobody (ids and kinds only)."""
    named = ", ".join(
        f"{u.request_id} ({u.kind}) notice {u.notice_id}"
        f"{' [no e-mail address]' if u.state == NO_ADDRESS else ''}"
        f"{' [stuck sending: the relay answer was never recorded]' if u.state == SENDING else ''}"
        f"{' [never handed to the relay]' if u.state == PENDING else ''}"
        for u in unsent
    )
    return (f"{len(unsent)} notice(s) reached nobody (the mail relay refused them, or the "
            f"requester gave no e-mail address), so these requesters were not told: {named}; "
            "`rightful jobs daily` tries refused ones again; tell them another way and record "
            "it with `rightful requests told-otherwise REQUEST_ID NOTICE_ID`")  # fmt: skip
