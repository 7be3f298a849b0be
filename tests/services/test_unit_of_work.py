"""One unit of work per use case, read from the source: services commit through ``events.commit()`` once,
and keep the search index and the mail fresh through events, not by calling those services."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import matchmaker

SERVICES = Path(matchmaker.__file__).parent / "services"

# Commits that are not a use case's: each is its own transaction after (or without) one.
COMMIT_ALLOWED = {
    "events.py": "the one commit of every use case",
    "search/index.py": "bookkeeping of the index (retry queue, rebuild), after the use case's commit",
    "messaging/mail.py": "the outbox copy of a mail, sent after the use case's commit (or with no use case)",
    "accounts/api_tokens.py": "a token's last use, noted on a read-only API request (no use case there)",
}
# Who may keep the search index fresh by calling it; the administrators' home and the readiness probe only
# read its health; a backup copies the index under its write lock and a restore swaps it.
SEARCH_IMPORT_ALLOWED = (
    "search/",
    "subscribers.py",
    "home/admins.py",
    "health.py",
    "backup.py",
)
# Who may mail notifications.
DELIVER_ALLOWED = ("subscribers.py",)


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(SERVICES.rglob("*.py")):
        yield path.relative_to(SERVICES).as_posix(), ast.parse(path.read_text("utf-8"))


def _calls(tree: ast.AST, owner: str, name: str) -> list[ast.Call]:
    """Calls ``<...>.<owner>.<name>(...)`` or ``<owner>.<name>(...)`` under ``tree``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = node.func.value
            held = (
                target.attr
                if isinstance(target, ast.Attribute)
                else getattr(target, "id", None)
            )
            if node.func.attr == name and held == owner:
                found.append(node)
    return found


def _imports_search(tree: ast.Module) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [
                f"{node.module}.{alias.name}" for alias in node.names
            ]
        else:
            continue
        if any(
            n == "matchmaker.services.search"
            or n.startswith("matchmaker.services.search.")
            for n in names
        ):
            return True
    return False


def test_services_commit_only_through_events():
    offenders = [
        f"{name}:{call.lineno}"
        for name, tree in _modules()
        if name not in COMMIT_ALLOWED
        for call in _calls(tree, "session", "commit")
    ]
    assert offenders == []


def test_no_public_use_case_commits_more_than_once():
    offenders = [
        f"{name}:{function.name}"
        for name, tree in _modules()
        for function in tree.body
        if isinstance(function, ast.FunctionDef) and not function.name.startswith("_")
        if len(_calls(function, "events", "commit")) > 1
    ]
    assert offenders == []


def test_only_the_search_package_and_its_subscriber_import_the_search_service():
    offenders = [
        name
        for name, tree in _modules()
        if not name.startswith(SEARCH_IMPORT_ALLOWED) and _imports_search(tree)
    ]
    assert offenders == []


def test_only_the_subscriber_mails_notifications():
    offenders = [
        f"{name}:{call.lineno}"
        for name, tree in _modules()
        if name not in DELIVER_ALLOWED
        for call in _calls(tree, "notifications", "deliver")
    ]
    assert offenders == []
