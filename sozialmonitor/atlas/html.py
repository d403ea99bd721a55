"""What every atlas page shares: the page frame, tables, value cells and marks, legends, CSV files.

Shared by the page modules (`*_page.py`, `time_series.py`, `sozialindex.py`), so that each keeps to its
page.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from html import escape

from sozialmonitor.atlas import fmt
from sozialmonitor.atlas.data import Area, AtlasData, Value
from sozialmonitor.atlas.svg import DEFS, MISSING_FILL, SUPPRESSED_FILL, Mark, Scale

SITE = "Sozialmonitor Ruhr – Atlas"
CSV_NOTE = "CSV: Semikolon, Dezimalkomma, UTF-8"


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
        f'<a href="{root}sozialindex.html">Sozialindex</a>'
        f'<a href="{root}verfuegbarkeit.html">Datenverfügbarkeit</a>'
        f'<a href="{root}version.html">Version</a></nav></header>\n'
        f"<main>{body}</main>\n"
        f'<footer>Erstellt aus der Veröffentlichung <a href="{root}version.html">'
        f"{escape(str(manifest.get('version', '')))}</a> vom {published_text(manifest)} (UTC). "
        "Gesperrte Werte (Datenschutz) sind als „gesperrt“ gekennzeichnet, nie als Null.</footer>\n"
        "</body></html>\n"
    )


def published_text(manifest: dict) -> str:
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


def value_rows(cells: dict[str, Value], areas: dict[str, Area]) -> list[Value]:
    """Ranking order: highest value first (ties by name), then suppressed, then without data."""

    def key(cell: Value) -> tuple:
        name = areas[cell.area_id].name
        if cell.value is not None:
            return (0, -cell.value, name)
        return (1 if cell.status == "suppressed" else 2, 0, name)

    return sorted(cells.values(), key=key)
