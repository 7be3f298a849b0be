"""Services name pages by endpoint and values; only blueprints, templates and the link module make URLs."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "matchmaker" / "services"
# A string that starts like a path of the app's own pages.
APP_PATH = re.compile(
    r"^/(orders|projects|enterprises|needs|researchers|institutions|admin|auth|search"
    r"|notifications)\b"
)


def _trees() -> list[tuple[str, ast.Module]]:
    return [
        (str(path.relative_to(ROOT)), ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted(SERVICES.rglob("*.py"))
    ]


def _where(name: str, node: ast.AST) -> str:
    return f"{name}:{node.lineno}"


def _builds_urls(node: ast.AST) -> bool:
    """An import of url_for or of the request, or any use of url_for."""
    if isinstance(node, ast.ImportFrom):
        return any(alias.name in {"url_for", "request"} for alias in node.names)
    if isinstance(node, ast.Name):
        return node.id == "url_for"
    if isinstance(node, ast.Attribute):
        return node.attr == "url_for" or (
            node.attr == "request"
            and isinstance(node.value, ast.Name)
            and node.value.id == "flask"
        )
    return False


def _path_literal(node: ast.AST) -> bool:
    """A string that starts with a path of the app (an f-string's literal parts are such strings too)."""
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and bool(APP_PATH.match(node.value))
    )


def _notify_calls() -> list[tuple[str, ast.Call]]:
    return [
        (_where(name, node), node)
        for name, tree in _trees()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            getattr(node.func, "attr", None) == "notify"
            or getattr(node.func, "id", None) == "notify"
        )
    ]


def test_services_neither_import_url_for_nor_the_request():
    offenders = [
        _where(name, node)
        for name, tree in _trees()
        for node in ast.walk(tree)
        if _builds_urls(node)
    ]
    assert offenders == []


def test_services_write_no_paths_of_the_app():
    offenders = [
        _where(name, node)
        for name, tree in _trees()
        for node in ast.walk(tree)
        if _path_literal(node)
    ]
    assert offenders == []


def test_every_endpoint_a_service_notifies_with_exists_with_its_values(app):
    calls = _notify_calls()
    assert calls, "no notify call found: the scan no longer sees them"
    problems = []
    for where, call in calls:
        keywords = {k.arg: k.value for k in call.keywords}
        endpoint = (
            call.args[3] if len(call.args) > 3 else keywords.pop("endpoint", None)
        )
        if endpoint is None:
            continue
        if not (isinstance(endpoint, ast.Constant) and isinstance(endpoint.value, str)):
            problems.append(f"{where}: the endpoint is not a literal name")
            continue
        names = set(keywords)
        arguments = [rule.arguments for rule in app.url_map.iter_rules()
                     if rule.endpoint == endpoint.value]  # fmt: skip
        if endpoint.value not in app.view_functions or names not in arguments:
            problems.append(f"{where}: {endpoint.value} {sorted(names)}")
    assert problems == []
