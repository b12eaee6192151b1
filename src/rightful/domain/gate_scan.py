"""Identifiers found in a staff attachment's name and content, for the foreign-identifier check.

A file that did not come through the data map has no provenance, so the gate reads what it can:
e-mail addresses, phone numbers, and serial-like tokens (letters and digits, such as device
serials or account ids). Bare numbers are ignored: a customer number is only checked when staff
label the file with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from rightful.domain.errors import InvalidInputError
from rightful.domain.identities import IdentityPolicy, IdentityType

SAMPLE_BYTES: Final = 1024 * 1024  # read from the start and from the end of a file
MAX_TOKENS: Final = 200
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9.\-]{1,253}\.[A-Za-z]{2,63}")
_PHONE = re.compile(r"\+?\d[\d \-/().]{6,20}\d")
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-]{2,63}")
_PRINTABLE = re.compile(rb"[\x20-\x7e]{4,}")
SERIAL_KINDS: Final = (IdentityType.DEVICE_SERIAL, IdentityType.ACCOUNT_ID)


def readable_text(head: bytes, tail: bytes = b"") -> str:
    """Text of a sample: UTF-8 when it decodes, else the printable runs (like `strings`)."""
    parts = []
    for sample in (head, tail):
        try:
            parts.append(sample.decode("utf-8"))
        except UnicodeDecodeError:
            parts.append(" ".join(r.decode("ascii") for r in _PRINTABLE.findall(sample)))
    return "\n".join(parts)


def scan_identifiers(
    texts: Iterable[str], policy: IdentityPolicy
) -> list[tuple[IdentityType, str]]:
    """E-mail addresses, phone numbers and serial-like tokens in some texts, normalised."""
    found: dict[tuple[IdentityType, str], None] = {}
    tokens = 0
    for text in texts:
        for kind, pattern in ((IdentityType.EMAIL, _EMAIL), (IdentityType.PHONE, _PHONE)):
            for match in pattern.findall(text):
                _add(found, policy, kind, match)
        for token in _TOKEN.findall(text):
            if tokens < MAX_TOKENS and _serial_like(token):
                tokens += 1
                for kind in SERIAL_KINDS:
                    found[(kind, token)] = None
    return list(found)


def _serial_like(token: str) -> bool:
    return any(c.isdigit() for c in token) and any(c.isalpha() for c in token)


def _add(
    found: dict[tuple[IdentityType, str], None],
    policy: IdentityPolicy,
    kind: IdentityType,
    raw: str,
) -> None:
    try:
        identity = policy.normalise(kind, raw)
    except InvalidInputError:
        return
    found[(identity.type, identity.value)] = None
