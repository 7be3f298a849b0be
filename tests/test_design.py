"""The design system: every state has a meaning, badges go through the macro, colours are readable, assets local."""

from __future__ import annotations

import enum
import importlib
import re
from pathlib import Path

import pytest

from matchmaker import design
from matchmaker.design import STATE_ENUMS, STATUS_MEANINGS, Meaning, status_meaning

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
APP_CSS = (ROOT / "matchmaker" / "static" / "app.css").read_text(encoding="utf-8")
# The lifecycle labels the views pass to templates: a badge showing one of them shows a state.
STATE_LABEL_NAMES = ("state_labels[", "status_labels[", "statuses[", "interest_labels[")
STATUS_COLOURS = re.compile(
    r"text-bg-(?:primary|secondary|success|danger|warning|info|dark|\{\{)"
)


@pytest.mark.parametrize(
    "state",
    [s for states in STATE_ENUMS for s in states],
    ids=lambda s: f"{type(s).__name__}.{s.name}",
)
def test_every_state_of_every_lifecycle_has_a_meaning(state):
    assert isinstance(status_meaning(state), Meaning)


def test_every_status_enum_of_the_models_is_a_shown_lifecycle():
    # A new lifecycle (an enum named ...Status or ...State) must be given meanings before it is shown.
    found = set()
    for module_name in ("matchmaker.models", "matchmaker.lifecycle"):
        module = importlib.import_module(module_name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, enum.Enum)
                and value.__name__.endswith(("Status", "State"))
            ):
                found.add(value)
    assert found and found <= set(STATE_ENUMS)


def test_the_meanings_table_holds_only_shown_lifecycles():
    assert {type(state) for state in STATUS_MEANINGS} == set(STATE_ENUMS)


def test_a_meaning_stands_for_itself():
    assert status_meaning(Meaning.LATE) is Meaning.LATE


def _badge_tags(text: str) -> list[str]:
    """Each ``<span class="badge ...">…</span>`` of a template, opening tag and content."""
    return re.findall(r"<span[^>]*\bbadge\b[^>]*>.*?</span>", text, flags=re.S)


def test_no_template_colours_a_badge_itself():
    # Status colours come from the status_badge macro; other badges are neutral tags or counts.
    offenders = [
        f"{path.relative_to(TEMPLATES)}: {tag[:90]}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        if path.name != "ui.html" and path.parent.name != "mail"
        for tag in _badge_tags(path.read_text(encoding="utf-8"))
        if STATUS_COLOURS.search(tag) or any(name in tag for name in STATE_LABEL_NAMES)
    ]
    # A match level is a score, not a state: its colour comes from services.matching.levels.
    assert [o for o in offenders if not o.startswith("matching/_levels.html")] == []


def test_the_macro_colours_each_meaning_by_its_css_class():
    for meaning in Meaning:
        assert f".status-{meaning.value} {{" in APP_CSS, meaning
        assert meaning.icon


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [
        c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels
    ]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _token(name: str) -> str:
    match = re.search(rf"--mm-{name}:\s*(#[0-9a-fA-F]{{6}})", APP_CSS)
    assert match, name
    return match.group(1)


@pytest.mark.parametrize("meaning", list(Meaning), ids=lambda m: m.value)
def test_status_text_is_readable_on_its_background(meaning):
    fg, bg = _token(f"{meaning.value}-fg"), _token(f"{meaning.value}-bg")
    assert _contrast(fg, bg) >= 4.5


def test_body_text_and_links_are_readable():
    assert _contrast(_token("ink"), _token("surface")) >= 4.5
    assert _contrast(_token("muted"), _token("surface")) >= 4.5
    assert _contrast(_token("muted"), _token("canvas")) >= 4.5
    assert _contrast(_token("teal-700"), _token("surface")) >= 4.5
    # Navigation text is white on the header.
    assert _contrast("#ffffff", _token("teal-800")) >= 4.5


def test_order_list_shows_each_state_with_its_meaning(client, make_order):
    make_order("Dự báo mặn", state="published")
    make_order("Sấy lúa", state="in_progress")
    page = client.get("/orders/").get_data(as_text=True)
    assert 'data-meaning="open" data-state="published"' in page
    assert 'data-meaning="in-progress" data-state="in_progress"' in page
    assert "text-bg-secondary" not in page


def test_tab_and_header_name_the_platform_alike(client):
    page = client.get("/researchers/").get_data(as_text=True)
    title = re.search(r"<title>(.*?)</title>", page, flags=re.S).group(1)
    assert title.strip().endswith(f"· {design.PLATFORM_NAME}")
    brand = re.search(r'class="navbar-brand[^"]*"[^>]*>(.*?)</a>', page, flags=re.S)
    assert design.PLATFORM_NAME in brand.group(1) and "mark.svg" in brand.group(1)


def test_every_asset_is_served_from_the_app(client):
    page = client.get("/").get_data(as_text=True)
    assets = re.findall(r'<(?:link|script)[^>]+(?:href|src)="([^"]+)"', page)
    assert assets and all(url.startswith("/") for url in assets), assets
    for url in assets:
        assert _status(client, url) == 200, url
    fonts = (ROOT / "matchmaker/static/vendor/be-vietnam-pro/fonts.css").read_text()
    files = re.findall(r"url\((files/[^)]+)\)", fonts)
    assert any("vietnamese" in f for f in files)
    for font in files:
        assert _status(client, f"/static/vendor/be-vietnam-pro/{font}") == 200, font


def _status(client, url: str) -> int:
    response = client.get(url)
    response.close()  # static files are streamed: close them as a browser would
    return response.status_code
