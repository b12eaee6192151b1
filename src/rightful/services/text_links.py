"""The short links text messages carry (`/t/<token>`): each stands for the link of one
verification, sign-in or download-code message, and leads to that link's own page once its
secret matches, so that a text with a code and its link stays one message. Following one
changes nothing: the page it leads to has the button, and checks what that link's page checks."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from rightful.adapters.db.base import Store
from rightful.adapters.db.delivery import DeliveryCodeRow
from rightful.adapters.db.verification import ChallengeRow
from rightful.domain.errors import NotFoundError
from rightful.domain.key_ring import KeyRing
from rightful.domain.verification import full_link_token
from rightful.services.codes import NO_SUCH_LINK, stored_under
from rightful.services.portal import PORTAL, sign_in_link_path

DOWNLOAD = "download"  # the purpose of download codes (services/download.py)


@dataclass(frozen=True)
class TextLinkKeys:
    """The keys the links' secrets are stored under, one per kind of code."""

    verification: bytes
    portal: KeyRing  # delivery codes: those under a previous web secret still lead somewhere
    download: KeyRing


class TextLinks:
    """Where a text's short link leads."""

    def __init__(self, store: Store, keys: TextLinkKeys) -> None:
        self.store, self.keys = store, keys

    def target(self, short: str) -> str:
        """The path of the page of the link `short` stands for; NotFoundError for anything that
        is not the short link of a message we sent."""
        token = full_link_token(short.strip())
        if token is None:
            raise NotFoundError(NO_SUCH_LINK)
        cid, _, secret = token.partition(".")
        with self.store.transaction() as session:
            path = self._challenge(session, cid, secret, token)
            path = path or self._code(session, cid, secret, token)
        if path is None:
            raise NotFoundError(NO_SUCH_LINK)
        return path

    def _challenge(self, session: Session, cid: str, secret: str, token: str) -> str | None:
        row = session.get(ChallengeRow, cid)
        if row is None or not _matches(row.link_hash, KeyRing(self.keys.verification), cid,
                                       secret):  # fmt: skip
            return None
        return f"/verify/link?token={token}"

    def _code(self, session: Session, cid: str, secret: str, token: str) -> str | None:
        row = session.get(DeliveryCodeRow, cid)
        if row is None or row.purpose not in (PORTAL, DOWNLOAD):
            return None
        key = self.keys.portal if row.purpose == PORTAL else self.keys.download
        if not _matches(row.link_hash, key, cid, secret):
            return None
        if row.purpose == PORTAL:
            return sign_in_link_path(row.request_id, token)
        return f"/download/{row.link_id}/code-link?token={token}"


def _matches(stored: str | None, keys: KeyRing, cid: str, secret: str) -> bool:
    return stored is not None and stored_under(keys, stored, cid, "link", secret)
