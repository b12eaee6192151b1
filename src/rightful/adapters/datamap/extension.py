"""The `rightful:` extension blocks of a Fides dataset file, parsed and checked by hand."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from rightful.domain.datamap import (
    AutomatedDecisions,
    Disclosure,
    Match,
    ProcessingInfo,
    Recipient,
    Validity,
    Window,
)
from rightful.domain.languages import DEFAULT_LANGUAGE, Text
from rightful.domain.sensitivity import Sensitivity

EXTENSION_KEY = "rightful"

INFO_KEYS = {"purposes", "legal_basis", "retention", "recipients", "source", "automated_decisions"}
DATASET_KEYS = {"source", "categories", "defaults", "language", "name"}
COLLECTION_KEYS = INFO_KEYS | {"subject", "description"}
LANGUAGE = re.compile(r"[a-z]{2}")
FIELD_KEYS = {"match", "blob", "third_party", "window", "valid", "description"}


class ExtensionError(ValueError):
    """A `rightful:` block that does not follow docs/datamap.md."""


def split_extension(block: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the block without its extension, the extension), so fideslang sees plain Fides."""
    plain = {k: v for k, v in block.items() if k != EXTENSION_KEY}
    extension = block.get(EXTENSION_KEY) or {}
    if not isinstance(extension, Mapping):
        raise ExtensionError("the rightful: block must be a mapping")
    return plain, dict(extension)


def _only(ext: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(ext) - allowed)
    if unknown:
        raise ExtensionError(
            f"unknown rightful key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}"
        )


def _text(value: Any, key: str) -> str | None:
    if value is None:
        return None
    return _required_text(value, key)


def _required_text(value: Any, key: str) -> str:
    # YAML reads 010 as 8 and 1e3 as 1000.0: a number is refused rather than turned into
    # text that differs from what was written.
    if not isinstance(value, str):
        raise ExtensionError(f"{key} must be text (in quotes if it looks like a number)")
    return value


def _wording(value: Any, key: str, language: str) -> Text | None:
    if value is None:
        return None
    return _required_wording(value, key, language)


def _required_wording(value: Any, key: str, language: str) -> Text:
    """A free text: a string in the map's `language`, or a mapping of languages to strings
    whose entry in the map's language (else its first) is the default."""
    if not isinstance(value, Mapping):
        return Text.plain(_required_text(value, key), language)
    if not value:
        raise ExtensionError(f"{key} must give at least one language")
    wordings = [
        (_language(lang, key), _required_text(v, f"{key} in {lang}")) for lang, v in value.items()
    ]
    wordings.sort(key=lambda pair: pair[0] != language)  # stable: the others keep their order
    return Text(tuple(wordings))


def _language(value: Any, key: str) -> str:
    if not isinstance(value, str) or not LANGUAGE.fullmatch(value):
        raise ExtensionError(f"{key}: {value!s:.20} is not a language code such as en or de")
    return value


def _wordings(value: Any, key: str, language: str) -> tuple[Text, ...]:
    """A list of free texts (or one), each as _wording reads it."""
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(v, str | Mapping) for v in items):
        raise ExtensionError(f"{key} must be a list of text")
    return tuple(_required_wording(v, key, language) for v in items)


def _texts(value: Any, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ExtensionError(f"{key} must be a list of text")
    return tuple(value)


def _flag(value: Any, key: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ExtensionError(f"{key} must be true or false")
    return value


def dataset_extension(
    ext: Mapping[str, Any], default_source: str
) -> tuple[str, dict[str, Sensitivity], dict[str, Any], str]:
    """(source name, declared category sensitivities, processing-info defaults, the language
    its plain-string texts are in)."""
    _only(ext, DATASET_KEYS)
    source = _text(ext.get("source"), "source") or default_source
    defaults = ext.get("defaults") or {}
    if not isinstance(defaults, Mapping):
        raise ExtensionError("defaults must be a mapping")
    _only(defaults, INFO_KEYS)
    language = _language(ext.get("language", DEFAULT_LANGUAGE), "language")
    return source, _categories(ext.get("categories") or {}), dict(defaults), language


def _categories(raw: Any) -> dict[str, Sensitivity]:
    if not isinstance(raw, Mapping):
        raise ExtensionError("categories must map a category key to a sensitivity")
    declared: dict[str, Sensitivity] = {}
    for key, value in raw.items():
        level = value.get("sensitivity") if isinstance(value, Mapping) else value
        try:
            declared[str(key)] = Sensitivity(str(level))
        except ValueError:
            allowed = ", ".join(s.value for s in Sensitivity)
            raise ExtensionError(f"category {key}: sensitivity must be one of {allowed}") from None
    return declared


def collection_extension(
    ext: Mapping[str, Any], defaults: Mapping[str, Any], language: str
) -> tuple[bool, ProcessingInfo]:
    """(is this the subject collection, its Art. 15 information with dataset defaults applied)."""
    _only(ext, COLLECTION_KEYS)
    merged = {**defaults, **{k: v for k, v in ext.items() if k in INFO_KEYS}}
    return _flag(ext.get("subject"), "subject"), processing_info(merged, language)


def translated(fides: str | None, ext: Mapping[str, Any], key: str, language: str) -> Text | None:
    """A Fides text (a `description`, a dataset's `name`), which is in the map's language, with
    the wordings in other languages that the block's `rightful: <key>:` mapping gives."""
    raw = ext.get(key)
    if raw is None:
        return None if fides is None else Text.plain(fides, language)
    if not isinstance(raw, Mapping):
        raise ExtensionError(
            f"rightful: {key} must map languages to the Fides {key}'s wordings in them"
        )
    given = _required_wording(raw, key, language)
    if fides is None:
        return given
    if language in given.languages:
        raise ExtensionError(
            f"{key} in {language} is given twice: the Fides {key} is in the map's language"
        )
    return Text(((language, fides), *given.wordings))


def processing_info(raw: Mapping[str, Any], language: str) -> ProcessingInfo:
    """Art. 15(1) information from its YAML form, its plain-string texts in `language`."""
    decisions = raw.get("automated_decisions")
    return ProcessingInfo(
        purposes=_wordings(raw.get("purposes"), "purposes", language),
        legal_basis=_wording(raw.get("legal_basis"), "legal_basis", language),
        retention=_wording(raw.get("retention"), "retention", language),
        recipients=_recipients(raw.get("recipients"), language),
        source=_wording(raw.get("source"), "source", language),
        automated_decisions=_decisions(decisions, language) if decisions is not None else None,
    )


def _recipients(raw: Any, language: str) -> tuple[Recipient, ...] | None:
    """The recipients; None when not declared (no key, or a key without a value), which a
    package must not read as `[]`, the declaration that nobody outside receives the data."""
    if raw is None:
        return None
    if not isinstance(raw, list):
        raise ExtensionError("recipients must be a list ([] when nobody outside receives the data)")
    return tuple(_recipient(r, language) for r in raw)


def _recipient(raw: Any, language: str) -> Recipient:
    if isinstance(raw, str):
        return Recipient(raw, names=Text.plain(raw, language))
    if not isinstance(raw, Mapping) or "name" not in raw:
        raise ExtensionError("a recipient is a name or a mapping with a name")
    _only(raw, {"name", "country", "third_country", "safeguards", "disclosure"})
    names = _recipient_names(raw["name"], language)
    recipient = Recipient(
        name=names.default,
        names=names,
        country=_text(raw.get("country"), "country"),
        third_country=_flag(raw.get("third_country"), "third_country"),
        safeguards=_wording(raw.get("safeguards"), "safeguards", language),
        disclosure=_disclosure(raw.get("disclosure")),
    )
    if recipient.third_country and not recipient.safeguards:
        raise ExtensionError(
            f"recipient {recipient.name}: a third country needs safeguards (Art. 15(2), Art. 46)"
        )
    return recipient


def _recipient_names(raw: Any, language: str) -> Text:
    """A recipient's name, in the map's language or per language; the wording in the map's
    language names the recipient in warnings and lists, so a mapping must give it."""
    names = _required_wording(raw, "a recipient's name", language)
    if language not in names.languages:
        raise ExtensionError(
            f"recipient {names.default}: its name must be given in the map's language "
            f"({language}) too, the wording that names it in warnings"
        )
    return names


def _disclosure(raw: Any) -> frozenset[Disclosure]:
    """CCPA: business_purpose, or sale and/or sharing (a disclosure to a service provider or
    contractor is neither a sale nor sharing)."""
    allowed = ", ".join(d.value for d in Disclosure)
    try:
        found = frozenset(Disclosure(v) for v in _texts(raw, "disclosure"))
    except ValueError:
        raise ExtensionError(f"disclosure must be one or more of {allowed}") from None
    if Disclosure.BUSINESS_PURPOSE in found and len(found) > 1:
        raise ExtensionError(
            "disclosure: business_purpose (to a service provider or contractor) is neither a "
            "sale nor sharing; declare one or the other"
        )
    return found


def _decisions(raw: Any, language: str) -> AutomatedDecisions:
    if isinstance(raw, bool):
        return AutomatedDecisions(exists=raw)
    if not isinstance(raw, Mapping):
        raise ExtensionError("automated_decisions must be true/false or a mapping")
    _only(raw, {"exists", "logic", "significance"})
    return AutomatedDecisions(
        exists=_flag(raw.get("exists"), "exists"),
        logic=_wording(raw.get("logic"), "logic", language),
        significance=_wording(raw.get("significance"), "significance", language),
    )


def field_extension(ext: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments for DataField from a field's rightful: block."""
    _only(ext, FIELD_KEYS)
    try:
        match = Match(ext.get("match", Match.EXACT.value))
    except ValueError:
        raise ExtensionError("match must be exact or casefold") from None
    return {
        "match": match,
        "blob_store": _text(ext.get("blob"), "blob"),
        "third_party": _flag(ext.get("third_party"), "third_party"),
        "identity_validity": _validity(ext.get("valid")),
    }


def field_window(ext: Mapping[str, Any]) -> Window | None:
    """The validity window that applies to every reference of the field."""
    raw = ext.get("window")
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or not {"from", "at"} <= set(raw):
        raise ExtensionError("window needs from, at (and optionally until)")
    _only(raw, {"from", "until", "at"})
    return Window(
        _required_text(raw["from"], "window from"),
        _text(raw.get("until"), "window until"),
        _required_text(raw["at"], "window at"),
    )


def _validity(raw: Any) -> Validity | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or "from" not in raw:
        raise ExtensionError("valid needs from (and optionally until)")
    _only(raw, {"from", "until"})
    return Validity(
        _required_text(raw["from"], "valid from"), _text(raw.get("until"), "valid until")
    )
