"""Blueprint packages: each ``__init__`` only exports ``bp``; every route has a view and a rule of its own."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest

import matchmaker

BLUEPRINTS = Path(matchmaker.__file__).resolve().parent / "blueprints"
PACKAGES = sorted(BLUEPRINTS.glob("*/__init__.py"))
IMPLICIT_METHODS = {"HEAD", "OPTIONS"}


def _is_docstring(node: ast.stmt, index: int) -> bool:
    return (
        index == 0
        and isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _names(node: ast.ImportFrom) -> list[str]:
    return [alias.name for alias in node.names]


def _is_allowed(node: ast.stmt, index: int) -> bool:
    """A docstring, ``from … import bp``, ``from flask import Blueprint``, ``bp = Blueprint(…)``, ``__all__``."""
    if _is_docstring(node, index):
        return True
    if isinstance(node, ast.ImportFrom):
        return _names(node) == ["bp"] or (
            node.module == "flask" and _names(node) == ["Blueprint"]
        )
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
        if not isinstance(target, ast.Name):
            return False
        if target.id == "__all__":
            return True
        return (
            target.id == "bp"
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name)
            and node.value.func.id == "Blueprint"
        )
    return False


def stray_statements(source: str) -> list[str]:
    """The statements of a blueprint ``__init__`` that do more than create or export ``bp``."""
    body = ast.parse(source).body
    return [
        ast.unparse(node).splitlines()[0]
        for index, node in enumerate(body)
        if not _is_allowed(node, index)
    ]


def test_every_blueprint_package_is_checked():
    assert {p.parent.name for p in PACKAGES} >= {"orders", "enterprises", "auth"}


@pytest.mark.parametrize("init", PACKAGES, ids=lambda p: p.parent.name)
def test_blueprint_init_only_exports_bp(init: Path):
    assert stray_statements(init.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "source",
    [
        '"""Doc."""\nfrom a.views import bp\nfrom a import need_views  # noqa: F401\n__all__ = ["bp"]\n',
        'from a.views import bp\nfrom a import sub_views\n__all__ = ["bp"]\n',
        "import a.sub_views\nfrom a.views import bp\n",
        "from a.views import bp, helper\n",
        "from a.views import bp\nbp.register_blueprint(other)\n",
    ],
)
def test_stray_statements_finds_side_effect_imports(source: str):
    assert stray_statements(source) != []


def test_stray_statements_accepts_a_blueprint_creation():
    source = '"""Doc."""\n\nfrom flask import Blueprint\n\nbp = Blueprint("a", __name__)\n__all__ = ["bp"]\n'
    assert stray_statements(source) == []


def test_every_rule_has_a_view(app):
    missing = [
        (rule.rule, rule.endpoint)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in app.view_functions
    ]
    assert missing == []


def test_no_rule_and_method_is_registered_twice(app):
    seen = Counter(
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - IMPLICIT_METHODS
    )
    assert [key for key, count in seen.items() if count > 1] == []


@pytest.mark.parametrize(
    ("endpoint", "values", "path"),
    [
        ("orders.proposals.mine", {}, "/orders/proposals/mine"),
        ("orders.council.index", {"order_id": 3}, "/orders/3/council"),
        ("orders.work.index", {"order_id": 3}, "/orders/3/work"),
        ("orders.assignments.researchers", {}, "/orders/assignment"),
        ("enterprises.needs.index", {}, "/enterprises/needs"),
    ],
)
def test_nested_blueprints_keep_the_parent_prefix(app, endpoint, values, path):
    adapter = app.url_map.bind("localhost")
    assert adapter.build(endpoint, values) == path
    assert adapter.match(path)[0] == endpoint
