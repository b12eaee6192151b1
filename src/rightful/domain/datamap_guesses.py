"""What a column's name and type suggest for a drafted data map (`rightful datamap draft`):
a fideslang data category, an identity type, a file it may name. Every guess is written as a
`# review:` proposal; none decides anything by itself."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

# (pattern of a lower-case column name, category of fideslang's default taxonomy, identity)
NAME_RULES: Final = (
    (r"(e_?)?mail|.*_e_?mail|e_?mail_.*", "user.contact.email", "email"),
    (r"(phone|mobile|tel|telephone)(_number|_no)?|.*_(phone|mobile|tel)",
     "user.contact.phone_number", "phone"),
    (r"(created|updated|modified|deleted|inserted)(_at|_on)?", "system.operations", None),
    (r"user_?name|login", "user.account.username", None),
    (r"pass_?word(_hash)?|pwd(_hash)?|password_digest", "user.authorization.credentials", None),
    (r"dob|birth_?day|(date_of_)?birth(_?date)?", "user.demographic.date_of_birth", None),
    (r"ip|ip_addr(ess)?|.*_ip", "user.device.ip_address", None),
    (r"(street|address)(_line)?_?\d?", "user.contact.address.street", None),
    (r"city|town", "user.contact.address.city", None),
    (r"zip(_?code)?|post_?code|postal_code", "user.contact.address.postal_code", None),
    (r"country(_code)?", "user.contact.address.country", None),
    (r"first_?name|given_?name", "user.name.first", None),
    (r"last_?name|family_?name|surname", "user.name.last", None),
    (r"(file|host|model|product|device|company|table)_?name", None, None),  # no person's
    (r".*name", "user.name", None),
    (r"(valid|owned|active|held)_(from|until|to)|.*_(from|until)", "system.operations", None),
)  # fmt: skip
# A text column that may hold where a file lies (a path, a URI, an object key).
_FILE_NAME: Final = re.compile(r".*(path|uri|url|file|file_key|object_key|blob(_key)?)")
# Two columns that may bound the time a row holds: <prefix>_from with <prefix>_until or _to.
_WINDOW_START: Final = re.compile(r"(?P<prefix>.*)_(from|since|start)")
_WINDOW_ENDS: Final = ("_until", "_to", "_end")


@dataclass(frozen=True, slots=True)
class Guess:
    """A category (None: none guessed) and an identity type, each from the column's name."""

    category: str | None = None
    identity: str | None = None


def guess(name: str) -> Guess:
    """What fideslang category (and identity type) the column's name suggests."""
    lowered = name.lower()
    for pattern, category, identity in NAME_RULES:
        if re.fullmatch(pattern, lowered):
            return Guess(category, identity)
    return Guess()


def may_name_a_file(name: str) -> bool:
    """Whether a text column's name suggests a path, URI or key of a file."""
    return _FILE_NAME.fullmatch(name.lower()) is not None


def window_columns(names: list[str]) -> list[tuple[str, str]]:
    """Pairs (start, end) of columns that look like the bounds of the time a row holds."""
    by_lower = {n.lower(): n for n in names}
    pairs = []
    for lowered, name in by_lower.items():
        start = _WINDOW_START.fullmatch(lowered)
        if start is None:
            continue
        for end in _WINDOW_ENDS:
            other = by_lower.get(start.group("prefix") + end)
            if other is not None:
                pairs.append((name, other))
                break
    return pairs
