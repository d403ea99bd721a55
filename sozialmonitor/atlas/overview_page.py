"""The start page (`index.html`, "Übersicht"): the indicators by topic, the Gemeinden on a tile map and
by Kreis, and links to the site's other pages."""

from __future__ import annotations

from collections import defaultdict
from html import escape

from expectations.catalog import Indicator
from sozialmonitor.atlas import fmt
from sozialmonitor.atlas.data import Area, AtlasData
from sozialmonitor.atlas.html import SITE, page
from sozialmonitor.atlas.svg import Mark, tile_map


def overview_page(data: AtlasData) -> str:
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
            period = data.by_indicator[indicator.indicator_id].period
            stand = f"Stand {fmt.day(period)}" if period else "keine Werte"
            items.append(
                f'<li><a href="indikator/{indicator.indicator_id}.html">{escape(indicator.name)}</a> '
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
