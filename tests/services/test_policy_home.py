"""Every permission rule lives in ``services/policy.py``: nobody else defines who is staff or who may what."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "matchmaker"
# The policy itself, the models (``User.has_role``...) and the pure lifecycle (its own role table).
EXEMPT = (PACKAGE / "services" / "policy.py", PACKAGE / "models", PACKAGE / "lifecycle")
# Predicates named like permissions that are not about a person: none today.
ALLOWED_NAMES: frozenset[str] = frozenset()
STAFF_ROLES = {"OFFICIAL", "ADMIN"}
RULE_NAME = re.compile(r"^_*(is_staff|can_\w+|may_\w+)$")
STAFF_LIST_NAME = re.compile(r"STAFF|OFFICIAL_ROLES|ADMIN_ROLES")
TEMPLATE_ROLE_TEST = re.compile(
    r"role(\.value)?\s*(==|!=|in)\s*['\"(\[]?\s*['\"]?(admin|official)"
)


def _sources() -> list[Path]:
    return [
        path
        for path in sorted(PACKAGE.rglob("*.py"))
        if not any(path == e or e in path.parents for e in EXEMPT)
    ]


def _is_staff_role(node: ast.AST) -> bool:
    """``Role.OFFICIAL`` or ``Role.ADMIN`` (however ``Role`` is reached: ``models.Role.ADMIN`` too)."""
    return (
        isinstance(node, ast.Attribute)
        and node.attr in STAFF_ROLES
        and isinstance(node.value, ast.Attribute | ast.Name)
        and (getattr(node.value, "id", None) or node.value.attr) == "Role"
    )


def _literal_items(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return node.elts
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") in {
        "frozenset",
        "set",
        "tuple",
    }:
        return [item for arg in node.args for item in _literal_items(arg)]
    return []


def violations(source: str) -> list[str]:
    """The permission rules ``source`` defines or writes out instead of asking the policy."""
    found = []
    for node in ast.walk(ast.parse(source)):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if RULE_NAME.match(node.name) and node.name not in ALLOWED_NAMES:
                found.append(f"{line}: defines {node.name}")
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            if any(STAFF_LIST_NAME.search(n) for n in names) and node.value is not None:
                if _literal_items(node.value) or _is_staff_role(node.value):
                    found.append(f"{line}: defines {', '.join(names)}")
            if node.value is not None and any(
                _is_staff_role(i) for i in _literal_items(node.value)
            ):
                found.append(f"{line}: lists staff roles")
        elif isinstance(node, ast.Compare):
            if any(_is_staff_role(n) for n in [node.left, *node.comparators]):
                found.append(f"{line}: compares a role with a staff role")
            if any(
                _is_staff_role(i) for n in node.comparators for i in _literal_items(n)
            ):
                found.append(f"{line}: tests a role against staff roles")
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") in {
            "has_role",
            "in_",
        }:
            if any(_is_staff_role(a) for a in node.args):
                found.append(f"{line}: asks has_role/in_ of a staff role")
    return found


def test_permission_rules_live_in_the_policy_only():
    found = [
        f"{path.relative_to(ROOT)}:{v}"
        for path in _sources()
        for v in violations(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_templates_ask_the_policy_for_staff_roles():
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if TEMPLATE_ROLE_TEST.search(line)
    ]
    assert found == []


@pytest.mark.parametrize(
    "source",
    [
        "def can_x(user):\n    return True\n",
        "def _may_see_order(user, order):\n    return True\n",
        "def _is_staff(user):\n    return True\n",
        "STAFF_ROLES = (Role.OFFICIAL, Role.ADMIN)\n",
        "STAFF = frozenset({Role.OFFICIAL, Role.ADMIN})\n",
        "REGISTRARS = (Role.OFFICIAL, Role.ADMIN, Role.RESEARCHER)\n",
        "ok = user.role == Role.ADMIN\n",
        "ok = user.role != models.Role.OFFICIAL\n",
        "ok = user.role in (Role.OFFICIAL, Role.ADMIN)\n",
        "ok = user.has_role(Role.OFFICIAL)\n",
        "stmt = select(User).where(User.role == Role.OFFICIAL)\n",
    ],
)
def test_the_scan_finds_a_rule_written_outside_the_policy(source):
    assert violations(source)


@pytest.mark.parametrize(
    "source",
    [
        "ok = policy.is_staff(user)\n",
        "ROLES = (Role.RESEARCHER, *policy.STAFF_ROLES)\n",
        "ok = user.role == Role.RESEARCHER\n",
        "LABELS = {Role.OFFICIAL: 'City official', Role.ADMIN: 'Administrator'}\n",
        "@role_required(Role.ADMIN)\ndef view():\n    pass\n",
    ],
)
def test_the_scan_lets_the_policy_be_asked(source):
    assert violations(source) == []


def test_the_template_scan_finds_a_role_test():
    assert TEMPLATE_ROLE_TEST.search("{% if current_user.role.value == 'admin' %}")
    assert not TEMPLATE_ROLE_TEST.search("{% if policy.is_admin(current_user) %}")


def test_the_policy_is_a_leaf():
    """It reads models and the pure lifecycle only, so asking it never pulls in another service."""
    tree = ast.parse(EXEMPT[0].read_text(encoding="utf-8"))
    imported = {
        f"{node.module}.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    } | {
        a.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for a in node.names
    }
    allowed = (
        "__future__.",
        "collections.abc.",  # the standard library's types: not a layer
        "sqlalchemy",
        "matchmaker.models.",
        "matchmaker.extensions.",
        "matchmaker.lifecycle",
    )
    assert {name for name in imported if not name.startswith(allowed)} == set()
