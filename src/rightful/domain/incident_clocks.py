"""Notification clocks of a breach: which regime asks whom to be told by when (GDPR Art. 33 and
34, UK GDPR, California Civ. Code §1798.82), and which reminders are due before each deadline."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from rightful.domain.errors import ConfigurationError
from rightful.domain.severity import Level

LEVELS: Final = (Level.LOW, Level.MEDIUM, Level.HIGH, Level.VERY_HIGH)


def at_least(level: Level, threshold: Level) -> bool:
    """Whether `level` is `threshold` or worse."""
    return LEVELS.index(level) >= LEVELS.index(threshold)


class Audience(StrEnum):
    AUTHORITY = "authority"  # Art. 33: the supervisory authority
    SUBJECTS = "subjects"  # Art. 34: the people whose data it is


MAX_HOURS: Final = 24 * 366  # a notification deadline, or a reminder, within a year


@dataclass(frozen=True)
class Regime:
    """One notification regime as a policy. Hours None: no fixed deadline ("without undue
    delay"); the threshold levels decide when a notice is owed at all."""

    name: str
    title: str
    authority: str
    authority_hours: int | None = 72
    authority_level: Level = Level.MEDIUM
    authority_min_subjects: int = 1
    subjects_hours: int | None = 72
    subjects_level: Level = Level.HIGH
    unintelligible_exempt: bool = True  # Art. 34(3)(a); encrypted data under §1798.82(a)


BUILTIN_REGIMES: Final[Mapping[str, Regime]] = {
    # Art. 33(1): 72 hours after awareness unless unlikely to result in a risk; Art. 34(1): high
    # risk, without undue delay (72 hours is rightful's default target, a policy setting).
    "gdpr": Regime("gdpr", "GDPR Art. 33 and 34", "the lead supervisory authority"),
    "uk_gdpr": Regime("uk_gdpr", "UK GDPR Art. 33 and 34", "the Information Commissioner's Office"),
    # §1798.82: residents "in the most expedient time possible"; the Attorney General receives a
    # sample when more than 500 residents are notified.
    "ccpa": Regime(
        "ccpa",
        "California Civil Code §1798.82",
        "the California Attorney General",
        authority_hours=None,
        authority_level=Level.MEDIUM,
        authority_min_subjects=501,
        subjects_hours=None,
        subjects_level=Level.MEDIUM,
    ),
}


def regimes_from(
    enabled: Sequence[str], policies: Mapping[str, Mapping[str, object]]
) -> tuple[Regime, ...]:
    """The regimes in force: built-in ones by name, changed or added by the settings."""
    if not enabled:
        raise ConfigurationError("breach_regimes: enable at least one regime (e.g. gdpr)")
    out = []
    for name in enabled:
        base = BUILTIN_REGIMES.get(name)
        policy = dict(policies.get(name, {}))
        if base is None and "title" not in policy:
            raise ConfigurationError(
                f"breach regime {name!r} is not built in; describe it in "
                "breach_regime_policies with at least title and authority"
            )
        base = base or Regime(name, str(policy["title"]), str(policy.get("authority", "")))
        out.append(_with_policy(base, policy))
    return tuple(out)


def _with_policy(regime: Regime, policy: Mapping[str, object]) -> Regime:
    known = {f.name for f in fields(Regime)} - {"name"}
    unknown = sorted(set(policy) - known)
    if unknown:
        raise ConfigurationError(f"breach regime {regime.name}: unknown keys {unknown}")
    changes: dict[str, object] = {}
    for key, value in policy.items():
        try:
            changes[key] = _typed(key, value)
        except (TypeError, ValueError):
            raise ConfigurationError(
                f"breach regime {regime.name}: bad {key} {value!r} ({_EXPECTED.get(key, 'text')})"
            ) from None
    return replace(regime, **changes)  # type: ignore[arg-type]


_HOURS: Final = f"a whole number of hours from 1 to {MAX_HOURS}"
_LEVEL: Final = "low, medium, high or very_high"
_EXPECTED: Final = {
    "authority_hours": _HOURS, "subjects_hours": _HOURS, "authority_level": _LEVEL,
    "subjects_level": _LEVEL, "authority_min_subjects": "a whole number",
    "unintelligible_exempt": "true or false",
}  # fmt: skip


def _typed(key: str, value: object) -> object:
    if key.endswith("_level"):
        return Level(str(value))
    if key.endswith("_hours"):
        if value is None:
            return None
        hours = int(str(value))
        if not 0 < hours <= MAX_HOURS:
            raise ValueError(key)
        return hours
    if key == "authority_min_subjects":
        return max(1, int(str(value)))
    if key == "unintelligible_exempt":
        if not isinstance(value, bool):
            raise TypeError(key)
        return value
    return str(value)


@dataclass(frozen=True)
class Decision:
    """What the assessment (or the DPO's override) decided; None flags follow the regime."""

    level: Level
    near_miss: bool = False
    unintelligible: bool = False
    subjects: int = 1
    notify_authority: bool | None = None
    notify_subjects: bool | None = None


@dataclass(frozen=True)
class Deadline:
    """One notice one regime owes (or does not owe), due at a time or without undue delay."""

    regime: str
    audience: Audience
    required: bool
    due_at: datetime | None
    reason: str
    done_at: datetime | None = None

    def state(self, now: datetime) -> str:
        """not_required, done, late (done after the deadline), overdue, open."""
        if self.done_at is not None:
            return "late" if self.required and self.is_late(self.done_at) else "done"
        if not self.required:
            return "not_required"
        return "overdue" if self.is_late(now) else "open"

    def is_late(self, at: datetime) -> bool:
        """Whether a notice given at `at` misses this deadline."""
        return self.due_at is not None and at > self.due_at

    def owes_reasons_for_delay(self, at: datetime) -> bool:
        """Whether a notice given at `at` is the notification made after the deadline, which
        states why (Art. 33(1)): not a later phase of one already made (Art. 33(4)), nor one
        that was not owed (the people concerned told of the DPO's own accord)."""
        return self.required and self.done_at is None and self.is_late(at)

    def left(self, now: datetime) -> timedelta | None:
        return None if self.due_at is None else self.due_at - now


def deadlines(
    aware_at: datetime, decision: Decision, regimes: Iterable[Regime],
    done: Mapping[tuple[str, Audience], datetime] | None = None,
) -> list[Deadline]:  # fmt: skip
    """Every regime's two deadlines, counted from awareness."""
    done = done or {}
    out = []
    for r in regimes:
        for audience, (required, reason) in _owed(r, decision).items():
            hours = r.authority_hours if audience is Audience.AUTHORITY else r.subjects_hours
            due = aware_at + timedelta(hours=hours) if hours else None
            out.append(Deadline(r.name, audience, required, due, reason,
                                done.get((r.name, audience))))  # fmt: skip
    return out


def _owed(r: Regime, d: Decision) -> dict[Audience, tuple[bool, str]]:
    return {Audience.AUTHORITY: _authority(r, d), Audience.SUBJECTS: _subjects(r, d)}


# Whatever its score; the DPO's recorded decision still stands (the cause reached further).
NEAR_MISS: Final = (False, "near-miss: no personal data left the controller")


def _authority(r: Regime, d: Decision) -> tuple[bool, str]:
    if d.notify_authority is not None:
        return d.notify_authority, "decided by the DPO"
    if d.near_miss:
        return NEAR_MISS
    if not at_least(d.level, r.authority_level):
        return False, f"{d.level.value} severity: unlikely to result in a risk"
    if d.subjects < r.authority_min_subjects:
        return False, f"fewer than {r.authority_min_subjects} people concerned"
    return True, f"{d.level.value} severity: {r.authority} must be notified"


def _subjects(r: Regime, d: Decision) -> tuple[bool, str]:
    if d.notify_subjects is not None:
        return d.notify_subjects, "decided by the DPO"
    if d.near_miss:
        return NEAR_MISS
    if not at_least(d.level, r.subjects_level):
        return False, f"{d.level.value} severity: below the level that requires telling them"
    if d.unintelligible and r.unintelligible_exempt:
        return False, "the data was unintelligible to the recipient (Art. 34(3)(a))"
    return True, f"{d.level.value} severity: the people concerned must be told"


def reminders_due(
    deadline: Deadline, now: datetime, hours_before: Iterable[int], sent: Collection[int]
) -> list[int]:
    """Reminder marks (hours before the deadline; 0 = overdue) reached and not yet sent."""
    if not deadline.required or deadline.done_at is not None or deadline.due_at is None:
        return []
    # Only the latest mark reached: a job that ran late sends one reminder, not a burst.
    mark = mark_reached(deadline.due_at, now, hours_before)
    return [mark] if mark is not None and mark not in sent else []


def mark_reached(due_at: datetime, now: datetime, hours_before: Iterable[int]) -> int | None:
    """The latest reminder mark reached (hours before `due_at`; 0 = due), None before any."""
    marks = sorted({*(h for h in hours_before if h > 0), 0}, reverse=True)
    reached = [h for h in marks if now >= due_at - timedelta(hours=h)]
    return reached[-1] if reached else None
