"""Download sessions: what a proof of identity opens for one download link, and the checks
every step of a download makes against its link (expiry, revocation, downloads left)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from rightful.adapters.db.base import Store
from rightful.adapters.db.delivery import DownloadLinkRow, DownloadSessionRow
from rightful.domain.clock import Clock
from rightful.domain.delivery import (
    REFUSAL_OUTCOME,
    Client,
    LinkPolicy,
    LinkRefusedError,
    Outcome,
    PackageSource,
    check_link,
)
from rightful.domain.key_ring import KeyRing
from rightful.domain.verification import AccountAssertionChecker, CodePolicy
from rightful.services.audit import AuditService
from rightful.services.codes import CodeBook
from rightful.services.delivery import link_state, load_link, record_attempt
from rightful.services.notices import MailNotices

AccountFits = Callable[[str, str], bool]  # (request id, account subject) -> proven for it?


@dataclass(frozen=True)
class DownloadConfig:
    link: LinkPolicy
    codes: CodePolicy
    code_key: KeyRing  # each: the current key makes, any key of the ring checks or opens
    age_key: KeyRing
    stop_key: KeyRing  # signs the stop link in a download-code mail (not_mine.stop_path)
    scrypt_log_n: int = 18


class DownloadSessions:
    """Opens and finds download sessions, and refuses (recording the attempt) what the link's
    state no longer allows; the proofs, the streaming and the protection build on it."""

    def __init__(
        self, store: Store, clock: Clock, audit: AuditService, notices: MailNotices,
        packages: PackageSource, config: DownloadConfig,
        assertions: AccountAssertionChecker | None = None,
        account_fits: AccountFits | None = None,
    ) -> None:  # fmt: skip
        self.store, self.clock, self.audit = store, clock, audit
        self.notices, self.packages, self.config = notices, packages, config
        self.assertions, self.account_fits = assertions, account_fits
        self.codes = CodeBook(clock, config.codes, config.code_key)

    def has_session(self, link_id: str, token: str | None) -> bool:
        """Whether a cookie holds a live download session for this link."""
        with self.store.transaction() as session:
            return self._session(session, link_id, token) is not None

    def _open_session(
        self, session: Session, link: DownloadLinkRow, proof: str, evidence: str, client: Client
    ) -> str:
        token, now = secrets.token_urlsafe(32), self.clock.now()
        session.add(DownloadSessionRow(
            id=secrets.token_hex(16), link_id=link.id, token_hash=digest(token), proof=proof,
            evidence=evidence, created_at=now,
            expires_at=min(now + self.config.link.session, link.expires_at),
        ))  # fmt: skip
        record_attempt(session, self.audit, self.clock, link, Outcome.VERIFIED, client)
        return token

    def _session(
        self, session: Session, link_id: str, token: str | None
    ) -> DownloadSessionRow | None:
        if not token:
            return None
        record = session.scalar(
            select(DownloadSessionRow).where(DownloadSessionRow.token_hash == digest(token))
        )
        if record is None or record.link_id != link_id or self.clock.now() >= record.expires_at:
            return None
        return record

    def _refused(
        self, session: Session, link: DownloadLinkRow, client: Client, *, new_download: bool = True
    ) -> LinkRefusedError | None:
        try:
            check_link(link_state(link), self.clock.now(), new_download=new_download)
        except LinkRefusedError as refused:
            outcome = REFUSAL_OUTCOME[refused.reason]
            record_attempt(session, self.audit, self.clock, link, outcome, client)
            return refused
        return None

    def _note(self, link_id: str, outcome: Outcome, client: Client) -> None:
        with self.store.transaction() as session:
            record_attempt(session, self.audit, self.clock, load_link(session, link_id), outcome,
                           client)  # fmt: skip


def digest(token: str) -> str:
    """The SHA-256 of a session token (what is stored) or of a file version's name."""
    return hashlib.sha256(token.encode()).hexdigest()
