"""CCPA requests to delete (Cal. Code Regs. tit. 11 §7061(b), §7062(d)): whether the requester
has proven enough for the deletion to be carried out. An account holder re-authenticates; anyone
else matches two data points, or three when the data is sensitive. Until then the request stays
`verified` and waits, and staff cannot record it as carried out (`RequestService.answer`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from sqlalchemy.orm import Session

from rightful.adapters.db import verification_repo as repo
from rightful.adapters.db.tables import RequestRow
from rightful.domain import declarations as rule
from rightful.domain.datamap import DataMap
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.errors import SourceUnavailableError
from rightful.domain.identities import IdentityType
from rightful.domain.lifecycle import TERMINAL, Status
from rightful.domain.provenance import SubjectKey
from rightful.domain.requests import RequestType
from rightful.domain.sources import RecordSource
from rightful.services.declarations import proven_points

log = logging.getLogger("rightful.deletions")


class DeletionProof:
    """The §7061(b)/§7062(d) rule applied to a stored request. `account_holder` says whether a
    subject holds an account this installation can re-authenticate; `sensitive` whether the data
    a deletion reaches is sensitive (three data points instead of two), asked when needed (the
    data map is read only once a bound deletion asks)."""

    def __init__(
        self, account_holder: Callable[[SubjectKey], bool], sensitive: Callable[[], bool]
    ) -> None:
        self.account_holder, self.sensitive = account_holder, sensitive

    def wait(self, session: Session, row: RequestRow, language: str | None = None) -> str | None:
        """Why this CCPA deletion may not be carried out yet, or None, as a request is shown:
        for staff (no `language`) in English, or for the requester in their `language`. When
        the account check cannot be read now (a source does not answer), the request is still
        shown: it waits, and says so; staff read which source, the requester nothing of it."""
        try:
            return self.required(session, row, language or "en")
        except SourceUnavailableError as exc:
            log.warning("CCPA deletion %s: the account check could not be read: %s", row.id, exc)
            return rule.account_unread(str(exc) if language is None else None, language or "en")

    def required(self, session: Session, row: RequestRow, language: str = "en") -> str | None:
        """Why this CCPA deletion may not be carried out yet, or None, in `language` (English
        for staff): what decides whether it is (an answer, a denial), so a source that does not
        answer raises SourceUnavailableError rather than be guessed. Only a bound request waits
        (an unbound one is not verified at all); one that has ended waits for nothing."""
        if not applies(row) or Status(row.status) in TERMINAL:
            return None
        bound = repo.binding(session, row.id)
        if bound is None:
            return None
        points = proven_points(session, row)
        if rule.signed_in(points):  # re-authenticated: no need to ask whether they must
            return None
        holder = self.account_holder(repo.subject_of(bound))
        sensitive = not holder and self.sensitive()
        return rule.deletion_wait(points, holder, sensitive, language)


def applies(row: RequestRow) -> bool:
    """Whether the request is a CCPA request to delete."""
    return rule.deletion_applies(Jurisdiction(row.jurisdiction), RequestType(row.type))


def no_deletion_rule(session: Session, row: RequestRow, language: str | None = None) -> None:
    """A request service wired without the rule (unit tests of other things) waits for none."""
    return None


def holds_account(
    datamap: DataMap, sources: Mapping[str, RecordSource], kind: IdentityType, subject: SubjectKey
) -> bool:
    """Whether `subject` holds an account of identity `kind`: the subject collection's account
    field is its key (every subject has one), or has a value in the subject's row."""
    where = rule.account_fields(datamap, kind)
    if where is None:
        return False
    if where.every_subject:
        return True
    coll = where.collection
    source = sources[datamap.source_of(coll.address)]
    key = coll.primary_key
    rows = source.fetch(coll.name, [*key, *where.fields], key, [(subject.value,)])
    return any(rule.holds_account(row[len(key) :]) for row in rows)
