"""An indicator's page (`indikator/<id>.html`): its catalog definition beside the official one, a tile
map of the 53 Gemeinden (or their Kreise), the ranking, the time series (`time_series.py`) and the
Stadtbezirke of the cities that deliver them; each chart with its numbers as a table and a CSV file."""

from __future__ import annotations

from collections import defaultdict
from html import escape

from expectations.catalog import CONFORMITY_LABELS, Indicator
from sozialmonitor.atlas import fmt
from sozialmonitor.atlas.data import LAND_ID, REGION_ID, Area, AtlasData, IndicatorData, Value
from sozialmonitor.atlas.html import (
    STATUS_LEGEND,
    csv_text,
    download,
    gemeinde_href,
    legend,
    mark,
    page,
    table,
    value_cell,
    value_rows,
)
from sozialmonitor.atlas.svg import Mark, Scale, bar_chart, tile_map
from sozialmonitor.atlas.time_series import series_section

RANKING_CSV_HEADER = (
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
)
STADTBEZIRKE_CSV_HEADER = (
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
)


def indicator_scale(data: IndicatorData) -> Scale:
    """The map's colour classes; the Gemeinde pages colour their dots with the same."""
    return Scale.of(
        (cell.value for cell in data.cells.values() if cell.value is not None), data.indicator.polarity
    )


def indicator_page(data: AtlasData, item: IndicatorData) -> tuple[str, dict[str, str]]:
    """The page and its CSV files (name -> text)."""
    indicator = item.indicator
    files: dict[str, str] = {}
    body = [_fact_sheet(indicator), official_definition(indicator)]
    if item.period is None:
        body.append("<p>Für diesen Indikator gibt es in dieser Veröffentlichung keine Werte.</p>")
        return page(indicator.name, "".join(body), data, depth=1), files
    scale = indicator_scale(item)
    ordered = value_rows(item.cells, data.areas)
    body.append(_map_section(data, item, scale, ordered))
    body.append(_ranking_section(data, item, scale, ordered))
    files[f"{indicator.indicator_id}.csv"] = _ranking_csv(data, item, ordered)
    body.append(series_section(data, item, files))
    if stadtbezirke(data, item):
        body.append(_small_area_section(data, item, files))
    return page(indicator.name, "".join(body), data, depth=1), files


def _fact_sheet(indicator: Indicator) -> str:
    """Path, name, definition and the catalog entry in words (unit, calculation, Stichtag, sources …)."""
    sources = ", ".join(indicator.source_ids)
    levels = ", ".join(fmt.LEVEL.get(level, level) for level in indicator.area_levels)
    rule = (
        f"Zähler unter {indicator.min_count} oder Nenner unter {indicator.min_denominator}: gesperrt"
        if indicator.min_count or indicator.min_denominator
        else "keine"
    )
    calculation = fmt.CALCULATION.get(indicator.calculation, indicator.calculation)
    return (
        f'<nav class="pfad"><a href="../index.html">Übersicht</a> › {escape(indicator.topic)}</nav>'
        f'<h1>{escape(indicator.name)}</h1><p class="definition">{escape(indicator.definition)}</p>'
        '<dl class="steckbrief">'
        f"<dt>Einheit</dt><dd>{escape(indicator.unit)}</dd>"
        f"<dt>Berechnung</dt><dd>{escape(calculation)}</dd>"
        f"<dt>Stichtag</dt><dd>{escape(indicator.reference_date_rule)}</dd>"
        f"<dt>Bewertung</dt><dd>{escape(fmt.POLARITY.get(indicator.polarity, indicator.polarity))}</dd>"
        f"<dt>Quellen</dt><dd>{escape(sources)}</dd>"
        f"<dt>Gebietsebenen</dt><dd>{escape(levels)}</dd>"
        f"<dt>Geheimhaltung</dt><dd>{escape(rule)}</dd>"
        f"<dt>Kennung</dt><dd><code>{escape(indicator.indicator_id)}</code></dd></dl>"
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


def _level_name(item: IndicatorData) -> str:
    return "Kreise und kreisfreien Städte" if item.map_level == "kreis" else "53 Gemeinden"


def _map_section(data: AtlasData, item: IndicatorData, scale: Scale, ordered: list[Value]) -> str:
    """The tile map at the newest Stichtag, with what the reader must know first: Kreis values shown on
    Gemeinde tiles, and values compared across a series break."""
    indicator = item.indicator
    stand = fmt.day(item.period)
    parts = [f'<section id="karte"><h2>Karte der {_level_name(item)}, Stand {stand}</h2>']
    if item.map_level == "kreis":
        parts.append(
            '<p class="hinweis">Diesen Indikator gibt es nicht für einzelne Gemeinden: jede Kachel zeigt den '
            "Wert ihres Kreises (bei kreisfreien Städten den der Stadt).</p>"
        )
    crossing = sorted(
        {cell.series_break_note for cell in ordered if cell.series_break and cell.series_break_note}
    )
    if crossing:
        parts.append(
            '<p class="hinweis bruch-hinweis">Zeitreihenbruch: diese Werte vergleichen über eine Änderung '
            f"der Methode. {escape(' '.join(crossing))}</p>"
        )
    parts.append(legend(scale, indicator.decimals, indicator.unit, indicator.polarity, STATUS_LEGEND))
    parts.append(
        tile_map(
            data.gemeinde_tiles, _tiles(data, item, scale), f"Kachelkarte {indicator.name}, Stand {stand}"
        )
    )
    parts.append(
        '<p class="zahlen"><a href="#tabelle">Zahlen zur Karte (Tabelle)</a> · '
        f"{download(f'{indicator.indicator_id}.csv')}</p>"
        "</section>"
    )
    return "".join(parts)


def _tiles(data: AtlasData, item: IndicatorData, scale: Scale) -> dict[str, Mark]:
    """A tile per Gemeinde, linked to its page; on the Kreis level each shows (and names) its Kreis."""
    indicator = item.indicator
    kreis_level = item.map_level == "kreis"
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
            indicator.decimals,
            indicator.unit,
            f"../gemeinde/{gemeinde.id}.html",
        )
    return marks


def _ranking_section(data: AtlasData, item: IndicatorData, scale: Scale, ordered: list[Value]) -> str:
    """The bar chart with the Ruhr and NRW as reference lines, and the table behind map and ranking."""
    indicator = item.indicator
    decimals, unit = indicator.decimals, indicator.unit
    references = [
        (data.areas[ref.area_id].name, ref.value)
        for ref in (item.references.get(REGION_ID), item.references.get(LAND_ID))
        if ref is not None and ref.value is not None
    ]
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
    level_name = _level_name(item)
    return (
        f'<section id="rangfolge"><h2>Rangfolge der {level_name}, Stand {stand}</h2>'
        f"{bar_chart(bars, references, decimals, f'Rangfolge {indicator.name}, Stand {stand}')}"
        '<details id="tabelle"><summary>Zahlen zu Karte und Rangfolge als Tabelle</summary>'
        + table(
            [
                "Rang",
                "Gebiet",
                "Kreis" if item.map_level != "kreis" else "Art",
                f"Wert ({escape(unit)})",
                "Zähler",
                "Nenner",
                "Hinweis",
            ],
            [_ranking_row(data, cell, decimals) for cell in ordered],
            caption=f"{escape(indicator.name)}, Stand {stand}; Rang 1 = höchster Wert",
            css="rangfolge",
        )
        + f"</details><p>{download(f'{indicator.indicator_id}.csv')}</p></section>"
    )


def _ranking_row(data: AtlasData, cell: Value, decimals: int) -> str:
    area = data.areas[cell.area_id]
    href = gemeinde_href(area)
    name = f'<a href="{href}">{escape(area.name)}</a>' if href else escape(area.name)
    parent = data.areas.get(area.parent_id or "")
    return (
        f'<tr data-area="{escape(area.id)}"><td class="zahl">{cell.rank or "–"}</td>'
        f'<th scope="row">{name}</th>'
        f"<td>{escape(_kreis_column(area, parent))}</td>"
        f"{value_cell(cell, decimals)}"
        f'<td class="zahl">{fmt.number(cell.numerator) if cell.numerator is not None else "–"}</td>'
        f'<td class="zahl">{fmt.number(cell.denominator) if cell.denominator is not None else "–"}</td>'
        f"<td>{escape(fmt.cell_note(cell))}</td></tr>"
    )


def _kreis_column(area: Area, parent: Area | None) -> str:
    if area.level != "gemeinde":
        return area.area_type or ""
    return parent.name if parent and parent.area_type == "Kreis" else "kreisfrei"


def _ranking_csv(data: AtlasData, item: IndicatorData, ordered: list[Value]) -> str:
    decimals = item.indicator.decimals
    ruhr = item.references.get(REGION_ID)
    return csv_text(
        RANKING_CSV_HEADER,
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


def stadtbezirke(data: AtlasData, item: IndicatorData) -> list[Value]:
    """The indicator's Stadtbezirk values: the indicator page compares the cities on this level, the
    one every city delivers (finer levels are on the pages of the cities that deliver them)."""
    return [cell for cell in item.small_areas.values() if data.areas[cell.area_id].level == "stadtbezirk"]


def _small_area_section(data: AtlasData, item: IndicatorData, files: dict[str, str]) -> str:
    """A tile map and table per city; its CSV file goes into `files` (name -> text)."""
    indicator = item.indicator
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
        legend(scale, indicator.decimals, indicator.unit, indicator.polarity, STATUS_LEGEND),
        '<div class="staedte">',
    ]
    csv_rows: list[list[object]] = []
    for city_id in sorted(by_city):
        html, rows = _city_stadtbezirke(data, item, data.areas[city_id], by_city[city_id], scale)
        parts.append(html)
        csv_rows.extend(rows)
    files[f"{indicator.indicator_id}_stadtbezirke.csv"] = csv_text(STADTBEZIRKE_CSV_HEADER, csv_rows)
    parts.append(f"</div><p>{download(f'{indicator.indicator_id}_stadtbezirke.csv')}</p></section>")
    return "".join(parts)


def _city_stadtbezirke(
    data: AtlasData, item: IndicatorData, city: Area, city_cells: list[Value], scale: Scale
) -> tuple[str, list[list[object]]]:
    """One city's Stadtbezirke as a tile map and a table, and their CSV rows."""
    indicator = item.indicator
    decimals, unit = indicator.decimals, indicator.unit
    cells = {cell.area_id: cell for cell in city_cells}
    tiles = data.small_area_tiles.get(city.id, [])
    marks = {
        tile.area_id: mark(
            cells.get(tile.area_id), tile.area_id, data.areas[tile.area_id].name, scale, decimals, unit
        )
        for tile in tiles
        if tile.area_id in cells
    }
    rows, csv_rows = [], []
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
    html = (
        f'<div class="stadt" id="stadt-{city.id}">'
        f'<h3><a href="../gemeinde/{city.id}.html">{escape(city.name)}</a></h3>'
        f"{tile_map(tiles, marks, f'{indicator.name} in den Stadtbezirken von {city.name}', (92, 44))}"
        + table(["Stadtbezirk", f"Wert ({escape(unit)})", "Hinweis"], rows, css="kleinraum")
        + "</div>"
    )
    return html, csv_rows
