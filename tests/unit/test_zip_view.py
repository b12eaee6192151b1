"""A stored package opened with only some members listed: zipfile reads those exactly as from
the whole archive (inflated, CRC-32 checked) and keeps no entry for the others, so that opening
a package of a million files for its manifest costs what opening a small one does."""

from __future__ import annotations

import io
import os
import zipfile
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rightful.adapters.packaging.zip_view import ZipView
from rightful.adapters.packaging.zipwriter import PackageZip

AT = datetime(2026, 3, 2, tzinfo=UTC)


def archive_of(members: dict[str, bytes], zip64_from: int = 2**32, stored: bool = False) -> bytes:
    sink = io.BytesIO()
    archive = PackageZip(sink, AT, zip64_from=zip64_from)
    for name, data in members.items():
        archive.add_bytes(name, data, compress=not stored)
    archive.close()
    return sink.getvalue()


def not_a_file(name: str) -> bool:
    return not name.startswith("files/")


names = st.text("abcé_", min_size=1, max_size=6)


@settings(max_examples=40, deadline=None)
@given(
    kept=st.dictionaries(names.map(lambda n: f"data/{n}.json"), st.binary(max_size=300)),
    skipped=st.dictionaries(names.map(lambda n: f"files/{n}.wav"), st.binary(max_size=300)),
    zip64_from=st.sampled_from([2**32, 1]),
    stored=st.booleans(),
)
def test_the_members_kept_read_back_exactly_and_no_others_are_listed(
    kept: dict[str, bytes], skipped: dict[str, bytes], zip64_from: int, stored: bool
) -> None:
    members = {**skipped, **kept, "manifest.json": b'{"items": []}'}
    raw = archive_of(dict(sorted(members.items())), zip64_from, stored)
    with zipfile.ZipFile(ZipView(io.BytesIO(raw), not_a_file)) as view:
        assert view.namelist() == sorted({*kept, "manifest.json"})
        assert view.testzip() is None
        assert {name: view.read(name) for name in view.namelist()} == {
            **kept,
            "manifest.json": b'{"items": []}',
        }


def test_more_members_than_the_classic_end_record_counts_keeping_a_few() -> None:
    members = {f"files/{n}.wav": b"" for n in range(0xFFFF + 2)} | {"manifest.json": b"{}"}
    raw = archive_of(members, stored=True)
    with zipfile.ZipFile(ZipView(io.BytesIO(raw), not_a_file)) as view:
        assert view.namelist() == ["manifest.json"]
        assert view.read("manifest.json") == b"{}"


def test_an_archive_written_by_the_standard_library_with_a_comment_opens_too() -> None:
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("files/a.wav", os.urandom(100))
        z.writestr("manifest.json", b"{}")
        z.comment = b"written elsewhere"
    with zipfile.ZipFile(ZipView(io.BytesIO(raw.getvalue()), not_a_file)) as view:
        assert view.namelist() == ["manifest.json"] and view.read("manifest.json") == b"{}"


def test_a_changed_byte_in_a_kept_member_is_still_caught() -> None:
    raw = bytearray(archive_of({"manifest.json": b"x" * 200}, stored=True))
    raw[raw.index(b"x" * 200) + 5] ^= 1
    with (
        zipfile.ZipFile(ZipView(io.BytesIO(bytes(raw)), not_a_file)) as view,
        pytest.raises(zipfile.BadZipFile, match="CRC"),
    ):
        view.read("manifest.json")


def test_what_is_no_zip_is_refused_as_zipfile_refuses_it() -> None:
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(ZipView(io.BytesIO(b"not a zip at all" * 10), not_a_file))
