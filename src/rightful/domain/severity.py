"""Breach severity by the ENISA 2013 method: SE = DPC x EI + CB, each step with its reason."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Final

from rightful.domain.errors import InvalidInputError
from rightful.domain.sensitivity import Sensitivity, falls_under
from rightful.domain.words import written


class Context(IntEnum):
    """Base data processing context of a category: simple, behavioural, financial, sensitive."""

    SIMPLE = 1
    BEHAVIOURAL = 2
    FINANCIAL = 3
    SENSITIVE = 4


class Level(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    VERY_HIGH = "very_high"


class Exposure(StrEnum):
    """How far the data went, for the confidentiality part of the circumstances."""

    NONE = "none"
    KNOWN_RECIPIENT = "known_recipient"  # e.g. misdelivered to one identified person
    UNKNOWN_RECIPIENTS = "unknown_recipients"  # unknown or many recipients


# Longest dotted prefix wins. Fides taxonomy keys; Art. 9 data is sensitive.
CONTEXT_BY_CATEGORY: Mapping[str, Context] = {
    "user.biometric": Context.SENSITIVE,
    "user.health_and_medical": Context.SENSITIVE,
    "user.criminal_history": Context.SENSITIVE,
    "user.demographic.political_opinion": Context.SENSITIVE,
    "user.demographic.race_ethnicity": Context.SENSITIVE,
    "user.demographic.religious_belief": Context.SENSITIVE,
    "user.demographic.sexual_orientation": Context.SENSITIVE,
    "user.financial": Context.FINANCIAL,
    "user.payment": Context.FINANCIAL,
    "user.government_id": Context.FINANCIAL,
    "user.authorization": Context.FINANCIAL,
    "user.behavior": Context.BEHAVIOURAL,
    "user.location": Context.BEHAVIOURAL,
    "user.content": Context.BEHAVIOURAL,
    "user.sensor": Context.BEHAVIOURAL,
    "user.user_sensor": Context.BEHAVIOURAL,
    "user.device": Context.BEHAVIOURAL,
    "user.social": Context.BEHAVIOURAL,
    # Voice as a biometric is Art. 9 only when processed to identify someone; as a record of what
    # was said at home it is behavioural (voice command history) and the volume/sensitivity
    # adjustments below raise it.
    "user.biometric.voice": Context.BEHAVIOURAL,
}

# Biometric data allows the unique identification of a person (Art. 4(14)): a voice or a face
# names them to anyone who knows them, with no other source, so it identifies directly. A
# stranger's home recordings identified him to a magazine (REQUIREMENTS.md:32: notify both).
DIRECT_IDENTIFIERS = (
    "user.biometric",
    "user.name",
    "user.contact.email",
    "user.contact.phone_number",
    "user.contact.address",  # a whole postal address (its country or city alone is not one)
    "user.contact.address.street",
    "user.government_id",
)
# A field labelled only `user.contact` holds contact details of some kind (an e-mail address, a
# phone number, a whole address): scored as the most identifying of them, as a breach is scored
# for what it may have exposed. Its own parts (a city, a URL) are judged as themselves.
CONTACT_DETAILS = "user.contact"
# The parts of an address that do not identify anyone by themselves.
ADDRESS_PARTS = (
    "user.contact.address.city",
    "user.contact.address.country",
    "user.contact.address.postal_code",
    "user.contact.address.state",
)
INDIRECT_IDENTIFIERS = (
    "user.unique_id",
    "user.device",
    "user.content",
    "user.account",
    "user.location.precise",
)

VOLUME_THRESHOLD = 100  # records per person above which the volume raises the context
# People affected from whom on the level is raised one band: ENISA leaves the number of people
# out of the score and asks that it be weighed; an authority fined a controller for not
# notifying one misdirected e-mail holding 259 customers' data (REQUIREMENTS.md:32, :40).
MANY_SUBJECTS = 100


@dataclass(frozen=True)
class Exposed:
    """What a breach exposed, derived from the records: categories with record counts."""

    records_by_category: Mapping[str, int]
    subjects: int
    records: int | None = None  # how many records in all (a record counts in each category)
    declared_sensitivity: Mapping[str, Sensitivity] = field(default_factory=dict)
    children: bool = False
    # The records of the person with the most (ENISA weighs volume "for the same individual"):
    # one person's 1,700 recordings beside 259 people's single e-mails are not 8 per person.
    most_per_person: int | None = None
    unintelligible: bool = False  # encrypted with a key the recipient does not hold


class Factor(StrEnum):
    """The contextual factors ENISA adjusts the data processing context for (REQUIREMENTS.md:37).
    The records tell volume (counts per person) and children (their categories); staff enter
    what the records cannot tell, each with a written reason."""

    VOLUME = "volume"  # much data about each person: a year of call history, not a week
    VULNERABLE = "vulnerable"  # the people belong to a vulnerable group
    CONTROLLER = "controller"  # what being the controller's customer reveals
    PUBLIC = "public"  # the data was publicly available before the breach
    OLD = "old"  # old, invalid or inaccurate: the controller is certain of it


# +1 raises the context, -1 lowers it.
DIRECTION: Final[Mapping[Factor, int]] = {
    Factor.VOLUME: 1, Factor.VULNERABLE: 1, Factor.CONTROLLER: 1, Factor.PUBLIC: -1,
    Factor.OLD: -1,
}  # fmt: skip
# The largest step ENISA 2013 takes for each factor (its Assessment Table 1, within the
# REQUIREMENTS.md:37 summary of ±1-2): volume moves one step in every example (traffic data of a
# week 2, of a year 3); the others one or two, as the words of each step say.
STEPS: Final[Mapping[Factor, tuple[str, ...]]] = {
    Factor.VOLUME: ("enough about each person to build a profile of their life or habits",),
    Factor.VULNERABLE: (
        "the people belong to a vulnerable group (minors, patients, known public figures)",
        "the data can endanger their personal safety (protected witnesses, victims of abuse)",
    ),
    Factor.CONTROLLER: (
        "being the controller's customer suggests a financial or social status or habits "
        "(a luxury goods seller)",
        "being the controller's customer suggests health, sex life, or political or religious "
        "beliefs (an online pharmacy, a dating service)",
    ),
    Factor.PUBLIC: (
        "part of it could be gathered from public sources before the breach",
        "all of it was public before the breach (a public directory)",
    ),
    Factor.OLD: (
        "much of it is known to be out of date (old addresses)",
        "it is known to be invalid (cards that expired years ago)",
    ),
}
FACTOR_WORDS: Final[Mapping[Factor, str]] = {
    Factor.VOLUME: "volume per person",
    Factor.VULNERABLE: "vulnerability of the people",
    Factor.CONTROLLER: "what the controller's nature reveals",
    Factor.PUBLIC: "publicly available before the breach",
    Factor.OLD: "age of the data",
}
MIN_REASON: Final = 10
MAX_REASON: Final = 2000


@dataclass(frozen=True)
class Adjustment:
    """A factor staff entered: its step (0 withdraws an earlier one) and why, in their words."""

    factor: Factor
    step: int
    reason: str = ""

    def __post_init__(self) -> None:
        most = len(STEPS[self.factor])
        if not 0 <= self.step <= most:
            raise InvalidInputError(f"{self.factor.value}: a step from 0 to {most}")
        if self.step or self.reason:  # a withdrawal may say why; an entry must
            least = MIN_REASON if self.step else 0
            what = f"the reason for {self.factor.value}"
            object.__setattr__(self, "reason", written(self.reason, what, least, MAX_REASON))

    @property
    def delta(self) -> int:
        """What it adds to the context: the step in the factor's direction."""
        return DIRECTION[self.factor] * self.step


def parse_adjustment(text: str) -> Adjustment:
    """`factor=step:reason` as typed at the command line (`controller=2:an online pharmacy`)."""
    head, _, reason = text.partition(":")
    name, _, step = head.partition("=")
    try:
        return Adjustment(Factor(name.strip()), int(step), reason)
    except ValueError:
        raise InvalidInputError(
            f"give FACTOR=STEP:REASON, FACTOR one of {', '.join(f.value for f in Factor)}"
        ) from None


@dataclass(frozen=True)
class Circumstances:
    """The kind of breach (ENISA CB): each loss +0 / +0.25 / +0.5, malicious intent +0.5."""

    confidentiality: Exposure = Exposure.KNOWN_RECIPIENT
    integrity: float = 0.0
    availability: float = 0.0
    malicious: bool = False

    def __post_init__(self) -> None:
        for name, value in (("integrity", self.integrity), ("availability", self.availability)):
            if value not in (0.0, 0.25, 0.5):
                raise InvalidInputError(f"{name} loss must be 0, 0.25 or 0.5")


@dataclass(frozen=True)
class Assessment:
    dpc: int
    ei: float
    cb: float
    score: float
    level: Level
    reasoning: tuple[str, ...]

    @property
    def notify_authority(self) -> bool:
        """Art. 33: notify unless unlikely to result in a risk (low severity)."""
        return self.level is not Level.LOW

    @property
    def notify_subjects(self) -> bool:
        """Art. 34: tell the subjects when the risk is high."""
        return self.level in (Level.HIGH, Level.VERY_HIGH)


def context_of(category: str) -> Context:
    """The base context of one category by its longest known dotted prefix (simple otherwise)."""
    parts = category.split(".")
    for end in range(len(parts), 0, -1):
        found = CONTEXT_BY_CATEGORY.get(".".join(parts[:end]))
        if found is not None:
            return found
    return Context.SIMPLE


def assess(
    exposed: Exposed, circumstances: Circumstances, entered: Iterable[Adjustment] = ()
) -> Assessment:
    """Score a breach; the reasoning lists every number and why it was chosen. `entered` are
    the factors staff gave (the last of each factor counts)."""
    reasons: list[str] = []
    dpc = _dpc(exposed, {a.factor: a for a in entered}, reasons)
    ei = _ei(exposed, reasons)
    cb = _cb(circumstances, reasons)
    score = dpc * ei + cb
    level = level_of(score)
    reasons.append(f"SE = DPC {dpc} x EI {ei} + CB {cb} = {score:.2f}: {level.value}")
    if exposed.subjects >= MANY_SUBJECTS and level is not Level.VERY_HIGH:
        level = _BANDS[_BANDS.index(level) + 1]
        reasons.append(f"raised to {level.value}: {exposed.subjects} people are affected")
    return Assessment(dpc, ei, cb, score, level, tuple(reasons))


_BANDS = (Level.LOW, Level.MEDIUM, Level.HIGH, Level.VERY_HIGH)


def level_of(score: float) -> Level:
    """ENISA bands: below 2 low, 2-3 medium, 3-4 high, 4 and above very high."""
    if score < 2:
        return Level.LOW
    if score < 3:
        return Level.MEDIUM
    if score < 4:
        return Level.HIGH
    return Level.VERY_HIGH


def _dpc(exposed: Exposed, entered: Mapping[Factor, Adjustment], reasons: list[str]) -> int:
    present = [c for c, n in exposed.records_by_category.items() if n > 0]
    if not present:
        reasons.append("DPC 1: no personal data category was exposed")
        return 1
    worst = max(present, key=context_of)
    base = int(context_of(worst))
    reasons.append(f"DPC base {base} ({context_of(worst).name.lower()}): {worst}")
    delta = _sensitivity(exposed, present, base, reasons)
    delta += sum(_factor(f, found, entered.get(f), reasons)
                 for f, found in _found(exposed).items())  # fmt: skip
    dpc = max(1, min(4, base + delta))
    if dpc != base + delta:
        reasons.append(f"DPC {dpc}: kept within 1 to 4")
    return dpc


def _found(exposed: Exposed) -> dict[Factor, tuple[int, str]]:
    """The step of each factor as the records tell it, with what tells it."""
    found = dict.fromkeys(Factor, (0, ""))
    records = exposed.records
    if records is None:  # no total given: the largest category is the closest lower bound
        records = max(exposed.records_by_category.values(), default=0)
    per_person = records / max(1, exposed.subjects)
    why = f"about {per_person:.0f} records per person"
    if exposed.most_per_person is not None and exposed.most_per_person > per_person:
        per_person, why = (
            exposed.most_per_person,
            f"{exposed.most_per_person} records of one person",
        )
    if per_person > VOLUME_THRESHOLD:
        found[Factor.VOLUME] = (1, why)
    if exposed.children:
        found[Factor.VULNERABLE] = (1, "the people include children")
    return found


def _factor(
    factor: Factor, found: tuple[int, str], given: Adjustment | None, reasons: list[str]
) -> int:
    """One factor's part: the larger of the step the records show and the step staff entered
    (ENISA weighs each factor once)."""
    step, why = found
    words = FACTOR_WORDS[factor]
    if given is not None and given.step > step:
        step, why, words = given.step, given.reason, f"{words} (entered by staff)"
    if not step:
        return 0
    delta = DIRECTION[factor] * step
    reasons.append(f"{delta:+d}: {words}: {why}")
    return delta


def _sensitivity(exposed: Exposed, present: Iterable[str], base: int, reasons: list[str]) -> int:
    delta = 0
    high = sorted(c for c in present if exposed.declared_sensitivity.get(c) is Sensitivity.HIGH)
    if high and base < Context.SENSITIVE:
        delta += 1
        reasons.append(
            f"+1: highly sensitive data ({', '.join(high)}), as the data map declares it or "
            "rightful holds such data by default"
        )
    return delta


def _ei(exposed: Exposed, reasons: list[str]) -> float:
    if exposed.unintelligible:
        reasons.append("EI 0.25 (negligible): the data was unintelligible to the recipient")
        return 0.25
    present = [c for c, n in exposed.records_by_category.items() if n > 0]
    direct = sorted(
        c
        for c in present
        if c == CONTACT_DETAILS
        or (falls_under(c, DIRECT_IDENTIFIERS) and not falls_under(c, ADDRESS_PARTS))
    )
    if direct:
        reasons.append(f"EI 1 (maximum): direct identifiers exposed ({', '.join(direct)})")
        return 1.0
    indirect = sorted(c for c in present if falls_under(c, INDIRECT_IDENTIFIERS))
    if indirect:
        reasons.append(
            f"EI 0.75 (significant): identifiable from {', '.join(indirect)} with little effort"
        )
        return 0.75
    if present:
        reasons.append("EI 0.5 (limited): no identifier, identification needs other sources")
        return 0.5
    reasons.append("EI 0.25 (negligible): nothing identifying was exposed")
    return 0.25


def _cb(c: Circumstances, reasons: list[str]) -> float:
    confidentiality = {
        Exposure.NONE: 0.0,
        Exposure.KNOWN_RECIPIENT: 0.25,
        Exposure.UNKNOWN_RECIPIENTS: 0.5,
    }[c.confidentiality]
    total = confidentiality + c.integrity + c.availability + (0.5 if c.malicious else 0.0)
    reasons.append(
        f"CB {total}: confidentiality +{confidentiality} ({c.confidentiality.value}), "
        f"integrity +{c.integrity}, availability +{c.availability}"
        + (", malicious intent +0.5" if c.malicious else "")
    )
    return total
