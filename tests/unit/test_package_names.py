"""File names inside a package: hostile names never escape the archive or collide."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rightful.domain.packages import (
    MAX_NAME,
    NameAllocator,
    attachment_name,
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


@given(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,130}[A-Za-z0-9]", fullmatch=True))
def test_a_name_that_is_already_safe_and_short_is_kept_as_it_is(raw: str) -> None:
    """A blob's member name is sanitised twice; the second pass (a shortcut) keeps it."""
    device = {raw.lower(), raw.rpartition(".")[0].lower()} & {"con", "prn", "aux", "nul"}
    if len(raw) < MAX_NAME and not device and not raw[:4].lower().startswith(("com", "lpt")):
        assert safe_name(raw) == raw
    assert safe_name(safe_name(raw)) == safe_name(raw) or len(raw) >= MAX_NAME


@pytest.mark.parametrize(
    ("raw", "safe"),
    [("con.txt", "_con.txt"), ("AUX", "_AUX"), ("com1.wav", "_com1.wav"), ("lpt9", "_lpt9"),
     ("nul.tar.gz", "nul.tar.gz"), ("x" * 120, "x" * 119),
     ("i0000001_con.wav", "i0000001_con.wav")],
)  # fmt: skip
def test_device_names_get_a_prefix_and_long_names_are_cut(raw: str, safe: str) -> None:
    assert safe_name(raw) == safe


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


# --- staff attachments: letters of any script, active content inert ----------------------------


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("Отчёт.pdf", "Отчёт.pdf"),
        ("報告書 2026.pdf", "報告書_2026.pdf"),
        ("Gesprächsnotiz Müller.txt", "Gesprächsnotiz_Müller.txt"),
        ("cafe\u0301.txt", "caf\u00e9.txt"),  # NFD from a Mac becomes NFC
        ("हिन्दी पत्र.txt", "हिन्दी_पत्र.txt"),  # vowel signs are marks, and stay
        ("رسالة.pdf", "رسالة.pdf"),
    ],
)
def test_an_attachment_keeps_the_letters_of_any_script(raw: str, kept: str) -> None:
    assert attachment_name(raw) == kept


@pytest.mark.parametrize(
    ("raw", "inert"),
    [
        ("page.html", "page.html.txt"),
        ("Seite.HTM", "Seite.HTM.txt"),
        ("logo.svg", "logo.svg.txt"),
        ("doc.xhtml", "doc.xhtml.txt"),
        ("run.js", "run.js.txt"),
        ("page.html.", "page.html.txt"),
        ("page.html\u200b", "page.html.txt"),
        ("setup.exe", "setup.exe.txt"),
        ("con.html", "_con.html.txt"),
    ],
)
def test_active_content_in_an_attachment_opens_as_text(raw: str, inert: str) -> None:
    assert attachment_name(raw) == inert


@pytest.mark.parametrize("raw", [*HOSTILE, "я" * 300 + ".html", "\u202eлмth.exe", "報/../告"])
def test_a_hostile_attachment_name_becomes_one_plain_segment(raw: str) -> None:
    name = attachment_name(raw)
    assert name and "/" not in name and "\\" not in name and not name.startswith(".")
    assert all(unicodedata.category(c)[0] in "LMN" or c in "._-" for c in name)
    assert len(name.encode()) <= MAX_NAME and name == unicodedata.normalize("NFC", name)
    assert is_safe_member(f"files/attachments/{name}")


@settings(max_examples=300)
@given(st.lists(st.text(min_size=0, max_size=40), min_size=1, max_size=40))
def test_allocated_attachment_names_never_collide_even_ignoring_case(raws: list[str]) -> None:
    allocator = NameAllocator()
    paths = [allocator.allocate("files/attachments", raw, attachment_name) for raw in raws]
    assert len({p.casefold() for p in paths}) == len(paths)
    assert all(is_safe_member(p) for p in paths)


def test_names_differing_only_in_case_or_normal_form_are_told_apart() -> None:
    allocator = NameAllocator()
    first = allocator.allocate("a", "Отчёт.pdf", attachment_name)
    second = allocator.allocate("a", "ОТЧЁТ.pdf", attachment_name)
    third = allocator.allocate("a", "Отче\u0308т.pdf", attachment_name)  # NFD of the first
    assert (first, second, third) == ("a/Отчёт.pdf", "a/ОТЧЁТ-2.pdf", "a/Отчёт-3.pdf")
