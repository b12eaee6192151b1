"""Legal deadlines per jurisdiction: when a request must be acknowledged and answered (the
notices that go with them, acknowledgement, extension and refusal, are in deadline_texts.py).

Conventions, each chosen to be checkable:
- Dates are local calendar dates in the controller's timezone `tz`; a deadline is due by the end
  of its day there (`respond_by` is the last microsecond of that day, an aware datetime).
- GDPR / UK GDPR (Art. 12(3)): receipt date + 1 calendar month; an extension of n months gives
  receipt date + (1 + n) months, i.e. counted from receipt, not from the first deadline (as the
  ICO computes it). A deadline on a weekend or holiday is never moved later (conservative).
- CCPA (Cal. Code Regs. tit. 11, §7021): answer by receipt date + 45 days (+ up to 45 more);
  acknowledge by the 10th business day (Mon-Fri, not a given holiday) after the receipt date.
- Pauses (GDPR / UK GDPR only, and only when the policy flag is on; never for CCPA): every local
  day from the day a pause starts to the day it ends, both included, does not count (modelled on
  DPA 2018 s.54(3C)); overlapping pauses count a day once; the day of receipt never counts anyway;
  a pause that starts after the running deadline does not revive it. An open pause counts up to
  and including the day of `now`, so the deadline moves on each day while the clock stands still.
- Extensions: once, with a non-empty reason, decided and told to the requester while the first
  period runs (pauses included). Without a recorded notice an extension is refused, not flagged.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from rightful.domain.errors import ConflictError, InvalidInputError
from rightful.domain.requests import RequestType
from rightful.domain.words import written


class Jurisdiction(StrEnum):
    """Whose clock runs. CPRA is the CCPA as amended: callers map `cpra` to CCPA."""

    GDPR = "gdpr"
    UK_GDPR = "uk_gdpr"
    CCPA = "ccpa"


class ExtensionUnit(StrEnum):
    """The unit an extension is counted in."""

    MONTHS = "months"
    DAYS = "days"


class Urgency(StrEnum):
    """How close a request is to its deadline."""

    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    OK = "ok"


class Language(StrEnum):
    """Languages the notices are written in."""

    EN = "en"
    DE = "de"


class ExtensionNotAllowedError(ConflictError):
    """An extension breaks the law's conditions: once, with a reason, told, in the first period."""


@dataclass(frozen=True)
class Extension:
    """A decision to extend, its reason, and when the requester was told of it."""

    decided_at: datetime
    reason: str
    notice_sent_at: datetime | None = None
    months: int | None = None  # GDPR / UK GDPR; None means the most the law allows
    days: int | None = None  # CCPA; None means the most the law allows


@dataclass(frozen=True)
class Pause:
    """A stretch of waiting for identity information; `end` is None while still waiting."""

    start: datetime
    end: datetime | None = None


@dataclass(frozen=True)
class Deadlines:
    """The deadlines of one request, as aware end-of-day instants in the controller's timezone."""

    jurisdiction: Jurisdiction
    received_at: datetime
    acknowledge_by: datetime | None
    respond_by: datetime
    original_respond_by: datetime
    extended: bool
    max_extension_months_or_days: int
    extension_unit: ExtensionUnit
    paused_days: int
    clock_paused: bool


@dataclass(frozen=True)
class _Rules:
    period: int
    max_extension: int
    unit: ExtensionUnit
    honours_pauses: bool
    acknowledge_business_days: int | None


_GDPR_RULES = _Rules(1, 2, ExtensionUnit.MONTHS, True, None)
_RULES = {
    Jurisdiction.GDPR: _GDPR_RULES,
    Jurisdiction.UK_GDPR: _GDPR_RULES,
    Jurisdiction.CCPA: _Rules(45, 45, ExtensionUnit.DAYS, False, 10),
}


def parse_jurisdiction(value: str) -> Jurisdiction:
    """Read a jurisdiction name case-insensitively; `cpra` means the CCPA as amended."""
    key = value.strip().lower()
    if key == "cpra":
        return Jurisdiction.CCPA
    try:
        return Jurisdiction(key)
    except ValueError:
        raise InvalidInputError(
            "jurisdiction must be one of: gdpr, uk_gdpr, ccpa (or cpra)"
        ) from None


def add_calendar_months(d: date, n: int) -> date:
    """The same day of the month n months later; a day the month lacks falls to its last day."""
    year, month0 = divmod(d.year * 12 + d.month - 1 + n, 12)
    last_day = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(d.day, last_day))


def add_business_days(d: date, n: int, holidays: frozenset[date] = frozenset()) -> date:
    """The n-th day after d that is Monday to Friday and not a holiday."""
    if n < 0:
        raise InvalidInputError("business days to add must not be negative")
    day = d
    while n > 0:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            n -= 1
    return day


def end_of_day(d: date, tz: tzinfo = UTC) -> datetime:
    """The last instant of a local calendar day, as an aware datetime."""
    return datetime.combine(d, time.max, tzinfo=tz)


def pauses_count(jurisdiction: Jurisdiction, pause_policy: bool) -> bool:
    """Whether pauses of the clock move a request's deadlines: where the law allows it and
    the controller's policy stops the clock while waiting for proof of identity."""
    return _RULES[jurisdiction].honours_pauses and pause_policy


# CCPA requests to opt out of sale or sharing, and to limit the use of sensitive information,
# are acted on within 15 business days of receipt, without extension or verification
# (Cal. Code Regs. tit. 11, §7026(f), §7027(g), §7060(b)).
CCPA_PROMPT: frozenset[RequestType] = frozenset({RequestType.OBJECTION, RequestType.RESTRICTION})
CCPA_PROMPT_BUSINESS_DAYS = 15
MIN_EXTENSION_REASON = 10  # visible characters
MAX_EXTENSION_REASON = 2000  # characters: the reason is mailed to the requester


def prompt_ccpa(jurisdiction: Jurisdiction, kind: RequestType | None) -> bool:
    """A CCPA opt-out or limit request: 15 business days, no extension, no verification."""
    return jurisdiction is Jurisdiction.CCPA and kind in CCPA_PROMPT


def compute_deadlines(
    jurisdiction: Jurisdiction,
    received_at: datetime,
    *,
    kind: RequestType | None = None,
    tz: tzinfo = UTC,
    extension: Extension | None = None,
    pauses: Sequence[Pause] = (),
    pause_policy: bool = False,
    holidays: frozenset[date] = frozenset(),
    now: datetime | None = None,
    extension_decided: bool = False,
) -> Deadlines:
    """A request's deadlines; an invalid extension raises ExtensionNotAllowedError, unless it
    is `extension_decided`: checked when it was granted, it keeps its length even if a setting
    (time zone, pause policy) has since moved the end of the first period before it."""
    _require_aware(received_at, "received_at")
    rules = _RULES[jurisdiction]
    receipt = local_date(received_at, tz)
    if prompt_ccpa(jurisdiction, kind):
        if extension is not None:
            raise ExtensionNotAllowedError(
                "a CCPA opt-out or limit request is acted on within 15 business days and "
                "cannot be extended (§7026(f), §7027(g))"
            )
        by = end_of_day(add_business_days(receipt, CCPA_PROMPT_BUSINESS_DAYS, holidays), tz)
        return Deadlines(
            jurisdiction=jurisdiction, received_at=received_at, acknowledge_by=None,
            respond_by=by, original_respond_by=by, extended=False,
            max_extension_months_or_days=0, extension_unit=rules.unit, paused_days=0,
            clock_paused=False,
        )  # fmt: skip
    honoured = pauses if pauses_count(jurisdiction, pause_policy) else ()
    paused = _paused_dates(honoured, received_at, tz, now)
    original = end_of_day(_shift(_period_end(rules, receipt, 0), paused)[0], tz)
    length = 0
    if extension is not None and extension_decided:
        length = _length(jurisdiction, extension)
    elif extension is not None:
        length = _checked_length(jurisdiction, extension, received_at, original)
    due, paused_days = _shift(_period_end(rules, receipt, length), paused)
    return Deadlines(
        jurisdiction=jurisdiction,
        received_at=received_at,
        acknowledge_by=_acknowledge_by(rules, receipt, holidays, tz),
        respond_by=end_of_day(due, tz),
        original_respond_by=original,
        extended=extension is not None,
        max_extension_months_or_days=rules.max_extension,
        extension_unit=rules.unit,
        paused_days=paused_days,
        clock_paused=any(p.end is None for p in honoured),
    )


def ensure_can_extend(current: Deadlines, extension: Extension) -> None:
    """Raise ExtensionNotAllowedError unless `extension` may be added to `current`."""
    if current.extended:
        raise ExtensionNotAllowedError("the request was extended already; the law allows one")
    if current.max_extension_months_or_days == 0:
        raise ExtensionNotAllowedError(
            "a CCPA opt-out or limit request is acted on within 15 business days and cannot be "
            "extended (§7026(f), §7027(g))"
        )
    _checked_length(
        current.jurisdiction, extension, current.received_at, current.original_respond_by
    )


def time_left(deadlines: Deadlines, now: datetime) -> timedelta:
    """Time until the response is due; negative once overdue."""
    _require_aware(now, "now")
    return deadlines.respond_by - now


# The widest "due within" window: ten years holds every deadline, and a larger count of days
# overflows timedelta.
LONGEST_WINDOW_DAYS = 3660


def urgency(deadlines: Deadlines, now: datetime, due_soon_days: int = 7) -> Urgency:
    """Overdue, due within `due_soon_days`, or fine."""
    return urgency_at(deadlines.respond_by, now, due_soon_days)


def urgency_at(respond_by: datetime, now: datetime, due_soon_days: int = 7) -> Urgency:
    """Urgency from a stored `respond_by` instant."""
    overdue_before, soon_until = urgency_bounds(now, due_soon_days)
    if respond_by < overdue_before:
        return Urgency.OVERDUE
    if respond_by <= soon_until:
        return Urgency.DUE_SOON
    return Urgency.OK


def urgency_bounds(now: datetime, due_soon_days: int = 7) -> tuple[datetime, datetime]:
    """The instants that split deadlines by urgency: a `respond_by` before the first is overdue,
    one up to the second is due soon (what a store counts with, as `urgency_at` judges one)."""
    _require_aware(now, "now")
    if not 0 <= due_soon_days <= LONGEST_WINDOW_DAYS:
        raise InvalidInputError(f"due_soon_days: 0 to {LONGEST_WINDOW_DAYS}")
    return now, now + timedelta(days=due_soon_days)


# --- arithmetic helpers ----------------------------------------------------------------------


def _require_aware(at: datetime, name: str) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidInputError(f"{name} must be a timezone-aware datetime")


def local_date(at: datetime, tz: tzinfo) -> date:
    return at.astimezone(tz).date()


def _period_end(rules: _Rules, receipt: date, extra: int) -> date:
    if rules.unit is ExtensionUnit.MONTHS:
        return add_calendar_months(receipt, rules.period + extra)
    return receipt + timedelta(days=rules.period + extra)


def _acknowledge_by(
    rules: _Rules, receipt: date, holidays: frozenset[date], tz: tzinfo
) -> datetime | None:
    if rules.acknowledge_business_days is None:
        return None
    return end_of_day(add_business_days(receipt, rules.acknowledge_business_days, holidays), tz)


def _paused_dates(
    pauses: Iterable[Pause], received_at: datetime, tz: tzinfo, now: datetime | None
) -> list[date]:
    """Every local day a pause touches, first and last included, after the day of receipt."""
    receipt = local_date(received_at, tz)
    days: set[date] = set()
    for pause in pauses:
        first, last = _pause_span(pause, received_at, tz, now)
        days.update(first + timedelta(days=i) for i in range((last - first).days + 1))
    return sorted(d for d in days if d > receipt)


def _pause_span(
    pause: Pause, received_at: datetime, tz: tzinfo, now: datetime | None
) -> tuple[date, date]:
    _require_aware(pause.start, "pause start")
    if pause.start < received_at:
        raise InvalidInputError("a pause cannot start before the request was received")
    end = pause.end if pause.end is not None else now
    if end is None:
        raise InvalidInputError("an open pause needs `now` to count its days")
    _require_aware(end, "pause end")
    if end < pause.start:
        raise InvalidInputError("a pause cannot end before it starts")
    return local_date(pause.start, tz), local_date(end, tz)


def _shift(due: date, paused: Sequence[date]) -> tuple[date, int]:
    """Move `due` a day later for each paused day on or before the running due date."""
    count = 0
    for day in paused:
        if day > due:
            break
        due += timedelta(days=1)
        count += 1
    return due, count


def _checked_length(
    jurisdiction: Jurisdiction, ext: Extension, received_at: datetime, original: datetime
) -> int:
    """The extension's length in the jurisdiction's unit, once every legal condition holds."""
    if not written(ext.reason, "the extension's reason", 0):
        raise ExtensionNotAllowedError("an extension needs a recorded reason")
    # The reason goes to the requester (Art. 12(3), §7021(b)): "x" told them nothing, and the
    # one extension the law allows was then used up.
    written(ext.reason, "the extension's reason", MIN_EXTENSION_REASON, MAX_EXTENSION_REASON)
    _check_timing(ext, received_at, original)
    return _length(jurisdiction, ext)


def _check_timing(ext: Extension, received_at: datetime, original: datetime) -> None:
    _require_aware(ext.decided_at, "decided_at")
    if not received_at <= ext.decided_at <= original:
        raise ExtensionNotAllowedError(
            "an extension must be decided while the first period runs "
            f"(until {original.isoformat(timespec='minutes')})"
        )
    if ext.notice_sent_at is None:
        raise ExtensionNotAllowedError(
            "the requester must be told of the extension and its reasons; record the notice"
        )
    _require_aware(ext.notice_sent_at, "notice_sent_at")
    if not ext.decided_at <= ext.notice_sent_at <= original:
        raise ExtensionNotAllowedError(
            "the notice must follow the decision and be sent within the first period"
        )


def extension_length(jurisdiction: Jurisdiction, ext: Extension) -> tuple[int, str]:
    """How long `ext` extends by, in the jurisdiction's unit: (2, "months"), (45, "days")."""
    return _length(jurisdiction, ext), _RULES[jurisdiction].unit.value


def _length(jurisdiction: Jurisdiction, ext: Extension) -> int:
    rules = _RULES[jurisdiction]
    months = rules.unit is ExtensionUnit.MONTHS
    given, other = (ext.months, ext.days) if months else (ext.days, ext.months)
    if other is not None:
        raise ExtensionNotAllowedError(
            f"{jurisdiction.value} extensions are counted in {rules.unit.value}"
        )
    length = rules.max_extension if given is None else given
    if not 1 <= length <= rules.max_extension:
        raise ExtensionNotAllowedError(
            f"{jurisdiction.value} allows an extension of 1 to {rules.max_extension} "
            f"{rules.unit.value}, not {length}"
        )
    return length
