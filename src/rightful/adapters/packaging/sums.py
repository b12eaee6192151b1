"""The two checksums every blob in a package gets: SHA-256 for the manifest, CRC-32 for the ZIP."""

from __future__ import annotations

import hashlib

from zlib_ng.zlib_ng import crc32  # the same CRC-32 as zlib's, at memory speed


class Sums:
    """SHA-256 and CRC-32 of a stream, taken block by block; `size` counts its bytes."""

    def __init__(self, data: bytes | memoryview = b"") -> None:
        self.sha256 = hashlib.sha256()
        self.crc = 0
        self.size = 0
        if data:
            self.update(data)

    def update(self, block: bytes | memoryview) -> None:
        self.sha256.update(block)
        self.crc = crc32(block, self.crc)
        self.size += len(block)

    def hexdigest(self) -> str:
        """The SHA-256 as the manifest writes it."""
        return self.sha256.hexdigest()
