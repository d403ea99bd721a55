"""The atlas's charts as inline SVG: tile-grid map, ranked bars, time series and strip plot.

No script and no external file: a page renders the same from a web server, from disk and offline.
Colours are colour-blind safe: viridis (5 classes, light to dark) for indicators with a polarity,
darker always meaning worse (the scale is reversed when higher is better); a single-hue blue scale for
neutral ones; the Okabe–Ito palette plus dash patterns and direct labels for the lines of a time series.
A suppressed value is grey hatching with the word `gesperrt`, a missing one an empty dashed tile:
never a colour of the scale, never a zero.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from html import escape

from sozialmonitor.atlas.data import Tile
from sozialmonitor.atlas.fmt import number

VIRIDIS = ("#fde725", "#5ec962", "#21918c", "#3b528b", "#440154")  # light -> dark
BLUES = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")  # light -> dark, for neutral indicators
SUPPRESSED_FILL = "url(#muster-gesperrt)"
MISSING_FILL = "#ffffff"
# Okabe–Ito: distinguishable with every common colour-vision deficiency.
LINE_STYLES = (
    ("#000000", "", 3.0),  # the region
    ("#777777", "6 3", 2.0),  # NRW
    ("#e69f00", "", 2.0),
    ("#56b4e9", "2 2", 2.0),
    ("#009e73", "8 3 2 3", 2.0),
    ("#d55e00", "", 2.0),
    ("#cc79a7", "4 2", 2.0),
    ("#0072b2", "1 3", 2.0),
)

DEFS = (
    '<svg width="0" height="0" aria-hidden="true" style="position:absolute"><defs>'
    '<pattern id="muster-gesperrt" width="6" height="6" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect width="6" height="6" fill="#d9d9d9"/>'
    '<line x1="0" y1="0" x2="0" y2="6" stroke="#8c8c8c" stroke-width="2"/></pattern>'
    "</defs></svg>"
)


@dataclass(frozen=True)
class Scale:
    """Quintile classes of the values a chart shows (fewer when there are fewer distinct values)."""

    lower: tuple[float, ...]  # smallest value in each class, ascending
    upper: tuple[float, ...]  # largest value in each class
    colours: tuple[str, ...]
    polarity: str

    @classmethod
    def of(cls, values: Iterable[float], polarity: str, classes: int = 5) -> Scale:
        ordered = sorted(values)
        if not ordered:
            return cls((), (), (), polarity)
        distinct = len(set(ordered))
        k = min(classes, distinct)
        groups: list[list[float]] = [[] for _ in range(k)]
        current = 0
        for position, value in enumerate(ordered):
            wanted = min(k - 1, position * k // len(ordered))
            if groups[current] and value != groups[current][-1] and wanted > current:
                current = wanted
            groups[current].append(value)
        groups = [group for group in groups if group]
        palette = BLUES if polarity == "neutral" else VIRIDIS
        steps = [round(i * (len(palette) - 1) / max(1, len(groups) - 1)) for i in range(len(groups))]
        if len(groups) == 1:
            steps = [2]
        colours = [palette[step] for step in steps]
        if polarity == "higher_is_better":
            colours.reverse()  # low values are the unfavourable ones: they get the dark end
        return cls(
            tuple(group[0] for group in groups),
            tuple(group[-1] for group in groups),
            tuple(colours),
            polarity,
        )

    def colour(self, value: float) -> str:
        index = 0
        for position, lower in enumerate(self.lower):
            if value >= lower:
                index = position
        return self.colours[index] if self.colours else BLUES[2]

    def legend(self, decimals: int) -> list[tuple[str, str]]:
        return [
            (colour, number(lo, decimals) if lo == hi else f"{number(lo, decimals)} – {number(hi, decimals)}")
            for lo, hi, colour in zip(self.lower, self.upper, self.colours, strict=True)
        ]


def text_colour(fill: str) -> str:
    """Dark text on light fills (and on the grey hatching), white on dark ones (WCAG luminance)."""
    if not fill.startswith("#"):
        return "#1a1a1a"
    channels = [int(fill[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "#1a1a1a" if luminance > 0.3 else "#ffffff"


@dataclass(frozen=True)
class Mark:
    """What one area's tile or bar shows."""

    area_id: str
    label: str
    text: str  # the value, `gesperrt` or `keine Daten`
    kind: str  # wert, gesperrt, fehlt
    fill: str
    title: str  # tooltip: name, value and any note
    href: str | None = None
    value: float | None = None


def _link(href: str | None, body: str) -> str:
    return f'<a href="{escape(href)}">{body}</a>' if href else body


def tile_map(
    tiles: Sequence[Tile], marks: dict[str, Mark], label: str, size: tuple[int, int] = (80, 50)
) -> str:
    """Tile-grid map: one tile per area at its approximate position, north up."""
    width, height = size
    gap = 4
    columns = max(tile.col for tile in tiles) + 1
    rows = max(tile.row for tile in tiles) + 1
    total_w, total_h = columns * (width + gap), rows * (height + gap)
    parts = [
        f'<svg class="karte" viewBox="0 0 {total_w} {total_h}" width="{total_w}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for tile in tiles:
        mark = marks.get(tile.area_id)
        if mark is None:
            continue
        x, y = tile.col * (width + gap), tile.row * (height + gap)
        dashed = ' stroke-dasharray="3 2" stroke="#8c8c8c"' if mark.kind == "fehlt" else ' stroke="#ffffff"'
        ink = text_colour(mark.fill)
        halo = ' class="halo"' if mark.kind == "gesperrt" else ""
        value_size = 12 if len(mark.text) <= 8 else 10
        body = (
            f'<g class="kachel kachel-{mark.kind}" data-area="{escape(mark.area_id)}">'
            f"<title>{escape(mark.title)}</title>"
            f'<rect x="{x}" y="{y}" width="{width}" height="{height}" rx="3" fill="{mark.fill}"{dashed}/>'
            f'<text x="{x + width / 2:.1f}" y="{y + height * (0.4 if mark.text else 0.58):.1f}" '
            f'text-anchor="middle" font-size="10.5" fill="{ink}"{halo}>{escape(tile.label)}</text>'
            f'<text x="{x + width / 2:.1f}" y="{y + height * 0.78:.1f}" text-anchor="middle" '
            f'font-size="{value_size}" font-weight="bold" fill="{ink}"{halo}>{escape(mark.text)}</text></g>'
        )
        parts.append(_link(mark.href, body))
    parts.append("</svg>")
    return "".join(parts)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    if high == low:
        low, high = (low - 1, high + 1) if low == 0 else (low - abs(low) * 0.1, high + abs(high) * 0.1)
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    ticks = []
    tick = first
    while tick < high + step * 0.999:
        ticks.append(round(tick, 10))
        tick += step
    return ticks


def _tick_decimals(ticks: Sequence[float]) -> int:
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1
    return max(0, -math.floor(math.log10(step) + 1e-9)) if step < 1 else (1 if step % 1 else 0)


def bar_chart(
    bars: Sequence[Mark], references: Sequence[tuple[str, float]], decimals: int, label: str
) -> str:
    """Ranked horizontal bars (the order given), reference lines (Ruhr, NRW), values at the bars."""
    values = [bar.value for bar in bars if bar.value is not None]
    values += [value for _, value in references]
    low, high = min([0.0, *values]), max([0.0, *values])
    if high == low:
        high = low + 1
    row, top = 17, 8 + 14 * len(references)
    left, right, width = 178, 620, 700
    height = top + row * len(bars) + 6

    def x(value: float) -> float:
        return left + (value - low) / (high - low) * (right - left)

    parts = [
        f'<svg class="balken" viewBox="0 0 {width} {height}" width="{width}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for position, bar in enumerate(bars):
        y = top + position * row
        name = _link(
            bar.href,
            f'<text x="{left - 6}" y="{y + 12}" text-anchor="end" font-size="11">{escape(bar.label)}</text>',
        )
        if bar.value is not None:
            start, end = sorted((x(0), x(bar.value)))
            shape = (
                f'<rect x="{start:.1f}" y="{y + 2}" width="{max(end - start, 1):.1f}" height="12" '
                f'fill="{bar.fill}" stroke="#555" stroke-width="0.4"/>'
            )
            text_x = max(x(0), x(bar.value)) + 4
        elif bar.kind == "gesperrt":
            shape = f'<rect x="{x(0):.1f}" y="{y + 2}" width="26" height="12" fill="{SUPPRESSED_FILL}"/>'
            text_x = x(0) + 30
        else:
            shape = (
                f'<rect x="{x(0):.1f}" y="{y + 2}" width="26" height="12" fill="#ffffff" stroke="#8c8c8c" '
                'stroke-dasharray="3 2"/>'
            )
            text_x = x(0) + 30
        parts.append(
            f'<g class="balken-zeile balken-{bar.kind}" data-area="{escape(bar.area_id)}">'
            f"<title>{escape(bar.title)}</title>{name}{shape}"
            f'<text x="{text_x:.1f}" y="{y + 12}" font-size="11">{escape(bar.text)}</text></g>'
        )
    parts.append(
        f'<line x1="{x(0):.1f}" y1="{top - 2}" x2="{x(0):.1f}" y2="{height - 4}" stroke="#333" '
        'stroke-width="1"/>'
    )
    dashed = ' stroke-dasharray="5 3"'  # the first reference (the region) solid, the next dashed
    for index, (name, value) in enumerate(references):
        label_y = 12 + 14 * index
        anchor = "end" if x(value) > (left + right) / 2 else "start"
        parts.append(
            f'<g class="referenz"><line x1="{x(value):.1f}" y1="{label_y + 2}" x2="{x(value):.1f}" '
            f'y2="{height - 4}" stroke="#000" stroke-width="1.2"{dashed if index else ""}/>'
            f'<text x="{x(value) + (-4 if anchor == "end" else 4):.1f}" y="{label_y}" text-anchor="{anchor}" '
            f'font-size="11" font-weight="bold">{escape(name)}: {number(value, decimals)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class Line:
    label: str
    points: dict[date, float | None]  # None: no value at that period (suppressed or missing)
    style: int  # index into LINE_STYLES: the same area keeps its colour on every page


def _period_labels(periods: Sequence[date]) -> list[str]:
    yearly = len({period.year for period in periods}) == len(periods)
    return [str(p.year) if yearly else f"{p:%m/%Y}" for p in periods]


@dataclass(frozen=True)
class _TimeFrame:
    """Where a time series chart draws: periods evenly spaced left to right, values from `low` at the
    bottom to `high` at the top; the lines' labels go right of the plot."""

    periods: list[date]
    low: float
    high: float
    width: int = 720
    height: int = 300
    left: int = 58
    right: int = 560
    top: int = 12
    bottom: int = 268

    @cached_property
    def position(self) -> dict[date, int]:
        return {period: index for index, period in enumerate(self.periods)}

    def x(self, period: date) -> float:
        share = self.position[period] / (len(self.periods) - 1) if len(self.periods) > 1 else 0.5
        return self.left + share * (self.right - self.left)

    def y(self, value: float) -> float:
        return self.bottom - (value - self.low) / (self.high - self.low) * (self.bottom - self.top)


def line_chart(
    lines: Sequence[Line], decimals: int, label: str, breaks: Sequence[tuple[date, str]] = ()
) -> str:
    """Time series with one line per area; gaps where a value is suppressed or missing. A series break
    (period from which the method differs, label) is a dashed vertical line before that period."""
    periods = sorted({period for line in lines for period in line.points})
    values = [v for line in lines for v in line.points.values() if v is not None]
    if not periods or not values:
        return ""
    ticks = nice_ticks(min(values), max(values))
    frame = _TimeFrame(periods, ticks[0], ticks[-1])
    parts = [
        f'<svg class="zeitreihe" viewBox="0 0 {frame.width} {frame.height + 4}" width="{frame.width}" '
        f'role="img" aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">',
        _value_axis(frame, ticks),
        _period_axis(frame),
        _break_marks(frame, breaks),
    ]
    ends = []
    for line in lines:
        drawn, end = _series_line(frame, line, decimals)
        parts.append(drawn)
        if end is not None:
            ends.append(end)
    parts.append(_end_labels(frame, ends))
    parts.append("</svg>")
    return "".join(parts)


def _value_axis(frame: _TimeFrame, ticks: Sequence[float]) -> str:
    """Grid lines with their values on the left."""
    tick_decimals = _tick_decimals(ticks)
    return "".join(
        f'<line x1="{frame.left}" y1="{frame.y(tick):.1f}" x2="{frame.right}" y2="{frame.y(tick):.1f}" '
        'stroke="#e3e3e3"/>'
        f'<text x="{frame.left - 6}" y="{frame.y(tick) + 4:.1f}" text-anchor="end" font-size="11">'
        f"{number(tick, tick_decimals)}</text>"
        for tick in ticks
    )


def _period_axis(frame: _TimeFrame) -> str:
    """At most about ten period labels below the plot, always including the newest."""
    periods = frame.periods
    every = math.ceil(len(periods) / 10)
    return "".join(
        f'<text x="{frame.x(period):.1f}" y="{frame.bottom + 18}" text-anchor="middle" font-size="11">'
        f"{text}</text>"
        for index, (period, text) in enumerate(zip(periods, _period_labels(periods), strict=True))
        if index % every == 0 or index == len(periods) - 1
    )


def _break_marks(frame: _TimeFrame, breaks: Sequence[tuple[date, str]]) -> str:
    """A dashed vertical line between a break's period and the one before, labelled with what is new."""
    parts = []
    for index, (period, text) in enumerate(breaks):
        if period not in frame.position or frame.position[period] == 0:
            continue
        between = (frame.x(frame.periods[frame.position[period] - 1]) + frame.x(period)) / 2
        label_y = frame.top + 10 + 12 * (index % 3)  # neighbouring breaks' labels one above the other
        parts.append(
            f'<g class="bruch" data-period="{period.isoformat()}">'
            f"<title>Zeitreihenbruch: {escape(text)}</title>"
            f'<line x1="{between:.1f}" y1="{frame.top}" x2="{between:.1f}" y2="{frame.bottom}" stroke="#555" '
            'stroke-dasharray="5 3" stroke-width="1.2"/>'
            f'<text x="{between + 3:.1f}" y="{label_y}" font-size="10" fill="#333" '
            f'paint-order="stroke" stroke="#fff" stroke-width="3">{escape(text)}</text></g>'
        )
    return "".join(parts)


def _series_line(frame: _TimeFrame, line: Line, decimals: int) -> tuple[str, list | None]:
    """One area's line (lifting the pen at gaps) with a dot per value where there are few enough, and
    where its label goes: [label y, end x, end y, label, colour, dash, stroke], None without values."""
    colour, dash, stroke = LINE_STYLES[line.style % len(LINE_STYLES)]
    path, pen_down = [], False
    for period in frame.periods:
        value = line.points.get(period)
        if value is None:
            pen_down = False
            continue
        path.append(f"{'L' if pen_down else 'M'}{frame.x(period):.1f},{frame.y(value):.1f}")
        pen_down = True
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    parts = [
        f'<g class="linie" data-label="{escape(line.label)}"><path d="{" ".join(path)}" fill="none" '
        f'stroke="{colour}" stroke-width="{stroke}"{dash_attr}/>'
    ]
    if len(frame.periods) <= 40:
        parts.extend(
            f'<circle cx="{frame.x(p):.1f}" cy="{frame.y(v):.1f}" r="2.6" fill="{colour}">'
            f"<title>{escape(line.label)} {p:%d.%m.%Y}: {number(v, decimals)}</title></circle>"
            for p, v in line.points.items()
            if v is not None
        )
    parts.append("</g>")
    last = [(p, v) for p, v in sorted(line.points.items()) if v is not None]
    if not last:
        return "".join(parts), None
    end_x, end_y = frame.x(last[-1][0]), frame.y(last[-1][1])
    return "".join(parts), [end_y, end_x, end_y, line.label, colour, dash, stroke]


def _end_labels(frame: _TimeFrame, ends: list[list]) -> str:
    """Each line's label right of the plot, joined to its last value: pushed apart so that none overlap,
    keeping their order, and up from the bottom edge where they would run off it."""
    ends.sort(key=lambda end: end[0])
    for index in range(1, len(ends)):
        ends[index][0] = max(ends[index][0], ends[index - 1][0] + 13)
    overflow = ends[-1][0] - (frame.height - 2) if ends else 0
    if overflow > 0:
        for end in ends:
            end[0] -= overflow
    parts = []
    for label_y, end_x, end_y, text, colour, dash, stroke in ends:
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<line x1="{end_x + 4:.1f}" y1="{end_y:.1f}" x2="{frame.right + 26}" y2="{label_y:.1f}" '
            f'stroke="{colour}" stroke-width="{stroke}"{dash_attr}/>'
            f'<text x="{frame.right + 30}" y="{label_y + 4:.1f}" font-size="11">{escape(text)}</text>'
        )
    return "".join(parts)


def strip(values: Sequence[float], own: Mark, reference: float | None, label: str) -> str:
    """Where one area stands among all of its level: grey ticks for all, a black line for the Ruhr,
    a dot in the area's class colour."""
    width, height, pad = 240, 26, 8
    points = [*values, *([own.value] if own.value is not None else []), *([reference] if reference else [])]
    if not points:
        return ""
    low, high = min(points), max(points)
    if high == low:
        low, high = low - 1, high + 1

    def x(value: float) -> float:
        return pad + (value - low) / (high - low) * (width - 2 * pad)

    parts = [
        f'<svg class="streifen" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
        f'<line x1="{pad}" y1="13" x2="{width - pad}" y2="13" stroke="#d0d0d0"/>'
    ]
    ticks = " ".join(f"M{x(v):.1f} 6V20" for v in values)
    parts.append(f'<path d="{ticks}" stroke="#9a9a9a" stroke-width="1"/>')
    if reference is not None:
        parts.append(
            f'<line class="referenz" x1="{x(reference):.1f}" y1="2" x2="{x(reference):.1f}" y2="24" '
            'stroke="#000" stroke-width="2"/>'
        )
    if own.value is not None:
        parts.append(
            f'<circle cx="{x(own.value):.1f}" cy="13" r="6" fill="{own.fill}" stroke="#1a1a1a" '
            'stroke-width="1.5">'
            f"<title>{escape(own.title)}</title></circle>"
        )
    else:
        parts.append(
            f'<text x="{width / 2}" y="17" text-anchor="middle" font-size="11" class="halo">'
            f"{escape(own.text)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
