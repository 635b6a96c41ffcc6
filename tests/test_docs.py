"""Docs and help agree: every command has help text and appears in the README."""

from __future__ import annotations

from pathlib import Path

import typer.main

from clc_tender.cli import app

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_every_command_has_help_and_is_in_the_readme() -> None:
    group = typer.main.get_command(app)
    names = sorted(group.commands)  # type: ignore[attr-defined]
    assert names == ["check", "evaluate", "letters", "place", "reopen", "template"]
    for name in names:
        command = group.commands[name]  # type: ignore[attr-defined]
        assert command.help and len(command.help) > 20, name
        assert f"clc-tender {name}" in README, name
        for param in command.params:
            if param.param_type_name == "option":
                assert param.help, f"{name} {param.opts}"


def test_readme_quick_start_is_the_two_commands() -> None:
    quick = README.split("## Quick start", 1)[1].split("##", 1)[0]
    assert "make run" in quick and "make test" in quick
