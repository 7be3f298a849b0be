"""The Vietnamese catalogue: complete, placeholder-safe, compilable, and used by the app by default."""

from __future__ import annotations

import re
import unicodedata
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parent.parent / "matchmaker" / "translations"
POT = TRANSLATIONS / "messages.pot"
VI_PO = TRANSLATIONS / "vi" / "LC_MESSAGES" / "messages.po"
VI_MO = TRANSLATIONS / "vi" / "LC_MESSAGES" / "messages.mo"

# A named printf placeholder as Python's % operator reads it: %(name)s, %(n)d, %(x)05.2f ...
PLACEHOLDER = re.compile(r"%\((\w+)\)[#0 +\-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def _forms(value) -> tuple[str, ...]:
    """A message id or string as a tuple of its forms (one, or several for plurals)."""
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,)


def _placeholders(text: str) -> set[str]:
    """The placeholders of ``text``, each with its conversion, e.g. ``{"%(email)s", "%(n)d"}``."""
    return {match.group(0) for match in PLACEHOLDER.finditer(text)}


@pytest.fixture(scope="module")
def template() -> Catalog:
    return _read(POT)


@pytest.fixture(scope="module")
def vi() -> Catalog:
    return _read(VI_PO, locale="vi")


def _messages(catalog: Catalog) -> list:
    return [message for message in catalog if message.id]


def test_catalogues_are_not_empty(template, vi):
    assert len(_messages(template)) > 0
    assert len(_messages(vi)) > 0


def test_vi_header(vi):
    assert str(vi.locale) == "vi"
    assert vi.num_plurals == 1
    assert vi.plural_expr.strip() == "0"
    assert vi.fuzzy is False


def test_every_template_message_is_translated_in_vi(template, vi):
    problems = []
    for message in _messages(template):
        translated = vi.get(message.id, message.context)
        if translated is None:
            problems.append(f"missing: {message.id!r}")
            continue
        if "fuzzy" in translated.flags:
            problems.append(f"fuzzy: {message.id!r}")
        forms = _forms(translated.string)
        if not forms or any(not form or not form.strip() for form in forms):
            problems.append(f"empty: {message.id!r}")
    assert not problems, "\n".join(problems)


def test_vi_has_no_message_outside_the_template(template, vi):
    extra = [m.id for m in _messages(vi) if template.get(m.id, m.context) is None]
    assert not extra, extra


def test_vi_placeholders_match_the_source(vi):
    problems = []
    for message in _messages(vi):
        expected = set().union(*(_placeholders(form) for form in _forms(message.id)))
        for form in _forms(message.string):
            found = _placeholders(form)
            if found != expected:
                problems.append(
                    f"{message.id!r}: expected {sorted(expected)}, got {sorted(found)}"
                )
    assert not problems, "\n".join(problems)


def test_vi_placeholders_are_usable_with_the_percent_operator(vi):
    """Substituting the source's own names must work: no stray or broken % in the translation."""
    for message in _messages(vi):
        names = set(PLACEHOLDER.findall(" ".join(_forms(message.id))))
        if not names:
            continue
        values = {name: 1 for name in names}
        for form in _forms(message.string):
            form % values  # raises on a malformed or unknown placeholder


def test_vi_strings_are_nfc(vi):
    not_nfc = [
        m.id
        for m in _messages(vi)
        for form in _forms(m.string)
        if unicodedata.normalize("NFC", form) != form
    ]
    assert not not_nfc, not_nfc


def test_vi_catalogue_passes_babel_checks(vi):
    errors = [
        (message.id, [str(error) for error in errs]) for message, errs in vi.check()
    ]
    assert not errors, errors


def test_vi_catalogue_compiles(vi):
    buffer = BytesIO()
    write_mo(buffer, vi)
    buffer.seek(0)
    compiled = read_mo(buffer)
    assert compiled.get("Sign in").string == "Đăng nhập"
    assert len(_messages(compiled)) == len(_messages(vi))


def test_compiled_vi_catalogue_is_up_to_date(vi):
    """The app reads the .mo file: it must exist and say what the .po says (`make translations`)."""
    assert VI_MO.exists(), "run: pybabel compile -d matchmaker/translations"
    with VI_MO.open("rb") as f:
        compiled = read_mo(f)
    stale = [
        m.id
        for m in _messages(vi)
        if (c := compiled.get(m.id, m.context)) is None
        or _forms(c.string) != _forms(m.string)
    ]
    assert not stale, f"stale .mo, recompile: {stale[:5]}"


def _html_lang(html: str) -> str | None:
    match = re.search(r"<html[^>]*\blang=\"([^\"]*)\"", html)
    return match.group(1) if match else None


def test_home_page_is_vietnamese_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _html_lang(html) == "vi"
    assert "Đăng nhập" in html
    assert "Đăng ký" in html
    assert ">Sign in<" not in html


def test_switching_to_english_and_back(client):
    response = client.get("/lang/en")
    assert response.status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert _html_lang(html) == "en"
    assert "Sign in" in html
    assert "Đăng nhập" not in html

    client.get("/lang/vi")
    html = client.get("/").get_data(as_text=True)
    assert _html_lang(html) == "vi"
    assert "Đăng nhập" in html


def test_unknown_language_code_keeps_the_current_language(client):
    response = client.get("/lang/xx")
    assert response.status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert _html_lang(html) == "vi"
    assert "Đăng nhập" in html

    client.get("/lang/en")
    client.get("/lang/xx")
    html = client.get("/").get_data(as_text=True)
    assert _html_lang(html) == "en"
    assert "Sign in" in html
    assert "Đăng nhập" not in html
