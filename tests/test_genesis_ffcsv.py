"""The GENESIS flat-file reader (ffcsv, plain or zipped) against a golden file, and its bad cases."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from ingest.errors import EncodingError, LayoutError, ValueFormatError
from ingest.genesis_ffcsv import FfcsvFile, FfcsvRow

GOLDEN = Path(__file__).with_name("fixtures") / "genesis" / "22151_golden_flat.csv"


def read(path: Path) -> list[FfcsvRow]:
    return list(FfcsvFile(path).rows())


def variant(tmp_path: Path, old: str, new: str, *, encoding: str = "utf-8") -> Path:
    text = GOLDEN.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "variant_flat.csv"
    path.write_bytes(text.replace(old, new, 1).encode(encoding))
    return path


def zipped(tmp_path: Path, *members: tuple[str, bytes]) -> Path:
    path = tmp_path / "22151_flat.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members:
            archive.writestr(name, content)
    return path


def test_golden_file_gives_exact_rows() -> None:
    rows = read(GOLDEN)
    assert [
        (r.line, r.area_variable, r.area_key, r.area_name, r.merkmale, r.value, r.status, r.value_q)
        for r in rows
    ] == [
        (2, "DINSG", "DG", "Deutschland", {"GES": "GESW"}, 381340.0, "ok", None),
        (3, "REGBEZ", "051", "Düsseldorf", {"GES": "GESW"}, 51200.0, "ok", None),
        (4, "KREISE", "05913", "Dortmund", {"GES": "GESW"}, 8604.0, "ok", "p"),
        (5, "KREISE", "05913", "Dortmund", {}, 15930.0, "ok", "p"),
        (6, "KREISE", "05954", "Ennepe-Ruhr-Kreis", {"GES": "GESM"}, None, "unknown", "."),
        (7, "KREISE", "05954", "Ennepe-Ruhr-Kreis", {"GES": "GESW"}, 0, "nil", None),
        (8, "DLAND", "05", "Nordrhein-Westfalen", {"GES": "GESW"}, 12.5, "ok", "e"),
    ]
    assert {(r.statistics_code, r.time, r.value_variable_code) for r in rows[:6]} == {
        ("22151", "2022-12-31", "ERW131")
    }
    assert rows[-1].value_unit == "%"


def test_zip_with_one_flat_csv_reads_like_the_csv(tmp_path: Path) -> None:
    assert read(zipped(tmp_path, ("22151_flat.csv", GOLDEN.read_bytes()))) == read(GOLDEN)


def test_zip_with_two_csv_files_is_rejected(tmp_path: Path) -> None:
    path = zipped(tmp_path, ("a_flat.csv", GOLDEN.read_bytes()), ("b_flat.csv", GOLDEN.read_bytes()))
    with pytest.raises(LayoutError, match="one CSV file"):
        read(path)


def test_text_in_value_names_row_and_column(tmp_path: Path) -> None:
    with pytest.raises(ValueFormatError) as caught:
        read(variant(tmp_path, ";8.604;", ";8,6O4;"))
    assert (caught.value.problem.row, caught.value.problem.column) == (4, "14 (value)")


def test_missing_required_column_is_named(tmp_path: Path) -> None:
    with pytest.raises(LayoutError) as caught:
        read(variant(tmp_path, ";time;", ";zeit;"))
    assert (caught.value.problem.row, caught.value.problem.column) == (1, "time")


def test_row_without_regional_variable_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(LayoutError, match="no regional variable") as caught:
        read(
            variant(
                tmp_path,
                ";KREISE;Kreise und kreisfreie Städte;05913;Dortmund;GES",
                ";XYZ;Xyz;05913;Dortmund;GES",
            )
        )
    assert caught.value.problem.row == 4


def test_latin1_file_is_an_encoding_error(tmp_path: Path) -> None:
    with pytest.raises(EncodingError, match="not UTF-8"):
        read(variant(tmp_path, "Empfänger", "Empfänger", encoding="latin-1"))


def test_header_only_file_has_no_data_rows(tmp_path: Path) -> None:
    path = tmp_path / "empty_flat.csv"
    path.write_text(GOLDEN.read_text(encoding="utf-8").splitlines()[0] + "\r\n", encoding="utf-8")
    with pytest.raises(LayoutError, match="no data rows"):
        read(path)
