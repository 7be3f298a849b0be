"""`make audit`: pip-audit over the installed environment; every known vulnerability is fixed or explained.

Accepted vulnerabilities are listed in .pip-audit-ignore, one a line: the id (PYSEC-, GHSA- or CVE-), then
``#`` and the reason it is accepted. Exit status: 0 when nothing is left unexplained, 1 when a vulnerability
is neither fixed nor explained (or the ignore file lacks a reason), 2 when the vulnerability service could
not be asked (with --allow-offline, as `make test` runs it, that is a warning and the status is 0).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNORE_FILE = ROOT / ".pip-audit-ignore"
UNREACHABLE = 2


@dataclass
class Report:
    unexplained: list[str] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    audited: int = 0
    skipped: int = 0


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
        print(f"pip-audit: {line}")
    partial = f", {report.skipped} skipped (not on PyPI)" if report.skipped else ""
    if report.unexplained:
        print(
            f"pip-audit: {len(report.unexplained)} known vulnerabilities are neither fixed nor explained:"
        )
        for line in report.unexplained:
            print(f"  {line}")
        print(
            f"Upgrade the package, or add the id to {IGNORE_FILE.name} with the reason it is accepted."
        )
        return 1
    print(
        f"pip-audit: {report.audited} packages audited{partial}; no unexplained known vulnerability."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
