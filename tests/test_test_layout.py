"""The test suite's own layout: fixtures are defined once, and nothing is imported from a conftest."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).parent


def _modules(root: Path) -> dict[str, ast.Module]:
    return {
        str(path.relative_to(root.parent)): ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(root.rglob("*.py"))
    }


def _is_fixture(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return (isinstance(target, ast.Attribute) and target.attr == "fixture") or (
        isinstance(target, ast.Name) and target.id == "fixture"
    )


def _fixture_name(node: ast.FunctionDef) -> str:
    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Call):
            for keyword in decorator.keywords:
                if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                    return keyword.value.value
    return node.name


def conftest_imports(root: Path) -> list[str]:
    """``path: module`` for every import of a conftest module."""
    found = []
    for path, tree in _modules(root).items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                names = (
                    [module]
                    if "conftest" in module.split(".")
                    else [f"{module}.{a.name}" for a in node.names]
                )
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            found += [f"{path}: {n}" for n in names if "conftest" in n.split(".")]
    return found


def redefined_fixtures(root: Path) -> dict[str, list[str]]:
    """Fixture names defined in more than one file, with those files."""
    files = defaultdict(set)
    for path, tree in _modules(root).items():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                _is_fixture(d) for d in node.decorator_list
            ):
                files[_fixture_name(node)].add(path)
    return {name: sorted(paths) for name, paths in files.items() if len(paths) > 1}


CLOCK_READS = {"utcnow", "now", "today", "today_in_vietnam", "time", "monotonic"}


def clock_reads_at_import(root: Path) -> list[str]:
    """``path:line`` of every clock read (``utcnow()``, ``date.today()``…) run when a test module is imported.

    A time read at import is stale by the time a test runs: a suite that crosses midnight in Vietnam
    (17:00 UTC) then compares dates of two different days. Tests take the ``now`` and ``today`` fixtures.
    Calls inside functions and classes' methods run later and are fine; defaults of arguments run at import.
    """
    found = []
    for path, tree in _modules(root).items():
        stack: list[ast.AST] = list(tree.body)
        while stack:
            node = stack.pop()
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                stack += node.args.defaults + [d for d in node.args.kw_defaults if d]
                stack += getattr(node, "decorator_list", [])
                continue
            if isinstance(node, ast.Call):
                target = node.func
                name = (
                    target.attr
                    if isinstance(target, ast.Attribute)
                    else getattr(target, "id", "")
                )
                if name in CLOCK_READS:
                    found.append(f"{path}:{node.lineno}")
            stack += list(ast.iter_child_nodes(node))
    return sorted(found)


def test_no_test_module_reads_the_clock_at_import():
    assert clock_reads_at_import(TESTS) == []


def test_no_test_module_imports_from_a_conftest():
    assert conftest_imports(TESTS) == []


def test_no_fixture_name_is_defined_in_two_files():
    assert redefined_fixtures(TESTS) == {}


def test_the_checks_find_planted_violations(tmp_path):
    suite = tmp_path / "tests"
    (suite / "area").mkdir(parents=True)
    (suite / "conftest.py").write_text(
        "import pytest\n\n@pytest.fixture\ndef official(): ...\n"
    )
    (suite / "area" / "test_a.py").write_text(
        "from pytest import fixture\nfrom tests.conftest import PASSWORD\n\n@fixture(name='official')\ndef other(): ...\n"
    )
    (suite / "area" / "test_b.py").write_text("import tests.area.conftest\n")
    assert conftest_imports(suite) == [
        "tests/area/test_a.py: tests.conftest",
        "tests/area/test_b.py: tests.area.conftest",
    ]
    assert redefined_fixtures(suite) == {
        "official": ["tests/area/test_a.py", "tests/conftest.py"]
    }


def test_the_clock_check_finds_reads_at_import_only(tmp_path):
    suite = tmp_path / "tests"
    suite.mkdir()
    (suite / "test_c.py").write_text(
        "import datetime\nfrom matchmaker.models import utcnow\n\n"
        "NOW = utcnow()\n"
        "CALL = {'deadline': datetime.date.today()}\n\n"
        "def late(at=utcnow()):\n    return utcnow()\n\n"
        "class Clock:\n    def read(self):\n        return datetime.datetime.now()\n"
    )
    assert clock_reads_at_import(suite) == [
        "tests/test_c.py:4",
        "tests/test_c.py:5",
        "tests/test_c.py:7",
    ]
