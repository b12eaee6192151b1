"""index.html: the package explained in plain language, with the Art. 15(1)(a)-(h) information."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from jinja2 import Environment, PackageLoader, select_autoescape

from rightful.adapters.packaging.texts import for_law, texts
from rightful.domain.category_words import category_name
from rightful.domain.datamap import DataMap, Disclosure, ProcessingInfo, Recipient
from rightful.domain.datamap_graph import Withheld
from rightful.domain.languages import worded
from rightful.domain.packages import safe_name

MAX_LISTED_FILES: Final = 500


class _Environment(Environment):
    """Looks `a.b` up in a dict by key first: the page's values are dicts, and Jinja's own
    order (attribute first, then key) raised and caught an AttributeError for each of them,
    about a third of the page's rendering time."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)


_env = _Environment(
    loader=PackageLoader("rightful.adapters.packaging", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=False,
)


@dataclass
class CollectionFiles:
    """What one collection contributed to the package."""

    address: str
    records: int
    json_path: str
    csv_path: str
    files: list[str] = field(default_factory=list)
    file_count: int = 0

    def add_file(self, path: str) -> None:
        """Remember a blob file (only the first MAX_LISTED_FILES are listed by name)."""
        self.file_count += 1
        if len(self.files) < MAX_LISTED_FILES:
            self.files.append(path)


@dataclass
class IndexData:
    """Everything index.html shows."""

    language: str
    controller: str
    request_id: str
    received_at: datetime
    generated_at: datetime
    datamap: DataMap
    categories: Counter[str]
    collections: list[CollectionFiles]
    withheld: tuple[Withheld, ...] = ()
    attachments: list[tuple[str, str]] = field(default_factory=list)  # path, collection
    missing: Counter[str] = field(default_factory=Counter)  # files not found, by collection
    contact: str | None = None
    authority: str | None = None
    left_out: list[dict[str, Any]] = field(default_factory=list)  # Art. 15(4), counts
    undisclosed: list[dict[str, Any]] = field(default_factory=list)  # CCPA §7024(d)
    law: str = "gdpr"  # gdpr, uk_gdpr or ccpa: which rights and which regulator the page names


def prepare_index() -> None:
    """Compile the page's template now, once per process, rather than in the first build."""
    _env.get_template("index.html")


def render_index(data: IndexData) -> bytes:
    """The page as UTF-8 bytes; every value is escaped by the template engine."""
    t = texts(data.language)
    lang = data.language if data.language in ("en", "de") else "en"
    context: dict[str, Any] = {
        "lang": lang, "t": t, "controller": data.controller, "request_id": data.request_id,
        "intro": t["intro"].format(controller=data.controller,
                                   received=_day(data.received_at, lang),
                                   generated=_day(data.generated_at, lang)),
        "categories": [
            {"name": c, "label": category_name(c, lang), "count": n}
            for c, n in sorted(data.categories.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "collections": [_collection(data, c, lang) for c in data.collections],
        "withheld": [_withheld(data, w, lang) for w in data.withheld],
        "left_out": [_left_out(data, t, d) for d in data.left_out],
        "undisclosed": [
            {"title": _title(data, d["collection"]), "field": d["field"],
             "category_labels": [category_name(c, lang) for c in d["categories"]]}
            for d in data.undisclosed
        ],
        "attachments": [{"path": p, "title": _title(data, c)} for p, c in data.attachments],
        "missing_text": _missing_text(t, sum(data.missing.values())),
        "rights_body": for_law(t, "rights_body", data.law),
        "complaint": for_law(t, "complaint", data.law),
        "left_out_body": for_law(t, "left_out_body", data.law),
        # the configured authority is the controller's GDPR one; the UK and California texts
        # name their own regulator
        "contact": data.contact, "authority": data.authority if data.law == "gdpr" else None,
        "law": data.law,  # a CCPA package names no GDPR legal basis
        "selling": _selling(data, lang),  # CCPA: what is sold, shared or disclosed, to whom
    }  # fmt: skip
    return _env.get_template("index.html").render(context).encode("utf-8")


def _collection(data: IndexData, files: CollectionFiles, lang: str) -> dict[str, Any]:
    coll = data.datamap.collection(files.address)
    assert coll is not None
    t = texts(lang)
    third = [f.name for f in coll.fields if f.third_party]
    more = files.file_count - len(files.files)
    folder = files.files[0].rsplit("/", 1)[0] if files.files else ""
    return {
        "anchor": safe_name(files.address), "title": _title(data, files.address),
        "description": worded(coll.description, lang), "records": files.records,
        "file_count": files.file_count, "json_path": files.json_path, "csv_path": files.csv_path,
        "category_labels": [category_name(c, lang) for c in coll.categories],
        "info": _info(coll.info, lang), **_recipients(data, coll.info, lang),
        "record_word": t["record"] if files.records == 1 else t["records"],
        "file_word": t["file_label"] if files.file_count == 1 else t["files_label"],
        "missing": _missing_text(t, data.missing[files.address]),
        "third_party": (for_law(t, "third_party_body", data.law).format(fields=", ".join(third))
                        if third else ""),
        "files": files.files,
        "more_files": t["more_files"].format(count=more, folder=folder) if more > 0 else "",
    }  # fmt: skip


def _left_out(data: IndexData, t: dict[str, str], counts: dict[str, Any]) -> dict[str, str]:
    """One collection's line under "Left out to protect other people": how many rows, how many
    single fields."""
    rows = _counted(t, "left_out_row", counts["rows"])
    fields = _counted(t, "left_out_field", counts["fields"])
    return {"title": _title(data, counts["collection"]),
            "counts": t["left_out_counts"].format(rows=rows, fields=fields)}  # fmt: skip


def _counted(t: dict[str, str], key: str, n: int) -> str:
    """'1 entry' or 'n entries': the text `key` for one, `key`+'s' for any other number."""
    return t[key] if n == 1 else t[f"{key}s"].format(n=n)


def _missing_text(t: dict[str, str], count: int) -> str:
    """What the page says of files its records point to that could not be found."""
    if count == 0:
        return ""
    return t["missing_one"] if count == 1 else t["missing"].format(count=count)


def _withheld(data: IndexData, withheld: Withheld, lang: str) -> dict[str, Any]:
    """A collection waiting for a step-up: its data waits, what the controller owes about it
    (Art. 15(1)(a)-(h): purposes, recipients, retention, ...) does not."""
    coll = data.datamap.collection(withheld.collection)
    assert coll is not None
    return {
        "title": _title(data, withheld.collection),
        "category_labels": [category_name(c, lang) for c in withheld.categories],
        "info": _info(coll.info, lang),
        **_recipients(data, coll.info, lang),
    }


def _info(info: ProcessingInfo, lang: str) -> dict[str, Any]:
    """A collection's Art. 15(1) texts in the request's language, each in the map's own
    language where the map gives no wording in the request's."""
    decisions = info.automated_decisions
    return {
        "purposes": [p.in_language(lang) for p in info.purposes],
        "legal_basis": worded(info.legal_basis, lang),
        "retention": worded(info.retention, lang),
        "source": worded(info.source, lang),
        "automated_decisions": None if decisions is None else {
            "exists": decisions.exists,
            "logic": worded(decisions.logic, lang),
            "significance": worded(decisions.significance, lang),
        },
    }  # fmt: skip


def _recipients(data: IndexData, info: ProcessingInfo, lang: str) -> dict[str, Any]:
    """Who receives a collection's data, framed by the request's law: a transfer out of the
    EU/EEA (GDPR) or out of the UK (UK GDPR) with its safeguards as the map words them; a CCPA
    package has no third countries, only each recipient's country. Where the map declares no
    recipients, the page says so, not that nobody receives the data."""
    t = texts(lang)
    if info.recipients is None:
        return {"recipients": [], "recipients_note": t["recipients_undeclared"]}
    if not info.recipients:
        note = t["no_recipients"].format(controller=data.controller)
        return {"recipients": [], "recipients_note": note}
    transfers = data.law != "ccpa"
    outside, safeguards = for_law(t, "third_country", data.law), for_law(t, "safeguards", data.law)
    return {"recipients_note": "", "recipients": [
        {"name": r.named(lang), "country": r.country,
         "outside": outside if transfers and r.third_country else "",
         "safeguards": (f"{safeguards}: {r.safeguards.in_language(lang)}"
                        if transfers and r.safeguards else ""),
         "disclosure": "" if transfers else _disclosure(r, t)}
        for r in info.recipients
    ]}  # fmt: skip


def _disclosure(recipient: Recipient, t: dict[str, str]) -> str:
    """What giving the data to this recipient is under the CCPA, as the map declares it."""
    if not recipient.disclosure:
        return t["disclosure_undeclared"]
    return "; ".join(t[f"disclosure_{d.value}"] for d in Disclosure if d in recipient.disclosure)


def _selling(data: IndexData, lang: str) -> dict[str, Any] | None:
    """CCPA (§1798.110(c), §1798.115(a)): per kind of disclosure, each category with whom it
    goes to; "we do not sell or share" only where every collection declares what each of its
    disclosures is and none is a sale or sharing; the collections left unsaid, by name."""
    if data.law != "ccpa":
        return None
    addresses = dict.fromkeys([c.address for c in data.collections]
                              + [w.collection for w in data.withheld])  # fmt: skip
    kinds: dict[Disclosure, dict[str, dict[str, None]]] = {d: {} for d in Disclosure}
    unsaid = []
    for address in addresses:
        coll = data.datamap.collection(address)
        assert coll is not None
        if coll.info.disclosures is None:
            unsaid.append(_title(data, address))
        for r in coll.info.recipients or ():
            for kind in r.disclosure:
                for c in coll.categories:
                    kinds[kind].setdefault(category_name(c, lang), {})[r.named(lang)] = None
    listed = {kind.value: [{"label": label, "recipients": list(names)}
                           for label, names in by_label.items()]
              for kind, by_label in kinds.items()}  # fmt: skip
    sold = kinds[Disclosure.SALE] or kinds[Disclosure.SHARING]
    return {**listed, "unsaid": unsaid, "none": bool(addresses) and not unsaid and not sold}


def _title(data: IndexData, address: str) -> str:
    dataset = data.datamap.dataset_of(address)
    coll = data.datamap.collection(address)
    name = coll.name.replace("_", " ") if coll else address
    return f"{worded(dataset.name, data.language) or dataset.key} – {name}"


def _day(at: datetime, lang: str) -> str:
    return at.strftime("%d.%m.%Y") if lang == "de" else at.strftime("%Y-%m-%d")
