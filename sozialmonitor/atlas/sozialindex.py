"""The social index in the atlas: its method page and the index sections of a municipality's page.

Everything shown is read from the published marts of the version (mart_social_area_index,
mart_social_index_robustness and the three dims with its weights, class bounds and rules), so the page
describes exactly the index it shows. The method follows the Berlin Monitoring Soziale
Stadtentwicklung (MSS); SOURCES names what was checked there and what was not, its addresses written
without a scheme (the atlas links nothing outside itself).
"""

from __future__ import annotations

from html import escape

from sozialmonitor.atlas import fmt
from sozialmonitor.atlas.data import SMALL_AREA_LEVELS, Area, AtlasData, IndicatorData
from sozialmonitor.atlas.html import csv_text, download, page, table, value_cell
from sozialmonitor.atlas.index_data import SocialIndex
from sozialmonitor.atlas.svg import MISSING_FILL, VIRIDIS, Mark, tile_map

METHOD_PAGE = "sozialindex.html"
# the section of a municipality's page per level (the Stadtbezirke's id is the one the page always had)
SECTION_ID = {
    "stadtbezirk": "stadtbezirke",
    "stadtteil": "stadtteile",
    "statistischer_bezirk": "statistische-bezirke",
    "sozialraum": "sozialraeume",
}
COMPONENT = {"status": "Statusindex", "dynamik": "Dynamikindex"}
SOURCES = (
    "Senatsverwaltung für Stadtentwicklung Berlin: Monitoring Soziale Stadtentwicklung (MSS) 2017, "
    "Tabellen der Index-Indikatoren (Status 1 Arbeitslosigkeit, Status 2 Langzeitarbeitslosigkeit, "
    "Status 3 Transferbezug, Status 4 Kinderarmut; Dynamik = Veränderung derselben Anteile in "
    "Prozentpunkten über zwei Jahre), "
    "www.berlin.de/sen/sbw/stadtdaten/stadtwissen/monitoring-soziale-stadtentwicklung/",
    "FIS-Broker Berlin, Beschreibung des MSS 2015: vier Index-Indikatoren, Statusindex in vier Klassen "
    "(hoch, mittel, niedrig, sehr niedrig), Dynamikindex in drei (positiv, stabil, negativ), Überlagerung zu "
    "zwölf Gruppen; Migration bis zum MSS 2011 im Index, seit dem MSS 2013 nur noch Kontextindikator, "
    "fbinter.stadt-berlin.de/fb_daten/beschreibung/",
    "MSS 2019: Status- und Dynamikindex aus drei Indikatoren (ohne Langzeitarbeitslosigkeit), Gebiete unter "
    "300 Einwohnern nicht bewertet; seine Datensätze auf daten.berlin.de beschreiben Karten „mit "
    "Gruppenbildung nach Standardabweichung vom Mittelwert“, die Überlagerung zu zwölf Gruppen und den "
    "Dynamik-Indikator 1 als Veränderung des Anteils der Arbeitslosen nach SGB II, "
    "daten.berlin.de/tags/monitoring-soziale-stadtentwicklung",
    "Hamburg, Sozialmonitoring Integrierte Stadtteilentwicklung: dieselbe Logik aus Status und Dynamik "
    "(nach Sekundärquellen, nicht im Original geprüft).",
)


def class_colour(rank: int, classes: int) -> str:
    """Light (least burdened, improving) to dark (most burdened, worsening), spread over viridis."""
    return VIRIDIS[round((rank - 1) * (len(VIRIDIS) - 1) / max(classes - 1, 1))]


def _rule(data: AtlasData, name: str) -> str:
    value = data.index_method.rules.get(name)
    return fmt.number(value) if value is not None else "–"


def _share(data: AtlasData, name: str) -> str:
    value = data.index_method.rules.get(name)
    return f"{fmt.number(value * 100, 0)} %" if value is not None else "–"


def _index_text(value: float | None) -> str:
    return fmt.number(value, 2) if value is not None else "–"


# ------------------------------------------------------------------------------------ municipality page


def small_areas_section(data: AtlasData, gemeinde: Area, files: dict[str, str]) -> str:
    """The Gemeinde among the 53 and, per small-area level the city delivers, its areas by the index."""
    by_level = data.social_index.get(gemeinde.id, {})
    parts = [_gemeinde_line(data, gemeinde, by_level.get("gemeinde", []))]
    levels = [level for level in SMALL_AREA_LEVELS if data.children(gemeinde.id, level)]
    if not levels:
        parts.append(
            '<section id="stadtbezirke"><h2>Stadtbezirke</h2>'
            "<p>Für diese Gemeinde liegen keine kleinräumigen Daten vor.</p></section>"
        )
    for level in levels:
        parts.append(_level_section(data, gemeinde, level, by_level.get(level, []), files))
    return "".join(parts)


def _gemeinde_line(data: AtlasData, gemeinde: Area, entries: list[SocialIndex]) -> str:
    if not entries:
        return ""
    entry = entries[0]
    text = (
        f"Statusindex {_index_text(entry.status_index)} ({escape(entry.status_class or 'keine Klasse')}), "
        f"Dynamikindex {_index_text(entry.dynamik_index)} ({escape(entry.dynamik_class or 'keine Klasse')})"
    )
    note = f' <span class="hinweis">{escape(entry.note)}</span>' if entry.note else ""
    return (
        '<section id="sozialindex">'
        f"<h2>Sozialindex unter den 53 Gemeinden, Stand {fmt.day(entry.period)}</h2>"
        f"<p>{escape(gemeinde.name)}: {text}.{note} 0 = Durchschnitt der Gemeinden der Metropole Ruhr, "
        "höher = stärker belastet bzw. ungünstigere Entwicklung "
        f'(<a href="../{METHOD_PAGE}">Methode</a>).</p>'
        "</section>"
    )


def _marks(data: AtlasData, ranked: list[str], by_area: dict[str, SocialIndex]) -> dict[str, Mark]:
    classes = sum(1 for row in data.index_method.classes if row["component"] == "status")
    marks = {}
    for area_id in ranked:
        entry, name = by_area.get(area_id), data.areas[area_id].name
        if entry is not None and entry.status_class_rank is not None:
            marks[area_id] = Mark(
                area_id,
                name,
                entry.status_class or "",
                "wert",
                class_colour(entry.status_class_rank, classes),
                f"{name}: Statusindex {_index_text(entry.status_index)}, {entry.status_class}",
            )
        else:
            marks[area_id] = Mark(area_id, name, fmt.MISSING, "fehlt", MISSING_FILL, f"{name}: {fmt.MISSING}")
    return marks


def _level_columns(data: AtlasData, children: dict[str, Area]) -> list[IndicatorData]:
    return [item for item in data.by_indicator.values() if any(area in children for area in item.small_areas)]


def _level_section(
    data: AtlasData, gemeinde: Area, level: str, entries: list[SocialIndex], files: dict[str, str]
) -> str:
    children = {area.id: area for area in data.children(gemeinde.id, level)}
    columns = _level_columns(data, children)
    by_area = {entry.area_id: entry for entry in entries}
    ranked = [e.area_id for e in entries if e.area_id in children] + sorted(set(children) - set(by_area))
    name = fmt.LEVEL.get(level, level)
    head = ["Rang", name, "Statusindex", "Statusklasse", "Dynamikindex", "Dynamikklasse", "Hinweis"] + [
        f'<a href="../indikator/{item.indicator.indicator_id}.html">{escape(item.indicator.short_label)}</a>'
        for item in columns
    ]
    rows, csv_rows = [], []
    position = 0
    for area_id in ranked:
        entry = by_area.get(area_id)
        if entry is not None and entry.status_index is not None:
            position += 1
        cells = "".join(
            value_cell(item.small_areas.get(area_id), item.indicator.decimals) for item in columns
        )
        rows.append(
            f'<tr data-area="{escape(area_id)}"><td class="zahl">'
            f"{position if entry and entry.status_index is not None else '–'}</td>"
            f'<th scope="row">{escape(data.areas[area_id].name)}</th>'
            f'<td class="zahl">{_index_text(entry.status_index if entry else None)}</td>'
            f"<td>{escape((entry.status_class if entry else None) or '–')}</td>"
            f'<td class="zahl">{_index_text(entry.dynamik_index if entry else None)}</td>'
            f"<td>{escape((entry.dynamik_class if entry else None) or '–')}</td>"
            f'<td class="hinweis">{escape((entry.note if entry else None) or "")}</td>{cells}</tr>'
        )
        csv_rows.append(_csv_row(data, area_id, entry, columns))
    slug = SECTION_ID.get(level, level)
    files[f"{gemeinde.id}_{slug}.csv"] = csv_text(
        ["area_id", "name", "stichtag_sozialindex", "statusindex", "statusklasse", "dynamikindex"]
        + ["dynamikklasse", "status_dynamik"]
        + [item.indicator.indicator_id for item in columns],
        csv_rows,
    )
    return (
        f'<section id="{slug}"><h2>{escape(name)} nach Sozialindex{_stand(entries)}</h2>'
        + _level_note(data, level, columns)
        + _class_legend(data)
        + _level_map(data, gemeinde, level, ranked, by_area)
        + table(head, rows, css="kleinraum")
        + f"<p>{download(f'{gemeinde.id}_{slug}.csv')}</p></section>"
    )


def _stand(entries: list[SocialIndex]) -> str:
    return f", Stand {fmt.day(entries[0].period)}" if entries else ""


def _csv_row(data: AtlasData, area_id: str, entry: SocialIndex | None, columns: list[IndicatorData]) -> list:
    return [
        area_id,
        data.areas[area_id].name,
        entry.period.isoformat() if entry else "",
        fmt.plain(entry.status_index if entry else None, 3),
        (entry.status_class or "") if entry else "",
        fmt.plain(entry.dynamik_index if entry else None, 3),
        (entry.dynamik_class or "") if entry else "",
        (entry.status_dynamik or "") if entry else "",
    ] + [
        fmt.plain(item.small_areas[area_id].value, item.indicator.decimals)
        if area_id in item.small_areas
        else ""
        for item in columns
    ]


def _level_note(data: AtlasData, level: str, columns: list[IndicatorData]) -> str:
    plural = fmt.LEVEL.get(level, level)
    stands = sorted({item.small_area_periods[level] for item in columns if level in item.small_area_periods})
    return (
        '<p class="hinweis">Statusindex und Dynamikindex in Standardabweichungen, verglichen mit allen '
        f"Gebieten dieser Ebene ({escape(plural)}) in den Städten, die sie liefern (0 = ihr Durchschnitt, "
        "höher = stärker belastet bzw. ungünstigere Entwicklung); Klassen nach festen Grenzen, nicht nach "
        "Quantilen "
        f'(<a href="../{METHOD_PAGE}">Methode, Gewichte, Grenzen</a>). Sortiert nach dem Statusindex, das am '
        f"stärksten belastete Gebiet zuerst. Indikatorwerte: neuester Stichtag "
        f"({', '.join(fmt.day(s) for s in stands) or '–'}).</p>"
    )


def _class_legend(data: AtlasData) -> str:
    status = [row for row in data.index_method.classes if row["component"] == "status"]
    items = "".join(
        f'<li><span class="farbe" style="background:{class_colour(row["class_rank"], len(status))}"></span>'
        f"{escape(row['class_label'])}</li>"
        for row in status
    )
    return (
        '<div class="legende"><span class="legende-titel">Statusklasse (dunkler = stärker belastet)</span>'
        f'<ul>{items}<li><span class="farbe fehlt"></span>{fmt.MISSING}</li></ul></div>'
    )


def _level_map(
    data: AtlasData, gemeinde: Area, level: str, ranked: list[str], by_area: dict[str, SocialIndex]
) -> str:
    tiles = data.small_area_tiles.get(gemeinde.id, []) if level == "stadtbezirk" else []
    if not tiles:
        return ""
    title = f"{fmt.LEVEL.get(level, level)} von {gemeinde.name} nach Statusklasse"
    return tile_map(tiles, _marks(data, ranked, by_area), title, (96, 44))


# ----------------------------------------------------------------------------------------- method page


def method_page(data: AtlasData) -> tuple[str, dict[str, str]]:
    method = data.index_method
    files = {
        "sozialindex_robustheit.csv": csv_text(
            ["index", "ebene", "stichtag", "gebiete_mit_klasse", "hoechstens_klasse_gewechselt", "variante"],
            [
                [
                    row["component"],
                    row["level"],
                    row["period"].isoformat(),
                    row["areas_classified"],
                    row["most_changed"],
                    row["worst_variant"] or "",
                ]
                for row in method.robustness
            ],
        )
    }
    body = (
        "<h1>Sozialindex: Status und Dynamik</h1>"
        '<p class="einleitung">Wo ballen sich Arbeitslosigkeit, Transferbezug und Kinderarmut, und wo '
        "nehmen sie zu? Der Sozialindex fasst drei Anteile zu einem Statusindex (heute) und einem "
        "Dynamikindex (Veränderung über zwei Jahre) zusammen, wie das Berliner Monitoring Soziale "
        "Stadtentwicklung. Arbeitslose zählen einmal (der Transferbezug zählt die nicht arbeitslosen "
        "Leistungsberechtigten); Kinder im Sozialgeld zählen wie im MSS im Transferbezug und in der "
        "Kinderarmut, je an ihrer Bezugsgröße. Staatsangehörigkeit und Migration gehören nicht dazu: sie "
        "sind kein Merkmal sozialer Belastung.</p>"
        + _method_steps(data)
        + _weights_section(data)
        + _classes_section(data)
        + _robustness_section(data)
        + '<section id="quellen"><h2>Quellen und Abweichungen</h2><ul>'
        + "".join(f"<li>{escape(source)}</li>" for source in SOURCES)
        + "</ul>"
        + _deviations()
        + "</section>"
    )
    return page("Sozialindex", body, data), files


def _method_steps(data: AtlasData) -> str:
    steps = (
        "Je Gebiet und Stichtag die Indikatoren (Status) und ihre Veränderung in Prozentpunkten gegenüber "
        f"dem Stichtag {_rule(data, 'dynamik_years')} Jahre zuvor (Dynamik). Fehlt der frühere Wert (erste "
        "Jahre der Reihe, gesperrter Wert) oder gab es das Gebiet damals nicht, fehlt diese Veränderung.",
        "Jede Ebene für sich: die 53 Gemeinden untereinander, die Stadtbezirke der liefernden Städte "
        "untereinander, ebenso Stadtteile, statistische Bezirke, Sozialräume. Gebiete unter "
        f"{_rule(data, 'min_population')} Einwohnern werden nicht bewertet.",
        "z-Standardisierung je Indikator, Ebene und Stichtag gegen Mittelwert und Standardabweichung aller "
        "Gebiete der Ebene in der Metropole Ruhr; höher heißt immer ungünstiger.",
        "Gewichtetes Mittel der z-Werte (Gewichte unten). Ein Index entsteht nur, wenn die Indikatoren mit "
        f"Wert mindestens {_share(data, 'min_weight_share')} des Gewichts tragen (sonst bleibt er leer, mit "
        "Hinweis).",
        "Das Mittel wird noch einmal standardisiert, damit die Klassengrenzen Standardabweichungen des Index "
        f"selbst sind; verglichen wird eine Ebene nur mit mindestens {_rule(data, 'min_areas')} bewerteten "
        "Gebieten.",
        "Klassen nach festen Grenzen (unten), nicht nach Quantilen: eine Klasse kann leer bleiben, die "
        "Klassen sind verschieden groß. Die Überlagerung Status/Dynamik ergibt bis zu zwölf Gruppen.",
    )
    items = "".join(f"<li>{escape(step)}</li>" for step in steps)
    return f'<section id="methode"><h2>Methode</h2><ol>{items}</ol></section>'


def _weights_section(data: AtlasData) -> str:
    rows = [
        f'<tr data-indicator="{escape(row["indicator_id"])}"><td>{COMPONENT.get(row["component"], "")}</td>'
        f"<td>{escape(row['mss_indicator'])}</td>"
        f'<td><a href="indikator/{escape(row["indicator_id"])}.html">{escape(row["indicator_name"])}</a></td>'
        f'<td class="zahl">{fmt.number(row["weight_share"] * 100, 1)} %</td></tr>'
        for row in data.index_method.weights
    ]
    return (
        '<section id="gewichte"><h2>Gewichte</h2>'
        + table(["Index", "MSS-Indikator", "Indikator der Plattform", "Gewicht"], rows, css="gewichte")
        + "</section>"
    )


def _classes_section(data: AtlasData) -> str:
    method = data.index_method
    bounds = []
    for row in method.classes:
        low, high = row["lower_bound"], row["upper_bound"]
        span = (
            f"unter {fmt.signed(high, 1)}"
            if low is None
            else f"ab {fmt.signed(low, 1)}"
            if high is None
            else f"{fmt.signed(low, 1)} bis unter {fmt.signed(high, 1)}"
        )
        bounds.append(
            f'<tr data-component="{row["component"]}" data-class="{escape(row["class_label"])}">'
            f"<td>{COMPONENT.get(row['component'], '')}</td><td>{escape(row['class_label'])}</td>"
            f"<td>{span}</td><td>{escape(row['meaning'])}</td></tr>"
        )
    counts: dict[tuple[str, str], list[dict]] = {}
    for row in method.class_counts:
        counts.setdefault((row["level"], row["component"]), []).append(row)
    count_rows = []
    for (level, component), rows in counts.items():
        sizes = ", ".join(f"{escape(row['class_label'])}: {row['areas']}" for row in rows)
        count_rows.append(
            f'<tr data-level="{escape(level)}" data-component="{component}">'
            f"<td>{escape(fmt.LEVEL.get(level, level))}</td><td>{COMPONENT.get(component, '')}</td>"
            f"<td>{fmt.day(rows[0]['period'])}</td><td>{sizes}</td></tr>"
        )
    return (
        '<section id="klassen"><h2>Klassengrenzen</h2>'
        "<p>In Standardabweichungen vom Mittelwert der Ebene; untere Grenze eingeschlossen.</p>"
        + table(["Index", "Klasse", "Grenzen", "Bedeutung"], bounds, css="klassen")
        + "<h3>Gebiete je Klasse am neuesten Stichtag</h3>"
        + table(["Ebene", "Index", "Stichtag", "Gebiete je Klasse"], count_rows, css="klassen-anzahl")
        + "</section>"
    )


def _robustness_section(data: AtlasData) -> str:
    variation = _share(data, "weight_variation")
    lines = []
    for row in data.index_method.robustness:
        changed = (
            f"höchstens {row['most_changed']} von {row['areas_classified']} Gebieten wechseln die Klasse"
            if row["most_changed"]
            else f"keines der {row['areas_classified']} Gebiete wechselt die Klasse"
        )
        lines.append(
            f'<li data-level="{escape(row["level"])}" data-component="{row["component"]}">'
            f"{escape(fmt.LEVEL.get(row['level'], row['level']))}, {COMPONENT.get(row['component'], '')}, "
            f"Stand {fmt.day(row['period'])}: {changed}</li>"
        )
    return (
        f'<section id="robustheit"><h2>Robustheit</h2><p class="robustheit">Jedes Gewicht einzeln um '
        f"{variation} gesenkt und erhöht (die übrigen unverändert):</p><ul>{''.join(lines)}</ul>"
        f"<p>{download('sozialindex_robustheit.csv')}</p></section>"
    )


def _deviations() -> str:
    items = (
        "Keine Langzeitarbeitslosigkeit (MSS 2017 Status 2): keine Quelle liefert sie für Gemeinden oder "
        "kleinräumig; das MSS 2019 kommt ebenso ohne sie aus.",
        "Transferbezug ohne Hilfe zum Lebensunterhalt und Grundsicherung nach dem SGB XII und aus den "
        "Regelleistungsberechtigten statt aller Leistungsberechtigten (Indikator transferbezug_quote).",
        "Kinderarmut zählt die nicht erwerbsfähigen Leistungsberechtigten unter 15 Jahren (Sozialgeld, wie "
        "INKAR), das MSS alle unter 15-Jährigen in Bedarfsgemeinschaften: der Wert liegt etwas darunter.",
        "Arbeitslosigkeit wie im MSS 2017 (SGB II und III); das MSS 2019 zählt nur Arbeitslose nach dem "
        "SGB II.",
        "Gleiche Gewichte und die Klassengrenzen (oben) sind eine eigene Wahl: "
        "Gewichtung und genaue Schwellen des MSS wurden nicht im Original geprüft; belegt ist die "
        "Gruppenbildung nach Standardabweichungen vom Mittelwert.",
        "Eine Dynamik über den Wechsel der Bevölkerungsfortschreibung auf den Zensus 2022 (31.12.2022) misst "
        "bei Gemeinden auch die Korrektur des Nenners.",
    )
    listed = "".join(f"<li>{escape(item)}</li>" for item in items)
    return f"<h3>Wo der Index vom MSS abweicht</h3><ul>{listed}</ul>"
