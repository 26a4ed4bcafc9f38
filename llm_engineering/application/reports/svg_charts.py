"""Inline SVG charts for reports: no plotting library, no script, nothing fetched; they render anywhere."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

PALETTE = ("#0969da", "#bf8700", "#1a7f37", "#8250df", "#cf222e", "#57606a")
FONT = 'font-family="system-ui,sans-serif" font-size="11"'


def histogram(values: Sequence[int], limit: int, bin_width: int = 16, title: str = "", color: str = PALETTE[0]) -> str:
    """Counts of `values` in bins of `bin_width`, with a dashed red line at `limit` (the model's token limit)."""
    width, height, left, bottom, top = 560, 210, 40, 28, 32
    top_value = max([limit, *values]) if values else limit
    # Bins are (lo, hi]: a chunk of exactly `limit` tokens sits left of the limit line, one over it right of it.
    bins = [0] * max(1, -(-top_value // bin_width))
    for value in values:
        bins[max(0, value - 1) // bin_width] += 1
    tallest = max(bins) or 1
    plot_w, plot_h = width - left - 10, height - bottom - top
    bar_w = plot_w / len(bins)
    parts = [_svg_open(width, height, title or "histogram")]
    if title:
        parts.append(f'<text x="{left}" y="14" {FONT} font-weight="600">{escape(title)}</text>')
    for index, count in enumerate(bins):
        if count:
            bar_h = plot_h * count / tallest
            x, y = left + index * bar_w, top + plot_h - bar_h
            label = f"{index * bin_width + 1}-{(index + 1) * bin_width} tokens: {count} chunk(s)"
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(bar_w - 1, 1):.1f}" height="{bar_h:.1f}" fill="{color}">'
                f"<title>{label}</title></rect>"
            )
    limit_x = left + plot_w * limit / (len(bins) * bin_width)
    parts += [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#57606a"/>',
        f'<line x1="{limit_x:.1f}" y1="{top - 4}" x2="{limit_x:.1f}" y2="{top + plot_h}" stroke="#cf222e" '
        'stroke-dasharray="4 3"/>',
        f'<text x="{limit_x:.1f}" y="{top - 8}" {FONT} fill="#cf222e" text-anchor="middle">limit {limit}</text>',
        f'<text x="{left - 4}" y="{top + 8}" {FONT} text-anchor="end">{tallest}</text>',
        f'<text x="{left - 4}" y="{top + plot_h}" {FONT} text-anchor="end">0</text>',
    ]
    for tick in range(0, len(bins) * bin_width + 1, 64):
        x = left + plot_w * tick / (len(bins) * bin_width)
        parts.append(f'<text x="{x:.1f}" y="{height - 12}" {FONT} text-anchor="middle">{tick}</text>')
    parts.append(
        f'<text x="{left + plot_w / 2:.0f}" y="{height - 1}" {FONT} text-anchor="middle">tokens per chunk</text></svg>'
    )
    return "".join(parts)


def grouped_bars(rows: Sequence[tuple[str, Sequence[int]]], series: Sequence[str], title: str = "") -> str:
    """Horizontal bars: one group per row label (an author), one bar per series (documents, chunks)."""
    bar_h, gap, left, right = 12, 10, 170, 60
    width = 560
    height = 30 + len(rows) * (len(series) * bar_h + gap) + 18
    biggest = max([v for _, values in rows for v in values] + [1])
    plot_w = width - left - right
    parts = [_svg_open(width, height, title or "bars")]
    if title:
        parts.append(f'<text x="4" y="14" {FONT} font-weight="600">{escape(title)}</text>')
    y = 26
    for label, values in rows:
        parts.append(f'<text x="{left - 6}" y="{y + bar_h}" {FONT} text-anchor="end">{escape(label[:28])}</text>')
        for index, value in enumerate(values):
            w = plot_w * value / biggest
            color = PALETTE[index % len(PALETTE)]
            parts.append(
                f'<rect x="{left}" y="{y}" width="{max(w, 0.5):.1f}" height="{bar_h - 2}" fill="{color}">'
                f"<title>{escape(label)}: {value} {escape(series[index])}</title></rect>"
                f'<text x="{left + w + 4:.1f}" y="{y + bar_h - 3}" {FONT}>{value}</text>'
            )
            y += bar_h
        y += gap
    legend_x = left
    for index, name in enumerate(series):
        parts.append(
            f'<rect x="{legend_x}" y="{height - 12}" width="10" height="10" fill="{PALETTE[index % len(PALETTE)]}"/>'
            f'<text x="{legend_x + 14}" y="{height - 3}" {FONT}>{escape(name)}</text>'
        )
        legend_x += 20 + 7 * len(name)
    parts.append("</svg>")
    return "".join(parts)


def _svg_open(width: int, height: int, label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}">'
    )
