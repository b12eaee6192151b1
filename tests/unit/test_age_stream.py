"""Passphrase packages in the age format, written chunk by chunk and decrypted by the reference
implementation (pyrage); any byte range can be produced again exactly, so downloads resume."""

from __future__ import annotations

import os

import pyrage
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rightful.adapters.crypto.age_stream import (
    CHUNK,
    AgeStream,
    derive_file_key,
    file_key_of,
    header,
    rechunk,
)
from rightful.domain.key_ring import KeyRing

LOG_N = 10  # fast in tests; production uses passphrase_scrypt_log_n (default 18)


PASSPHRASE = "correct horse battery"


def stream_for(plain: bytes, passphrase: str = PASSPHRASE) -> AgeStream:
    file_key, nonce = derive_file_key(b"k" * 32, "protection-1")
    return AgeStream(header(file_key, passphrase, LOG_N), nonce, file_key, len(plain))


def whole(stream: AgeStream, plain: bytes) -> bytes:
    return b"".join(stream.iter_range(0, stream.size - 1, lambda a, b: [plain[a : b + 1]]))


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 7])
def test_pyrage_decrypts_what_we_stream_at_every_chunk_boundary(size: int) -> None:
    plain = os.urandom(size)
    stream = stream_for(plain)
    encrypted = whole(stream, plain)
    assert len(encrypted) == stream.size
    assert pyrage.passphrase.decrypt(encrypted, "correct horse battery") == plain


def test_a_wrong_passphrase_does_not_open_the_file() -> None:
    plain = os.urandom(1000)
    with pytest.raises(pyrage.DecryptError):
        pyrage.passphrase.decrypt(whole(stream_for(plain), plain), "wrong horse")


@settings(max_examples=60, deadline=None)
@given(size=st.integers(0, 3 * CHUNK + 100), data=st.data())
def test_any_byte_range_equals_the_same_bytes_of_the_whole_file(
    size: int, data: st.DataObject
) -> None:
    plain = bytes(range(256)) * (size // 256) + bytes(size % 256)
    stream = stream_for(plain)
    full = whole(stream, plain)
    start = data.draw(st.integers(0, stream.size - 1))
    end = data.draw(st.integers(start, stream.size - 1))
    asked: list[tuple[int, int]] = []

    def read(a: int, b: int) -> list[bytes]:
        asked.append((a, b))
        return [plain[a : b + 1]]

    assert b"".join(stream.iter_range(start, end, read)) == full[start : end + 1]
    read_bytes = sum(b - a + 1 for a, b in asked)
    assert read_bytes <= (end - start + 1) + 2 * CHUNK  # only the chunks the range covers


def test_the_same_protection_gives_the_same_bytes_and_another_gives_others() -> None:
    plain = os.urandom(5000)
    key, nonce = derive_file_key(b"k" * 32, "p1")
    head = header(key, "pw", LOG_N)
    first = whole(AgeStream(head, nonce, key, len(plain)), plain)
    again = whole(AgeStream(head, nonce, key, len(plain)), plain)
    other_key, other_nonce = derive_file_key(b"k" * 32, "p2")
    other = whole(AgeStream(header(other_key, "pw", LOG_N), other_nonce, other_key, 5000), plain)
    assert first == again and first != other


def test_rechunk_regroups_without_losing_bytes() -> None:
    pieces = [b"a" * 3, b"b" * 10, b"", b"c" * 1]
    assert list(rechunk(pieces, 4)) == [b"aaab", b"bbbb", b"bbbb", b"bc"]


def test_a_file_protected_before_web_secret_was_rotated_opens_while_the_old_one_is_listed() -> None:
    """The stored header wraps the file key derived under the secret of the day it was made:
    after a rotation the stream finds that key by the header's MAC, or every byte after the
    header is encrypted under a key the passphrase does not open."""
    old, new, plain = b"o" * 32, b"n" * 32, os.urandom(CHUNK + 7)
    stored = header(derive_file_key(old, "p1")[0], PASSPHRASE, LOG_N)

    found = file_key_of(KeyRing(new, (old,)), "p1", stored)
    assert found is not None
    served = whole(AgeStream(stored, found[1], found[0], len(plain)), plain)
    assert pyrage.passphrase.decrypt(served, PASSPHRASE) == plain
    assert file_key_of(KeyRing(new), "p1", stored) is None  # served, it would not open
    fresh = header(derive_file_key(new, "p2")[0], PASSPHRASE, LOG_N)
    assert file_key_of(KeyRing(new, (old,)), "p2", fresh) == derive_file_key(new, "p2")
