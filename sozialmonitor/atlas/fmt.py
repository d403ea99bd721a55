"""German number, date and status texts, the same on every page, chart and CSV."""

from __future__ import annotations

from datetime import date

from sozialmonitor.atlas.data import Value

SUPPRESSED = "gesperrt"
MISSING = "keine Daten"
AVAILABILITY = {
    "published": "veröffentlicht",
    "suppressed": "gesperrt",
    "missing": "fehlt",
    "not_delivered": "nicht geliefert",
    "late": "verspätet",
}
SUPPRESSION = {
    "source": "von der Quelle geheim gehalten",
    "primary": "Fallzahl unter der Veröffentlichungsgrenze",
    "secondary": "Sekundärsperrung (sonst aus der Summe rückrechenbar)",
}
# Only a numerator the platform computed from other counts is pointed out (the Mindestsicherung from its
# four benefits, the Arbeitslose from SGB II and SGB III); a published figure, or the sum of the
# published figures of an area's parts, needs no note.
COMPUTED = "Zähler aus anderen veröffentlichten Zahlen berechnet (siehe Definition)"
POLARITY = {
    "higher_is_worse": "höhere Werte sind ungünstiger",
    "higher_is_better": "höhere Werte sind günstiger",
    "neutral": "ohne Wertung",
}
LEVEL = {
    "bund": "Bund",
    "land": "Land",
    "region": "Region",
    "kreis": "Kreise und kreisfreie Städte",
    "gemeinde": "Gemeinden",
    "stadtbezirk": "Stadtbezirke",
    "stadtteil": "Stadtteile",
    "statistischer_bezirk": "Statistische Bezirke",
    "sozialraum": "Sozialräume",
}
CALCULATION = {
    "ratio": "Quote: Zähler / Nenner × Faktor",
    "count": "Anzahl",
    "change_5_years": "Veränderung gegenüber dem Wert fünf Jahre zuvor, in Prozent",
}


def number(value: float | int, decimals: int = 0) -> str:
    """12345.678 -> '12.345,68' (decimal comma, point between thousands)."""
    text = f"{value:,.{decimals}f}"
    return text.translate(str.maketrans({",": ".", ".": ","}))


def signed(value: float, decimals: int) -> str:
    return ("+" if value > 0 else "") + number(value, decimals)


def plain(value: float | int | None, decimals: int = 0) -> str:
    """For CSV: decimal comma, no thousands separator, empty for nothing."""
    if value is None:
        return ""
    return f"{value:.{decimals}f}".replace(".", ",")


def day(period: date | None) -> str:
    return f"{period:%d.%m.%Y}" if period else "–"


def is_suppressed(cell: Value | None) -> bool:
    return cell is not None and cell.status == "suppressed"


def has_value(cell: Value | None) -> bool:
    return cell is not None and cell.value is not None


def cell_text(cell: Value | None, decimals: int) -> str:
    """The value, or why there is none: `gesperrt` is never shown as a number or as zero."""
    if has_value(cell):
        return number(cell.value, decimals)
    if is_suppressed(cell):
        return SUPPRESSED
    return MISSING


def cell_note(cell: Value | None) -> str:
    """A longer explanation for tooltips and tables."""
    if cell is None:
        return MISSING
    if cell.status == "suppressed":
        return f"{SUPPRESSED}: {SUPPRESSION.get(cell.suppression or '', cell.suppression or 'Datenschutz')}"
    if cell.value is None:
        reason = AVAILABILITY.get(cell.availability or "", "")
        return f"{MISSING} ({reason})" if reason and cell.availability != "missing" else MISSING
    notes = ["vorläufig"] if cell.status == "provisional" else []
    if cell.numerator_origin == "computed":
        notes.append(COMPUTED)
    return "; ".join(notes)
