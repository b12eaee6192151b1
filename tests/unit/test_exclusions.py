"""Which rows and fields a build leaves out (REQUIREMENTS.md:20, Art. 15(4)): a key matches as
the reviewer typed it from the manifest, whatever type the source stores."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from rightful.domain.exclusions import Exclusion, Exclusions, key_text
from rightful.domain.packages import jsonable

WHY = "A guest's voice is on this recording."


@given(st.one_of(st.integers(), st.text(max_size=20), st.datetimes(timezones=st.just(UTC))))
def test_a_key_typed_from_the_manifest_matches_the_row_it_was_read_from(value: object) -> None:
    typed = (str(jsonable(value)),)
    left_out = Exclusions.of([Exclusion("speaker.recordings", typed, None, WHY)])
    assert left_out.row_left_out("speaker.recordings", (value,))
    assert not left_out.row_left_out("speaker.devices", (value,))


def test_fields_are_left_out_only_for_their_row_and_rows_only_whole() -> None:
    left_out = Exclusions.of([
        Exclusion("accounts.contacts", ("7",), "contact_phone", WHY),
        Exclusion("accounts.contacts", ("7",), "contact_name", WHY),
        Exclusion("accounts.contacts", ("8",), None, WHY),
    ])  # fmt: skip
    assert left_out.fields_left_out("accounts.contacts", (7,)) == {"contact_phone", "contact_name"}
    assert not left_out.row_left_out("accounts.contacts", (7,))
    assert left_out.row_left_out("accounts.contacts", (8,))
    assert left_out.fields_left_out("accounts.contacts", (8,)) == frozenset()
    assert key_text((datetime(2021, 1, 1, tzinfo=UTC),)) == ("2021-01-01T00:00:00+00:00",)
    assert not Exclusions.of([])
