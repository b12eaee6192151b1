"""The proofs a download takes: a fresh one-time code to the request's verified channel (by
e-mail with a link that does what the code does), or a signed-in account assertion naming an
account proven for the request; each opens one download session."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rightful.adapters.db.delivery import DeliveryCodeRow, DownloadLinkRow
from rightful.adapters.db.tables import RequestRow
from rightful.adapters.db.verification import AssertionUseRow
from rightful.domain.delivery import Client, Outcome
from rightful.domain.errors import ConflictError, RightfulError
from rightful.domain.verification import (
    AssertionRejectedError,
    CodeExpiredError,
    CodeLockedError,
    CodeUsedError,
    Factor,
)
from rightful.services.codes import DigitsUsedUpError, SentCode
from rightful.services.delivery import VerifiedChannel, load_link, record_attempt, verified_channel
from rightful.services.download_sessions import DownloadSessions, digest
from rightful.services.not_mine import stop_path

CODE_OUTCOME: dict[type[RightfulError], Outcome] = {
    CodeLockedError: Outcome.CODE_LOCKED,
    CodeExpiredError: Outcome.CODE_EXPIRED,
    CodeUsedError: Outcome.CODE_EXPIRED,
    DigitsUsedUpError: Outcome.CODE_EXPIRED,
}

# Uses up a download code or the link of its mail, in the caller's transaction.
Redeem = Callable[[Session, DownloadLinkRow], tuple[DeliveryCodeRow, Factor]]


@dataclass(frozen=True)
class CodeMailed:
    """What a download-code mail carried: its code (`digits`), a link, or both; and how long
    what it carries works (its link, or its code when it carries none)."""

    expires_at: datetime
    digits: bool
    link: bool
    works_for: timedelta

    @property
    def carries(self) -> str:
        """`code`, `link` or `code_and_link`, for the page that waits for it."""
        return "code_and_link" if self.digits and self.link else "code" if self.digits else "link"


class DownloadProofs(DownloadSessions):
    """Re-verification at download time: sends download codes and checks a code, the link of
    its mail or an account assertion."""

    def send_code(self, link_id: str, client: Client) -> CodeMailed:
        """Send a fresh code to the request's verified channel (never to an address typed in);
        by e-mail with a link that confirms the download, and once the link's codes with
        digits are used up with the link alone."""
        with self.store.transaction() as session:
            link = load_link(session, link_id)
            outcome = self._refused(session, link, client) or self._issue(session, link, client)
        if isinstance(outcome, RightfulError):
            raise outcome
        sent, channel, language = outcome
        path = sent.link and f"/download/{link.id}/code-link?token={sent.link}"
        self.notices.download_code(
            channel.channel, channel.address, language, link.request_id, sent.code,
            sent.minutes, stop_path(self.config.stop_key.current, link.id), path,
            self.codes.policy.window_hours,
        )  # fmt: skip
        row = sent.row
        works_for = (row.link_expires_at or row.expires_at) - row.created_at
        return CodeMailed(row.expires_at, digits=sent.code is not None, link=bool(path),
                          works_for=works_for)  # fmt: skip

    def _issue(
        self, session: Session, link: DownloadLinkRow, client: Client
    ) -> tuple[SentCode, VerifiedChannel, str] | RightfulError:
        channel = verified_channel(session, link.request_id)
        if channel is None:
            return ConflictError("no verified channel for this request; use your account")
        try:
            self.notices.check_channel(channel.channel)
            sent = self.codes.issue(session, link.request_id, "download", channel.channel,
                                    link_id=link.id, with_link=True)  # fmt: skip
        except RightfulError as refused:
            record_attempt(session, self.audit, self.clock, link, Outcome.CODE_REFUSED, client)
            return refused
        record_attempt(session, self.audit, self.clock, link, Outcome.CODE_SENT, client)
        self._audit_sent(session, link, sent)
        return sent, channel, _language(session, link.request_id)

    def _audit_sent(self, session: Session, link: DownloadLinkRow, sent: SentCode) -> None:
        """The window's cap when this code reached it, and the link's last code with digits
        (later mails carry only the link): ids and counts."""
        policy, actor = self.codes.policy, f"link:{link.id}"
        if sent.cap_reached:
            self.audit.record(session, actor, "public", "delivery.code_cap_reached",
                              link.request_id, link_id=link.id, code_id=sent.row.id,
                              codes=policy.max_challenges_per_request,
                              window_hours=self.codes.policy.window_hours)  # fmt: skip
        if sent.last_with_digits:
            self.audit.record(session, actor, "public", "delivery.download_codes_used_up",
                              link.request_id, link_id=link.id, code_id=sent.row.id,
                              codes=policy.max_challenges_per_request,
                              guesses=policy.most_guesses)  # fmt: skip

    def confirm_code(self, link_id: str, code: str, client: Client) -> str:
        """Check a download code; the answer is a download session token (for a cookie)."""

        def redeem(session: Session, link: DownloadLinkRow) -> tuple[DeliveryCodeRow, Factor]:
            used = self.codes.redeem(session, link.request_id, "download", code, link_id=link.id)
            return used, Factor.SMS_CODE if used.channel == "sms" else Factor.EMAIL_CODE

        return self._confirm(link_id, client, redeem)

    def confirm_code_link(self, link_id: str, token: str, client: Client) -> str:
        """Check the link of a download-code mail (it outlives wrong guesses at its code); the
        answer is a download session token (for a cookie), as for its code."""

        def redeem(session: Session, link: DownloadLinkRow) -> tuple[DeliveryCodeRow, Factor]:
            used = self.codes.redeem_link(session, link.request_id, "download", token,
                                          link_id=link.id)  # fmt: skip
            self.audit.record(session, f"link:{link.id}", "public", "delivery.code_link_used",
                              link.request_id, link_id=link.id, code_id=used.id)  # fmt: skip
            return used, Factor.SMS_LINK if used.channel == "sms" else Factor.EMAIL_LINK

        return self._confirm(link_id, client, redeem)

    def _confirm(self, link_id: str, client: Client, redeem: Redeem) -> str:
        """A download session for a code or link that `redeem` used up; its error otherwise,
        recorded as the attempt's outcome."""
        with self.store.transaction() as session:
            link = load_link(session, link_id)
            failure: RightfulError | None = self._refused(session, link, client)
            if failure is None:
                try:
                    used, factor = redeem(session, link)
                except RightfulError as refused:
                    outcome = CODE_OUTCOME.get(type(refused), Outcome.CODE_WRONG)
                    record_attempt(session, self.audit, self.clock, link, outcome, client)
                    failure = refused
                else:
                    return self._open_session(session, link, factor.value, used.id, client)
        raise failure

    def confirm_assertion(self, link_id: str, token: str, client: Client) -> str:
        """Check a signed-in account assertion naming an account proven for this request."""
        if self.assertions is None or self.account_fits is None:
            raise ConflictError("signing in with an account is not offered here")
        try:
            claims = self.assertions.check(token, self.clock.now())
        except AssertionRejectedError as rejected:
            self._note(link_id, Outcome.ASSERTION_REJECTED, client)
            raise rejected from None
        with self.store.transaction() as session:
            link = load_link(session, link_id)
            request_id = link.request_id
        if not self.account_fits(request_id, claims.subject):
            self._note(link_id, Outcome.ASSERTION_REJECTED, client)
            raise AssertionRejectedError("this account is not the one this request was made for")
        return self._use_assertion(link_id, claims.issuer, claims.token_id,
                                   claims.expires_at, client)  # fmt: skip

    def _use_assertion(
        self, link_id: str, issuer: str, token_id: str, expires: datetime, client: Client
    ) -> str:
        try:
            with self.store.transaction() as session:
                link = load_link(session, link_id)
                failure = self._refused(session, link, client)
                if failure is None:
                    session.add(
                        AssertionUseRow(
                            issuer=issuer,
                            token_id=token_id,
                            request_id=link.request_id,
                            used_at=self.clock.now(),
                            expires_at=expires,
                        )
                    )
                    session.flush()
                    evidence = "assertion:" + digest(issuer + "\x00" + token_id)[:32]
                    return self._open_session(session, link, Factor.ACCOUNT_ASSERTION.value,
                                              evidence, client)  # fmt: skip
        except IntegrityError:
            self._note(link_id, Outcome.ASSERTION_REJECTED, client)
            raise AssertionRejectedError("this assertion was used already") from None
        raise failure


def _language(session: Session, request_id: str) -> str:
    row = session.get(RequestRow, request_id)
    return row.language if row else "en"
