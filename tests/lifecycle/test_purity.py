"""The lifecycle package is pure: no Flask, no SQLAlchemy, no other matchmaker modules."""

from __future__ import annotations

import ast
from pathlib import Path

import matchmaker.lifecycle

PACKAGE = Path(matchmaker.lifecycle.__file__).parent
FORBIDDEN_ROOTS = {"flask", "flask_sqlalchemy", "sqlalchemy", "werkzeug"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_lifecycle_imports_nothing_from_the_app_or_its_frameworks():
    bad = [
        f"{path.name}: {name}"
        for path in sorted(PACKAGE.glob("*.py"))
        for name in _imports(path)
        if name.split(".")[0] in FORBIDDEN_ROOTS
        or (
            name.startswith("matchmaker")
            and not name.startswith("matchmaker.lifecycle")
        )
    ]
    assert bad == []


def test_lifecycle_files_stay_small():
    sizes = {
        path.name: len(path.read_text().splitlines()) for path in PACKAGE.glob("*.py")
    }
    assert max(sizes.values()) <= 250, sizes
