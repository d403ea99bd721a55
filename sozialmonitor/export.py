"""`sozialmonitor export`: one indicator from the published warehouse as CSV, xlsx or Parquet.

What a social planner hands on: one row per area (and period) with the value, its unit and status,
numerator and denominator, and a stamp that says where the figures come from (the indicator's source
ids, the run that published the warehouse and when). Everything is read from the published warehouse
(read-only) and its publication record, never from the build.

Layouts (the same sixteen columns in every format, `COLUMNS`; `numerator_origin` says whether the
numerator is the source's published figure, a sum of published parts or computed from other counts;
`series_break` says the value is compared across a change of method in its sources, `series_basis` which
method each source had then):

- CSV: `;`-separated, UTF-8 with BOM (German Excel), ISO dates, decimal point (`--decimal-comma`: 12,34).
  The first line is the stamp, one `key=value` per field, its first field `# Sozialmonitor Ruhr`; the
  column header follows on line 2. Readers skip that one line (`csv.reader` and drop the first row,
  `pandas.read_csv(..., sep=";", skiprows=1)`).
- xlsx: sheet "Werte" (header in row 1, one row per value; a suppressed value reads "gesperrt" on a grey
  fill, never a number), sheet "Definitionen" (the catalog entry, disclosure rule, legend), sheet
  "Herkunft" (the stamp); the stamp is also in the document properties (custom properties).
- Parquet: typed columns (period DATE, value DOUBLE, numerator/denominator INT64); the stamp and the
  catalog entry (JSON, key `indicator_catalog`) in the file's key-value metadata.

A suppressed cell never carries a number: value and numerator are empty (null) and status says
`suppressed`, whatever the row holds.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from expectations.catalog import AREA_LEVELS, CONFORMITY_LABELS
from sozialmonitor.settings import DataPaths

if TYPE_CHECKING:  # openpyxl is imported only when an xlsx is written
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

FORMATS = ("csv", "xlsx", "parquet")
ALL = "alle"
COLUMNS = (
    "indicator_id",
    "area_id",
    "area_name",
    "level",
    "period",
    "value",
    "unit",
    "status",
    "suppression",
    "numerator",
    "numerator_origin",
    "denominator",
    "source_files",
    "series_basis",
    "series_break",
    "series_break_note",
)
SUPPRESSED = "suppressed"
SUPPRESSED_LABEL = "gesperrt"
PUBLISHER = "Sozialmonitor Ruhr"
STAMP_MARK = f"# {PUBLISHER}"
# Only for ordering the rows, top of the hierarchy first; a level not listed here sorts after these.
LEVEL_ORDER = AREA_LEVELS

STATUS_LEGEND = {
    "ok": "veröffentlichter Wert",
    "provisional": "vorläufig: die Quelle hat eine Zahl als vorläufig gekennzeichnet",
    "suppressed": "gesperrt (Geheimhaltung): kein Wert, kein Zähler",
    "missing": "fehlt: eine benötigte Zahl oder der Nenner wurde nicht geliefert",
}
ORIGIN_LEGEND = {
    "published": "der Zähler ist die veröffentlichte Zahl der Quelle für dieses Gebiet",
    "summed": "der Zähler ist die Summe der veröffentlichten Zahlen seiner Teilgebiete (Gemeinden, Kreise)",
    "computed": "der Zähler ist aus anderen Zahlen berechnet (siehe Abweichung und Hinweise der Definition)",
}
SUPPRESSION_LEGEND = {
    "source": "die Quelle hat die Zahl gesperrt (*, ., x); alles, was darauf aufbaut, bleibt gesperrt",
    "primary": "Zähler oder Nenner unter der Mindestgröße des Katalogs (eine von der Quelle als „-“ "
    "veröffentlichte Null ist keine kleine Zahl und wird veröffentlicht)",
    "secondary": "gesperrt, damit kein gesperrter Wert aus Summen und veröffentlichten Teilen "
    "zurückgerechnet werden kann, auch nicht über mehrere Gebietsebenen",
}


class ExportError(ValueError):
    """A request the published warehouse cannot answer: unknown indicator, level or period."""


@dataclass(frozen=True)
class IndicatorExport:
    indicator: dict[str, Any]  # the indicator's row of marts.dim_indicator
    level: str | None
    period: date | None
    rows: list[dict[str, Any]]  # keys: COLUMNS
    stamp: dict[str, str]

    @property
    def indicator_id(self) -> str:
        return self.indicator["indicator_id"]


def _choices(values: Iterable[object]) -> str:
    return ", ".join(str(value) for value in values)


def _level_key(level: str) -> int:
    return LEVEL_ORDER.index(level) if level in LEVEL_ORDER else len(LEVEL_ORDER)


def _software_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"sozialmonitor {version('sozialmonitor')}"
    except PackageNotFoundError:
        return "sozialmonitor"


def _parse_period(text: str | date | None, valid: list[date], indicator_id: str) -> date | None:
    if text is None or isinstance(text, date):
        return text
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ExportError(
            f"period {text!r} is not a date YYYY-MM-DD; periods of {indicator_id}: {_choices(valid)}"
        ) from None


def _read(
    con: Any, indicator_id: str, level: str | None, period: str | date | None
) -> tuple[dict[str, Any], date | None, list[dict[str, Any]]]:
    """The catalog entry, the period asked for and the rows, after checking the request against what is
    published."""
    indicators = [
        row[0] for row in con.execute("select indicator_id from marts.dim_indicator order by 1").fetchall()
    ]
    if indicator_id not in indicators:
        raise ExportError(f"unknown indicator {indicator_id!r}; valid indicators: {_choices(indicators)}")
    levels = sorted(
        (row[0] for row in con.execute("select distinct level from marts.dim_area").fetchall()),
        key=_level_key,
    )
    if level is not None and level not in levels:
        raise ExportError(f"unknown level {level!r}; valid levels: {_choices(levels)}")
    levels_with_values = sorted(
        (
            row[0]
            for row in con.execute(
                "select distinct a.level from marts.fct_indicator_values f "
                "join marts.dim_area a using (area_id) where f.indicator_id = ?",
                [indicator_id],
            ).fetchall()
        ),
        key=_level_key,
    )
    if level is not None and level not in levels_with_values:
        raise ExportError(
            f"indicator {indicator_id} has no values at level {level}; "
            f"levels with values: {_choices(levels_with_values)}"
        )
    periods = [
        row[0]
        for row in con.execute(
            "select distinct f.period from marts.fct_indicator_values f "
            "join marts.dim_area a using (area_id) "
            "where f.indicator_id = ? and (a.level = ? or ? is null) order by 1",
            [indicator_id, level, level],
        ).fetchall()
    ]
    wanted = _parse_period(period, periods, indicator_id)
    if wanted is not None and wanted not in periods:
        where = f" at level {level}" if level else ""
        raise ExportError(
            f"indicator {indicator_id} has no period {wanted.isoformat()}{where}; "
            f"periods: {_choices(p.isoformat() for p in periods)}"
        )

    relation = con.execute("select * from marts.dim_indicator where indicator_id = ?", [indicator_id])
    names = [column[0] for column in relation.description]
    catalog = dict(zip(names, relation.fetchone(), strict=True))
    cursor = con.execute(
        "select f.indicator_id, f.area_id, a.name as area_name, a.level, f.period, f.value, i.unit, "
        "f.status, f.suppression, f.numerator, f.numerator_origin, f.denominator, f.source_files, "
        "f.series_basis, f.series_break, f.series_break_note "
        "from marts.fct_indicator_values f "
        "join marts.dim_area a using (area_id) join marts.dim_indicator i using (indicator_id) "
        "where f.indicator_id = ? and (a.level = ? or ? is null) and (f.period = ? or ? is null)",
        [indicator_id, level, level, wanted, wanted],
    )
    rows = [dict(zip(COLUMNS, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        if row["status"] == SUPPRESSED:  # never a number in a suppressed cell, whatever the row holds
            row["value"] = None
            row["numerator"] = None
    rows.sort(key=lambda row: (row["period"], _level_key(row["level"]), row["area_id"]))
    return catalog, wanted, rows


def load(
    paths: DataPaths, indicator_id: str, level: str | None = None, period: str | date | None = None
) -> IndicatorExport:
    """Rows and stamp of one indicator from the published warehouse; ExportError for an unknown request."""
    from sozialmonitor.publication import read_publication
    from sozialmonitor.warehouse import connect_published

    # One version's file: with a `current` pointer, resolving it pins record and rows to the same version.
    path = paths.published_db.resolve()
    for _attempt in range(3):  # a publication swapped in between record and rows: read again
        record = read_publication(path)
        with connect_published(path) as con:
            catalog, wanted, rows = _read(con, indicator_id, level, period)
            (run_id,) = con.execute("select run_id from meta.publication").fetchone()
        if run_id == record.run_id:
            break
    else:
        raise RuntimeError(f"the published warehouse {path} kept changing while it was read; try again")
    stamp = {
        "indicator": catalog["indicator_id"],
        "name": catalog["name"],
        "unit": catalog["unit"] or "",
        "level": level or ALL,
        "period": wanted.isoformat() if wanted else ALL,
        "sources": ", ".join(catalog["source_ids"] or []),
        "run_id": record.run_id,
        "published_at": f"{record.published_at:%Y-%m-%dT%H:%M:%S}Z",
    }
    version = getattr(record, "version", None)  # the publication's version (its folder), where recorded
    if version:
        stamp["version"] = str(version)
    stamp["software"] = _software_version()
    return IndicatorExport(catalog, level, wanted, rows, stamp)


def default_file_name(indicator_id: str, level: str | None, period: date | str | None, fmt: str) -> str:
    period_text = period.isoformat() if isinstance(period, date) else period
    return f"{indicator_id}_{level or ALL}_{period_text or ALL}.{fmt}"


def _format_number(value: float | int | None, decimals: int | None, decimal_comma: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    if decimals is not None and round(value, decimals) == value:
        text = f"{value:.{decimals}f}"
    else:  # not rounded to the catalog's decimals: write every digit rather than lose any
        text = repr(value)
    return text.replace(".", ",") if decimal_comma else text


def write_csv(export: IndicatorExport, path: Path, decimal_comma: bool = False) -> None:
    decimals = export.indicator["decimals"]
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file, delimiter=";")
        writer.writerow([STAMP_MARK, *(f"{key}={value}" for key, value in export.stamp.items())])
        writer.writerow(COLUMNS)
        for row in export.rows:
            cells = dict(row)
            cells["period"] = row["period"].isoformat()
            cells["value"] = _format_number(row["value"], decimals, decimal_comma)
            cells["numerator"] = _format_number(row["numerator"], None, decimal_comma)
            cells["denominator"] = _format_number(row["denominator"], None, decimal_comma)
            cells["series_break"] = "true" if row["series_break"] else "false"
            writer.writerow(["" if cells[column] is None else cells[column] for column in COLUMNS])


def _calculation_text(catalog: dict[str, Any]) -> str:
    factor = f"{catalog['unit_factor']:g}" if catalog["unit_factor"] is not None else "1"
    return {
        "ratio": f"ratio: Zähler / Nenner × {factor}",
        "count": "count: der Zähler selbst (Anzahl)",
        "change_5_years": (
            f"change_5_years: (Zähler − Zähler fünf Jahre früher) / Zähler fünf Jahre früher × {factor}"
        ),
    }.get(catalog["calculation"], catalog["calculation"] or "")


def definition_entries(catalog: dict[str, Any]) -> list[tuple[str, str]]:
    """The catalog entry in words, for the Definitionen sheet."""

    def text(value: object) -> str:
        if value is None:
            return "—"
        if isinstance(value, list | tuple):
            return ", ".join(str(item) for item in value)
        if isinstance(value, float):
            return f"{value:g}"
        return str(value)

    disclosure = (
        "Ein Wert wird gesperrt (kein Wert, kein Zähler), wenn der Zähler unter "
        f"{text(catalog['min_count'])} oder der Nenner unter {text(catalog['min_denominator'])} liegt "
        "(primary; eine Null, die die Quelle selbst als „-“ veröffentlicht, bleibt veröffentlicht), "
        "wenn die Quelle eine benötigte Zahl gesperrt hat (source) oder wenn er sonst über eine Kette "
        "exakter Summen zurückgerechnet werden könnte: Ruhrgebiet = Summe der Kreise, Kreis = Summe "
        "seiner Gemeinden, Stadt = Summe ihrer Stadtbezirke, wo diese genau aufgeht (secondary). "
        "Gesperrt wird dann jeweils der kleinste veröffentlichte Wert derselben Summe, bis keine "
        "Summe mehr genau einen unbekannten Wert enthält; veröffentlicht ist damit höchstens die Summe "
        "mehrerer gesperrter Werte zusammen."
    )
    return [
        ("Indikator", text(catalog["indicator_id"])),
        ("Name", text(catalog["name"])),
        ("Kurzbezeichnung", text(catalog["short_label"])),
        ("Thema", text(catalog["topic"])),
        ("Definition", text(catalog["definition"])),
        ("Amtliche Quelle", text(catalog["official_source"])),
        ("Amtliche Definition", text(catalog["official_definition"])),
        ("Übereinstimmung", CONFORMITY_LABELS.get(catalog["conformity"], text(catalog["conformity"]))),
        ("Abweichung und Hinweise", text(catalog["conformity_note"] or None)),
        ("Berechnung", _calculation_text(catalog)),
        ("Zähler", text(catalog["numerator_measure"])),
        ("Nenner", text(catalog["denominator_measure"])),
        ("Nenner-Zeitpunkt", text(catalog["denominator_period"])),
        ("Einheit", text(catalog["unit"])),
        ("Nachkommastellen", text(catalog["decimals"])),
        ("Stichtagsregel", text(catalog["reference_date_rule"])),
        ("Quellen", text(catalog["source_ids"])),
        ("Gebietsebenen", text(catalog["area_levels"])),
        ("Gültiger Wertebereich", f"{text(catalog['valid_min'])} bis {text(catalog['valid_max'])}"),
        ("Plausible Änderung je Periode", text(catalog["max_change"])),
        ("Polarität", text(catalog["polarity"])),
        ("Geheimhaltung", disclosure),
    ]


def write_xlsx(export: IndicatorExport, path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    _values_sheet(workbook.active, export)
    _definitions_sheet(workbook.create_sheet("Definitionen"), export.indicator)
    _origin_sheet(workbook.create_sheet("Herkunft"), export.stamp)
    _document_properties(workbook, export)
    workbook.save(path)


def _values_sheet(values: Worksheet, export: IndicatorExport) -> None:
    """One row per value, formatted as the catalog says; a suppressed value reads `gesperrt` on grey."""
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    grey = PatternFill("solid", fgColor="D9D9D9")
    decimals = export.indicator["decimals"]
    value_format = "0" if not decimals else "0." + "0" * decimals
    values.title = "Werte"
    values.append(list(COLUMNS))
    bold = Font(bold=True)
    for cell in values[1]:
        cell.font = bold
    column = {name: index + 1 for index, name in enumerate(COLUMNS)}
    for row in export.rows:
        cells = [row[name] for name in COLUMNS]
        suppressed = row["status"] == SUPPRESSED
        if suppressed:
            cells[column["value"] - 1] = SUPPRESSED_LABEL
        values.append(cells)
        line = values.max_row
        values.cell(line, column["period"]).number_format = "DD.MM.YYYY"
        values.cell(line, column["value"]).number_format = value_format
        values.cell(line, column["numerator"]).number_format = "#,##0"
        values.cell(line, column["denominator"]).number_format = "#,##0"
        if suppressed:
            for name in ("value", "status", "numerator"):
                values.cell(line, column[name]).fill = grey
    widths = {
        "area_name": 32,
        "period": 12,
        "source_files": 60,
        "indicator_id": 24,
        "suppression": 12,
        "numerator_origin": 16,
    }
    for name, index in column.items():
        values.column_dimensions[get_column_letter(index)].width = widths.get(name, 14)
    values.freeze_panes = "A2"
    values.auto_filter.ref = values.dimensions


def _definitions_sheet(definitions: Worksheet, catalog: dict[str, Any]) -> None:
    """The catalog entry in words and what the codes in status, numerator_origin and suppression mean."""
    from openpyxl.styles import Alignment, Font

    definitions.append(["Feld", "Inhalt"])
    for label, content in definition_entries(catalog):
        definitions.append([label, content])
    for heading, legend in (
        (["status", "Bedeutung"], STATUS_LEGEND),
        (["numerator_origin", "Herkunft des Zählers"], ORIGIN_LEGEND),
        (["suppression", "Grund der Sperrung"], SUPPRESSION_LEGEND),
    ):
        definitions.append([])
        definitions.append(heading)
        for code, meaning in legend.items():
            definitions.append([code, meaning])
    definitions.append([])
    definitions.append(
        [SUPPRESSED_LABEL, "In 'Werte' steht ein gesperrter Wert als 'gesperrt' auf grauem Grund."]
    )
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    for row in definitions.iter_rows():
        row[0].font = bold
        for cell in row:
            cell.alignment = wrap
    definitions.column_dimensions["A"].width = 30
    definitions.column_dimensions["B"].width = 100


def _origin_sheet(origin: Worksheet, stamp: dict[str, str]) -> None:
    from openpyxl.styles import Font

    origin.append(["Feld", "Inhalt"])
    for key, value in stamp.items():
        origin.append([key, value])
    bold = Font(bold=True)
    for row in origin.iter_rows():
        row[0].font = bold
    origin.column_dimensions["A"].width = 16
    origin.column_dimensions["B"].width = 80


def _document_properties(workbook: Workbook, export: IndicatorExport) -> None:
    """The stamp also in the file's properties, where a document management system looks for it."""
    from openpyxl.packaging.custom import StringProperty

    properties = workbook.properties
    properties.title = f"{export.indicator['name']} ({export.indicator_id})"
    properties.subject = export.indicator["definition"]
    properties.creator = PUBLISHER
    properties.identifier = export.stamp["run_id"]
    properties.keywords = export.stamp["sources"]
    properties.description = "; ".join(f"{key}={value}" for key, value in export.stamp.items())
    for key, value in export.stamp.items():
        workbook.custom_doc_props.append(StringProperty(name=key, value=value))


def write_parquet(export: IndicatorExport, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {
        "period": pa.date32(),
        "value": pa.float64(),
        "numerator": pa.int64(),
        "denominator": pa.int64(),
        "series_break": pa.bool_(),
    }
    schema = pa.schema([(name, types.get(name, pa.string())) for name in COLUMNS])
    table = pa.Table.from_pylist(export.rows, schema=schema)
    metadata = {key: value for key, value in export.stamp.items()}
    metadata["indicator_catalog"] = json.dumps(export.indicator, ensure_ascii=False, default=str)
    table = table.replace_schema_metadata({key.encode(): value.encode() for key, value in metadata.items()})
    pq.write_table(table, path)


def export_indicator(
    paths: DataPaths,
    indicator_id: str,
    fmt: str,
    level: str | None = None,
    period: str | date | None = None,
    output: Path | None = None,
    decimal_comma: bool = False,
) -> Path:
    """Write one indicator's export; return the path written.

    Default path: `./<indicator>_<level or alle>_<period or alle>.<fmt>` in the current directory.
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; valid formats: {_choices(FORMATS)}")
    if decimal_comma and fmt != "csv":
        raise ExportError(f"--decimal-comma applies to csv only ({fmt} stores numbers as numbers)")
    export = load(paths, indicator_id, level, period)
    target = (
        Path(output)
        if output is not None
        else Path.cwd() / default_file_name(indicator_id, level, export.period, fmt)
    )
    if not target.parent.is_dir():
        raise ExportError(f"output directory {target.parent} does not exist")
    partial = target.with_name(f".{target.name}.partial")
    try:  # written beside the target and renamed: an interrupted export leaves no half file behind
        if fmt == "csv":
            write_csv(export, partial, decimal_comma)
        elif fmt == "xlsx":
            write_xlsx(export, partial)
        else:
            write_parquet(export, partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target.resolve()
