"""What a business never discloses in answer to a CCPA request to know, and says it holds.

Cal. Code Regs. tit. 11, §7024(d): a business shall not disclose a consumer's Social Security
number, driver's license or other government-issued identification number, financial account
number, health insurance or medical identification number, account password, security questions
and answers, or unique biometric data generated from measurements or technical analysis of human
characteristics; it shall, however, inform the consumer with sufficient particularity that it
has collected that type of information. The fields of the data map whose categories fall under
those types are emptied in a CCPA package, and the package names each one that held a value.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from rightful.domain.datamap import DataMap
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.requests import ANSWERED_WITH_PACKAGE, RequestType
from rightful.domain.sensitivity import falls_under

# Fides data categories (and everything under them). Raw voice recordings (user.biometric.voice)
# are not on the list: §7024(d) names the biometric data generated from them, not the recordings.
CCPA_NEVER_DISCLOSED: Final[tuple[str, ...]] = (
    "user.government_id",
    "user.financial.bank_account",
    "user.financial.credit_card",
    "user.health_and_medical.insurance_beneficiary_id",
    "user.health_and_medical.record_id",
    "user.authorization.credentials",
    "user.authorization.password",
    "user.authorization.biometric",
    "user.biometric.fingerprint",
    "user.biometric.retinal",
)

REASON: Final = "ccpa_7024_d"

# collection address -> field -> the never-disclosed categories the field is declared with
Undisclosed = dict[str, dict[str, tuple[str, ...]]]


def applies(jurisdiction: Jurisdiction, request_type: RequestType) -> bool:
    """Whether a request is answered under §7024(d): a CCPA request answered with a package."""
    return jurisdiction is Jurisdiction.CCPA and request_type in ANSWERED_WITH_PACKAGE


def never_disclosed(datamap: DataMap, types: Iterable[str]) -> Undisclosed:
    """The fields whose values a CCPA package leaves empty, by collection. A key field is never
    among them: the row could not be named without it (key such a table by something else)."""
    types = tuple(types)
    found: Undisclosed = {}
    for coll in datamap.collections():
        for f in coll.fields:
            held = tuple(c for c in f.data_categories if falls_under(c, types))
            if held and not f.primary_key:
                found.setdefault(coll.address, {})[f.name] = held
    return found
