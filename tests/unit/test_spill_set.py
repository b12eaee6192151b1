"""A build's sets of rows met and member names move to disk past a size, and behave the same
there: a key added twice is refused the second time, before and after the move."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from rightful.adapters.packaging.spill_set import SpillSet

texts = st.text(max_size=12)


@given(keys=st.lists(texts, max_size=40), probes=st.lists(texts, max_size=10))
def test_it_answers_as_a_set_does_before_and_after_it_spills(
    keys: list[str], probes: list[str]
) -> None:
    model: set[str] = set()
    spilling: SpillSet[str] = SpillSet(in_memory=3)
    for key in keys:
        assert spilling.add(key) == (key not in model)
        model.add(key)
    assert spilling.spilled == (len(model) > 3)
    assert len(spilling) == len(model)
    for probe in [*keys, *probes]:
        assert (probe in spilling) == (probe in model)
    spilling.close()


def test_bytes_keys_with_any_byte_are_kept_apart() -> None:
    keys = [b"a\x00b", b"a\x00c", b"", b"\xff" * 40, "é".encode()]
    spilling: SpillSet[bytes] = SpillSet(in_memory=1)
    assert all(spilling.add(key) for key in keys)
    assert not any(spilling.add(key) for key in keys)
    assert spilling.spilled and len(spilling) == len(keys)


def test_names_differing_only_in_case_are_different_keys() -> None:
    """Case-folding is the name allocator's business (it adds lower-cased names), not the set's."""
    spilling: SpillSet[str] = SpillSet(in_memory=0)
    assert spilling.add("files/A.wav") and spilling.add("files/a.wav")


def test_closing_forgets_everything() -> None:
    spilling: SpillSet[str] = SpillSet(in_memory=1)
    spilling.add("x")
    spilling.add("y")
    spilling.close()
    assert not spilling.spilled and "x" not in spilling and len(spilling) == 0
