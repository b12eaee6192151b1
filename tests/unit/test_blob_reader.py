"""Reading blobs for the package ZIP: exact bytes and sums, small ones whole, memory bounded."""

from __future__ import annotations

import hashlib
import io
import zlib
from pathlib import Path
from typing import BinaryIO

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rightful.adapters.packaging.blobreader import BlobReader
from rightful.domain.errors import NotFoundError

from .fetched import content


@settings(max_examples=60, deadline=None)
@given(
    blobs=st.lists(st.binary(max_size=300), max_size=10),
    block_size=st.integers(1, 128),
    blocks=st.integers(2, 4),
)
def test_every_blob_comes_back_exactly_with_its_sums(
    blobs: list[bytes], block_size: int, blocks: int
) -> None:
    reader = BlobReader(block_size, blocks)
    try:
        for data in blobs:
            fetched = reader.read(lambda data=data: io.BytesIO(data))  # type: ignore[misc]
            assert fetched is not None
            assert (fetched.whole is not None) == (len(data) < block_size)
            assert content(fetched) == data
            assert (fetched.size, fetched.crc) == (len(data), zlib.crc32(data))
            assert fetched.sha256 == hashlib.sha256(data).hexdigest()
    finally:
        reader.close()


def test_a_large_blob_streams_through_no_more_blocks_than_the_pool_holds() -> None:
    reader = BlobReader(block_size=10, blocks=2)
    fetched = reader.read(lambda: io.BytesIO(b"x" * 95))
    assert fetched is not None and fetched.whole is None
    blocks = {id(part.obj) for part in fetched.parts()}
    assert len(blocks) <= 2 and fetched.size == 95
    small = reader.read(lambda: io.BytesIO(b"short"))
    assert small is not None and small.whole is not None and bytes(small.whole) == b"short"
    small.release()
    reader.close()


def test_a_missing_blob_is_none_and_a_failing_one_raises() -> None:
    def missing() -> BinaryIO:
        raise NotFoundError("no such blob")

    class Broken(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, b: object) -> int:
            raise OSError("disk gone")

    reader = BlobReader(block_size=8, blocks=2)
    assert reader.read(missing) is None
    with pytest.raises(OSError, match="disk gone"):
        reader.read(Broken)  # type: ignore[arg-type]
    fine = reader.read(lambda: io.BytesIO(b"fine"))  # the failed read gave its block back
    assert fine is not None and content(fine) == b"fine"
    reader.close()


@pytest.mark.parametrize("actual", [4, 130])
def test_a_file_that_changes_while_read_is_an_error(tmp_path: Path, actual: int) -> None:
    """Whole (4 bytes) or streamed (130 bytes > one block), against 100 bytes on record."""
    on_record, changed = tmp_path / "on_record", tmp_path / "changed"
    on_record.write_bytes(b"0" * 100)
    changed.write_bytes(b"1" * actual)
    stat_source = on_record.open("rb")

    class Changed(io.FileIO):
        def fileno(self) -> int:
            return stat_source.fileno()

    reader = BlobReader(block_size=64, blocks=2)
    with pytest.raises(OSError, match="changed while it was read"):  # noqa: PT012
        fetched = reader.read(lambda: Changed(changed))  # type: ignore[arg-type,return-value]
        assert fetched is not None
        list(fetched.parts())
    reader.close()
    stat_source.close()


def test_closing_stops_a_helper_waiting_for_a_free_block() -> None:
    reader = BlobReader(block_size=4, blocks=2)
    fetched = reader.read(lambda: io.BytesIO(b"x" * 100))  # needs many blocks; none come back
    assert fetched is not None and fetched.whole is None
    reader.close()  # returns: the helper is stopped, not left waiting
