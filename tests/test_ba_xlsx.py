"""Bundesagentur für Arbeit workbooks: both layouts from hand-built golden workbooks, and bad cases."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest

from ingest.ba_xlsx import BaRow, BaWorkbook
from ingest.errors import LayoutError, ValueFormatError
from ingest.geography import RuhrGeography
from ingest.landing import ingest_source
from ingest.raw_store import RawStore
from ingest.registry import load_registry

DEC_2020, DEC_2022 = date(2020, 12, 31), date(2022, 12, 31)


def workbook(path: Path, rows: list[list[object]], merges: tuple[str, ...] = ()) -> Path:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    for cells in merges:
        book.active.merge_cells(cells)
    book.save(path)
    return path


def layout_2019(
    path: Path, *, month: str = "Berichtsmonat: Dezember 2020", dortmund_elb: object = 55002
) -> Path:
    return workbook(
        path,
        [
            ["Grundsicherung für Arbeitsuchende (SGB II) und Arbeitslose nach Gemeinden"],
            [month],
            [],
            [
                "Regionalschlüssel",
                "Gemeinde",
                "Bedarfsgemeinschaften",
                "Regelleistungsberechtigte",
                None,
                None,
                "Arbeitslose",
                None,
                None,
            ],
            [
                None,
                None,
                "insgesamt",
                "insgesamt",
                "erwerbsfähige Leistungsberechtigte",
                "nicht erwerbsfähige Leistungsberechtigte unter 15 Jahren",
                "SGB II",
                "SGB III",
                "unter 25 Jahren",
            ],
            ["05913000", "Dortmund, Stadt", 41250, 76390, dortmund_elb, 19880, 20901, 8370, 2631],
            [5954004, "Breckerfeld, Stadt", 180, 332, 239, 86, 91, 127, "*"],
            ["05111000", "Düsseldorf, Stadt", 30011, 55123, 39688, 14202, 15081, 8882, 2150],
            [],
            ["© Statistik der Bundesagentur für Arbeit"],
        ],
        merges=("D4:F4", "G4:I4"),
    )


def layout_2021(path: Path) -> Path:
    sgb2 = "Grundsicherung für Arbeitsuchende (SGB II)"
    return workbook(
        path,
        [
            ["Berichtsmonat: Dezember 2022"],
            ["Gemeinde", "Arbeitslose", None, None, sgb2, None, None, None, None],
            [
                None,
                "insgesamt SGB III",
                "insgesamt SGB II",
                "darunter unter 25 Jahre",
                "Bedarfsgemeinschaften",
                "Regelleistungsberechtigte",
                "davon erwerbsfähige Leistungsberechtigte",
                "davon nicht erwerbsfähige Leistungsberechtigte",
                "darunter nicht erwerbsfähige unter 15 Jahren",
            ],
            ["05513000 Gelsenkirchen, Stadt", 4102, 14977, 1650, 29011, 53870, 38206, 15664, 14552],
            ["*) Aus Datenschutzgründen ... anonymisiert."],
        ],
        merges=("B2:D2", "E2:I2"),
    )


def test_older_layout_gives_exact_rows(tmp_path: Path) -> None:
    book = BaWorkbook(layout_2019(tmp_path / "nrw_2020-12.xlsx"))
    rows = list(book.rows())
    assert book.layout.name == "ba_gemeinden_2019"
    assert len(rows) == 3 * 7
    assert rows[:2] == [
        BaRow(6, 3, DEC_2020, "05913000", "Dortmund, Stadt", "sgb2_bedarfsgemeinschaften", 41250, "ok"),
        BaRow(6, 4, DEC_2020, "05913000", "Dortmund, Stadt", "sgb2_regelleistungsberechtigte", 76390, "ok"),
    ]
    breckerfeld = {row.measure: (row.anzahl, row.status) for row in rows if row.area_key == "05954004"}
    assert breckerfeld["sgb2_nef_unter_15"] == (86, "ok")
    assert breckerfeld["arbeitslose_unter_25"] == (None, "suppressed")  # "*" from the BA, numeric key padded


def test_newer_layout_gives_exact_rows(tmp_path: Path) -> None:
    book = BaWorkbook(layout_2021(tmp_path / "nrw_2022-12.xlsx"))
    rows = {row.measure: row for row in book.rows()}
    assert book.layout.name == "ba_gemeinden_2021"
    assert {measure: row.anzahl for measure, row in rows.items()} == {
        "arbeitslose_sgb3": 4102,
        "arbeitslose_sgb2": 14977,
        "arbeitslose_unter_25": 1650,
        "sgb2_bedarfsgemeinschaften": 29011,
        "sgb2_regelleistungsberechtigte": 53870,
        "sgb2_elb": 38206,
        "sgb2_nef_unter_15": 14552,
    }
    assert {(row.line, row.berichtsmonat, row.area_key, row.area_name) for row in rows.values()} == {
        (4, DEC_2022, "05513000", "Gelsenkirchen, Stadt")
    }
    assert rows["sgb2_nef_unter_15"].column == 9


def test_text_in_a_count_names_row_and_column(tmp_path: Path) -> None:
    with pytest.raises(ValueFormatError) as caught:
        list(BaWorkbook(layout_2019(tmp_path / "x.xlsx", dortmund_elb="55.002 Pers.")).rows())
    assert (caught.value.problem.row, caught.value.problem.column) == (
        6,
        "E (Regelleistungsberechtigte / erwerbsfähige Leistungsberechtigte)",
    )


def test_unknown_layout_is_an_error_not_a_guess(tmp_path: Path) -> None:
    path = layout_2019(tmp_path / "x.xlsx")
    book = openpyxl.load_workbook(path)
    book.active["H5"] = "Rechtskreis SGB III"
    book.save(path)
    with pytest.raises(LayoutError, match="matches no known BA layout") as caught:
        list(BaWorkbook(path).rows())
    assert caught.value.problem.row == 4


def test_missing_reporting_month(tmp_path: Path) -> None:
    with pytest.raises(LayoutError, match="Berichtsmonat"):
        list(BaWorkbook(layout_2019(tmp_path / "x.xlsx", month="Stand: Dezember 2020")).rows())


def test_file_that_is_no_workbook(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"Regionalschluessel;Gemeinde\n")
    with pytest.raises(LayoutError, match=r"not a readable \.xlsx"):
        list(BaWorkbook(path).rows())


def test_loader_keeps_the_ruhr_and_skips_the_rest(tmp_path: Path) -> None:
    source = load_registry().get("ba_gemeindedaten")
    (tmp_path / "landing" / source.id).mkdir(parents=True)
    layout_2019(tmp_path / "landing" / source.id / "nrw_2020-12.xlsx")
    load = ingest_source(
        source,
        tmp_path / "landing",
        RawStore(tmp_path / "raw.duckdb"),
        RuhrGeography.from_seeds(),
        tmp_path / "q",
    )
    assert (load.rows_loaded, load.source_rows_skipped, load.files[0].stichtage) == (14, 1, (DEC_2020,))
