"""The GENESIS datencsv reader against a golden file in the real layout, and each way a file can be bad."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ingest.errors import LayoutError, ValueFormatError
from ingest.genesis import DatencsvFile, DatencsvRow
from ingest.layouts import layout

GOLDEN = Path(__file__).with_name("fixtures") / "genesis" / "12411-03-03-4_golden_latin1.csv"
BEVOELKERUNG = layout("bevoelkerung_12411")
D = date(2022, 12, 31)


def read(path: Path) -> list[DatencsvRow]:
    return list(DatencsvFile(path, BEVOELKERUNG).rows())


def write_variant(
    tmp_path: Path,
    replace: tuple[str, str] | None = None,
    *,
    encoding: str = "latin-1",
    drop_from: str | None = None,
) -> Path:
    text = GOLDEN.read_bytes().decode("latin-1")
    if replace:
        assert replace[0] in text
        text = text.replace(*replace, 1)
    if drop_from:
        text = text[: text.index(drop_from)]
    path = tmp_path / "12411-03-03-4_variant.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_golden_file_gives_exact_rows() -> None:
    rows = read(GOLDEN)
    assert [(row.line, row.area_key, row.area_name, row.labels) for row in rows] == [
        (7, "DG", "Deutschland", ("unter 3 Jahre",)),
        (8, "05", "Nordrhein-Westfalen", ("Insgesamt",)),
        (9, "051", "Düsseldorf, Regierungsbezirk", ("Insgesamt",)),
        (10, "05913", "Dortmund, Kreisfreie Stadt", ("65 bis unter 70 Jahre",)),
        (11, "05913", "Dortmund, Kreisfreie Stadt", ("90 Jahre und mehr",)),
        (12, "05170", "Wesel, Kreis", ("90 Jahre und mehr",)),
        (13, "05170004", "Alpen", ("90 Jahre und mehr",)),
        (14, "05170004", "Alpen", ("85 bis unter 90 Jahre",)),
    ]
    assert all(row.stichtag == D for row in rows)
    assert rows[3].values == (31022, 14760, 16262, 27431, 13005, 14426, 3591, 1755, 1836)
    assert rows[3].statuses == ("ok",) * 9


def test_special_symbols_become_typed_status_not_numbers() -> None:
    wesel, alpen_90, alpen_85 = read(GOLDEN)[5:]
    assert wesel.values[-2:] == (None, None)
    assert wesel.statuses[-2:] == ("unknown", "blocked")
    assert alpen_90.values[-3:] == (0, 0, 0)  # "-": nothing there, exactly zero
    assert alpen_90.statuses[-3:] == ("nil", "nil", "nil")
    assert alpen_85.values[:3] == (None, None, None)
    assert alpen_85.statuses[:3] == ("later", "unreliable", "later")


def test_utf8_export_reads_like_latin1(tmp_path: Path) -> None:
    utf8 = write_variant(tmp_path, encoding="utf-8")
    export = DatencsvFile(utf8, BEVOELKERUNG)
    assert export.encoding == "utf-8"
    assert DatencsvFile(GOLDEN, BEVOELKERUNG).encoding == "latin-1"
    assert read(utf8) == read(GOLDEN)


def test_text_in_a_count_names_file_row_and_column(tmp_path: Path) -> None:
    path = write_variant(tmp_path, ("3591;1755;1836", "3591;17S5;1836"))
    with pytest.raises(ValueFormatError) as caught:
        read(path)
    problem = caught.value.problem
    assert (problem.file, problem.row, problem.column) == (path.name, 10, "12 (Ausländer / männlich)")
    assert "'17S5'" in problem.message


def test_renamed_header_is_a_layout_error(tmp_path: Path) -> None:
    path = write_variant(tmp_path, (";Ausländer;;", ";Ausländerinnen;;"))
    with pytest.raises(LayoutError) as caught:
        read(path)
    assert (caught.value.problem.row, caught.value.problem.column) == (5, "11")


def test_truncated_file_without_footer_is_rejected(tmp_path: Path) -> None:
    path = write_variant(tmp_path, drop_from="31.12.2022;05170004;        Alpen;85")
    with pytest.raises(LayoutError, match="footer"):
        read(path)


def test_missing_field_names_the_row(tmp_path: Path) -> None:
    path = write_variant(tmp_path, (";126;49;77", ";126;49"))
    with pytest.raises(LayoutError) as caught:
        read(path)
    assert caught.value.problem.row == 11
    assert "expected 13 fields, found 12" in caught.value.problem.message


def test_unknown_age_group_names_row_and_column(tmp_path: Path) -> None:
    path = write_variant(tmp_path, (";90 Jahre und mehr;131", ";90 und älter;131"))
    with pytest.raises(LayoutError) as caught:
        read(path)
    assert (caught.value.problem.row, caught.value.problem.column) == (13, "4 (altersgruppe)")


def test_line_without_stichtag_inside_the_data_names_the_row(tmp_path: Path) -> None:
    path = write_variant(
        tmp_path,
        (
            "31.12.2022;05913;      Dortmund, Kreisfreie Stadt;90",
            "3l.12.2022;05913;      Dortmund, Kreisfreie Stadt;90",
        ),
    )
    with pytest.raises(LayoutError) as caught:
        read(path)
    assert (caught.value.problem.row, caught.value.problem.column) == (11, "1 (Stichtag)")


@pytest.mark.parametrize("content", [b"", b"GENESIS-Tabelle: 12411-03-03-4\r\n"])
def test_empty_file_is_an_error_not_an_empty_table(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(LayoutError, match="no data rows"):
        read(path)
