"""The TOTP secrets of console users, sealed (AES-GCM) under a key derived from the web
secret: they open under the current key or a previous one (`web_previous_secrets`), and are
sealed again under the current key at the next sign-in or by `rightful staff reseal-totp`."""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select

from rightful.adapters.db.base import Store
from rightful.adapters.db.console import StaffUserRow
from rightful.domain.errors import ConfigurationError
from rightful.domain.key_ring import KeyRing
from rightful.domain.staff import Principal
from rightful.services.audit import AuditService

_AAD = b"totp"
SEALED_UNDER_NONE = (
    "TOTP secrets do not open under web_secret or web_previous_secrets: was web_secret "
    "changed? List the secret it replaced in web_previous_secrets"
)


@dataclass(frozen=True)
class Opened:
    """A TOTP secret, and whether it is sealed under the current key already."""

    secret: str
    current: bool


class TotpSeal:
    """Seals under the current key, opens under any key of the ring."""

    def __init__(self, keys: KeyRing) -> None:
        self.keys = keys

    def seal(self, secret: str) -> str:
        nonce = os.urandom(12)
        sealed = AESGCM(self.keys.current).encrypt(nonce, secret.encode(), _AAD)
        return base64.b64encode(nonce + sealed).decode()

    def open(self, sealed: str) -> Opened:
        """The secret; ConfigurationError when no key of the ring opens it."""
        raw = base64.b64decode(sealed)
        for key in self.keys.all:
            try:
                secret = AESGCM(key).decrypt(raw[:12], raw[12:], _AAD).decode()
            except InvalidTag:
                continue
            return Opened(secret, key == self.keys.current)
        raise ConfigurationError(SEALED_UNDER_NONE)

    def refresh(self, row: StaffUserRow) -> None:
        """Seal `row`'s secret under the current key, when a previous key sealed it."""
        opened = self.open(row.totp_secret)
        if not opened.current:
            row.totp_secret = self.seal(opened.secret)

    def reseal_all(self, store: Store, audit: AuditService, by: Principal) -> Resealed:
        """Seal every user's secret under the current key in one transaction (a second run
        finds nothing to do); audited with the counts only."""
        resealed = current = unopened = 0
        with store.transaction() as session:
            for row in session.scalars(select(StaffUserRow).with_for_update()):
                try:
                    opened = self.open(row.totp_secret)
                except ConfigurationError:
                    unopened += 1
                    continue
                if opened.current:
                    current += 1
                else:
                    row.totp_secret, resealed = self.seal(opened.secret), resealed + 1
            audit.record(session, by.id, by.role_name, "console.totp_resealed", None,
                         resealed=resealed, current=current, unopened=unopened)  # fmt: skip
        return Resealed(resealed, current, unopened)


@dataclass(frozen=True)
class Resealed:
    """What `reseal_all` did: users sealed anew, already current, and opening under no key."""

    resealed: int
    current: int
    unopened: int
