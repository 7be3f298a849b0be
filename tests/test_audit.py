"""`make audit` (scripts/audit.py): which pip-audit findings fail the build."""

from __future__ import annotations

import pytest

from scripts import audit

RESULT = {
    "dependencies": [
        {"name": "flask", "version": "3.1.0", "vulns": []},
        {
            "name": "jinja2",
            "version": "3.1.4",
            "vulns": [
                {
                    "id": "GHSA-q2x7-8rv6-6q7h",
                    "aliases": ["CVE-2024-56326"],
                    "fix_versions": ["3.1.5"],
                },
                {"id": "PYSEC-2099-1", "aliases": [], "fix_versions": []},
            ],
        },
        {"name": "matchmaker", "skip_reason": "Dependency not found on PyPI"},
    ]
}


def test_a_vulnerability_is_accepted_by_its_id_or_an_alias_with_its_reason():
    report = audit.classify(
        RESULT, {"CVE-2024-56326": "sandbox not used", "PYSEC-2099-1": "no fix yet"}
    )
    assert report.unexplained == [] and report.audited == 2 and report.skipped == 1
    assert "accepted: sandbox not used" in report.accepted[0]


def test_an_unexplained_vulnerability_is_reported_with_its_fixed_version():
    report = audit.classify(RESULT, {"PYSEC-2099-1": "no fix yet"})
    assert report.unexplained == [
        "jinja2 3.1.4: GHSA-q2x7-8rv6-6q7h / CVE-2024-56326 (fixed in: 3.1.5)"
    ]


def test_every_accepted_vulnerability_needs_a_reason():
    assert audit.read_ignore_file("# a comment\n\nPYSEC-1  # why\n") == {
        "PYSEC-1": "why"
    }
    with pytest.raises(ValueError, match="PYSEC-2 has no reason"):
        audit.read_ignore_file("PYSEC-2\n")
    audit.read_ignore_file(audit.IGNORE_FILE.read_text(encoding="utf-8"))


def test_an_audit_that_checked_no_package_is_not_a_pass(monkeypatch, capsys):
    skipped = {
        "dependencies": [
            {"name": "flask", "skip_reason": "Dependency not found on PyPI"}
        ]
    }
    monkeypatch.setattr(audit, "run_pip_audit", lambda: (skipped, ""))
    assert audit.main([]) == audit.UNREACHABLE
    assert audit.main(["--allow-offline"]) == 0
    assert "could not reach its vulnerability service" in capsys.readouterr().out


def test_an_unexplained_vulnerability_fails_the_audit(monkeypatch, capsys):
    monkeypatch.setattr(audit, "run_pip_audit", lambda: (RESULT, ""))
    assert audit.main(["--allow-offline"]) == 1
    assert "neither fixed nor explained" in capsys.readouterr().out
