"""Every flash message goes through the catalogue: no bare text handed to ``flash()`` in the source."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "matchmaker"


def _is_text(node: ast.expr) -> bool:
    """Literal text, an f-string, or text glued to something with + or %."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _is_text(node.left) or _is_text(node.right)
    return False


def _bare_flashes(source: str) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name == "flash" and _is_text(node.args[0]):
            lines.append(node.lineno)
    return lines


def test_the_walk_finds_a_bare_flash():
    source = 'flash("Saved.")\nflash(f"Saved {n}.", "success")\nflash(_("Saved."))\n'
    assert _bare_flashes(source) == [1, 2]


def test_no_flash_is_given_bare_text():
    problems = [
        f"{path.relative_to(PACKAGE)}:{line}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for line in _bare_flashes(path.read_text(encoding="utf-8"))
    ]
    assert not problems, "wrap these flash messages in _(): " + ", ".join(problems)
