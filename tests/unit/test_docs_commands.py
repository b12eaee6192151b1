"""Every `rightful` command and option that README.md and docs/ show exists, and every link
between the pages reaches a page and a heading: a reader who types what the docs say gets the
command they describe, not "No such command"."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from rightful.entrypoints.cli.main import app

ROOT = Path(__file__).parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# A call as the pages write it: `rightful GROUP COMMAND ARGS --options` or `$rf ...` (README),
# up to the end of the code span, a comment or a shell operator.
CALL = re.compile(r"(?:\brightful|\$rf) +([^`#;&()\n]+)")
WORD = re.compile(r"[a-z][a-z-]*")
LINK = re.compile(r"\]\(([^)\s]+)\)")


def calls() -> list[tuple[str, list[str]]]:
    """(page:line, words) of every call in the pages."""
    found = []
    for page in PAGES:
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            for match in CALL.finditer(line):
                found.append((f"{page.name}:{number}", match.group(1).split()))
    return found


def options_of(command: Any) -> set[str]:
    return {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}


def problems_of(where: str, words: list[str], root: TyperGroup) -> list[str]:
    """What is wrong with one call; nothing when its first word is no command (prose: "rightful
    collects ...")."""
    group = root.commands.get(words[0]) if words else None
    if group is None:
        return []
    command, rest = group, words[1:]
    if isinstance(group, TyperGroup) and rest and WORD.fullmatch(rest[0].replace("|", "")):
        names = rest[0].split("|")
        missing = [name for name in names if name not in group.commands]
        if missing:
            return [f"{where}: rightful {words[0]} has no command {', '.join(missing)}"]
        command, rest = group.commands[names[0]], rest[1:]
    known = options_of(command)
    asked = [re.split(r"[]=|]", w.lstrip("["))[0] for w in rest if w.lstrip("[").startswith("--")]
    return [f"{where}: {command.name} has no option {o}" for o in asked if o not in known]


def test_every_command_and_option_the_docs_show_exists() -> None:
    root = typer.main.get_command(app)
    assert isinstance(root, TyperGroup)
    problems = [p for where, words in calls() for p in problems_of(where, words, root)]
    assert problems == []
    assert len(calls()) > 100  # the pattern still finds the calls


def headings(page: Path) -> set[str]:
    """The anchors GitHub makes of a page's headings (outside code blocks)."""
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    titles = re.findall(r"^#+\s+(.*)$", text, flags=re.M)
    return {re.sub(r"[^\w\- ]", "", t.strip().lower()).replace(" ", "-") for t in titles}


def test_every_link_between_the_pages_reaches_a_page_and_a_heading() -> None:
    broken = []
    for page in PAGES:
        for target in LINK.findall(page.read_text(encoding="utf-8")):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            path, _, anchor = target.partition("#")
            file = (page.parent / path).resolve() if path else page
            if not file.exists():
                broken.append(f"{page.name}: {target} (no such file)")
            elif anchor and file.suffix == ".md" and anchor not in headings(file):
                broken.append(f"{page.name}: {target} (no such heading)")
    assert broken == []
