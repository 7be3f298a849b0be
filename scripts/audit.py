"""`make audit`: pip-audit over the installed environment; every known vulnerability is fixed or explained.

Accepted vulnerabilities are listed in .pip-audit-ignore, one a line: the id (PYSEC-, GHSA- or CVE-), then
``#`` and the reason it is accepted. Exit status: 0 when nothing is left unexplained, 1 when a vulnerability
is neither fixed nor explained (or the ignore file lacks a reason), 2 when the vulnerability service could
not be asked (with --allow-offline, as `make test` runs it, that is a warning and the status is 0).

pip-audit asks PyPI for each installed version (``/pypi/<name>/<version>/json``). Where that address is
closed but the project pages (``/pypi/<name>/json``) answer, as on the team's machines and CI, the audit
reads those instead: a project page lists the known vulnerabilities of the project's latest release, so
every package installed at its latest release is checked; one held back below it cannot be, and is named
(status 2, a warning with --allow-offline) until it is upgraded or pip-audit's own service answers.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
IGNORE_FILE = ROOT / ".pip-audit-ignore"
UNREACHABLE = 2


@dataclass
class Report:
    unexplained: list[str] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    audited: int = 0
    skipped: int = 0
    # Packages the project pages could not check: "name installed (latest …)".
    unchecked: list[str] = field(default_factory=list)


def read_ignore_file(text: str) -> dict[str, str]:
    """Vulnerability id -> reason. Raises ValueError for an entry without a reason."""
    accepted = {}
    for number, line in enumerate(text.splitlines(), 1):
        entry, _, reason = line.partition("#")
        entry = entry.strip()
        if not entry:
            continue
        if not reason.strip():
            raise ValueError(
                f"{IGNORE_FILE.name}:{number}: {entry} has no reason (write `{entry}  # why it is accepted`)"
            )
        accepted[entry.upper()] = reason.strip()
    return accepted


def classify(result: dict, accepted: dict[str, str]) -> Report:
    """Sort pip-audit's JSON result into explained and unexplained vulnerabilities."""
    report = Report()
    for dependency in result.get("dependencies", []):
        if "skip_reason" in dependency:
            report.skipped += 1
            continue
        report.audited += 1
        for vuln in dependency.get("vulns", []):
            ids = [vuln["id"], *vuln.get("aliases", [])]
            reason = next(
                (accepted[i.upper()] for i in ids if i.upper() in accepted), None
            )
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fixed version yet"
            line = f"{dependency['name']} {dependency['version']}: {' / '.join(ids)} (fixed in: {fixes})"
            if reason is None:
                report.unexplained.append(line)
            else:
                report.accepted.append(f"{line} — accepted: {reason}")
    return report


def run_pip_audit() -> tuple[dict | None, str]:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip_audit",
            "--format",
            "json",
            "--progress-spinner",
            "off",
            "--skip-editable",
        ],
        capture_output=True,
        text=True,
    )
    try:
        return json.loads(completed.stdout), completed.stderr
    except ValueError:
        return None, completed.stderr


PYPI_PROJECT = "https://pypi.org/pypi/{name}/json"


def installed() -> dict[str, str]:
    """Canonical name -> version of every distribution installed here but the project itself (editable)."""
    found = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if not name or _editable(dist):
            continue
        found[canonicalize_name(name)] = dist.version
    return found


def _editable(dist: metadata.Distribution) -> bool:
    text = dist.read_text("direct_url.json")
    return bool(text) and bool(json.loads(text).get("dir_info", {}).get("editable"))


def project_page(name: str) -> dict | None:
    """PyPI's JSON page of a project (its latest release and that release's vulnerabilities); ``None``
    when it cannot be read."""
    try:
        with urllib.request.urlopen(
            PYPI_PROJECT.format(name=name), timeout=30
        ) as answer:
            return json.load(answer)
    except (urllib.error.URLError, TimeoutError, ValueError, OSError):
        return None


def from_project_pages(
    versions: dict[str, str], pages: dict[str, dict | None]
) -> tuple[dict, list[str]]:
    """pip-audit's result, as far as project pages tell it: the vulnerabilities of each package installed
    at its latest release (withdrawn ones left out); and the packages they cannot check."""
    dependencies, unchecked = [], []
    for name, version in sorted(versions.items()):
        page = pages.get(name)
        if page is None:
            dependencies.append(
                {"name": name, "version": version, "skip_reason": "no project page"}
            )
            continue
        info = page.get("info", {})
        latest = info.get("version")
        if latest != version:
            unchecked.append(
                f"{name} {version} (latest {latest}{_python_note(info.get('requires_python'))})"
            )
            continue
        vulns = [
            {
                "id": v["id"],
                "aliases": v.get("aliases") or [],
                "fix_versions": v.get("fixed_in") or [],
            }
            for v in page.get("vulnerabilities") or []
            if not v.get("withdrawn")
        ]
        dependencies.append({"name": name, "version": version, "vulns": vulns})
    return {"dependencies": dependencies}, unchecked


def _python_note(requires: str | None) -> str:
    """ ", which needs Python >=3.12" when the latest release cannot be installed on this Python."""
    running = ".".join(str(n) for n in sys.version_info[:3])
    try:
        if requires and running not in SpecifierSet(requires):
            return f", which needs Python {requires}"
    except InvalidSpecifier:
        pass
    return ""


def audit_project_pages() -> tuple[dict | None, list[str]]:
    """The fallback audit over the installed packages; ``None`` when no project page answered."""
    versions = installed()
    with ThreadPoolExecutor(max_workers=8) as pool:
        pages = dict(zip(versions, pool.map(project_page, versions), strict=True))
    if not any(pages.values()):
        return None, []
    return from_project_pages(versions, pages)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--allow-offline",
        action="store_true",
        help="Warn, do not fail, when the vulnerability service cannot be reached.",
    )
    args = parser.parse_args(argv)
    try:
        accepted = read_ignore_file(
            IGNORE_FILE.read_text(encoding="utf-8") if IGNORE_FILE.exists() else ""
        )
    except ValueError as error:
        print(f"pip-audit: {error}")
        return 1
    result, errors = run_pip_audit()
    if result is None and "No module named pip_audit" in errors:
        print(
            "pip-audit is not installed: `make audit` / `make test` install it with the test extras."
        )
        return 1
    report = classify(result, accepted) if result is not None else None
    source = "pip-audit"
    if report is None or report.audited == 0:
        pages, unchecked = audit_project_pages()
        if pages is not None:
            result, report, source = (
                pages,
                classify(pages, accepted),
                "PyPI project pages",
            )
            report.unchecked = unchecked
            print(
                "pip-audit's service (PyPI's JSON of each version) did not answer: read PyPI's project pages,"
                " which list the known vulnerabilities of each project's latest release."
            )
    if report is None or report.audited == 0:
        if result is None:
            last = (errors.strip().splitlines() or ["pip-audit gave no result"])[-1:]
        else:
            first = next(
                (d["skip_reason"] for d in result.get("dependencies", [])),
                "no package listed",
            )
            last = [f"all {report.skipped} packages were skipped, e.g. {first}"]
        print("!" * 78)
        print(
            "WARNING: pip-audit could not reach its vulnerability service (PyPI's JSON API):"
        )
        print(f"  {last[0]}")
        print(
            "  No package was checked for known vulnerabilities. Run `make audit` where pypi.org answers."
        )
        print("!" * 78)
        return 0 if args.allow_offline else UNREACHABLE
    for line in report.accepted:
        print(f"{source}: {line}")
    partial = f", {report.skipped} skipped (not on PyPI)" if report.skipped else ""
    if report.unexplained:
        print(
            f"{source}: {len(report.unexplained)} known vulnerabilities are neither fixed nor explained:"
        )
        for line in report.unexplained:
            print(f"  {line}")
        print(
            f"Upgrade the package, or add the id to {IGNORE_FILE.name} with the reason it is accepted."
        )
        return 1
    print(
        f"{source}: {report.audited} packages audited{partial}; no unexplained known vulnerability."
    )
    if report.unchecked:
        print("!" * 78)
        print(
            f"WARNING: {len(report.unchecked)} packages are older than their latest release, whose page is all"
            " that answers here: they were not checked."
        )
        for line in report.unchecked:
            print(f"  {line}")
        print("  Upgrade them, or run `make audit` where pip-audit's service answers.")
        print("!" * 78)
        return 0 if args.allow_offline else UNREACHABLE
    return 0


if __name__ == "__main__":
    sys.exit(main())
