"""JSON on the package build's hot path, written by orjson and held to the domain's bytes.

A row's SHA-256 is taken over its canonical JSON (`domain.packages.canonical_bytes`), and
`rightful package verify` recomputes it offline with the standard library, so the bytes must
not change with the encoder. orjson writes exactly the same bytes for text (every code point),
sorted keys, booleans, null and 64-bit integers, about ten times faster; it writes floats in
another form (1.5e-7 against 1.5e-07), so a row holding a float, or an integer orjson cannot
write, is encoded by the standard library. A property test holds both to the same output.
Manifest lines and spooled rows are written and read by orjson too, again with the standard
library for integers past 64 bits, which orjson refuses to write and would read as floats.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Final

import orjson

from rightful.domain.packages import canonical_bytes, jsonable

_PLAIN: Final = frozenset({str, int, bool, type(None)})  # written alike by orjson and json
_SORTED: Final = orjson.OPT_SORT_KEYS
_LINE: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)
# A number below -2**63 or past 2**64 has 19 digits or more. Digits become NUL bytes and a run
# of 19 is looked for: about ten times faster than a regular expression over a manifest line,
# and a NUL in the text itself can only send a line to the (exact) standard library needlessly.
_DIGITS: Final = bytes.maketrans(b"0123456789", b"\0" * 10)
_WIDE_NUMBER: Final = b"\0" * 19


def canonical_row(fields: Sequence[str], values: Sequence[Any]) -> bytes:
    """canonical_bytes(row_object(fields, values)): the bytes a record's SHA-256 is taken of."""
    row: dict[str, Any] = {}
    exact = True
    for name, value in zip(fields, values, strict=True):
        if type(value) not in _PLAIN:
            value = jsonable(value)
            exact = exact and type(value) in _PLAIN
        row[name] = value
    if exact:
        try:
            return orjson.dumps(row, option=_SORTED)
        except orjson.JSONEncodeError:  # an integer wider than 64 bits
            pass
    return canonical_bytes(row)


def json_line(value: Any) -> bytes:
    """Compact JSON of a manifest item (any valid JSON will do; the manifest hash covers it)."""
    try:
        return orjson.dumps(value, default=str)
    except orjson.JSONEncodeError:  # an integer wider than 64 bits
        return _LINE.encode(value).encode()


def parse_line(line: bytes) -> Any:
    """One JSON document, exactly as json.loads reads it: orjson reads an integer past 64 bits
    as a float, so a line with 19 digits in a row is read by the standard library."""
    if _WIDE_NUMBER in line.translate(_DIGITS):
        return json.loads(line)
    return orjson.loads(line)
