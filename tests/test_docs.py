"""Every command and option a user can type is documented in the README (as sqlite-utils does)."""

from pathlib import Path

import click
import pytest

from branchflow.cli import cli

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


def commands() -> list[tuple[str, click.Command]]:
    found = []
    for name, command in cli.commands.items():
        if isinstance(command, click.Group):
            found += [(f"{name} {sub}", c) for sub, c in command.commands.items()]
        else:
            found.append((name, command))
    return found


@pytest.mark.parametrize(("name", "command"), commands(), ids=[n for n, _ in commands()])
def test_command_is_in_the_readme(name: str, command: click.Command) -> None:
    assert f"branchflow {name}" in README
    for param in command.params:
        if isinstance(param, click.Option) and param.name != "help":
            assert any(opt in README for opt in param.opts), (name, param.opts)


@pytest.mark.parametrize(("name", "command"), commands(), ids=[n for n, _ in commands()])
def test_command_has_chinese_help(name: str, command: click.Command) -> None:
    assert command.help and any("\u4e00" <= ch <= "\u9fff" for ch in command.help)
