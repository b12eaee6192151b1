"""A drafted data map as Fides dataset YAML, its notes as comments beside what they are about.

Each value is written by yaml.safe_dump (so that a name YAML would read as something else,
`yes` or `null`, comes quoted), and the comments are put between the dumped pieces: PyYAML
writes no comments itself."""

from __future__ import annotations

import textwrap
from typing import Any

import yaml

from rightful.domain.datamap_draft import Draft, DraftCollection, DraftField

WIDTH = 96


def render_draft(draft: Draft) -> str:
    """The draft as the text of one data map file."""
    lines = [*_comments(draft.notes, 0, "# ")]
    lines += ["dataset:", *_item({"fides_key": draft.source}, 2)]
    lines += [*_block({"rightful": {"source": draft.source}}, 4), "    collections:"]
    for coll in draft.collections:
        lines += _collection(coll, 6)
    return "\n".join(lines) + "\n"


def _collection(coll: DraftCollection, indent: int) -> list[str]:
    lines = [*_comments(coll.notes, indent, "# review: "), *_item({"name": coll.name}, indent)]
    inner = " " * (indent + 2)
    if not coll.fields:
        return [*lines, f"{inner}fields: []"]
    lines.append(f"{inner}fields:")
    for f in coll.fields:
        lines += _comments(f.notes, indent + 4, "# review: ")
        lines += _item(_field(f), indent + 4)
    return lines


def _field(f: DraftField) -> dict[str, Any]:
    out: dict[str, Any] = {"name": f.name}
    if f.categories:
        out["data_categories"] = list(f.categories)
    meta: dict[str, Any] = {}
    if f.primary_key:
        meta["primary_key"] = True
    if f.identity is not None:
        meta["identity"] = f.identity
    if f.data_type is not None:
        meta["data_type"] = f.data_type
    if f.references:
        meta["references"] = [
            {"dataset": dataset, "field": target, "direction": direction}
            for dataset, target, direction in f.references
        ]
    if meta:
        out["fides_meta"] = meta
    return out


class _Dumper(yaml.SafeDumper):
    """Lists inside a mapping indented, as the demo maps write them."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _entries(mapping: dict[str, Any]) -> list[str]:
    """Each key of a mapping in block style, with what it holds of scalars only in flow
    style (`fides_meta: {primary_key: true, data_type: integer}`)."""
    lines = []
    for key, value in mapping.items():
        text = yaml.dump(
            {key: value},
            Dumper=_Dumper,
            sort_keys=False,
            default_flow_style=None if isinstance(value, dict | list) else False,
            allow_unicode=False,
            width=WIDTH,
        )
        lines += text.splitlines()
    return lines


def _item(mapping: dict[str, Any], indent: int) -> list[str]:
    """A mapping as an entry of a list, at `indent`."""
    lines = _entries(mapping)
    return [" " * indent + ("- " if i == 0 else "  ") + line for i, line in enumerate(lines)]


def _block(mapping: dict[str, Any], indent: int) -> list[str]:
    return [" " * indent + line for line in _entries(mapping)]


def _comments(notes: list[str], indent: int, first: str) -> list[str]:
    """Each note as comment lines, wrapped; a line break in a note could end the comment and
    start YAML, so none survives (names quoted into notes are escaped already)."""
    lines = []
    for note in notes:
        flat = " ".join(note.split())
        wrapped = textwrap.wrap(flat, WIDTH - indent - len(first)) or [""]
        lines.append(" " * indent + first + wrapped[0])
        lines += [" " * indent + "#   " + rest for rest in wrapped[1:]]
    return lines
