"""`rightful ... --help` explains every command, option and argument: a DPO reading `rightful
requests extend --help` learns what `--days` counts without opening the docs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import typer
from typer.core import TyperGroup

from rightful.entrypoints.cli.main import app


def commands(command: Any, path: str = "rightful") -> Iterator[tuple[str, Any]]:
    """(how it is typed, command) of the root, every group and every command under them."""
    yield path, command
    if isinstance(command, TyperGroup):
        for name, sub in command.commands.items():
            yield from commands(sub, f"{path} {name}")


def every_command() -> list[tuple[str, Any]]:
    return list(commands(typer.main.get_command(app)))


def test_every_command_says_what_it_does() -> None:
    silent = [path for path, command in every_command() if not command.help]
    assert silent == []


def test_every_option_and_argument_says_what_it_takes() -> None:
    params = [(path, param) for path, command in every_command() for param in command.params]
    bare = [f"{path} {param.opts[0]}" for path, param in params if not getattr(param, "help", "")]
    assert bare == []
    assert len(params) > 150  # the walk still reaches the commands' parameters
