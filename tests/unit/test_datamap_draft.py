"""The drafted data map from shapes alone: which table is proposed as the subject, how
references are directed, and a YAML that says the names as the database holds them, whatever
they are (`rightful datamap draft`)."""

from __future__ import annotations

import yaml
from fideslang.default_taxonomy import DEFAULT_TAXONOMY

from rightful.adapters.datamap.draft_yaml import render_draft
from rightful.domain.datamap_draft import VIEW_NOTE, ColumnShape, ForeignKey, TableShape, draft_map
from rightful.domain.datamap_guesses import NAME_RULES, guess

ID = ColumnShape("id", "number", whole_number=True, nullable=False)
EMAIL = ColumnShape("email", "text")


def test_every_guessed_category_is_one_of_fideslangs_default_taxonomy() -> None:
    known = {c.fides_key for c in DEFAULT_TAXONOMY.data_category}
    assert {category for _, category, _ in NAME_RULES if category} <= known
    assert guess("E_Mail").identity == "email" and guess("mobile").identity == "phone"
    assert guess("full_name").category == "user.name" and guess("file_name").category is None


def test_the_subject_proposed_is_the_table_with_an_email_that_others_refer_to_most() -> None:
    tables = [
        TableShape("newsletter", (ID, EMAIL), ("id",)),
        TableShape("people", (ID, EMAIL), ("id",)),
        TableShape(
            "orders",
            (ID, ColumnShape("person_id", "number", whole_number=True)),
            ("id",),
            (ForeignKey(("person_id",), "people", ("id",)),),
        ),
        TableShape(
            "lines",
            (ID, ColumnShape("order_id", "number", whole_number=True)),
            ("id",),
            (ForeignKey(("order_id",), "orders", ("id",)),),
        ),
    ]
    draft = draft_map("shop", tables)
    assert draft.subject == "people"
    by_name = {c.name: c for c in draft.collections}
    [order_ref] = by_name["orders"].fields[1].references
    assert order_ref == ("shop", "people.id", "from")
    assert by_name["orders"].fields[1].categories == ["user.unique_id"]
    assert by_name["lines"].fields[1].references == [("shop", "orders.id", "from")]
    assert any("unreachable" in note for note in by_name["newsletter"].notes)


def test_a_view_is_never_the_subject_and_is_told_to_declare_its_key_and_references() -> None:
    tables = [
        TableShape("contacts", (ID, EMAIL), view=True),  # the catalog declares no key of a view
        TableShape("people", (ID, EMAIL), ("id",)),
    ]
    draft = draft_map("shop", tables)
    assert draft.subject == "people"
    contacts = draft.collections[0]
    assert contacts.notes == [VIEW_NOTE]  # instead of "no primary key" and "unreachable"
    assert [f.primary_key for f in contacts.fields] == [False, False]


def test_names_yaml_would_misread_come_quoted_and_refused_names_cannot_break_the_comment() -> None:
    tables = [
        TableShape("people", (ID, EMAIL, ColumnShape("yes", "bool"), ColumnShape("null", None),
                              ColumnShape("x\ndataset: []\n#", "text")), ("id",)),
        TableShape("evil\u2028collections: []", (ID,), ("id",)),
    ]  # fmt: skip
    text = render_draft(draft_map("shop", tables))
    [dataset] = yaml.safe_load(text)["dataset"]
    [people] = dataset["collections"]
    assert [f["name"] for f in people["fields"]] == ["id", "email", "yes", "null"]
    assert people["fields"][2]["fides_meta"] == {"data_type": "boolean"}
    assert '"x\\ndataset: []\\n#"' in text and '"evil\\u2028collections: []"' in text
    assert all(line.lstrip().startswith("#") for line in text.splitlines() if "evil" in line)


def test_times_kept_as_text_get_no_data_type_so_that_they_can_bound_a_window() -> None:
    """`data_type: string` on a window's column is an error of datamap check (a type that
    holds no time); SQLite estates often keep times as text."""
    columns = (ID, ColumnShape("valid_from", "text"), ColumnShape("valid_until", "text"),
               ColumnShape("created_at", "text"), ColumnShape("label", "text"))  # fmt: skip
    [coll] = draft_map("shop", [TableShape("holders", columns, ("id",))]).collections
    assert [f.data_type for f in coll.fields] == ["integer", None, None, None, "string"]
    assert any(n.startswith("valid_from .. valid_until look like") for n in coll.notes)
