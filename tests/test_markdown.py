"""Markdown rendering: allowed formatting survives, scripts, handlers and unsafe links never do."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from markupsafe import Markup

from matchmaker.markdown import render_markdown


class _Elements(HTMLParser):
    """Collects every start tag with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def _elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.found


def _tags(html: str) -> set[str]:
    return {tag for tag, _ in _elements(html)}


@pytest.mark.parametrize("text", ["", "   \n\t"])
def test_render_markdown_returns_empty_markup_for_empty_input(text):
    result = render_markdown(text)

    assert isinstance(result, Markup) and result == ""


def test_render_markdown_keeps_allowed_formatting():
    text = "**bold** _it_ `x<y`\n\n- one\n- two\n\n1. first\n\n> quoted\n\n```\ncode\n```\n\nline  \nbreak"

    html = render_markdown(text)

    assert isinstance(html, Markup)
    assert _tags(html) == {
        "p",
        "strong",
        "em",
        "code",
        "ul",
        "ol",
        "li",
        "blockquote",
        "pre",
        "br",
    }
    assert "<code>x&lt;y</code>" in html


def test_render_markdown_demotes_headings_to_h3_and_h4():
    html = render_markdown("# Title\n\n## Sub\n\n#### Four\n\n###### Six")

    assert [tag for tag, _ in _elements(html)] == ["h3", "h3", "h4", "h4"]


def test_render_markdown_adds_rel_to_links():
    html = render_markdown(
        '[CTU](https://www.ctu.edu.vn "Đại học Cần Thơ") and [mail](mailto:a@ctu.edu.vn)'
    )

    links = [attrs for tag, attrs in _elements(html) if tag == "a"]
    assert links == [
        {
            "href": "https://www.ctu.edu.vn",
            "title": "Đại học Cần Thơ",
            "rel": "nofollow noopener",
        },
        {"href": "mailto:a@ctu.edu.vn", "rel": "nofollow noopener"},
    ]


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        "<b onmouseover=alert(1)>x</b>",
        "<iframe src=https://evil.example></iframe>",
        "<svg><script>alert(1)</script></svg>",
        "text <!-- comment --> <style>body{}</style>",
    ],
)
def test_render_markdown_never_emits_raw_html(text):
    html = render_markdown(text)

    assert _tags(html) == {"p"}
    assert all(attrs == {} for _, attrs in _elements(html))


@pytest.mark.parametrize(
    "text",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](vbscript:msgbox)",
        "[x](/relative/path)",
        "<javascript:alert(1)>",
        '[x](https://a.vn" onclick="alert(1))',
    ],
)
def test_render_markdown_drops_unsafe_link_targets(text):
    html = render_markdown(text)

    hrefs = [attrs.get("href") for tag, attrs in _elements(html) if tag == "a"]
    assert all(href is None for href in hrefs)
    assert all(set(attrs) <= {"href", "title", "rel"} for _, attrs in _elements(html))


def test_render_markdown_keeps_image_alt_text_only():
    html = render_markdown("![sơ đồ](https://x.vn/a.png) <img src=x>")

    assert "img" not in _tags(html)
    assert "sơ đồ" in html
