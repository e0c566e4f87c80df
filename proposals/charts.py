"""Server-side SVG charts: plain markup drawn from the app's own figures, no script.

Each chart is 100 % wide (a viewBox scales it), tells screen readers what it shows through
`role="img"` and an `aria-label` that carries the figures, gives every bar a tooltip (<title>)
and links every bar to the listing of what it counts. Every label is escaped.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 420  # in viewBox units; legible from a phone's width to a desktop column's
FONT_FAMILY = (
    "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', sans-serif"
)
INK = "#1f2328"
MUTED = "#5b636e"
GRID = "#d8dde3"
# The class groups in the order of the scheme: A, B, C as the site's class badges, then others.
GROUP_COLOURS = ["#1a7f37", "#9a6700", "#a61b1b", "#6639ba", "#1b7c83", "#57606a"]
SERIES_COLOURS = ["#0b5cad", "#1a7f37", "#8250df", "#9a6700"]
SHADES = [0, 0.3, 0.5, 0.65, 0.75]  # how much white the codes of one group mix in


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: nothing to show (a rate whose divisor is 0)
    url: str | None = None
    tooltip: str = ""
    series: int = 0  # the colour: a group or a series
    shade: int = 0  # lighter shades for the codes of one group


def class_mix_chart(
    groups: Sequence[Bar], codes: Sequence[Bar], *, label: str, empty: str
) -> SafeString:
    """The share of each class group as one stacked bar, then a bar per outcome code (coloured
    by its group, scaled to the largest)."""
    total = sum(bar.value or 0 for bar in groups)
    if not total:
        return _empty_chart(label, empty)
    parts = []
    share_height = 30
    x = 0.0
    for bar in groups:
        if not bar.value:
            continue
        width = WIDTH * bar.value / total
        text = f"{bar.label} {100 * bar.value / total:.1f}%" if width >= 84 else bar.label
        parts.append(
            _link(
                bar,
                f'<rect x="{x:.1f}" y="0" width="{width:.1f}" height="{share_height}" '
                f'fill="{_colour(bar)}"/>'
                + (
                    _text(
                        x + width / 2,
                        20,
                        text,
                        size=13,
                        fill="#ffffff",
                        anchor="middle",
                        weight="700",
                    )
                    if width >= 28
                    else ""
                ),
            )
        )
        x += width

    label_width, value_width, row_height, bar_height = 36, 36, 22, 15
    largest = max((bar.value or 0 for bar in codes), default=0) or 1
    scale = (WIDTH - label_width - value_width) / largest
    y = share_height + 12
    for bar in codes:
        value = bar.value or 0
        width = max(value * scale, 1.5 if value else 0)
        parts.append(
            _link(
                bar,
                _text(0, y + 15, bar.label, size=13, weight="700")
                + f'<rect x="{label_width}" y="{y + 3}" width="{width:.1f}" '
                f'height="{bar_height}" fill="{_colour(bar)}" rx="2"/>'
                + _text(label_width + width + 5, y + 15, f"{value:g}", size=12, fill=MUTED),
            )
        )
        y += row_height
    return _svg(label, _summary(label, groups), y + 2, parts)


def rates_chart(
    rows: Sequence[tuple[str, Sequence[Bar]]],
    *,
    series: Sequence[str],
    label: str,
    empty: str,
) -> SafeString:
    """For each row (a unit) its label, then one bar per series on a 0–100 % scale."""
    if not rows:
        return _empty_chart(label, empty)
    plot_width = WIDTH - 48  # the rest holds the values
    parts = []
    x = 0.0
    for index, name in enumerate(series):  # the legend
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        parts.append(f'<rect x="{x:.1f}" y="2" width="12" height="12" fill="{colour}" rx="2"/>')
        parts.append(_text(x + 16, 13, name, size=13))
        x += 16 + 13 * len(name) + 16
    axis_y = 36
    ticks = range(0, 101, 25)
    for tick in ticks:
        anchor = "start" if tick == 0 else "end" if tick == 100 else "middle"
        parts.append(
            _text(
                plot_width * tick / 100, axis_y - 4, f"{tick}%", size=11, fill=MUTED, anchor=anchor
            )
        )
    grid_index = len(parts)  # the grid lines go here, behind the bars, once the height is known
    bar_height, bar_gap, label_height, row_gap = 12, 3, 20, 10
    y = axis_y + 4
    descriptions = []
    for row_label, bars in rows:
        parts.append(_text(0, y + 15, row_label, size=15))
        y += label_height
        for bar in bars:
            if bar.value is None:
                inner = _text(2, y + bar_height, "—", size=11, fill=MUTED)
            else:
                width = max(plot_width * min(bar.value, 100) / 100, 1.5 if bar.value else 0)
                inner = f'<rect x="0" y="{y}" width="{width:.1f}" height="{bar_height}" ' + (
                    f'fill="{SERIES_COLOURS[bar.series % len(SERIES_COLOURS)]}" rx="1.5"/>'
                )
                inner += _text(plot_width + 4, y + bar_height - 1, f"{bar.value:.1f}%", size=11)
            parts.append(_link(bar, inner))
            y += bar_height + bar_gap
        values = (
            f"{bar.label} {'—' if bar.value is None else f'{bar.value:.1f}%'}" for bar in bars
        )
        descriptions.append(f"{row_label}：" + "，".join(values))
        y += row_gap
    grid = []
    for tick in ticks:
        x = plot_width * tick / 100
        dashes = "" if tick in (0, 100) else ' stroke-dasharray="3 3"'
        grid.append(
            f'<line x1="{x:.1f}" y1="{axis_y}" x2="{x:.1f}" y2="{y - row_gap}" '
            f'stroke="{GRID}" stroke-width="1"{dashes}/>'
        )
    parts[grid_index:grid_index] = grid
    return _svg(label, f"{label}。" + "；".join(descriptions), y, parts)


def _svg(label: str, description: str, height: float, parts: list[str]) -> SafeString:
    # Safe: every label, tooltip and URL in `parts` went through escape().
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} '
        f'{height:.0f}" width="100%" role="img" aria-label="{escape(description)}" '
        f'font-family="{FONT_FAMILY}" preserveAspectRatio="xMinYMin meet">'
        f"<title>{escape(label)}</title>{''.join(parts)}</svg>"
    )


def _empty_chart(label: str, empty: str) -> SafeString:
    return _svg(label, f"{label}：{empty}", 40, [_text(0, 26, empty, size=14, fill=MUTED)])


def _summary(label: str, bars: Sequence[Bar]) -> str:
    return f"{label}：" + "，".join(bar.tooltip or f"{bar.label} {bar.value:g}" for bar in bars)


def _link(bar: Bar, inner: str) -> str:
    title = f"<title>{escape(bar.tooltip)}</title>" if bar.tooltip else ""
    if bar.url:
        return f'<a href="{escape(bar.url)}">{title}{inner}</a>'
    return f"<g>{title}{inner}</g>"


def _text(
    x: float,
    y: float,
    text: str,
    *,
    size: int,
    fill: str = INK,
    anchor: str = "start",
    weight: str = "400",
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{fill}" '
        f'text-anchor="{anchor}" font-weight="{weight}">{escape(text)}</text>'
    )


def _colour(bar: Bar) -> str:
    base = GROUP_COLOURS[bar.series % len(GROUP_COLOURS)]
    return _tint(base, SHADES[min(bar.shade, len(SHADES) - 1)])


def _tint(colour: str, white: float) -> str:
    """The colour mixed with `white` parts of white (0: unchanged)."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    mixed = (round(channel + (255 - channel) * white) for channel in (red, green, blue))
    return "#" + "".join(f"{channel:02x}" for channel in mixed)
