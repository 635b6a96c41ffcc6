"""The rooms import downwards only: the readers (``read/``) and the rules (``rules/``) never
import what sits above them (the evaluation, the round and command modules, the writers, the
letters, the terminal), so a reader or a rule can be used and tested alone."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "clc_tender"
ABOVE = {
    "cli",
    "render",
    "round",
    "evaluate",
    "decisions",
    "checking",
    "place",
    "uplifting",
    "award_report",
    "report_model",
    "write",
    "letters",
    "testing",
}


def _imported_rooms(path: Path) -> set[str]:
    rooms = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.level == 2:  # from ..x import y, inside clc_tender/<room>/
                rooms.add(node.module.split(".")[0])
            elif node.level == 0 and node.module.startswith("clc_tender."):
                rooms.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            rooms |= {a.name.split(".")[1] for a in node.names if a.name.startswith("clc_tender.")}
    return rooms


def test_read_and_rules_import_nothing_above_them() -> None:
    found = {
        f"{path.relative_to(PACKAGE)} imports {room}"
        for folder in ("read", "rules")
        for path in sorted((PACKAGE / folder).glob("*.py"))
        for room in _imported_rooms(path) & ABOVE
    }
    assert found == set()


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    module = tmp_path / "x.py"
    module.write_text("from ..write.atomic import check_output\nimport clc_tender.cli\n")
    assert _imported_rooms(module) == {"write", "cli"}
