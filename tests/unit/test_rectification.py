"""A rectification's outcome (REQUIREMENTS.md:25, Art. 16 and 19): the fields corrected, each a
field of the data map, the recipients told, and what the requester reads; never the values."""

from __future__ import annotations

import pytest

from rightful.adapters.datamap.fides_yaml import load_datamap
from rightful.demo.estate import DATAMAP_FILES
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.errors import InvalidInputError
from rightful.domain.notices import remedies
from rightful.domain.rectification import rectification_text, rectified

DATAMAP = load_datamap(list(DATAMAP_FILES))
RID = "0f3a9c2e-1111-4222-8333-444455556666"


def test_each_field_is_named_once_in_order_and_told_in_plain_words() -> None:
    outcome = rectified(["accounts.customers.email", " accounts.customers.country",
                         "accounts.customers.email"], 2, DATAMAP)  # fmt: skip
    assert outcome.fields == ("accounts.customers.email", "accounts.customers.country")
    assert outcome.as_json() == {"fields": list(outcome.fields), "recipients_told": 2}
    text = rectification_text(outcome, RID, "en", "gdpr", remedies(Jurisdiction.GDPR, "en"))
    assert "under Article 16 GDPR. We corrected:\n- The current sign-in address. (One row" in text
    assert "- country (One row per customer account.)" in text and "2 recipients" in text
    german = rectification_text(outcome, RID, "de", "uk_gdpr", "")
    assert "nach Art. 16 UK GDPR berichtigt" in german


@pytest.mark.parametrize(
    ("fields", "told", "reason"),
    [
        ([], 0, "name the fields corrected"),
        (["accounts.customers.shoe_size"], 0, "not a field of the data map"),
        (["Anna Schmidt"], 0, "not a field of the data map"),
        (["accounts.customers.email"], -1, "0 to 1,000,000"),
    ],
)
def test_an_outcome_that_cannot_be_right_is_refused_with_what_to_fix(
    fields: list[str], told: int, reason: str
) -> None:
    with pytest.raises(InvalidInputError, match=reason):
        rectified(fields, told, DATAMAP)
