"""Small charts drawn on the server as inline SVG: horizontal bars (one or two series) and columns by month.

Each chart is an image with an accessible name summarising it; the page puts a table of its numbers next
to it, so nothing is known from the picture alone. Labels are escaped; colours come from CSS classes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

BAR_HEIGHT, GAP, LABEL_WIDTH, WIDTH = 14, 10, 210, 640


def _svg(width: int, height: int, summary: str, body: list[str]) -> Markup:
    return Markup(
        f'<svg class="mm-chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(summary)}" preserveAspectRatio="xMinYMin meet">'
        + "".join(body)
        + "</svg>"
    )


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def hbars(
    rows: Sequence[tuple[str, Sequence[float]]],
    summary: str,
    fmt: Callable[[float], str],
) -> Markup:
    """Horizontal bars: one group per row, one bar per series (``mm-series-0``, ``mm-series-1``)."""
    series = max((len(values) for _label, values in rows), default=1)
    peak = max((v or 0 for _label, values in rows for v in values), default=0) or 1
    group = series * BAR_HEIGHT + GAP
    body, room = [], WIDTH - LABEL_WIDTH - 120
    for i, (label, values) in enumerate(rows):
        top = i * group + GAP // 2
        body.append(
            f'<text class="mm-chart-label" x="{LABEL_WIDTH - 8}" y="{top + series * BAR_HEIGHT / 2 + 4:.0f}" '
            f'text-anchor="end">{escape(_short(str(label)))}</text>'
        )
        for j, value in enumerate(values):
            width = max(1.0, room * (value or 0) / peak) if value else 0
            y = top + j * BAR_HEIGHT
            body.append(
                f'<rect class="mm-series-{j}" x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" '
                f'height="{BAR_HEIGHT - 2}" rx="2"></rect>'
                f'<text class="mm-chart-value" x="{LABEL_WIDTH + width + 6:.1f}" y="{y + BAR_HEIGHT - 4}">'
                f"{escape(fmt(value or 0))}</text>"
            )
    return _svg(WIDTH, max(group * len(rows) + GAP, 30), summary, body)


def columns(
    rows: Sequence[tuple[str, float]], summary: str, fmt: Callable[[float], str]
) -> Markup:
    """Vertical columns, one per row (months), the value written above each non-zero column."""
    height, base, step = 220, 190, (WIDTH - 20) / max(len(rows), 1)
    peak = max((v or 0 for _label, v in rows), default=0) or 1
    body = [
        f'<line class="mm-chart-axis" x1="10" y1="{base}" x2="{WIDTH - 10}" y2="{base}"></line>'
    ]
    for i, (label, value) in enumerate(rows):
        x = 10 + i * step
        h = 150 * (value or 0) / peak
        body.append(
            f'<rect class="mm-series-1" x="{x + step * 0.15:.1f}" y="{base - h:.1f}" '
            f'width="{step * 0.7:.1f}" height="{h:.1f}" rx="2"></rect>'
            f'<text class="mm-chart-label" x="{x + step / 2:.1f}" y="{base + 18}" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
        if value:
            body.append(
                f'<text class="mm-chart-value" x="{x + step / 2:.1f}" y="{base - h - 6:.1f}" '
                f'text-anchor="middle">{escape(fmt(value))}</text>'
            )
    return _svg(WIDTH, height, summary, body)
