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
    monkeypatch.setattr(audit, "project_page", lambda _name: None)  # nor PyPI's pages
    assert audit.main([]) == audit.UNREACHABLE
    assert audit.main(["--allow-offline"]) == 0
    assert "could not reach its vulnerability service" in capsys.readouterr().out


def test_an_unexplained_vulnerability_fails_the_audit(monkeypatch, capsys):
    monkeypatch.setattr(audit, "run_pip_audit", lambda: (RESULT, ""))
    assert audit.main(["--allow-offline"]) == 1
    assert "neither fixed nor explained" in capsys.readouterr().out


def _page(latest: str, *vulns: dict) -> dict:
    return {"info": {"version": latest}, "vulnerabilities": list(vulns)}


def test_project_pages_check_the_packages_at_their_latest_release_only():
    """Where only PyPI's project pages answer, a page's vulnerabilities are its latest release's: they
    count for a package installed at that release; an older one is named as not checked."""
    found = {
        "id": "GHSA-xxxx-yyyy-zzzz",
        "aliases": ["CVE-2099-1"],
        "fixed_in": [],
        "withdrawn": None,
    }
    gone = {
        "id": "PYSEC-2099-2",
        "aliases": [],
        "fixed_in": [],
        "withdrawn": "2099-01-01",
    }
    result, unchecked = audit.from_project_pages(
        {"flask": "3.1.3", "jinja2": "3.1.6", "rq": "2.12.0", "gone": "1.0"},
        {
            "flask": _page("3.1.3", gone),
            "jinja2": _page("3.1.6", found),
            "rq": _page("3.0.0", found),
            "gone": None,
        },
    )
    assert unchecked == ["rq 2.12.0 (latest 3.0.0)"]
    _, held = audit.from_project_pages(
        {"numpy": "2.4.6"},
        {"numpy": {"info": {"version": "2.5.5", "requires_python": ">=3.99"}}},
    )
    assert held == ["numpy 2.4.6 (latest 2.5.5, which needs Python >=3.99)"]
    report = audit.classify(result, {})
    assert report.audited == 2 and report.skipped == 1
    assert report.unexplained == [
        "jinja2 3.1.6: GHSA-xxxx-yyyy-zzzz / CVE-2099-1 (fixed in: no fixed version yet)"
    ]
    assert audit.classify(result, {"CVE-2099-1": "not used"}).unexplained == []


def test_without_pip_audit_s_service_the_project_pages_decide(monkeypatch, capsys):
    skipped = {
        "dependencies": [
            {"name": "flask", "skip_reason": "Dependency not found on PyPI"}
        ]
    }
    monkeypatch.setattr(audit, "run_pip_audit", lambda: (skipped, ""))
    monkeypatch.setattr(audit, "installed", lambda: {"flask": "3.1.3", "rq": "2.12.0"})
    pages = {"flask": _page("3.1.3"), "rq": _page("3.0.0")}
    monkeypatch.setattr(audit, "project_page", pages.get)
    assert audit.main([]) == audit.UNREACHABLE  # rq could not be checked
    assert "rq 2.12.0 (latest 3.0.0)" in capsys.readouterr().out
    assert audit.main(["--allow-offline"]) == 0
    pages["rq"] = _page(
        "2.12.0", {"id": "PYSEC-2099-3", "aliases": [], "fixed_in": ["2.12.1"]}
    )
    assert (
        audit.main(["--allow-offline"]) == 1
    )  # a known vulnerability fails, offline or not
