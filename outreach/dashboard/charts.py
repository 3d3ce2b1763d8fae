"""Small SVG charts drawn on the server: no chart library, no script, nothing from a CDN.

Every label goes through html.escape; numbers are formatted here.
"""

from __future__ import annotations

from html import escape

WIDTH, HEIGHT, PAD = 640, 220, 36


def _empty(title: str) -> str:
    return f'<figure class="chart"><figcaption>{escape(title)}</figcaption><p class="muted">暂无数据</p></figure>'


def line_chart(title: str, points: list[tuple[str, float | None]], unit: str = "%", top: float | None = None) -> str:
    """A line over days; None values leave a gap."""
    values = [v for _, v in points if v is not None]
    if not values:
        return _empty(title)
    high = top if top is not None else max(values) or 1.0
    step = (WIDTH - 2 * PAD) / max(len(points) - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return PAD + i * step, HEIGHT - PAD - (HEIGHT - 2 * PAD) * (v / high if high else 0)

    parts, path = [], []
    for i, (label, v) in enumerate(points):
        if v is None:
            if path:
                parts.append(f'<polyline points="{" ".join(path)}" class="line"/>')
            path = []
            continue
        x, y = xy(i, v)
        path.append(f"{x:.1f},{y:.1f}")
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" class="dot"><title>{escape(label)}: {v:g}{unit}'
                     f'</title></circle>')
    if path:
        parts.append(f'<polyline points="{" ".join(path)}" class="line"/>')
    axis = (f'<text x="4" y="{PAD}" class="axis">{high:g}{escape(unit)}</text>'
            f'<text x="{PAD}" y="{HEIGHT - 8}" class="axis">{escape(points[0][0])}</text>'
            f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" class="axis end">{escape(points[-1][0])}</text>'
            f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" class="base"/>')
    return (f'<figure class="chart"><figcaption>{escape(title)}</figcaption>'
            f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}">{axis}{"".join(parts)}'
            f"</svg></figure>")


def bar_chart(title: str, bars: list[tuple[str, float | None]], unit: str = "") -> str:
    """Horizontal bars, one per group."""
    values = [v for _, v in bars if v is not None]
    if not values:
        return _empty(title)
    high = max(values) or 1.0
    row, label_w = 24, 170
    height = row * len(bars) + 10
    parts = []
    for i, (label, v) in enumerate(bars):
        y = 5 + i * row
        width = 0 if v is None else (WIDTH - label_w - 70) * v / high
        shown = "—" if v is None else f"{v:g}{unit}"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" class="axis end">{escape(label[:14])}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{width:.1f}" height="{row - 8}" class="bar">'
            f"<title>{escape(label)}: {escape(shown)}</title></rect>"
            f'<text x="{label_w + width + 6:.1f}" y="{y + 15}" class="axis">{escape(shown)}</text>')
    return (f'<figure class="chart"><figcaption>{escape(title)}</figcaption>'
            f'<svg viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}">{"".join(parts)}</svg>'
            f"</figure>")
