"""The breach register (Art. 33(5)) as evidence: each field's value is digested into the audit
chain when it changes, so a register row edited afterwards no longer matches the chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from rightful.domain.errors import InvalidInputError

REGISTER_FIELDS: Final = (
    "kind",
    "source",
    "reporter_kind",
    "reporter",
    "nature",
    "status",
    "aware_at",
    "opened_at",
    "contained_at",
    "request_id",
    "package_ids",
    "affected_items",
    "description",
    "effects",
    "level",
    "score",
    "notify_authority",
    "notify_subjects",
    "decision_reason",
    "remedial_action",
    "authority_notified_at",
    "subjects_notified_at",
    "closed_at",
)
DIGEST_HEX: Final = 40  # 160 bits: the chain's summary values stay under 80 characters


def normalised(value: Any) -> Any:
    """A field value in the one form its digest is taken over."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="seconds")
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, list | tuple):
        return [normalised(v) for v in value]
    return value


def field_digest(value: Any) -> str:
    """SHA-256 (first 160 bits, hex) of a field value's canonical JSON."""
    text = json.dumps(normalised(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:DIGEST_HEX]


def digests(record: Mapping[str, Any]) -> dict[str, str]:
    """The digest of every register field of one incident."""
    return {name: field_digest(record.get(name)) for name in REGISTER_FIELDS}


def changed(before: Mapping[str, str], after: Mapping[str, str]) -> dict[str, str]:
    """The digests that differ (every one when there was nothing before)."""
    return {name: d for name, d in after.items() if before.get(name) != d}


def encode(values: Mapping[str, str]) -> list[str]:
    """Digests as the audit chain carries them: 'field=digest'."""
    return [f"{name}={d}" for name, d in sorted(values.items())]


def decode(values: Iterable[object]) -> dict[str, str]:
    """'field=digest' strings back to a mapping; InvalidInputError for anything else."""
    out: dict[str, str] = {}
    for value in values:
        name, sep, d = str(value).partition("=")
        if not sep or name not in REGISTER_FIELDS:
            raise InvalidInputError(f"not a register digest: {str(value)[:40]!r}")
        out[name] = d
    return out


@dataclass(frozen=True)
class Problem:
    """One way the register and the chain disagree."""

    incident_id: str
    field: str | None
    reason: str  # not_in_chain, row_missing, differs, never_recorded

    def __str__(self) -> str:
        where = f" field {self.field}" if self.field else ""
        return f"incident {self.incident_id}{where}: {self.reason.replace('_', ' ')}"


def compare(
    chain: Mapping[str, Mapping[str, str]], rows: Mapping[str, Mapping[str, Any]]
) -> list[Problem]:
    """Every disagreement between the digests the chain holds and the register rows now."""
    problems = [Problem(i, None, "row_missing") for i in sorted(set(chain) - set(rows))]
    for incident_id in sorted(rows):
        recorded = chain.get(incident_id)
        if recorded is None:
            problems.append(Problem(incident_id, None, "not_in_chain"))
            continue
        now = digests(rows[incident_id])
        for name in REGISTER_FIELDS:
            if name not in recorded:
                problems.append(Problem(incident_id, name, "never_recorded"))
            elif recorded[name] != now[name]:
                problems.append(Problem(incident_id, name, "differs"))
    return problems
