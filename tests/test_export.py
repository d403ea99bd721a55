"""`sozialmonitor export`: each format read back and compared with the published warehouse."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from pathlib import Path

import duckdb
import openpyxl
import pyarrow.parquet as pq
import pytest

from sozialmonitor.cli import main
from sozialmonitor.export import COLUMNS, STAMP_MARK, SUPPRESSED_LABEL
from sozialmonitor.publication import read_publication
from sozialmonitor.settings import DataPaths

GEMEINDEN_2023 = ["--indicator", "sgb2_quote", "--level", "gemeinde", "--period", "2023-12-31"]
SONSBECK_SEU = ("seu_uebergewicht_anteil", "05170040", date(2023, 8, 1))


@pytest.fixture
def published(refreshed_sample: DataPaths, monkeypatch: pytest.MonkeyPatch) -> DataPaths:
    monkeypatch.setenv("SOZIALMONITOR_DATA_DIR", str(refreshed_sample.root))
    return refreshed_sample


def warehouse(paths: DataPaths, indicator: str, level: str | None, period: date | None) -> list[tuple]:
    """(area_id, period, value, status, numerator, denominator) straight from the published marts."""
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        return con.execute(
            "select f.area_id, f.period, f.value, f.status, f.numerator, f.denominator "
            "from marts.fct_indicator_values f join marts.dim_area a using (area_id) "
            "where f.indicator_id = ? and (a.level = ? or ? is null) and (f.period = ? or ? is null) "
            "order by f.area_id, f.period",
            [indicator, level, level, period, period],
        ).fetchall()


def catalog_entry(paths: DataPaths, indicator: str) -> dict:
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        relation = con.execute("select * from marts.dim_indicator where indicator_id = ?", [indicator])
        names = [column[0] for column in relation.description]
        return dict(zip(names, relation.fetchone(), strict=True))


def export(args: list[str], output: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    assert main(["export", *args, "--output", str(output)]) == 0
    written = Path(capsys.readouterr().out.strip())
    assert written == output.resolve() and written.exists()
    return written


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """The reader side of the CSV layout: skip the one `#` stamp line, then a `;` table with a header."""
    with path.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.reader(file, delimiter=";"))
    stamp, header, *body = rows
    assert stamp[0] == STAMP_MARK
    return stamp, [dict(zip(header, row, strict=True)) for row in body]


def csv_number(text: str, decimal_comma: bool) -> float | None:
    if text == "":
        return None
    if decimal_comma:
        assert "." not in text
        text = text.replace(",", ".")
    return float(text)


def csv_tuples(rows: list[dict[str, str]], decimal_comma: bool = False) -> list[tuple]:
    return sorted(
        (
            row["area_id"],
            date.fromisoformat(row["period"]),
            csv_number(row["value"], decimal_comma),
            row["status"],
            None if row["numerator"] == "" else int(row["numerator"]),
            None if row["denominator"] == "" else int(row["denominator"]),
        )
        for row in rows
    )


def stamp_fields(stamp: list[str]) -> dict[str, str]:
    return dict(field.split("=", 1) for field in stamp[1:])


def test_csv_round_trip(published: DataPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = export([*GEMEINDEN_2023, "--format", "csv"], tmp_path / "sgb2.csv", capsys)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf# Sozialmonitor Ruhr;")
    stamp, rows = read_csv(path)
    expected = warehouse(published, "sgb2_quote", "gemeinde", date(2023, 12, 31))
    assert len(rows) == len(expected) == 53
    assert list(rows[0]) == list(COLUMNS)
    assert csv_tuples(rows) == expected
    duisburg = next(row for row in rows if row["area_id"] == "05112000")
    assert (duisburg["area_name"], duisburg["level"], duisburg["unit"]) == ("Duisburg", "gemeinde", "%")
    record = read_publication(published.published_db)
    fields = stamp_fields(stamp)
    assert fields["indicator"] == "sgb2_quote"
    assert fields["run_id"] == record.run_id
    assert fields["published_at"] == f"{record.published_at:%Y-%m-%dT%H:%M:%S}Z"
    assert fields["sources"] == ", ".join(catalog_entry(published, "sgb2_quote")["source_ids"])
    assert (fields["level"], fields["period"]) == ("gemeinde", "2023-12-31")


def test_exports_say_where_a_value_crosses_a_series_break(
    published: DataPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bevölkerung of 31.12.2022 is the first Stichtag on the Zensus 2022 (the registry's break): every
    Gemeinde's row says so, in CSV as text and in Parquet as a boolean; 2021 stays on the Zensus 2011."""
    args = ["--indicator", "bevoelkerung", "--level", "gemeinde", "--format"]
    _, rows = read_csv(export([*args, "csv", "--period", "2022-12-31"], tmp_path / "b.csv", capsys))
    assert {(row["series_break"], row["series_basis"]) for row in rows} == {
        ("true", "Zensusbasis: Zensus 2022")
    }
    assert all("Zensus 2011 → Zensus 2022" in row["series_break_note"] for row in rows)
    table = pq.read_table(
        export([*args, "parquet", "--period", "2021-12-31"], tmp_path / "b.parquet", capsys)
    )
    assert set(table.column("series_break").to_pylist()) == {False}
    assert set(table.column("series_basis").to_pylist()) == {"Zensusbasis: Zensus 2011"}


def test_csv_decimal_comma(published: DataPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = export([*GEMEINDEN_2023, "--format", "csv", "--decimal-comma"], tmp_path / "komma.csv", capsys)
    _, rows = read_csv(path)
    assert all("," in row["value"] for row in rows)  # sgb2_quote has 2 decimals: 19,90
    assert csv_tuples(rows, decimal_comma=True) == warehouse(
        published, "sgb2_quote", "gemeinde", date(2023, 12, 31)
    )


def test_xlsx_round_trip(published: DataPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = export([*GEMEINDEN_2023, "--format", "xlsx"], tmp_path / "sgb2.xlsx", capsys)
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["Werte", "Definitionen", "Herkunft"]
    header, *body = workbook["Werte"].iter_rows(values_only=True)
    assert header == COLUMNS
    rows = [dict(zip(header, row, strict=True)) for row in body]
    assert len(rows) == 53
    got = sorted(
        (
            row["area_id"],
            row["period"].date(),
            row["value"],
            row["status"],
            row["numerator"],
            row["denominator"],
        )
        for row in rows
    )
    assert got == warehouse(published, "sgb2_quote", "gemeinde", date(2023, 12, 31))
    assert all(isinstance(row["area_id"], str) for row in rows)  # AGS stay text: 05112000

    catalog = catalog_entry(published, "sgb2_quote")
    definitions = dict(workbook["Definitionen"].iter_rows(values_only=True))
    assert definitions["Definition"] == catalog["definition"]
    assert definitions["Stichtagsregel"] == catalog["reference_date_rule"]
    assert definitions["Zähler"] == catalog["numerator_measure"] == "sgb2_regelleistungsberechtigte"
    assert definitions["Nenner"] == catalog["denominator_measure"] == "bev_unter_65"
    assert definitions["Quellen"] == ", ".join(catalog["source_ids"])
    assert (
        f"unter {catalog['min_count']} oder der Nenner unter {catalog['min_denominator']}"
        in (definitions["Geheimhaltung"])
    )
    # the official definition beside the platform's, and how the platform stands to it
    assert definitions["Amtliche Quelle"] == catalog["official_source"]
    assert definitions["Amtliche Definition"] == catalog["official_definition"]
    assert definitions["Übereinstimmung"] == "folgt der amtlichen Definition"
    assert definitions["Abweichung und Hinweise"] == catalog["conformity_note"]

    record = read_publication(published.published_db)
    origin = dict(workbook["Herkunft"].iter_rows(values_only=True))
    assert origin["run_id"] == record.run_id
    assert origin["published_at"] == f"{record.published_at:%Y-%m-%dT%H:%M:%S}Z"
    assert origin["sources"] == ", ".join(catalog["source_ids"])
    properties = {prop.name: prop.value for prop in workbook.custom_doc_props}
    assert properties["run_id"] == record.run_id
    assert workbook.properties.identifier == record.run_id
    assert workbook.properties.title == "SGB-II-Quote (INKAR-Abgrenzung) (sgb2_quote)"


def test_parquet_round_trip(published: DataPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = export([*GEMEINDEN_2023, "--format", "parquet"], tmp_path / "sgb2.parquet", capsys)
    table = pq.read_table(path)
    assert table.column_names == list(COLUMNS)
    assert str(table.schema.field("period").type) == "date32[day]"
    assert str(table.schema.field("value").type) == "double"
    rows = table.to_pylist()
    assert len(rows) == 53
    got = sorted(
        (row["area_id"], row["period"], row["value"], row["status"], row["numerator"], row["denominator"])
        for row in rows
    )
    assert got == warehouse(published, "sgb2_quote", "gemeinde", date(2023, 12, 31))
    metadata = {key.decode(): value.decode() for key, value in table.schema.metadata.items()}
    record = read_publication(published.published_db)
    assert metadata["run_id"] == record.run_id
    assert datetime.fromisoformat(metadata["published_at"].removesuffix("Z")) == record.published_at.replace(
        microsecond=0
    )
    assert (
        json.loads(metadata["indicator_catalog"])["definition"]
        == catalog_entry(published, "sgb2_quote")["definition"]
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_suppressed_cell_has_no_number(
    fmt: str, published: DataPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    indicator, area, period = SONSBECK_SEU
    [(_, _, value, status, numerator, denominator)] = [
        row for row in warehouse(published, indicator, "gemeinde", period) if row[0] == area
    ]
    assert (value, status, numerator) == (None, "suppressed", None)
    args = ["--indicator", indicator, "--level", "gemeinde", "--period", period.isoformat(), "--format", fmt]
    path = export(args, tmp_path / f"seu.{fmt}", capsys)
    if fmt == "csv":
        _, rows = read_csv(path)
        [row] = [row for row in rows if row["area_id"] == area]
        assert (row["value"], row["status"], row["suppression"], row["numerator"]) == (
            "",
            "suppressed",
            "primary",
            "",
        )
        assert row["denominator"] == str(denominator)
        published_values = [row["value"] for row in rows if row["status"] == "ok"]
        assert published_values and all(value != "" for value in published_values)
    elif fmt == "xlsx":
        sheet = openpyxl.load_workbook(path)["Werte"]
        header = [cell.value for cell in sheet[1]]
        [cells] = [row for row in sheet.iter_rows(min_row=2) if row[header.index("area_id")].value == area]
        value = cells[header.index("value")]
        assert value.value == SUPPRESSED_LABEL  # text, never a number
        assert value.fill.fgColor.rgb.endswith("D9D9D9")
        assert cells[header.index("status")].value == "suppressed"
        assert cells[header.index("numerator")].value is None
    else:
        rows = pq.read_table(path).to_pylist()
        [row] = [row for row in rows if row["area_id"] == area]
        assert (row["value"], row["status"], row["numerator"]) == (None, "suppressed", None)


def test_default_path_all_levels_and_periods(
    published: DataPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["export", "--indicator", "sgb2_quote", "--format", "parquet"]) == 0
    written = tmp_path / "sgb2_quote_alle_alle.parquet"
    assert capsys.readouterr().out.strip() == str(written.resolve())
    table = pq.read_table(written)
    rows = sorted(
        (row["area_id"], row["period"], row["value"], row["status"], row["numerator"], row["denominator"])
        for row in table.to_pylist()
    )
    assert rows == warehouse(published, "sgb2_quote", None, None)
    levels = {row["level"] for row in table.to_pylist()}
    assert levels == {"region", "kreis", "gemeinde", "stadtbezirk", "stadtteil"}
    assert len({row["period"] for row in table.to_pylist()}) == 10
    metadata = table.schema.metadata
    assert (metadata[b"level"], metadata[b"period"]) == (b"alle", b"alle")

    assert main(["export", *GEMEINDEN_2023, "--format", "xlsx"]) == 0
    assert (tmp_path / "sgb2_quote_gemeinde_2023-12-31.xlsx").exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "sgb2_quote_alle_alle.parquet",
        "sgb2_quote_gemeinde_2023-12-31.xlsx",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--indicator", "sgb2"], "unknown indicator 'sgb2'; valid indicators: altenquotient, "),
        (["--indicator", "sgb2_quote", "--level", "stadt"], "unknown level 'stadt'; valid levels: bund, "),
        (
            ["--indicator", "mindestsicherungsquote", "--level", "gemeinde"],
            "has no values at level gemeinde; levels with values: bund, land, region, kreis",
        ),
        (["--indicator", "sgb2_quote", "--period", "31.12.2023"], "is not a date YYYY-MM-DD; periods of"),
        (
            ["--indicator", "sgb2_quote", "--level", "gemeinde", "--period", "2023-06-30"],
            "has no period 2023-06-30 at level gemeinde; periods: 2014-12-31, ",
        ),
        (["--indicator", "sgb2_quote", "--decimal-comma"], "--decimal-comma applies to csv only"),
    ],
)
def test_bad_request_is_one_line_and_status_2(
    args: list[str],
    message: str,
    published: DataPaths,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["export", *args, "--format", "xlsx"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err and captured.err.count("\n") == 1
    if "valid indicators" in message:
        assert "sgb2_quote" in captured.err and "seu_uebergewicht_anteil" in captured.err
    assert list(tmp_path.iterdir()) == []


def test_export_before_anything_is_published(
    data_paths: DataPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["export", "--indicator", "sgb2_quote", "--format", "csv", "--output", str(tmp_path / "x.csv")])
        == 2
    )
    assert "nothing published yet" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()
