"""The GENESIS flat-file reader on extracts of real answers of regionalstatistik.de (service version 5 of
2026, version 4 of 2024 in German and English; tests/fixtures/genesis/README.md), zipped or plain, and its
bad cases; the loader's content rules for a flat-file source.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from ingest.errors import EncodingError, LayoutError, ValueFormatError
from ingest.genesis_ffcsv import FfcsvFile, FfcsvRow
from ingest.geography import RuhrGeography
from ingest.landing import ingest_source
from ingest.raw_store import RawStore
from tests.support import FLAT_SOURCE

FIXTURES = Path(__file__).with_name("fixtures") / "genesis"
V5 = FIXTURES / "12411-01-01-4_v5_de_flat.csv"
V4_DE = FIXTURES / "12411-01-01-4_v4_de_flat.csv"
V4_EN = FIXTURES / "12411-01-01-4_v4_en_flat.csv"
MIKROZENSUS = FIXTURES / "12211-Z-11_v5_de_flat.csv"


def read(path: Path) -> list[FfcsvRow]:
    return list(FfcsvFile(path).rows())


def cells(rows: list[FfcsvRow]) -> set[tuple]:
    return {(row.area_key, tuple(row.merkmale.items()), row.value, row.status) for row in rows}


def variant(tmp_path: Path, source: Path, old: str, new: str, *, encoding: str = "utf-8") -> Path:
    text = source.read_bytes().decode("utf-8-sig")
    assert old in text
    path = tmp_path / source.name
    path.write_bytes(text.replace(old, new, 1).encode(encoding))
    return path


def zipped(tmp_path: Path, *members: tuple[str, bytes]) -> Path:
    path = tmp_path / "12411-01-01-4_flat.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members:
            archive.writestr(name, content)
    return path


def test_version_5_gives_the_real_values() -> None:
    rows = read(V5)
    dortmund = {row.merkmale["GES"]: row for row in rows if row.area_key == "05913"}
    assert {code: row.value for code, row in dortmund.items()} == {"": 603462, "GESM": 297860, "GESW": 305602}
    total = dortmund[""]  # the total: an empty attribute code, labelled Insgesamt
    assert (total.line, total.column, total.time, total.area_name) == (
        5,
        14,
        "2024-12-31",
        "Dortmund, kreisfreie Stadt",
    )
    assert (total.statistics_code, total.value_unit, total.value_variable_code) == (
        "12411",
        "Anzahl",
        "BEVSTD",
    )


def test_version_4_in_german_and_in_english_give_the_same_cells() -> None:
    """The German header names, the English one with the variable columns misnamed, the values in a
    column of their own (`BEVSTD__Bevoelkerungsstand__Anzahl`)."""
    german, english = read(V4_DE), read(V4_EN)
    assert cells(german) == cells(english)
    assert ("05913", (("GES", ""),), 595471.0, "ok") in cells(german)
    assert {row.time for row in german} == {"31.12.2023"} and {row.time for row in english} == {"2023-12-31"}
    assert {(row.value_variable_code, row.value_unit) for row in german} == {("BEVSTD", "Anzahl")}
    assert german[-1].area_name == "Dortmund, kreisfreie Stadt"  # the indentation removed


def test_a_zip_with_one_flat_csv_reads_like_the_csv(tmp_path: Path) -> None:
    archive = zipped(tmp_path, ("12411-01-01-4_1773175772751_de_flat.csv", V5.read_bytes()))
    assert read(archive) == read(V5)


def test_quality_flags_units_and_symbols_of_a_real_microcensus_table() -> None:
    rows = {(row.area_key, row.merkmale["LBFORM01"]): row for row in read(MIKROZENSUS)}
    dortmund = rows[("05913", "ALLEINST")]  # 164 (thousand) single people, estimated ("e")
    assert (dortmund.value, dortmund.value_unit, dortmund.value_q, dortmund.time) == (
        164.0,
        "1000",
        "e",
        "2019",
    )
    nuernberg = rows[("09564", "LB-INS")]  # "-": nothing there
    assert (nuernberg.value, nuernberg.status, nuernberg.value_q) == (0, "nil", None)


def test_a_zip_with_two_csv_files_is_rejected(tmp_path: Path) -> None:
    path = zipped(tmp_path, ("a_flat.csv", V5.read_bytes()), ("b_flat.csv", V5.read_bytes()))
    with pytest.raises(LayoutError, match="one CSV file"):
        read(path)


def test_text_in_a_value_names_row_and_column(tmp_path: Path) -> None:
    with pytest.raises(ValueFormatError) as caught:
        read(variant(tmp_path, V5, ";603462;", ";6O3462;"))
    assert (caught.value.problem.row, caught.value.problem.column) == (5, "14 (value)")


def test_a_missing_required_column_is_named(tmp_path: Path) -> None:
    with pytest.raises(LayoutError) as caught:
        read(variant(tmp_path, V5, ";time;", ";zeit;"))
    assert (caught.value.problem.row, caught.value.problem.column) == (1, "5")


def test_a_variable_with_three_columns_is_a_layout_error(tmp_path: Path) -> None:
    with pytest.raises(LayoutError, match="variable 2 has 3 columns"):
        read(variant(tmp_path, V5, ";2_variable_attribute_label;", ";"))


def test_a_row_without_regional_variable_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(LayoutError, match="no regional variable") as caught:
        read(variant(tmp_path, V5, ";KREISE;Kreise und kreisfreie Städte;05913", ";XYZ;Xyz;05913"))
    assert caught.value.problem.row == 4


def test_a_latin1_file_is_an_encoding_error(tmp_path: Path) -> None:
    with pytest.raises(EncodingError, match="not UTF-8"):
        read(variant(tmp_path, V5, "Bevölkerung", "Bevölkerung", encoding="latin-1"))


def test_a_header_only_file_has_no_data_rows(tmp_path: Path) -> None:
    path = tmp_path / "empty_flat.csv"
    path.write_text(V5.read_text(encoding="utf-8-sig").splitlines()[0] + "\n", encoding="utf-8")
    with pytest.raises(LayoutError, match="no data rows"):
        read(path)


# --- the loader's content rules ------------------------------------------------------------------------


def land(tmp_path: Path, path: Path) -> tuple[str | None, str]:
    """Ingest one landed file: the rule it was quarantined for (None: loaded) and the report's text."""
    landing = tmp_path / "landing"
    (landing / FLAT_SOURCE.id).mkdir(parents=True, exist_ok=True)
    (landing / FLAT_SOURCE.id / path.name).write_bytes(path.read_bytes())
    load = ingest_source(
        FLAT_SOURCE, landing, RawStore(tmp_path / "raw.duckdb"), RuhrGeography.from_seeds(), tmp_path / "q"
    )
    [quarantined] = load.quarantined or [None]
    if quarantined is None:
        return None, f"{load.rows_loaded} rows"
    return quarantined.problem.rule, str(quarantined.problem)


def test_a_real_flat_file_loads(tmp_path: Path) -> None:
    assert land(tmp_path, V4_DE) == (None, "12 rows")  # DG, NRW, Kreis Recklinghausen, Dortmund: 3 each


@pytest.mark.parametrize(
    ("old", "new", "rule", "words"),
    [
        (
            ";GESM;männlich;292178",
            ";GESM;männlich;292179",
            "totals",
            "GES total is 595471, but its 2 parts add up to 595472",
        ),
        (
            "05913;      Dortmund, kreisfreie Stadt;GES;Geschlecht;;Insgesamt",
            "05913;      Bochum, kreisfreie Stadt;GES;Geschlecht;;Insgesamt",
            "area_name",
            "officially 'Dortmund, Kreisfreie Stadt'",
        ),
        (
            "12411;Fortschreibung des Bevölkerungsstandes;STAG;Stichtag;31.12.2023;KREISE;Kreise und "
            "kreisfreie Städte;05913",
            "12421;Fortschreibung des Bevölkerungsstandes;STAG;Stichtag;31.12.2023;KREISE;Kreise und "
            "kreisfreie Städte;05913",
            "description",
            "this is statistic 12421",
        ),
        (
            ";05913;      Dortmund, kreisfreie Stadt;GES;Geschlecht;GESW",
            ";05999;      Dortmund, kreisfreie Stadt;GES;Geschlecht;GESW",
            "unknown_area",
            "'05999' is no official German key",
        ),
        (";GESM;männlich;292178", ";GESW;weiblich;292178", "duplicate_key", "delivered twice"),
    ],
)
def test_the_loader_quarantines_a_file_breaking_a_content_rule(tmp_path, old, new, rule, words) -> None:  # type: ignore[no-untyped-def]
    found_rule, report = land(tmp_path, variant(tmp_path, V4_DE, old, new))
    assert (found_rule, words in report) == (rule, True), report
