"""How many SMS a text takes: 160 GSM-7 characters fit one, or 70 once any character is
outside GSM-7 (the whole text then goes as UCS-2); longer texts are split into parts of 153 or
67, each of which a phone may show apart or late."""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")  # each costs two septets (an escape, then itself)


@dataclass(frozen=True)
class Alphabet:
    name: str
    single: int  # characters in a text of one SMS
    part: int  # characters in each part of a longer one


GSM7 = Alphabet("GSM-7", 160, 153)
UCS2 = Alphabet("UCS-2", 70, 67)


def outside_gsm7(text: str) -> list[str]:
    """The characters of `text` that GSM-7 cannot carry, each once, in order of appearance."""
    return list(dict.fromkeys(c for c in text if c not in GSM7_BASIC | GSM7_EXTENDED))


def alphabet_of(text: str) -> Alphabet:
    return UCS2 if outside_gsm7(text) else GSM7


def length_in(text: str, alphabet: Alphabet) -> int:
    """Characters as the network counts them: GSM-7 septets, or UTF-16 code units."""
    if alphabet is UCS2:
        return len(text.encode("utf-16-le")) // 2
    return sum(2 if c in GSM7_EXTENDED else 1 for c in text)


def segments(text: str) -> int:
    """The number of SMS `text` is sent as."""
    alphabet = alphabet_of(text)
    length = length_in(text, alphabet)
    return 1 if length <= alphabet.single else ceil(length / alphabet.part)
