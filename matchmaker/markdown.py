"""Safe Markdown for user text: CommonMark without raw HTML, then an allow-list HTML sanitiser."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "strong",
        "em",
        "ul",
        "ol",
        "li",
        "a",
        "code",
        "pre",
        "blockquote",
        "h3",
        "h4",
    }
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener"
# Page titles use h1/h2, so user headings start at h3; h5/h6 are folded into h4.
_HEADING_TAGS = {"h1": "h3", "h2": "h3", "h3": "h3", "h4": "h4", "h5": "h4", "h6": "h4"}


def _parser() -> MarkdownIt:
    return MarkdownIt(
        "commonmark", {"html": False, "linkify": False, "typographer": False}
    )


def render_markdown(text: str) -> Markup:
    """Render ``text`` as sanitised HTML; scripts, event handlers and unsafe links never survive."""
    if not text or not text.strip():
        return Markup("")
    md = _parser()
    tokens = md.parse(text)
    for token in tokens:
        if token.type in {"heading_open", "heading_close"}:
            token.tag = _HEADING_TAGS[token.tag]
        for child in token.children or ():
            if child.type == "image":  # images are not allowed; keep their alt text
                child.type, child.children = "text", None
    html = md.renderer.render(tokens, md.options, {})
    cleaned = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        url_relative="deny",
        strip_comments=True,
    )
    return Markup(
        cleaned
    )  # safe: nh3 kept only the allow-listed tags, attributes and schemes
