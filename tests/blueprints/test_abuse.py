"""Abuse of every route: forged requests (no or a wrong CSRF token), a deactivated account's old session,
stored and reflected XSS in every text field, hostile uploads and duplicate submissions at once.

The routes, fields and files come from ``app.url_map`` and the form classes (route_walk.py), so a new route
or field is covered without touching this file. ``make abuse`` runs it deeper (MATCHMAKER_ABUSE=deep).
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest
import sqlalchemy as sa
from route_walk import (
    DEEP,
    PDF,
    database_values_matching,
    executable_markup,
    form_fields,
    good_value,
    page_choices,
    query_names,
    route_fields,
    routes,
    sign_in,
)
from wtforms import FileField, MultipleFileField, StringField, TextAreaField

from matchmaker.extensions import db
from matchmaker.models import Attachment, ImportBatch, NeedInterest, Proposal, Role

pytestmark = pytest.mark.abuse

# No token, a forged one, and (deep) an empty one.
TOKENS = ({}, {"csrf_token": "forged"}) + (({"csrf_token": ""},) if DEEP else ())
IDENTITIES = ["visitor", "admin", "official", "pi", "representative", "deactivated"]
XSS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
)
# The smoke run's one sweep: markup in every text field, a javascript: URL in every link field.
MARKUP = '"><img src=x onerror=alert(1)><script>alert(1)</script>'
LINK = re.compile(r"link|url|website|homepage|doi|orcid", re.IGNORECASE)
XSS_DEEP = (
    "'><svg onload=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "</textarea><script>alert(1)</script>",
    "{{7*7}}<iframe src=javascript:alert(1)>",
)


def row_counts() -> dict[str, int]:
    with db.engine.connect() as conn:
        return {
            table.name: conn.scalar(sa.select(sa.func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }


def sign_in_as(client, world, identity: str) -> None:
    """Sign in; ``deactivated``: an administrator whose account is switched off while signed in."""
    if identity == "deactivated":
        user = world.deactivated
        user.active = True
        db.session.commit()
        sign_in(client, user)
        user.active = False
        db.session.commit()
    else:
        sign_in(client, getattr(world, identity, None))


# --- forged requests ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "identity", IDENTITIES if DEEP else ["visitor", "pi", "deactivated"]
)
def test_every_post_route_refuses_a_missing_or_wrong_csrf_token(
    app, client, hostile_world, identity
):
    sign_in_as(client, hostile_world, identity)
    forms = form_fields(app, hostile_world.ids["milestone_id"])
    posts = [
        (url, endpoint)
        for url, endpoint in routes(app, hostile_world, "POST")
        if not endpoint.startswith("api.")
    ]
    # The token is checked before any view runs: plausible values suffice, no page needs reading.
    choices: dict[str, str] = {}
    before = row_counts()
    app.config["WTF_CSRF_ENABLED"] = True
    failures = []
    try:
        for url, endpoint in posts:
            good = {
                name: value
                for name, field in route_fields(app, endpoint, forms).items()
                if (value := good_value(field, choices) if field else "1") is not None
            }
            for token in TOKENS:
                response = client.post(url, data=good | token)
                page = response.get_data(as_text=True)
                if response.status_code != 400 or "Biểu mẫu đã hết hạn" not in page:
                    failures.append(f"{response.status_code} POST {url} {token}")
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert len(posts) > 40
    assert failures == []
    assert row_counts() == before


# --- cross-site scripting ------------------------------------------------------------------------------------


def test_the_markup_check_finds_planted_payloads():
    for payload in XSS + XSS_DEEP:
        if payload.startswith("javascript:"):
            payload = f'<a href="{payload}">x</a>'
        assert executable_markup(f"<p>{payload}</p>"), payload
    assert executable_markup("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>") == []


def _text_fields(fields: dict[str, object]) -> list[str]:
    return [
        name
        for name, field in fields.items()
        if isinstance(field, StringField | TextAreaField)
        and field.type in ("StringField", "TextAreaField", "URLField", "SearchField")
    ]


@pytest.mark.parametrize(
    "identity", ["official", "pi", "representative"] + (["admin"] if DEEP else [])
)
def test_stored_xss_in_every_text_field_is_shown_escaped(
    app, client, hostile_world, identity
):
    sign_in_as(client, hostile_world, identity)
    forms = form_fields(app, hostile_world.ids["milestone_id"])
    gets = [url for url, _ in routes(app, hostile_world, "GET")]
    choices = page_choices(client, gets)
    saved, failures = 0, []
    for payload in (MARKUP,) + (XSS + XSS_DEEP if DEEP else ()):
        for url, endpoint in routes(app, hostile_world, "POST"):
            fields = route_fields(app, endpoint, forms)
            data = {
                name: value
                for name, field in fields.items()
                if (value := good_value(field, choices) if field else "1") is not None
            }
            for name in _text_fields(fields):
                link = payload == MARKUP and LINK.search(name)
                data[name] = XSS[2] if link else payload
            response = client.post(url, data=data)
            saved += response.status_code == 302
            if response.status_code >= 500:
                failures.append(f"{response.status_code} POST {url}")
            elif response.mimetype == "text/html":
                failures += [
                    f"POST {url}: {found}"
                    for found in executable_markup(response.get_data(as_text=True))
                ]
    assert saved >= 3
    # The payloads were kept as typed (escaping is the pages' job, not the database's).
    assert len(database_values_matching(re.compile(r"alert\(1\)"))) >= 2
    for url in gets:
        response = client.get(url)
        if response.status_code >= 500:
            failures.append(f"{response.status_code} GET {url}")
        elif response.mimetype == "text/html":
            failures += [
                f"GET {url}: {found}"
                for found in executable_markup(response.get_data(as_text=True))
            ]
    assert failures == []


@pytest.mark.parametrize("identity", ["visitor"] + (["admin", "pi"] if DEEP else []))
def test_reflected_xss_in_every_query_parameter_is_escaped(
    app, client, hostile_world, identity
):
    sign_in_as(client, hostile_world, identity)
    names = query_names()
    failures = []
    for payload in (MARKUP, XSS[2]) + (XSS + XSS_DEEP if DEEP else ()):
        for url, _endpoint in routes(app, hostile_world, "GET"):
            response = client.get(url, query_string={name: payload for name in names})
            if response.status_code >= 500:
                failures.append(f"{response.status_code} GET {url}")
            elif response.mimetype == "text/html":
                failures += [
                    f"GET {url}: {found}"
                    for found in executable_markup(response.get_data(as_text=True))
                ]
    assert failures == []


# --- uploads -------------------------------------------------------------------------------------------------


def _zip_bomb() -> bytes:
    """An .xlsx-looking zip whose sheet inflates from ~100 KB to ~100 MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (100 * 1024 * 1024))
    return buffer.getvalue()


HOSTILE_FILES = {
    "exe": lambda: (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, "bao-cao.pdf"),
    "zip-bomb": lambda: (_zip_bomb(), "ke-hoach.xlsx"),
    "bad-utf8": lambda: (b"title,year\n\xff\xfe\xc3(,2024\n", "danh-sach.csv"),
    "rtl-name": lambda: (PDF, "bao-cao\u202efdp.exe"),
}


def _upload_routes(app, world, forms) -> list[tuple[str, dict]]:
    found = []
    for url, endpoint in routes(app, world, "POST"):
        fields = route_fields(app, endpoint, forms)
        files = [
            name
            for name, field in fields.items()
            if isinstance(field, FileField | MultipleFileField)
        ]
        if files and endpoint != "auth.logout" and len(fields) < 60:
            found.append((url, fields))
    return found


def _stored_files(app) -> list[str]:
    from pathlib import Path

    root = Path(app.config["MATCHMAKER_DATA_DIR"])
    return sorted(str(p) for p in root.rglob("*.pdf"))


@pytest.mark.parametrize(
    ("identity", "kind"),
    [
        (identity, kind)
        for identity in ("admin", "pi")
        for kind in sorted(HOSTILE_FILES)
        # The smoke run: the importers' files as an administrator, the PDFs as a researcher.
        if DEEP or (identity == "admin") == (kind in ("bad-utf8", "zip-bomb"))
    ],
)
def test_hostile_uploads_are_refused_and_nothing_is_written(
    app, client, hostile_world, identity, kind
):
    sign_in_as(client, hostile_world, identity)
    forms = form_fields(app, hostile_world.ids["milestone_id"])
    # The token is checked before any view runs: plausible values suffice, no page needs reading.
    choices: dict[str, str] = {}
    uploads = _upload_routes(app, hostile_world, forms)
    content, filename = HOSTILE_FILES[kind]()
    failures = []
    before = (
        db.session.scalar(sa.select(sa.func.count(Attachment.id))),
        db.session.scalar(sa.select(sa.func.count(ImportBatch.id))),
        _stored_files(app),
    )
    for url, fields in uploads:
        data = {}
        for name, field in fields.items():
            value = good_value(field, choices) if field else "1"
            data[name] = (io.BytesIO(content), filename) if value is None else value
        response = client.post(url, data=data, content_type="multipart/form-data")
        if response.status_code >= 500:
            failures.append(f"{response.status_code} POST {url}")
    db.session.expire_all()
    after = (
        db.session.scalar(sa.select(sa.func.count(Attachment.id))),
        db.session.scalar(sa.select(sa.func.count(ImportBatch.id))),
        _stored_files(app),
    )
    assert len(uploads) >= 5
    assert failures == []
    if kind == "rtl-name":
        # A real PDF: it may be kept, under a name without the override.
        names = db.session.scalars(sa.select(Attachment.filename)).all()
        assert not any("\u202e" in name for name in names)
    else:
        assert after == before


@pytest.mark.parametrize("identity", ["admin"] + (["pi"] if DEEP else []))
def test_a_request_over_the_size_limit_is_413_in_vietnamese(
    app, client, hostile_world, identity
):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    sign_in_as(client, hostile_world, identity)
    forms = form_fields(app, hostile_world.ids["milestone_id"])
    before, too_large = row_counts(), 0
    for url, fields in _upload_routes(app, hostile_world, forms):
        name = next(
            n for n, f in fields.items() if isinstance(f, FileField | MultipleFileField)
        )
        response = client.post(
            url,
            data={name: (io.BytesIO(PDF + b"0" * 70 * 1024), "lon.pdf")},
            content_type="multipart/form-data",
        )
        # A route this person may not use (or not now) refuses or redirects before reading the body.
        assert response.status_code in (413, 403, 404, 302), url
        if response.status_code == 413:
            too_large += 1
            page = response.get_data(as_text=True)
            assert 'lang="vi"' in page and "Tệp quá lớn" in page, url
    assert too_large >= 3
    assert row_counts() == before


# --- the same form sent several times at once ----------------------------------------------------------------


@pytest.mark.parallel
def test_parallel_expressions_of_interest_make_one(
    app, hostile_world, clients_of, in_parallel
):
    need_id = hostile_world.ids["need_id"]
    researcher = hostile_world.member
    clients = clients_of(researcher, 5)
    url = f"/enterprises/needs/{need_id}/interest"
    responses = in_parallel(
        [lambda c=c: c.post(url, data={"message": "Tôi quan tâm"}) for c in clients]
    )
    assert all(r.status_code < 500 for r in responses), [
        r.status_code for r in responses
    ]
    count = db.session.scalar(
        sa.select(sa.func.count(NeedInterest.id)).where(
            NeedInterest.need_id == need_id, NeedInterest.user_id == researcher.id
        )
    )
    assert count == 1


@pytest.mark.parallel
def test_parallel_proposals_of_one_researcher_make_one(
    app, make_user, institutions, make_published_order, clients_of, in_parallel
):
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    order = make_published_order(now - timedelta(days=1), now + timedelta(days=20))
    researcher = make_user(Role.RESEARCHER, institution=institutions["ctu"])
    clients = clients_of(researcher, 5)
    url = f"/orders/{order.id}/proposals/new"
    page = clients[0].get(url)
    assert page.status_code == 200
    data = {"approach": "Mô hình dự báo mặn", "budget": "500000000", "submit": "1"}
    responses = in_parallel([lambda c=c: c.post(url, data=data) for c in clients])
    assert all(r.status_code < 500 for r in responses), [
        r.status_code for r in responses
    ]
    count = db.session.scalar(
        sa.select(sa.func.count(Proposal.id)).where(
            Proposal.order_id == order.id, Proposal.pi_id == researcher.id
        )
    )
    assert count <= 1
