"""The business's general practices as the data map declares them: the categories of personal
information collected (in plain words), where from, what for, and to whom they are disclosed.
Nothing here is about any one person."""

from __future__ import annotations

from rightful.adapters.packaging.texts import category_label
from rightful.domain.datamap import DataMap
from rightful.domain.notices import Practices


def general_practices(datamap: DataMap, language: str) -> Practices:
    categories: dict[str, None] = {}
    sources: dict[str, None] = {}
    purposes: dict[str, None] = {}
    recipients: dict[str, None] = {}
    for coll in datamap.collections():
        categories.update(dict.fromkeys(category_label(c, language) for c in coll.categories))
        if coll.info.source:
            sources[coll.info.source] = None
        purposes.update(dict.fromkeys(coll.info.purposes))
        recipients.update(dict.fromkeys(r.name for r in coll.info.recipients or ()))
    return Practices(tuple(categories), tuple(sources), tuple(purposes), tuple(recipients))
