"""Chunked AES-256-GCM: packages are encrypted as they are written and decrypted by byte range.

Layout: a 16-byte header (magic `RFPK`, version, chunk size, 7-byte random nonce prefix), then
the chunks, each `chunk_size` bytes of plaintext (the last one may be shorter or empty) sealed
with a 16-byte tag. A chunk's nonce is prefix + 32-bit chunk counter + a last-chunk flag, and
the header is authenticated with every chunk, so that dropping, repeating, reordering or
truncating chunks, or editing the header, is detected. Any chunk can be decrypted alone: an
HTTP range is served by decrypting only the chunks it touches.
"""

from __future__ import annotations

import io
import mmap
import os
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, Final, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from rightful.adapters.streams import SeekableReader
from rightful.domain.errors import RightfulError

MAGIC: Final = b"RFPK"
VERSION: Final = 1
HEADER_SIZE: Final = 16
TAG_SIZE: Final = 16
PREFIX_SIZE: Final = 7
DEFAULT_CHUNK: Final = 64 * 1024
MAX_CHUNKS: Final = 2**32
KEY_SIZE: Final = 32
Buffer = bytearray | mmap.mmap  # a batch of sealed bytes: mmaps are page-aligned
WRITE_BATCH: Final = 1024 * 1024  # sealed bytes handed to the sink per write, unless it asks


class TamperedError(RightfulError):
    """Encrypted bytes failed authentication: changed, cut short, reordered or the wrong key."""

    http_status = 500


@dataclass(frozen=True)
class Header:
    """The header of an encrypted stream."""

    chunk_size: int
    prefix: bytes

    def pack(self) -> bytes:
        """The 16 header bytes."""
        return MAGIC + bytes([VERSION]) + struct.pack(">I", self.chunk_size) + self.prefix

    @classmethod
    def unpack(cls, raw: bytes) -> Header:
        """Parse the header; TamperedError when it is not one."""
        if len(raw) != HEADER_SIZE or raw[:4] != MAGIC or raw[4] != VERSION:
            raise TamperedError("not a rightful encrypted package (bad header)")
        (chunk_size,) = struct.unpack(">I", raw[5:9])
        if chunk_size < 1:
            raise TamperedError("not a rightful encrypted package (bad chunk size)")
        return cls(chunk_size, raw[9:16])


def new_data_key() -> bytes:
    """A fresh random 256-bit key for one package."""
    return AESGCM.generate_key(bit_length=256)


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    if index >= MAX_CHUNKS:
        raise ValueError("too many chunks for one stream")
    return prefix + index.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def layout(stored_size: int, chunk_size: int) -> tuple[int, int]:
    """(number of chunks, plaintext size) of an encrypted stream of `stored_size` bytes."""
    body = stored_size - HEADER_SIZE
    if body < TAG_SIZE:
        raise TamperedError("encrypted stream is cut short")
    chunks = -(-body // (chunk_size + TAG_SIZE))
    return chunks, body - chunks * TAG_SIZE


class EncryptingWriter(io.RawIOBase):
    """A write-only stream that encrypts into `sink` chunk by chunk; close() seals the last one.

    Holds at most one chunk of plaintext and one batch of sealed bytes in memory. Every batch
    but the last is exactly `batch` bytes of the stream, the header included, so that batch n
    lies at offset n * batch: a package file writes such batches past the page cache as they
    are, without copying them (storage/package_file.py). `tell()` counts plaintext bytes, which
    is all a ZIP writer needs of a stream it cannot seek.
    """

    def __init__(
        self,
        sink: Writable,
        key: bytes,
        chunk_size: int = DEFAULT_CHUNK,
        buffers: Callable[[int], Buffer] = bytearray,
        batch: int = WRITE_BATCH,
        reuse: Callable[[Buffer], None] | None = None,
    ) -> None:
        super().__init__()
        self._buffers, self._reuse = buffers, reuse
        if len(key) != KEY_SIZE:
            raise ValueError("a data key has 32 bytes")
        if batch < 1:
            raise ValueError("a batch holds one byte or more")
        self._sink = sink
        self._aead = AESGCM(key)
        self._header = Header(chunk_size, os.urandom(PREFIX_SIZE))
        self._aad = self._header.pack()
        self._chunk = chunk_size
        self._buffer = bytearray()
        self._index = 0
        self._plain = 0
        self.stored = 0
        self._batch = batch
        self._out: Buffer | None = None
        self._view = memoryview(b"")
        self._filled = 0
        # The header opens the first batch; a stream that never fills one writes it at close.
        self._headed = False

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(data).cast("B")
        size = view.nbytes
        self._plain += size
        if self._buffer:
            take = min(self._chunk - len(self._buffer), size)
            self._buffer += view[:take]
            view = view[take:]
            if not view.nbytes:
                return size  # a full buffered chunk may still turn out to be the last one
            self._seal_many(memoryview(self._buffer))
            self._buffer = bytearray()
        # Seal whole chunks straight from the caller's buffer; keep at least one byte back,
        # because the final chunk must be sealed with the last flag.
        full = (view.nbytes - 1) // self._chunk
        if full > 0:
            self._seal_many(view[: full * self._chunk])
        self._buffer += view[full * self._chunk :]
        return size

    def _seal_many(self, plain: memoryview) -> None:
        """Seal whole chunks (not the last) into the batch buffer, which goes to the sink in
        one write when full: one write per `batch` bytes, however small the caller's writes.
        A chunk that would straddle two batches is sealed aside and split between them."""
        step = self._chunk + TAG_SIZE
        for start in range(0, plain.nbytes, self._chunk):
            nonce = _nonce(self._header.prefix, self._index, False)
            chunk = plain[start : start + self._chunk]
            self._index += 1
            if self._out is None:
                self._open_batch()
            if self._batch - self._filled < step:
                self._put(self._aead.encrypt(nonce, chunk, self._aad))
                continue
            out = self._view[self._filled : self._filled + step]
            self._aead.encrypt_into(nonce, chunk, self._aad, out)
            self._filled += step
            if self._filled == self._batch:
                self._flush()

    def _open_batch(self) -> None:
        self._out = self._buffers(self._batch)
        self._view = memoryview(self._out)
        if not self._headed:
            self._headed = True
            self._put(self._aad)

    def _put(self, data: bytes) -> None:
        """Copy bytes into the batches, each sent on as it fills."""
        view = memoryview(data)
        while view.nbytes:
            if self._out is None:
                self._open_batch()
            take = min(self._batch - self._filled, view.nbytes)
            self._view[self._filled : self._filled + take] = view[:take]
            self._filled += take
            view = view[take:]
            if self._filled == self._batch:
                self._flush()

    def _flush(self) -> None:
        """Hand the sealed bytes of the batch buffer to the sink."""
        if self._out is None:
            return
        self._view.release()
        if self._filled == len(self._out):
            self._sink.write(self._out)
        else:  # the last, partly filled batch: its bytes are copied, the buffer is free again
            self._sink.write(self._out[: self._filled])
            if self._reuse is not None:
                self._reuse(self._out)
        self.stored += self._filled
        self._out, self._filled = None, 0

    def tell(self) -> int:
        return self._plain

    def seekable(self) -> bool:
        return False

    def close(self) -> None:
        if not self.closed:
            last = self._aead.encrypt(
                _nonce(self._header.prefix, self._index, True), bytes(self._buffer), self._aad
            )
            self._index += 1
            self._buffer.clear()
            if self._headed:
                self._put(last)
                self._flush()
            else:  # nothing filled a batch: the header and the one chunk, without a buffer
                self._headed = True
                self._sink.write(self._aad + last)
                self.stored += HEADER_SIZE + len(last)
        super().close()

    @property
    def plaintext_size(self) -> int:
        return self._plain


class DecryptingReader(SeekableReader):
    """A seekable, read-only view of the plaintext of an encrypted stream (one chunk cached)."""

    def __init__(self, source: BinaryIO, key: bytes, stored_size: int) -> None:
        super().__init__()
        source.seek(0)
        self._aad = source.read(HEADER_SIZE)
        self._header = Header.unpack(self._aad)
        self._source = source
        self._aead = AESGCM(key)
        self._chunks, self.size = layout(stored_size, self._header.chunk_size)
        self._pos = 0
        self._cached: tuple[int, bytes] | None = None

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        """Fill `buffer` from the current position, across chunks, up to the end."""
        view = memoryview(buffer).cast("B")
        filled = 0
        while filled < len(view) and self._pos < self.size:
            index, offset = divmod(self._pos, self._header.chunk_size)
            plain = self.chunk(index)
            n = min(len(view) - filled, len(plain) - offset)
            view[filled : filled + n] = plain[offset : offset + n]
            self._pos += n
            filled += n
        return filled

    def chunk(self, index: int) -> bytes:
        """The plaintext of one chunk, authenticated; TamperedError when it does not verify."""
        if self._cached is not None and self._cached[0] == index:
            return self._cached[1]
        if not 0 <= index < self._chunks:
            raise TamperedError("chunk index out of range")
        step = self._header.chunk_size + TAG_SIZE
        self._source.seek(HEADER_SIZE + index * step)
        sealed = self._source.read(step)
        last = index == self._chunks - 1
        try:
            plain = self._aead.decrypt(_nonce(self._header.prefix, index, last), sealed, self._aad)
        except InvalidTag:
            raise TamperedError("an encrypted chunk failed authentication") from None
        self._cached = (index, plain)
        return plain

    def whole(self) -> bytes:
        """The whole plaintext, every chunk authenticated: also the one chunk of an empty
        stream, which reading never touches."""
        return b"".join(self.chunk(index) for index in range(self._chunks))

    def iter_range(self, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Plaintext bytes [start, end) chunk by chunk: what an HTTP range response streams."""
        stop = self.size if end is None else min(end, self.size)
        size = self._header.chunk_size
        position = max(0, start)
        while position < stop:
            index, offset = divmod(position, size)
            piece = self.chunk(index)[offset : offset + (stop - position)]
            position += len(piece)
            yield piece

    def close(self) -> None:
        if not self.closed:
            self._source.close()
        super().close()


def sealed(content: bytes, key: bytes, chunk_size: int = DEFAULT_CHUNK) -> bytes:
    """`content` encrypted whole into the stream layout: for small files held in memory."""
    out = io.BytesIO()
    writer = EncryptingWriter(out, key, chunk_size)
    writer.write(content)
    writer.close()
    return out.getvalue()


def unsealed(stored: bytes, key: bytes) -> bytes:
    """The plaintext of `sealed` bytes, every chunk authenticated; TamperedError otherwise."""
    return DecryptingReader(io.BytesIO(stored), key, len(stored)).whole()


class Writable(Protocol):
    def write(self, data: bytes | bytearray | mmap.mmap, /) -> int: ...
