"""CCPA requests to know specific pieces of personal information (Cal. Code Regs. tit. 11
§7062): who has proven enough. An account holder re-authenticates (§7062(a)); anyone else
matches three data points and signs a declaration under penalty of perjury (§7062(c)), on the
portal or on paper (staff record it there and another staff member approves it)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from rightful.domain.deadlines import Jurisdiction
from rightful.domain.errors import InvalidInputError
from rightful.domain.identities import IdentityType
from rightful.domain.requests import ANSWERED_WITH_PACKAGE, RequestType
from rightful.domain.verification import Factor
from rightful.domain.words import written

SPECIFIC_PIECES_DATA_POINTS = 3  # §7062(c)
CATEGORIES_DATA_POINTS = 2  # §7062(b)
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


def categories_verified(points: Iterable[DataPoint]) -> bool:
    """Whether the requester is verified for a request to know categories (§7062(b)): a
    signed-in account, or two data points of distinct types; no declaration is asked."""
    proven = list(points)
    if any(p.factor is Factor.ACCOUNT_ASSERTION for p in proven):
        return True
    return data_points(proven) >= CATEGORIES_DATA_POINTS


_WAIT = {
    "en": {
        "points": "{needed} matching data points ({count} verified so far)",
        "declaration": "a declaration signed under penalty of perjury",
        "and": " and ",
        "wait": "the specific pieces of personal information are disclosed only to a signed-in "
        "account holder, or with {missing} (Cal. Code Regs. tit. 11 §7062(c))",
    },
    "de": {
        "points": "{needed} übereinstimmenden Angaben ({count} bisher bestätigt)",
        "declaration": "einer unter Strafandrohung wegen Meineids unterschriebenen Erklärung",
        "and": " und ",
        "wait": "die einzelnen personenbezogenen Daten geben wir nur an eine mit ihrem Konto "
        "angemeldete Person heraus, oder mit {missing} (Cal. Code Regs. tit. 11 §7062(c))",
    },
}


def disclosure_wait(
    points: Iterable[DataPoint], declared: bool, language: str = "en"
) -> str | None:
    """None when the specific pieces may be disclosed; else what is still missing, in words,
    in `language` (English, staff's, when there is none)."""
    proven = list(points)
    if any(p.factor is Factor.ACCOUNT_ASSERTION for p in proven):
        return None
    say = _WAIT.get(language, _WAIT["en"])
    missing = []
    count = data_points(proven)
    if count < SPECIFIC_PIECES_DATA_POINTS:
        missing.append(say["points"].format(needed=SPECIFIC_PIECES_DATA_POINTS, count=count))
    if not declared:
        missing.append(say["declaration"])
    if not missing:
        return None
    return say["wait"].format(missing=say["and"].join(missing))
