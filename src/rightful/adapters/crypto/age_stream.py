"""The age file format (age-encryption.org/v1) with one scrypt passphrase recipient, streamed.

pyrage's `passphrase.encrypt` needs the whole plaintext in memory, so this module writes the
same format chunk by chunk with the `cryptography` primitives, following the specification at
https://age-encryption.org/v1. Every age tool (age, rage, pyrage) decrypts the result; the test
suite checks that with pyrage.

The output is reproducible from (header, nonce, file key), so any byte range of it can be
produced again without the rest: a broken download resumes byte-exactly.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from rightful.domain.errors import InvalidInputError
from rightful.domain.key_ring import KeyRing

VERSION_LINE = b"age-encryption.org/v1\n"
SCRYPT_LABEL = b"age-encryption.org/v1/scrypt"
CHUNK = 64 * 1024
TAG = 16
NONCE = 16
FILE_KEY = 16

ReadPlain = Callable[[int, int], Iterable[bytes]]  # (start, end inclusive) -> bytes in order


def b64(data: bytes) -> bytes:
    """Standard base64 without padding, as age writes it."""
    return base64.b64encode(data).rstrip(b"=")


def _hkdf(ikm: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)


def scrypt_key(passphrase: str, salt: bytes, log_n: int) -> bytes:
    """The wrapping key of age's scrypt recipient (r=8, p=1)."""
    n = 1 << log_n
    return hashlib.scrypt(
        passphrase.encode(), salt=SCRYPT_LABEL + salt, n=n, r=8, p=1,
        maxmem=256 * n * 8 + (1 << 20), dklen=32,
    )  # fmt: skip


def header(file_key: bytes, passphrase: str, log_n: int, salt: bytes | None = None) -> bytes:
    """The complete header (version, scrypt stanza, MAC line) for one file key."""
    if len(file_key) != FILE_KEY:
        raise InvalidInputError("an age file key has 16 bytes")
    salt = salt or os.urandom(16)
    wrapped = ChaCha20Poly1305(scrypt_key(passphrase, salt, log_n)).encrypt(
        b"\x00" * 12, file_key, None
    )
    stanza = b"-> scrypt " + b64(salt) + b" " + str(log_n).encode() + b"\n" + b64(wrapped) + b"\n"
    body = VERSION_LINE + stanza + b"---"
    mac = hmac.new(_hkdf(file_key, b"", b"header"), body, hashlib.sha256).digest()
    return body + b" " + b64(mac) + b"\n"


@dataclass(frozen=True)
class AgeStream:
    """The age encryption of a plaintext of `plain_size` bytes, addressable by byte range."""

    header: bytes
    nonce: bytes
    file_key: bytes
    plain_size: int

    @property
    def chunks(self) -> int:
        return max((self.plain_size + CHUNK - 1) // CHUNK, 1)

    @property
    def size(self) -> int:
        """Bytes of the whole encrypted file."""
        return len(self.header) + NONCE + self.plain_size + TAG * self.chunks

    def iter_range(self, start: int, end: int, read_plain: ReadPlain) -> Iterator[bytes]:
        """Bytes `start`..`end` (inclusive) of the encrypted file, reading only the plaintext
        chunks that they cover, one chunk (64 KiB) in memory at a time."""
        prefix = self.header + self.nonce
        if start < len(prefix):
            yield prefix[start : min(end + 1, len(prefix))]
        if end < len(prefix):
            return
        offset = len(prefix)
        first = max(start - offset, 0) // (CHUNK + TAG)
        last = (end - offset) // (CHUNK + TAG)
        cipher = ChaCha20Poly1305(_hkdf(self.file_key, self.nonce, b"payload"))
        plain = self._plain_chunks(first, last, read_plain)
        for index, chunk in zip(range(first, last + 1), plain, strict=True):
            sealed = cipher.encrypt(_chunk_nonce(index, index == self.chunks - 1), chunk, None)
            at = offset + index * (CHUNK + TAG)
            lo, hi = max(start - at, 0), min(end - at + 1, len(sealed))
            yield sealed[lo:hi]

    def _plain_chunks(self, first: int, last: int, read_plain: ReadPlain) -> Iterator[bytes]:
        if self.plain_size == 0:
            yield b""
            return
        begin, stop = first * CHUNK, min((last + 1) * CHUNK, self.plain_size)
        yield from rechunk(read_plain(begin, stop - 1), CHUNK)


def _chunk_nonce(index: int, last: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def rechunk(pieces: Iterable[bytes], size: int) -> Iterator[bytes]:
    """Regroup a byte stream into pieces of exactly `size` bytes (the last may be shorter)."""
    buffer = bytearray()
    for piece in pieces:
        buffer += piece
        while len(buffer) >= size:
            yield bytes(buffer[:size])
            del buffer[:size]
    if buffer:
        yield bytes(buffer)


def derive_file_key(secret: bytes, protection_id: str) -> tuple[bytes, bytes]:
    """(file key, payload nonce) for one protection, derived so that nothing secret is stored."""
    material = hmac.new(
        secret, b"age-package\x00" + protection_id.encode(), hashlib.sha512
    ).digest()
    return material[:FILE_KEY], material[FILE_KEY : FILE_KEY + NONCE]


def header_fits(age_header: bytes, file_key: bytes) -> bool:
    """Whether `age_header`'s MAC was made with `file_key` (the header wraps that key)."""
    body, _, mac = age_header.rstrip(b"\n").rpartition(b" ")
    expected = hmac.new(_hkdf(file_key, b"", b"header"), body, hashlib.sha256).digest()
    return hmac.compare_digest(b64(expected), mac)


def file_key_of(keys: KeyRing, protection_id: str, age_header: bytes) -> tuple[bytes, bytes] | None:
    """(file key, payload nonce) of a protection made under any of `keys`: the one whose file
    key the stored header wraps (made before a rotation, a previous key's); None when no key
    of the ring made it (the file would not open with the passphrase)."""
    for key in keys.all:
        derived = derive_file_key(key, protection_id)
        if header_fits(age_header, derived[0]):
            return derived
    return None
