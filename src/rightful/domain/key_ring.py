"""A key and the keys it replaced: what is made now is made under the current key, what is
checked may have been made under any of them (a secret rotated after a suspected leak)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class KeyRing:
    """The current key, then the previous ones, oldest last; never shown in a repr."""

    current: bytes = field(repr=False)
    previous: tuple[bytes, ...] = field(default=(), repr=False)

    @property
    def all(self) -> tuple[bytes, ...]:
        """Every key a value may have been made under, the current one first."""
        return (self.current, *self.previous)
