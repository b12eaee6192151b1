"""File names inside a package: hostile names never escape the archive or collide."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rightful.domain.packages import (
    NameAllocator,
    blob_member_name,
    is_safe_member,
    safe_name,
)

HOSTILE = [
    "../../etc/passwd",
    "..\\..\\windows\\system32\\config",
    "/absolute/path.wav",
    "C:\\Users\\victim\\x.wav",
    "C:evil.wav",
    "\x00null.wav",
    "a/../../b.wav",
    "....//....//x",
    ".hidden",
    "..",
    ".",
    "",
    "   ",
    "CON",
    "con.txt",
    "LPT1.wav",
    "evil\u202egnp.exe",  # right-to-left override hides the real extension
    "emoji😀name.wav",
    "caf\u00e9.wav",
    "x" * 500 + ".wav",
    "file.wav\r\nContent-Type: text/html",
    "%2e%2e%2fetc%2fpasswd",
]


@pytest.mark.parametrize("raw", HOSTILE)
def test_a_hostile_name_becomes_one_plain_segment(raw: str) -> None:
    """No separator, no parent reference, no control or bidi character, bounded length."""
    name = safe_name(raw)
    assert name and "/" not in name and "\\" not in name
    assert name not in {".", ".."} and not name.startswith(".")
    assert all(c.isascii() and (c.isalnum() or c in "._-") for c in name)
    assert len(name) <= 120
    assert name.split(".")[0].lower() not in {"con", "prn", "aux", "nul", "lpt1"}


@pytest.mark.parametrize("raw", HOSTILE)
def test_a_hostile_blob_uri_gives_a_member_that_stays_inside_the_archive(raw: str) -> None:
    member = f"files/speaker.recordings/{blob_member_name('i0000001', 'blob://recordings/' + raw)}"
    assert is_safe_member(member)


def test_the_extension_survives_sanitising() -> None:
    assert safe_name("D-1003/12.wav".replace("/", "_")) == "D-1003_12.wav"
    assert safe_name("x" * 300 + ".wav").endswith(".wav")


@settings(max_examples=300)
@given(st.lists(st.text(min_size=0, max_size=40), min_size=1, max_size=40))
def test_allocated_names_never_collide_even_ignoring_case(raws: list[str]) -> None:
    """Whatever names come in, each member name is handed out once (case-insensitively)."""
    allocator = NameAllocator()
    paths = [allocator.allocate("files/attachments", raw) for raw in raws]
    assert len({p.lower() for p in paths}) == len(paths)
    assert all(is_safe_member(p) for p in paths)


@given(st.text(max_size=200))
def test_any_text_gives_a_safe_segment(raw: str) -> None:
    assert is_safe_member(f"files/{safe_name(raw)}")


@pytest.mark.parametrize(
    "member", ["/etc/passwd", "../x", "a/../../x", "a\\b", "C:/x", "a//b", "", "a/./b", "x\x00"]
)
def test_unsafe_member_names_are_recognised(member: str) -> None:
    assert not is_safe_member(member)
