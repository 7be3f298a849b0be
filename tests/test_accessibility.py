"""Basic accessibility of the pages: labelled controls, one main heading, a skip link, the page language."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from matchmaker.models import Role


class _PageAudit(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict] = []
        self.label_targets: set[str] = set()
        self.h1 = 0
        self.skip_link = False
        self.lang = None
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"])
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "label" and a.get("for"):
            self.label_targets.add(a["for"])
        elif tag in {"input", "select", "textarea"} and a.get("type") not in {
            "hidden",
            "submit",
        }:
            self.controls.append(a)
        elif tag == "h1":
            self.h1 += 1
        elif tag == "a" and a.get("href") == "#main":
            self.skip_link = True


def _audit(html: str) -> _PageAudit:
    audit = _PageAudit()
    audit.feed(html)
    return audit


PAGES = [
    (None, "/"),
    (None, "/auth/login"),
    (None, "/auth/register"),
    (None, "/auth/forgot"),
    (None, "/auth/verify"),
    (None, "/nowhere"),
    (None, "/researchers/"),
    (None, "/institutions/"),
    (None, "/enterprises/"),
    (None, "/enterprises/needs"),
    (Role.RESEARCHER, "/researchers/me"),
    (Role.RESEARCHER, "/researchers/me/publications"),
    (Role.RESEARCHER, "/researchers/me/publications/import"),
    (Role.RESEARCHER, "/researchers/me/ip"),
    (Role.ENTERPRISE, "/enterprises/new"),
    (Role.ENTERPRISE, "/notifications/"),
    (Role.ADMIN, "/admin/users"),
    (Role.ADMIN, "/admin/users/new"),
    (Role.ADMIN, "/admin/outbox"),
]


@pytest.mark.parametrize(("role", "path"), PAGES)
def test_page_is_accessible(client, auth, role, path):
    if role is not None:
        auth.login_as(role)
    audit = _audit(client.get(path).get_data(as_text=True))
    unlabelled = [
        c
        for c in audit.controls
        if c.get("id") not in audit.label_targets and not c.get("aria-label")
    ]
    assert unlabelled == []
    assert audit.h1 == 1 and audit.skip_link and audit.lang == "vi"
    assert sorted({i for i in audit.ids if audit.ids.count(i) > 1}) == []
    # No browser check: its bubble would speak the browser's language, not the page's.
    assert [c for c in audit.controls if "required" in c] == []


def test_required_fields_are_announced_without_the_browsers_own_check(client):
    audit = _audit(client.get("/auth/register").get_data(as_text=True))
    email = next(c for c in audit.controls if c.get("id") == "email")
    assert email.get("aria-required") == "true" and "required" not in email
    radios = [c for c in audit.controls if c.get("type") == "radio"]
    assert radios and all("aria-required" not in c for c in radios)


def test_form_errors_are_announced_with_the_field(client):
    page = client.post("/auth/register", data={"email": "x"}).get_data(as_text=True)
    assert 'aria-describedby="email-errors"' in page and 'id="email-errors"' in page
