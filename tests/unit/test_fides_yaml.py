"""Fides dataset files with rightful's extension; errors name file, collection and field."""

from __future__ import annotations

import contextlib
import copy
import functools
import operator
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rightful.adapters.datamap.fides_yaml import load_datamap, read_datamap
from rightful.demo.estate import DATAMAP_FILES
from rightful.domain.datamap import Direction, Match, Window
from rightful.domain.errors import ConfigurationError
from rightful.domain.identities import IdentityType
from rightful.domain.sensitivity import Sensitivity

PLAIN_FIDES = """
dataset:
  - fides_key: app
    name: App database
    collections:
      - name: users
        fields:
          - name: id
            data_categories: [user.unique_id]
            fides_meta: {primary_key: true, data_type: integer}
          - name: email
            data_categories: [user.contact.email]
            fides_meta: {identity: email, data_type: string}
      - name: orders
        fides_meta: {after: [app.users]}
        fields:
          - name: id
            fides_meta: {primary_key: true}
          - name: user_id
            fidesops_meta:
              references:
                - {dataset: app, field: users.id, direction: from}
"""


def write(tmp_path: Path, text: str, name: str = "map.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def with_subject(text: str) -> str:
    return text.replace(
        "      - name: users\n", "      - name: users\n        rightful: {subject: true}\n"
    )


def test_the_demo_data_map_is_valid_and_complete() -> None:
    datamap = load_datamap(DATAMAP_FILES)
    assert datamap.subject_collection is not None
    assert datamap.subject_collection.address == "accounts.customers"
    recordings = datamap.collection("speaker.recordings")
    assert recordings is not None
    device = recordings.field("device_serial")
    assert device is not None
    assert device.references[0].window == Window("owned_from", "owned_until", "recorded_at")
    assert device.references[0].direction is Direction.FROM
    assert [f.name for f in recordings.blob_fields] == ["audio_uri"]
    assert datamap.sensitivity_of("speaker.recordings") is Sensitivity.HIGH
    assert datamap.sensitivity_of("shop.orders") is Sensitivity.STANDARD
    third_country = [r for r in recordings.info.recipients if r.third_country]
    assert third_country
    assert third_country[0].safeguards


def test_a_plain_fides_file_parses_and_only_lacks_a_subject(tmp_path: Path) -> None:
    """Fides users bring their files as they are (fidesops_meta included)."""
    datamap, problems = read_datamap([write(tmp_path, PLAIN_FIDES)])
    assert [p.message for p in problems] == ["no subject collection (rightful: subject: true)"]
    orders = datamap.collection("app.orders")
    assert orders is not None
    user_id = orders.field("user_id")
    assert user_id is not None
    ref = user_id.references[0]
    assert (str(ref.target), ref.direction) == ("app.users.id", Direction.FROM)


def test_the_extension_is_read_and_fides_sees_plain_fides(tmp_path: Path) -> None:
    text = with_subject(PLAIN_FIDES).replace(
        "            fides_meta: {identity: email, data_type: string}\n",
        "            fides_meta: {identity: email, data_type: string}\n"
        "            rightful: {match: casefold, third_party: false}\n",
    )
    datamap = load_datamap([write(tmp_path, text)])
    users = datamap.collection("app.users")
    assert users is not None
    assert users.subject
    email = users.field("email")
    assert email is not None
    assert (email.identity, email.match) == (IdentityType.EMAIL, Match.CASEFOLD)


@pytest.mark.parametrize(
    ("change", "collection", "field", "message"),
    [
        (
            ("field: users.id", "field: users.nope"),
            "app.orders",
            "user_id",
            "unknown reference app.users.nope",
        ),
        (
            ("dataset: app, field: users.id", "dataset: other, field: users.id"),
            "app.orders",
            "user_id",
            "unknown reference other.users.id",
        ),
        (
            ("[user.contact.email]", "[user.contact.telepathy]"),
            "app.users",
            "email",
            "unknown data category user.contact.telepathy",
        ),
        (
            ("direction: from", "direction: to"),
            "app.orders",
            None,
            "unreachable from the subject collection app.users",
        ),
    ],
)
def test_errors_name_file_collection_and_field(
    tmp_path: Path,
    change: tuple[str, str],
    collection: str | None,
    field: str | None,
    message: str | None,
) -> None:
    text = with_subject(PLAIN_FIDES).replace(*change)
    path = write(tmp_path, text)
    _, problems = read_datamap([path])
    assert any(
        p.file == str(path)
        and p.collection == collection
        and p.field == field
        and message in p.message
        for p in problems
    ), [str(p) for p in problems]


def test_type_mismatch_across_a_reference_is_an_error(tmp_path: Path) -> None:
    text = with_subject(PLAIN_FIDES).replace(
        "          - name: user_id\n            fidesops_meta:\n",
        "          - name: user_id\n            fidesops_meta:\n              data_type: string\n",
    )
    _, problems = read_datamap([write(tmp_path, text)])
    assert [(p.collection, p.field) for p in problems] == [("app.orders", "user_id")]
    assert "type mismatch: string here, integer in app.users.id" in problems[0].message


def test_a_window_naming_missing_columns_is_an_error(tmp_path: Path) -> None:
    text = with_subject(PLAIN_FIDES).replace(
        "                - {dataset: app, field: users.id, direction: from}\n",
        "                - {dataset: app, field: users.id, direction: from}\n"
        "            rightful: {window: {from: since, until: until, at: placed_at}}\n",
    )
    _, problems = read_datamap([write(tmp_path, text)])
    messages = sorted(p.message for p in problems)
    assert messages == [
        "window bound since is not a field of app.users",
        "window bound until is not a field of app.users",
        "window timestamp placed_at is not a field of app.orders",
    ]


def test_a_window_on_fields_that_hold_no_time_is_an_error(tmp_path: Path) -> None:
    """A window whose `at` names a text column dropped every row, silently."""
    text = with_subject(PLAIN_FIDES).replace(
        "                - {dataset: app, field: users.id, direction: from}\n",
        "                - {dataset: app, field: users.id, direction: from}\n"
        "            rightful: {window: {from: email, until: null, at: note}}\n"
        "          - name: note\n"
        "            fides_meta: {data_type: string}\n",
    )
    _, problems = read_datamap([write(tmp_path, text)])
    assert sorted(p.message for p in problems) == [
        "window bound email of app.users is declared string",
        "window timestamp note is declared string: a window compares times (a value that is "
        "no time makes every reference fail, silently)",
    ]


def test_unknown_extension_keys_are_rejected(tmp_path: Path) -> None:
    text = with_subject(PLAIN_FIDES).replace(
        "rightful: {subject: true}", "rightful: {subject: true, wildcard: true}"
    )
    _, problems = read_datamap([write(tmp_path, text)])
    assert problems[0].collection == "app.users"
    assert "unknown rightful key(s) wildcard" in problems[0].message


@pytest.mark.parametrize(
    ("declared", "recipients"),
    [("", None), ("recipients: null, ", None), ("recipients: [], ", ()),
     ("recipients: [X], ", ("X",))],
)  # fmt: skip
def test_no_recipients_declared_is_not_a_declaration_of_none(
    tmp_path: Path, declared: str, recipients: tuple[str, ...] | None
) -> None:
    """`recipients: []` says nobody outside receives the data; no key (or no value) says
    nothing, and the package must be able to tell the two apart."""
    text = with_subject(PLAIN_FIDES).replace("rightful: {subject: true}",
                                             f"rightful: {{{declared}subject: true}}")  # fmt: skip
    users = load_datamap([write(tmp_path, text)]).collection("app.users")
    assert users is not None
    found = users.info.recipients
    assert (None if found is None else tuple(r.name for r in found)) == recipients


def test_a_third_country_recipient_needs_safeguards(tmp_path: Path) -> None:
    text = with_subject(PLAIN_FIDES).replace(
        "rightful: {subject: true}",
        "rightful: {subject: true, recipients: [{name: X, country: US, third_country: true}]}",
    )
    _, problems = read_datamap([write(tmp_path, text)])
    assert "a third country needs safeguards" in problems[0].message


def test_two_subject_collections_are_an_error(tmp_path: Path) -> None:
    text = with_subject(PLAIN_FIDES).replace(
        "        fides_meta: {after: [app.users]}\n",
        "        fides_meta: {after: [app.users]}\n        rightful: {subject: true}\n",
    )
    _, problems = read_datamap([write(tmp_path, text)])
    assert any("second subject collection" in p.message for p in problems)


def test_an_unreadable_file_is_one_error(tmp_path: Path) -> None:
    _, problems = read_datamap([tmp_path / "missing.yaml", write(tmp_path, "just: text")])
    assert [p.file for p in problems] == [
        str(tmp_path / "missing.yaml"),
        str(tmp_path / "map.yaml"),
    ]


def test_a_missing_file_is_named_once_with_the_reason(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    _, problems = read_datamap([missing])
    assert [str(p) for p in problems] == [f"{missing}: -: cannot read: No such file or directory"]


def test_a_yaml_syntax_error_is_one_line_with_its_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "dataset:\n  - fides_key: shop\n    name: a: b\n")
    _, problems = read_datamap([path])
    # libyaml ends the reason "in this context", PyYAML's own parser "here"
    [problem] = problems
    assert str(problem).startswith(
        f"{path}: -: not valid YAML at line 3, column 12: mapping values are not allowed "
    )
    assert "\n" not in str(problem)


def test_load_datamap_raises_one_line_naming_the_first_problem(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="no subject collection") as caught:
        load_datamap([write(tmp_path, PLAIN_FIDES)])
    assert "\n" not in str(caught.value)
    with pytest.raises(ConfigurationError, match="2 problems") as caught:
        load_datamap([tmp_path / "a.yaml", tmp_path / "b.yaml"])
    assert "\n" not in str(caught.value) and "rightful datamap check" in str(caught.value)


def test_declared_category_sensitivity_applies_to_subcategories(tmp_path: Path) -> None:
    datamap = load_datamap(DATAMAP_FILES)
    assert datamap.declared_sensitivity["user.content.voice_transcript"] is Sensitivity.HIGH
    assert "user.content.voice_transcript" in datamap.custom_categories


@pytest.mark.parametrize(
    ("typo", "said"),
    [
        ("data_categories: [user.contact.email]", "data_categorys: [user.contact.email]"),
        (
            "fides_meta: {identity: email, data_type: string}",
            "fides_meta: {identty: email, data_type: string}",
        ),
    ],
)
def test_a_misspelt_key_is_a_problem_not_silently_dropped(
    tmp_path: Path, typo: str, said: str
) -> None:
    """A typo would leave a field without its categories (so without its sensitivity) or an
    identity unlooked-up; the Fides model ignores keys it does not know, so rightful refuses."""
    _, problems = read_datamap([write(tmp_path, with_subject(PLAIN_FIDES).replace(typo, said))])
    [problem] = problems
    wrong = said.split(":")[0].lstrip("{")
    assert f"unknown key {wrong if wrong != 'fides_meta' else 'identty'}" in str(problem)
    assert "did you mean" in str(problem)


def test_a_key_given_twice_is_a_problem_with_its_line(tmp_path: Path) -> None:
    twice = with_subject(PLAIN_FIDES).replace(
        "            data_categories: [user.unique_id]\n",
        "            data_categories: [user.unique_id]\n            data_categories: []\n",
    )
    _, problems = read_datamap([write(tmp_path, twice)])
    assert len(problems) == 1 and "'data_categories' is given twice" in str(problems[0])
    assert "line 11" in str(problems[0])


def test_files_that_are_no_data_map_text_are_one_problem_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfedataset: []")
    deep = write(tmp_path, "dataset: " + "[" * 100_000, "deep.yaml")
    big = write(tmp_path, with_subject(PLAIN_FIDES), "big.yaml")
    _, problems = read_datamap([binary, deep, Path("/dev/zero"), tmp_path])
    said = [str(p) for p in problems]
    assert "not UTF-8 text (byte 0)" in said[0]
    assert "nested too deeply" in said[1] or "not valid YAML" in said[1]
    assert "not a regular file" in said[2] and "not a regular file" in said[3]
    monkeypatch.setattr("rightful.adapters.datamap.fides_yaml.MAX_FILE_BYTES", 100)
    _, problems = read_datamap([big])
    assert "larger than 100 bytes: split it into files" in str(problems[0])


def test_an_empty_dataset_list_names_its_file_and_a_file_named_twice_is_read_once(
    tmp_path: Path,
) -> None:
    empty = write(tmp_path, "dataset: []\n", "empty.yaml")
    _, problems = read_datamap([empty])
    assert [str(p) for p in problems] == [f"{empty}: -: the `dataset:` list is empty"]
    good = write(tmp_path, with_subject(PLAIN_FIDES))
    datamap, problems = read_datamap([good, tmp_path / "." / "map.yaml"])
    assert problems == [] and len(datamap.datasets) == 1


@pytest.mark.parametrize(
    ("extension", "named"),
    [
        ("retention: 010", "retention"),  # YAML reads 8
        ("legal_basis: 1_000", "legal_basis"),  # YAML reads 1000
        ("recipients: [{name: 5}]", "a recipient's name"),
        ("recipients: [{name: X, country: 49}]", "country"),
    ],
)
def test_a_number_where_text_belongs_is_a_problem_not_turned_into_other_text(
    tmp_path: Path, extension: str, named: str
) -> None:
    text = with_subject(PLAIN_FIDES).replace(
        "rightful: {subject: true}", f"rightful: {{subject: true, {extension}}}"
    )
    _, problems = read_datamap([write(tmp_path, text)])
    assert [p.message for p in problems] == [
        f"{named} must be text (in quotes if it looks like a number)"
    ]


def test_a_dataset_source_given_as_a_number_is_a_problem(tmp_path: Path) -> None:
    text = with_subject(PLAIN_FIDES).replace(
        "    name: App database\n", "    name: App database\n    rightful: {source: 5}\n"
    )
    _, problems = read_datamap([write(tmp_path, text)])
    assert [p.message for p in problems] == [
        "source must be text (in quotes if it looks like a number)"
    ]


def test_a_reference_to_a_holder_field_without_a_window_is_an_error(tmp_path: Path) -> None:
    """The 1,700-recordings mistake: recordings joined to device ownership without the window
    would reach every owner the speaker ever had."""
    for path in DATAMAP_FILES:
        text = path.read_text(encoding="utf-8")
        if path.name == "speaker.yaml":
            window = (
                "              window: {from: owned_from, until: owned_until, at: recorded_at}\n"
            )
            assert window in text
            text = text.replace(window, "")
        (tmp_path / path.name).write_text(text, encoding="utf-8")
    _, problems = read_datamap(sorted(tmp_path.glob("*.yaml")))
    assert [(p.collection, p.message) for p in problems] == [(
        "speaker.recordings",
        "refers to speaker.device_ownership.device_serial, which is valid only from owned_from "
        "until owned_until, without a window: every holder ever would receive this row; add "
        "window: {from: owned_from, until: owned_until, at: <this row's time>}",
    )]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "where", "named"),
    [
        ("dataset: [{fides_key: app, collections: 7}]", "app", "collections"),
        (
            "dataset: [{fides_key: app, collections: [{name: users, fields: id}]}]",
            "app.users",
            "fields",
        ),
    ],
)
def test_collections_or_fields_that_are_no_list_are_a_problem_at_their_place(
    tmp_path: Path, text: str, where: str, named: str
) -> None:
    """House rule: bad input is one line saying what to fix, not a TypeError's traceback."""
    path = write(tmp_path, text)
    _, problems = read_datamap([path])
    assert [str(p) for p in problems] == [f"{path}: {where}: {named} must be a list"]


@functools.cache
def demo_documents() -> dict[str, Any]:
    """The demo data map files parsed (copy before changing one)."""
    return {p.name: yaml.safe_load(p.read_text(encoding="utf-8")) for p in DATAMAP_FILES}


def node_places(node: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The key path of every node of a parsed YAML document, the document itself first."""
    yield at
    if isinstance(node, dict):
        inner = list(node.items())
    elif isinstance(node, list):
        inner = list(enumerate(node))
    else:
        return
    for key, value in inner:
        yield from node_places(value, (*at, key))


def replaced(document: Any, at: tuple[Any, ...], value: Any) -> Any:
    if not at:
        return value
    copied = copy.deepcopy(document)
    parent = functools.reduce(operator.getitem, at[:-1], copied)
    parent[at[-1]] = value
    return copied


DEMO_PLACES = [(name, at) for name, doc in demo_documents().items() for at in node_places(doc)]
OTHER_KINDS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=8),
    st.lists(st.integers() | st.text(max_size=4), max_size=2),
    st.dictionaries(st.text(max_size=4), st.integers() | st.none(), max_size=2),
)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(place=st.sampled_from(DEMO_PLACES), value=OTHER_KINDS)
@example(place=("accounts.yaml", ("dataset", 0, "collections")), value=7)
@example(place=("shop.yaml", ("dataset", 0, "collections", 0, "fields")), value=7)
@example(place=("speaker.yaml", ("dataset", 0, "collections", 1, "fields")), value="7")
def test_any_node_of_the_demo_map_given_another_type_loads_or_is_refused_in_one_line(
    tmp_path: Path, place: tuple[str, tuple[Any, ...]], value: Any
) -> None:
    """docs/configuration.md: serve refuses an invalid data map file with one line; whatever
    shape a node has, the loader refuses it with its ConfigurationError, never another one."""
    name, at = place
    mutated = replaced(demo_documents()[name], at, value)
    (tmp_path / name).write_text(yaml.safe_dump(mutated), encoding="utf-8")
    others = [p for p in DATAMAP_FILES if p.name != name]
    with contextlib.suppress(ConfigurationError):
        load_datamap([*others, tmp_path / name])
