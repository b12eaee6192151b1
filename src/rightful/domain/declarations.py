"""CCPA requests to know specific pieces of personal information (Cal. Code Regs. tit. 11
§7062): who has proven enough. An account holder re-authenticates (§7061(b)); anyone else
matches three data points and signs a declaration under penalty of perjury (§7062(c)), on the
portal or on paper (staff record it there and another staff member approves it). CCPA requests
to delete (§7061(b), §7062(d)): an account holder re-authenticates; anyone else matches two
data points, or three when the data is sensitive."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from rightful.domain.datamap import DataCollection, DataMap
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.errors import InvalidInputError
from rightful.domain.identities import IdentityType
from rightful.domain.requests import ANSWERED_WITH_PACKAGE, RequestType
from rightful.domain.sensitivity import Sensitivity
from rightful.domain.verification import Factor
from rightful.domain.words import written

SPECIFIC_PIECES_DATA_POINTS = 3  # §7062(c)
CATEGORIES_DATA_POINTS = 2  # §7062(b)
DELETION_DATA_POINTS = 2  # §7062(d): a reasonable degree of certainty
SENSITIVE_DELETION_DATA_POINTS = 3  # §7062(d): a reasonably high degree, for sensitive data
MAX_NAME = 200

STATEMENT: dict[str, str] = {
    "en": "I declare under penalty of perjury under the laws of the State of California that I "
    "am the consumer whose personal information is the subject of this request.",
    "de": "Ich erkläre unter Strafandrohung wegen Meineids nach dem Recht des Staates "
    "Kalifornien, dass ich die Verbraucherin oder der Verbraucher bin, deren oder dessen "
    "personenbezogene Informationen Gegenstand dieser Anfrage sind.",
}


@dataclass(frozen=True)
class DataPoint:
    """One verified identity leading to the bound subject, and the factor that proved it."""

    type: IdentityType
    factor: Factor


def applies(jurisdiction: Jurisdiction, kind: RequestType) -> bool:
    """A CCPA request to know answered with the specific pieces (a package)."""
    return jurisdiction is Jurisdiction.CCPA and kind in ANSWERED_WITH_PACKAGE


def statement(language: str) -> str:
    """The words the requester declares, in their language (English when there is none)."""
    return STATEMENT.get(language, STATEMENT["en"])


def statement_digest(text: str) -> str:
    """SHA-256 of the statement as shown: the record says which words were declared."""
    return hashlib.sha256(text.encode()).hexdigest()


def signed_name(raw: str) -> str:
    """The full name typed as a signature; InvalidInputError says what to fix."""
    name = " ".join(written(raw, "your full name").split())
    if len(name) < 2 or len(name) > MAX_NAME:
        raise InvalidInputError(f"type your full name (2 to {MAX_NAME} characters) to sign")
    return name


def written_name(raw: str) -> str:
    """The signer's full name as written on a declaration received on paper."""
    name = " ".join(written(raw, "the signer's full name").split())
    if len(name) < 2 or len(name) > MAX_NAME:
        raise InvalidInputError(
            f"full_name: the signer's full name as written (2 to {MAX_NAME} characters)"
        )
    return name


def signed_on(day: date, today: date) -> date:
    """The date a paper declaration was signed: never later than today."""
    if day > today:
        raise InvalidInputError(f"signed_on: {day.isoformat()} is in the future")
    return day


def data_points(points: Iterable[DataPoint]) -> int:
    """Distinct types of identity proven: two e-mail addresses are one data point."""
    return len({p.type for p in points})


def signed_in(points: Iterable[DataPoint]) -> bool:
    """Whether the requester signed in with their account for this request (re-authenticated)."""
    return any(p.factor is Factor.ACCOUNT_ASSERTION for p in points)


def categories_verified(points: Iterable[DataPoint], *, account_holder: bool = False) -> bool:
    """Whether the requester is verified for a request to know categories (§7062(b)): a
    signed-in account, or two data points of distinct types; no declaration is asked. The
    categories held about a consumer are their data too: an account holder re-authenticates
    before they are disclosed (§7061(b)), and data points do not replace that."""
    proven = list(points)
    if signed_in(proven):
        return True
    return not account_holder and data_points(proven) >= CATEGORIES_DATA_POINTS


_WAIT = {
    "en": {
        "points": "{needed} matching data points ({count} verified so far)",
        "declaration": "a declaration signed under penalty of perjury",
        "and": " and ",
        "wait": "the specific pieces of personal information are disclosed only to a signed-in "
        "account holder, or with {missing} (Cal. Code Regs. tit. 11 §7062(c))",
        "account": "we disclose the personal information of an account holder, its specific "
        "pieces or its categories, only once they have signed in with their account for this "
        "request (Cal. Code Regs. tit. 11 §7061(b))",
        "unread": "we cannot tell right now which further proof, if any, the disclosure of your "
        "personal information needs; please look again later",
    },
    "de": {
        "points": "{needed} übereinstimmenden Angaben ({count} bisher bestätigt)",
        "declaration": "einer unter Strafandrohung wegen Meineids unterschriebenen Erklärung",
        "and": " und ",
        "wait": "die einzelnen personenbezogenen Daten geben wir nur an eine mit ihrem Konto "
        "angemeldete Person heraus, oder mit {missing} (Cal. Code Regs. tit. 11 §7062(c))",
        "account": "die personenbezogenen Daten einer Kontoinhaberin oder eines "
        "Kontoinhabers, einzeln oder nach Kategorien, geben wir erst heraus, wenn sie oder er "
        "sich für diese Anfrage mit dem Konto angemeldet hat (Cal. Code Regs. tit. 11 §7061(b))",
        "unread": "welche weiteren Nachweise die Herausgabe Ihrer personenbezogenen Daten "
        "vielleicht noch braucht, können wir gerade nicht feststellen; bitte sehen Sie später "
        "wieder nach",
    },
}
# For staff: why the account check of §7061(b) could not be read before a disclosure (a
# source's name and state, never personal data). The requester reads only "unread".
DISCLOSURE_ACCOUNT_UNREAD = (
    "whether the requester holds an account could not be read now ({why}): the package waits "
    "until it can be (Cal. Code Regs. tit. 11 §7061(b)); look again once the source answers"
)


def disclosure_wait(
    points: Iterable[DataPoint], declared: bool, language: str = "en", *,
    account_holder: bool = False,
) -> str | None:  # fmt: skip
    """None when the specific pieces may be disclosed; else what is still missing, in words,
    in `language` (English, staff's, when there is none). An account holder re-authenticates
    (§7061(b)): data points and a declaration do not replace that, as for a deletion."""
    proven = list(points)
    if signed_in(proven):
        return None
    say = _WAIT.get(language, _WAIT["en"])
    if account_holder:
        return say["account"]
    missing = []
    count = data_points(proven)
    if count < SPECIFIC_PIECES_DATA_POINTS:
        missing.append(say["points"].format(needed=SPECIFIC_PIECES_DATA_POINTS, count=count))
    if not declared:
        missing.append(say["declaration"])
    if not missing:
        return None
    return say["wait"].format(missing=say["and"].join(missing))


def disclosure_unread(why: str | None, language: str = "en") -> str:
    """What a CCPA request to know waits for while the account check cannot be read: for staff
    (`why` given, in English) the source that did not answer; for the requester, in `language`,
    only that it cannot be told now."""
    if why is not None:
        return DISCLOSURE_ACCOUNT_UNREAD.format(why=why)
    return _WAIT.get(language, _WAIT["en"])["unread"]


# --- requests to delete (§7061(b), §7062(d)) ---------------------------------------------------


def deletion_applies(jurisdiction: Jurisdiction, kind: RequestType) -> bool:
    """A CCPA request to delete."""
    return jurisdiction is Jurisdiction.CCPA and kind is RequestType.ERASURE


def deletion_points_needed(sensitive: bool) -> int:
    """Data points a non-account holder matches before a deletion: two, or three when the data
    to be deleted is sensitive (its wrong deletion harms the consumer more, §7062(d))."""
    return SENSITIVE_DELETION_DATA_POINTS if sensitive else DELETION_DATA_POINTS


def holds_sensitive(datamap: DataMap) -> bool:
    """Whether the data map holds data of high sensitivity (Art. 9 and financial data, precise
    location, voice: `domain.sensitivity`), which a request to delete reaches: the same level
    that asks a second factor before it is collected."""
    return any(datamap.sensitivity_of(c.address) is Sensitivity.HIGH
               for c in datamap.collections())  # fmt: skip


@dataclass(frozen=True)
class AccountFields:
    """Where the data map says whether a subject holds an account: fields of the subject
    collection whose identity is the one an account assertion names. When the subject key is
    one of them, every subject is an account holder."""

    collection: DataCollection
    fields: tuple[str, ...]
    every_subject: bool


def account_fields(datamap: DataMap, kind: IdentityType) -> AccountFields | None:
    """The subject collection's fields of the account identity `kind`, or None when it has
    none (nobody is known to hold an account)."""
    subject = datamap.subject_collection
    if subject is None:
        return None
    names = tuple(f.name for f in subject.fields if f.identity is kind)
    if not names:
        return None
    return AccountFields(subject, names, any(n in subject.primary_key for n in names))


def holds_account(values: Iterable[object]) -> bool:
    """Whether a subject's account fields (as read) name an account: one is neither empty
    nor null."""
    return any(v is not None and str(v).strip() != "" for v in values)


_DELETE = {
    "en": {
        "account": "we delete the personal information of an account holder only once they "
        "have signed in with their account for this request (Cal. Code Regs. tit. 11 §7061(b))",
        "points": "we delete the personal information only once {needed} matching data points "
        "are verified ({count} so far) or the account holder has signed in "
        "(Cal. Code Regs. tit. 11 §7062(d))",
        "unread": "we cannot tell right now which further proof, if any, the deletion of your "
        "personal information needs; please look again later",
    },
    "de": {
        "account": "die personenbezogenen Daten einer Kontoinhaberin oder eines Kontoinhabers "
        "löschen wir erst, wenn sie oder er sich für diese Anfrage mit dem Konto angemeldet hat "
        "(Cal. Code Regs. tit. 11 §7061(b))",
        "points": "die personenbezogenen Daten löschen wir erst, wenn {needed} übereinstimmende "
        "Angaben bestätigt sind ({count} bisher) oder die Kontoinhaberin oder der Kontoinhaber "
        "sich angemeldet hat (Cal. Code Regs. tit. 11 §7062(d))",
        "unread": "welche weiteren Nachweise die Löschung Ihrer personenbezogenen Daten "
        "vielleicht noch braucht, können wir gerade nicht feststellen; bitte sehen Sie später "
        "wieder nach",
    },
}
# For staff: why the account check of §7061(b) could not be read (a source's name and state,
# never personal data). The requester reads only "unread" in their language.
ACCOUNT_UNREAD = (
    "whether the requester holds an account could not be read now ({why}): the deletion waits "
    "until it can be (Cal. Code Regs. tit. 11 §7061(b)); look again once the source answers"
)


def deletion_wait(
    points: Iterable[DataPoint], account_holder: bool, sensitive: bool, language: str = "en"
) -> str | None:
    """None when a CCPA deletion may be carried out; else what is still missing, in words, in
    `language` (English, staff's, when there is none). A consumer with an account re-
    authenticates (§7061(b)): data points do not replace that. Anyone else matches two data
    points, or three when the data is sensitive (§7062(d)); a signed-in account is enough too."""
    proven = list(points)
    if signed_in(proven):
        return None
    say = _DELETE.get(language, _DELETE["en"])
    if account_holder:
        return say["account"]
    needed, count = deletion_points_needed(sensitive), data_points(proven)
    return None if count >= needed else say["points"].format(needed=needed, count=count)


def account_unread(why: str | None, language: str = "en") -> str:
    """What a CCPA deletion waits for while the account check cannot be read: for staff (`why`
    given, in English) the source that did not answer; for the requester, in `language`, only
    that it cannot be told now (nothing about our sources or their account)."""
    if why is not None:
        return ACCOUNT_UNREAD.format(why=why)
    return _DELETE.get(language, _DELETE["en"])["unread"]
