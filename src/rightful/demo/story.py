"""Hearthly's estate: each customer is there to make one way of sending the wrong data fail."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

from rightful.demo.estate import DemoEstate, EstateBuilder

# Who the demo's packages, mails and notices come from: the company the estate belongs to
# (Leipzig, hence the Saxon authority).
CONTROLLER: Final = {
    "controller_name": "Hearthly GmbH",
    "privacy_contact": "privacy@hearthly.example",
    "supervisory_authority": "Sächsische Datenschutzbeauftragte",
}


def at(text: str) -> datetime:
    """A UTC instant from 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM:SS'."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def hearthly() -> DemoEstate:
    """The demo estate, the same on every call."""
    b = EstateBuilder()
    _anna_and_ben(b)
    _the_other_anna(b)
    _carl_and_dora(b)
    _eve_greta_hugo(b)
    _nobodys(b)
    return b.build()


def _anna_and_ben(b: EstateBuilder) -> None:
    anna = b.customer(
        "Anna Schmidt",
        "anna.schmidt@example.com",
        at("2018-04-02"),
        phone="+4915123456789",
        story="owns speaker D-1001; her partner Ben talks to it too",
    )
    b.email(anna, "anna.schmidt@example.com", at("2018-04-02"), None)
    ben = b.customer(
        "Ben Krüger",
        "ben.krueger@example.com",
        at("2020-09-01"),
        story="Anna's partner: uses her speaker, owns none; gets none of its recordings",
    )
    b.email(ben, "ben.krueger@example.com", at("2020-09-01"), None)
    b.household_member(anna, "Ben Krüger", "partner")
    b.contact(anna, "Mum", "+49892345678")
    b.contact(anna, "Ben Krüger", "+491605550123")
    b.device("D-1001")
    b.ownership("D-1001", anna, at("2021-03-01"), None)
    b.recording("D-1001", at("2021-02-20 10:00:00"), None, "[factory test tone]")
    b.recording("D-1001", at("2021-03-01"), anna, "Hearthly, hello")
    b.recording("D-1001", at("2021-06-10 07:31:00"), anna, "What's the weather in Leipzig?")
    b.recording("D-1001", at("2022-01-05 20:15:00"), anna, "Play some jazz (Ben speaking)")
    b.recording("D-1001", at("2023-07-19 18:02:00"), anna, "Call Mum (Ben speaking)")
    b.recording("D-1001", at("2024-02-02 12:00:00"), anna, "Set a timer for ten minutes")
    b.order(anna, at("2021-02-25"), "Hearthly One", 9900, "Karl-Liebknecht-Str. 1, Leipzig")
    b.order(anna, at("2023-11-30"), "Hearthly Mini", 4900, "Karl-Liebknecht-Str. 1, Leipzig")
    b.order(ben, at("2022-12-12"), "Hearthly Mini (gift)", 4900, "Karl-Liebknecht-Str. 1, Leipzig")
    b.ticket(
        "Anna.Schmidt@Example.COM",
        at("2022-08-01"),
        anna,
        "Speaker offline",
        "My speaker keeps dropping the Wi-Fi.",
    )
    b.newsletter("  Anna.Schmidt@Example.COM ", at("2018-05-01"), anna, "product news")
    b.newsletter("BEN.KRUEGER@EXAMPLE.COM", at("2021-01-01"), ben, "offers")


def _the_other_anna(b: EstateBuilder) -> None:
    anna2 = b.customer(
        "Anna Schmidt",
        "anna.s@example.org",
        at("2019-06-15"),
        phone="+493012345678",
        story="same name as customer 1, different person",
    )
    b.email(anna2, "anna.s@example.org", at("2019-06-15"), None)
    b.device("D-1002", model="Hearthly Mini")
    b.ownership("D-1002", anna2, at("2019-06-20"), None)
    b.recording("D-1002", at("2019-07-01 09:00:00"), anna2, "Good morning")
    b.recording("D-1002", at("2020-12-24 19:00:00"), anna2, "Play Christmas songs")
    b.recording("D-1002", at("2023-05-05 06:45:00"), anna2, "Snooze")
    b.order(anna2, at("2019-06-16"), "Hearthly Mini", 4900, "Hauptstr. 5, Berlin")
    b.ticket("anna.s@example.org ", at("2020-01-01"), anna2, "Invoice", "Please resend it.")


def _carl_and_dora(b: EstateBuilder) -> None:
    carl = b.customer(
        "Carl Meyer",
        "carl@example.com",
        at("2019-01-10"),
        story="resold speaker D-1003 in 2022; gave up carl.old@mailbox.example",
    )
    b.email(carl, "carl.old@mailbox.example", at("2019-01-10"), at("2021-06-01"))
    b.email(carl, "carl@example.com", at("2021-06-01"), None)
    dora = b.customer(
        "Dora Vogel",
        "carl.old@mailbox.example",
        at("2022-01-15"),
        story="bought D-1003 second-hand; the mail provider gave her Carl's old address",
    )
    b.email(dora, "carl.old@mailbox.example", at("2022-01-15"), None)
    b.device("D-1003")
    b.ownership("D-1003", carl, at("2020-01-10"), at("2022-03-01"))
    b.ownership("D-1003", dora, at("2022-06-01"), None)
    b.recording("D-1003", at("2020-01-10"), carl, "Hello (first words)")
    b.recording("D-1003", at("2020-08-08 08:08:00"), carl, "Add milk to the list")
    b.recording("D-1003", at("2021-12-24 17:00:00"), carl, "Read my messages")
    b.recording("D-1003", at("2022-02-28 23:59:59"), carl, "Goodbye, speaker")
    b.recording("D-1003", at("2022-03-01"), None, "[reset at the refurbisher]")
    b.recording("D-1003", at("2022-04-15 11:00:00"), None, "[refurbisher test]")
    b.recording("D-1003", at("2022-06-01"), dora, "Hello, new speaker")
    b.recording("D-1003", at("2022-09-09 21:00:00"), dora, "Remind me to call the doctor")
    b.recording("D-1003", at("2023-03-03 07:00:00"), dora, "Weather today")
    b.order(carl, at("2020-01-05"), "Hearthly One", 9900, "Lindenweg 3, Hamburg")
    b.order(dora, at("2022-05-30"), "Hearthly One (refurbished)", 5900, "Am Markt 9, Bremen")
    b.ticket("carl.old@mailbox.example", at("2020-05-05"), carl, "Pairing", "It won't pair.")
    b.ticket("Carl.Old@Mailbox.example", at("2021-10-10"), None, "Hello?", "Anyone there?")
    b.ticket(
        "carl.old@mailbox.example",
        at("2023-02-02"),
        dora,
        "Voice profile",
        "Please reset the voice profile.",
    )
    b.newsletter("carl.old@mailbox.example", at("2019-03-03"), carl, "product news")
    b.newsletter(" CARL.OLD@mailbox.example", at("2022-09-01"), dora, "offers")


def _eve_greta_hugo(b: EstateBuilder) -> None:
    eve = b.customer(
        "Eve Wild",
        "%_%@example.com",
        at("2020-02-02"),
        story="an address made of SQL wildcards: it must match only itself",
    )
    b.email(eve, "%_%@example.com", at("2020-02-02"), None)
    b.device("D-1004", model="Hearthly Mini")
    b.ownership("D-1004", eve, at("2020-02-02"), None)
    b.recording("D-1004", at("2020-03-03 03:03:00"), eve, "What is a wildcard?")
    b.recording("D-1004", at("2021-04-04 04:04:00"), eve, "Percent underscore percent")
    b.order(eve, at("2020-02-01"), "Hearthly Mini", 4900, "Ringstr. 7, Köln")
    b.ticket("%_%@EXAMPLE.com", at("2021-04-04"), eve, "Sign-in", "My address is odd.")
    b.newsletter("%_%@example.com", at("2020-03-01"), eve, "product news")
    greta = b.customer(
        "Greta Ivanova",
        "\u0430nna.schmidt@example.com",
        at("2022-02-02"),
        story="her address starts with a Cyrillic 'а': a look-alike, not Anna's",
    )
    b.email(greta, "\u0430nna.schmidt@example.com", at("2022-02-02"), None)
    b.order(greta, at("2022-02-03"), "Hearthly Mini", 4900, "Nevsky-Allee 2, Dresden")
    b.newsletter("\u0430nna.schmidt@example.com", at("2022-03-03"), greta, "offers")
    hugo = b.customer(
        "Hugo Brandt",
        "hugo@example.com",
        at("2021-01-01"),
        phone="+491701234567",
        story="typed his address with capitals and spaces",
    )
    b.email(hugo, "hugo@example.com", at("2021-01-01"), None)
    b.ticket("  HUGO@Example.com ", at("2021-05-05"), hugo, "Refund", "Please refund me.")
    b.newsletter(" hugo@EXAMPLE.com", at("2021-02-02"), hugo, "product news")


def _nobodys(b: EstateBuilder) -> None:
    b.device("D-1005", model="Hearthly One (shop demo unit)")
    b.recording("D-1005", at("2021-11-11 11:11:00"), None, "[shop visitor] Hello")
    b.recording("D-1005", at("2022-11-11 11:11:00"), None, "[shop visitor] Play music")
    b.newsletter("nobody@example.net", at("2020-01-01"), None, "offers")
    b.ticket("stranger@example.net", at("2021-01-01"), None, "Question", "Do you ship abroad?")
