"""The availability page (`verfuegbarkeit.html`): who delivered what for the newest Stichtag of each
indicator, and what is missing, late or suppressed, so that a gap on a map can be traced to its
Lieferant (a Kreis or kreisfreie Stadt)."""

from __future__ import annotations

from collections import defaultdict
from html import escape

from expectations.catalog import Indicator
from sozialmonitor.atlas import fmt
from sozialmonitor.atlas.data import SMALL_AREA_LEVELS, AtlasData
from sozialmonitor.atlas.html import csv_text, download, page, table

AVAILABILITY_ORDER = ("published", "suppressed", "missing", "not_delivered", "late")


def availability_page(data: AtlasData) -> tuple[str, dict[str, str]]:
    """The page and its CSV files (name -> text)."""
    names = {indicator.indicator_id: indicator for indicator in data.indicators}
    gap_rows = _gap_rows(data, names)
    body = (
        "<h1>Datenverfügbarkeit</h1>"
        "<p>Wer was geliefert hat und was fehlt, je Indikator am neuesten Stichtag, für Gemeinden und "
        "die kleinräumigen Ebenen (Lieferanten: die Kreise und kreisfreien Städte).</p>"
        f'<ul class="zustaende">{_states()}</ul>'
        '<section id="uebersicht"><h2>Übersicht je Indikator</h2>'
        + table(
            ["Indikator", "Ebene", "Stichtag", "Gebiete", *(fmt.AVAILABILITY[k] for k in AVAILABILITY_ORDER)],
            _overview_rows(data),
            caption="Anzahl der Gebiete je Zustand am neuesten Stichtag des Indikators",
            css="verfuegbarkeit",
        )
        + f"<p>{download('verfuegbarkeit.csv')}</p></section>"
        '<section id="lieferanten"><h2>Wer hat was geliefert (Gemeinden)</h2>'
        '<p class="hinweis">Je Zelle: veröffentlichte von allen Gemeinden des Lieferanten am neuesten '
        "Stichtag, darunter, was fehlt, gesperrt oder verspätet ist (mit dem zuletzt gelieferten "
        "Stichtag).</p>"
        f'<div class="breit">{_delivery_matrix(data, names)}</div></section>'
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
    return page("Datenverfügbarkeit", body, data), _availability_files(data)


def _states() -> str:
    """What each availability state means, in the words of the page."""
    return "".join(
        f"<li><strong>{fmt.AVAILABILITY[key]}</strong>: {text}</li>"
        for key, text in (
            ("published", "Wert veröffentlicht"),
            ("suppressed", "geliefert, aber aus Datenschutzgründen gesperrt"),
            ("missing", "geliefert, aber ein Zähler oder Nenner fehlt"),
            ("not_delivered", "für diesen Stichtag nichts geliefert"),
            ("late", "neuester Stichtag fehlt, der vorherige ist da (Lieferung verspätet, Daten veraltet)"),
        )
    )


def _overview_rows(data: AtlasData) -> list[str]:
    """Per indicator and level: how many areas are in each state, summed over the Lieferanten."""
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
            counts = summary.get((indicator.indicator_id, level))
            if not counts:
                continue
            cells = "".join(
                f'<td class="zahl{" auffaellig" if key != "published" and counts[key] else ""}">'
                f"{counts[key]}</td>"
                for key in AVAILABILITY_ORDER
            )
            overview.append(
                f'<tr data-indicator="{indicator.indicator_id}" data-level="{level}"><th scope="row">'
                f'<a href="indikator/{indicator.indicator_id}.html">{escape(indicator.name)}</a></th>'
                f"<td>{fmt.LEVEL[level]}</td><td>{fmt.day(periods[indicator.indicator_id])}</td>"
                f'<td class="zahl">{counts["areas"]}</td>{cells}</tr>'
            )
    return overview


def _gap_rows(data: AtlasData, names: dict[str, Indicator]) -> list[str]:
    """Every area not published at its indicator's newest Stichtag, with when its Lieferant last
    delivered the indicator."""
    last = {
        (row["indicator_id"], row["level"], row["lieferant"]): row["last_delivered"]
        for row in data.availability
    }
    gap_rows = []
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
    return gap_rows


def _availability_files(data: AtlasData) -> dict[str, str]:
    """The counts per Lieferant and the list of gaps as CSV."""
    return {
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


def _delivery_matrix(data: AtlasData, names: dict[str, Indicator]) -> str:
    """Lieferant by indicator at the Gemeinde level: published of all, coloured by the worst state."""
    cells: dict[tuple[str, str], dict] = {
        (row["lieferant"], row["indicator_id"]): row
        for row in data.availability
        if row["level"] == "gemeinde"
    }
    indicator_ids = [
        i.indicator_id for i in data.indicators if any(key[1] == i.indicator_id for key in cells)
    ]
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
