"""Art. 12(5): a request that is manifestly unfounded or excessive (in particular because it
repeats) may be refused; the controller bears the burden of showing it. So such a refusal names
its ground, carries a justification long enough to be one, and records how many earlier requests
the same requester made in the year before (a count, never who they are)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Final

from rightful.domain.audit import AuditEntry
from rightful.domain.errors import InvalidInputError
from rightful.domain.words import counted

MIN_JUSTIFICATION: Final = 50  # characters over all reasons
LOOK_BACK: Final = timedelta(days=365)
REFUSED_MANIFESTLY: Final = "request.refused_manifestly"  # the audit entry such a refusal writes


class Manifestly(StrEnum):
    UNFOUNDED = "unfounded"
    EXCESSIVE = "excessive"


def manifestly(value: str) -> Manifestly:
    """The ground of Art. 12(5); InvalidInputError naming the two there are."""
    try:
        return Manifestly(value.strip().lower())
    except ValueError:
        raise InvalidInputError(
            f"manifestly {value!r}: Art. 12(5) knows two grounds, unfounded or excessive"
        ) from None


@dataclass(frozen=True)
class RefusedManifestly:
    """The ground a request was refused on under Art. 12(5), and the earlier requests counted."""

    ground: Manifestly
    earlier_requests: int


def refused_manifestly(timeline: Iterable[AuditEntry]) -> RefusedManifestly | None:
    """The Art. 12(5) ground of a request's refusal, as its audit timeline records it (the
    request's row keeps the reasons only); None for a request not refused so."""
    found = None
    for entry in timeline:
        if entry.action == REFUSED_MANIFESTLY:
            ground, earlier = entry.summary.get("ground"), entry.summary.get("earlier_requests")
            found = RefusedManifestly(Manifestly(str(ground)),
                                      earlier if isinstance(earlier, int) else 0)  # fmt: skip
    return found


def check_justification(reasons: Sequence[str]) -> None:
    """The controller must be able to show the request was manifestly unfounded or excessive:
    a word or two is no justification."""
    if sum(len(r.strip()) for r in reasons) < MIN_JUSTIFICATION:
        raise InvalidInputError(
            f"a refusal as manifestly unfounded or excessive (Art. 12(5)) needs a justification "
            f"of at least {MIN_JUSTIFICATION} characters in its reasons: the burden of showing "
            "it is yours"
        )


_BASIS: Final = {
    "gdpr": {"en": "Article 12(5) GDPR", "de": "Art. 12 Abs. 5 DSGVO"},
    "uk_gdpr": {"en": "Article 12(5) UK GDPR", "de": "Art. 12 Abs. 5 UK GDPR"},
    "ccpa": {"en": "Cal. Civ. Code §1798.145(h)(3)", "de": "Cal. Civ. Code §1798.145(h)(3)"},
}
_WORDS: Final = {
    "en": {
        "unfounded": "manifestly unfounded",
        "excessive": "manifestly excessive",
        "decision": "We consider your request {what} ({basis}); the reasons above are the ones "
        "we rely on, and we have recorded this decision.",
        "earlier": "In the twelve months before it we received {requests} from you.",
        "request": "other request",
        "requests": "other requests",
    },
    "de": {
        "unfounded": "offenkundig unbegründet",
        "excessive": "exzessiv",
        "decision": "Wir halten Ihren Antrag für {what} ({basis}); maßgeblich sind die oben "
        "genannten Gründe, und wir haben diese Entscheidung dokumentiert.",
        "earlier": "In den zwölf Monaten davor haben wir {requests} von Ihnen erhalten.",
        "request": "weiteren Antrag",
        "requests": "weitere Anträge",
    },
}


def legal_basis(law: str, language: str = "en") -> str:
    """The provision a refusal as manifestly unfounded or excessive rests on, under `law`."""
    return _BASIS.get(law, _BASIS["gdpr"])[language if language in _WORDS else "en"]


def manifestly_paragraph(ground: Manifestly, law: str, language: str, earlier: int) -> str:
    """What the refusal notice adds: the ground and its legal basis, and for an excessive
    request the number of earlier ones it repeats."""
    lang = language if language in _WORDS else "en"
    say = _WORDS[lang]
    basis = legal_basis(law, lang)
    text = say["decision"].format(what=say[ground.value], basis=basis)
    if ground is Manifestly.EXCESSIVE and earlier > 0:
        requests = counted(earlier, say["request"], say["requests"])
        text += " " + say["earlier"].format(requests=requests)
    return text
