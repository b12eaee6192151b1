"""`rightful datamap check`: the graph for a good map, one line per error for a bad one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rightful.demo.estate import DATAMAP_FILES
from rightful.entrypoints.cli.datamap import app

runner = CliRunner()


def _warnings_after_editing(
    tmp_path: Path, name: str, edit: Callable[[str], str]
) -> tuple[Path, list[str]]:
    """Check the demo map with its file `name` edited; the edited file and the warnings."""
    edited = tmp_path / name
    edited.write_text(edit(next(p for p in DATAMAP_FILES if p.name == name).read_text()))
    others = [str(p) for p in DATAMAP_FILES if p.name != name]
    result = runner.invoke(app, ["check", *others, str(edited)])
    assert result.exit_code == 0, "the map can still drive a collection"
    return edited, [line for line in result.output.splitlines() if line.startswith("warning: ")]


def test_check_prints_identities_traversal_windows_and_indexes() -> None:
    result = runner.invoke(app, ["check", *map(str, DATAMAP_FILES)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "subject: accounts.customers (subject key: customer_id)" in out
    assert "email: accounts.email_history.email  [valid valid_from .. valid_until]" in out
    assert (
        "speaker.device_ownership.owned_from ≤ speaker.recordings.recorded_at "
        "< speaker.device_ownership.owned_until"
    ) in out
    assert "2 speaker.recordings  [sensitivity: high]" in out
    assert "CREATE INDEX ix_newsletter_email_folded ON newsletter (lower(trim(email)));" in out
    assert "CREATE INDEX ix_recordings_device_serial ON recordings (device_serial);" in out
    assert out.rstrip().endswith("ok")


def test_check_warns_of_collections_whose_packages_cannot_say_why_or_how_long(
    tmp_path: Path,
) -> None:
    """REQUIREMENTS.md:19: every copy comes with the purposes and the retention period; a map
    that declares neither for a collection passed with "ok", and its packages said nothing."""
    silent, warnings = _warnings_after_editing(tmp_path, "shop.yaml", lambda text: (
        text.replace('        retention:\n'
                     '          en: "10 years for orders (commercial and tax law), 2 years for '
                     'tickets"\n'
                     '          de: "10 Jahre für Bestellungen (Handels- und Steuerrecht), 2 Jahre '
                     'für Anfragen"\n', "")
        .replace('          purposes:\n'
                 '            - en: "Send the newsletter the subscriber asked for"\n'
                 '              de: "Versand des Newsletters, den die abonnierende Person '
                 'bestellt hat"\n', "")
        .replace('        purposes:\n'
                 '          - {en: "Sell and deliver products", de: "Verkauf und Lieferung von '
                 'Produkten"}\n'
                 '          - {en: "Customer support", de: "Kundenservice"}\n', "")
    ))  # fmt: skip
    why = "no purposes: its packages cannot say why the data is used (Art. 15(1)(a)); declare "
    long = "no retention: its packages cannot say how long the data is kept (Art. 15(1)(d)); "
    assert warnings == [
        f"warning: {silent}: shop.newsletter: {why}rightful: purposes",
        f"warning: {silent}: shop.orders: {why}rightful: purposes",
        f"warning: {silent}: shop.orders: {long}declare rightful: retention",
        f"warning: {silent}: shop.support_tickets: {why}rightful: purposes",
        f"warning: {silent}: shop.support_tickets: {long}declare rightful: retention",
    ]
    demo = runner.invoke(app, ["check", *map(str, DATAMAP_FILES)])
    assert "warning:" not in demo.output


def test_check_warns_of_collections_that_leave_automated_decisions_unsaid(tmp_path: Path) -> None:
    """REQUIREMENTS.md:19: the existence of automated decision-making and its logic are owed
    (Art. 15(1)(h)). A collection without `automated_decisions` passed silently, and its
    packages said that no decision with legal or similarly significant effect is made (they now
    say the records do not tell)."""
    default = (
        "        automated_decisions: false  # Art. 15(1)(h): none, unless a collection says so\n"
    )
    silent, warnings = _warnings_after_editing(
        tmp_path, "speaker.yaml", lambda text: text.replace(default, "")
    )
    unsaid = (
        "no automated_decisions: its packages can only say that the records do not tell "
        "whether decisions with legal or similarly significant effect are made "
        "automatically (Art. 15(1)(h)); declare rightful: automated_decisions (false when "
        "none is made)"
    )
    assert warnings == [
        f"warning: {silent}: speaker.device_ownership: {unsaid}",
        f"warning: {silent}: speaker.devices: {unsaid}",
    ], "speaker.recordings declares its own"


def test_check_warns_of_automated_decisions_whose_logic_or_significance_is_unsaid(
    tmp_path: Path,
) -> None:
    """REQUIREMENTS.md:19, Art. 15(1)(h): where automated decisions are made, the package owes
    meaningful information about the logic involved and their significance and consequences."""
    silent, warnings = _warnings_after_editing(
        tmp_path, "speaker.yaml", lambda text: text.replace(
            "          automated_decisions:\n            exists: false\n",
            "          automated_decisions:\n            exists: true\n",
        )
    )  # fmt: skip
    assert warnings == [
        f"warning: {silent}: speaker.recordings: automated_decisions are made, but its packages "
        "cannot give the logic involved and their significance and envisaged consequences "
        "(Art. 15(1)(h)); declare automated_decisions: logic and significance"
    ]


def test_check_warns_of_collections_that_leave_their_recipients_unsaid(tmp_path: Path) -> None:
    """REQUIREMENTS.md:19: the recipients are owed (Art. 15(1)(c)). A collection without
    `recipients:` passed silently, and its packages said "Nobody outside" as if declared."""
    silent, warnings = _warnings_after_editing(
        tmp_path, "speaker.yaml", lambda text: text.replace("recipients: []", "recipients:")
    )
    unsaid = (
        "no recipients: its packages cannot say who receives the data (Art. 15(1)(c)) nor "
        "whether it is sold or shared (CCPA); declare rightful: recipients (recipients: [] when "
        "nobody outside receives it)"
    )
    assert warnings == [
        f"warning: {silent}: speaker.device_ownership: {unsaid}",
        f"warning: {silent}: speaker.devices: {unsaid}",
    ], "speaker.recordings names its own recipients"


def test_check_warns_of_recipients_not_declared_as_sale_sharing_or_business_purpose(
    tmp_path: Path,
) -> None:
    """Cal. Civ. Code §1798.110(c), §1798.115(a): a CCPA package says whether the data is sold
    or shared. A map that did not say passed silently (every map may meet a CCPA request)."""
    silent, warnings = _warnings_after_editing(
        tmp_path, "accounts.yaml", lambda text: text.replace("disclosure: business_purpose", "")
    )
    unsaid = (
        "recipient Hosting provider (Hetzner Online GmbH): no disclosure: its CCPA packages "
        "cannot say whether the data is sold or shared (Cal. Civ. Code §1798.110(c), "
        "§1798.115(a)); declare disclosure: business_purpose, sale or sharing"
    )
    assert warnings == [
        f"warning: {silent}: accounts.{name}: {unsaid}"
        for name in ["contacts", "customers", "email_history", "household_members"]
    ]


def test_check_warns_of_a_recipient_a_requester_would_read_named_in_another_language(
    tmp_path: Path,
) -> None:
    """Art. 15(1)(c): the recipients told intelligibly; a name carrying a role ("speech-to-text
    processor") given only in English is read in English by German requesters."""
    silent, warnings = _warnings_after_editing(tmp_path, "speaker.yaml", lambda text: (
        text.replace('                de: "SpeechCloud Inc. (Auftragsverarbeiter für '
                     'Spracherkennung)"\n', "")
    ))  # fmt: skip
    assert warnings == [
        f"warning: {silent}: speaker.recordings: recipient SpeechCloud Inc. (speech-to-text "
        'processor): name "SpeechCloud Inc. (speech-to-text proces…" has no de wording: '
        "requesters in de read it in en; give it as {en: ..., de: ...}",
    ]


def test_check_warns_of_texts_a_requester_would_read_in_another_language(tmp_path: Path) -> None:
    """Art. 12(1) GDPR: the information in clear and plain language. German requesters are
    answered in German, and a text the map gives only in English passed silently, to be read
    in English under "Zwecke"."""
    silent, warnings = _warnings_after_editing(tmp_path, "speaker.yaml", lambda text: (
        text.replace('            - {en: "Answer voice requests", de: "Beantwortung von '
                     'Sprachanfragen"}', '            - "Answer voice requests"')
        .replace("        description: The speaker hardware.\n        rightful:\n"
                 '          description: {de: "Die Lautsprecher-Hardware."}\n',
                 "        description: The speaker hardware.\n")
    ))  # fmt: skip
    assert warnings == [
        f'warning: {silent}: speaker.devices: description "The speaker hardware." has no de '
        "wording: requesters in de read it in en; give it as rightful: description: {de: ...}",
        f'warning: {silent}: speaker.recordings: purposes "Answer voice requests" has no de '
        "wording: requesters in de read it in en; give it as {en: ..., de: ...}",
    ]


@pytest.mark.parametrize(
    ("disclosure", "message"),
    [
        ("sold", "disclosure must be one or more of business_purpose, sale, sharing"),
        ("[business_purpose, sale]", "business_purpose (to a service provider or contractor) "
         "is neither a sale nor sharing; declare one or the other"),
    ],
)  # fmt: skip
def test_a_disclosure_the_ccpa_does_not_know_is_an_error(
    tmp_path: Path, disclosure: str, message: str
) -> None:
    wrong = tmp_path / "accounts.yaml"
    text = next(p for p in DATAMAP_FILES if p.name == "accounts.yaml").read_text()
    wrong.write_text(text.replace("disclosure: business_purpose", f"disclosure: {disclosure}"))
    others = [str(p) for p in DATAMAP_FILES if p.name != "accounts.yaml"]
    result = runner.invoke(app, ["check", *others, str(wrong)])
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and errors[0].startswith(f"error: {wrong}: accounts.")
    assert errors[0].endswith(f": {message}")


def test_check_fails_with_one_line_per_error(tmp_path: Path) -> None:
    broken = tmp_path / "shop.yaml"
    text = next(p for p in DATAMAP_FILES if p.name == "shop.yaml").read_text()
    broken.write_text(
        text.replace("field: customers.customer_id", "field: customers.id").replace(
            "at: subscribed_at", "at: subscribed"
        )
    )
    others = [str(p) for p in DATAMAP_FILES if p.name != "shop.yaml"]
    result = runner.invoke(app, ["check", *others, str(broken)])
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert errors == [
        f"error: {broken}: shop.newsletter.email: window timestamp subscribed is not a field of "
        "shop.newsletter",
        f"error: {broken}: shop.orders.customer_id: unknown reference accounts.customers.id",
    ]
    assert "2 errors" in result.output


def test_check_of_one_file_names_references_into_the_missing_ones() -> None:
    result = runner.invoke(app, ["check", str(DATAMAP_FILES[1])])  # shop.yaml alone
    assert result.exit_code == 1
    assert "unknown reference accounts.customers.customer_id" in result.output


def test_check_of_collections_that_are_no_list_is_one_line(tmp_path: Path) -> None:
    """House rule: exit code != 0 and one line saying what to fix (it was a TypeError)."""
    broken = tmp_path / "map.yaml"
    broken.write_text("dataset: [{fides_key: x, collections: 7}]\n")
    result = runner.invoke(app, ["check", str(broken)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"error: {broken}: x: collections must be a list",
        "1 error",
    ]


def test_a_key_holding_a_newline_still_gives_one_line_per_error(tmp_path: Path) -> None:
    """A dataset key written with a newline printed its error over two lines."""
    broken = tmp_path / "map.yaml"
    broken.write_text('dataset: [{fides_key: "a\\nb", collections: 7}]\n')
    result = runner.invoke(app, ["check", str(broken)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"error: {broken}: a\\nb: collections must be a list",
        "1 error",
    ]


AWKWARD_NAMES = """
dataset:
  - fides_key: shop
    collections:
      - name: Customers
        rightful: {subject: true}
        fields:
          - name: CustomerID
            fides_meta: {primary_key: true, identity: customer_id, data_type: integer}
          - name: Email
            fides_meta: {identity: email, data_type: string}
            rightful: {match: casefold}
      - name: order
        fields:
          - name: order_no
            fides_meta: {primary_key: true, data_type: integer}
          - name: Member
            fides_meta:
              data_type: integer
              references: [{dataset: shop, field: Customers.CustomerID, direction: from}]
"""


def test_recommended_indexes_run_as_printed_on_mixed_case_and_keyword_names(
    tmp_path: Path,
) -> None:
    """Unquoted, `ON Customers` named `customers` on PostgreSQL (no such table) and `ON order`
    was a syntax error: the advice could not be run for the tables it was given for."""
    import sqlite3

    from rightful.services.datamap_check import check_files

    path = tmp_path / "shop.yaml"
    path.write_text(AWKWARD_NAMES)
    report = check_files([path])
    assert report.ok, report.problems
    statements = [advice.sql for advice in report.indexes]
    assert 'CREATE INDEX "ix_order_Member" ON "order" ("Member");' in statements
    conn = sqlite3.connect(tmp_path / "shop.db")
    conn.execute('CREATE TABLE "Customers" ("CustomerID" integer PRIMARY KEY, "Email" text)')
    conn.execute('CREATE TABLE "order" (order_no integer PRIMARY KEY, "Member" integer)')
    for statement in statements:
        conn.execute(statement)
    made = "SELECT tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    indexed = {row[0] for row in conn.execute(made)}
    assert indexed == {"Customers", "order"}
    conn.close()
