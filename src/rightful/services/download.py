"""The download itself: a fresh proof of identity (a one-time code to the verified channel, or a
signed-in account assertion) opens one download session; the file is decrypted while it streams,
by byte range, optionally re-encrypted with the requester's passphrase (age)."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rightful.adapters.crypto.age_stream import AgeStream, derive_file_key, header
from rightful.adapters.db.delivery import DeliveryCodeRow, DownloadLinkRow, DownloadSessionRow
from rightful.adapters.db.tables import RequestRow
from rightful.adapters.db.verification import AssertionUseRow
from rightful.domain.delivery import (
    ByteRange,
    Client,
    DownloadSessionError,
    Outcome,
    RangeNotSatisfiableError,
    new_passphrase,
    parse_range,
)
from rightful.domain.errors import ConflictError, RightfulError
from rightful.domain.verification import (
    AssertionRejectedError,
    CodeExpiredError,
    CodeLockedError,
    CodeUsedError,
    Factor,
)
from rightful.services.codes import DigitsUsedUpError, SentCode
from rightful.services.delivery import (
    VerifiedChannel,
    load_link,
    record_attempt,
    verified_channel,
)
from rightful.services.download_sessions import DownloadSessions, digest
from rightful.services.not_mine import stop_path

_ONE_AT_A_TIME = threading.Lock()
REVOCATION_CHECK_EVERY = 16  # chunks (about 1 MiB of a 64 KiB-chunked stream)
CODE_OUTCOME: dict[type[RightfulError], Outcome] = {
    CodeLockedError: Outcome.CODE_LOCKED,
    CodeExpiredError: Outcome.CODE_EXPIRED,
    CodeUsedError: Outcome.CODE_EXPIRED,
    DigitsUsedUpError: Outcome.CODE_EXPIRED,
}

# Uses up a download code or the link of its mail, in the caller's transaction.
Redeem = Callable[[Session, DownloadLinkRow], tuple[DeliveryCodeRow, Factor]]


@dataclass(frozen=True)
class Download:
    """What the web layer streams: status 200 or 206, headers, and the bytes."""

    filename: str
    content_type: str
    byte_range: ByteRange
    body: Iterator[bytes]
    etag: str

    @property
    def status(self) -> int:
        return 206 if self.byte_range.partial else 200


@dataclass(frozen=True)
class CodeMailed:
    """What a download-code mail carried: its code (`digits`), a link, or both."""

    expires_at: datetime
    digits: bool
    link: bool

    @property
    def carries(self) -> str:
        """`code`, `link` or `code_and_link`, for the page that waits for it."""
        return "code_and_link" if self.digits and self.link else "code" if self.digits else "link"


class DownloadService(DownloadSessions):
    """Re-verification at download time, download sessions, streaming, passphrase protection."""

    # --- re-verification ---------------------------------------------------------------------

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
            sent.minutes, stop_path(self.config.stop_key, link.id), path, self._window_hours,
        )  # fmt: skip
        return CodeMailed(sent.row.expires_at, digits=sent.code is not None, link=bool(path))

    @property
    def _window_hours(self) -> int:
        return int(self.codes.policy.window.total_seconds() // 3600)

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
                              window_hours=self._window_hours)  # fmt: skip
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

    # --- streaming ---------------------------------------------------------------------------

    def open_download(
        self, link_id: str, token: str | None, range_header: str | None, client: Client,
        if_range: str | None = None, *, head: bool = False,
    ) -> Download:  # fmt: skip
        """Check session, link and package, count a new download, and stream the bytes asked.
        A range whose If-Range names another version of the file gets the whole file. `head`
        (HTTP HEAD) makes the same checks and answers the same headers, but counts nothing and
        streams nothing; the attempt is recorded as `checked`."""
        with self.store.transaction() as session:
            link = load_link(session, link_id)
            if if_range is not None and if_range.strip() != etag_of(link):
                range_header = None
            failure, plan = self._plan(session, link, token, range_header, client, head)
        if failure is not None:
            raise failure
        assert plan is not None
        return plan

    def _plan(
        self, session: Session, link: DownloadLinkRow, token: str | None, header_value: str | None,
        client: Client, head: bool = False,
    ) -> tuple[RightfulError | None, Download | None]:  # fmt: skip
        record = self._session(session, link.id, token)
        if record is None:
            record_attempt(session, self.audit, self.clock, link, Outcome.NO_SESSION, client)
            return DownloadSessionError("confirm it is you first: ask for a fresh code"), None
        failure = self._refused(session, link, client, new_download=False)
        if failure is not None:
            return failure, None
        try:
            self.packages.assert_deliverable(link.package_id)
            size, stream = self._stream(link)
            wanted = parse_range(header_value, size)
        except RangeNotSatisfiableError as refused:
            record_attempt(session, self.audit, self.clock, link, Outcome.RANGE_REFUSED, client,
                           header_value[:64] if header_value else None)  # fmt: skip
            return refused, None
        except ConflictError as refused:
            record_attempt(session, self.audit, self.clock, link, Outcome.NOT_DELIVERABLE, client)
            return refused, None
        # A session's first download counts; a later request that continues it (from past its
        # first byte) is a resume. One from the first byte, for the whole file or a piece, with
        # a Range header or without, starts another copy and counts too: a piece from byte 0
        # and the rest after it would otherwise be whole copies, none counted.
        new = record.counted_at is None or wanted.start == 0
        if new and (failure := self._refused(session, link, client)) is not None:
            return failure, None
        outcome = Outcome.STARTED if new else Outcome.RESUMED
        if head:
            outcome = Outcome.CHECKED
        elif new and not self._count(session, link, record):
            return self._refused(session, link, client) or ConflictError("link used up"), None
        record_attempt(session, self.audit, self.clock, link, outcome, client,
                       f"{wanted.start}-{wanted.end}/{wanted.size}")  # fmt: skip
        pieces = iter(()) if head else stream(wanted.start, wanted.end)
        body = self._guarded(link.id, pieces)
        return None, Download(_filename(link), _content_type(link), wanted, body, etag_of(link))

    def _count(self, session: Session, link: DownloadLinkRow, record: DownloadSessionRow) -> bool:
        """Count one download of the session, atomically against the link's limit."""
        result = session.execute(
            update(DownloadLinkRow)
            .where(DownloadLinkRow.id == link.id, DownloadLinkRow.revoked_at.is_(None),
                   DownloadLinkRow.downloads < DownloadLinkRow.max_downloads)
            .values(downloads=DownloadLinkRow.downloads + 1)
            .execution_options(synchronize_session=False)
        )  # fmt: skip
        session.refresh(link)
        if getattr(result, "rowcount", 0) != 1:
            return False
        record.counted_at = self.clock.now()
        return True

    def _stream(self, link: DownloadLinkRow) -> tuple[int, Callable[[int, int], Iterator[bytes]]]:
        size = self.packages.plaintext_size(link.package_id)
        package_id = link.package_id

        def plain(start: int, end: int) -> Iterator[bytes]:
            return self.packages.read_range(package_id, start, end)

        if link.age_header is None or link.protection_id is None:
            return size, plain
        file_key, nonce = derive_file_key(self.config.age_key, link.protection_id)
        age = AgeStream(link.age_header, nonce, file_key, size)
        return age.size, lambda start, end: age.iter_range(start, end, plain)

    def _guarded(self, link_id: str, pieces: Iterator[bytes]) -> Iterator[bytes]:
        """Stop a running download soon after its link is revoked (checked every ~1 MiB)."""
        try:
            for count, piece in enumerate(pieces, start=1):
                if count % REVOCATION_CHECK_EVERY == 0 and self._revoked(link_id):
                    return
                yield piece
        finally:
            close = getattr(pieces, "close", None)
            if close is not None:
                close()

    def _revoked(self, link_id: str) -> bool:
        with self.store.transaction() as session:
            revoked = session.scalar(
                select(DownloadLinkRow.revoked_at).where(DownloadLinkRow.id == link_id)
            )
            return revoked is not None

    # --- passphrase protection ---------------------------------------------------------------

    def protect(self, link_id: str, token: str | None, client: Client) -> str:
        """Encrypt this link's downloads with a new passphrase (age, scrypt), returned once to
        be shown in the portal; it is never stored and never e-mailed."""
        with self.store.transaction() as session:
            link = load_link(session, link_id)
            if self._session(session, link_id, token) is None:
                raise DownloadSessionError("confirm it is you first: ask for a fresh code")
            seen = link.protection_id
        # One passphrase at a time: each takes 2**scrypt_log_n KiB of memory (256 MiB at 18),
        # and a double click must not show two passphrases of which only the last opens it.
        with _ONE_AT_A_TIME:
            self._still_as_seen(link_id, seen)
            passphrase, protection_id = new_passphrase(), secrets.token_hex(16)
            file_key, _ = derive_file_key(self.config.age_key, protection_id)
            age_header = header(file_key, passphrase, self.config.scrypt_log_n)
            with self.store.transaction() as session:
                link = load_link(session, link_id)
                failure = self._refused(session, link, client, new_download=False)
                if failure is None:
                    link.protection_id, link.age_header = protection_id, age_header
                    link.protected_at = self.clock.now()
                    record_attempt(session, self.audit, self.clock, link, Outcome.PROTECTED,
                                   client)  # fmt: skip
                    return passphrase
        raise failure

    def _still_as_seen(self, link_id: str, protection_id: str | None) -> None:
        with self.store.transaction() as session:
            if load_link(session, link_id).protection_id != protection_id:
                raise ConflictError(
                    "this download was protected a moment ago, in another window or by another "
                    "click: use the passphrase shown there, or protect it again for a new one"
                )


def etag_of(link: DownloadLinkRow) -> str:
    """Names one version of a link's file: the package and its passphrase protection."""
    return f'"{digest(link.package_id + chr(0) + (link.protection_id or ""))[:32]}"'


def _filename(link: DownloadLinkRow) -> str:
    base = f"data-{link.request_id[:8]}.zip"
    return base + ".age" if link.age_header is not None else base


def _content_type(link: DownloadLinkRow) -> str:
    return "application/octet-stream" if link.age_header is not None else "application/zip"


def _language(session: Session, request_id: str) -> str:
    row = session.get(RequestRow, request_id)
    return row.language if row else "en"
