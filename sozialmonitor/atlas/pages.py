"""The atlas's pages as HTML text (and the CSV files behind their charts), one function per page.

Paths are relative (`../style.css`), so the site works from a web server and from disk alike. Every
chart is followed by its numbers: a table one click away (`<details>`) or in plain view, and a CSV
download (semicolon, decimal comma, UTF-8 with BOM, as German spreadsheet programs expect).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from html import escape

from expectations.catalog import CONFORMITY_LABELS
from sozialmonitor.atlas import fmt
from sozialmonitor.atlas.data import (
    LAND_ID,
    REGION_ID,
    Area,
    AtlasData,
    Indicator,
    IndicatorData,
    Value,
    series_areas,
)
from sozialmonitor.atlas.svg import (
    DEFS,
    MISSING_FILL,
    SUPPRESSED_FILL,
    VIRIDIS,
    Line,
    Mark,
    Scale,
    bar_chart,
    line_chart,
    strip,
    tile_map,
)

SITE = "Sozialmonitor Ruhr – Atlas"
CSV_NOTE = "CSV: Semikolon, Dezimalkomma, UTF-8"


# ---------------------------------------------------------------------------------------------- helpers


def page(title: str, body: str, data: AtlasData, depth: int = 0) -> str:
    root = "../" * depth
    manifest = data.manifest
    return (
        "<!DOCTYPE html>\n"
        '<html lang="de"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} – {SITE}</title>"
        f'<link rel="icon" href="data:,"><link rel="stylesheet" href="{root}style.css"></head>\n'
        f'<body>{DEFS}<header><a class="marke" href="{root}index.html">{SITE}</a><nav>'
        f'<a href="{root}index.html#indikatoren">Indikatoren</a>'
        f'<a href="{root}index.html#gemeinden">Gemeinden</a>'
        f'<a href="{root}verfuegbarkeit.html">Datenverfügbarkeit</a>'
        f'<a href="{root}version.html">Version</a></nav></header>\n'
        f"<main>{body}</main>\n"
        f'<footer>Erstellt aus der Veröffentlichung <a href="{root}version.html">'
        f"{escape(str(manifest.get('version', '')))}</a> vom {_published(manifest)} (UTC). "
        "Gesperrte Werte (Datenschutz) sind als „gesperrt“ gekennzeichnet, nie als Null.</footer>\n"
        "</body></html>\n"
    )


def _published(manifest: dict) -> str:
    stamp = str(manifest.get("published_at", ""))
    return f"{stamp[8:10]}.{stamp[5:7]}.{stamp[:4]} {stamp[11:16]}" if len(stamp) >= 16 else stamp


def table(headers: Sequence[str], rows: Iterable[str], caption: str = "", css: str = "") -> str:
    head = "".join(f'<th scope="col">{h}</th>' for h in headers)
    cap = f"<caption>{caption}</caption>" if caption else ""
    return f'<table class="{css}">{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def value_cell(cell: Value | None, decimals: int, extra: str = "") -> str:
    css = "wert" + (" gesperrt" if fmt.is_suppressed(cell) else "" if fmt.has_value(cell) else " fehlt")
    note = fmt.cell_note(cell)
    title = f' title="{escape(note)}"' if note else ""
    return f'<td class="{css}"{title}>{fmt.cell_text(cell, decimals)}{extra}</td>'


def mark(
    cell: Value | None,
    area_id: str,
    label: str,
    scale: Scale,
    decimals: int,
    unit: str,
    href: str | None = None,
) -> Mark:
    """A tile or bar: the value in its class colour, or hatched `gesperrt`, or an empty `keine Daten`."""
    text, note = fmt.cell_text(cell, decimals), fmt.cell_note(cell)
    if fmt.has_value(cell):
        title = f"{label}: {text} {unit}" + (f" ({note})" if note else "")
        return Mark(area_id, label, text, "wert", scale.colour(cell.value), title, href, cell.value)
    kind, fill = ("gesperrt", SUPPRESSED_FILL) if fmt.is_suppressed(cell) else ("fehlt", MISSING_FILL)
    return Mark(area_id, label, text, kind, fill, f"{label}: {note}", href)


def legend(
    scale: Scale, decimals: int, unit: str, polarity: str, extra: Sequence[tuple[str, str]] = ()
) -> str:
    items = [
        f'<li><span class="farbe" style="background:{colour}"></span>{label}</li>'
        for colour, label in scale.legend(decimals)
    ]
    items += [f'<li><span class="farbe {css}"></span>{label}</li>' for css, label in extra]
    direction = "dunkler = ungünstiger" if polarity != "neutral" else "dunkler = höherer Wert (ohne Wertung)"
    return (
        f'<div class="legende"><span class="legende-titel">{escape(unit)} – {direction} '
        f"({fmt.POLARITY.get(polarity, polarity)})</span><ul>{''.join(items)}</ul></div>"
    )


STATUS_LEGEND = (("gesperrt", fmt.SUPPRESSED), ("fehlt", fmt.MISSING))


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return "\ufeff" + buffer.getvalue()


def download(href: str, text: str = "CSV herunterladen") -> str:
    link = f'<a class="download" href="{escape(href)}" download>{text}</a>'
    return f'{link} <span class="hinweis">({CSV_NOTE})</span>'


def gemeinde_href(area: Area) -> str | None:
    """From an indicator page: a page exists for every Gemeinde; a kreisfreie Stadt's Kreis links to
    its Gemeinde page (AGS = Kreis key + 000); a Kreis has none."""
    if area.level == "gemeinde":
        return f"../gemeinde/{area.id}.html"
    if area.level == "kreis" and area.area_type == "kreisfreie Stadt":
        return f"../gemeinde/{area.id}000.html"
    return None


def _value_rows(cells: dict[str, Value], areas: dict[str, Area]) -> list[Value]:
    """Ranking order: highest value first (ties by name), then suppressed, then without data."""

    def key(cell: Value) -> tuple:
        name = areas[cell.area_id].name
        if cell.value is not None:
            return (0, -cell.value, name)
        return (1 if cell.status == "suppressed" else 2, 0, name)

    return sorted(cells.values(), key=key)


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
    ordered = _value_rows(item.cells, data.areas)
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
    if item.small_areas:
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
    chart = line_chart(lines, decimals, f"Zeitreihe {indicator.name}")
    head = "".join(f'<th scope="col">{escape(data.areas[area].name)}</th>' for area in area_ids)
    rows = "".join(
        f'<tr data-period="{period.isoformat()}"><th scope="row">{fmt.day(period)}</th>'
        + "".join(value_cell(by_period[area].get(period), decimals) for area in area_ids)
        + "</tr>"
        for period in periods
    )
    files[f"{indicator.id}_zeitreihe.csv"] = csv_text(
        ["area_id", "name", "stichtag", "wert", "status", "sperrgrund"],
        [
            [
                area,
                data.areas[area].name,
                value.period.isoformat(),
                fmt.plain(value.value, decimals),
                value.status,
                value.suppression or "",
            ]
            for area in area_ids
            for value in item.series[area]
        ],
    )
    cities = ", ".join(escape(data.areas[area].name) for area in area_ids if area not in (REGION_ID, LAND_ID))
    return (
        '<section id="zeitreihe">'
        "<h2>Zeitreihe: Metropole Ruhr, Nordrhein-Westfalen und ausgewählte Städte</h2>"
        f'<p class="hinweis">Städte: {cities}. Nordrhein-Westfalen, wo die Quellen es ausweisen. '
        "Lücken: Wert gesperrt oder nicht vorhanden.</p>"
        f"{chart}"
        '<details id="zeitreihe-tabelle"><summary>Zahlen zur Zeitreihe als Tabelle</summary>'
        f'<table class="zeitreihe"><caption>{escape(indicator.name)} ({escape(indicator.unit)})</caption>'
        f'<thead><tr><th scope="col">Stichtag</th>{head}</tr></thead><tbody>{rows}</tbody></table></details>'
        f"<p>{download(f'{indicator.id}_zeitreihe.csv')}</p></section>"
    )


def _small_area_section(data: AtlasData, item: IndicatorData, files: dict[str, str]) -> str:
    indicator = item.indicator
    decimals, unit = indicator.decimals, indicator.unit
    scale = Scale.of(
        (cell.value for cell in item.small_areas.values() if cell.value is not None), indicator.polarity
    )
    by_city: dict[str, list[Value]] = defaultdict(list)
    for cell in item.small_areas.values():
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
        for cell in _value_rows(cells, data.areas):
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
        _small_areas_of(data, gemeinde, files),
    ]
    return page(gemeinde.name, "".join(body), data, depth=1), files


INDEX_CLASSES = {1: "1 – geringste Belastung", 2: "2", 3: "3", 4: "4", 5: "5 – höchste Belastung"}


def _small_areas_of(data: AtlasData, gemeinde: Area, files: dict[str, str]) -> str:
    index = data.social_index.get(gemeinde.id, [])
    children = {area.id: area for area in data.children(gemeinde.id, "stadtbezirk")}
    columns = [
        item
        for item in data.by_indicator.values()
        if any(area_id in children for area_id in item.small_areas)
    ]
    if not index and not columns:
        return (
            '<section id="stadtbezirke"><h2>Stadtbezirke</h2>'
            "<p>Für diese Gemeinde liegen keine kleinräumigen Daten vor.</p></section>"
        )
    ranked = [entry.area_id for entry in index] + sorted(set(children) - {e.area_id for e in index})
    by_area = {entry.area_id: entry for entry in index}
    marks = {}
    for area_id in ranked:
        entry = by_area.get(area_id)
        name = data.areas[area_id].name
        if entry is not None and entry.index_class is not None:
            fill = VIRIDIS[entry.index_class - 1]
            marks[area_id] = Mark(
                area_id,
                name,
                f"Klasse {entry.index_class}",
                "wert",
                fill,
                f"{name}: Sozialindex {fmt.number(entry.social_index, 2)}, Klasse {entry.index_class}",
            )
        else:
            marks[area_id] = Mark(area_id, name, fmt.MISSING, "fehlt", MISSING_FILL, f"{name}: {fmt.MISSING}")
    period = index[0].period if index else None
    head = ["Rang", "Stadtbezirk", "Sozialindex", "Klasse"] + [
        f'<a href="../indikator/{item.indicator.id}.html">{escape(item.indicator.short_label)}</a>'
        for item in columns
    ]
    rows, csv_rows = [], []
    for position, area_id in enumerate(ranked, start=1):
        entry = by_area.get(area_id)
        index_text = (
            fmt.number(entry.social_index, 2) if entry and entry.social_index is not None else fmt.MISSING
        )
        klass = str(entry.index_class) if entry and entry.index_class is not None else "–"
        cells = "".join(
            value_cell(item.small_areas.get(area_id), item.indicator.decimals) for item in columns
        )
        rows.append(
            f'<tr data-area="{escape(area_id)}"><td class="zahl">{position if entry else "–"}</td>'
            f'<th scope="row">{escape(data.areas[area_id].name)}</th><td class="zahl">{index_text}</td>'
            f'<td class="zahl">{klass}</td>{cells}</tr>'
        )
        csv_rows.append(
            [
                area_id,
                data.areas[area_id].name,
                entry.period.isoformat() if entry else "",
                fmt.plain(entry.social_index if entry else None, 3),
                klass if entry else "",
            ]
            + [
                fmt.plain(item.small_areas[area_id].value, item.indicator.decimals)
                if area_id in item.small_areas
                else ""
                for item in columns
            ]
        )
    files[f"{gemeinde.id}_stadtbezirke.csv"] = csv_text(
        ["area_id", "name", "stichtag_sozialindex", "sozialindex", "klasse"]
        + [item.indicator.id for item in columns],
        csv_rows,
    )
    tiles = data.small_area_tiles.get(gemeinde.id, [])
    class_legend = "".join(
        f'<li><span class="farbe" style="background:{VIRIDIS[k - 1]}"></span>{label}</li>'
        for k, label in INDEX_CLASSES.items()
    )
    stands = sorted({item.small_area_period for item in columns if item.small_area_period})
    stand = f", Stand {fmt.day(period)}" if period else ""
    return (
        f'<section id="stadtbezirke"><h2>Stadtbezirke nach Sozialindex{stand}</h2>'
        '<p class="hinweis">Sozialindex: gewichtetes Mittel standardisierter Indikatoren, 0 = '
        "durchschnittlicher Stadtbezirk der Ruhrgebietsstädte, höher = stärker belastet; Klassen = Quintile "
        "(5 = höchste Belastung). Sortiert nach dem Index, der am stärksten belastete zuerst. "
        "Indikatorwerte: neuester Stichtag "
        f"({', '.join(fmt.day(s) for s in stands) or '–'}).</p>"
        '<div class="legende">'
        '<span class="legende-titel">Sozialindex-Klasse (dunkler = stärker belastet)</span>'
        f'<ul>{class_legend}<li><span class="farbe fehlt"></span>{fmt.MISSING}</li></ul></div>'
        + (
            tile_map(tiles, marks, f"Stadtbezirke von {gemeinde.name} nach Sozialindex-Klasse", (96, 44))
            if tiles
            else ""
        )
        + table(head, rows, css="kleinraum")
        + f"<p>{download(f'{gemeinde.id}_stadtbezirke.csv')}</p></section>"
    )


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
        for level in ("gemeinde", "stadtbezirk"):
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
        "Stadtbezirke (Lieferanten: die Kreise und kreisfreien Städte).</p>"
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
        f"<dt>Veröffentlicht</dt><dd>{_published(manifest)} (UTC)</dd>"
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
