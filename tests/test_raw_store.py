"""Loading landed files into the raw store: provenance, idempotency, atomicity, the Ruhr filter."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import duckdb
import pytest

from ingest.geography import RuhrGeography
from ingest.landing import SourceLoad, ingest_source
from ingest.raw_store import RawStore, file_sha256
from ingest.registry import load_registry

GOLDEN = Path(__file__).with_name("fixtures") / "genesis" / "12411-03-03-4_golden_latin1.csv"
SOURCE = load_registry().get("genesis_12411_bevoelkerung")


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    folder = tmp_path / "landing" / SOURCE.id
    folder.mkdir(parents=True)
    shutil.copy(GOLDEN, folder / GOLDEN.name)
    return tmp_path / "landing"


def ingest(landing: Path, store: RawStore) -> SourceLoad:
    return ingest_source(SOURCE, landing, store, RuhrGeography.from_seeds(), landing.parent / "quarantine")


def raw_rows(store: RawStore, sql: str) -> list[tuple]:
    with duckdb.connect(str(store.path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_keeps_ruhr_and_reference_areas_with_provenance(landing: Path, tmp_path: Path) -> None:
    store = RawStore(tmp_path / "raw.duckdb")
    load = ingest(landing, store)
    # 8 data rows, 051 Regierungsbezirk Düsseldorf is outside the Ruhr: 7 rows x 9 cells kept.
    assert load.rows_loaded == 63
    assert load.source_rows_skipped == 1
    assert raw_rows(store, f"select distinct area_key from {SOURCE.id} order by 1") == [
        ("05",),
        ("05170",),
        ("05170004",),
        ("05913",),
        ("DG",),
    ]
    cell = raw_rows(
        store,
        f"""select file_name, file_sha256, row_number, column_number, nationalitaet,
                                      geschlecht, anzahl, status
                               from {SOURCE.id} where area_key = '05170' and column_number = 13""",
    )
    assert cell == [(GOLDEN.name, file_sha256(GOLDEN), 12, 13, "Ausländer", "weiblich", None, "blocked")]


def test_unchanged_file_is_not_loaded_again(landing: Path, tmp_path: Path) -> None:
    store = RawStore(tmp_path / "raw.duckdb")
    ingest(landing, store)
    before = raw_rows(store, f"select count(*), min(loaded_at) from {SOURCE.id}")
    again = ingest(landing, store)
    assert again.files[0].unchanged
    assert again.rows_loaded == 0
    assert raw_rows(store, f"select count(*), min(loaded_at) from {SOURCE.id}") == before


def test_changed_file_replaces_its_previous_rows(landing: Path, tmp_path: Path) -> None:
    store = RawStore(tmp_path / "raw.duckdb")
    ingest(landing, store)
    path = landing / SOURCE.id / GOLDEN.name
    path.write_bytes(path.read_bytes().replace(b"6103;1636;4467", b"6104;1637;4467"))
    ingest(landing, store)
    assert raw_rows(store, f"select count(*) from {SOURCE.id}") == [(63,)]
    assert raw_rows(
        store,
        f"""select anzahl from {SOURCE.id} where area_key = '05913'
                               and altersgruppe = '90 Jahre und mehr' and column_number = 5""",
    ) == [(6104,)]


def test_bad_file_is_quarantined_and_its_previous_version_stays(landing: Path, tmp_path: Path) -> None:
    store = RawStore(tmp_path / "raw.duckdb")
    ingest(landing, store)
    before = raw_rows(store, f"select count(*), sum(anzahl), min(loaded_at) from {SOURCE.id}")
    path = landing / SOURCE.id / GOLDEN.name
    path.write_bytes(path.read_bytes().replace(b";131;31;100;", b";131;3l;100;"))
    bad_sha = file_sha256(path)

    load = ingest(landing, store)

    assert raw_rows(store, f"select count(*), sum(anzahl), min(loaded_at) from {SOURCE.id}") == before
    assert raw_rows(store, "select file_sha256 from ingest_log") == [(file_sha256(GOLDEN),)]
    assert not path.exists()
    [moved] = load.quarantined
    assert moved.file.read_bytes().count(b";3l;") == 1
    assert (moved.problem.row, moved.problem.column, moved.problem.rule) == (
        13,
        "6 (Insgesamt / männlich)",
        "value_format",
    )
    report = moved.report.read_text(encoding="utf-8")
    assert "| Zeile | 13 |" in report and "| Spalte | 6 (Insgesamt / männlich) |" in report
    assert f"sha256 {bad_sha}" in report
    assert json.loads(moved.report.with_suffix(".json").read_text())["row"] == 13


def test_one_bad_file_does_not_stop_the_others(landing: Path, tmp_path: Path) -> None:
    good = landing / SOURCE.id / "12411-03-03-4_zweite.csv"
    good.write_bytes(GOLDEN.read_bytes().replace(b"31.12.2022", b"31.12.2021"))
    bad = landing / SOURCE.id / GOLDEN.name
    bad.write_bytes(bad.read_bytes().replace(b"__________", b""))  # truncated: no footer
    store = RawStore(tmp_path / "raw.duckdb")

    load = ingest(landing, store)

    assert [file.file_name for file in load.loaded] == [good.name]
    assert [item.problem.rule for item in load.quarantined] == ["layout"]
    assert raw_rows(store, f"select distinct stichtag::varchar from {SOURCE.id}") == [("2021-12-31",)]


def test_unknown_key_inside_a_ruhr_kreis_is_quarantined(landing: Path, tmp_path: Path) -> None:
    path = landing / SOURCE.id / GOLDEN.name
    path.write_bytes(path.read_bytes().replace(b";05170004;        Alpen;90", b";05170099;        Neuort;90"))
    load = ingest(landing, RawStore(tmp_path / "raw.duckdb"))
    [moved] = load.quarantined
    assert (moved.problem.row, moved.problem.column, moved.problem.rule) == (
        13,
        "2 (Schlüssel)",
        "unknown_area",
    )
    assert "05170099" in moved.problem.message


def test_zipped_flat_file_loads_with_provenance_and_merkmale(tmp_path: Path) -> None:
    source = load_registry().get("genesis_22151_grundsicherung")
    golden = GOLDEN.with_name("22151_golden_flat.csv")
    folder = tmp_path / "landing" / source.id
    folder.mkdir(parents=True)
    with zipfile.ZipFile(folder / "22151_2022_flat.zip", "w") as archive:
        archive.write(golden, golden.name)
    store = RawStore(tmp_path / "raw.duckdb")

    load = ingest_source(source, tmp_path / "landing", store, RuhrGeography.from_seeds(), tmp_path / "q")

    assert (load.rows_loaded, load.source_rows_skipped) == (6, 1)  # Regierungsbezirk Düsseldorf skipped
    assert raw_rows(
        store,
        f"""select file_name, row_number, column_number, merkmale['GES'], value, status
                               from {source.id} where area_key = '05954' order by row_number""",
    ) == [
        ("22151_2022_flat.zip", 6, 14, "GESM", None, "unknown"),
        ("22151_2022_flat.zip", 7, 14, "GESW", 0.0, "nil"),
    ]


def test_the_store_counts_what_a_source_ever_delivered(landing: Path, tmp_path: Path) -> None:
    store = RawStore(tmp_path / "raw.duckdb")
    assert ingest(landing, store).files_in_store == 1
    (landing / SOURCE.id / GOLDEN.name).unlink()  # nothing landed this time: the earlier delivery counts
    assert ingest(landing, store).files_in_store == 1
    empty = tmp_path / "nothing" / "landing"
    (empty / SOURCE.id).mkdir(parents=True)
    assert ingest(empty, RawStore(tmp_path / "other.duckdb")).files_in_store == 0
