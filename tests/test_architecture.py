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


def _service_unit(module: str) -> str | None:
    """The service package (or shared top-level module) a dotted module name belongs to."""
    parts = module.split(".")
    if parts[:2] != ["matchmaker", "services"] or len(parts) < 3:
        return None
    return parts[2]


def _service_graph() -> dict[str, set[str]]:
    """Which service package imports which other, from every import statement (lazy ones too)."""
    graph: dict[str, set[str]] = {}
    base = PACKAGE / "services"
    for path in _files("services"):
        rel = path.relative_to(base).with_suffix("").parts
        unit = rel[0]
        targets = graph.setdefault(unit, set())
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found = {_service_unit(alias.name) for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                if node.module == "matchmaker.services":
                    found = {alias.name for alias in node.names}
                else:
                    found = {_service_unit(node.module)}
            else:
                continue
            targets.update(t for t in found if t and t != unit)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each strongly connected group of packages (Tarjan), for the failure message."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_service_packages_import_each_other_without_cycles():
    graph = _service_graph()
    assert {"orders", "projects", "search", "matching", "policy"} <= set(graph)
    groups = _cycles(graph)
    detail = [
        f"{' ↔ '.join(group)}: "
        + "; ".join(f"{a} → {b}" for a in group for b in sorted(graph[a]) if b in group)
        for group in groups
    ]
    assert detail == []


def test_the_cycle_finder_sees_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [
        ["a", "b", "c"]
    ]


def test_services_build_no_urls():
    def builds_urls(path: Path) -> bool:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        return any(
            (
                isinstance(node, ast.ImportFrom)
                and any(a.name == "url_for" for a in node.names)
            )
            or (isinstance(node, ast.Name) and node.id == "url_for")
            or (isinstance(node, ast.Attribute) and node.attr == "url_for")
            for node in ast.walk(tree)
        )

    assert [
        str(f.relative_to(PACKAGE)) for f in _files("services") if builds_urls(f)
    ] == []
