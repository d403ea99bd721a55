"""The atlas's pages as HTML text (and the CSV files behind their charts), one function per page.

Paths are relative (`../style.css`), so the site works from a web server and from disk alike. Every
chart is followed by its numbers: a table one click away (`<details>`) or in plain view, and a CSV
download (semicolon, decimal comma, UTF-8 with BOM, as German spreadsheet programs expect).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from html import escape

from expectations.catalog import CONFORMITY_LABELS
from sozialmonitor.atlas import fmt
from sozialmonitor.atlas.data import (
    LAND_ID,
    REGION_ID,
    SMALL_AREA_LEVELS,
    Area,
    AtlasData,
    Indicator,
    IndicatorData,
    Value,
    series_areas,
)
from sozialmonitor.atlas.html import (
    SITE,
    STATUS_LEGEND,
    csv_text,
    download,
    gemeinde_href,
    legend,
    mark,
    page,
    published_text,
    table,
    value_cell,
    value_rows,
)
from sozialmonitor.atlas.sozialindex import small_areas_section
from sozialmonitor.atlas.svg import (
    Line,
    Mark,
    Scale,
    bar_chart,
    line_chart,
    strip,
    tile_map,
)

# ------------------------------------------------------------------------------------------- index page


def index_page(data: AtlasData) -> str:
    marks = {
        tile.area_id: Mark(
            tile.area_id,
            data.areas[tile.area_id].name,
            "",
            "navi",
            "#dde6ee",
            data.areas[tile.area_id].name,
            f"gemeinde/{tile.area_id}.html",
        )
        for tile in data.gemeinde_tiles
        if tile.area_id in data.areas
    }
    topics: dict[str, list[Indicator]] = defaultdict(list)
    for indicator in data.indicators:
        topics[indicator.topic].append(indicator)
    indicator_lists = []
    for topic, indicators in topics.items():
        items = []
        for indicator in indicators:
            period = data.by_indicator[indicator.id].period
            stand = f"Stand {fmt.day(period)}" if period else "keine Werte"
            items.append(
                f'<li><a href="indikator/{indicator.id}.html">{escape(indicator.name)}</a> '
                f'<span class="hinweis">{escape(indicator.unit)} · {stand} · '
                f"{escape(fmt.POLARITY.get(indicator.polarity, indicator.polarity))}</span></li>"
            )
        indicator_lists.append(f"<h3>{escape(topic)}</h3><ul>{''.join(items)}</ul>")
    kreise: dict[str, list[Area]] = defaultdict(list)
    for gemeinde in data.gemeinden():
        kreise[gemeinde.parent_id or ""].append(gemeinde)
    gemeinde_lists = []
    for kreis_id, gemeinden in sorted(kreise.items()):
        kreis = data.areas.get(kreis_id)
        links = ", ".join(f'<a href="gemeinde/{g.id}.html">{escape(g.name)}</a>' for g in gemeinden)
        title = kreis.name if kreis and kreis.area_type == "Kreis" else "kreisfreie Stadt"
        gemeinde_lists.append((title, links))
    kreisfrei = [links for title, links in gemeinde_lists if title == "kreisfreie Stadt"]
    kreis_items = "".join(
        f"<li><strong>{escape(title)}:</strong> {links}</li>"
        for title, links in gemeinde_lists
        if title != "kreisfreie Stadt"
    )
    body = (
        f"<h1>{SITE}</h1>"
        '<p class="einleitung">Die Kernindikatoren des Sozialmonitors für die 53 Gemeinden der Metropole '
        "Ruhr und die Stadtbezirke der Städte, die kleinräumige Daten liefern: Definition, Karte, Rangfolge, "
        "Zeitreihe und Gemeindeprofile. Jede Zahl stammt aus der unten genannten Veröffentlichung; zu jedem "
        "Diagramm gibt es die Zahlen als Tabelle und als CSV.</p>"
        '<div class="spalten"><section id="indikatoren"><h2>Indikatoren</h2>'
        f"{''.join(indicator_lists)}</section>"
        '<section id="gemeinden"><h2>Gemeinden</h2>'
        f"{tile_map(data.gemeinde_tiles, marks, 'Kachelkarte der 53 Gemeinden, Links zu ihren Profilen')}"
        f'<ul class="gemeinden"><li><strong>Kreisfreie Städte:</strong> {", ".join(kreisfrei)}</li>'
        f"{kreis_items}</ul></section></div>"
        '<section id="weiteres"><h2>Weiteres</h2><ul>'
        '<li><a href="sozialindex.html">Sozialindex</a>: Status- und Dynamikindex der Gemeinden und '
        "Stadtbezirke, Methode, Quellen, Gewichte, Klassengrenzen und Robustheit</li>"
        '<li><a href="verfuegbarkeit.html">Datenverfügbarkeit</a>: wer was geliefert hat, was fehlt, '
        "verspätet oder gesperrt ist</li>"
        '<li><a href="version.html">Version und Herkunft</a>: Veröffentlichung, Prüfergebnisse, '
        "Quelldateien</li></ul></section>"
    )
    return page("Übersicht", body, data)


# ---------------------------------------------------------------------------------------- indicator page


def indicator_scale(data: IndicatorData) -> Scale:
    return Scale.of(
        (cell.value for cell in data.cells.values() if cell.value is not None), data.indicator.polarity
    )


def official_definition(indicator: Indicator) -> str:
    """The official source and definition beside the platform's, and whether the platform follows it."""
    note = (
        f'<p class="abweichung">{escape(indicator.conformity_note)}</p>' if indicator.conformity_note else ""
    )
    conformity = CONFORMITY_LABELS.get(indicator.conformity, indicator.conformity)
    return (
        f'<section class="amtlich" data-conformity="{escape(indicator.conformity)}">'
        f'<h2>Amtliche Definition</h2><p class="uebereinstimmung">{escape(conformity)}</p>'
        f'<p class="amtliche-definition">{escape(indicator.official_definition)}</p>{note}'
        f'<p class="amtliche-quelle">Quelle: {escape(indicator.official_source)}</p></section>'
    )


def indicator_page(data: AtlasData, item: IndicatorData) -> tuple[str, dict[str, str]]:
    """The page and its CSV files (name -> text)."""
    indicator = item.indicator
    decimals, unit = indicator.decimals, indicator.unit
    files: dict[str, str] = {}
    sources = ", ".join(indicator.source_ids)
    levels = ", ".join(fmt.LEVEL.get(level, level) for level in indicator.area_levels)
    rule = (
        f"Zähler unter {indicator.min_count} oder Nenner unter {indicator.min_denominator}: gesperrt"
        if indicator.min_count or indicator.min_denominator
        else "keine"
    )
    calculation = fmt.CALCULATION.get(indicator.calculation, indicator.calculation)
    body = [
        f'<nav class="pfad"><a href="../index.html">Übersicht</a> › {escape(indicator.topic)}</nav>',
        f'<h1>{escape(indicator.name)}</h1><p class="definition">{escape(indicator.definition)}</p>',
        '<dl class="steckbrief">',
        f"<dt>Einheit</dt><dd>{escape(unit)}</dd>",
        f"<dt>Berechnung</dt><dd>{escape(calculation)}</dd>",
        f"<dt>Stichtag</dt><dd>{escape(indicator.reference_date_rule)}</dd>",
        f"<dt>Bewertung</dt><dd>{escape(fmt.POLARITY.get(indicator.polarity, indicator.polarity))}</dd>",
        f"<dt>Quellen</dt><dd>{escape(sources)}</dd>",
        f"<dt>Gebietsebenen</dt><dd>{escape(levels)}</dd>",
        f"<dt>Geheimhaltung</dt><dd>{escape(rule)}</dd>",
        f"<dt>Kennung</dt><dd><code>{escape(indicator.id)}</code></dd></dl>",
        official_definition(indicator),
    ]
    if item.period is None:
        body.append("<p>Für diesen Indikator gibt es in dieser Veröffentlichung keine Werte.</p>")
        return page(indicator.name, "".join(body), data, depth=1), files
    scale = indicator_scale(item)
    kreis_level = item.map_level == "kreis"
    level_name = "Kreise und kreisfreien Städte" if kreis_level else "53 Gemeinden"
    marks = {}
    for tile in data.gemeinde_tiles:
        gemeinde = data.areas.get(tile.area_id)
        if gemeinde is None:
            continue
        source_id = gemeinde.parent_id if kreis_level else gemeinde.id
        label = gemeinde.name + (f" ({data.areas[source_id].name})" if kreis_level and source_id else "")
        marks[tile.area_id] = mark(
            item.cells.get(source_id or ""),
            tile.area_id,
            label,
            scale,
            decimals,
            unit,
            f"../gemeinde/{gemeinde.id}.html",
        )
    ruhr = item.references.get(REGION_ID)
    nrw = item.references.get(LAND_ID)
    references = [
        (data.areas[ref.area_id].name, ref.value)
        for ref in (ruhr, nrw)
        if ref is not None and ref.value is not None
    ]
    ordered = value_rows(item.cells, data.areas)
    bars = [
        mark(
            cell,
            cell.area_id,
            data.areas[cell.area_id].name,
            scale,
            decimals,
            unit,
            gemeinde_href(data.areas[cell.area_id]),
        )
        for cell in ordered
    ]
    stand = fmt.day(item.period)
    body.append(f'<section id="karte"><h2>Karte der {level_name}, Stand {stand}</h2>')
    if kreis_level:
        body.append(
            '<p class="hinweis">Diesen Indikator gibt es nicht für einzelne Gemeinden: jede Kachel zeigt den '
            "Wert ihres Kreises (bei kreisfreien Städten den der Stadt).</p>"
        )
    crossing = sorted(
        {cell.series_break_note for cell in ordered if cell.series_break and cell.series_break_note}
    )
    if crossing:
        body.append(
            '<p class="hinweis bruch-hinweis">Zeitreihenbruch: diese Werte vergleichen über eine Änderung '
            f"der Methode. {escape(' '.join(crossing))}</p>"
        )
    body.append(legend(scale, decimals, unit, indicator.polarity, STATUS_LEGEND))
    body.append(tile_map(data.gemeinde_tiles, marks, f"Kachelkarte {indicator.name}, Stand {stand}"))
    body.append(
        '<p class="zahlen"><a href="#tabelle">Zahlen zur Karte (Tabelle)</a> · '
        f"{download(f'{indicator.id}.csv')}</p>"
        "</section>"
    )
    ranking_rows = []
    for cell in ordered:
        area = data.areas[cell.area_id]
        href = gemeinde_href(area)
        name = f'<a href="{href}">{escape(area.name)}</a>' if href else escape(area.name)
        parent = data.areas.get(area.parent_id or "")
        ranking_rows.append(
            f'<tr data-area="{escape(area.id)}"><td class="zahl">{cell.rank or "–"}</td>'
            f'<th scope="row">{name}</th>'
            f"<td>{escape(_kreis_column(area, parent))}</td>"
            f"{value_cell(cell, decimals)}"
            f'<td class="zahl">{fmt.number(cell.numerator) if cell.numerator is not None else "–"}</td>'
            f'<td class="zahl">{fmt.number(cell.denominator) if cell.denominator is not None else "–"}</td>'
            f"<td>{escape(fmt.cell_note(cell))}</td></tr>"
        )
    body.append(
        f'<section id="rangfolge"><h2>Rangfolge der {level_name}, Stand {stand}</h2>'
        f"{bar_chart(bars, references, decimals, f'Rangfolge {indicator.name}, Stand {stand}')}"
        '<details id="tabelle"><summary>Zahlen zu Karte und Rangfolge als Tabelle</summary>'
        + table(
            [
                "Rang",
                "Gebiet",
                "Kreis" if not kreis_level else "Art",
                f"Wert ({escape(unit)})",
                "Zähler",
                "Nenner",
                "Hinweis",
            ],
            ranking_rows,
            caption=f"{escape(indicator.name)}, Stand {stand}; Rang 1 = höchster Wert",
            css="rangfolge",
        )
        + f"</details><p>{download(f'{indicator.id}.csv')}</p></section>"
    )
    files[f"{indicator.id}.csv"] = csv_text(
        [
            "rang",
            "area_id",
            "name",
            "ebene",
            "stichtag",
            "wert",
            "zaehler",
            "nenner",
            "status",
            "sperrgrund",
            "herkunft_zaehler",
            "wert_metropole_ruhr",
        ],
        [
            [
                cell.rank or "",
                cell.area_id,
                data.areas[cell.area_id].name,
                data.areas[cell.area_id].level,
                cell.period.isoformat(),
                fmt.plain(cell.value, decimals),
                fmt.plain(cell.numerator),
                fmt.plain(cell.denominator),
                cell.status,
                cell.suppression or cell.availability or "",
                cell.numerator_origin or "",
                fmt.plain(ruhr.value if ruhr else None, decimals),
            ]
            for cell in ordered
        ],
    )
    body.append(_series_section(data, item, files))
    if stadtbezirke(data, item):
        body.append(_small_area_section(data, item, files))
    return page(indicator.name, "".join(body), data, depth=1), files


def _kreis_column(area: Area, parent: Area | None) -> str:
    if area.level != "gemeinde":
        return area.area_type or ""
    return parent.name if parent and parent.area_type == "Kreis" else "kreisfrei"


def _series_section(data: AtlasData, item: IndicatorData, files: dict[str, str]) -> str:
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
    files[f"{indicator.id}_zeitreihe.csv"] = csv_text(
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
        f"<p>{download(f'{indicator.id}_zeitreihe.csv')}</p></section>"
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


def stadtbezirke(data: AtlasData, item: IndicatorData) -> list[Value]:
    """The indicator's Stadtbezirk values: the indicator page compares the cities on this level, the
    one every city delivers (finer levels are on the pages of the cities that deliver them)."""
    return [cell for cell in item.small_areas.values() if data.areas[cell.area_id].level == "stadtbezirk"]


def _small_area_section(data: AtlasData, item: IndicatorData, files: dict[str, str]) -> str:
    indicator = item.indicator
    decimals, unit = indicator.decimals, indicator.unit
    cells_of_level = stadtbezirke(data, item)
    scale = Scale.of((cell.value for cell in cells_of_level if cell.value is not None), indicator.polarity)
    by_city: dict[str, list[Value]] = defaultdict(list)
    for cell in cells_of_level:
        by_city[data.areas[cell.area_id].parent_id or ""].append(cell)
    stand = fmt.day(item.small_area_period)
    parts = [
        f'<section id="kleinraeumig"><h2>Kleinräumig: Stadtbezirke, Stand {stand}</h2>'
        '<p class="hinweis">Für die Städte, die kleinräumige Daten liefern. Die Farbstufen gelten für alle '
        "Stadtbezirke zusammen, so dass die Städte vergleichbar sind.</p>",
        legend(scale, decimals, unit, indicator.polarity, STATUS_LEGEND),
        '<div class="staedte">',
    ]
    csv_rows = []
    for city_id in sorted(by_city):
        city = data.areas[city_id]
        cells = {cell.area_id: cell for cell in by_city[city_id]}
        tiles = data.small_area_tiles.get(city_id, [])
        marks = {
            tile.area_id: mark(
                cells.get(tile.area_id), tile.area_id, data.areas[tile.area_id].name, scale, decimals, unit
            )
            for tile in tiles
            if tile.area_id in cells
        }
        rows = []
        for cell in value_rows(cells, data.areas):
            area = data.areas[cell.area_id]
            rows.append(
                f'<tr data-area="{escape(area.id)}"><th scope="row">{escape(area.name)}</th>'
                f"{value_cell(cell, decimals)}<td>{escape(fmt.cell_note(cell))}</td></tr>"
            )
            csv_rows.append(
                [
                    area.id,
                    area.name,
                    city.id,
                    city.name,
                    cell.period.isoformat(),
                    fmt.plain(cell.value, decimals),
                    fmt.plain(cell.numerator),
                    fmt.plain(cell.denominator),
                    cell.status,
                    cell.suppression or "",
                ]
            )
        parts.append(
            f'<div class="stadt" id="stadt-{city.id}">'
            f'<h3><a href="../gemeinde/{city.id}.html">{escape(city.name)}</a></h3>'
            f"{tile_map(tiles, marks, f'{indicator.name} in den Stadtbezirken von {city.name}', (92, 44))}"
            + table(["Stadtbezirk", f"Wert ({escape(unit)})", "Hinweis"], rows, css="kleinraum")
            + "</div>"
        )
    files[f"{indicator.id}_stadtbezirke.csv"] = csv_text(
        [
            "area_id",
            "name",
            "gemeinde_ags",
            "gemeinde",
            "stichtag",
            "wert",
            "zaehler",
            "nenner",
            "status",
            "sperrgrund",
        ],
        csv_rows,
    )
    parts.append(f"</div><p>{download(f'{indicator.id}_stadtbezirke.csv')}</p></section>")
    return "".join(parts)


# ---------------------------------------------------------------------------------- municipality page


def gemeinde_page(data: AtlasData, gemeinde: Area, scales: dict[str, Scale]) -> tuple[str, dict[str, str]]:
    kreis = data.areas.get(gemeinde.parent_id or "")
    files: dict[str, str] = {}
    rows, csv_rows = [], []
    topic = None
    for indicator in data.indicators:
        item = data.by_indicator[indicator.id]
        if item.period is None:
            continue
        decimals, unit = indicator.decimals, indicator.unit
        own_id = gemeinde.id if item.map_level == "gemeinde" else (gemeinde.parent_id or "")
        cell = item.cells.get(own_id)
        ruhr = item.references.get(REGION_ID)
        ruhr_value = ruhr.value if ruhr else None
        if indicator.topic != topic:
            topic = indicator.topic
            rows.append(f'<tr class="thema"><th colspan="7" scope="colgroup">{escape(topic)}</th></tr>')
        own_mark = mark(cell, own_id, gemeinde.name, scales[indicator.id], decimals, unit)
        level_note = ""
        if item.map_level == "kreis" and kreis:
            whose = "der Stadt" if kreis.area_type == "kreisfreie Stadt" else f"des Kreises {kreis.name}"
            level_note = f' <span class="hinweis">(Wert {escape(whose)})</span>'

        comparable = indicator.calculation != "count"  # a count is not comparable with the Ruhr's total
        deviation = (
            fmt.signed(cell.value - ruhr_value, decimals)
            if comparable and fmt.has_value(cell) and ruhr_value is not None
            else "–"
        )
        rank = f"{cell.rank} von {cell.ranked}" if cell is not None and cell.rank else "–"
        values = [c.value for c in item.cells.values() if c.value is not None]
        strip_label = f"{indicator.name}: {gemeinde.name} unter allen"
        rows.append(
            f'<tr data-indicator="{indicator.id}"><th scope="row"><a href="../indikator/{indicator.id}.html">'
            f'{escape(indicator.name)}</a> <span class="einheit">{escape(unit)}</span></th>'
            f"<td>{fmt.day(item.period)}</td>{value_cell(cell, decimals, level_note)}"
            f'<td class="zahl">{fmt.number(ruhr_value, decimals) if ruhr_value is not None else "–"}</td>'
            f'<td class="zahl">{deviation}</td><td class="zahl">{rank}</td>'
            f"<td>{strip(values, own_mark, ruhr_value if comparable else None, strip_label)}</td></tr>"
        )
        csv_rows.append(
            [
                indicator.id,
                indicator.name,
                unit,
                own_id,
                item.period.isoformat(),
                fmt.plain(cell.value if cell else None, decimals),
                cell.status if cell else "missing",
                (cell.suppression or "") if cell else "",
                fmt.plain(ruhr_value, decimals),
                (cell.rank or "") if cell else "",
                (cell.ranked or "") if cell else "",
            ]
        )
    files[f"{gemeinde.id}.csv"] = csv_text(
        [
            "indicator_id",
            "indikator",
            "einheit",
            "area_id",
            "stichtag",
            "wert",
            "status",
            "sperrgrund",
            "wert_metropole_ruhr",
            "rang",
            "von",
        ],
        csv_rows,
    )
    kreis_text = (
        "kreisfreie Stadt"
        if kreis is None or kreis.area_type == "kreisfreie Stadt"
        else f"{gemeinde.area_type or 'Gemeinde'} im {kreis.name}"
    )
    body = [
        '<nav class="pfad"><a href="../index.html">Übersicht</a> › '
        '<a href="../index.html#gemeinden">Gemeinden</a></nav>',
        f"<h1>{escape(gemeinde.name)}</h1><p>{escape(kreis_text)}, AGS {escape(gemeinde.id)}</p>",
        '<section id="profil"><h2>Kernindikatoren im Vergleich zur Metropole Ruhr</h2>'
        '<p class="hinweis">Je Indikator der neueste Stichtag. Einordnung: graue Striche = alle Gemeinden '
        f"(bzw. Kreise), schwarzer Strich = Metropole Ruhr, Punkt = {escape(gemeinde.name)} in der Farbe "
        "seiner Klasse auf der Karte des Indikators (dunkler = ungünstiger). Rang 1 = höchster Wert.</p>",
        table(
            [
                "Indikator",
                "Stand",
                escape(gemeinde.name),
                "Metropole Ruhr",
                "Abweichung",
                "Rang",
                "Einordnung",
            ],
            rows,
            css="profil",
        ),
        f"<p>{download(f'{gemeinde.id}.csv')}</p></section>",
        small_areas_section(data, gemeinde, files),
    ]
    return page(gemeinde.name, "".join(body), data, depth=1), files


# ------------------------------------------------------------------------------------- availability page


AVAILABILITY_ORDER = ("published", "suppressed", "missing", "not_delivered", "late")


def availability_page(data: AtlasData) -> tuple[str, dict[str, str]]:
    names = {indicator.id: indicator for indicator in data.indicators}
    summary: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    periods: dict[str, object] = {}
    for row in data.availability:
        counts = summary[(row["indicator_id"], row["level"])]
        periods[row["indicator_id"]] = row["period"]
        for key in ("areas", *AVAILABILITY_ORDER):
            counts[key] += row[key]
    overview = []
    for indicator in data.indicators:
        for level in ("gemeinde", *SMALL_AREA_LEVELS):
            counts = summary.get((indicator.id, level))
            if not counts:
                continue
            cells = "".join(
                f'<td class="zahl{" auffaellig" if key != "published" and counts[key] else ""}">'
                f"{counts[key]}</td>"
                for key in AVAILABILITY_ORDER
            )
            overview.append(
                f'<tr data-indicator="{indicator.id}" data-level="{level}"><th scope="row">'
                f'<a href="indikator/{indicator.id}.html">{escape(indicator.name)}</a></th>'
                f"<td>{fmt.LEVEL[level]}</td><td>{fmt.day(periods[indicator.id])}</td>"
                f'<td class="zahl">{counts["areas"]}</td>{cells}</tr>'
            )
    matrix_rows = _delivery_matrix(data, names)
    gap_rows = []
    last = {
        (row["indicator_id"], row["level"], row["lieferant"]): row["last_delivered"]
        for row in data.availability
    }
    for gap in data.availability_gaps:
        indicator = names.get(gap["indicator_id"])
        last_delivered = last.get((gap["indicator_id"], gap["level"], gap["lieferant"]))
        reason = fmt.AVAILABILITY.get(gap["availability"], gap["availability"])
        if gap["suppression"]:
            reason += f" ({fmt.SUPPRESSION.get(gap['suppression'], gap['suppression'])})"
        gap_rows.append(
            f'<tr class="status-{gap["availability"]}" data-area="{escape(gap["area_id"])}" '
            f'data-indicator="{gap["indicator_id"]}">'
            f"<td>{escape(data.lieferanten.get(gap['lieferant'], gap['lieferant']))}</td>"
            f'<td><a href="indikator/{gap["indicator_id"]}.html">'
            f"{escape(indicator.name if indicator else gap['indicator_id'])}</a></td>"
            f"<td>{escape(gap['name'])}</td><td>{fmt.day(gap['period'])}</td><td>{escape(reason)}</td>"
            f"<td>{fmt.day(last_delivered)}</td></tr>"
        )
    files = {
        "verfuegbarkeit.csv": csv_text(
            [
                "indicator_id",
                "ebene",
                "lieferant",
                "stichtag",
                "gebiete",
                *AVAILABILITY_ORDER,
                "zuletzt_geliefert",
            ],
            [
                [
                    row["indicator_id"],
                    row["level"],
                    row["lieferant"],
                    row["period"].isoformat(),
                    row["areas"],
                    *(row[key] for key in AVAILABILITY_ORDER),
                    row["last_delivered"].isoformat() if row["last_delivered"] else "",
                ]
                for row in data.availability
            ],
        ),
        "verfuegbarkeit_luecken.csv": csv_text(
            [
                "lieferant",
                "indicator_id",
                "area_id",
                "name",
                "ebene",
                "stichtag",
                "verfuegbarkeit",
                "sperrgrund",
            ],
            [
                [
                    g["lieferant"],
                    g["indicator_id"],
                    g["area_id"],
                    g["name"],
                    g["level"],
                    g["period"].isoformat(),
                    g["availability"],
                    g["suppression"] or "",
                ]
                for g in data.availability_gaps
            ],
        ),
    }
    states = "".join(
        f"<li><strong>{fmt.AVAILABILITY[key]}</strong>: {text}</li>"
        for key, text in (
            ("published", "Wert veröffentlicht"),
            ("suppressed", "geliefert, aber aus Datenschutzgründen gesperrt"),
            ("missing", "geliefert, aber ein Zähler oder Nenner fehlt"),
            ("not_delivered", "für diesen Stichtag nichts geliefert"),
            ("late", "neuester Stichtag fehlt, der vorherige ist da (Lieferung verspätet, Daten veraltet)"),
        )
    )
    body = (
        "<h1>Datenverfügbarkeit</h1>"
        "<p>Wer was geliefert hat und was fehlt, je Indikator am neuesten Stichtag, für Gemeinden und "
        "die kleinräumigen Ebenen (Lieferanten: die Kreise und kreisfreien Städte).</p>"
        f'<ul class="zustaende">{states}</ul>'
        '<section id="uebersicht"><h2>Übersicht je Indikator</h2>'
        + table(
            ["Indikator", "Ebene", "Stichtag", "Gebiete", *(fmt.AVAILABILITY[k] for k in AVAILABILITY_ORDER)],
            overview,
            caption="Anzahl der Gebiete je Zustand am neuesten Stichtag des Indikators",
            css="verfuegbarkeit",
        )
        + f"<p>{download('verfuegbarkeit.csv')}</p></section>"
        '<section id="lieferanten"><h2>Wer hat was geliefert (Gemeinden)</h2>'
        '<p class="hinweis">Je Zelle: veröffentlichte von allen Gemeinden des Lieferanten am neuesten '
        "Stichtag, darunter, was fehlt, gesperrt oder verspätet ist (mit dem zuletzt gelieferten "
        "Stichtag).</p>"
        f'<div class="breit">{matrix_rows}</div></section>'
        '<section id="luecken"><h2>Was fehlt, verspätet oder gesperrt ist</h2>'
        + (
            table(
                ["Lieferant", "Indikator", "Gebiet", "Stichtag", "Zustand", "zuletzt geliefert"],
                gap_rows,
                css="luecken",
            )
            if gap_rows
            else "<p>Nichts: alle Werte des neuesten Stichtags sind veröffentlicht.</p>"
        )
        + f"<p>{download('verfuegbarkeit_luecken.csv')}</p></section>"
    )
    return page("Datenverfügbarkeit", body, data), files


def _delivery_matrix(data: AtlasData, names: dict[str, Indicator]) -> str:
    cells: dict[tuple[str, str], dict] = {
        (row["lieferant"], row["indicator_id"]): row
        for row in data.availability
        if row["level"] == "gemeinde"
    }
    indicator_ids = [i.id for i in data.indicators if any(key[1] == i.id for key in cells)]
    lieferanten = sorted({key[0] for key in cells}, key=lambda key: data.lieferanten.get(key, key))
    head = "".join(
        f'<th scope="col" class="senkrecht"><a href="indikator/{i}.html" title="{escape(names[i].name)}">'
        f"{escape(names[i].short_label)}</a></th>"
        for i in indicator_ids
    )
    rows = []
    for lieferant in lieferanten:
        tds = []
        for indicator_id in indicator_ids:
            row = cells.get((lieferant, indicator_id))
            if row is None:
                tds.append('<td class="status-leer">–</td>')
                continue
            notes = [
                f"{row[key]} {fmt.AVAILABILITY[key]}"
                for key in ("suppressed", "missing", "not_delivered", "late")
                if row[key]
            ]
            worst = next(
                (key for key in ("late", "not_delivered", "missing", "suppressed") if row[key]), "published"
            )
            if worst in ("late", "not_delivered") and row["last_delivered"]:
                notes.append(f"zuletzt {fmt.day(row['last_delivered'])}")
            tds.append(
                f'<td class="status-{worst}" data-indicator="{indicator_id}">'
                f"{row['published']}/{row['areas']}"
                + "".join(f"<br><small>{escape(note)}</small>" for note in notes)
                + "</td>"
            )
        rows.append(
            f'<tr data-lieferant="{escape(lieferant)}"><th scope="row">'
            f"{escape(data.lieferanten.get(lieferant, lieferant))}</th>{''.join(tds)}</tr>"
        )
    if not rows:
        return "<p>Keine Lieferungen auf Gemeindeebene.</p>"
    return (
        f'<table class="matrix"><thead><tr><th scope="col">Lieferant</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


# ------------------------------------------------------------------------------------------ version page


def version_page(data: AtlasData) -> str:
    manifest = data.manifest
    checks = manifest.get("checks", {})
    failures = "".join(
        f"<li>{escape(str(f.get('asset')))} {escape(str(f.get('check_name')))} "
        f"({escape(str(f.get('severity')))})</li>"
        for f in checks.get("failures", [])
    )
    tables = [
        f'<tr><th scope="row"><code>{escape(name)}</code></th>'
        f'<td class="zahl">{fmt.number(info.get("rows", 0))}</td>'
        f"<td><code>{escape(str(info.get('parquet', '')))}</code></td></tr>"
        for name, info in manifest.get("tables", {}).items()
    ]
    per_source: dict[str, int] = defaultdict(int)
    for source in manifest.get("source_files", []):
        per_source[source["source_id"]] += 1
    files = [
        f"<tr><td>{escape(s['source_id'])}</td><td>{escape(s['file_name'])}</td>"
        f'<td><code title="{escape(s["sha256"])}">{escape(s["sha256"][:16])}…</code></td></tr>'
        for s in manifest.get("source_files", [])
    ]
    warnings_only = (
        " (nur Warnungen: blockierende Prüfungen verhindern die Veröffentlichung)"
        if checks.get("failed")
        else ""
    )
    sources = "".join(f"<li>{escape(k)}: {v} Dateien</li>" for k, v in sorted(per_source.items()))
    body = (
        "<h1>Version und Herkunft</h1>"
        "<p>Der Atlas wird bei jeder Veröffentlichung neu erzeugt und gehört zu ihr: er zeigt genau die "
        "Daten dieser Version (Ordner <code>published/&lt;version&gt;/</code>, Datei "
        "<code>warehouse.duckdb</code>).</p>"
        '<dl class="steckbrief">'
        f"<dt>Version</dt><dd><code>{escape(str(manifest.get('version', '')))}</code></dd>"
        f"<dt>Lauf</dt><dd><code>{escape(str(manifest.get('run_id', '')))}</code></dd>"
        f"<dt>Veröffentlicht</dt><dd>{published_text(manifest)} (UTC)</dd>"
        f"<dt>Prüfungen</dt><dd>{checks.get('passed', 0)} bestanden, "
        f"{checks.get('failed', 0)} nicht bestanden{warnings_only}</dd>"
        f'<dt>Manifest</dt><dd><a href="manifest.json">manifest.json</a></dd></dl>'
        + (f"<h2>Nicht bestandene Prüfungen</h2><ul>{failures}</ul>" if failures else "")
        + "<h2>Tabellen</h2>"
        + table(["Tabelle", "Zeilen", "Parquet-Datei"], tables, css="tabellen")
        + f"<h2>Quelldateien</h2><ul>{sources}</ul>"
        + "<details><summary>Alle Quelldateien mit Prüfsumme (SHA-256)</summary>"
        + table(["Quelle", "Datei", "SHA-256"], files, css="quellen")
        + "</details>"
    )
    return page("Version", body, data)
