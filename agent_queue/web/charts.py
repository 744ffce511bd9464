"""Server-rendered SVG charts (no JavaScript needed to see a report)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

COLORS = ("#2b6cb0", "#38a169", "#e53e3e", "#d69e2e", "#805ad5")


def bar_chart(rows: Sequence[dict[str, Any]], label: str, series: Sequence[str],
              width: int = 720, height: int = 260) -> str:
    """Grouped bars: one group per row (labelled by ``row[label]``), one bar per series."""
    pad_l, pad_b, pad_t = 40, 60, 20
    groups = max(1, len(rows))
    top = max([float(r.get(s) or 0) for r in rows for s in series] + [1.0])
    plot_w, plot_h = width - pad_l - 10, height - pad_b - pad_t
    gw = plot_w / groups
    bw = max(2.0, gw * 0.8 / max(1, len(series)))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}">',
             f'<line x1="{pad_l}" y1="{pad_t + plot_h}" x2="{width - 10}" y2="{pad_t + plot_h}" stroke="#333"/>',
             f'<text x="4" y="{pad_t + 4}" font-size="10">{top:g}</text>']
    for gi, row in enumerate(rows):
        x0 = pad_l + gi * gw + gw * 0.1
        for si, s in enumerate(series):
            v = float(row.get(s) or 0)
            h = plot_h * v / top
            parts.append(f'<rect x="{x0 + si * bw:.1f}" y="{pad_t + plot_h - h:.1f}" width="{bw - 1:.1f}" '
                         f'height="{h:.1f}" fill="{COLORS[si % len(COLORS)]}"><title>{escape(str(row.get(label)))} '
                         f'{escape(s)}: {v:g}</title></rect>')
        parts.append(f'<text x="{x0:.1f}" y="{height - pad_b + 14}" font-size="10" '
                     f'transform="rotate(30 {x0:.1f} {height - pad_b + 14})">{escape(str(row.get(label)))}</text>')
    for si, s in enumerate(series):
        parts.append(f'<rect x="{pad_l + si * 110}" y="4" width="10" height="10" fill="{COLORS[si % len(COLORS)]}"/>'
                     f'<text x="{pad_l + si * 110 + 14}" y="13" font-size="11">{escape(s)}</text>')
    parts.append("</svg>")
    return "".join(parts)
