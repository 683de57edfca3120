"""Charts as inline SVG, drawn on the server: no JavaScript, no CDN, no chart library, so
the report renders offline and prints. Text uses the CJK font stack (Noto Sans CJK SC first);
only presentation attributes are used (no style attributes), so the dashboard's
`Content-Security-Policy: default-src 'self'` allows them."""

from __future__ import annotations

import html
from collections.abc import Sequence

from monitor.masking import mask_and_cut

FONT = "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', sans-serif"
BLUE, RED, GREY, INK = "#2f6db5", "#c0392b", "#d0d4da", "#222"


def _text(
    x: float,
    y: float,
    text: str,
    size: int = 12,
    anchor: str = "start",
    fill: str = INK,
    weight: str = "normal",
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-family="{FONT}" font-size="{size}" '
        f'text-anchor="{anchor}" fill="{fill}" font-weight="{weight}">{html.escape(text)}</text>'
    )


def _svg_open(width: int, height: int, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="{html.escape(title)}">'
    )


def punctuality_bars(
    title: str, rows: Sequence[tuple[str, float | None, int]], width: int = 720
) -> str:
    """Horizontal bars: (label, rate 0..1 or None, count due) per department."""
    bar_h, gap, left, top = 22, 8, 150, 40
    height = top + len(rows) * (bar_h + gap) + 30
    plot = width - left - 80
    parts = [
        _svg_open(width, height, title),
        _text(width / 2, 22, title, 15, "middle", weight="bold"),
    ]
    for pct in (0, 50, 100):
        x = left + plot * pct / 100
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 24}" stroke="{GREY}"/>'
        )
        parts.append(_text(x, height - 8, f"{pct}%", 11, "middle"))
    for i, (label, rate, due) in enumerate(rows):
        y = top + i * (bar_h + gap)
        parts.append(_text(left - 8, y + bar_h * 0.72, mask_and_cut(label, 10), 12, "end"))
        if rate is None:
            parts.append(_text(left + 4, y + bar_h * 0.72, "无到期事项", 11, fill="#777"))
            continue
        w = max(1.0, plot * rate)
        color = BLUE if rate >= 0.9 else RED
        parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{color}"/>')
        parts.append(_text(left + w + 6, y + bar_h * 0.72, f"{rate * 100:.1f}%（{due}件）", 11))
    parts.append("</svg>")
    return "\n".join(parts)


def trend_lines(
    title: str,
    months: Sequence[str],
    received: Sequence[int],
    rates: Sequence[float | None],
    width: int = 720,
    height: int = 300,
) -> str:
    """Monthly trend: received (bars, left axis) and punctuality (line, right axis 0–100%)."""
    left, right, top, bottom = 50, 60, 44, 50
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(1, len(months))
    step = plot_w / n
    peak = max([1, *received])
    parts = [
        _svg_open(width, height, title),
        _text(width / 2, 22, title, 15, "middle", weight="bold"),
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="{INK}"/>',
        _text(left - 6, top - 8, "收件数", 11, "end"),
        _text(left + plot_w + 6, top - 8, "按时率", 11, "start", fill=RED),
    ]
    for frac in (0, 0.5, 1):
        y = top + plot_h * (1 - frac)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{GREY}"/>'
        )
        parts.append(_text(left - 6, y + 4, f"{round(peak * frac)}", 11, "end"))
        parts.append(_text(left + plot_w + 6, y + 4, f"{int(frac * 100)}%", 11, "start", fill=RED))
    points = []
    for i, month in enumerate(months):
        x = left + step * i + step / 2
        h = plot_h * received[i] / peak
        parts.append(
            f'<rect x="{x - step * 0.3:.1f}" y="{top + plot_h - h:.1f}" width="{step * 0.6:.1f}" '
            f'height="{h:.1f}" fill="{BLUE}" fill-opacity="0.55"/>'
        )
        parts.append(_text(x, top + plot_h + 18, f"{int(month[5:])}月", 11, "middle"))
        if rates[i] is not None:
            points.append((x, top + plot_h * (1 - rates[i])))  # type: ignore[operator]
    if len(points) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{RED}" stroke-width="2"/>')
    for x, y in points:
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{RED}"/>')
    parts.append(
        f'<rect x="{left}" y="{height - 20}" width="12" height="10" fill="{BLUE}" fill-opacity="0.55"/>'
    )
    parts.append(_text(left + 16, height - 11, "收件数", 11))
    parts.append(
        f'<line x1="{left + 80}" y1="{height - 15}" x2="{left + 100}" y2="{height - 15}" '
        f'stroke="{RED}" stroke-width="2"/>'
    )
    parts.append(_text(left + 104, height - 11, "按时率", 11))
    parts.append("</svg>")
    return "\n".join(parts)
