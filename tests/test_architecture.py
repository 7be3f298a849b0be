"""Layering rules of STYLE.md, checked by reading import statements."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "matchmaker"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _files(*parts: str) -> list[Path]:
    base = PACKAGE.joinpath(*parts)
    return (
        sorted(base.rglob("*.py")) if base.is_dir() else [base] if base.exists() else []
    )


def _violations(files: list[Path], forbidden) -> list[str]:
    return [
        f"{f.relative_to(PACKAGE)}: {name}"
        for f in files
        for name in _imports(f)
        if forbidden(name)
    ]


def test_matching_is_a_pure_library():
    def forbidden(name: str) -> bool:
        return name.split(".")[0] in {
            "flask",
            "flask_sqlalchemy",
            "sqlalchemy",
            "werkzeug",
        } or (
            name.startswith("matchmaker") and not name.startswith("matchmaker.matching")
        )

    assert _files("matching") and _violations(_files("matching"), forbidden) == []


def test_search_index_imports_nothing_from_the_app():
    def forbidden(name: str) -> bool:
        return name.split(".")[0] in {"flask", "sqlalchemy", "werkzeug"} or (
            name.startswith("matchmaker")
            and not name.startswith(("matchmaker.search_index", "matchmaker.matching"))
        )

    files = _files("search_index") + _files("search_index.py")
    assert _violations(files, forbidden) == []


@pytest.mark.parametrize(
    ("layer", "forbidden_prefixes"),
    [
        ("models", ("matchmaker.services", "matchmaker.blueprints", "flask")),
        ("services", ("matchmaker.blueprints", "flask_login", "flask_wtf", "wtforms")),
    ],
)
def test_dependencies_point_one_way(layer, forbidden_prefixes):
    def forbidden(name: str) -> bool:
        return name.startswith(forbidden_prefixes) and not name.startswith(
            "flask_login.mixins"
        )

    # UserMixin is the one Flask-Login piece a model may use.
    files = [
        f for f in _files(layer) if not (layer == "models" and f.name == "user.py")
    ]
    assert _violations(files, forbidden) == []


def test_views_never_commit():
    offenders = [
        str(f.relative_to(PACKAGE))
        for f in _files("blueprints")
        if ".commit(" in f.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_services_do_not_touch_the_request():
    def uses_request(path: Path) -> bool:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        return any(
            isinstance(node, ast.ImportFrom)
            and node.module == "flask"
            and any(a.name == "request" for a in node.names)
            for node in ast.walk(tree)
        )

    assert [f.name for f in _files("services") if uses_request(f)] == []
