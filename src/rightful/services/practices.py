"""The business's general practices as the data map declares them: the categories of personal
information collected (in plain words), where from, what for, and to whom they are disclosed;
and, where it sells or shares, how to opt out. Nothing here is about any one person."""

from __future__ import annotations

from urllib.parse import urlencode

from rightful.domain.category_words import category_name
from rightful.domain.datamap import DataMap
from rightful.domain.notices import OptOutOffer, Practices


def general_practices(datamap: DataMap, language: str) -> Practices:
    categories: dict[str, None] = {}
    sources: dict[str, None] = {}
    purposes: dict[str, None] = {}
    recipients: dict[str, None] = {}
    for coll in datamap.collections():
        categories.update(dict.fromkeys(category_name(c, language) for c in coll.categories))
        if coll.info.source:
            sources[coll.info.source.in_language(language)] = None
        purposes.update(dict.fromkeys(p.in_language(language) for p in coll.info.purposes))
        recipients.update(dict.fromkeys(r.named(language) for r in coll.info.recipients or ()))
    return Practices(tuple(categories), tuple(sources), tuple(purposes), tuple(recipients))


def opt_out_offer(
    datamap: DataMap, base_url: str, notice_url: str | None, language: str
) -> OptOutOffer | None:
    """How to opt out of sale or sharing, for a business whose map declares either (§7062(f)):
    the portal's form with a CCPA opt-out chosen, in `language`; None for one that declares
    neither, or leaves it unsaid."""
    if not datamap.sells_or_shares:
        return None
    query = urlencode({"type": "opt_out", "jurisdiction": "ccpa", "lang": language})
    return OptOutOffer(f"{base_url.rstrip('/')}/portal/new?{query}", notice_url)
