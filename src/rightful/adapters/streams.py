"""A read-only stream of known size that can seek anywhere in it."""

from __future__ import annotations

import io


class SeekableReader(io.RawIOBase):
    """Subclasses set `size` and implement readinto() from `_pos` (which they advance)."""

    size: int = 0
    _pos: int = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.size}[whence]
        self._pos = max(0, base + offset)
        return self._pos
