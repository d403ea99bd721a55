"""A Gemeinde's page (`gemeinde/<AGS>.html`): its profile, every indicator at its newest Stichtag against
the Metropole Ruhr, and its small areas by social index (`sozialindex.small_areas_section`)."""

from __future__ import annotations

from html import escape

from sozialmonitor.atlas import fmt
from sozialmonitor.atlas.data import REGION_ID, Area, AtlasData, IndicatorData
from sozialmonitor.atlas.html import csv_text, download, mark, page, table, value_cell
from sozialmonitor.atlas.sozialindex import small_areas_section
from sozialmonitor.atlas.svg import Scale, strip

PROFILE_CSV_HEADER = (
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
)


def gemeinde_page(data: AtlasData, gemeinde: Area, scales: dict[str, Scale]) -> tuple[str, dict[str, str]]:
    """The page and its CSV files (name -> text); `scales` are the indicator maps' colour classes, so that
    a Gemeinde's dot has the colour of its tile."""
    kreis = data.areas.get(gemeinde.parent_id or "")
    files: dict[str, str] = {}
    rows, csv_rows = [], []
    topic = None
    for indicator in data.indicators:
        item = data.by_indicator[indicator.indicator_id]
        if item.period is None:
            continue
        if indicator.topic != topic:
            topic = indicator.topic
            rows.append(f'<tr class="thema"><th colspan="7" scope="colgroup">{escape(topic)}</th></tr>')
        row, csv_row = _profile_row(gemeinde, kreis, item, scales[indicator.indicator_id])
        rows.append(row)
        csv_rows.append(csv_row)
    files[f"{gemeinde.id}.csv"] = csv_text(PROFILE_CSV_HEADER, csv_rows)
    body = [
        '<nav class="pfad"><a href="../index.html">Übersicht</a> › '
        '<a href="../index.html#gemeinden">Gemeinden</a></nav>',
        f"<h1>{escape(gemeinde.name)}</h1>"
        f"<p>{escape(_kreis_text(gemeinde, kreis))}, AGS {escape(gemeinde.id)}</p>",
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


def _kreis_text(gemeinde: Area, kreis: Area | None) -> str:
    if kreis is None or kreis.area_type == "kreisfreie Stadt":
        return "kreisfreie Stadt"
    return f"{gemeinde.area_type or 'Gemeinde'} im {kreis.name}"


def _profile_row(
    gemeinde: Area, kreis: Area | None, item: IndicatorData, scale: Scale
) -> tuple[str, list[object]]:
    """One indicator as a table row and a CSV row: the Gemeinde's newest value (its Kreis's where the
    indicator has none for Gemeinden), the Ruhr's, the deviation, the rank and where it stands."""
    indicator = item.indicator
    decimals, unit = indicator.decimals, indicator.unit
    own_id = gemeinde.id if item.map_level == "gemeinde" else (gemeinde.parent_id or "")
    cell = item.cells.get(own_id)
    ruhr = item.references.get(REGION_ID)
    ruhr_value = ruhr.value if ruhr else None
    own_mark = mark(cell, own_id, gemeinde.name, scale, decimals, unit)
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
    row = (
        f'<tr data-indicator="{indicator.indicator_id}"><th scope="row">'
        f'<a href="../indikator/{indicator.indicator_id}.html">'
        f'{escape(indicator.name)}</a> <span class="einheit">{escape(unit)}</span></th>'
        f"<td>{fmt.day(item.period)}</td>{value_cell(cell, decimals, level_note)}"
        f'<td class="zahl">{fmt.number(ruhr_value, decimals) if ruhr_value is not None else "–"}</td>'
        f'<td class="zahl">{deviation}</td><td class="zahl">{rank}</td>'
        f"<td>{strip(values, own_mark, ruhr_value if comparable else None, strip_label)}</td></tr>"
    )
    csv_row = [
        indicator.indicator_id,
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
    return row, csv_row
