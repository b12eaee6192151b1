"""Passphrase protection of a download: the file a link serves is age-encrypted (scrypt) under a
new passphrase, shown once to the browser that holds a download session and never stored."""

from __future__ import annotations

import secrets
import threading

from rightful.adapters.crypto.age_stream import derive_file_key, header
from rightful.domain.delivery import Client, DownloadSessionError, Outcome, new_passphrase
from rightful.domain.errors import ConflictError
from rightful.services.delivery import load_link, record_attempt
from rightful.services.download_sessions import DownloadSessions

_ONE_AT_A_TIME = threading.Lock()


class PassphraseProtection(DownloadSessions):
    """Protects a link's downloads with a passphrase, one passphrase at a time."""

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
            file_key, _ = derive_file_key(self.config.age_key.current, protection_id)
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
