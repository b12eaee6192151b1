"""A rectification's outcome (REQUIREMENTS.md:25, Art. 16 and 19): the fields corrected, each a
field of the data map, every other place the data map says holds the same kind of data, each
corrected too or kept with a reason, the recipients told, and what the requester reads; never
the values."""

from __future__ import annotations

import pytest

from rightful.adapters.datamap.fides_yaml import load_datamap
from rightful.demo.estate import DATAMAP_FILES
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.errors import InvalidInputError
from rightful.domain.notices import remedies
from rightful.domain.rectification import (
    Rectification,
    also_held_in,
    kept_place,
    progressed,
    rectification_text,
    rectified,
)

DATAMAP = load_datamap(list(DATAMAP_FILES))
RID = "0f3a9c2e-1111-4222-8333-444455556666"


def test_each_field_is_named_once_in_order_and_told_in_plain_words() -> None:
    outcome = rectified(["accounts.customers.email", " accounts.customers.country",
                         "accounts.customers.email"], 2, DATAMAP)  # fmt: skip
    assert outcome.fields == ("accounts.customers.email", "accounts.customers.country")
    record = Rectification(outcome.fields, (), (), outcome.recipients_told)
    law = remedies(Jurisdiction.GDPR, "en")
    text = rectification_text(record, DATAMAP, RID, "en", "gdpr", law)
    assert "under Article 16 GDPR. We corrected:\n- The current sign-in address. (One row" in text
    assert "- country (One row per customer account.)" in text and "2 recipients" in text
    german = rectification_text(record, DATAMAP, RID, "de", "uk_gdpr", "")
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


def test_the_data_map_names_every_other_place_holding_the_same_kind_of_data() -> None:
    """REQUIREMENTS.md:25: a correction updates every source. The sign-in address is also held
    in the address history, the newsletter and support tickets; a country is part of an order's
    shipping address (user.contact.address holds user.contact.address.country). A name held only
    of other people (third_party) and fields of the same collection are not places to correct."""
    assert also_held_in(["accounts.customers.email"], DATAMAP) == (
        "accounts.email_history.email", "shop.newsletter.email", "shop.support_tickets.email",
    )  # fmt: skip
    assert also_held_in(["accounts.customers.country"], DATAMAP) == (
        "shop.orders.shipping_address",
    )
    assert also_held_in(["accounts.customers.full_name"], DATAMAP) == ()
    both = ["accounts.customers.email", "shop.newsletter.email"]
    assert "shop.newsletter.email" not in also_held_in(both, DATAMAP)


def test_a_rectification_stays_open_until_each_place_is_corrected_or_kept_with_a_reason() -> None:
    """REQUIREMENTS.md:25: complete only when every place also holding the data is corrected
    too or left with a recorded reason; steps add up, a place corrected later is not kept."""
    first = progressed(Rectification.from_json(None),
                       rectified(["accounts.customers.email"], 1, DATAMAP), DATAMAP)  # fmt: skip
    assert first.open == first.also_held == (
        "accounts.email_history.email", "shop.newsletter.email", "shop.support_tickets.email",
    )  # fmt: skip
    history = "accounts.email_history.email=the history proves which address held the account"
    tickets = "shop.support_tickets.email=sent as written"
    second = rectified(["shop.newsletter.email"], 1, DATAMAP,
                       [kept_place(history), kept_place(tickets)])  # fmt: skip
    record = progressed(Rectification.from_json(first.as_json()), second, DATAMAP)
    assert record.open == () and record.recipients_told == 2
    assert record.state_of("shop.newsletter.email") == "corrected"
    assert record.state_of("shop.support_tickets.email") == "kept: sent as written"
    later = progressed(record, rectified(["shop.support_tickets.email"], 0, DATAMAP), DATAMAP)
    assert [k.field for k in later.kept] == ["accounts.email_history.email"]
    assert Rectification.from_json(later.as_json()) == later
    old = Rectification.from_json({"fields": ["accounts.customers.email"], "recipients_told": 1})
    assert old.also_held == () and old.open == ()  # recorded before places were tracked


@pytest.mark.parametrize(
    ("fields", "kept", "reason"),
    [
        ([], [("shop.newsletter.email", "no longer sent")], "does not hold the kind of data"),
        (
            ["accounts.customers.email"],
            [("accounts.customers.full_name", "kept as it was")],
            "does not hold the kind of data",
        ),
        (["accounts.customers.email"], [("shop.newsletter.email", "short")], "at least 10"),
        (
            ["accounts.customers.email"],
            [("shop.newsletter.mail", "no longer sent")],
            "not a field of the data map",
        ),
        (
            ["accounts.customers.email"],
            [("accounts.customers.email", "no longer sent")],
            "both corrected and kept",
        ),
    ],
)
def test_a_place_kept_must_hold_the_corrected_data_and_say_why(
    fields: list[str], kept: list[tuple[str, str]], reason: str
) -> None:
    def record() -> Rectification:
        step = rectified(fields, 0, DATAMAP, kept)
        return progressed(Rectification.from_json(None), step, DATAMAP)

    with pytest.raises(InvalidInputError, match=reason):
        record()


def test_a_place_kept_is_typed_as_field_equals_why() -> None:
    assert kept_place(" shop.orders.shipping_address = invoice kept as issued ") == (
        "shop.orders.shipping_address", "invoice kept as issued",
    )  # fmt: skip
    with pytest.raises(InvalidInputError, match=r"dataset\.collection\.field=why"):
        kept_place("shop.orders.shipping_address")
