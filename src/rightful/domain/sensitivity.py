"""How sensitive a data category is: decides verification strength now and breach severity later."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum


class Sensitivity(StrEnum):
    """Ordered levels; a request verified to one level may see data up to that level."""

    STANDARD = "standard"
    HIGH = "high"

    @property
    def rank(self) -> int:
        """Position in the order standard < high."""
        return _ORDER.index(self)

    def exceeds(self, other: Sensitivity) -> bool:
        """True when this level is stricter than `other`."""
        return self.rank > other.rank


_ORDER = (Sensitivity.STANDARD, Sensitivity.HIGH)

# Art. 9 special categories, financial data, precise location and voice: a wrong disclosure of
# any of these harms the person far more than contact or order data (EDPB 01/2022 para 70).
DEFAULT_HIGH: frozenset[str] = frozenset(
    {
        "user.biometric",
        "user.authorization",
        "user.childrens",
        "user.criminal_history",
        "user.financial",
        "user.payment",
        "user.government_id",
        "user.health_and_medical",
        "user.location.precise",
        "user.demographic.political_opinion",
        "user.demographic.race_ethnicity",
        "user.demographic.religious_belief",
        "user.demographic.sexual_orientation",
    }
)


def category_sensitivity(
    category: str, declared: Mapping[str, Sensitivity] | None = None
) -> Sensitivity:
    """The level of a category: the nearest declared or default level along its dotted path."""
    declared = declared or {}
    parts = category.split(".")
    for end in range(len(parts), 0, -1):
        prefix = ".".join(parts[:end])
        if prefix in declared:
            return declared[prefix]
        if prefix in DEFAULT_HIGH:
            return Sensitivity.HIGH
    return Sensitivity.STANDARD


def highest(levels: Iterable[Sensitivity]) -> Sensitivity:
    """The strictest of some levels (standard when there are none)."""
    return max(levels, key=lambda level: level.rank, default=Sensitivity.STANDARD)


def falls_under(category: str, prefixes: Iterable[str]) -> bool:
    """Whether a Fides category is one of `prefixes` or lies below one (a.b.c under a.b, not
    a.bc)."""
    return any(category == p or category.startswith(f"{p}.") for p in prefixes)
