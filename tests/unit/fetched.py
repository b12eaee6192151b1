"""Reading back what the blob reader hands out, for the tests of its readers."""

from __future__ import annotations

from rightful.adapters.packaging.blobreader import Fetched


def content(fetched: Fetched) -> bytes:
    """All bytes of a blob, whole or streamed; a whole one's block is given back."""
    if fetched.whole is not None:
        data = bytes(fetched.whole)
        fetched.release()
        return data
    return b"".join(bytes(part) for part in fetched.parts())
