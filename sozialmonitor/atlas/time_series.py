"""The time-series section of an indicator page: the Metropole Ruhr, NRW and the selected cities as lines,
with the series breaks (a change of method in the sources) drawn and listed, the numbers as a table and
a CSV file."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from html import escape

from sozialmonitor.atlas import fmt
from sozialmonitor.atlas.data import LAND_ID, REGION_ID, AtlasData, IndicatorData, Value, series_areas
from sozialmonitor.atlas.html import csv_text, download, value_cell
from sozialmonitor.atlas.svg import Line, line_chart


def series_section(data: AtlasData, item: IndicatorData, files: dict[str, str]) -> str:
    """The section; its CSV file goes into `files` (name -> text)."""
    indicator = item.indicator
    decimals = indicator.decimals
    styles = {area: position for position, area in enumerate(series_areas(item))}
    area_ids = [area for area in series_areas(item) if item.series.get(area)]
    periods = sorted({value.period for area in area_ids for value in item.series[area]})
    by_period = {area: {value.period: value for value in item.series[area]} for area in area_ids}
    lines = [
        Line(
            data.areas[area].name,
            {
                period: by_period[area][period].value if period in by_period[area] else None
                for period in periods
            },
            styles[area],
        )
        for area in area_ids
    ]
    breaks = series_breaks(item, area_ids, periods)
    crossing = crossing_values(item, area_ids)
    chart = line_chart(lines, decimals, f"Zeitreihe {indicator.name}", list(breaks.items()))
    head = "".join(f'<th scope="col">{escape(data.areas[area].name)}</th>' for area in area_ids)
    rows = "".join(
        _series_row(period, [by_period[area].get(period) for area in area_ids], decimals, crossing)
        for period in periods
    )
    files[f"{indicator.indicator_id}_zeitreihe.csv"] = csv_text(
        ["area_id", "name", "stichtag", "wert", "status", "sperrgrund", "methode", "zeitreihenbruch"],
        [
            [
                area,
                data.areas[area].name,
                value.period.isoformat(),
                fmt.plain(value.value, decimals),
                value.status,
                value.suppression or "",
                value.series_basis or "",
                value.series_break_note or "",
            ]
            for area in area_ids
            for value in item.series[area]
        ],
    )
    listed = "".join(
        f"<li>{', '.join(fmt.day(period) for period in sorted(affected))}: {escape(note)}</li>"
        for note, affected in sorted(_by_note(crossing).items())
    )
    break_list = (
        '<div class="brueche"><p>Zeitreihenbruch (gestrichelte Linie): Werte dieser Stichtage vergleichen '
        f"über eine Änderung der Methode und messen sie mit.</p><ul>{listed}</ul></div>"
        if listed
        else ""
    )
    cities = ", ".join(escape(data.areas[area].name) for area in area_ids if area not in (REGION_ID, LAND_ID))
    return (
        '<section id="zeitreihe">'
        "<h2>Zeitreihe: Metropole Ruhr, Nordrhein-Westfalen und ausgewählte Städte</h2>"
        f'<p class="hinweis">Städte: {cities}. Nordrhein-Westfalen, wo die Quellen es ausweisen. '
        "Lücken: Wert gesperrt oder nicht vorhanden.</p>"
        f"{chart}{break_list}"
        '<details id="zeitreihe-tabelle"><summary>Zahlen zur Zeitreihe als Tabelle</summary>'
        f'<table class="zeitreihe"><caption>{escape(indicator.name)} ({escape(indicator.unit)})</caption>'
        f'<thead><tr><th scope="col">Stichtag</th>{head}</tr></thead><tbody>{rows}</tbody></table></details>'
        f"<p>{download(f'{indicator.indicator_id}_zeitreihe.csv')}</p></section>"
    )


def series_breaks(item: IndicatorData, area_ids: Sequence[str], periods: Sequence[date]) -> dict[date, str]:
    """Where the drawn series change method: the first period whose sources' method (series_basis) differs
    from the period before, for any drawn area, with what is new there."""
    breaks: dict[date, set[str]] = defaultdict(set)
    for area in area_ids:
        basis = {value.period: value.series_basis or "" for value in item.series[area]}
        for before, period in itertools.pairwise(periods):
            if before in basis and period in basis and basis[before] != basis[period]:
                breaks[period] |= set(basis[period].split("; ")) - set(basis[before].split("; "))
    # the label names the new method only ("Zensus 2022"); the list below the chart says the rest
    return {
        period: ", ".join(sorted(state.split(": ", 1)[-1] for state in new))
        for period, new in sorted(breaks.items())
    }


def crossing_values(item: IndicatorData, area_ids: Sequence[str]) -> dict[date, str]:
    """The periods whose values are compared across a declared break, with the registry's note."""
    notes: dict[date, set[str]] = defaultdict(set)
    for area in area_ids:
        for value in item.series[area]:
            if value.series_break and value.series_break_note:
                notes[value.period].add(value.series_break_note)
    return {period: " ".join(sorted(texts)) for period, texts in notes.items()}


def _by_note(crossing: dict[date, str]) -> dict[str, list[date]]:
    affected: dict[str, list[date]] = defaultdict(list)
    for period, note in crossing.items():
        affected[note].append(period)
    return affected


def _series_row(period: date, cells: Sequence[Value | None], decimals: int, crossing: dict[date, str]) -> str:
    """One Stichtag of the time-series table; a value compared across a series break says so."""
    mark = (
        f' <span class="bruch" title="{escape(crossing[period])}">Bruch</span>' if period in crossing else ""
    )
    flag = ' data-series-break="true"' if period in crossing else ""
    values = "".join(value_cell(cell, decimals) for cell in cells)
    head = f'<th scope="row">{fmt.day(period)}{mark}</th>'
    return f'<tr data-period="{period.isoformat()}"{flag}>{head}{values}</tr>'
